/*
 * test_policy_group.c - pol_decide() across connections: redundancy groups
 * (handover to the backup connection, handback after the hold-down) and
 * CloudHub re-advertisement, as decision tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_policy.h"

/* Expected verdict and attributes of one tunnel. */
struct gexp {
	bool usable, hold;
	uint32_t med, prepend, lp;
};

/* Fixture defaults: MED 100/200, prepend 3. Non-active: LP/2-1, +3, +1000. */
#define PRI true, false, 100, 0, 200
#define BAK true, false, 200, 3, 100
#define S_PRI true, false, 1100, 3, 99
#define S_BAK true, false, 1200, 6, 49
#define S_HELD true, true, 1700, 6, 24
#define S_DEAD false, false, 1700, 6, 24        /* pre-armed, non-active */
#define DEAD false, false, 700, 3, 50           /* pre-armed, active */
#define S_DRN true, false, 2200, 13, 4
/* BFD down, session kept (still advertising), non-active: not pre-armed */
#define S_REJ_PRI false, false, 1100, 3, 99
#define S_REJ_BAK false, false, 1200, 6, 49

#define UP_ { T_UP, 0, 5, 0 }

struct gstep {
	const char *name;
	uint64_t now;
	struct tobs o[2][2];            /* [A, B][tun1, tun2] */
	bool a_active;                  /* else B is */
	enum pol_conn_status st[2];
	struct gexp e[2][2];
	uint64_t next_eval;
};

/* A sequence: A (priority 10) fails, B (priority 20) takes over, A returns. */
static const struct gstep handover[] = {
	{ "both connections up: A active, B signals standby", S(100),
	  { { UP_, UP_ }, { UP_, UP_ } }, true, { POL_CONN_UP, POL_CONN_UP },
	  { { { PRI }, { BAK } }, { { S_PRI }, { S_BAK } } }, 0 },
	{ "BFD fails on both of A's tunnels, B usable: not kept, handover to B", S(120),
	  { { { T_SICK, 0, 5, 120 }, { T_SICK, 0, 5, 120 } }, { UP_, UP_ } }, false,
	  { POL_CONN_DOWN, POL_CONN_UP },
	  { { { S_REJ_PRI }, { S_REJ_BAK } }, { { PRI }, { BAK } } }, S(120) + POL_HEALTH_SHUT_MS },
	{ "A's preferred tunnel fails: A stays active on its standby", S(150),
	  { { { T_DOWN, 0, 5, 150 }, UP_ }, { UP_, UP_ } }, true,
	  { POL_CONN_DEGRADED, POL_CONN_UP },
	  { { { DEAD }, { BAK } }, { { S_PRI }, { S_BAK } } }, 0 },
	{ "both of A's tunnels fail: handover to B", S(200),
	  { { { T_DOWN, 0, 5, 150 }, { T_DOWN, 0, 5, 200 } }, { UP_, UP_ } }, false,
	  { POL_CONN_DOWN, POL_CONN_UP },
	  { { { S_DEAD }, { S_DEAD } }, { { PRI }, { BAK } } }, 0 },
	{ "A's tunnel returns: hold-down, B keeps the traffic", S(302),
	  { { { T_UP, 0, 300, 150 }, { T_DOWN, 0, 5, 200 } }, { UP_, UP_ } }, false,
	  { POL_CONN_DEGRADED, POL_CONN_UP },
	  { { { S_HELD }, { S_DEAD } }, { { PRI }, { BAK } } }, S(310) },
	{ "hold-down expired: handback to A", S(310),
	  { { { T_UP, 0, 300, 150 }, { T_DOWN, 0, 5, 200 } }, { UP_, UP_ } }, true,
	  { POL_CONN_DEGRADED, POL_CONN_UP },
	  { { { PRI }, { DEAD } }, { { S_PRI }, { S_BAK } } }, 0 },
	{ "all down: the lowest priority is active", S(400),
	  { { { T_DOWN, 0, 5, 390 }, { T_DOWN, 0, 5, 390 } },
	    { { T_DOWN, 0, 5, 391 }, { T_DOWN, 0, 5, 391 } } }, true,
	  { POL_CONN_DOWN, POL_CONN_DOWN },
	  { { { DEAD }, { DEAD } }, { { S_DEAD }, { S_DEAD } } }, 0 },
	{ "both return, nothing settled: the earliest expiry is exempt", S(502),
	  { { { T_UP, 0, 500, 390 }, { T_DOWN, 0, 5, 390 } },
	    { { T_UP, 0, 501, 391 }, { T_DOWN, 0, 5, 391 } } }, true,
	  { POL_CONN_DEGRADED, POL_CONN_DEGRADED },
	  { { { PRI }, { DEAD } }, { { S_HELD }, { S_DEAD } } }, S(511) },
	{ "B returned first and carries: A waits out its hold-down", S(505),
	  { { { T_UP, 0, 504, 390 }, { T_DOWN, 0, 5, 390 } },
	    { { T_UP, 0, 500, 391 }, { T_DOWN, 0, 5, 391 } } }, false,
	  { POL_CONN_DEGRADED, POL_CONN_DEGRADED },
	  { { { S_HELD }, { S_DEAD } }, { { PRI }, { DEAD } } }, S(514) },
	{ "A drained entirely: the group moves to B", S(600),
	  { { { T_UP, 1, 5, 0 }, { T_UP, 1, 5, 0 } }, { UP_, UP_ } }, false,
	  { POL_CONN_DEGRADED, POL_CONN_UP },
	  { { { S_DRN }, { S_DRN } }, { { PRI }, { BAK } } }, 0 },
	{ "B down, A drained: A carries anyway", S(700),
	  { { { T_UP, 1, 5, 0 }, { T_UP, 1, 5, 0 } },
	    { { T_DOWN, 0, 0, 0 }, { T_DOWN, 0, 0, 0 } } }, true,
	  { POL_CONN_DEGRADED, POL_CONN_DOWN },
	  { { { true, false, 1200, 10, 10 }, { true, false, 1200, 10, 10 } },
	    { { false, false, 1100, 3, 99 }, { false, false, 1200, 6, 49 } } }, 0 },
};

