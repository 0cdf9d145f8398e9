/*
 * control_stubs.c - the parts of routerd's core that control.c calls, for
 * fuzz_control: tunnels are looked up in the configuration, nothing is
 * drained, rekeyed or probed. Signatures come from the real headers, so a
 * change there fails this build rather than the fuzzing.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "plugins/hookmsg.h"
#include "routerd/core.h"
#include "routerd/probe.h"
#include "routerd/rekey.h"

static int
find(struct core *c, const char *name, const char **err)
{
	char conn[RD_NAME_MAX], tun[RD_NAME_MAX];
	const char *slash = strchr(name, '/');

	if (slash == NULL || (size_t)(slash - name) >= sizeof(conn) ||
	    strlen(slash + 1) >= sizeof(tun)) {
		*err = "expected CONNECTION/TUNNEL";
		return -1;
	}
	snprintf(conn, sizeof(conn), "%.*s", (int)(slash - name), name);
	snprintf(tun, sizeof(tun), "%s", slash + 1);
	if (conf_find_tunnel(c->cfg, conn, tun, NULL) == NULL) {
		*err = "no such tunnel";
		return -1;
	}
	return 0;
}

int
core_drain(struct core *c, const char *name, bool drain, const char **err)
{
	(void)drain;
	return find(c, name, err);
}

int
core_rekey(struct core *c, const char *name, const char **err)
{
	return find(c, name, err);
}

uint64_t
core_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool
rekey_in_progress(const struct tunnel *t)
{
	(void)t;
	return false;
}

const bool *
probe_check_ok(const struct core *c)
{
	(void)c;
	return NULL;
}

bool
probe_tunnel_info(const struct core *c, uint32_t ifnum, struct probe_info *out)
{
	(void)c, (void)ifnum, (void)out;
	return false;
}

bool
probe_check_info(const struct core *c, size_t check, struct probe_info *out)
{
	(void)c, (void)check, (void)out;
	return false;
}

const char *
probe_verdict_str(enum probe_verdict v)
{
	(void)v;
	return "unknown";
}

void
swan_hook_counters(struct hook_counters *out)
{
	memset(out, 0, sizeof(*out));
}
