/*
 * frr_driver.c - drives the FRR backend (rd_bgp_frr) against two real FRR
 * instances for tests/topo/frr-vty-test.sh. Side A: AS 64512, 169.254.10.1,
 * LAN 10.1.0.0/16; side B: AS 65001, .2, LAN 10.2.0.0/16.
 *
 * usage: frr_driver DIR_A DIR_B   (env RESTART_A: shell command restarting A's bgpd)
 * Prints "ok ..." / "FAIL ..." lines and "measure ..." lines; exit 0 when all passed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "plugins/frr_json.h"
#include "plugins/plugin.h"
#include "routerd/log.h"
#include "test_frr_cfg.h"

struct side {
	const char *name;
	struct rd_paths paths;
	struct rd_backend_env env;
	void *st;
	struct tcfg t;
	bool bgp_up;
	uint32_t accepted;
	int backend_events;
	bool backend_up;
};

static struct event_base *base;
static int failures;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool
check(bool ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	fflush(stdout);
	if (!ok)
		failures++;
	return ok;
}

static void
on_obs(void *arg, const struct rd_obs *o)
{
	struct side *s = arg;

	if (o->kind == RD_OBS_BGP && o->ifnum == 2) {
		s->bgp_up = o->up;
		s->accepted = o->accepted;
	} else if (o->kind == RD_OBS_BACKEND) {
		s->backend_events++;
		s->backend_up = o->up;
	}
	printf("  obs %s kind=%d ifnum=%u up=%d acc=%u adv=%u %s: %s\n", s->name, o->kind, o->ifnum,
	       o->up, o->accepted, o->advertised, o->source, o->reason ? o->reason : "");
}

/* Poll both sides every 100 ms until pred() holds or timeout; returns elapsed ms or -1. */
static long
wait_for(struct side *a, struct side *b, bool (*pred)(struct side *, struct side *), int timeout_ms)
{
	uint64_t t0 = now_ms();

	while (now_ms() - t0 < (uint64_t)timeout_ms) {
		rd_bgp_frr.poll(a->st, &a->t.cfg);
		rd_bgp_frr.poll(b->st, &b->t.cfg);
		if (pred(a, b))
			return (long)(now_ms() - t0);
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(100 * 1000);
	}
	return -1;
}

static bool both_up(struct side *a, struct side *b) { return a->bgp_up && b->bgp_up && a->accepted && b->accepted; }

/* vtysh's view: output of one command into a malloc'ed string. */
static char *
vtysh(const char *dir, const char *cmd)
{
	char line[512], *out = NULL;
	size_t len = 0;
	FILE *f, *m = open_memstream(&out, &len);

	snprintf(line, sizeof(line), "vtysh --vty_socket %s -c '%s' 2>/dev/null", dir, cmd);
	if ((f = popen(line, "r")) != NULL) {
		size_t n;
		char buf[65536];

		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, m);
		pclose(f);
	}
	fclose(m);
	return out;
}

static bool
table_has(const char *dir, const char *prefix)
{
	char *j = vtysh(dir, "show ip bgp json"), key[40];
	bool has;

	snprintf(key, sizeof(key), "\"%s\"", prefix);
	has = strstr(j, key) != NULL;
	free(j);
	return has;
}

static long
table_count(const char *dir)
{
	char *j = vtysh(dir, "show ip bgp json");
	long n = frr_json_bgp_count(j);

	free(j);
	return n;
}

static void
side_init(struct side *s, const char *name, const char *dir, uint32_t asn, uint32_t peer_asn,
	  unsigned site, unsigned peer_site, bool swap)
{
	s->name = name;
	snprintf(s->paths.frr_vty_dir, sizeof(s->paths.frr_vty_dir), "%s", dir);
	s->env = (struct rd_backend_env){ .base = base, .paths = &s->paths, .notify = on_obs, .arg = s };
	tcfg_init(&s->t, asn, peer_asn, site, peer_site, swap, !swap);
	if (rd_bgp_frr.init(&s->env, &s->st) != 0) {
		printf("FAIL init %s\n", name);
		exit(1);
	}
}

/* What the core does after (re)start: base config, then the policy's first diff. */
static int
side_apply_all(struct side *s, bool enable)
{
	struct pol_tunnel_out to = { .ifnum = 2, .neighbor_enabled = true, .advertise = true,
				     .med = 100, .local_pref = 200 };
	struct pol_change ch[3] = {
		{ .kind = POL_ADV_ADD, .ifnum = 2, .prefix = s->t.gw_pfx[0] },
		{ .kind = POL_NEIGHBOR_ENABLE, .ifnum = 2, .to = &to },
		{ .kind = POL_ROUTE_ADD, .ifnum = 4,
		  .route = { .prefix = { .addr = tcfg_ip(10, 3, 0, 0), .len = 16 }, .ifnum = 4,
			     .nexthop = tcfg_ip(169, 254, 12, 2), .distance = 1 } },
	};
	int err = rd_bgp_frr.apply_config(s->st, NULL, &s->t.cfg);

	if (err == 0 && enable)
		err = rd_bgp_frr.apply_changes(s->st, &s->t.cfg, ch, s->t.cfg.nconns > 1 ? 3 : 2);
	return err;
}

