/*
 * test_conf_ranges.c - both edges of every numeric range of routerd.conf:
 * min and max load, min-1 and max+1 are rejected with an error that names
 * the option and the allowed range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "test_conf_util.h"

enum where { GW, CONN, TUN };

struct range_case {
	enum where where;
	const char *fmt;        /* one %s for the value */
	unsigned long long min, max;
	const char *keyword;    /* expected in the error */
	bool min_cross;         /* min passes the range but fails a cross-check */
};

static const struct range_case cases[] = {
	{ TUN, "interface %s", 2, 65535, "interface", false },
	{ TUN, "phase1 { lifetime %s }", 900, 28800, "phase1 lifetime", true },
	{ TUN, "phase2 { lifetime %s }", 900, 3600, "phase2 lifetime", false },
	{ TUN, "rekey-margin %s", 60, 1800, "rekey-margin", false },
	{ TUN, "rekey-fuzz %s", 0, 100, "rekey-fuzz", false },
	{ TUN, "replay-window %s", 64, 2048, "replay-window", false },
	{ TUN, "dpd-timeout %s", 30, 86400, "dpd-timeout", false },
	{ TUN, "bgp { keepalive %s hold 65535 }", 1, 21845, "bgp keepalive", false },
	{ TUN, "bgp { keepalive 1 hold %s }", 3, 65535, "bgp hold", false },
	{ TUN, "bfd { rx %s }", 10, 60000, "bfd rx", false },
	{ TUN, "bfd { tx %s }", 10, 60000, "bfd tx", false },
	{ TUN, "bfd { interval %s }", 10, 60000, "bfd rx", false },
	{ TUN, "bfd { multiplier %s }", 2, 255, "bfd multiplier", false },
	{ TUN, "probe 10.20.0.1 interval %s", 100, 60000, "probe interval", false },
	{ CONN, "prepend %s", 1, 10, "prepend", false },
	{ CONN, "hold-down %s", 0, 3600, "hold-down", false },
	{ CONN, "max-prefix %s", 1, 10000, "max-prefix", false },
	{ CONN, "redundancy-group \"g\" priority %s", 1, 255, "priority", false },
};

/* 'tmpl' with its "%s" replaced by 'val' (templates are data, not formats). */
static void
subst(char *out, size_t len, const char *tmpl, const char *val)
{
	const char *at = strstr(tmpl, "%s");

	assert_non_null(at);
	snprintf(out, len, "%.*s%s%s", (int)(at - tmpl), tmpl, val, at + 2);
}

static int
load_value(const struct range_case *c, unsigned long long v, struct tc_diags *d)
{
	char val[32], opt[128];

	snprintf(val, sizeof(val), "%llu", v);
	subst(opt, sizeof(opt), c->fmt, val);
	return tc_load(tc_conf(c->where == GW ? opt : "", c->where == CONN ? opt : "",
			       c->where == TUN ? opt : ""), d, NULL);
}

static void
test_range_edges(void **state)
{
	struct tc_diags d;
	char want[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct range_case *c = &cases[i];

		fprintf(stderr, "case %s\n", c->fmt);
		/* min and max: no range error (and a clean load) */
		int r = load_value(c, c->min, &d);
		if (r != 0 && !c->min_cross)
			tc_dump(&d);
		assert_false(tc_has(&d, "out of range"));
		assert_int_equal(r, c->min_cross ? -1 : 0);
		r = load_value(c, c->max, &d);
		if (r != 0)
			tc_dump(&d);
		assert_int_equal(r, 0);
		/* max+1 */
		snprintf(want, sizeof(want), "%s %llu out of range: expected %llu..%llu",
			 c->keyword, c->max + 1, c->min, c->max);
		assert_int_equal(load_value(c, c->max + 1, &d), -1);
		if (!tc_has(&d, want))
			tc_dump(&d);
		assert_true(tc_has(&d, want));
		/* min-1 (a negative number is not a number: skip) */
		if (c->min == 0)
			continue;
		snprintf(want, sizeof(want), "%s %llu out of range", c->keyword, c->min - 1);
		assert_int_equal(load_value(c, c->min - 1, &d), -1);
		assert_true(tc_has(&d, want));
	}
}

static void
accept(const char *gw, const char *conn, const char *tun)
{
	struct tc_diags d;

	if (tc_load(tc_conf(gw, conn, tun), &d, NULL) != 0) {
		tc_dump(&d);
		fail_msg("rejected: %s %s %s", gw, conn, tun);
	}
}

static void
reject(const char *gw, const char *conn, const char *tun, const char *fragment)
{
	struct tc_diags d;

	assert_int_equal(tc_load(tc_conf(gw, conn, tun), &d, NULL), -1);
	if (!tc_has(&d, fragment)) {
		tc_dump(&d);
		fail_msg("no '%s'", fragment);
	}
}