static void
build_group(struct tcfg *t)
{
	struct rd_connection *a, *b;

	tc_init(t, false);
	tc_gw_prefix(t, "10.0.0.0/16");
	a = tc_conn(t, "dc-a", RD_ROUTING_DYNAMIC, 10, false);
	b = tc_conn(t, "dc-b", RD_ROUTING_DYNAMIC, 20, false);
	tc_peer_prefix(t, a, "172.16.0.0/16");
	tc_peer_prefix(t, b, "172.16.0.0/16");
	snprintf(a->group, sizeof a->group, "dc");
	snprintf(b->group, sizeof b->group, "dc");
	a->priority = 10;
	b->priority = 20;
}

static void
test_handover(void **state)
{
	struct tcfg t;

	build_group(&t);
	for (size_t k = 0; k < sizeof handover / sizeof handover[0]; k++) {
		const struct gstep *g = &handover[k];
		struct pol_obs obs[2][RD_MAX_TUNNELS];
		struct pol_state s;

		for (size_t i = 0; i < 2; i++)
			for (size_t j = 0; j < 2; j++)
				obs[i][j] = tc_obs(g->o[i][j]);
		print_message("step: %s\n", g->name);
		tc_decide(&t, obs, g->now, &s);
		assert_int_equal(s.conns[0].active, g->a_active);
		assert_int_equal(s.conns[1].active, !g->a_active);
		for (size_t i = 0; i < 2; i++) {
			assert_string_equal(pol_conn_status_str(s.conns[i].status),
					    pol_conn_status_str(g->st[i]));
			for (size_t j = 0; j < 2; j++) {
				const struct pol_tunnel_out *o = &s.tunnels[i][j];
				const struct gexp *e = &g->e[i][j];

				print_message("  conn %zu tun%zu\n", i, j + 1);
				assert_int_equal(o->usable, e->usable);
				assert_int_equal(o->in_hold_down, e->hold);
				assert_int_equal(o->med, e->med);
				assert_int_equal(o->prepend, e->prepend);
				assert_int_equal(o->local_pref, e->lp);
			}
		}
		assert_int_equal(s.next_eval_ms, g->next_eval);
		pol_state_free(&s);
	}
}