static bool a_lost_b_route(struct side *a, struct side *b) { return !table_has(a->paths.frr_vty_dir, "10.2.0.0/16"); }
static bool a_back(struct side *a, struct side *b) { return a->backend_events >= 2 && a->backend_up; }
static uint32_t want_accepted;
static bool b_has_many(struct side *a, struct side *b) { return b->accepted >= want_accepted; }

/*
 * Scale: 10,000 gateway prefixes on A as network statements; the first
 * NADV of them also in the session's ADV prefix-list (FRR 8.4 adds
 * prefix-list entries slowly, see the report), B accepting them all.
 */
static void
scale(struct side *a, struct side *b)
{
	enum { N = 10001 };
	const int nadv = getenv("NADV") ? atoi(getenv("NADV")) : 1000;
	struct tcfg big = a->t, bigb = b->t;
	struct rd_prefix *pfx = calloc(N, sizeof(*pfx));
	struct pol_change *ch = calloc(N, sizeof(*ch));
	uint64_t t0;
	long ms, n;
	char what[128];

	pfx[0] = a->t.gw_pfx[0];        /* keep 10.1/16, add 10,000 /24s */
	for (int i = 1; i < N; i++) {
		pfx[i] = (struct rd_prefix){ .addr = tcfg_ip(100, 64 + (i - 1) / 256, (i - 1) % 256, 0),
					     .len = 24 };
		ch[i] = (struct pol_change){ .kind = POL_ADV_ADD, .ifnum = 2, .prefix = pfx[i] };
	}
	big.cfg.gw.prefixes = pfx;
	big.cfg.gw.nprefixes = N;
	big.cfg.conns = big.conns;
	big.cfg.peers = &big.peer;
	big.conns[0].peer = big.conns[1].peer = &big.peer;
	bigb.cfg.conns = bigb.conns;
	bigb.cfg.peers = &bigb.peer;
	bigb.conns[0].peer = &bigb.peer;
	bigb.conns[0].max_prefix = 20000;       /* beyond routerd's 10,000: 10,001 arrive */
	bigb.peer_pfx[0] = (struct rd_prefix){ .addr = 0, .len = 0 };     /* 0/0 le 32: any */
	bigb.peer.prefixes = bigb.peer_pfx;
	bigb.cfg.gw.prefixes = bigb.gw_pfx;
	check(rd_bgp_frr.apply_config(b->st, &b->t.cfg, &bigb.cfg) == 0, "B max-prefix 10000 applied");
	b->t = bigb;    /* (pointers inside bigb point into bigb: fix below) */
	b->t.cfg.conns = b->t.conns;
	b->t.cfg.peers = &b->t.peer;
	b->t.conns[0].peer = &b->t.peer;
	b->t.peer.prefixes = b->t.peer_pfx;
	b->t.cfg.gw.prefixes = b->t.gw_pfx;
	rd_bgp_frr.apply_changes(b->st, &b->t.cfg, (struct pol_change[]){ { .kind = POL_ATTRS,
		.ifnum = 2, .to = &(struct pol_tunnel_out){ .ifnum = 2, .local_pref = 100 } } }, 1);

	t0 = now_ms();
	check(rd_bgp_frr.apply_config(a->st, &a->t.cfg, &big.cfg) == 0, "A 10000 network statements applied");
	ms = (long)(now_ms() - t0);
	n = table_count(a->paths.frr_vty_dir);
	snprintf(what, sizeof(what), "A's bgp table holds 10,000 + 10.1/16 + 10.2/16 (%ld)", n);
	check(n == N + 1, what);         /* + 10.2/16 from B */
	printf("measure apply_10000_network_ms %ld\nmeasure a_table_count %ld\n", ms, n);

	t0 = now_ms();
	snprintf(what, sizeof(what), "A %d ADV_ADD applied", nadv);
	check(rd_bgp_frr.apply_changes(a->st, &big.cfg, ch + 1, (size_t)nadv) == 0, what);
	ms = (long)(now_ms() - t0);
	printf("measure apply_%d_adv_ms %ld\n", nadv, ms);
	want_accepted = (uint32_t)nadv + 1;
	ms = wait_for(a, b, b_has_many, 60000);
	printf("measure b_received_ms %ld\nmeasure b_pfxRcd %u\n", ms, b->accepted);
	snprintf(what, sizeof(what), "B received %d + 1 prefixes", nadv);
	check(ms >= 0, what);
	/* Back to the small config (removes 10,000 networks). */
	t0 = now_ms();
	check(rd_bgp_frr.apply_config(a->st, &big.cfg, &a->t.cfg) == 0, "A back to 1 network");
	printf("measure remove_10000_network_ms %ld\n", (long)(now_ms() - t0));
	free(ch);
	free(pfx);
}

