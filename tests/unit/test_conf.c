/*
 * test_conf.c - the routerd.conf language: syntax accepted and rejected
 * (exact file:line:col), every semantic rule, all errors of a file in one
 * run, defaults, golden normalised output and the round trip of every
 * example, and the psk-file mode check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_conf_util.h"

static const char *examples[] = {
	"two-site", "two-site-branch", "hub", "static", "asn4", "asn4-branch", "redundant",
	"lan-check",
};

/* Each reject case: a file and an exact file:line:col: message it must give. */
static const struct {
	const char *text;
	const char *err;
} rejects[] = {
	{ "gateway { asn }\n", "t.conf:1:15: syntax error: unexpected '}'; expected a number or a word" },
	{ "gateway {\n  bogus 1\n}\n", "t.conf:2:3: syntax error: unexpected 'bogus'; expected an option of the gateway block or '}'" },
	{ "gateway { outside 192.0.2.256 }\n", "t.conf:1:19: expected an IPv4 address (a.b.c.d), got '192.0.2.256'" },
	{ "peer \"a b\" { }\n", "t.conf:1:6: expected a name of 1..63 characters" },
	{ "peer \"x\" { address 1.2.3.4 prefixes { 10.0.0.1/16 } }\n", "t.conf:1:39: prefix 10.0.0.1/16 has host bits set: expected 10.0.0.0/16" },
	{ "peer \"x\" { address 1.2.3.4 prefixes { 10.0.0.0/33 } }\n", "t.conf:1:39: expected an IPv4 prefix (a.b.c.d/0..32), got '10.0.0.0/33'" },
	{ "gateway { hub maybe }\n", "t.conf:1:15: hub: expected yes or no, got 'maybe'" },
	{ "peer \"x\" {\n\taddress 1.2.3.4\n\taddress 1.2.3.5\n}\n", "t.conf:3:2: address given twice (first at line 2 col 2)" },
	{ "peer \"x\" { address \"1.2.3.4 }\n", "t.conf:1:20: unterminated string" },
	{ "gateway { asn 64512 } @\n", "t.conf:1:23: unexpected character '@'" },
	{ "connection \"c\" { routing ospf }\n", "t.conf:1:26: routing: expected dynamic or static, got 'ospf'" },
	{ "connection \"c\" { routing bgp }\n", "t.conf:1:26: syntax error: unexpected 'bgp'; expected a word" },
	{ "connection \"c\" { mode hot }\n", "t.conf:1:23: mode: expected active-standby or active-active, got 'hot'" },
	{ "connection \"c\" { signal med aspath }\n", "t.conf:1:29: signal: expected med or prepend, got 'aspath'" },
	{ "defaults { dpd-action kill }\n", "t.conf:1:23: dpd-action: expected clear, none or restart, got 'kill'" },
	{ "defaults { startup now }\n", "t.conf:1:20: startup: expected add or start, got 'now'" },
	{ "defaults { ike-versions ikev3 }\n", "t.conf:1:25: ike-versions: expected ikev1 or ikev2, got 'ikev3'" },
	{ "defaults { phase1 { encryption des } }\n", "t.conf:1:32: encryption: expected aes128, aes256, aes128-gcm-16 or aes256-gcm-16, got 'des'" },
	{ "defaults { phase2 { integrity md5 } }\n", "t.conf:1:31: integrity: expected sha1, sha2-256, sha2-384 or sha2-512, got 'md5'" },
	{ "defaults { psk-file \"relative.psk\" }\n", "t.conf:1:21: psk-file: expected an absolute path" },
	{ "defaults { bfd maybe }\n", "t.conf:1:16: bfd: expected yes or no, got 'maybe'" },
	{ "defaults { probe no interval 5 }\n", "t.conf:1:30: probe no: expected no interval" },
	{ "defaults { probe 10.0.0.1 rise 11 }\n", "t.conf:1:32: probe rise 11 out of range: expected 1..10 replies" },
	{ "gateway { check \"k\" { ping 10.0.0.1 fall 0 } }\n", "t.conf:1:42: check fall 0 out of range: expected 1..10 losses" },
	{ "defaults { probe no rise 2 }\n", "t.conf:1:26: probe no: expected no rise" },
	{ "gateway { check \"k\" { ping 10.0.0.1 bogus 1 } }\n", "t.conf:1:37: syntax error: unexpected 'bogus'; expected an option of the check block or '}'" },
	{ "gateway { }\ngateway { }\n", "t.conf:2:1: gateway block given twice (first at line 1 col 1)" },
	{ "gateway {\n", "t.conf:2:1: syntax error: unexpected end of file" },
	{ "peer \"x\" address 1.2.3.4\n", "t.conf:1:10: syntax error: unexpected 'address'; expected '{'" },
};

