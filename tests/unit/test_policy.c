/*
 * test_policy.c - pol_decide() on one dynamic connection, as decision
 * tables: observations + time -> status, reason, per-tunnel verdict and
 * attributes; and a flapping sequence checked through pol_diff().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_policy.h"

/* Expected verdict of one tunnel. */
struct texp {
	bool usable, hold, nbr, adv, reject;
	uint32_t med, prepend, lp;
	bool gshut;             /* GRACEFUL_SHUTDOWN on what is advertised */
};

/* Attribute sets (MED, prepend, LP, GRACEFUL_SHUTDOWN tag) with the fixture's
 * defaults (MED 100/200, prepend 3). */
#define PRI 100, 0, 200, false
#define BAK 200, 3, 100, false
#define HLD 700, 3, 50, false
#define DRN 1200, 10, 10, true          /* + GRACEFUL_SHUTDOWN */
/* Verdict shorthands: usable, in hold-down, neighbor, advertise, reject. */
#define CARRY true, false, true, true, false    /* usable, settled */
#define HELD true, true, true, true, false      /* usable, in hold-down */
#define DEAD false, false, false, false, false  /* IPsec SA down */
#define NBR false, false, true, false, false    /* neighbor up, BGP not yet */
#define REJ false, false, true, true, true      /* BFD failed: routes rejected, adverts stay */
#define SHUT false, false, false, false, true   /* ... and the neighbor shut */

enum variant {
	V_DEFAULT,
	V_AA,           /* active-active */
	V_NOHOLD,       /* hold_down 0 */
	V_BFD,          /* BFD configured */
	V_MED,          /* signal MED only */
	V_PREPEND,      /* signal PREPEND only */
	V_PREF2,        /* tun2 preferred */
};

struct tcase {
	const char *name;
	enum variant v;
	struct tobs o[2];
	uint64_t now;
	enum pol_conn_status status;
	const char *reason;
	struct texp e[2];
	uint64_t next_eval;
};