int
main(int argc, char **argv)
{
	static struct side a, b;
	long ms;
	char *txt;

	if (argc != 3) {
		fprintf(stderr, "usage: frr_driver DIR_A DIR_B\n");
		return 2;
	}
	log_init("frr_driver", 1, getenv("VERBOSE") != NULL);
	base = event_base_new();
	side_init(&a, "A", argv[1], 64512, 65001, 1, 2, false);
	side_init(&b, "B", argv[2], 65001, 64512, 2, 1, true);

	check(side_apply_all(&a, false) == 0 && side_apply_all(&b, false) == 0, "base config applied");
	txt = vtysh(argv[1], "show running-config");
	check(strstr(txt, "neighbor 169.254.10.2 shutdown") != NULL, "A's neighbor starts shut down");
	free(txt);

	uint64_t t0 = now_ms();
	check(side_apply_all(&a, true) == 0 && side_apply_all(&b, true) == 0, "enable applied");
	printf("measure enable_apply_ms %ld\n", (long)(now_ms() - t0));
	ms = wait_for(&a, &b, both_up, 30000);
	printf("measure established_ms %ld\n", ms);
	check(ms >= 0, "both sessions Established with prefixes accepted");
	check(table_has(argv[1], "10.2.0.0/16") && table_has(argv[2], "10.1.0.0/16"),
	      "prefixes exchanged (vtysh show ip bgp json)");
	txt = vtysh(argv[1], "show ip bgp 10.2.0.0/16 json");
	check(strstr(txt, "\"locPrf\":200") != NULL || strstr(txt, "\"localpref\":200") != NULL,
	      "local-pref 200 set by route-map IN");
	free(txt);
	txt = vtysh(argv[2], "show ip bgp 10.1.0.0/16 json");
	check(strstr(txt, "\"med\":100") != NULL || strstr(txt, "\"metric\":100") != NULL,
	      "MED 100 set by route-map OUT");
	free(txt);
	txt = vtysh(argv[1], "show running-config");
	check(strstr(txt, "ip route 10.3.0.0/16 169.254.12.2 ipsec4") != NULL, "static route in staticd");
	free(txt);

	/* B shuts its neighbor: A must lose 10.2/16 at once (no hold time). */
	t0 = now_ms();
	check(rd_bgp_frr.apply_changes(b.st, &b.t.cfg,
		(struct pol_change[]){ { .kind = POL_NEIGHBOR_DISABLE, .ifnum = 2 } }, 1) == 0,
	      "B disable applied");
	ms = wait_for(&a, &b, a_lost_b_route, 10000);
	printf("measure withdraw_after_disable_ms %ld\n", ms);
	check(ms >= 0 && ms < 3000, "A lost B's route well before the 30 s hold time");
	check(side_apply_all(&b, true) == 0, "B re-enabled");
	check(wait_for(&a, &b, both_up, 30000) >= 0, "Established again");

	/* kill -9 A's bgpd, restart it: the backend reports down, then up; re-apply. */
	a.backend_events = 0;
	check(system(getenv("RESTART_A") ? getenv("RESTART_A") : "false") == 0, "A's bgpd killed and restarted");
	ms = wait_for(&a, &b, a_back, 20000);
	printf("measure backend_down_up_seen_ms %ld\n", ms);
	check(ms >= 0, "backend down then up reported");
	t0 = now_ms();
	check(side_apply_all(&a, true) == 0, "A re-applied after restart");
	ms = wait_for(&a, &b, both_up, 30000);
	printf("measure reestablished_after_reapply_ms %ld\n", ms);
	check(ms >= 0, "Established again after bgpd restart");

	scale(&a, &b);

	rd_bgp_frr.fini(a.st, &a.t.cfg);
	rd_bgp_frr.fini(b.st, &b.t.cfg);
	txt = vtysh(argv[1], "show running-config");
	/* " neighbor ": a neighbor line, not "bgp log-neighbor-changes" */
	if (!check(strstr(txt, "RD-") == NULL && strstr(txt, " neighbor ") == NULL,
		   "fini removed A's config"))
		printf("--- A's running-config after fini:\n%s---\n", txt);
	free(txt);
	txt = vtysh(argv[1], "show ip route static json");
	check(strstr(txt, "10.3.0.0") == NULL, "fini removed the static route");
	free(txt);
	event_base_free(base);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