static void
test_reject_syntax(void **state)
{
	struct tc_diags d;

	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		assert_int_equal(tc_load(rejects[i].text, &d, NULL), -1);
		if (!tc_has(&d, rejects[i].err)) {
			tc_dump(&d);
			fail_msg("case %zu: want '%s'", i, rejects[i].err);
		}
	}
}

static void
test_accept_syntax(void **state)
{
	struct tc_diags d;
	struct rd_config *c;
	/* comments, semicolons, one-line blocks, single prefix without braces */
	const char *text =
		"# comment\n"
		"gateway { asn 64512; router-id 192.0.2.9; outside 192.0.2.1; prefixes 10.0.0.0/16 } # x\n"
		"peer \"b\" { address 198.51.100.1; asn 65001; nat-traversal yes; prefixes { } };\n"
		"connection \"c\" { peer \"b\"; signal prepend; prepend 2; med 5 6; mode active-active\n"
		"  tunnel \"t1\" { inside 169.254.10.2/30; psk \"abcdefgh1\"; bfd yes; probe 10.20.0.1 }\n"
		"  tunnel \"t2\" { interface 10; inside 169.254.10.6/30; psk \"abcdefgh2\"; bfd no }\n"
		"}\n";

	if (tc_load(text, &d, &c) != 0) {
		tc_dump(&d);
		fail();
	}
	assert_int_equal(c->gw.router_id, 0xc0000209);
	assert_int_equal(c->gw.nprefixes, 1);
	assert_true(c->peers[0].behind_nat);
	assert_int_equal(c->conns[0].signal, RD_SIGNAL_PREPEND);
	assert_int_equal(c->conns[0].prepend, 2);
	assert_int_equal(c->conns[0].mode, RD_MODE_ACTIVE_ACTIVE);
	/* interface numbers: t2 took 10, so t1 gets the next free one */
	assert_int_equal(c->conns[0].tunnels[0].ifnum, 11);
	assert_int_equal(c->conns[0].tunnels[1].ifnum, 10);
	assert_true(c->conns[0].tunnels[0].inside_swap);
	assert_int_equal(rd_tunnel_local_inside(&c->conns[0].tunnels[0]), 0xa9fe0a02);
	assert_true(c->conns[0].tunnels[0].health.bfd);
	assert_int_equal(c->conns[0].tunnels[0].health.probe_interval_ms, 1000);
	conf_free(c);
}

