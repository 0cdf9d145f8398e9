/*
 * test_conf_hostile.c - the configuration loader against hostile input
 * (issue 18): error recovery that outlives a block, NUL bytes, duplicates by
 * the thousand, psk-files that are FIFOs, links or huge, files without end,
 * every limit of routerd.conf(5) LIMITS, inline keys printed by -nv. Each
 * case failed (or hung: alarm() ends it) before its fix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_conf_util.h"

#define HANG_GUARD 20   /* seconds: a load that blocks fails the test, not the run */

static char dir[] = "/tmp/rd-hostile.XXXXXX";

/* Diagnostics by count (tc_diags keeps the first 64 only). */
struct counter {
	const char *frag;
	size_t n, total;
	char last[512];
};

static void
count_cb(void *arg, const struct rd_loc *loc, bool warning, const char *msg)
{
	struct counter *c = arg;
	char full[512];

	snprintf(full, sizeof(full), "%s:%d:%d: %s%s", loc->file, loc->line, loc->col,
		 warning ? "warning: " : "", msg);
	c->total++;
	if (strstr(full, c->frag) != NULL) {
		c->n++;
		memcpy(c->last, full, sizeof(full));
	}
}

static int
load_count(const char *text, size_t len, struct counter *c)
{
	struct rd_config *cfg = NULL;
	int r = conf_load_buffer("t.conf", text, len, count_cb, c, &cfg);

	conf_free(cfg);
	return r;
}

/* Load text; exactly n diagnostics contain frag (whatever their number). */
static void
want_n(const char *text, size_t len, const char *frag, size_t n)
{
	struct counter c = { .frag = frag };

	assert_int_equal(load_count(text, len, &c), -1);
	if (c.n != n)
		fail_msg("want %zu x '%s', got %zu (of %zu)", n, frag, c.n, c.total);
}

/* A file in dir with the given content and mode; returns its path (static). */
static const char *
put(const char *name, const void *data, size_t len, mode_t mode)
{
	static char path[4][256];
	static int k;
	char *p = path[k++ % 4];
	int fd;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return p;
}

static void
want(const struct tc_diags *d, const char *frag)
{
	if (!tc_has(d, frag)) {
		tc_dump(d);
		fail_msg("want '%s'", frag);
	}
}

/* Item 1: a syntax error right after `tunnel "t"` leaves the tunnel rule
 * without its closing action; the connection's index, not a pointer into
 * the array the next connections reallocate, is what the next error marks
 * (ASan saw a heap-use-after-free in damage() before). */
static void
test_error_recovery_after_realloc(void **state)
{
	char text[8192];
	struct tc_diags d;
	size_t off;

	off = (size_t)snprintf(text, sizeof(text), "connection \"a\" { tunnel \"t\" x }\n");
	for (int i = 0; i < 50; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "connection \"c%d\" { }\n", i);
	snprintf(text + off, sizeof(text) - off, "connection \"z\" { x }\n");
	want_n(text, strlen(text), "t.conf:1:29: syntax error: unexpected 'x'; expected '{'", 1);
	want_n(text, strlen(text), "t.conf:52:18: syntax error: unexpected 'x'", 1);
	/* the same inside a connection's defaults block, and a top-level error */
	assert_int_equal(tc_load("connection \"a\" { defaults x }\nconnection \"b\" { }\n"
				 "connection \"c\" { tunnel \"t\" { } x }\n}\n", &d, NULL), -1);
	want(&d, "t.conf:1:27: syntax error: unexpected 'x'; expected '{'");
	want(&d, "t.conf:3:33: syntax error: unexpected 'x'");
}

