/*
 * test_hookmsg.c - the updown hook message: round trip, every truncation,
 * malformed input, random bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/hookmsg.h"

static const char full[] =
	"VERSION=1\n"
	"VERB=up-client\n"
	"CONNECTION=rd-vpn1-tun1\n"
	"REQID=2\n"
	"PEER=198.51.100.7\n"
	"ME=192.0.2.1\n"
	"VIRT_INTERFACE=ipsec2\n"
	"SPI_IN=0xc0ffee01\n"
	"SPI_OUT=0x0000abcd\n"
	"INBYTES=0\n"
	"OUTBYTES=18446744073709551615\n"
	"END=OK\n";

static void
test_parse_full(void **state)
{
	struct hookmsg m;
	char err[128];

	assert_int_equal(hookmsg_parse(full, strlen(full), &m, err, sizeof(err)), 0);
	assert_int_equal(m.verb, HOOK_UP_CLIENT);
	assert_false(m.v6);
	assert_string_equal(m.connection, "rd-vpn1-tun1");
	assert_int_equal(m.reqid, 2);
	assert_int_equal(m.peer, 0xc6336407u);
	assert_int_equal(m.me, 0xc0000201u);
	assert_string_equal(m.virt_interface, "ipsec2");
	assert_int_equal(m.spi_in, 0xc0ffee01u);
	assert_int_equal(m.spi_out, 0xabcdu);
	assert_true(m.outbytes == UINT64_MAX);
	assert_int_equal(m.present, 0x7f);

	/* Serialize back: byte-identical. */
	char out[HOOKMSG_MAX];
	int n = hookmsg_format(&m, out, sizeof(out));
	assert_int_equal(n, (int)strlen(full));
	assert_memory_equal(out, full, (size_t)n);
}

