/*
 * test_swan_whack.c - parsers of whack --showstates / --trafficstatus on
 * captured output (tests/unit/golden/swan/whack/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/swan_whack.h"

static char *
capture(const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[512];
	FILE *f;
	char *buf = calloc(1, 1 << 20);

	snprintf(path, sizeof(path), "%s/tests/unit/golden/swan/whack/%s", top ? top : ".", name);
	if ((f = fopen(path, "r")) == NULL) {
		free(buf);
		return NULL;
	}
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_real_ike_only(void **state)
{
	static const char *const files[] = {
		"showstates-v2-ike-initiator.txt", "showstates-v2-ike-responder.txt",
		"status-v2-ike.txt",
	};
	for (size_t i = 0; i < 3; i++) {
		struct swan_status *st = calloc(1, sizeof(*st));
		char *text = capture(files[i]);
		assert_non_null(text);
		assert_int_equal(swan_parse_showstates(text, st), 1);
		const struct swan_conn_status *c = swan_status_get(st, "rd-vpn1-tun1", false);
		assert_non_null(c);
		assert_true(c->ike);
		assert_false(c->child);
		free(text);
		free(st);
	}
}

/* Captured in the qemu VM: Child SA up, traffic through ipsec2. */
static void
test_real_child(void **state)
{
	static const char *const files[] = {
		"showstates-vm-child-initiator.txt", "showstates-vm-child-responder.txt",
	};
	for (size_t i = 0; i < 2; i++) {
		struct swan_status *st = calloc(1, sizeof(*st));
		char *text = capture(files[i]);
		assert_non_null(text);
		assert_int_equal(swan_parse_showstates(text, st), 2);
		assert_int_equal(st->n, 1);
		const struct swan_conn_status *c = swan_status_get(st, "rd-vpn1-tun1", false);
		assert_true(c->ike && c->child);
		assert_false(c->have_bytes);
		free(text);
		free(st);
	}
	struct swan_status *st = calloc(1, sizeof(*st));
	char *text = capture("trafficstatus-vm-child.txt");
	assert_int_equal(swan_parse_trafficstatus(text, st), 1);
	const struct swan_conn_status *c = swan_status_get(st, "rd-vpn1-tun1", false);
	assert_true(c->child && c->have_bytes);
	assert_true(c->inbytes == 252 && c->outbytes == 252);
	free(text);
	free(st);
}

static void
test_synthetic_states(void **state)
{
	struct swan_status *st = calloc(1, sizeof(*st));
	char *text = capture("synthetic-mixed.txt");
	const struct swan_conn_status *c;

	assert_non_null(text);
	assert_int_equal(swan_parse_showstates(text, st), 7);
	c = swan_status_get(st, "rd-vpn1-tun1", false);
	assert_true(c->ike && c->child);
	c = swan_status_get(st, "rd-vpn1-tun2", false);       /* only half-open */
	assert_false(c->ike || c->child);
	c = swan_status_get(st, "rd-vpn2-a", false);          /* IKEv1 */
	assert_true(c->ike && c->child);
	c = swan_status_get(st, "other", false);              /* instance "other"[2] */
	assert_true(c->ike);
	c = swan_status_get(st, "rd-x-y", false);
	assert_false(c->ike || c->child);
	assert_null(swan_status_get(st, "rd-bad", false));
	free(text);
	free(st);
}

static void
test_trafficstatus(void **state)
{
	struct swan_status *st = calloc(1, sizeof(*st));
	char *text = capture("synthetic-trafficstatus.txt");
	const struct swan_conn_status *c;

	assert_non_null(text);
	assert_int_equal(swan_parse_trafficstatus(text, st), 3);
	c = swan_status_get(st, "rd-vpn1-tun1", false);       /* two SAs (rekey overlap) */
	assert_true(c->child && c->have_bytes);
	assert_true(c->inbytes == 1025 && c->outbytes == 2050);
	c = swan_status_get(st, "rd-vpn2-a", false);
	assert_true(c->outbytes == UINT64_MAX);
	assert_null(swan_status_get(st, "rd-noc", false));
	/* Empty output (no Child SA anywhere) is a valid, empty answer. */
	struct swan_status *e = calloc(1, sizeof(*e));
	assert_int_equal(swan_parse_trafficstatus("", e), 0);
	assert_int_equal(e->n, 0);
	free(e);
	free(text);
	free(st);
}

/* Truncated and random text: no crash, no overflow of the table. */
static void
test_garbage(void **state)
{
	char *text = capture("synthetic-mixed.txt");
	size_t len = strlen(text);
	unsigned seed = 7;
	struct swan_status *st = calloc(1, sizeof(*st));

	for (size_t i = 0; i <= len; i++) {
		char *cut = strndup(text, i);
		memset(st, 0, sizeof(*st));
		swan_parse_showstates(cut, st);
		swan_parse_trafficstatus(cut, st);
		free(cut);
	}
	char *junk = malloc(70000);
	for (int r = 0; r < 200; r++) {
		for (size_t i = 0; i < 69999; i++)
			junk[i] = (char)(1 + rand_r(&seed) % 255);
		junk[69999] = '\0';
		memset(st, 0, sizeof(*st));
		swan_parse_showstates(junk, st);
		swan_parse_trafficstatus(junk, st);
		assert_true(st->n <= SWAN_STATUS_MAX);
	}
	/* More distinct conns than the table holds. */
	char *many = malloc(SWAN_STATUS_MAX * 2 * 80), *p = many;
	for (int i = 0; i < SWAN_STATUS_MAX * 2; i++)
		p += sprintf(p, "000 #%d: \"c%d\":500 STATE_V2_ESTABLISHED_IKE_SA (x);\n", i, i);
	memset(st, 0, sizeof(*st));
	swan_parse_showstates(many, st);
	assert_int_equal(st->n, SWAN_STATUS_MAX);
	free(many);
	free(junk);
	free(text);
	free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_ike_only),
		cmocka_unit_test(test_real_child),
		cmocka_unit_test(test_synthetic_states),
		cmocka_unit_test(test_trafficstatus),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