static void
test_defaults(void **state)
{
	struct tc_diags d;
	struct rd_config *c;
	const struct rd_tunnel *t;

	assert_int_equal(tc_load(tc_conf("", "", ""), &d, &c), 0);
	t = &c->conns[0].tunnels[0];
	assert_int_equal(c->gw.asn, RD_DEFAULT_LOCAL_ASN);
	assert_int_equal(t->ifnum, 10);
	assert_int_equal(c->conns[0].tunnels[1].ifnum, 11);
	assert_int_equal(t->local_outside, 0xc0000201);
	assert_int_equal(t->remote_outside, 0xc6336401);
	assert_int_equal(t->ike_versions, RD_IKEV1 | RD_IKEV2);
	assert_int_equal(t->p1_enc, RD_ENC_ALL);
	assert_int_equal(t->p2_integ, RD_INTEG_ALL);
	assert_int_equal(t->p1_dh, RD_P1_DH_DEFAULT);
	assert_int_equal(t->p2_dh, RD_P2_DH_DEFAULT);
	assert_int_equal(t->p1_lifetime, 28800);
	assert_int_equal(t->p2_lifetime, 3600);
	assert_int_equal(t->rekey_margin, 270);
	assert_int_equal(t->rekey_fuzz, 100);
	assert_int_equal(t->replay_window, 1024);
	assert_int_equal(t->dpd_timeout, 30);
	assert_int_equal(t->dpd_action, RD_DPD_CLEAR);
	assert_int_equal(t->startup, RD_STARTUP_ADD);
	assert_int_equal(t->bgp_keepalive, 10);
	assert_int_equal(t->bgp_hold, 30);
	assert_int_equal(c->conns[0].max_prefix, 100);
	assert_int_equal(c->conns[0].hold_down, RD_DEFAULT_HOLD_DOWN);
	assert_int_equal(c->conns[0].signal, RD_SIGNAL_MED | RD_SIGNAL_PREPEND);
	assert_int_equal(c->conns[0].preferred, 0);
	conf_free(c);
}

static void
test_defaults_blocks(void **state)
{
	struct tc_diags d;
	struct rd_config *c;
	const char *text =
		"defaults { dpd-timeout 60 replay-window 512 }\n"
		"gateway { outside 192.0.2.1 }\n"
		"peer \"b\" { address 198.51.100.1 asn 65001 }\n"
		"connection \"c\" { peer \"b\"\n"
		"  defaults { dpd-timeout 90 psk-file \"/nonexistent\" }\n"
		"  tunnel \"t1\" { inside 169.254.10.1/30 psk \"abcdefgh1\" }\n"
		"  tunnel \"t2\" { inside 169.254.10.5/30 psk \"abcdefgh2\" dpd-timeout 120 }\n"
		"}\n";

	if (tc_load(text, &d, &c) != 0) {
		tc_dump(&d);
		fail();
	}
	assert_int_equal(c->conns[0].tunnels[0].dpd_timeout, 90);
	assert_int_equal(c->conns[0].tunnels[1].dpd_timeout, 120);
	assert_int_equal(c->conns[0].tunnels[0].replay_window, 512);
	assert_string_equal(c->conns[0].tunnels[0].psk_file, "");       /* psk wins */
	conf_free(c);
	assert_int_equal(tc_load("defaults { interface 5 }\n", &d, NULL), -1);
	assert_true(tc_has(&d, "t.conf:1:12: interface in a defaults block"));
}

/* One semantic rule each: a config and the error (or warning) it gives. */
static const struct {
	const char *gw, *conn, *tun;
	const char *err;
} rules[] = {
	{ "", "preferred \"nope\"", "", "preferred \"nope\": expected the name of a tunnel" },
	{ "", "routing static", "", "routing static: expected static-routes with 1..100 prefixes" },
	{ "", "static-routes { 10.30.0.0/16 }", "", "static-routes: expected only with routing static" },
	{ "", "", "startup start", "startup start: expected ike-versions ikev2 only" },
	{ "", "", "ike-versions ikev1 startup start", "startup start: expected ike-versions ikev2 only" },
	{ "", "", "phase1 { lifetime 3600 }", "phase2 lifetime 3600: expected less than the phase1 lifetime (3600)" },
	{ "", "", "rekey-margin 500 phase2 { lifetime 900 }", "rekey-margin 500: expected 60..450 seconds" },
	{ "", "", "bgp { keepalive 11 }", "bgp keepalive 11: expected at most a third of hold (30)" },
	{ "", "", "inside 169.254.10.6/30", "inside CIDR already used by tunnel \"tun1\"" },
	{ "", "", "psk-file \"/x\" psk \"abcdefgh1\"", "both psk and psk-file given" },
	{ "", "", "psk-file \"/nonexistent/key\"", "psk-file \"/nonexistent/key\": No such file or directory" },
	{ "", "routing static static-routes { 10.0.1.0/24 }", "", "t.conf:4:63: prefix 10.0.1.0/24 of peer \"branch\" overlaps 10.0.0.0/16 of the gateway (line 2)" },
	{ "", "signal med med 200 100", "", "med 200 100: expected the primary value lower" },
};

