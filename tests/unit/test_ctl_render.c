/*
 * test_ctl_render.c - routerctl's rendering on JSON fixtures.
 *
 * Fixtures and golden outputs live in tests/unit/golden/ctl/: NAME.json is a
 * daemon reply, NAME.txt its text rendering, NAME.aws.json its AWS shape.
 * CTL_GOLDEN_UPDATE=1 rewrites the golden files from the current output
 * (review the diff before committing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "routerd/ctl_render.h"

#ifndef CTL_GOLDEN_DIR
#define CTL_GOLDEN_DIR "tests/unit/golden/ctl"
#endif

/* The fixtures' "now": 2026-11-27T12:03:20Z. */
#define FIXTURE_NOW ((time_t)1795781000)

static const char *
golden_dir(void)
{
	const char *d = getenv("CTL_GOLDEN_DIR");

	return d ? d : CTL_GOLDEN_DIR;
}

/* Whole file into a malloc'd string; NULL if absent. */
static char *
slurp(const char *name)
{
	char path[512];
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, len;

	snprintf(path, sizeof(path), "%s/%s", golden_dir(), name);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	FILE *m = open_memstream(&buf, &cap);
	char chunk[4096];

	while ((len = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, len, m);
	fclose(m);
	fclose(f);
	return buf;
}

static struct json_object *
fixture(const char *name)
{
	char *text = slurp(name);
	struct json_object *o;

	if (text == NULL)
		fail_msg("fixture %s/%s missing", golden_dir(), name);
	o = json_tokener_parse(text);
	free(text);
	if (o == NULL)
		fail_msg("fixture %s is not JSON", name);
	return o;
}

/* Compare 'got' with golden file 'name' (or rewrite it under CTL_GOLDEN_UPDATE). */
static void
check_golden(const char *name, const char *got)
{
	char *want;

	if (getenv("CTL_GOLDEN_UPDATE")) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", golden_dir(), name);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
		return;
	}
	want = slurp(name);
	if (want == NULL)
		fail_msg("golden %s missing; got:\n%s", name, got);
	if (strcmp(want, got) != 0) {
		print_error("--- want %s\n%s--- got\n%s", name, want, got);
		free(want);
		fail_msg("output differs from golden %s", name);
	}
	free(want);
}

static void
golden_case(const char *base)
{
	char name[128], *buf = NULL;
	size_t len = 0;
	struct json_object *reply, *aws;
	FILE *m;

	snprintf(name, sizeof(name), "%s.json", base);
	reply = fixture(name);

	m = open_memstream(&buf, &len);
	assert_int_equal(ctl_render_text(m, reply, FIXTURE_NOW), 0);
	fclose(m);
	snprintf(name, sizeof(name), "%s.txt", base);
	check_golden(name, buf);
	free(buf);

	aws = ctl_render_aws(reply);
	assert_non_null(aws);
	m = open_memstream(&buf, &len);
	ctl_print_json(m, aws);
	fclose(m);
	snprintf(name, sizeof(name), "%s.aws.json", base);
	check_golden(name, buf);
	free(buf);
	json_object_put(aws);
	json_object_put(reply);
}

static void test_golden_full(void **st) { (void)st; golden_case("show-full"); }
static void test_golden_empty(void **st) { (void)st; golden_case("show-empty"); }
static void test_golden_minimal(void **st) { (void)st; golden_case("show-minimal"); }
static void test_golden_health(void **st) { (void)st; golden_case("show-health"); }

static void
test_fmt_bytes(void **st)
{
	static const struct { uint64_t n; const char *want; } cases[] = {
		{ 0, "0B" }, { 456, "456B" }, { 1023, "1023B" }, { 1024, "1.0K" },
		{ 1258291, "1.2M" }, { 10240, "10K" }, { 35433480192ull, "33G" },
		{ 1048575, "1024K" }, { UINT64_MAX, "16E" },
	};
	char buf[32];

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctl_fmt_bytes(buf, sizeof(buf), cases[i].n);
		assert_string_equal(buf, cases[i].want);
	}
}

static void
test_fmt_age(void **st)
{
	static const struct { int64_t s; const char *want; } cases[] = {
		{ -5, "0s" }, { 0, "0s" }, { 59, "59s" }, { 60, "1m00s" }, { 192, "3m12s" },
		{ 3599, "59m59s" }, { 3600, "1h00m" }, { 3792, "1h03m" }, { 86399, "23h59m" },
		{ 86400, "1d00h" }, { 181800, "2d02h" },
	};
	char buf[32];

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctl_fmt_age(buf, sizeof(buf), cases[i].s);
		assert_string_equal(buf, cases[i].want);
	}
}

static void
test_requests(void **st)
{
	static const struct { const char *cmd, *arg, *want; } ok[] = {
		{ "show", NULL, "{\"command\":\"show\"}" },
		{ "show", "hq", "{\"command\":\"show\",\"connection\":\"hq\"}" },
		{ "drain", "hq/tun1", "{\"command\":\"drain\",\"tunnel\":\"hq/tun1\"}" },
		{ "undrain", "hq/tun1", "{\"command\":\"undrain\",\"tunnel\":\"hq/tun1\"}" },
		{ "reload", NULL, "{\"command\":\"reload\"}" },
	};
	struct json_object *r;

	(void)st;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		r = ctl_request(ok[i].cmd, ok[i].arg);
		assert_non_null(r);
		assert_string_equal(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), ok[i].want);
		json_object_put(r);
	}
	assert_null(ctl_request("drain", NULL));        /* required argument */
	assert_null(ctl_request("reload", "x"));        /* takes none */
	assert_null(ctl_request("restart", NULL));      /* unknown */
	assert_int_equal(ctl_command_args("show"), -1);
	assert_int_equal(ctl_command_args("drain"), 1);
	assert_int_equal(ctl_command_args("reload"), 0);
	assert_int_equal(ctl_command_args("bogus"), -2);
}