static void
test_asn_edges(void **state)
{
	accept("asn 1", "", "");
	accept("asn 4294967295", "", "");
	accept("asn 0.1", "", "");
	accept("asn 65535.65535", "", "");
	accept("asn 23455", "", "");
	accept("asn 23457", "", "");
	reject("asn 0", "", "", "asn 0 is reserved: expected 1..4294967295");
	reject("asn 23456", "", "", "asn 23456 is reserved");
	reject("asn 4294967296", "", "", "expected an asn 1..4294967295");
	reject("asn 0.0", "", "", "asn 0.0 is reserved");
	reject("asn 65536.0", "", "", "0..65535.0..65535 (asdot), got '65536.0'");
	reject("asn 1.65536", "", "", "got '1.65536'");
	reject("asn 0.23456", "", "", "is reserved");
}

static void
test_med_edges(void **state)
{
	accept("", "med 0 4294967295", "");
	reject("", "med 0 4294967296", "", "med (backup) 4294967296 out of range: expected 0..4294967295");
	reject("", "med 4294967296 5", "", "med (primary) 4294967296 out of range: expected 0..4294967295");
	reject("", "med 5 5", "", "med 5 5: expected the primary value lower than the backup value");
	accept("", "med 5 5 mode active-active", "");
	accept("", "med 5 5 signal prepend", "");
}

static void
test_dh_edges(void **state)
{
	accept("", "", "phase1 { dh-groups 2 14 24 }");
	accept("", "", "phase2 { dh-groups 2 5 14 24 }");
	reject("", "", "phase1 { dh-groups 13 }", "phase1 dh-groups: expected 2 or 14..24, got 13");
	reject("", "", "phase1 { dh-groups 25 }", "got 25");
	reject("", "", "phase1 { dh-groups 5 }", "phase1 dh-groups: expected 2 or 14..24, got 5");
	reject("", "", "phase1 { dh-groups 1 }", "got 1");
	reject("", "", "phase2 { dh-groups 13 }", "phase2 dh-groups: expected 2, 5 or 14..24");
	reject("", "", "phase2 { dh-groups 25 }", "got 25");
	reject("", "", "phase2 { dh-groups 4 }", "got 4");
}

static void
test_psk_edges(void **state)
{
	accept("", "", "psk \"abcdefgh\"");
	accept("", "", "psk \"a.b_c.d_e\"");
	accept("", "", "psk \"a123456789012345678901234567890123456789012345678901234567890123\"");
	reject("", "", "psk \"abcdefg\"", "psk: invalid key: expected 8..64 characters");
	reject("", "", "psk \"a1234567890123456789012345678901234567890123456789012345678901234\"",
	       "psk: expected 8..64 characters, got 65");
	reject("", "", "psk \"0abcdefgh\"", "must not start with '0'");
	reject("", "", "psk \"abcd-efgh\"", "expected only the characters A-Z a-z 0-9 . _");
}

static void
test_inside_edges(void **state)
{
	struct tc_diags d;
	const char *t = "gateway { outside 192.0.2.1 }\n"
		"peer \"p\" { address 198.51.100.1 asn 65001 }\n"
		"connection \"c\" { peer \"p\"\n"
		"  tunnel \"a\" { inside %s psk \"abcdefgh1\" }\n"
		"  tunnel \"b\" { inside 169.254.10.5/30 psk \"abcdefgh2\" }\n}\n";
	static const struct {
		const char *inside;
		const char *err;        /* NULL: accepted */
	} c[] = {
		{ "169.254.6.1/30", NULL },
		{ "169.254.5.253/30", NULL },     /* not a reserved /30, though in .5 */
		{ "169.254.255.254/30", NULL },
		{ "169.254.169.249/30", NULL },
		{ "169.254.0.1/30", "inside 169.254.0.0/30 is reserved" },
		{ "169.254.5.2/30", "inside 169.254.5.0/30 is reserved" },
		{ "169.254.169.253/30", "169.254.169.252/30 is reserved" },
		{ "169.253.10.1/30", "expected a /30 in 169.254.0.0/16" },
		{ "169.254.10.1/29", "inside: expected a /30" },
		{ "169.254.10.1/31", "inside: expected a /30" },
		{ "169.254.10.3/30", "must be .1 or .2" },
		{ "169.254.10.4/30", "must be .1 or .2" },
	};
	char buf[1024];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		subst(buf, sizeof(buf), t, c[i].inside);
		int r = tc_load(buf, &d, NULL);
		if ((r == 0) != (c[i].err == NULL) || (c[i].err && !tc_has(&d, c[i].err))) {
			tc_dump(&d);
			fail_msg("inside %s", c[i].inside);
		}
	}
}

static void
test_static_route_count(void **state)
{
	char conn[4096];
	size_t off;

	for (int n = 100; n <= 101; n++) {
		off = (size_t)snprintf(conn, sizeof(conn), "routing static static-routes {");
		for (int i = 0; i < n; i++)
			off += (size_t)snprintf(conn + off, sizeof(conn) - off, " 10.%d.%d.0/24",
						100 + i / 200, i % 200);
		snprintf(conn + off, sizeof(conn) - off, " }");
		if (n == 100)
			accept("", conn, "");
		else
			reject("", conn, "", "static-routes: 101 prefixes, expected 1..100");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_edges),
		cmocka_unit_test(test_asn_edges),
		cmocka_unit_test(test_med_edges),
		cmocka_unit_test(test_dh_edges),
		cmocka_unit_test(test_psk_edges),
		cmocka_unit_test(test_inside_edges),
		cmocka_unit_test(test_static_route_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