static void
test_rules(void **state)
{
	struct tc_diags d;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		int r = tc_load(tc_conf(rules[i].gw, rules[i].conn, rules[i].tun), &d, NULL);

		if (r != -1 || !tc_has(&d, rules[i].err)) {
			tc_dump(&d);
			fail_msg("rule %zu: want '%s'", i, rules[i].err);
		}
	}
}

static void
test_required(void **state)
{
	struct tc_diags d;
	const char *text =
		"peer \"b\" { asn 65001 }\n"
		"connection \"c\" {\n"
		"  tunnel \"t1\" { }\n"
		"}\n"
		"connection \"d\" { peer \"nope\" }\n"
		"connection \"e\" { peer \"b\" }\n"
		"peer \"s\" { address 1.2.3.4 }\n"
		"connection \"f\" { peer \"s\" tunnel \"x\" { } tunnel \"x\" { } }\n";

	assert_int_equal(tc_load(text, &d, NULL), -1);
	tc_dump(&d);
	assert_true(tc_has(&d, "t.conf:1:1: peer \"b\": address required"));
	assert_true(tc_has(&d, "t.conf:1:1: no router-id: expected router-id"));
	assert_true(tc_has(&d, "t.conf:2:1: connection \"c\": peer required"));
	assert_true(tc_has(&d, "t.conf:2:1: warning: connection \"c\" has one tunnel: AWS always has two"));
	assert_true(tc_has(&d, "t.conf:3:3: tunnel \"t1\": no local outside address"));
	assert_true(tc_has(&d, "t.conf:3:3: tunnel \"t1\": inside required"));
	assert_true(tc_has(&d, "nothing is generated"));
	assert_true(tc_has(&d, "t.conf:3:3: tunnel \"t1\": psk or psk-file required"));
	assert_true(tc_has(&d, "t.conf:5:18: peer \"nope\" not defined"));
	assert_true(tc_has(&d, "t.conf:6:1: connection \"e\": no tunnel"));
	assert_true(tc_has(&d, "t.conf:8:1: routing dynamic: peer \"s\" has no asn"));
	assert_true(tc_has(&d, "t.conf:8:42: tunnel \"x\" defined twice in connection \"f\""));
}

static void
test_tunnel_count(void **state)
{
	struct tc_diags d;
	char text[1024];

	snprintf(text, sizeof(text), "%s", tc_conf("", "tunnel \"t3\" { }", ""));
	assert_int_equal(tc_load(text, &d, NULL), -1);
	assert_true(tc_has(&d, "t.conf:6:3: connection \"c\": too many tunnels: expected 1 or 2"));
	/* interface numbers are unique across the gateway */
	assert_int_equal(tc_load("gateway { outside 192.0.2.1 }\n"
				 "peer \"b\" { address 198.51.100.1 asn 65001 }\n"
				 "connection \"c\" { peer \"b\"\n"
				 " tunnel \"t\" { interface 7 inside 169.254.10.1/30 psk \"abcdefgh1\" }\n"
				 " tunnel \"u\" { interface 7 inside 169.254.10.5/30 psk \"abcdefgh1\" }\n"
				 "}\n", &d, NULL), -1);
	assert_true(tc_has(&d, "t.conf:5:15: interface 7 already used by tunnel \"t\" (line 4)"));
	/* one tunnel: a warning only, the load succeeds */
	assert_int_equal(tc_load("gateway { outside 192.0.2.1 }\n"
				 "peer \"b\" { address 198.51.100.1 asn 65001 }\n"
				 "connection \"c\" { peer \"b\" tunnel \"t\" { inside 169.254.10.1/30 "
				 "psk \"abcdefgh1\" } }\n", &d, NULL), 0);
	assert_int_equal(d.nwarn, 1);
	assert_true(tc_has(&d, "t.conf:3:1: warning: connection \"c\" has one tunnel"));
}

