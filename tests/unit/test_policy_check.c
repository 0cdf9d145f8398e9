/*
 * test_policy_check.c - pol_decide_checked(): gateway prefixes gated by LAN
 * health checks are withdrawn on every tunnel while a check is down, and
 * nothing else moves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_policy.h"

#define UP_ { T_UP, 0, 5, 0 }

/* vpn1 (10/11) and vpn2 (20/21) dynamic, s (30/31) static; gateway
 * 10.0.0.0/16 (gated by "lan1" and, when 'both', by "lan2"), 10.9.0.0/16
 * ungated; 10.8.0.0/16 gated by "lan2" only. */
struct fix {
	struct tcfg t;
	struct rd_check checks[2];
	struct rd_prefix c1[1], c2[2];
	struct pol_obs obs[3][RD_MAX_TUNNELS];
};

static void
fix_init(struct fix *f, bool both)
{
	memset(f, 0, sizeof *f);
	tc_init(&f->t, false);
	tc_gw_prefix(&f->t, "10.0.0.0/16");
	tc_gw_prefix(&f->t, "10.8.0.0/16");
	tc_gw_prefix(&f->t, "10.9.0.0/16");
	tc_peer_prefix(&f->t, tc_conn(&f->t, "vpn1", RD_ROUTING_DYNAMIC, 10, false), "10.1.0.0/16");
	tc_peer_prefix(&f->t, tc_conn(&f->t, "vpn2", RD_ROUTING_DYNAMIC, 20, false), "10.2.0.0/16");
	tc_static_route(&f->t, tc_conn(&f->t, "s", RD_ROUTING_STATIC, 30, false), "192.168.10.0/24");
	f->c1[0] = tc_pfx("10.0.0.0/16");
	f->c2[0] = tc_pfx("10.8.0.0/16");
	f->c2[1] = tc_pfx("10.0.0.0/16");
	snprintf(f->checks[0].name, RD_NAME_MAX, "lan1");
	f->checks[0].prefixes = f->c1;
	f->checks[0].nprefixes = 1;
	snprintf(f->checks[1].name, RD_NAME_MAX, "lan2");
	f->checks[1].prefixes = f->c2;
	f->checks[1].nprefixes = both ? 2 : 1;
	f->t.cfg.gw.checks = f->checks;
	f->t.cfg.gw.nchecks = 2;
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 2; j++)
			f->obs[i][j] = tc_obs((struct tobs)UP_);
}

static void
decide(const struct fix *f, const bool *ok, struct pol_state *out)
{
	assert_int_equal(pol_decide_checked(&f->t.cfg,
					    (const struct pol_obs (*)[RD_MAX_TUNNELS])f->obs,
					    ok, S(100), out), 0);
}

static const char *
diff_str(const struct pol_state *a, const struct pol_state *b, char *buf, size_t len)
{
	struct pol_change *ch = NULL;
	size_t n = 0;

	assert_int_equal(pol_diff(a, b, &ch, &n), 0);
	tc_changes_str(ch, n, buf, len);
	free(ch);
	return buf;
}

/* A failed check withdraws its prefix on every tunnel, and only that. */
static void
test_withdraw_everywhere(void **state)
{
	struct fix f;
	struct pol_state all, down, back;
	bool ok[2] = { true, true }, bad[2] = { false, true };
	char buf[1024];

	fix_init(&f, false);
	decide(&f, ok, &all);
	assert_string_equal(tc_adv_str(&all, 0, 0, buf, sizeof buf),
			    "10.0.0.0/16,10.8.0.0/16,10.9.0.0/16");
	decide(&f, bad, &down);
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 2; j++)
			assert_string_equal(tc_adv_str(&down, i, j, buf, sizeof buf),
					    "10.8.0.0/16,10.9.0.0/16");
	assert_string_equal(diff_str(&all, &down, buf, sizeof buf),
			    "adv-del 10 10.0.0.0/16\nadv-del 11 10.0.0.0/16\n"
			    "adv-del 20 10.0.0.0/16\nadv-del 21 10.0.0.0/16\n");
	/* Static connection: the same routes either way. */
	assert_int_equal(down.nroutes, all.nroutes);
	assert_int_equal(down.conns[2].status, POL_CONN_UP);
	/* Attributes and status do not move. */
	assert_int_equal(down.tunnels[0][1].med, all.tunnels[0][1].med);
	assert_int_equal(down.conns[0].status, POL_CONN_UP);
	decide(&f, ok, &back);
	assert_string_equal(diff_str(&down, &back, buf, sizeof buf),
			    "adv-add 10 10.0.0.0/16\nadv-add 11 10.0.0.0/16\n"
			    "adv-add 20 10.0.0.0/16\nadv-add 21 10.0.0.0/16\n");
	pol_state_free(&all);
	pol_state_free(&down);
	pol_state_free(&back);
}

/* NULL (no verdicts) is every check up, and equals pol_decide(). */
static void
test_null_is_all_up(void **state)
{
	struct fix f;
	struct pol_state a, b;
	char buf[256];

	fix_init(&f, true);
	decide(&f, NULL, &a);
	assert_int_equal(pol_decide(&f.t.cfg, (const struct pol_obs (*)[RD_MAX_TUNNELS])f.obs,
				    S(100), &b), 0);
	assert_string_equal(diff_str(&a, &b, buf, sizeof buf), "");
	assert_string_equal(tc_adv_str(&a, 1, 0, buf, sizeof buf),
			    "10.0.0.0/16,10.8.0.0/16,10.9.0.0/16");
	pol_state_free(&a);
	pol_state_free(&b);
}

/* A prefix listed by two checks needs both up. */
static void
test_every_check_must_be_up(void **state)
{
	static const struct {
		bool ok[2];
		const char *adv;
	} cases[] = {
		{ { true, true }, "10.0.0.0/16,10.8.0.0/16,10.9.0.0/16" },
		{ { false, true }, "10.8.0.0/16,10.9.0.0/16" },
		{ { true, false }, "10.9.0.0/16" },
		{ { false, false }, "10.9.0.0/16" },
	};
	struct fix f;
	char buf[256];

	fix_init(&f, true);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct pol_state s;

		decide(&f, cases[k].ok, &s);
		assert_string_equal(tc_adv_str(&s, 1, 1, buf, sizeof buf), cases[k].adv);
		pol_state_free(&s);
	}
}

/* A tunnel that advertises nothing (not usable) stays empty; when it comes
 * back while the check is down it gets only the healthy prefixes. */
static void
test_unusable_tunnel(void **state)
{
	struct fix f;
	struct pol_state s;
	bool bad[2] = { false, true };
	char buf[256];

	fix_init(&f, false);
	f.obs[0][1] = tc_obs((struct tobs){ T_DOWN, 0, 0, 0 });
	decide(&f, bad, &s);
	assert_string_equal(tc_adv_str(&s, 0, 1, buf, sizeof buf), "");
	assert_string_equal(tc_adv_str(&s, 0, 0, buf, sizeof buf), "10.8.0.0/16,10.9.0.0/16");
	pol_state_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_withdraw_everywhere),
		cmocka_unit_test(test_null_is_all_up),
		cmocka_unit_test(test_every_check_must_be_up),
		cmocka_unit_test(test_unusable_tunnel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
