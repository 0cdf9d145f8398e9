/* test_probe.c - the probe's rise/fall verdict (probe_fsm.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "routerd/probe.h"

/* A sequence of outcomes ('.' reply, 'x' lost) and the verdict after each
 * ('?' unknown, 'U' up, 'D' down); '!' marks where the verdict changes. */
struct fcase {
	uint32_t rise, fall;
	const char *in;
	const char *verdicts;
	const char *changes;
};

static const struct fcase cases[] = {
	{ 2, 3, "..", "?U", " !" },
	{ 2, 3, "xxx", "??D", "  !" },
	{ 2, 3, ".xx.xxx", "??????D", "      !" },    /* a reply resets the losses */
	{ 2, 3, "..xxx.x..", "?UUUDDDDU", " !  !   !" },
	{ 1, 1, ".x.x", "UDUD", "!!!!" },
	{ 3, 2, "...x.", "??UUU", "  !  " },            /* one loss under fall 2: still up */
	{ 2, 2, "xx.x..", "?DDDDU", " !   !" },
};

static char
vchar(enum probe_verdict v)
{
	return v == PROBE_UP ? 'U' : v == PROBE_DOWN ? 'D' : '?';
}

static void
test_table(void **st)
{
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct probe_fsm f;
		char got[32] = "", chg[32] = "", why[64];
		size_t n = strlen(cases[k].in);

		probe_fsm_init(&f, cases[k].rise, cases[k].fall);
		for (size_t i = 0; i < n; i++) {
			bool c = probe_fsm_result(&f, cases[k].in[i] == '.', why, sizeof(why));

			got[i] = vchar(f.verdict);
			chg[i] = c ? '!' : ' ';
		}
		got[n] = chg[n] = '\0';
		if (strcmp(got, cases[k].verdicts) != 0 || strcmp(chg, cases[k].changes) != 0)
			fail_msg("case %zu: got '%s' '%s'", k, got, chg);
	}
}

static void
test_why_and_counters(void **st)
{
	struct probe_fsm f;
	char why[64];

	probe_fsm_init(&f, 0, 0);       /* 0: the defaults */
	assert_int_equal(f.rise, RD_DEFAULT_RISE);
	assert_int_equal(f.fall, RD_DEFAULT_FALL);
	assert_false(probe_fsm_result(&f, true, why, sizeof(why)));
	assert_true(probe_fsm_result(&f, true, why, sizeof(why)));
	assert_string_equal(why, "2 replies in a row");
	probe_fsm_result(&f, false, why, sizeof(why));
	probe_fsm_result(&f, false, why, sizeof(why));
	assert_true(probe_fsm_result(&f, false, why, sizeof(why)));
	assert_string_equal(why, "3 lost in a row");
	assert_int_equal(f.received, 2);
	assert_int_equal(f.lost, 3);
	assert_string_equal(probe_verdict_str(f.verdict), "down");
	probe_fsm_reset(&f);
	assert_int_equal(f.verdict, PROBE_UNKNOWN);
	assert_int_equal(f.lost, 3);
	f.rise = 1;
	assert_true(probe_fsm_result(&f, true, why, sizeof(why)));
	assert_string_equal(why, "1 reply in a row");
}

/* A slow path adds intervals to 'fall' (srtt + 4 rttvar); a fast one none. */
static void
test_rtt_extends_fall(void **st)
{
	struct probe_fsm f;
	char why[96];

	probe_fsm_init(&f, 1, 4);
	probe_fsm_rtt(&f, 20000, 100);          /* 20 ms: 20 + 4 x 10 = 60 ms < 100 */
	assert_int_equal(f.srtt_us, 20000);
	assert_int_equal(f.fall_extra, 0);
	for (int i = 0; i < 20; i++)
		probe_fsm_rtt(&f, 20000, 100);
	assert_int_equal(f.fall_extra, 0);
	probe_fsm_init(&f, 1, 4);
	probe_fsm_rtt(&f, 350000, 100);         /* 350 ms: 350 + 4 x 175 = 1050 ms */
	assert_int_equal(f.fall_extra, 10);
	for (int i = 0; i < 200; i++)           /* steady: the variation decays */
		probe_fsm_rtt(&f, 350000, 100);
	assert_int_equal(f.srtt_us, 350000);
	assert_int_equal(f.fall_extra, 3);      /* ceil(350 / 100) - 1 */
	assert_true(probe_fsm_result(&f, true, why, sizeof(why)));
	for (int i = 0; i < 6; i++)
		assert_false(probe_fsm_result(&f, false, why, sizeof(why)));
	assert_true(probe_fsm_result(&f, false, why, sizeof(why)));
	assert_string_equal(why, "7 lost in a row (fall 4 + 3 for the path's RTT)");
	(void)st;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_why_and_counters),
		cmocka_unit_test(test_rtt_extends_fall),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
