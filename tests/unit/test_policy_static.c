/*
 * test_policy_static.c - static routing: the routes pol_decide() installs
 * (every usable tunnel, distance encoding preference) as a decision table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_policy.h"

enum svariant { SV_AS, SV_AA, SV_GROUP };

struct scase {
	const char *name;
	enum svariant v;
	struct tobs o[2];               /* the static connection's tunnels */
	bool other_up;                  /* SV_GROUP: the preferred connection is up */
	enum pol_conn_status status;
	/* Routes of the static connection "prefix ifnum via dDIST", sorted. */
	const char *routes;
};

#define UP_ { T_UP, 0, 5, 0 }
#define R10(i, d) "192.168.10.0/24 " #i " via 169.254." #i ".2 d" #d "\n"
#define R20(i, d) "192.168.20.0/24 " #i " via 169.254." #i ".2 d" #d "\n"

static const struct scase cases[] = {
	{ "both up: preferred distance 1, backup pre-installed at 2", SV_AS,
	  { UP_, UP_ }, false, POL_CONN_UP, R10(30, 1) R10(31, 2) R20(30, 1) R20(31, 2) },
	{ "no BGP needed: IPsec up is enough", SV_AS,
	  { { T_CHILD, 0, 5, 0 }, { T_CHILD, 0, 5, 0 } }, false, POL_CONN_UP,
	  R10(30, 1) R10(31, 2) R20(30, 1) R20(31, 2) },
	{ "preferred down: only the backup remains", SV_AS,
	  { { T_DOWN, 0, 5, 90 }, UP_ }, false, POL_CONN_DEGRADED, R10(31, 2) R20(31, 2) },
	{ "health down: no route", SV_AS,
	  { { T_SICK, 0, 5, 90 }, UP_ }, false, POL_CONN_DEGRADED, R10(31, 2) R20(31, 2) },
	{ "both down: no routes", SV_AS,
	  { { T_DOWN, 0, 5, 90 }, { T_DOWN, 0, 5, 90 } }, false, POL_CONN_DOWN, "" },
	{ "preferred in hold-down: distance 3", SV_AS,
	  { { T_UP, 0, 95, 90 }, UP_ }, false, POL_CONN_DEGRADED,
	  R10(31, 2) R10(30, 3) R20(31, 2) R20(30, 3) },
	{ "preferred back, no alternative: no hold-down", SV_AS,
	  { { T_UP, 0, 95, 90 }, { T_DOWN, 0, 5, 90 } }, false, POL_CONN_DEGRADED,
	  R10(30, 1) R20(30, 1) },
	{ "preferred drained: distance 3", SV_AS,
	  { { T_UP, 1, 5, 0 }, UP_ }, false, POL_CONN_DEGRADED,
	  R10(31, 2) R10(30, 3) R20(31, 2) R20(30, 3) },
	{ "active-active: ECMP at distance 1", SV_AA,
	  { UP_, UP_ }, false, POL_CONN_UP, R10(30, 1) R10(31, 1) R20(30, 1) R20(31, 1) },
	{ "active-active, one in hold-down", SV_AA,
	  { UP_, { T_UP, 0, 95, 90 } }, false, POL_CONN_DEGRADED,
	  R10(30, 1) R10(31, 3) R20(30, 1) R20(31, 3) },
	{ "group standby connection: distances + 10", SV_GROUP,
	  { UP_, UP_ }, true, POL_CONN_UP, R10(30, 11) R10(31, 12) R20(30, 11) R20(31, 12) },
	{ "group: preferred connection down, this one active", SV_GROUP,
	  { UP_, UP_ }, false, POL_CONN_UP, R10(30, 1) R10(31, 2) R20(30, 1) R20(31, 2) },
};

static void
build(struct tcfg *t, enum svariant v)
{
	struct rd_connection *c, *p = NULL;

	tc_init(t, false);
	if (v == SV_GROUP) {
		p = tc_conn(t, "primary", RD_ROUTING_STATIC, 20, false);
		tc_static_route(t, p, "192.168.10.0/24");
		tc_static_route(t, p, "192.168.20.0/24");
		snprintf(p->group, sizeof p->group, "site");
		p->priority = 1;
	}
	c = tc_conn(t, "s", RD_ROUTING_STATIC, 30, false);
	tc_static_route(t, c, "192.168.20.0/24");
	tc_static_route(t, c, "192.168.10.0/24");
	tc_static_route(t, c, "192.168.10.0/24");      /* listed twice: installed once */
	if (v == SV_AA)
		c->mode = RD_MODE_ACTIVE_ACTIVE;
	if (v == SV_GROUP) {
		snprintf(c->group, sizeof c->group, "site");
		c->priority = 2;
	}
}

/* The routes through ifnum 30/31 as text. */
static const char *
routes_str(const struct pol_state *s, char *buf, size_t len)
{
	size_t off = 0;
	char p[20], nh[16];

	buf[0] = '\0';
	for (size_t r = 0; r < s->nroutes && off < len; r++)
		if (s->routes[r].ifnum >= 30)
			off += (size_t)snprintf(buf + off, len - off, "%s %u via %s d%u\n",
						rd_prefix_str(&s->routes[r].prefix, p),
						s->routes[r].ifnum,
						rd_ip_str(s->routes[r].nexthop, nh),
						s->routes[r].distance);
	return buf;
}

static void
test_table(void **state)
{
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct scase *sc = &cases[k];
		struct pol_obs obs[2][RD_MAX_TUNNELS];
		struct pol_state s;
		struct tcfg t;
		size_t me = sc->v == SV_GROUP ? 1 : 0;
		char buf[1024];

		build(&t, sc->v);
		for (size_t j = 0; j < 2; j++) {
			obs[me][j] = tc_obs(sc->o[j]);
			if (me)
				obs[0][j] = tc_obs(sc->other_up ? (struct tobs){ T_UP, 0, 5, 0 }
								: (struct tobs){ T_DOWN, 0, 5, 9 });
		}
		print_message("case: %s\n", sc->name);
		tc_decide(&t, obs, S(100), &s);
		assert_string_equal(pol_conn_status_str(s.conns[me].status),
				    pol_conn_status_str(sc->status));
		assert_string_equal(routes_str(&s, buf, sizeof buf), sc->routes);
		for (size_t j = 0; j < 2; j++) {
			const struct pol_tunnel_out *o = &s.tunnels[me][j];

			/* BGP fields of a static tunnel are inert. */
			assert_false(o->neighbor_enabled);
			assert_false(o->advertise);
			assert_int_equal(o->nadv, 0);
			assert_int_equal(o->med, 0);
			assert_int_equal(o->prepend, 0);
			assert_int_equal(o->local_pref, 0);
		}
		pol_state_free(&s);
	}
}

/* Routes are sorted by prefix, then distance, for every case. */
static void
test_sorted(void **state)
{
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct pol_obs obs[2][RD_MAX_TUNNELS];
		struct pol_state s;
		struct tcfg t;

		build(&t, cases[k].v);
		for (size_t i = 0; i < 2; i++)
			for (size_t j = 0; j < 2; j++)
				obs[i][j] = tc_obs(cases[k].o[j]);
		tc_decide(&t, obs, S(100), &s);
		for (size_t r = 1; r < s.nroutes; r++) {
			const struct pol_route *a = &s.routes[r - 1], *b = &s.routes[r];

			assert_true(a->prefix.addr < b->prefix.addr ||
				    (a->prefix.addr == b->prefix.addr &&
				     a->distance <= b->distance));
		}
		pol_state_free(&s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_sorted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
