/* test_frr_json.c - parsing FRR's JSON show output. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/frr_json.h"

struct seen {
	struct frr_bgp_peer p[4];
	int n;
};

static void
on_peer(void *arg, const struct frr_bgp_peer *p)
{
	struct seen *s = arg;

	assert_true(s->n < 4);
	s->p[s->n++] = *p;
}

static void
test_summary(void **unused)
{
	static const char text[] =
		"{\"ipv4Unicast\":{\"routerId\":\"192.0.2.1\",\"as\":64512,\"peers\":{"
		"\"169.254.10.2\":{\"remoteAs\":65000,\"state\":\"Established\",\"pfxRcd\":3,"
		"\"pfxSnt\":1,\"peerUptimeMsec\":1200},"
		"\"169.254.11.2\":{\"remoteAs\":65000,\"state\":\"Idle (Admin)\",\"pfxRcd\":0},"
		"\"fe80::1\":{\"state\":\"Active\"}}}}";
	struct seen s = { .n = 0 };

	assert_int_equal(frr_json_bgp_summary(text, on_peer, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.p[0].addr, 0xa9fe0a02u);
	assert_true(s.p[0].established);
	assert_int_equal(s.p[0].pfx_rcd, 3);
	assert_int_equal(s.p[0].pfx_snt, 1);
	assert_false(s.p[1].established);
	assert_string_equal(s.p[1].state, "Idle (Admin)");
	s.n = 0;
	assert_int_equal(frr_json_bgp_summary("{}\n", on_peer, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(frr_json_bgp_summary("% Unknown command", on_peer, &s), -EINVAL);
}

static int bfd_up, bfd_down;

static void
on_bfd(void *arg, uint32_t addr, bool up, const char *status)
{
	assert_int_equal(addr, 0xa9fe0a02u);
	if (up)
		bfd_up++;
	else
		bfd_down++;
}

static void
test_bfd(void **unused)
{
	static const char text[] =
		"[{\"multihop\":false,\"peer\":\"169.254.10.2\",\"status\":\"up\"},"
		"{\"multihop\":true,\"peer\":\"10.0.0.1\",\"status\":\"up\"},"
		"{\"multihop\":false,\"peer\":\"169.254.10.2\",\"status\":\"down\"}]";

	assert_int_equal(frr_json_bfd_peers(text, on_bfd, NULL), 0);
	assert_int_equal(bfd_up, 1);
	assert_int_equal(bfd_down, 1);
	assert_int_equal(frr_json_bfd_peers("{}", on_bfd, NULL), -EINVAL);
}

static void
test_count(void **unused)
{
	assert_int_equal(frr_json_bgp_count("{\"routes\":{\"10.0.0.0/16\":[],\"10.1.0.0/16\":[]}}"), 2);
	assert_int_equal(frr_json_bgp_count("{}"), -EINVAL);
}

/* bfdd's control socket notifications (bfdd/config.c config_notify). */
static void
test_bfd_notify(void **unused)
{
	uint32_t addr = 0;
	bool up = true;
	char state[16];

	assert_int_equal(frr_json_bfd_notify(
		"{\"op\":\"status\",\"ipv6\":false,\"multihop\":false,"
		"\"peer-address\":\"169.254.10.1\",\"local-address\":\"169.254.10.2\","
		"\"local-interface\":\"ipsec10\",\"id\":1,\"remote-id\":1,"
		"\"state\":\"down\",\"downtime\":0,\"diagnostics\":1,"
		"\"remote-diagnostics\":0}", &addr, &up, state, sizeof(state)), 0);
	assert_int_equal(addr, 0xa9fe0a01);
	assert_false(up);
	assert_string_equal(state, "down");
	assert_int_equal(frr_json_bfd_notify(
		"{\"op\":\"status\",\"ipv6\":false,\"multihop\":false,"
		"\"peer-address\":\"169.254.10.5\",\"state\":\"up\",\"uptime\":3}",
		&addr, &up, state, sizeof(state)), 0);
	assert_int_equal(addr, 0xa9fe0a05);
	assert_true(up);
	/* not a peer's state: the subscription's answer, a config event,
	 * multihop, IPv6, garbage */
	assert_int_equal(frr_json_bfd_notify("{\"status\":\"ok\"}", &addr, &up, state,
					     sizeof(state)), -EINVAL);
	assert_int_equal(frr_json_bfd_notify("{\"op\":\"add\",\"peer-address\":\"10.0.0.1\"}",
					     &addr, &up, state, sizeof(state)), -ENOENT);
	assert_int_equal(frr_json_bfd_notify("{\"op\":\"status\",\"multihop\":true,"
					     "\"peer-address\":\"10.0.0.1\",\"state\":\"up\"}",
					     &addr, &up, state, sizeof(state)), -ENOENT);
	assert_int_equal(frr_json_bfd_notify("{\"op\":\"status\",\"ipv6\":true,"
					     "\"peer-address\":\"fe80::1\",\"state\":\"up\"}",
					     &addr, &up, state, sizeof(state)), -ENOENT);
	assert_int_equal(frr_json_bfd_notify("{\"op\":", &addr, &up, state, sizeof(state)),
			 -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_bfd),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_bfd_notify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
