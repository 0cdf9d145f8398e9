/* test_frr_render.c - golden files for the FRR command lists (tests/unit/golden/frr/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/frr_render.h"
#include "test_frr_cfg.h"

/* Compare the printed plan with golden/frr/<name>.cmds (FRR_GOLDEN_UPDATE=1 rewrites it). */
static void
golden(const char *name, const struct frr_plan *p)
{
	const char *top = getenv("top_srcdir");
	char path[512], *got = NULL, *want = NULL;
	size_t glen = 0, wlen = 0;
	FILE *f = open_memstream(&got, &glen);

	assert_non_null(f);
	frr_plan_print(f, p);
	fclose(f);
	snprintf(path, sizeof(path), "%s/tests/unit/golden/frr/%s.cmds", top ? top : ".", name);
	if (getenv("FRR_GOLDEN_UPDATE")) {
		assert_non_null(f = fopen(path, "w"));
		fwrite(got, 1, glen, f);
		fclose(f);
	}
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("missing golden file %s", path);
	want = calloc(1, 1 << 20);
	wlen = fread(want, 1, (1 << 20) - 1, f);
	fclose(f);
	if (wlen != glen || memcmp(want, got, glen) != 0) {
		fprintf(stderr, "--- %s\n%s--- got\n%s", path, want, got);
		fail_msg("%s differs", name);
	}
	free(want);
	free(got);
}

/* rm as routerd's first render of cfg left it (every neighbor shut down);
 * 'own': the sessions advertise the gateway's prefixes. */
static void
seed(struct frr_rmaps *rm, const struct rd_config *cfg, bool own)
{
	struct frr_plan p = { 0 };

	assert_int_equal(frr_render_config(rm, NULL, cfg, NULL, 0, &p), 0);
	frr_plan_free(&p);
	for (size_t i = 0; i < rm->n; i++)
		rm->v[i].own = own;
}