/* Item 2: a NUL byte anywhere is an error at its own line and column. */
static void
test_nul_bytes(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *err;
	} cases[] = {
#define CASE(text, err) { text, sizeof(text) - 1, err }
		CASE("connection \"c\" { max-prefix 1\0009999 }\n", "t.conf:1:30: NUL byte"),
		CASE("peer \"p\" { address 1.2.3.4 }\nconnection \"c\" { tunnel \"t\0EVIL\" { } }\n",
		     "t.conf:2:27: NUL byte"),
		CASE("defaults { psk \"abcdefgh\0tail\" }\n", "t.conf:1:25: NUL byte"),
		CASE("# a comment\0\ngateway { asn 64512 }\n", "t.conf:1:12: NUL byte"),
#undef CASE
	};
	struct tc_diags d;
	char *text;
	size_t len;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tc_load_len(cases[i].text, cases[i].len, &d, NULL), -1);
		want(&d, cases[i].err);
	}
	/* in a valid configuration, where truncation would have gone unnoticed */
	text = strdup(tc_conf("", "max-prefix 1X9999", "psk \"abcdefgh1X9999\""));
	len = strlen(text);
	assert_int_equal(tc_load_len(text, len, &d, NULL), -1);    /* 1X9999: a word */
	for (size_t i = 0; i < len; i++)
		if (text[i] == 'X')
			text[i] = '\0';
	assert_int_equal(tc_load_len(text, len, &d, NULL), -1);
	assert_int_equal(d.nerr, 2);
	want(&d, "t.conf:4:44: NUL byte");
	want(&d, "t.conf:5:57: NUL byte");
	free(text);
}

/* Item 2: a psk-file holding a NUL is refused, not cut at it. */
static void
test_psk_file_nul(void **state)
{
	char text[512];
	struct tc_diags d;
	const char *f = put("nul.psk", "Abcdefgh\0tail\n", 14, 0600);
	const char *g = put("ok.psk", "Abcdefgh.123\n", 13, 0600);

	snprintf(text, sizeof(text), "psk-file \"%s\"", f);
	assert_int_equal(tc_load(tc_conf("", "", text), &d, NULL), -1);
	want(&d, "invalid key: expected text (it holds a NUL byte)");
	snprintf(text, sizeof(text), "psk-file \"%s\"", g);
	assert_int_equal(tc_load(tc_conf("", "", text), &d, NULL), 0);
}

/* Item 3: each duplicate once, naming the first; not once per pair. */
static void
test_duplicates_once(void **state)
{
	size_t n = 300, cap = 200 * n + 4096, off = 0;
	char *text = malloc(cap);
	struct counter c = { .frag = "interface 7 already used by tunnel \"t1\" (line 3)" };

	off += (size_t)snprintf(text + off, cap - off, "gateway { asn 64512 outside 192.0.2.1 }\n"
				"peer \"p\" { address 198.51.100.1 asn 65001 }\n");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(text + off, cap - off, "connection \"c%zu\" { peer \"p\" "
					"tunnel \"t1\" { interface 7 inside 169.254.10.1/30 psk "
					"\"abcdefgh1\" } }\n", i % 100 == 99 ? 0 : i);
	assert_int_equal(load_count(text, off, &c), -1);
	assert_int_equal(c.n, n - 1);
	c = (struct counter){ .frag = "inside CIDR already used by tunnel \"t1\" (line 3)" };
	assert_int_equal(load_count(text, off, &c), -1);
	assert_int_equal(c.n, n - 1);
	c = (struct counter){ .frag = "connection \"c0\" defined twice (first at line 3)" };
	assert_int_equal(load_count(text, off, &c), -1);
	assert_int_equal(c.n, 3);
	c = (struct counter){ .frag = "" };
	assert_int_equal(load_count(text, off, &c), -1);
	assert_int_equal(c.total, 2 * (n - 1) + 3 + n);  /* + "one tunnel" warnings */
	free(text);
}

/* Item 3: overlapping site prefixes, once per prefix. */
static void
test_overlaps_once(void **state)
{
	char text[4096];
	size_t off = 0;
	struct counter c = { .frag = "overlaps 10.20.0.0/16 of peer \"p0\" (line 2)" };

	off += (size_t)snprintf(text + off, sizeof(text) - off,
				"gateway { asn 64512 outside 192.0.2.1 prefixes { 10.0.0.0/16 } }\n");
	for (int i = 0; i < 6; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "peer \"p%d\" { address "
					"198.51.100.%d asn 65001 prefixes { 10.20.0.0/16 "
					"10.20.0.0/16 } }\n", i, i + 1);
	assert_int_equal(load_count(text, off, &c), -1);
	assert_int_equal(c.n, 5);
	c = (struct counter){ .frag = "overlaps" };
	assert_int_equal(load_count(text, off, &c), -1);
	assert_int_equal(c.n, 5);
	/* a site inside the gateway's prefix: once per site prefix */
	c = (struct counter){ .frag = "of the gateway" };
	snprintf(text, sizeof(text), "gateway { asn 64512 outside 192.0.2.1 prefixes { 10.0.0.0/8 } }\n"
		 "peer \"a\" { address 1.2.3.4 asn 65001 prefixes { 10.1.0.0/16 10.2.0.0/16 "
		 "0.0.0.0/0 } }\n");
	assert_int_equal(load_count(text, strlen(text), &c), -1);
	assert_int_equal(c.n, 3);
}