static const struct tcase cases[] = {
	{ "both up: active-standby attributes", V_DEFAULT,
	  { { T_UP, 0, 5, 0 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_UP, "",
	  { { CARRY, PRI }, { CARRY, BAK } }, 0 },
	{ "preferred IPsec down: standby carries, attributes not swapped", V_DEFAULT,
	  { { T_DOWN, 0, 5, 990 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: IPsec SA down",
	  { { DEAD, HLD }, { CARRY, BAK } }, 0 },
	{ "preferred never came up: no pre-armed hold-down", V_DEFAULT,
	  { { T_DOWN, 0, 0, 0 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: IPsec SA down",
	  { { DEAD, PRI }, { CARRY, BAK } }, 0 },
	{ "IKE only is IPsec SA down", V_DEFAULT,
	  { { T_IKE, 0, 5, 990 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: IPsec SA down",
	  { { DEAD, HLD }, { CARRY, BAK } }, 0 },
	{ "both down: DOWN", V_DEFAULT,
	  { { T_DOWN, 0, 5, 990 }, { T_DOWN, 0, 5, 991 } }, S(1000), POL_CONN_DOWN,
	  "tun1: IPsec SA down; tun2: IPsec SA down",
	  { { DEAD, HLD }, { DEAD, HLD } }, 0 },
	{ "child up, BGP not established: neighbor enabled, nothing advertised", V_DEFAULT,
	  { { T_CHILD, 0, 5, 990 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: BGP not established",
	  { { NBR, HLD }, { CARRY, BAK } }, 0 },
	{ "health check just failed, another tunnel usable: routes rejected, session and "
	  "attributes kept", V_DEFAULT,
	  { { T_SICK, 0, 5, 998 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: health check down",
	  { { REJ, PRI }, { CARRY, BAK } }, S(998) + POL_HEALTH_SHUT_MS },
	{ "health check failed for POL_HEALTH_SHUT_MS: neighbor shut", V_DEFAULT,
	  { { T_SICK, 0, 5, 995 }, { T_UP, 0, 5, 0 } }, S(995) + POL_HEALTH_SHUT_MS,
	  POL_CONN_DEGRADED, "tun1: health check down",
	  { { SHUT, HLD }, { CARRY, BAK } }, 0 },
	{ "health check down without hold-down: rejected all the same", V_NOHOLD,
	  { { T_SICK, 0, 5, 999 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: health check down",
	  { { REJ, PRI }, { CARRY, BAK } }, S(999) + POL_HEALTH_SHUT_MS },
	{ "BFD down names BFD", V_BFD,
	  { { T_UP, 0, 5, 0 }, { T_SICK, 0, 5, 990 } }, S(1000), POL_CONN_DEGRADED,
	  "tun2: BFD down",
	  { { CARRY, PRI }, { SHUT, HLD } }, 0 },
	{ "both BFD down at once (a stall): both kept, nothing changes", V_BFD,
	  { { T_SICK, 0, 5, 990 }, { T_SICK, 0, 5, 990 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: BFD down, kept: no other path; tun2: BFD down, kept: no other path",
	  { { CARRY, PRI }, { CARRY, BAK } }, 0 },
	{ "BFD down on the last tunnel with a session: kept", V_BFD,
	  { { T_DOWN, 0, 5, 980 }, { T_SICK, 0, 5, 990 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: IPsec SA down; tun2: BFD down, kept: no other path",
	  { { DEAD, HLD }, { CARRY, BAK } }, 0 },
	{ "BFD down, the other tunnel without BGP: kept", V_BFD,
	  { { T_SICK, 0, 5, 990 }, { T_CHILD, 0, 5, 980 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: BFD down, kept: no other path; tun2: BGP not established",
	  { { CARRY, PRI }, { NBR, HLD } }, 0 },
	{ "preferred back: hold-down, backup attributes, LP 50", V_DEFAULT,
	  { { T_UP, 0, 995, 990 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: hold-down 5 s left",
	  { { HELD, HLD }, { CARRY, BAK } }, S(1005) },
	{ "hold-down seconds left round up", V_DEFAULT,
	  { { T_UP, 0, 995, 990 }, { T_UP, 0, 5, 0 } }, S(1004) + 1, POL_CONN_DEGRADED,
	  "tun1: hold-down 1 s left",
	  { { HELD, HLD }, { CARRY, BAK } }, S(1005) },
	{ "hold-down expired: preferred again", V_DEFAULT,
	  { { T_UP, 0, 995, 990 }, { T_UP, 0, 5, 0 } }, S(1005), POL_CONN_UP, "",
	  { { CARRY, PRI }, { CARRY, BAK } }, 0 },
	{ "no alternative: hold-down skipped", V_DEFAULT,
	  { { T_UP, 0, 995, 990 }, { T_DOWN, 0, 5, 900 } }, S(1000), POL_CONN_DEGRADED,
	  "tun2: IPsec SA down",
	  { { CARRY, PRI }, { DEAD, HLD } }, 0 },
	{ "no alternative (standby BGP down): hold-down skipped", V_DEFAULT,
	  { { T_UP, 0, 995, 990 }, { T_CHILD, 0, 5, 900 } }, S(1000), POL_CONN_DEGRADED,
	  "tun2: BGP not established",
	  { { CARRY, PRI }, { NBR, HLD } }, 0 },
	{ "standby back: hold-down", V_DEFAULT,
	  { { T_UP, 0, 5, 0 }, { T_UP, 0, 995, 990 } }, S(1000), POL_CONN_DEGRADED,
	  "tun2: hold-down 5 s left",
	  { { CARRY, PRI }, { HELD, HLD } }, S(1005) },
	{ "both back: the one expiring first is exempt, the other waits", V_DEFAULT,
	  { { T_UP, 0, 996, 989 }, { T_UP, 0, 995, 990 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: hold-down 6 s left",
	  { { HELD, HLD }, { CARRY, BAK } }, S(1006) },
	{ "both back after going down together (a stall of this host): no hold-down",
	  V_DEFAULT,
	  { { T_UP, 0, 996, 990 }, { T_UP, 0, 995, 990 } }, S(1000), POL_CONN_UP, "",
	  { { CARRY, PRI }, { CARRY, BAK } }, 0 },
	{ "hold-down 0: never held, never pre-armed", V_NOHOLD,
	  { { T_UP, 0, 995, 990 }, { T_DOWN, 0, 5, 991 } }, S(1000), POL_CONN_DEGRADED,
	  "tun2: IPsec SA down",
	  { { CARRY, PRI }, { DEAD, BAK } }, 0 },
	{ "hold-down 0 with alternative: preferred at once", V_NOHOLD,
	  { { T_UP, 0, 995, 990 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_UP, "",
	  { { CARRY, PRI }, { CARRY, BAK } }, 0 },
	{ "drain preferred: worst attributes, neighbor stays", V_DEFAULT,
	  { { T_UP, 1, 5, 0 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: drained",
	  { { CARRY, DRN }, { CARRY, BAK } }, 0 },
	{ "drain standby", V_DEFAULT,
	  { { T_UP, 0, 5, 0 }, { T_UP, 1, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun2: drained",
	  { { CARRY, PRI }, { CARRY, DRN } }, 0 },
	{ "drained sole tunnel still carries", V_DEFAULT,
	  { { T_UP, 1, 5, 0 }, { T_DOWN, 0, 5, 900 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: drained; tun2: IPsec SA down",
	  { { CARRY, DRN }, { DEAD, HLD } }, 0 },
	{ "drained and IPsec down: drain does not touch the neighbor", V_DEFAULT,
	  { { T_DOWN, 1, 5, 990 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: IPsec SA down",
	  { { DEAD, DRN }, { CARRY, BAK } }, 0 },
	{ "drained in hold-down: drain wins", V_DEFAULT,
	  { { T_UP, 1, 995, 990 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: hold-down 5 s left",
	  { { HELD, DRN }, { CARRY, BAK } }, S(1005) },
	{ "drained, BGP not established: tagged, neighbor stays", V_DEFAULT,
	  { { T_CHILD, 1, 5, 990 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: BGP not established",
	  { { NBR, DRN }, { CARRY, BAK } }, 0 },
	{ "both drained: both tagged, both carry", V_DEFAULT,
	  { { T_UP, 1, 5, 0 }, { T_UP, 1, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: drained; tun2: drained",
	  { { CARRY, DRN }, { CARRY, DRN } }, 0 },
	{ "active-active drained: tagged", V_AA,
	  { { T_UP, 0, 5, 0 }, { T_UP, 1, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun2: drained",
	  { { CARRY, PRI }, { CARRY, DRN } }, 0 },
	{ "active-active: equal attributes (ECMP)", V_AA,
	  { { T_UP, 0, 5, 0 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_UP, "",
	  { { CARRY, PRI }, { CARRY, PRI } }, 0 },
	{ "active-active: one in hold-down", V_AA,
	  { { T_UP, 0, 5, 0 }, { T_UP, 0, 998, 990 } }, S(1000), POL_CONN_DEGRADED,
	  "tun2: hold-down 8 s left",
	  { { CARRY, PRI }, { HELD, HLD } }, S(1008) },
	{ "active-active: one down", V_AA,
	  { { T_DOWN, 0, 5, 999 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_DEGRADED,
	  "tun1: IPsec SA down",
	  { { DEAD, HLD }, { CARRY, PRI } }, 0 },
	{ "signal MED only: standby has no prepend", V_MED,
	  { { T_UP, 0, 5, 0 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_UP, "",
	  { { CARRY, PRI }, { CARRY, 200, 0, 100, false } }, 0 },
	{ "signal PREPEND only: standby keeps the primary MED", V_PREPEND,
	  { { T_UP, 0, 5, 0 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_UP, "",
	  { { CARRY, PRI }, { CARRY, 100, 3, 100, false } }, 0 },
	{ "tun2 preferred", V_PREF2,
	  { { T_UP, 0, 5, 0 }, { T_UP, 0, 5, 0 } }, S(1000), POL_CONN_UP, "",
	  { { CARRY, BAK }, { CARRY, PRI } }, 0 },
};

static void
build(struct tcfg *t, enum variant v)
{
	struct rd_connection *c;

	tc_init(t, false);
	tc_gw_prefix(t, "10.0.1.0/24");
	tc_gw_prefix(t, "10.0.0.0/16");
	tc_gw_prefix(t, "10.0.1.0/24");       /* duplicate: advertised once */
	c = tc_conn(t, "vpn1", RD_ROUTING_DYNAMIC, 10, false);
	tc_peer_prefix(t, c, "192.168.0.0/24");
	switch (v) {
	case V_AA: c->mode = RD_MODE_ACTIVE_ACTIVE; break;
	case V_NOHOLD: c->hold_down = 0; break;
	case V_BFD: c->tunnels[0].health.bfd = c->tunnels[1].health.bfd = true; break;
	case V_MED: c->signal = RD_SIGNAL_MED; break;
	case V_PREPEND: c->signal = RD_SIGNAL_PREPEND; break;
	case V_PREF2: c->preferred = 1; break;
	case V_DEFAULT: break;
	}
}

static void
check_tunnel(const char *name, size_t j, const struct texp *e, const struct pol_state *s)
{
	const struct pol_tunnel_out *t = &s->tunnels[0][j];
	char buf[128];

	print_message("  %s: tun%zu\n", name, j + 1);
	assert_int_equal(t->ifnum, 10 + j);
	assert_int_equal(t->usable, e->usable);
	assert_int_equal(t->in_hold_down, e->hold);
	assert_int_equal(t->neighbor_enabled, e->nbr);
	assert_int_equal(t->advertise, e->adv);
	assert_int_equal(t->reject, e->reject);
	assert_int_equal(t->med, e->med);
	assert_int_equal(t->prepend, e->prepend);
	assert_int_equal(t->local_pref, e->lp);
	assert_int_equal(t->gshut, e->gshut);
	assert_string_equal(tc_adv_str(s, 0, j, buf, sizeof buf),
			    e->adv ? "10.0.0.0/16,10.0.1.0/24" : "");
}

static void
test_table(void **state)
{
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct tcase *tc = &cases[k];
		struct pol_obs obs[1][RD_MAX_TUNNELS] = {
			{ tc_obs(tc->o[0]), tc_obs(tc->o[1]) } };
		struct pol_state s;
		struct tcfg t;

		build(&t, tc->v);
		tc_decide(&t, obs, tc->now, &s);
		print_message("case: %s\n", tc->name);
		assert_int_equal(s.nconns, 1);
		assert_string_equal(pol_conn_status_str(s.conns[0].status),
				    pol_conn_status_str(tc->status));
		assert_string_equal(s.conns[0].reason, tc->reason);
		assert_true(s.conns[0].active);
		for (size_t j = 0; j < 2; j++)
			check_tunnel(tc->name, j, &tc->e[j], &s);
		assert_int_equal(s.next_eval_ms, tc->next_eval);
		assert_int_equal(s.nroutes, 0);
		pol_state_free(&s);
	}
}

/* A failed probe is one-sided (the far end may see nothing wrong): the
 * adverts go at once; a failed BFD session leaves them (the far end's BFD
 * is down too). Both reject the routes and keep the session for now. */
static void
test_probe_withdraws(void **state)
{
	for (int probe = 0; probe < 2; probe++) {
		struct pol_obs obs[1][RD_MAX_TUNNELS] = {
			{ tc_obs((struct tobs){ T_SICK, 0, 5, 999 }),
			  tc_obs((struct tobs){ T_UP, 0, 5, 0 }) } };
		struct pol_state s;
		struct tcfg t;

		build(&t, V_BFD);
		obs[0][0].probe_failed = probe;
		tc_decide(&t, obs, S(1000), &s);
		assert_true(s.tunnels[0][0].reject);
		assert_true(s.tunnels[0][0].neighbor_enabled);
		assert_int_equal(s.tunnels[0][0].advertise, !probe);
		assert_int_equal(s.tunnels[0][0].nadv, probe ? 0 : 2);
		assert_string_equal(s.conns[0].reason, probe ? "tun1: probe down" : "tun1: BFD down");
		pol_state_free(&s);
		/* A steering connection keeps them: its survivor's win. */
		t.conns[0].steer = true;
		tc_decide(&t, obs, S(1000), &s);
		assert_true(s.tunnels[0][0].reject);
		assert_true(s.tunnels[0][0].advertise);
		assert_int_equal(s.tunnels[0][0].med, 100);
		assert_true(s.tunnels[0][1].steer);
		pol_state_free(&s);
	}
}

/* A tunnel back POL_BLIP_MS after it went down is held; one back sooner
 * (every BFD session down and up within ms: a stall) is not. */
static void
test_blip(void **state)
{
	for (uint64_t down_ms = POL_BLIP_MS - 1; down_ms <= POL_BLIP_MS; down_ms++) {
		struct pol_obs obs[1][RD_MAX_TUNNELS] = {
			{ tc_obs((struct tobs){ T_UP, 0, 995, 995 }),
			  tc_obs((struct tobs){ T_UP, 0, 5, 0 }) } };
		struct pol_state s;
		struct tcfg t;

		build(&t, V_BFD);
		obs[0][0].up_since_ms = obs[0][0].last_down_ms + down_ms;
		tc_decide(&t, obs, S(996), &s);
		assert_int_equal(s.tunnels[0][0].in_hold_down, down_ms >= POL_BLIP_MS);
		assert_int_equal(s.tunnels[0][0].local_pref,
				 down_ms >= POL_BLIP_MS ? POL_LP_HOLD_DOWN : POL_LP_PRIMARY);
		pol_state_free(&s);
	}
}

/* Both tunnels back 0.8 s after going down: held down unless their downs
 * were at most POL_STALL_MS apart (a stall of the gateway); edge at +1 ms. */
static void
test_stall(void **state)
{
	for (uint64_t apart = POL_STALL_MS; apart <= POL_STALL_MS + 1; apart++) {
		struct pol_obs obs[1][RD_MAX_TUNNELS] = {
			{ tc_obs((struct tobs){ T_UP, 0, 995, 995 }),
			  tc_obs((struct tobs){ T_UP, 0, 995, 995 }) } };
		struct pol_state s;
		struct tcfg t;

		build(&t, V_BFD);
		obs[0][1].last_down_ms = obs[0][0].last_down_ms + apart;
		obs[0][0].up_since_ms = obs[0][0].last_down_ms + 800;
		obs[0][1].up_since_ms = obs[0][0].last_down_ms + 900;
		tc_decide(&t, obs, S(996), &s);
		/* tun2 expires last: it waits when held; tun1 is exempt */
		assert_int_equal(s.tunnels[0][1].in_hold_down, apart > POL_STALL_MS);
		assert_int_equal(s.tunnels[0][0].in_hold_down, false);
		assert_int_equal(s.tunnels[0][0].local_pref, POL_LP_PRIMARY);
		pol_state_free(&s);
	}
}

/*
 * Flapping faster than the hold-down: the preferred tunnel goes down and
 * comes back every few seconds. The standby carries throughout (highest
 * LOCAL_PREF, best advertised attributes), the standby is never touched,
 * the flapping tunnel only gets neighbor and advert changes, and one
 * ATTRS gives traffic back when a hold-down finally expires.
 */
struct flap_step {
	uint64_t now;
	struct tobs o[2];
	int carrier;            /* tunnel index carrying traffic */
	const char *changes;    /* pol_diff() from the previous step */
	uint64_t next_eval;
};

#define ADV(op, n) op " " #n " 10.0.0.0/16\n" op " " #n " 10.0.1.0/24\n"

static const struct flap_step flap[] = {
	{ S(100), { { T_UP, 0, 10, 0 }, { T_UP, 0, 10, 0 } }, 0, NULL, 0 },
	{ S(200), { { T_DOWN, 0, 10, 200 }, { T_UP, 0, 10, 0 } }, 1,
	  "neighbor-disable 10\n" ADV("adv-del", 10) "attrs 10\n", 0 },
	{ S(201), { { T_CHILD, 0, 10, 200 }, { T_UP, 0, 10, 0 } }, 1,
	  "neighbor-enable 10\n", 0 },
	{ S(202), { { T_UP, 0, 202, 200 }, { T_UP, 0, 10, 0 } }, 1,
	  ADV("adv-add", 10), S(212) },
	{ S(205), { { T_DOWN, 0, 202, 205 }, { T_UP, 0, 10, 0 } }, 1,
	  "neighbor-disable 10\n" ADV("adv-del", 10), 0 },
	{ S(206), { { T_UP, 0, 206, 205 }, { T_UP, 0, 10, 0 } }, 1,
	  "neighbor-enable 10\n" ADV("adv-add", 10), S(216) },
	{ S(210), { { T_SICK, 0, 206, 210 }, { T_UP, 0, 10, 0 } }, 1,
	  "attrs 10\n", S(210) + POL_HEALTH_SHUT_MS },
	{ S(211), { { T_UP, 0, 211, 210 }, { T_UP, 0, 10, 0 } }, 1,
	  "attrs 10\n", S(221) },
	{ S(220), { { T_UP, 0, 211, 210 }, { T_UP, 0, 10, 0 } }, 1, "", S(221) },
	{ S(221), { { T_UP, 0, 211, 210 }, { T_UP, 0, 10, 0 } }, 0, "attrs 10\n", 0 },
};

/* The tunnel with the highest LOCAL_PREF and, separately, the best
 * advertised path (shortest prepend, then lowest MED); they must agree. */
static int
carrier(const struct pol_state *s)
{
	int lp = -1, adv = -1;

	for (int j = 0; j < 2; j++) {
		const struct pol_tunnel_out *t = &s->tunnels[0][j];
		const struct pol_tunnel_out *bl = lp < 0 ? NULL : &s->tunnels[0][lp];
		const struct pol_tunnel_out *ba = adv < 0 ? NULL : &s->tunnels[0][adv];

		if (t->usable && (bl == NULL || t->local_pref > bl->local_pref))
			lp = j;
		/* a rejecting tunnel's BFD is down at the far end too, which
		 * then rejects what it learns there itself */
		if (t->advertise && !t->reject && (ba == NULL || t->prepend < ba->prepend ||
				     (t->prepend == ba->prepend && t->med < ba->med)))
			adv = j;
	}
	assert_int_equal(lp, adv);
	return lp;
}

static void
test_flapping(void **state)
{
	struct pol_state prev = { 0 }, s;
	struct tcfg t;

	build(&t, V_DEFAULT);
	for (size_t k = 0; k < sizeof flap / sizeof flap[0]; k++) {
		const struct flap_step *f = &flap[k];
		struct pol_obs obs[1][RD_MAX_TUNNELS] = { { tc_obs(f->o[0]), tc_obs(f->o[1]) } };
		struct pol_change *ch;
		size_t n;
		char buf[512];

		print_message("flap step %zu at %llu ms\n", k, (unsigned long long)f->now);
		tc_decide(&t, obs, f->now, &s);
		assert_int_equal(carrier(&s), f->carrier);
		assert_int_equal(s.next_eval_ms, f->next_eval);
		assert_int_equal(pol_diff(&prev, &s, &ch, &n), 0);
		if (f->changes)
			assert_string_equal(tc_changes_str(ch, n, buf, sizeof buf), f->changes);
		free(ch);
		pol_state_free(&prev);
		prev = s;
	}
	pol_state_free(&prev);
}

/*
 * Invariants over every combination of two tunnels' observations (state,
 * drained, history: never failed / settled / within hold-down), in both
 * modes and both routing types.
 */
static struct tobs
enum_tobs(unsigned code)
{
	static const uint64_t up[] = { 5, 5, 995 }, down[] = { 0, 900, 990 };
	struct tobs o = { (enum tstate)(code % 5), (code / 5) % 2 != 0, 0, 0 };

	o.up_s = up[code / 10];
	o.down_s = down[code / 10];
	return o;
}

static void
check_invariants(const struct tcfg *t, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
		 const struct pol_state *s)
{
	const struct rd_connection *c = &t->cfg.conns[0];
	size_t nusable = 0;

	for (size_t j = 0; j < 2; j++) {
		const struct pol_tunnel_out *o = &s->tunnels[0][j];

		nusable += o->usable;
		assert_true(!o->neighbor_enabled || obs[0][j].child_up);
		assert_true(!o->neighbor_enabled || c->routing == RD_ROUTING_DYNAMIC);
		assert_true(!o->advertise || o->usable);
		assert_true(o->advertise || o->nadv == 0);
		assert_true(!o->in_hold_down || o->usable);
		assert_true(!o->in_hold_down || s->next_eval_ms > S(1000));
		/* Graceful shutdown exactly while drained (dynamic only). */
		assert_int_equal(o->gshut,
				 obs[0][j].drained && c->routing == RD_ROUTING_DYNAMIC);
	}
	/* At most one tunnel waits: with none settled, one is always exempt. */
	assert_false(s->tunnels[0][0].in_hold_down && s->tunnels[0][1].in_hold_down);
	assert_int_equal(s->conns[0].status == POL_CONN_DOWN, nusable == 0);
	assert_int_equal(s->conns[0].status == POL_CONN_UP, s->conns[0].reason[0] == '\0');
	for (size_t r = 0; r < s->nroutes; r++) {
		size_t j = s->routes[r].ifnum - 10;

		assert_true(j < 2 && s->tunnels[0][j].usable);
	}
}

static void
test_invariants(void **state)
{
	static const enum variant vs[] = { V_DEFAULT, V_AA, V_NOHOLD };

	for (size_t v = 0; v < sizeof vs / sizeof vs[0]; v++) {
		for (int routing = 0; routing < 2; routing++) {
			struct tcfg t;

			build(&t, vs[v]);
			t.conns[0].routing = routing ? RD_ROUTING_STATIC : RD_ROUTING_DYNAMIC;
			tc_static_route(&t, &t.conns[0], "192.168.0.0/24");
			for (unsigned k = 0; k < 30 * 30; k++) {
				struct pol_obs obs[1][RD_MAX_TUNNELS] = {
					{ tc_obs(enum_tobs(k % 30)), tc_obs(enum_tobs(k / 30)) } };
				struct pol_state s, again, flipped;
				struct pol_change *ch;
				size_t n;

				tc_decide(&t, obs, S(1000), &s);
				check_invariants(&t, obs, &s);
				/* Deterministic: deciding again changes nothing. */
				tc_decide(&t, obs, S(1000), &again);
				assert_int_equal(pol_diff(&s, &again, &ch, &n), 0);
				assert_int_equal(n, 0);
				free(ch);
				/* Drain touches attributes (and static distances) only. */
				obs[0][0].drained = !obs[0][0].drained;
				tc_decide(&t, obs, S(1000), &flipped);
				assert_int_equal(pol_diff(&s, &flipped, &ch, &n), 0);
				for (size_t i = 0; i < n; i++)
					assert_true(ch[i].kind == POL_ATTRS ||
						    ch[i].kind == POL_ROUTE_ADD ||
						    ch[i].kind == POL_ROUTE_DEL);
				free(ch);
				pol_state_free(&s);
				pol_state_free(&again);
				pol_state_free(&flipped);
			}
		}
	}
}

static void
test_strings(void **state)
{
	assert_string_equal(pol_conn_status_str(POL_CONN_UP), "UP");
	assert_string_equal(pol_conn_status_str(POL_CONN_DEGRADED), "DEGRADED");
	assert_string_equal(pol_conn_status_str(POL_CONN_DOWN), "DOWN");
	assert_string_equal(pol_conn_status_str((enum pol_conn_status)42), "?");
	assert_string_equal(pol_change_kind_str(POL_ROUTE_DEL), "route-del");
	assert_string_equal(pol_change_kind_str((enum pol_change_kind)42), "?");
}

static void
test_empty_config(void **state)
{
	struct tcfg t;
	struct pol_state s;

	tc_init(&t, true);
	tc_decide(&t, NULL, S(1), &s);
	assert_int_equal(s.nconns, 0);
	assert_null(s.conns);
	pol_state_free(&s);
	pol_state_free(&s);   /* idempotent on a zeroed state */
}

/* Planned rekeys start 30 s before pluto's earliest own rekey, never
 * before half the lifetime. */
static void
test_rekey_due(void **st)
{
	struct rd_tunnel t = { .p2_lifetime = 3600, .rekey_margin = 540, .rekey_fuzz = 100 };

	(void)st;
	assert_int_equal(pol_rekey_due_ms(&t), (3600 - 1080 - 30) * 1000ull);
	t.rekey_fuzz = 0;
	assert_int_equal(pol_rekey_due_ms(&t), (3600 - 540 - 30) * 1000ull);
	t = (struct rd_tunnel){ .p2_lifetime = 900, .rekey_margin = 450, .rekey_fuzz = 100 };
	assert_int_equal(pol_rekey_due_ms(&t), 450 * 1000ull);
	t = (struct rd_tunnel){ .p2_lifetime = 900, .rekey_margin = 60, .rekey_fuzz = 50 };
	assert_int_equal(pol_rekey_due_ms(&t), (900 - 90 - 30) * 1000ull);
}

/* A steering connection (far-end generic): the survivor of a dead tunnel
 * the far end prefers gets MED 0 and no prepend, until that tunnel is usable
 * again; nothing else changes, and nothing without 'steer'. */
static void
test_steer(void **state)
{
	static const struct {
		const char *name;
		enum variant v;
		bool steer;
		struct tobs o[2];
		uint32_t med[2], prepend[2];
		bool steered[2];
	} cases[] = {
		{ "preferred down: survivor steered", V_DEFAULT, true,
		  { { T_DOWN, 0, 5, 999 }, { T_UP, 0, 5, 0 } }, { 700, 0 }, { 3, 0 }, { 0, 1 } },
		{ "without steer: standby attributes", V_DEFAULT, false,
		  { { T_DOWN, 0, 5, 999 }, { T_UP, 0, 5, 0 } }, { 700, 200 }, { 3, 3 }, { 0, 0 } },
		{ "preferred BFD down, session kept: survivor steered", V_DEFAULT, true,
		  { { T_SICK, 0, 5, 999 }, { T_UP, 0, 5, 0 } }, { 100, 0 }, { 0, 0 }, { 0, 1 } },
		{ "preferred back, in hold-down: steering ends", V_DEFAULT, true,
		  { { T_UP, 0, 998, 990 }, { T_UP, 0, 5, 0 } }, { 700, 200 }, { 3, 3 }, { 0, 0 } },
		{ "both up", V_DEFAULT, true,
		  { { T_UP, 0, 5, 0 }, { T_UP, 0, 5, 0 } }, { 100, 200 }, { 0, 3 }, { 0, 0 } },
		{ "standby down: the preferred keeps its attributes", V_DEFAULT, true,
		  { { T_UP, 0, 5, 0 }, { T_DOWN, 0, 5, 999 } }, { 100, 700 }, { 0, 3 }, { 0, 0 } },
		{ "drained survivor is not steered", V_DEFAULT, true,
		  { { T_DOWN, 0, 5, 999 }, { T_UP, 1, 5, 0 } }, { 700, 1200 }, { 3, 10 }, { 0, 0 } },
		{ "active-active: one down, the other steered", V_AA, true,
		  { { T_DOWN, 0, 5, 999 }, { T_UP, 0, 5, 0 } }, { 700, 0 }, { 3, 0 }, { 0, 1 } },
		{ "tun2 preferred and down: tun1 steered", V_PREF2, true,
		  { { T_UP, 0, 5, 0 }, { T_DOWN, 0, 5, 999 } }, { 0, 700 }, { 0, 3 }, { 1, 0 } },
	};

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct pol_obs obs[1][RD_MAX_TUNNELS] = {
			{ tc_obs(cases[k].o[0]), tc_obs(cases[k].o[1]) } };
		struct pol_state s;
		struct tcfg t;

		print_message("  %s\n", cases[k].name);
		build(&t, cases[k].v);
		t.conns[0].steer = cases[k].steer;
		tc_decide(&t, obs, S(1000), &s);
		for (size_t j = 0; j < 2; j++) {
			assert_int_equal(s.tunnels[0][j].med, cases[k].med[j]);
			assert_int_equal(s.tunnels[0][j].prepend, cases[k].prepend[j]);
			assert_int_equal(s.tunnels[0][j].steer, cases[k].steered[j]);
		}
		pol_state_free(&s);
	}
	(void)state;
}

/* A tunnel whose BGP session is not established advertises nothing, also
 * when its BFD fails meanwhile (seen: CONNECTING -> DOWN, then adv-add). */
static void
test_no_adv_without_session(void **state)
{
	struct pol_obs obs[1][RD_MAX_TUNNELS] = {
		{ tc_obs((struct tobs){ T_CHILD, 0, 5, 0 }), tc_obs((struct tobs){ T_UP, 0, 5, 0 }) } };
	struct pol_state s;
	struct tcfg t;

	build(&t, V_BFD);
	obs[0][0].health_ok = false;
	obs[0][0].health_down_ms = S(999);
	tc_decide(&t, obs, S(1000), &s);
	assert_true(s.tunnels[0][0].neighbor_enabled);
	assert_false(s.tunnels[0][0].advertise);
	assert_int_equal(s.tunnels[0][0].nadv, 0);
	pol_state_free(&s);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_flapping),
		cmocka_unit_test(test_probe_withdraws),
		cmocka_unit_test(test_steer),
		cmocka_unit_test(test_no_adv_without_session),
		cmocka_unit_test(test_blip),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_invariants),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_empty_config),
		cmocka_unit_test(test_rekey_due),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