static void
test_duplicates_and_hub(void **state)
{
	struct tc_diags d;
	const char *text =
		"gateway { asn 65001 outside 192.0.2.1 hub yes }\n"
		"peer \"a\" { address 198.51.100.1 asn 65002 prefixes { 10.20.0.0/16 } }\n"
		"peer \"a\" { address 198.51.100.2 asn 65002 }\n"
		"peer \"c\" { address 198.51.100.3 asn 65001 prefixes { 10.20.128.0/17 } }\n"
		"connection \"x\" { peer \"a\" }\n"
		"connection \"x\" { peer \"c\" }\n";

	assert_int_equal(tc_load(text, &d, NULL), -1);
	assert_true(tc_has(&d, "t.conf:3:1: peer \"a\" defined twice (first at line 2)"));
	assert_true(tc_has(&d, "t.conf:3:33: hub yes: peer \"a\" has the asn 65002 of peer \"a\""));
	assert_true(tc_has(&d, "t.conf:4:33: hub yes: peer \"c\" has the gateway asn 65001"));
	assert_true(tc_has(&d, "t.conf:4:54: prefix 10.20.128.0/17 of peer \"c\" overlaps 10.20.0.0/16 of peer \"a\" (line 2)"));
	assert_true(tc_has(&d, "t.conf:6:1: connection \"x\" defined twice (first at line 5)"));
}

static void
test_redundancy_overlap(void **state)
{
	struct tc_diags d;
	char *path = tc_path("conf/examples/redundant.conf");
	FILE *f = fopen(path, "r");
	char buf[8192], *p;
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_int_equal(tc_load(buf, &d, NULL), 0);
	/* a different group for the second connection: the shared prefix is an error */
	p = strstr(buf, "\"branch-sites\" priority 200");
	assert_non_null(p);
	memcpy(p, "\"other-sites\"", 13);
	assert_int_equal(tc_load(buf, &d, NULL), -1);
	assert_true(tc_has(&d, "prefix 10.20.0.0/16 of peer \"branch-2\" overlaps 10.20.0.0/16 of peer \"branch-1\""));
	free(path);
}

static void
test_all_errors_one_run(void **state)
{
	struct tc_diags d;
	const char *text =
		"gateway { asn 64512 outside 192.0.2.1 }\n"
		"peer \"b\" { address 198.51.100.1 asn 65001 }\n"
		"connection \"c\" { peer \"b\"\n"
		"  hold-down 3601\n"
		"  tunnel \"t1\" { inside 169.254.10.1/30 psk \"abcdefgh1\" replay-window 4096 }\n"
		"  tunnel \"t2\" { inside 169.254.10.5/30 psk \"abcdefgh2\" bogus }\n"
		"}\n";

	assert_int_equal(tc_load(text, &d, NULL), -1);
	assert_int_equal(d.nerr, 3);
	assert_string_equal(d.msg[0], "t.conf:4:13: hold-down 3601 out of range: expected 0..3600 seconds");
	assert_string_equal(d.msg[1], "t.conf:5:70: replay-window 4096 out of range: expected 64..2048 packets");
	assert_string_equal(d.msg[2], "t.conf:6:56: syntax error: unexpected 'bogus'; expected an option of the tunnel block or '}'");
}

static char *
print_str(const struct rd_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	conf_print(f, c, RD_PRINT_SECRETS);
	fclose(f);
	return buf;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return buf;
}

/* Every example loads, prints as its golden file, and round-trips. */
static void
test_examples(void **state)
{
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		char rel[128], *path, *gold, *out1, *out2, *golden;
		struct rd_config *a, *b;
		struct tc_diags d;

		snprintf(rel, sizeof(rel), "conf/examples/%s.conf", examples[i]);
		path = tc_path(rel);
		if (tc_load_file(path, &d, &a) != 0 || d.n != 0) {
			tc_dump(&d);
			fail_msg("%s", path);
		}
		out1 = print_str(a);
		snprintf(rel, sizeof(rel), "tests/unit/golden/conf/%s.out", examples[i]);
		gold = tc_path(rel);
		golden = slurp(gold);
		if (golden == NULL || strcmp(golden, out1) != 0) {
			fprintf(stderr, "%s differs from:\n%s", gold, out1);
			fail_msg("golden %s", examples[i]);
		}
		assert_int_equal(tc_load(out1, &d, &b), 0);
		assert_true(conf_equal(a, b));
		out2 = print_str(b);
		assert_string_equal(out1, out2);
		conf_free(a);
		conf_free(b);
		free(out1);
		free(out2);
		free(golden);
		free(gold);
		free(path);
	}
}