/* The AWS mapping field by field, independent of the golden files. */
static void
test_aws_mapping(void **st)
{
	struct json_object *reply = fixture("show-full.json"), *aws, *conns, *c, *v, *tel, *t;

	(void)st;
	aws = ctl_render_aws(reply);
	assert_non_null(aws);
	assert_true(json_object_object_get_ex(aws, "VpnConnections", &conns));
	assert_int_equal(json_object_array_length(conns), 2);

	c = json_object_array_get_idx(conns, 0);
	assert_true(json_object_object_get_ex(c, "VpnConnectionId", &v));
	assert_string_equal(json_object_get_string(v), "hq-branch");
	assert_true(json_object_object_get_ex(c, "CustomerGatewayId", &v));
	assert_string_equal(json_object_get_string(v), "branch");
	assert_true(json_object_object_get_ex(c, "Type", &v));
	assert_string_equal(json_object_get_string(v), "ipsec.1");
	assert_true(json_object_object_get_ex(c, "Options", &v));
	assert_true(json_object_object_get_ex(v, "StaticRoutesOnly", &v));
	assert_false(json_object_get_boolean(v));

	c = json_object_array_get_idx(conns, 1);
	assert_true(json_object_object_get_ex(c, "Options", &v));
	assert_true(json_object_object_get_ex(v, "StaticRoutesOnly", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(c, "VgwTelemetry", &tel));
	assert_int_equal(json_object_array_length(tel), 2);
	t = json_object_array_get_idx(tel, 1);
	assert_true(json_object_object_get_ex(t, "Status", &v));
	assert_string_equal(json_object_get_string(v), "DOWN");
	assert_true(json_object_object_get_ex(t, "StatusMessage", &v));
	assert_string_equal(json_object_get_string(v), "DPD timeout");
	assert_true(json_object_object_get_ex(t, "LastStatusChange", &v));
	assert_string_equal(json_object_get_string(v), "2026-11-27T12:03:00Z");
	assert_true(json_object_object_get_ex(t, "OutsideIpAddress", &v));
	assert_string_equal(json_object_get_string(v), "192.0.2.1");

	json_object_put(aws);
	json_object_put(reply);
}

/* Missing optional fields: since from since_sec, no address, counts 0. */
static void
test_aws_minimal(void **st)
{
	struct json_object *reply = fixture("show-minimal.json"), *aws, *conns, *c, *v, *tel, *t;

	(void)st;
	aws = ctl_render_aws(reply);
	assert_true(json_object_object_get_ex(aws, "VpnConnections", &conns));
	c = json_object_array_get_idx(conns, 0);
	assert_false(json_object_object_get_ex(c, "CustomerGatewayAddress", &v));
	assert_true(json_object_object_get_ex(c, "VgwTelemetry", &tel));
	t = json_object_array_get_idx(tel, 0);
	assert_false(json_object_object_get_ex(t, "OutsideIpAddress", &v));
	assert_true(json_object_object_get_ex(t, "LastStatusChange", &v));
	assert_string_equal(json_object_get_string(v), "2026-11-27T11:46:40Z");
	assert_true(json_object_object_get_ex(t, "AcceptedRouteCount", &v));
	assert_int_equal(json_object_get_int(v), 0);
	c = json_object_array_get_idx(conns, 1);
	assert_true(json_object_object_get_ex(c, "VgwTelemetry", &tel));
	assert_int_equal(json_object_array_length(tel), 0);
	json_object_put(aws);
	json_object_put(reply);
}

/* A reply without a connections array is refused, not rendered half. */
static void
test_malformed(void **st)
{
	static const char *const bad[] = {
		"{\"ok\":true}",
		"{\"ok\":true,\"connections\":{}}",
		"{\"ok\":true,\"connections\":\"x\"}",
	};
	char *buf = NULL;
	size_t len = 0;

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *r = json_tokener_parse(bad[i]);
		FILE *m = open_memstream(&buf, &len);

		assert_int_equal(ctl_render_text(m, r, FIXTURE_NOW), -1);
		fclose(m);
		free(buf);
		assert_null(ctl_render_aws(r));
		json_object_put(r);
	}
}

/* Wrong-typed values render as "-" instead of crashing. */
static void
test_wrong_types(void **st)
{
	const char *text = "{\"ok\":true,\"connections\":[{\"name\":5,\"tunnels\":"
			   "[{\"name\":\"t\",\"bytes_in\":\"many\",\"since_sec\":\"x\"}, 7]}]}";
	struct json_object *r = json_tokener_parse(text);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	(void)st;
	assert_int_equal(ctl_render_text(m, r, FIXTURE_NOW), 0);
	fclose(m);
	assert_non_null(strstr(buf, "-: peer -"));
	free(buf);
	json_object_put(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_bytes),
		cmocka_unit_test(test_fmt_age),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_golden_full),
		cmocka_unit_test(test_golden_empty),
		cmocka_unit_test(test_golden_minimal),
		cmocka_unit_test(test_golden_health),
		cmocka_unit_test(test_aws_mapping),
		cmocka_unit_test(test_aws_minimal),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_wrong_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