static void
test_first_apply(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };

	tcfg_init(&t, 4200000001u, 65000, 1, 2, false, true);
	t.cfg.gw.asn_asdot = true;          /* FRR 8.4 gets asplain whatever was written */
	assert_int_equal(frr_render_config(&rm, NULL, &t.cfg, NULL, 0, &p), 0);
	golden("first_apply", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

static void
test_unchanged(void **unused)
{
	struct tcfg a, b;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };

	tcfg_init(&a, 64512, 65000, 1, 2, false, true);
	tcfg_init(&b, 64512, 65000, 1, 2, false, true);
	seed(&rm, &a.cfg, false);
	assert_int_equal(frr_render_config(&rm, &a.cfg, &b.cfg, NULL, 0, &p), 0);
	assert_int_equal(p.bgpd.n + p.bfdd.n + p.staticd.n + p.bgpd_exec.n, 0);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

static void
test_reload_in_place(void **unused)
{
	struct tcfg a, b;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };

	tcfg_init(&a, 64512, 65000, 1, 2, false, false);
	tcfg_init(&b, 64512, 65000, 1, 2, false, false);
	b.conns[0].tunnels[0].health.bfd = false;       /* BFD off on tun1 */
	b.conns[0].tunnels[1].bgp_keepalive = 30;       /* timers on tun2 */
	b.conns[0].tunnels[1].bgp_hold = 90;
	b.conns[0].max_prefix = 50;
	b.gw_pfx[0].addr = tcfg_ip(10, 9, 0, 0);        /* network replaced */
	b.peer_pfx[1] = (struct rd_prefix){ .addr = tcfg_ip(172, 16, 0, 0), .len = 12 };
	b.peer.nprefixes = 2;
	seed(&rm, &a.cfg, false);
	assert_int_equal(frr_render_config(&rm, &a.cfg, &b.cfg, NULL, 0, &p), 0);
	golden("reload_in_place", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

static void
test_reload_remove_and_move(void **unused)
{
	const uint32_t enabled[] = { 2 };       /* tun1's neighbor was enabled: stays so */
	struct tcfg a, b;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };

	tcfg_init(&a, 64512, 65000, 1, 2, false, false);
	tcfg_init(&b, 64512, 65000, 1, 2, false, false);
	b.conns[0].ntunnels = 1;                         /* tun2 (ipsec3) gone */
	b.conns[0].tunnels[0].inside.addr = tcfg_ip(169, 254, 20, 0);  /* tun1 moved */
	seed(&rm, &a.cfg, false);
	assert_int_equal(frr_render_config(&rm, &a.cfg, &b.cfg, enabled, 1, &p), 0);
	golden("reload_remove_and_move", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

/* routerd restarted while tun1's session (ipsec2) is live in bgpd: the base
 * apply neither shuts it down nor resets its LOCAL_PREF or blocks its
 * adverts; tun2 (not live) is created shut down as usual. */
static void
test_restart_live(void **unused)
{
	const uint32_t live[] = { 2 };
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };

	tcfg_init(&t, 64512, 65000, 1, 2, false, false);
	assert_int_equal(frr_render_config(&rm, NULL, &t.cfg, live, 1, &p), 0);
	golden("restart_live", &p);
	for (size_t i = 0; i < p.bgpd.n; i++) {
		assert_false(strncmp(p.bgpd.v[i], "route-map RD-vpn1-tun1-OUT", 26) == 0);
		assert_null(strstr(p.bgpd.v[i], "169.254.10.2 route-map RD-IN"));
		assert_false(strstr(p.bgpd.v[i], "169.254.10.2 shutdown") != NULL);
	}
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

static void
test_asn_change(void **unused)
{
	struct tcfg a, b;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };

	tcfg_init(&a, 64512, 65000, 1, 2, false, false);
	tcfg_init(&b, 64513, 65000, 1, 2, false, false);
	seed(&rm, &a.cfg, false);
	assert_int_equal(frr_render_config(&rm, &a.cfg, &b.cfg, NULL, 0, &p), 0);
	golden("asn_change", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

static void
test_changes(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };
	struct pol_tunnel_out primary = { .ifnum = 2, .neighbor_enabled = true, .advertise = true,
					  .med = 100, .prepend = 0, .local_pref = 200 };
	struct pol_tunnel_out backup = { .ifnum = 3, .neighbor_enabled = true, .advertise = true,
					 .med = 200, .prepend = 3, .local_pref = 100 };
	struct rd_prefix lan = { .addr = tcfg_ip(10, 1, 0, 0), .len = 16 };
	struct rd_prefix old = { .addr = tcfg_ip(10, 7, 0, 0), .len = 24 };
	struct pol_route r = { .prefix = { .addr = tcfg_ip(10, 3, 0, 0), .len = 16 }, .ifnum = 4,
			       .nexthop = tcfg_ip(169, 254, 12, 2), .distance = 1 };
	struct pol_route r2 = r;
	struct pol_change ch[] = {
		{ .kind = POL_ROUTE_DEL, .ifnum = 4, .route = r2 },
		{ .kind = POL_ADV_DEL, .ifnum = 2, .prefix = old },
		{ .kind = POL_NEIGHBOR_ENABLE, .ifnum = 2, .to = &primary },
		{ .kind = POL_ADV_ADD, .ifnum = 2, .prefix = lan },
		{ .kind = POL_ATTRS, .ifnum = 3, .to = &backup },
		{ .kind = POL_ADV_ADD, .ifnum = 3, .prefix = lan },
		{ .kind = POL_ROUTE_ADD, .ifnum = 4, .route = r },
		{ .kind = POL_NEIGHBOR_DISABLE, .ifnum = 99 },   /* unknown: skipped */
	};

	r2.distance = 10;       /* a distance change: the add replaces it, no "no ip route" */
	ch[0].route = r2;
	tcfg_init(&t, 64512, 65000, 1, 2, false, true);
	seed(&rm, &t.cfg, false);
	assert_int_equal(frr_render_changes(&rm, &t.cfg, ch, sizeof(ch) / sizeof(ch[0]), &p), 0);
	golden("changes", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

/* Drain (RFC 8326): everything advertised on the session gets the
 * GRACEFUL_SHUTDOWN community on top of the worst MED and prepends; a soft
 * clear pushes it out. LOCAL_PREF 0 for tagged routes (permit 5) is the
 * same in every IN map. */
/* tun2 of a 2-tunnel connection, drained (test_drain, test_unsure_redefines). */
static const struct pol_tunnel_out drained = { .ifnum = 2, .usable = true,
					       .neighbor_enabled = true, .advertise = true,
					       .med = 1200, .prepend = 10, .local_pref = 10,
					       .gshut = true };

static void
test_drain(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };
	struct pol_change ch[] = { { .kind = POL_ATTRS, .ifnum = 2, .to = &drained } };

	tcfg_init(&t, 64512, 65000, 1, 2, false, true);
	seed(&rm, &t.cfg, true);
	assert_int_equal(frr_render_changes(&rm, &t.cfg, ch, 1, &p), 0);
	golden("drain", &p);
	for (size_t i = 0; i < p.bgpd.n; i++)
		if (strstr(p.bgpd.v[i], "permit 5") && strncmp(p.bgpd.v[i], "route-map RD-IN", 15) == 0)
			assert_string_equal(p.bgpd.v[i + 2], "set local-preference 0");
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

/* After a plan bgpd did not take (rm.unsure), the next render defines the
 * shared maps it uses again instead of trusting that they exist: the same
 * drain twice, the second time sure (nothing defined) or unsure. */
static void
test_unsure_redefines(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };
	struct pol_change ch[] = { { .kind = POL_ATTRS, .ifnum = 2, .to = &drained } };
	size_t defs[2] = { 0, 0 };

	tcfg_init(&t, 64512, 65000, 1, 2, false, true);
	for (int unsure = 0; unsure < 2; unsure++) {
		seed(&rm, &t.cfg, true);
		assert_int_equal(frr_render_changes(&rm, &t.cfg, ch, 1, &p), 0);
		frr_plan_free(&p);
		rm.unsure = unsure;
		assert_int_equal(frr_render_changes(&rm, &t.cfg, ch, 1, &p), 0);
		for (size_t i = 0; i < p.bgpd.n; i++)
			defs[unsure] += strncmp(p.bgpd.v[i], "route-map RD-IN-L10 ", 20) == 0;
		frr_plan_free(&p);
		frr_rmaps_free(&rm);
	}
	assert_int_equal(defs[0], 0);
	assert_true(defs[1] > 0);
}

/* Undrain: the tag is removed with the attributes restored. */
static void
test_undrain(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };
	struct pol_tunnel_out primary = { .ifnum = 2, .usable = true, .neighbor_enabled = true,
					  .advertise = true, .med = 100, .prepend = 0,
					  .local_pref = 200 };
	struct pol_change ch[] = { { .kind = POL_ATTRS, .ifnum = 2, .to = &primary } };

	tcfg_init(&t, 64512, 65000, 1, 2, false, true);
	seed(&rm, &t.cfg, true);
	assert_int_equal(frr_render_changes(&rm, &t.cfg, ch, 1, &p), 0);
	golden("undrain", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

/* advertise=false: the gateway's prefixes leave with route-map OUT's
 * permit 20 (no per-prefix entries), a hub's re-advertised one from ADV. */
static void
test_withdraw(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };
	struct pol_change ch[] = {
		{ .kind = POL_ADV_DEL, .ifnum = 2, .prefix = { .addr = tcfg_ip(10, 1, 0, 0), .len = 16 } },
		{ .kind = POL_ADV_DEL, .ifnum = 2, .prefix = { .addr = tcfg_ip(10, 9, 0, 0), .len = 16 } },
	};

	tcfg_init(&t, 64512, 65000, 1, 2, false, true);
	seed(&rm, &t.cfg, true);
	assert_int_equal(frr_render_changes(&rm, &t.cfg, ch, 2, &p), 0);
	golden("withdraw", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

/* A failed health check (not kept): the neighbor switches to RD-IN-REJECT
 * (deny all) in the first commit, alone (bgpd re-filters at the switch),
 * then stops advertising; the session stays; a soft clear out only. */
static void
test_reject(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };
	struct pol_tunnel_out sick = { .ifnum = 2, .neighbor_enabled = true, .med = 700,
				       .prepend = 3, .local_pref = 50, .reject = true };
	struct pol_change ch[] = {
		{ .kind = POL_ADV_DEL, .ifnum = 2, .prefix = { .addr = tcfg_ip(10, 1, 0, 0), .len = 16 } },
		{ .kind = POL_ATTRS, .ifnum = 2, .to = &sick },
	};

	tcfg_init(&t, 64512, 65000, 1, 2, false, true);
	seed(&rm, &t.cfg, true);
	assert_int_equal(frr_render_changes(&rm, &t.cfg, ch, 2, &p), 0);
	golden("reject", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

/* A failover and the recovery with attributes unchanged (no hold-down):
 * each is one neighbor command in the first commit; no route-map is
 * defined or removed (RD-IN-REJECT is the base configuration's, the
 * rejecting tunnel's RD-IN-L200 stays) and no soft clear follows. */
static void
test_reject_cycle(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };
	struct pol_tunnel_out ok = { .ifnum = 2, .neighbor_enabled = true, .advertise = true,
				     .med = 100, .local_pref = 200 };
	struct pol_tunnel_out sick = ok;
	struct pol_change ch = { .kind = POL_ATTRS, .ifnum = 2, .to = &ok };

	sick.reject = true;
	tcfg_init(&t, 64512, 65000, 1, 2, false, true);
	seed(&rm, &t.cfg, true);
	assert_int_equal(frr_render_changes(&rm, &t.cfg, &ch, 1, &p), 0);
	frr_plan_free(&p);
	ch.to = &sick;
	assert_int_equal(frr_render_changes(&rm, &t.cfg, &ch, 1, &p), 0);
	golden("reject_cycle_down", &p);
	frr_plan_free(&p);
	ch.to = &ok;
	assert_int_equal(frr_render_changes(&rm, &t.cfg, &ch, 1, &p), 0);
	golden("reject_cycle_up", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

/* Gateway 10.1.0.0/16 (gated by check "lan1") and 10.5.0.0/16 (ungated). */
static struct rd_check tcheck;

static void
tcfg_checked(struct tcfg *t)
{
	tcfg_init(t, 64512, 65000, 1, 2, false, false);
	t->gw_pfx[1] = (struct rd_prefix){ .addr = tcfg_ip(10, 5, 0, 0), .len = 16 };
	t->cfg.gw.nprefixes = 2;
	memset(&tcheck, 0, sizeof(tcheck));
	snprintf(tcheck.name, sizeof(tcheck.name), "lan1");
	tcheck.prefixes = t->gw_pfx;
	tcheck.nprefixes = 1;
	t->cfg.gw.checks = &tcheck;
	t->cfg.gw.nchecks = 1;
}

/* A checked prefix is tagged RD-CHK, every session denies it (RD-OUT-OWN
 * permits only RD-OWN) unless its prefix-list ADV lists it (permit 10's
 * RD-OUT-ADV-C strips the tag). */
static void
test_checked_first_apply(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };

	tcfg_checked(&t);
	assert_int_equal(frr_render_config(&rm, NULL, &t.cfg, NULL, 0, &p), 0);
	golden("checked_first_apply", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

/* The check fails: its prefix leaves ADV (one session shown); the ungated
 * gateway prefix is not touched. Then it comes back. */
static void
test_checked_withdraw(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };
	struct pol_change ch[] = {
		{ .kind = POL_ADV_DEL, .ifnum = 2, .prefix = { .addr = tcfg_ip(10, 1, 0, 0), .len = 16 } },
		{ .kind = POL_ADV_ADD, .ifnum = 3, .prefix = { .addr = tcfg_ip(10, 1, 0, 0), .len = 16 } },
	};

	tcfg_checked(&t);
	seed(&rm, &t.cfg, false);
	assert_int_equal(frr_render_changes(&rm, &t.cfg, ch, 2, &p), 0);
	golden("checked_withdraw", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

/* A reload adds the first check: globals, the network's route-map, and
 * the OUT entries on the sessions that stay. */
static void
test_checked_reload(void **unused)
{
	struct tcfg a, b;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };

	tcfg_init(&a, 64512, 65000, 1, 2, false, false);
	a.gw_pfx[1] = (struct rd_prefix){ .addr = tcfg_ip(10, 5, 0, 0), .len = 16 };
	a.cfg.gw.nprefixes = 2;
	tcfg_checked(&b);
	seed(&rm, &a.cfg, false);
	assert_int_equal(frr_render_config(&rm, &a.cfg, &b.cfg, NULL, 0, &p), 0);
	golden("checked_reload", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

static void
test_disable(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };
	struct pol_change ch[] = { { .kind = POL_NEIGHBOR_DISABLE, .ifnum = 2 } };

	tcfg_init(&t, 64512, 65000, 1, 2, true, false);
	seed(&rm, &t.cfg, false);
	assert_int_equal(frr_render_changes(&rm, &t.cfg, ch, 1, &p), 0);
	golden("disable", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

static void
test_remove(void **unused)
{
	struct tcfg t;
	struct frr_plan p = { 0 };
	struct frr_rmaps rm = { 0 };
	struct pol_route r = { .prefix = { .addr = tcfg_ip(10, 3, 0, 0), .len = 16 }, .ifnum = 4,
			       .nexthop = tcfg_ip(169, 254, 12, 2), .distance = 1 };

	tcfg_init(&t, 64512, 65000, 1, 2, false, true);
	seed(&rm, &t.cfg, false);
	assert_int_equal(frr_render_remove(&rm, &t.cfg, &r, 1, &p), 0);
	golden("remove", &p);
	frr_plan_free(&p);
	frr_rmaps_free(&rm);
}

/* The best-path rerun: a 4-byte ASN, config only (no soft clears). */
static void
test_recalc(void **unused)
{
	struct frr_plan p = { 0 };

	assert_int_equal(frr_render_recalc(4200000001u, &p), 0);
	assert_int_equal(p.bgpd_exec.n, 0);
	golden("recalc", &p);
	frr_plan_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_apply),
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_reload_in_place),
		cmocka_unit_test(test_reload_remove_and_move),
		cmocka_unit_test(test_restart_live),
		cmocka_unit_test(test_asn_change),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_undrain),
		cmocka_unit_test(test_withdraw),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_reject_cycle),
		cmocka_unit_test(test_checked_first_apply),
		cmocka_unit_test(test_checked_withdraw),
		cmocka_unit_test(test_checked_reload),
		cmocka_unit_test(test_disable),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_unsure_redefines),
		cmocka_unit_test(test_recalc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