static void
test_minimal_and_verbs(void **state)
{
	struct hookmsg m = { 0 }, back;
	char buf[HOOKMSG_MAX], err[128];

	for (unsigned v = 0; v < HOOK_NVERBS; v++) {
		for (int v6 = 0; v6 < 2; v6++) {
			memset(&m, 0, sizeof(m));
			m.verb = v;
			m.v6 = v6;
			m.reqid = 16383;
			strcpy(m.connection, "c");
			int n = hookmsg_format(&m, buf, sizeof(buf));
			assert_true(n > 0);
			assert_int_equal(hookmsg_parse(buf, (size_t)n, &back, err, sizeof(err)), 0);
			assert_int_equal(back.verb, v);
			assert_int_equal(back.v6, v6);
			assert_int_equal(back.present, 0);
		}
	}
	m.verb = HOOK_NVERBS;
	assert_int_equal(hookmsg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.verb = HOOK_DOWN_CLIENT;
	m.reqid = 0;
	assert_int_equal(hookmsg_format(&m, buf, sizeof(buf)), -EINVAL);
	m.reqid = 5;
	assert_int_equal(hookmsg_format(&m, buf, 20), -ENOSPC);
}

/* Every proper prefix of a valid message is rejected. */
static void
test_every_truncation(void **state)
{
	struct hookmsg m;
	char err[128];
	size_t len = strlen(full);

	for (size_t i = 0; i < len; i++) {
		err[0] = '\0';
		assert_int_equal(hookmsg_parse(full, i, &m, err, sizeof(err)), -EINVAL);
		assert_true(err[0] != '\0' || i == 0);
	}
}

struct bad {
	const char *msg;
	const char *reason;     /* substring of the error */
};

static const struct bad bads[] = {
	{ "VERSION=1\nVERB=sideways-client\nCONNECTION=c\nREQID=2\nEND=OK\n", "VERB" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nEND=OK\n", "missing REQID" },
	{ "VERSION=1\nCONNECTION=c\nREQID=2\nEND=OK\n", "missing VERB" },
	{ "VERSION=1\nVERB=up-client\nREQID=2\nEND=OK\n", "missing CONNECTION" },
	{ "VERSION=2\nVERB=up-client\nCONNECTION=c\nREQID=2\nEND=OK\n", "VERSION" },
	{ "VERB=up-client\nVERSION=1\nCONNECTION=c\nREQID=2\nEND=OK\n", "first line" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=2x\nEND=OK\n", "REQID" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=0\nEND=OK\n", "REQID" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=16384\nEND=OK\n", "REQID" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=-1\nEND=OK\n", "REQID" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=99999999999999999999999\nEND=OK\n",
	  "REQID" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=2\nREQID=2\nEND=OK\n", "duplicate" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=2\nCOLOR=red\nEND=OK\n", "unknown" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=2\nPEER=1.2.3\nEND=OK\n", "PEER" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=2\nSPI_IN=12\nEND=OK\n", "SPI_IN" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=2\nSPI_IN=0x123456789\nEND=OK\n",
	  "SPI_IN" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=2\nINBYTES=18446744073709551616\n"
	  "END=OK\n", "INBYTES" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=a b\nREQID=2\nEND=OK\n", "byte 0x20" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\xc3\xa9\nREQID=2\nEND=OK\n", "byte 0xc3" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=2\nEND=OK\nX", "after END" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=2\nEND=NO\n", "END" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=\nREQID=2\nEND=OK\n", "CONNECTION" },
	{ "VERSION=1\nVERB\nEND=OK\n", "no '='" },
	{ "VERSION=1\nVERB=up-client\r\nCONNECTION=c\nREQID=2\nEND=OK\n", "byte 0x0d" },
	{ "VERSION=1\nVERB=up-client\nCONNECTION=c\nREQID=2\nVIRT_INTERFACE=abcdefghijklmnop\n"
	  "END=OK\n", "VIRT_INTERFACE" },
	{ "", "no END" },
};

static void
test_malformed(void **state)
{
	struct hookmsg m;
	char err[128];

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		err[0] = '\0';
		int rc = hookmsg_parse(bads[i].msg, strlen(bads[i].msg), &m, err, sizeof(err));
		if (rc != -EINVAL || strstr(err, bads[i].reason) == NULL)
			fail_msg("case %zu: rc %d, reason '%s', want '%s'", i, rc, err,
				 bads[i].reason);
	}
	/* Embedded NUL, oversize. */
	char nul[] = "VERSION=1\nVERB=up-client\0\nCONNECTION=c\nREQID=2\nEND=OK\n";
	assert_int_equal(hookmsg_parse(nul, sizeof(nul) - 1, &m, err, sizeof(err)), -EINVAL);
	char *big = malloc(HOOKMSG_MAX + 1);
	memset(big, 'A', HOOKMSG_MAX + 1);
	assert_int_equal(hookmsg_parse(big, HOOKMSG_MAX + 1, &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "exceeds"));
	free(big);
	/* A NULL/zero error buffer is allowed. */
	assert_int_equal(hookmsg_parse("x", 1, &m, NULL, 0), -EINVAL);
}

/* Random bytes and random mutations of a valid message never crash. */
static void
test_random(void **state)
{
	struct hookmsg m;
	char buf[HOOKMSG_MAX + 8], err[128];
	unsigned seed = 12345;
	int accepted = 0;

	for (int i = 0; i < 200000; i++) {
		size_t len;
		if (i & 1) {
			len = (size_t)rand_r(&seed) % sizeof(buf);
			for (size_t j = 0; j < len; j++)
				buf[j] = (char)rand_r(&seed);
		} else {
			len = strlen(full);
			memcpy(buf, full, len);
			int flips = 1 + rand_r(&seed) % 3;
			for (int k = 0; k < flips; k++)
				buf[rand_r(&seed) % len] = (char)rand_r(&seed);
		}
		if (hookmsg_parse(buf, len, &m, err, sizeof(err)) == 0)
			accepted++;
	}
	/* Mutations that hit digits may stay valid; random junk never is. */
	assert_true(accepted < 100000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_minimal_and_verbs),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
