/* test_tunnel.c - the per-tunnel FSM: observations in, state and timestamps out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "routerd/tunnel.h"

static struct rd_connection conn;

static void
setup_conn(enum rd_routing routing)
{
	memset(&conn, 0, sizeof(conn));
	strcpy(conn.name, "hq-branch");
	conn.routing = routing;
	conn.ntunnels = 1;
	strcpy(conn.tunnels[0].name, "tun1");
	conn.tunnels[0].ifnum = 10;
}

static bool
feed(struct tunnel *t, enum rd_obs_kind kind, bool up, uint64_t now)
{
	struct rd_obs o = {.kind = kind, .ifnum = 10, .up = up, .source = "test"};

	return tunnel_observe(t, &o, now);
}

/* One row of a decision table: an observation at a time, the state after it. */
struct step {
	enum rd_obs_kind kind;
	bool up;
	uint64_t at;
	bool changed;
	enum tun_state state;
	uint64_t up_since, last_down;
};

static void
run_table(enum rd_routing routing, const struct step *steps, size_t n)
{
	struct tunnel t;

	setup_conn(routing);
	tunnel_init(&t, &conn, &conn.tunnels[0], 1);
	assert_string_equal(t.name, "hq-branch/tun1");
	assert_int_equal(t.state, TUN_DOWN);
	for (size_t i = 0; i < n; i++) {
		bool ch = feed(&t, steps[i].kind, steps[i].up, steps[i].at);

		assert_int_equal(ch, steps[i].changed);
		assert_int_equal(t.state, steps[i].state);
		assert_int_equal(t.obs.up_since_ms, steps[i].up_since);
		assert_int_equal(t.obs.last_down_ms, steps[i].last_down);
	}
}

static void
test_dynamic_lifecycle(void **st)
{
	static const struct step s[] = {
		{RD_OBS_IKE, true, 100, true, TUN_DOWN, 0, 0},
		{RD_OBS_CHILD, true, 200, true, TUN_CONNECTING, 0, 0},
		{RD_OBS_CHILD, true, 250, false, TUN_CONNECTING, 0, 0},   /* repeat: no change */
		{RD_OBS_BGP, true, 300, true, TUN_UP, 300, 0},
		{RD_OBS_HEALTH, false, 350, false, TUN_UP, 300, 0},       /* BFD never up: ignored */
		{RD_OBS_HEALTH, true, 360, false, TUN_UP, 300, 0},        /* BFD up (was "ok") */
		{RD_OBS_HEALTH, false, 400, true, TUN_DOWN, 300, 400},    /* BFD down */
		{RD_OBS_HEALTH, true, 500, true, TUN_UP, 500, 400},
		{RD_OBS_BGP, false, 600, true, TUN_CONNECTING, 500, 600},
		{RD_OBS_BGP, true, 700, true, TUN_UP, 700, 600},
		{RD_OBS_CHILD, false, 800, true, TUN_DOWN, 700, 800},
		{RD_OBS_BGP, false, 801, true, TUN_DOWN, 700, 800},       /* already down */
		{RD_OBS_HEALTH, false, 802, false, TUN_DOWN, 700, 800},   /* new SA, new history */
	};
	run_table(RD_ROUTING_DYNAMIC, s, sizeof(s) / sizeof(s[0]));
}

static void
test_static_needs_no_bgp(void **st)
{
	static const struct step s[] = {
		{RD_OBS_CHILD, true, 200, true, TUN_UP, 200, 0},
		{RD_OBS_CHILD, false, 300, true, TUN_DOWN, 200, 300},
		{RD_OBS_CHILD, true, 400, true, TUN_UP, 400, 300},
	};
	run_table(RD_ROUTING_STATIC, s, sizeof(s) / sizeof(s[0]));
}

static void
test_counters_and_drain(void **st)
{
	struct tunnel t;
	struct rd_obs o = {.kind = RD_OBS_COUNTERS, .ifnum = 10, .bytes_in = 5, .bytes_out = 7};

	setup_conn(RD_ROUTING_DYNAMIC);
	tunnel_init(&t, &conn, &conn.tunnels[0], 1);
	assert_false(tunnel_observe(&t, &o, 2));       /* counters never trigger a recompute */
	assert_int_equal(t.bytes_in, 5);
	assert_int_equal(t.bytes_out, 7);
	assert_true(tunnel_set_drain(&t, true, 3));
	assert_false(tunnel_set_drain(&t, true, 4));
	assert_true(t.obs.drained);
	assert_int_equal(t.state, TUN_DOWN);           /* drain is a flag, not a state */
	assert_true(tunnel_set_drain(&t, false, 5));
}

/* Health = BFD and the probe both up; each one's failure counts only
 * after it was up since the SA came up; the reason names the probe. */
static void
test_probe_and_bfd(void **st)
{
	struct tunnel t;

	setup_conn(RD_ROUTING_DYNAMIC);
	tunnel_init(&t, &conn, &conn.tunnels[0], 1);
	feed(&t, RD_OBS_CHILD, true, 10);
	feed(&t, RD_OBS_BGP, true, 20);
	assert_int_equal(t.state, TUN_UP);
	/* never up: a target that does not answer is no failure */
	assert_false(tunnel_probe(&t, false, "3 lost in a row", 30));
	assert_int_equal(t.state, TUN_UP);
	assert_false(tunnel_probe(&t, true, "2 replies in a row", 40));   /* was ok already */
	assert_true(tunnel_probe(&t, false, "3 lost in a row", 50));
	assert_int_equal(t.state, TUN_DOWN);
	assert_false(t.obs.health_ok);
	assert_true(t.obs.probe_failed);
	assert_string_equal(t.reason, "health check down: probe: 3 lost in a row");
	/* BFD up then down while the probe is down: health stays down, no change */
	feed(&t, RD_OBS_HEALTH, true, 55);
	assert_false(feed(&t, RD_OBS_HEALTH, false, 60));
	/* probe back, BFD still down: still DOWN */
	assert_false(tunnel_probe(&t, true, "2 replies in a row", 70));
	assert_int_equal(t.state, TUN_DOWN);
	assert_false(t.obs.probe_failed);
	assert_true(feed(&t, RD_OBS_HEALTH, true, 80));
	assert_int_equal(t.state, TUN_UP);
	assert_int_equal(t.obs.up_since_ms, 80);
	/* SA lost: new history for both checks */
	assert_int_equal(t.child_ups, 1);
	feed(&t, RD_OBS_CHILD, false, 90);
	feed(&t, RD_OBS_CHILD, true, 100);
	assert_int_equal(t.child_ups, 2);       /* the prober restarts its history */
	assert_false(tunnel_probe(&t, false, "3 lost in a row", 110));
	assert_true(t.obs.health_ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dynamic_lifecycle),
		cmocka_unit_test(test_static_needs_no_bgp),
		cmocka_unit_test(test_counters_and_drain),
		cmocka_unit_test(test_probe_and_bfd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