/* The active connection's every settled tunnel outranks every tunnel of
 * the standby connection, in both directions. */
static void
test_standby_always_worse(void **state)
{
	struct tcfg t;
	struct pol_obs obs[2][RD_MAX_TUNNELS];
	struct pol_state s;

	build_group(&t);
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 2; j++)
			obs[i][j] = tc_obs((struct tobs){ T_UP, 0, 5, 0 });
	tc_decide(&t, obs, S(100), &s);
	for (size_t j = 0; j < 2; j++) {
		for (size_t l = 0; l < 2; l++) {
			const struct pol_tunnel_out *act = &s.tunnels[0][j], *sb = &s.tunnels[1][l];

			assert_true(act->local_pref > sb->local_pref);
			assert_true(act->prepend < sb->prepend ||
				    (act->prepend == sb->prepend && act->med < sb->med));
		}
	}
	pol_state_free(&s);
}

/* CloudHub: connection-level observations and the adverts of each tun1. */
enum cstate { C_UP, C_DEGRADED, C_DOWN };

struct hcase {
	const char *name;
	bool hub;
	enum cstate c[5];               /* A, B, C (static), E, F (group "dc") */
	const char *adv[5];             /* tun1's advertised set */
};

#define GW "10.0.0.0/16"
static const struct hcase hub_cases[] = {
	{ "all up: every site gets the others, never its own", true,
	  { C_UP, C_UP, C_UP, C_UP, C_UP },
	  { GW ",172.16.2.0/24,172.16.3.0/24,172.16.9.0/24",
	    GW ",172.16.1.0/24,172.16.3.0/24,172.16.9.0/24",
	    "",         /* static: no BGP */
	    GW ",172.16.1.0/24,172.16.2.0/24,172.16.3.0/24",
	    GW ",172.16.1.0/24,172.16.2.0/24,172.16.3.0/24" } },
	{ "A degraded: still reachable, still advertised", true,
	  { C_DEGRADED, C_UP, C_UP, C_UP, C_UP },
	  { GW ",172.16.2.0/24,172.16.3.0/24,172.16.9.0/24",
	    GW ",172.16.1.0/24,172.16.3.0/24,172.16.9.0/24", "",
	    GW ",172.16.1.0/24,172.16.2.0/24,172.16.3.0/24",
	    GW ",172.16.1.0/24,172.16.2.0/24,172.16.3.0/24" } },
	{ "A down: its prefix withdrawn at the others", true,
	  { C_DOWN, C_UP, C_UP, C_UP, C_UP },
	  { "", GW ",172.16.3.0/24,172.16.9.0/24", "",
	    GW ",172.16.2.0/24,172.16.3.0/24", GW ",172.16.2.0/24,172.16.3.0/24" } },
	{ "static site down: its static routes withdrawn", true,
	  { C_UP, C_UP, C_DOWN, C_UP, C_UP },
	  { GW ",172.16.2.0/24,172.16.9.0/24", GW ",172.16.1.0/24,172.16.9.0/24", "",
	    GW ",172.16.1.0/24,172.16.2.0/24", GW ",172.16.1.0/24,172.16.2.0/24" } },
	{ "one group member down: the group's prefix stays", true,
	  { C_UP, C_UP, C_UP, C_DOWN, C_UP },
	  { GW ",172.16.2.0/24,172.16.3.0/24,172.16.9.0/24",
	    GW ",172.16.1.0/24,172.16.3.0/24,172.16.9.0/24", "", "",
	    GW ",172.16.1.0/24,172.16.2.0/24,172.16.3.0/24" } },
	{ "not a hub: only the gateway's prefixes", false,
	  { C_UP, C_UP, C_UP, C_UP, C_UP }, { GW, GW, "", GW, GW } },
};

static struct tobs
conn_tobs(enum cstate c, size_t j)
{
	if (c == C_DOWN || (c == C_DEGRADED && j == 1))
		return (struct tobs){ T_DOWN, 0, 5, 90 };
	return (struct tobs){ T_UP, 0, 5, 0 };
}