/* LAN checks and the probe's rise/fall: values, defaults and every rule. */
static void
test_checks(void **state)
{
	struct tc_diags d;
	struct rd_config *c;
	const struct rd_check *k;
	const struct rd_health *h;

	assert_int_equal(tc_load(tc_conf("", "", "probe 169.254.10.2 interval 500 fall 4"),
				 &d, &c), 0);
	h = &c->conns[0].tunnels[0].health;
	assert_int_equal(h->probe_target, 0xa9fe0a02);
	assert_int_equal(h->probe_interval_ms, 500);
	assert_int_equal(h->probe_rise, RD_DEFAULT_RISE);
	assert_int_equal(h->probe_fall, 4);
	/* A tunnel without a probe line, to a generic far end (the default):
	 * probed at the peer's inside address, BFD at 300 ms. */
	h = &c->conns[0].tunnels[1].health;
	assert_int_equal(c->peers[0].far_end, RD_FAR_END_GENERIC);
	assert_int_equal(h->probe_target, 0xa9fe0a06);
	assert_int_equal(h->probe_interval_ms, RD_GENERIC_PROBE_INTERVAL);
	assert_int_equal(h->probe_rise, RD_GENERIC_PROBE_RISE);
	assert_int_equal(h->probe_fall, RD_GENERIC_PROBE_FALL);
	assert_int_equal(h->bfd_rx_ms, RD_GENERIC_BFD_INTERVAL);
	assert_int_equal(h->bfd_tx_ms, RD_GENERIC_BFD_INTERVAL);
	assert_int_equal(c->gw.nchecks, 0);
	conf_free(c);

	/* far-end routerd: no probe unless written, BFD 50 ms; a written BFD
	 * interval and "probe no" win over the generic defaults. */
	{
		char *txt = strdup(tc_conf("", "", "bfd { tx 100 }"));
		char *at = strstr(txt, "prefixes { 10.20.0.0/16 }");
		char *with = malloc(strlen(txt) + 32);

		sprintf(with, "%.*sfar-end routerd %s", (int)(at - txt), txt, at);
		assert_int_equal(tc_load(with, &d, &c), 0);
		assert_int_equal(c->peers[0].far_end, RD_FAR_END_ROUTERD);
		h = &c->conns[0].tunnels[1].health;
		assert_int_equal(h->probe_target, 0);
		assert_int_equal(h->bfd_rx_ms, RD_DEFAULT_BFD_INTERVAL);
		conf_free(c);
		assert_int_equal(tc_load(tc_conf("", "", "bfd { tx 100 } probe no"), &d, &c), 0);
		h = &c->conns[0].tunnels[0].health;
		assert_int_equal(h->probe_target, 0);
		assert_int_equal(h->bfd_tx_ms, 100);
		assert_int_equal(h->bfd_rx_ms, RD_GENERIC_BFD_INTERVAL);
		conf_free(c);
		free(with);
		free(txt);
	}

	assert_int_equal(tc_load(tc_conf("check \"lan1\" { ping 10.0.0.10 rise 1 "
					 "prefixes { 10.0.0.0/16 } }", "", ""), &d, &c), 0);
	assert_int_equal(c->gw.nchecks, 1);
	k = &c->gw.checks[0];
	assert_string_equal(k->name, "lan1");
	assert_int_equal(k->target, 0x0a00000a);
	assert_int_equal(k->interval_ms, RD_DEFAULT_PROBE_INTERVAL);
	assert_int_equal(k->rise, 1);
	assert_int_equal(k->fall, RD_DEFAULT_FALL);
	assert_int_equal(k->nprefixes, 1);
	assert_true(rd_prefix_checked(c, &c->gw.prefixes[0]));
	{
		struct rd_config *plain;

		assert_int_equal(tc_load(tc_conf("", "", ""), &d, &plain), 0);
		assert_false(rd_prefix_checked(plain, &plain->gw.prefixes[0]));
		assert_true(rd_checked_prefixes_equal(c, c));
		assert_false(rd_checked_prefixes_equal(plain, c));     /* gained a check */
		assert_false(rd_checked_prefixes_equal(c, plain));     /* lost it */
		conf_free(plain);
	}
	conf_free(c);

	/* gateway line 1 is "gateway {  asn 64512 router-id ... outside 192.0.2.1",
	 * line 2 "  prefixes { 10.0.0.0/16 } <extra> }" */
	assert_int_equal(tc_load(tc_conf("check \"k\" { ping 10.0.0.1 prefixes { 10.1.0.0/16 } }",
					 "", ""), &d, NULL), -1);
	if (!tc_has(&d, "t.conf:2:65: check \"k\": prefix 10.1.0.0/16 is not one of the "
		    "gateway's prefixes")) {
		tc_dump(&d);
		fail();
	}
	assert_int_equal(tc_load(tc_conf("check \"k\" { prefixes { 10.0.0.0/16 } }", "", ""),
				 &d, NULL), -1);
	if (!tc_has(&d, "t.conf:2:28: check \"k\": ping required")) {
		tc_dump(&d);
		fail();
	}
	assert_int_equal(tc_load(tc_conf("check \"k\" { ping 10.0.0.1 prefixes 10.0.0.0/16 } "
					 "check \"k\" { ping 10.0.0.2 }", "", ""), &d, NULL), -1);
	if (!tc_has(&d, "check \"k\" defined twice (first at line 2)") ||
	    !tc_has(&d, "warning: check \"k\" gates no prefix")) {
		tc_dump(&d);
		fail();
	}
}