static void
on_alarm(int sig)
{
	(void)sig;
	fprintf(stderr, "a load blocked for %d s\n", HANG_GUARD);
	_exit(1);
}

/* Item 4: a FIFO, a link, a directory, a huge file as psk-file. */
static void
test_psk_file_kinds(void **state)
{
	char fifo[300], link[300], text[600];
	struct tc_diags d;
	const char *good = put("good.psk", "Abcdefgh.123\n", 13, 0600);
	char *big = malloc(RD_PSK_FILE_MAX + 2);

	snprintf(fifo, sizeof(fifo), "%s/fifo.psk", dir);
	snprintf(link, sizeof(link), "%s/link.psk", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(symlink(good, link), 0);
	signal(SIGALRM, on_alarm);
	alarm(HANG_GUARD);
	snprintf(text, sizeof(text), "psk-file \"%s\"", fifo);
	assert_int_equal(tc_load(tc_conf("", "", text), &d, NULL), -1);
	want(&d, "fifo.psk\": expected a regular file");
	alarm(0);
	snprintf(text, sizeof(text), "psk-file \"%s\"", link);
	assert_int_equal(tc_load(tc_conf("", "", text), &d, NULL), -1);
	want(&d, "link.psk\": a symbolic link: expected a readable regular file");
	snprintf(text, sizeof(text), "psk-file \"%s\"", dir);
	assert_int_equal(tc_load(tc_conf("", "", text), &d, NULL), -1);
	want(&d, "expected a regular file");
	memset(big, 'A', RD_PSK_FILE_MAX + 1);
	snprintf(text, sizeof(text), "psk-file \"%s\"",
		 put("big.psk", big, RD_PSK_FILE_MAX + 1, 0600));
	assert_int_equal(tc_load(tc_conf("", "", text), &d, NULL), -1);
	want(&d, "big.psk\": 4097 bytes: expected at most 4096");
	snprintf(text, sizeof(text), "psk-file \"%s\"", put("grp.psk", "Abcdefgh.123", 12, 0640));
	assert_int_equal(tc_load(tc_conf("", "", text), &d, NULL), -1);
	want(&d, "has mode 0640: expected no access for group and others");
	free(big);
	unlink(fifo);
	unlink(link);
}

/* Item 6: the file itself: not a regular file, too large. */
static void
test_file_limits(void **state)
{
	char fifo[300];
	struct tc_diags d;
	size_t len = RD_CONF_MAX_BYTES + 100, line = 64;
	char *big = malloc(len);

	signal(SIGALRM, on_alarm);
	alarm(HANG_GUARD);
	assert_int_equal(tc_load_path("/dev/zero", &d, NULL), -1);
	want(&d, "/dev/zero:0:0: not a regular file");
	snprintf(fifo, sizeof(fifo), "%s/fifo.conf", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(tc_load_path(fifo, &d, NULL), -1);
	want(&d, "fifo.conf:0:0: not a regular file");
	alarm(0);
	unlink(fifo);
	/* comment lines of 64 bytes: the byte past the limit is line 65537, column 1 */
	for (size_t i = 0; i < len; i++)
		big[i] = i % line == line - 1 ? '\n' : i % line == 0 ? '#' : 'x';
	assert_int_equal(tc_load_path(put("big.conf", big, len, 0600), &d, NULL), -1);
	want(&d, "big.conf:65537:1: configuration too large: expected at most 4194304 bytes");
	assert_int_equal(tc_load_len(big, len, &d, NULL), -1);
	want(&d, "t.conf:65537:1: configuration too large");
	assert_int_equal(tc_load_len(big, RD_CONF_MAX_BYTES, &d, NULL), -1);
	assert_false(tc_has(&d, "too large"));
	free(big);
}

/* Item 6: number of peers, connections, checks, prefixes; word length. */
static void
test_object_limits(void **state)
{
	size_t cap = 64 * 20000, off = 0;
	char *text = malloc(cap);
	struct tc_diags d;

	for (int i = 0; i <= RD_MAX_CONNS; i++)
		off += (size_t)snprintf(text + off, cap - off, "connection \"c%d\" { }\n", i);
	off += (size_t)snprintf(text + off, cap - off, "connection \"last\" { }\n");
	want_n(text, off, "t.conf:1001:1: too many connections: expected at most 1000", 1);
	want_n(text, off, "too many", 1);

	off = 0;
	for (int i = 0; i <= RD_MAX_PEERS; i++)
		off += (size_t)snprintf(text + off, cap - off, "peer \"p%d\" { }\n", i);
	want_n(text, off, "t.conf:1001:1: too many peers: expected at most 1000", 1);

	off = (size_t)snprintf(text, cap, "gateway {\n");
	for (int i = 0; i <= RD_MAX_CHECKS; i++)
		off += (size_t)snprintf(text + off, cap - off, " check \"k%d\" { }\n", i);
	off += (size_t)snprintf(text + off, cap - off, "}\n");
	want_n(text, off, "t.conf:66:2: too many checks: expected at most 64", 1);

	off = (size_t)snprintf(text, cap, "gateway { prefixes {");
	for (int i = 0; i <= RD_MAX_PREFIXES; i++)
		off += (size_t)snprintf(text + off, cap - off, " 10.%d.%d.0/24", i / 256 % 256,
					i % 256);
	off += (size_t)snprintf(text + off, cap - off, " } }\n");
	want_n(text, off, "t.conf:1:143146: too many prefixes in one list: expected at most "
	       "10000", 1);

	off = (size_t)snprintf(text, cap, "gateway { outside ");
	memset(text + off, '1', 300);
	off += 300;
	off += (size_t)snprintf(text + off, cap - off, " }\npeer \"");
	memset(text + off, 'n', 300);
	off += 300;
	off += (size_t)snprintf(text + off, cap - off, "\" { }\n");
	assert_int_equal(tc_load_len(text, off, &d, NULL), -1);
	want(&d, "t.conf:1:19: word too long (300 bytes): expected at most 255");
	want(&d, "t.conf:2:6: string too long (300 bytes): expected at most 255");
	free(text);
}

/* Item 6: a flood of errors is reported up to the limit, then counted. */
static void
test_diagnostics_bounded(void **state)
{
	size_t n = 3000;
	char *text = malloc(2 * n);
	struct counter c = { .frag = "more problems" };

	for (size_t i = 0; i < n; i++) {
		text[2 * i] = '@';
		text[2 * i + 1] = '\n';
	}
	assert_int_equal(load_count(text, 2 * n, &c), -1);
	assert_int_equal(c.total, RD_CONF_MAX_DIAGS + 1);
	assert_int_equal(c.n, 1);
	if (strstr(c.last, "t.conf:1001:1: 2001 more problems not shown") == NULL)
		fail_msg("got %s", c.last);     /* 3,000 characters and "no router-id" */
	free(text);
}

/* Item 9: -nv redacts inline keys unless asked. */
static void
test_inline_keys(void **state)
{
	const char *text = tc_conf("", "", "");
	struct tc_diags d;
	struct rd_config *cfg;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(tc_load_path(put("own.conf", text, strlen(text), 0600), &d, &cfg), 0);
	f = open_memstream(&out, &len);
	conf_print(f, cfg, 0);
	fclose(f);
	assert_null(strstr(out, "abcdefgh1"));
	assert_non_null(strstr(out, "psk \"<redacted>\""));
	free(out);
	f = open_memstream(&out, &len);
	conf_print(f, cfg, RD_PRINT_SECRETS);
	fclose(f);
	assert_non_null(strstr(out, "psk \"abcdefgh1\""));
	free(out);
	conf_free(cfg);
}

static int
setup(void **state)
{
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_recovery_after_realloc),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_psk_file_nul),
		cmocka_unit_test(test_duplicates_once),
		cmocka_unit_test(test_overlaps_once),
		cmocka_unit_test(test_psk_file_kinds),
		cmocka_unit_test(test_file_limits),
		cmocka_unit_test(test_object_limits),
		cmocka_unit_test(test_diagnostics_bounded),
		cmocka_unit_test(test_inline_keys),
	};

	if (getenv("TEST_FILTER") != NULL)     /* e.g. TEST_FILTER=test_nul_bytes */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
