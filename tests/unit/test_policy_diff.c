/*
 * test_policy_diff.c - pol_diff(): a table of (config, observations) pairs
 * 'before' -> 'after' with the exact change list expected, plus the order
 * and idempotence properties checked on every entry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_policy.h"

/* Configurations: vpn1 dynamic (10/11), vpn2 dynamic (20/21), s static (30/31). */
enum dcfg { D_EMPTY, D_ALL, D_NO_VPN1, D_NO_VPN1_MED };

struct dside {
	enum dcfg cfg;
	struct tobs o[3][2];            /* vpn1, vpn2, s (when present) */
	uint64_t now;
};

struct dcase {
	const char *name;
	struct dside a, b;
	const char *changes;
};

#define UP_ { T_UP, 0, 5, 0 }
#define ALL_UP { { UP_, UP_ }, { UP_, UP_ }, { UP_, UP_ } }
/* Hub adverts: to vpn1 the gateway, vpn2's site and the static site. */
#define ADV1(op, n) op " " #n " 10.0.0.0/16\n" op " " #n " 10.2.0.0/16\n" \
	op " " #n " 192.168.10.0/24\n"
#define ADV2(op, n) op " " #n " 10.0.0.0/16\n" op " " #n " 10.1.0.0/16\n" \
	op " " #n " 192.168.10.0/24\n"
/* ... and with the other dynamic site gone. */
#define ADV0(op, n) op " " #n " 10.0.0.0/16\n" op " " #n " 192.168.10.0/24\n"
#define SITE1(op, n) op " " #n " 10.1.0.0/16\n"
#define RT(op, n, d) op " " #n " 192.168.10.0/24 d" #d "\n"

static const struct dcase cases[] = {
	{ "first apply from empty",
	  { .cfg = D_EMPTY }, { D_ALL, ALL_UP, S(100) },
	  RT("route-add", 30, 1) RT("route-add", 31, 2)
	  "attrs 10\nattrs 11\nattrs 20\nattrs 21\n"
	  "neighbor-enable 10\nneighbor-enable 11\nneighbor-enable 20\nneighbor-enable 21\n"
	  ADV1("adv-add", 10) ADV1("adv-add", 11) ADV2("adv-add", 20) ADV2("adv-add", 21) },
	{ "no change: no diff",
	  { D_ALL, ALL_UP, S(100) }, { D_ALL, ALL_UP, S(200) }, "" },
	{ "preferred fails: neighbor off and withdrawn first, standby untouched",
	  { D_ALL, ALL_UP, S(100) },
	  { D_ALL, { { { T_DOWN, 0, 5, 150 }, UP_ }, { UP_, UP_ }, { UP_, UP_ } }, S(150) },
	  "neighbor-disable 10\n" ADV1("adv-del", 10) "attrs 10\n" },
	{ "static preferred fails: the pre-installed backup stays, only a delete",
	  { D_ALL, ALL_UP, S(100) },
	  { D_ALL, { { UP_, UP_ }, { UP_, UP_ }, { { T_DOWN, 0, 5, 150 }, UP_ } }, S(150) },
	  RT("route-del", 30, 1) },
	{ "static hold-down expires: make before break",
	  { D_ALL, { { UP_, UP_ }, { UP_, UP_ }, { { T_UP, 0, 160, 150 }, UP_ } }, S(165) },
	  { D_ALL, { { UP_, UP_ }, { UP_, UP_ }, { { T_UP, 0, 160, 150 }, UP_ } }, S(170) },
	  RT("route-add", 30, 1) RT("route-del", 30, 3) },
	{ "drain: attributes only, neighbor stays",
	  { D_ALL, ALL_UP, S(100) },
	  { D_ALL, { { { T_UP, 1, 5, 0 }, UP_ }, { UP_, UP_ }, { UP_, UP_ } }, S(100) },
	  "attrs 10\n" },
	{ "undrain: attributes only (graceful-shutdown tag off), neighbor stays",
	  { D_ALL, { { { T_UP, 1, 5, 0 }, UP_ }, { UP_, UP_ }, { UP_, UP_ } }, S(100) },
	  { D_ALL, ALL_UP, S(100) },
	  "attrs 10\n" },
	{ "hub: a spoke fails, removals before additions",
	  { D_ALL, { { { T_DOWN, 0, 5, 90 }, { T_DOWN, 0, 5, 90 } }, { UP_, UP_ }, { UP_, UP_ } },
	    S(100) },
	  { D_ALL, { { { T_UP, 0, 95, 90 }, { T_UP, 0, 95, 90 } },
		     { { T_DOWN, 0, 5, 99 }, { T_DOWN, 0, 5, 99 } }, { UP_, UP_ } }, S(100) },
	  "neighbor-disable 20\nneighbor-disable 21\n"
	  ADV0("adv-del", 20) ADV0("adv-del", 21)
	  /* 11 came back together with 10: it waits (pre-armed = held attributes) */
	  "attrs 10\nattrs 20\nattrs 21\n"
	  "neighbor-enable 10\nneighbor-enable 11\n"
	  ADV0("adv-add", 10) ADV0("adv-add", 11) },
	{ "reload removes vpn1: its tunnels disabled and withdrawn, others matched by ifnum",
	  { D_ALL, ALL_UP, S(100) }, { D_NO_VPN1, ALL_UP, S(100) },
	  "neighbor-disable 10\nneighbor-disable 11\n" ADV1("adv-del", 10) ADV1("adv-del", 11)
	  SITE1("adv-del", 20) SITE1("adv-del", 21) },
	{ "reload adds vpn1",
	  { D_NO_VPN1, ALL_UP, S(100) }, { D_ALL, ALL_UP, S(100) },
	  "attrs 10\nattrs 11\nneighbor-enable 10\nneighbor-enable 11\n"
	  ADV1("adv-add", 10) ADV1("adv-add", 11) SITE1("adv-add", 20) SITE1("adv-add", 21) },
	{ "reload changes a MED: attributes only",
	  { D_NO_VPN1, ALL_UP, S(100) }, { D_NO_VPN1_MED, ALL_UP, S(100) }, "attrs 21\n" },
	{ "to empty: everything removed",
	  { D_ALL, ALL_UP, S(100) }, { .cfg = D_EMPTY },
	  "neighbor-disable 10\nneighbor-disable 11\nneighbor-disable 20\nneighbor-disable 21\n"
	  ADV1("adv-del", 10) ADV1("adv-del", 11) ADV2("adv-del", 20) ADV2("adv-del", 21)
	  RT("route-del", 30, 1) RT("route-del", 31, 2) },
};