static void
test_equal_detects_change(void **state)
{
	struct tc_diags d;
	struct rd_config *a, *b;

	assert_int_equal(tc_load(tc_conf("", "", ""), &d, &a), 0);
	assert_int_equal(tc_load(tc_conf("", "", "dpd-timeout 31"), &d, &b), 0);
	assert_false(conf_equal(a, b));
	assert_false(conf_tunnel_equal(&a->conns[0].tunnels[0], &b->conns[0].tunnels[0]));
	assert_true(conf_tunnel_equal(&a->conns[0].tunnels[1], &b->conns[0].tunnels[1]));
	conf_free(a);
	conf_free(b);
}

static void
test_psk_file(void **state)
{
	char path[] = "/tmp/test_conf_pskXXXXXX", tun[128];
	struct rd_config *c;
	struct tc_diags d;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "fileKey.12345\n", 14), 14);
	close(fd);
	snprintf(tun, sizeof(tun), "psk-file \"%s\"", path);

	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(tc_load(tc_conf("", "", tun), &d, NULL), -1);
	assert_true(tc_has(&d, "has mode 0644: expected no access for group and others"));
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(tc_load(tc_conf("", "", tun), &d, NULL), -1);
	assert_true(tc_has(&d, "has mode 0620"));

	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(tc_load(tc_conf("", "", tun), &d, &c), 0);
	assert_string_equal(c->conns[0].tunnels[0].psk, "fileKey.12345");
	assert_string_equal(c->conns[0].tunnels[0].psk_file, path);
	conf_free(c);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "0badkey12\n", 10), 10);
	close(fd);
	assert_int_equal(tc_load(tc_conf("", "", tun), &d, NULL), -1);
	assert_true(tc_has(&d, "invalid key: must not start with '0'"));
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reject_syntax),
		cmocka_unit_test(test_accept_syntax),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_defaults_blocks),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_tunnel_count),
		cmocka_unit_test(test_duplicates_and_hub),
		cmocka_unit_test(test_redundancy_overlap),
		cmocka_unit_test(test_all_errors_one_run),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_equal_detects_change),
		cmocka_unit_test(test_psk_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