static void
test_hub(void **state)
{
	for (size_t k = 0; k < sizeof hub_cases / sizeof hub_cases[0]; k++) {
		const struct hcase *h = &hub_cases[k];
		struct rd_connection *c[5];
		struct pol_obs obs[5][RD_MAX_TUNNELS];
		struct pol_state s;
		struct tcfg t;
		char buf[256];

		tc_init(&t, h->hub);
		tc_gw_prefix(&t, GW);
		c[0] = tc_conn(&t, "a", RD_ROUTING_DYNAMIC, 10, false);
		c[1] = tc_conn(&t, "b", RD_ROUTING_DYNAMIC, 20, false);
		c[2] = tc_conn(&t, "c", RD_ROUTING_STATIC, 30, false);
		c[3] = tc_conn(&t, "e", RD_ROUTING_DYNAMIC, 40, false);
		c[4] = tc_conn(&t, "f", RD_ROUTING_DYNAMIC, 50, false);
		tc_peer_prefix(&t, c[0], "172.16.1.0/24");
		tc_peer_prefix(&t, c[1], "172.16.2.0/24");
		tc_static_route(&t, c[2], "172.16.3.0/24");
		tc_peer_prefix(&t, c[3], "172.16.9.0/24");
		tc_peer_prefix(&t, c[4], "172.16.9.0/24");
		snprintf(c[3]->group, sizeof c[3]->group, "dc");
		snprintf(c[4]->group, sizeof c[4]->group, "dc");
		c[4]->priority = 200;
		for (size_t i = 0; i < 5; i++)
			for (size_t j = 0; j < 2; j++)
				obs[i][j] = tc_obs(conn_tobs(h->c[i], j));
		print_message("case: %s\n", h->name);
		tc_decide(&t, obs, S(100), &s);
		for (size_t i = 0; i < 5; i++) {
			print_message("  conn %zu\n", i);
			assert_string_equal(tc_adv_str(&s, i, 0, buf, sizeof buf), h->adv[i]);
		}
		pol_state_free(&s);
	}
}

/*
 * Same site, several connections: a second connection to the same customer
 * gateway (G, static) is A's own site; H is another site that also claims
 * A's prefix. Nothing of a site's own goes back to it.
 */
static void
test_hub_same_site(void **state)
{
	static const char *const want[] = {
		"10.0.0.0/16,172.16.2.0/24,172.16.8.0/24",                 /* A */
		"10.0.0.0/16,172.16.1.0/24,172.16.7.0/24,172.16.8.0/24",   /* B */
		"",                                                         /* G: static */
		"10.0.0.0/16,172.16.2.0/24,172.16.7.0/24",                 /* H */
	};
	struct rd_connection *a, *b, *g, *h;
	struct pol_obs obs[4][RD_MAX_TUNNELS];
	struct pol_state s;
	struct tcfg t;
	char buf[256];

	tc_init(&t, true);
	tc_gw_prefix(&t, GW);
	a = tc_conn(&t, "a", RD_ROUTING_DYNAMIC, 10, false);
	b = tc_conn(&t, "b", RD_ROUTING_DYNAMIC, 20, false);
	g = tc_conn(&t, "g", RD_ROUTING_STATIC, 30, false);
	h = tc_conn(&t, "h", RD_ROUTING_DYNAMIC, 40, false);
	tc_peer_prefix(&t, a, "172.16.1.0/24");
	tc_peer_prefix(&t, b, "172.16.2.0/24");
	g->peer = a->peer;
	memcpy(g->peer_name, a->peer_name, sizeof g->peer_name);
	tc_static_route(&t, g, "172.16.7.0/24");
	tc_peer_prefix(&t, h, "172.16.8.0/24");
	tc_peer_prefix(&t, h, "172.16.1.0/24");
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 2; j++)
			obs[i][j] = tc_obs((struct tobs){ T_UP, 0, 5, 0 });
	tc_decide(&t, obs, S(100), &s);
	for (size_t i = 0; i < 4; i++) {
		print_message("  conn %zu\n", i);
		assert_string_equal(tc_adv_str(&s, i, 0, buf, sizeof buf), want[i]);
		assert_string_equal(tc_adv_str(&s, i, 1, buf, sizeof buf), want[i]);
	}
	pol_state_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handover),
		cmocka_unit_test(test_standby_always_worse),
		cmocka_unit_test(test_hub),
		cmocka_unit_test(test_hub_same_site),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