static void
build(struct tcfg *t, enum dcfg v)
{
	struct rd_connection *c;

	tc_init(t, true);
	if (v == D_EMPTY)
		return;
	/* vpn1's and vpn2's sites go to each other through the hub. */
	tc_gw_prefix(t, "10.0.0.0/16");
	if (v == D_ALL) {
		c = tc_conn(t, "vpn1", RD_ROUTING_DYNAMIC, 10, false);
		tc_peer_prefix(t, c, "10.1.0.0/16");
	}
	c = tc_conn(t, "vpn2", RD_ROUTING_DYNAMIC, 20, false);
	tc_peer_prefix(t, c, "10.2.0.0/16");
	if (v == D_NO_VPN1_MED)
		c->med_backup = 300;
	c = tc_conn(t, "s", RD_ROUTING_STATIC, 30, false);
	tc_static_route(t, c, "192.168.10.0/24");
}

static void
decide_side(const struct dside *d, struct tcfg *t, struct pol_state *s)
{
	struct pol_obs obs[3][RD_MAX_TUNNELS];
	size_t off = d->cfg == D_ALL ? 0 : 1;     /* vpn1 absent: shift */

	build(t, d->cfg);
	memset(obs, 0, sizeof obs);
	for (size_t i = off; i < 3; i++)
		for (size_t j = 0; j < 2; j++)
			obs[i - off][j] = tc_obs(d->o[i][j]);
	tc_decide(t, obs, d->now, s);
}

/* Position of a change kind in the documented order. */
static int
rank(enum pol_change_kind k)
{
	static const int order[] = {
		[POL_NEIGHBOR_DISABLE] = 0, [POL_ADV_DEL] = 1, [POL_ROUTE_ADD] = 2,
		[POL_ROUTE_DEL] = 3, [POL_ATTRS] = 4, [POL_NEIGHBOR_ENABLE] = 5,
		[POL_ADV_ADD] = 6,
	};

	return order[k];
}

/* Kinds in order; 'to' points into b where it must. */
static void
check_props(const struct pol_change *ch, size_t n, const struct pol_state *b)
{
	const char *lo = (const char *)b->tunnels;
	const char *hi = lo + b->nconns * sizeof *b->tunnels;

	for (size_t k = 0; k < n; k++) {
		const char *to = (const char *)ch[k].to;

		if (k > 0)
			assert_true(rank(ch[k - 1].kind) <= rank(ch[k].kind));
		if (ch[k].kind == POL_ATTRS || ch[k].kind == POL_NEIGHBOR_ENABLE) {
			assert_non_null(to);
			assert_true(to >= lo && to < hi);
			assert_int_equal(ch[k].to->ifnum, ch[k].ifnum);
		}
		if (ch[k].kind == POL_NEIGHBOR_DISABLE && to != NULL)
			assert_true(to >= lo && to < hi);
	}
}

static void
test_table(void **state)
{
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct dcase *dc = &cases[k];
		struct pol_state a, b;
		struct pol_change *ch;
		struct tcfg ta, tb;
		size_t n;
		char buf[2048];

		print_message("case: %s\n", dc->name);
		decide_side(&dc->a, &ta, &a);
		decide_side(&dc->b, &tb, &b);
		assert_int_equal(pol_diff(&a, &b, &ch, &n), 0);
		assert_string_equal(tc_changes_str(ch, n, buf, sizeof buf), dc->changes);
		check_props(ch, n, &b);
		free(ch);
		/* Idempotence: applying the same state again changes nothing. */
		assert_int_equal(pol_diff(&b, &b, &ch, &n), 0);
		assert_int_equal(n, 0);
		free(ch);
		pol_state_free(&a);
		pol_state_free(&b);
	}
}

/* A DISABLE of a tunnel removed by reload has no target state. */
static void
test_removed_to_null(void **state)
{
	static const struct dside all = { D_ALL, ALL_UP, S(100) }, novpn1 = { D_NO_VPN1, ALL_UP, S(100) };
	struct pol_state a, b;
	struct pol_change *ch;
	struct tcfg ta, tb;
	size_t n;

	decide_side(&all, &ta, &a);
	decide_side(&novpn1, &tb, &b);
	assert_int_equal(pol_diff(&a, &b, &ch, &n), 0);
	assert_true(n >= 2);
	assert_int_equal(ch[0].kind, POL_NEIGHBOR_DISABLE);
	assert_null(ch[0].to);
	free(ch);
	pol_state_free(&a);
	pol_state_free(&b);
}

/* Drain's ATTRS carries the drained attributes. */
static void
test_attrs_target(void **state)
{
	static const struct dside up = { D_ALL, ALL_UP, S(100) };
	static const struct dside drained = {
		D_ALL, { { { T_UP, 1, 5, 0 }, UP_ }, { UP_, UP_ }, { UP_, UP_ } }, S(100) };
	struct pol_state a, b;
	struct pol_change *ch;
	struct tcfg ta, tb;
	size_t n;

	decide_side(&up, &ta, &a);
	decide_side(&drained, &tb, &b);
	assert_int_equal(pol_diff(&a, &b, &ch, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].kind, POL_ATTRS);
	assert_ptr_equal(ch[0].to, &b.tunnels[0][0]);
	assert_int_equal(ch[0].to->med, RD_DEFAULT_MED_BACKUP + POL_DRAIN_MED_EXTRA);
	assert_int_equal(ch[0].to->prepend, POL_DRAIN_PREPEND);
	assert_int_equal(ch[0].to->local_pref, POL_LP_DRAIN);
	assert_true(ch[0].to->gshut);
	assert_true(ch[0].to->neighbor_enabled);
	free(ch);
	/* Undrain: one ATTRS again, the tag cleared, the neighbor untouched. */
	assert_int_equal(pol_diff(&b, &a, &ch, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].kind, POL_ATTRS);
	assert_ptr_equal(ch[0].to, &a.tunnels[0][0]);
	assert_false(ch[0].to->gshut);
	assert_int_equal(ch[0].to->local_pref, POL_LP_PRIMARY);
	assert_true(ch[0].to->neighbor_enabled);
	free(ch);
	pol_state_free(&a);
	pol_state_free(&b);
}

/* Any one of MED, prepend, LOCAL_PREF, gshut alone is an ATTRS change. */
static void
test_attrs_each_field(void **state)
{
	struct pol_tunnel_out ta[1][RD_MAX_TUNNELS] = { { { .ifnum = 7, .med = 100,
							    .prepend = 3, .local_pref = 100 } } };
	struct pol_conn_out conn = { 0 };
	struct pol_state a = { .nconns = 1, .conns = &conn, .tunnels = ta };

	for (int field = 0; field < 4; field++) {
		struct pol_tunnel_out tb[1][RD_MAX_TUNNELS];
		struct pol_state b = { .nconns = 1, .conns = &conn, .tunnels = tb };
		struct pol_change *ch;
		size_t n;

		memcpy(tb, ta, sizeof tb);
		if (field == 0)
			tb[0][0].med++;
		else if (field == 1)
			tb[0][0].prepend++;
		else if (field == 2)
			tb[0][0].local_pref++;
		else
			tb[0][0].gshut = true;
		assert_int_equal(pol_diff(&a, &b, &ch, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(ch[0].kind, POL_ATTRS);
		assert_int_equal(ch[0].ifnum, 7);
		assert_ptr_equal(ch[0].to, &tb[0][0]);
		free(ch);
	}
}

static void
test_empty_to_empty(void **state)
{
	struct pol_state a = { 0 }, b = { 0 };
	struct pol_change *ch = (struct pol_change *)&a;
	size_t n = 99;

	assert_int_equal(pol_diff(&a, &b, &ch, &n), 0);
	assert_int_equal(n, 0);
	free(ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_removed_to_null),
		cmocka_unit_test(test_attrs_target),
		cmocka_unit_test(test_attrs_each_field),
		cmocka_unit_test(test_empty_to_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
