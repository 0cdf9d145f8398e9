/*
 * swan_driver.c - drives rd_ike_libreswan against a real pluto for
 * tests/topo/swan-render-test.sh. Builds a one-tunnel config by hand,
 * runs init/apply/(up)/poll in a libevent loop and prints every
 * observation as "OBS <kind> <ifnum> <up|down> <source> <reason>".
 *
 * swan_driver --run DIR --conf F --include F --secrets F --ctl SOCK --updown PROG
 *             --left IP --right IP --psk KEY [--ifnum N] [--initiate]
 *             --until ike|child|hook [--reapply] [--backend-down] [--timeout SEC]
 * Exit 0 when every requested step was seen, 1 on timeout or error.
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/plugin.h"
#include "routerd/log.h"

static const char *const kinds[] = { "IKE", "CHILD", "BGP", "HEALTH", "COUNTERS", "BACKEND" };

static struct {
	struct event_base *base;
	void *st;
	struct rd_config cfg;
	struct rd_peer peer;
	struct rd_connection conn;
	const char *until;
	bool reapply, backend_down;
	int phase;              /* 0 wait until, 1 after reapply, 2 wait backend down, 3 done */
	int downs_after_reapply;
	int rc;
} D = { .rc = 1 };

static void
step(void)
{
	if (D.phase == 0) {
		if (D.reapply) {
			int err = rd_ike_libreswan.apply(D.st, &D.cfg, &D.cfg);
			printf("REAPPLY %d\n", err);
			D.phase = 1;
			return;
		}
		D.phase = 2;
	}
	if (D.phase == 2 && D.backend_down) {
		printf("READY-FOR-KILL\n");
		fflush(stdout);
		return;
	}
	D.phase = 3;
	D.rc = 0;
	event_base_loopexit(D.base, NULL);
}

static void
notify(void *arg, const struct rd_obs *o)
{
	printf("OBS %s %u %s %s %s\n", kinds[o->kind], o->ifnum, o->up ? "up" : "down",
	       o->source, o->reason ? o->reason : "");
	fflush(stdout);
	if (o->kind == RD_OBS_COUNTERS)
		return;
	if (D.phase == 1 && !o->up && o->kind != RD_OBS_BACKEND)
		D.downs_after_reapply++;
	if (D.phase == 0 && o->up &&
	    ((strcmp(D.until, "ike") == 0 && o->kind == RD_OBS_IKE) ||
	     (strcmp(D.until, "child") == 0 && o->kind == RD_OBS_CHILD) ||
	     (strcmp(D.until, "hook") == 0 && o->kind == RD_OBS_CHILD &&
	      strcmp(o->source, "updown") == 0)))
		step();
	else if (D.phase == 2 && o->kind == RD_OBS_BACKEND && !o->up) {
		D.phase = 3;
		D.rc = 0;
		event_base_loopexit(D.base, NULL);
	}
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	rd_ike_libreswan.poll(D.st, &D.cfg);
	if (D.phase == 1) {
		/* One full poll after the re-apply: the tunnel must not have dropped. */
		printf("REAPPLY-DOWNS %d\n", D.downs_after_reapply);
		if (D.downs_after_reapply) {
			event_base_loopexit(D.base, NULL);
			return;
		}
		D.phase = 2;
		step();
	}
}

static void
timeout(evutil_socket_t fd, short what, void *arg)
{
	printf("TIMEOUT in phase %d\n", D.phase);
	event_base_loopexit(D.base, NULL);
}

static uint32_t
ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		exit(2);
	}
	return ntohl(a.s_addr);
}

int
main(int argc, char **argv)
{
	struct rd_paths paths = { 0 };
	struct rd_tunnel *t = &D.conn.tunnels[0];
	bool initiate = false;
	int secs = 30;
	const char *left = NULL, *right = NULL, *psk = "swan_test_key";

	t->ifnum = 2;
	D.until = "ike";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		char *dst = NULL;
		if (!strcmp(a, "--run")) dst = paths.run_dir;
		else if (!strcmp(a, "--conf")) dst = paths.ipsec_conf;
		else if (!strcmp(a, "--include")) dst = paths.ipsec_include;
		else if (!strcmp(a, "--secrets")) dst = paths.ipsec_secrets;
		else if (!strcmp(a, "--ctl")) dst = paths.pluto_ctl;
		else if (!strcmp(a, "--updown")) dst = paths.updown;
		else if (!strcmp(a, "--initiate")) { initiate = true; continue; }
		else if (!strcmp(a, "--reapply")) { D.reapply = true; continue; }
		else if (!strcmp(a, "--backend-down")) { D.backend_down = true; continue; }
		else if (!strcmp(a, "--left")) left = v;
		else if (!strcmp(a, "--right")) right = v;
		else if (!strcmp(a, "--psk")) psk = v;
		else if (!strcmp(a, "--until")) D.until = v;
		else if (!strcmp(a, "--ifnum")) t->ifnum = (uint32_t)atoi(v);
		else if (!strcmp(a, "--timeout")) secs = atoi(v);
		else { fprintf(stderr, "unknown argument %s\n", a); return 2; }
		if (dst)
			snprintf(dst, RD_PATH_MAX, "%s", v);
		i++;
	}
	if (!left || !right) {
		fprintf(stderr, "--left and --right are required\n");
		return 2;
	}
	log_init("swan_driver", 1, 1);

	/* One connection, one tunnel, AWS defaults narrowed to a quick proposal. */
	snprintf(D.peer.name, RD_NAME_MAX, "peer");
	D.peer.address = ip(right);
	snprintf(D.conn.name, RD_NAME_MAX, "vpn1");
	snprintf(D.conn.peer_name, RD_NAME_MAX, "peer");
	D.conn.peer = &D.peer;
	D.conn.ntunnels = 1;
	snprintf(t->name, RD_NAME_MAX, "tun1");
	t->local_outside = ip(left);
	snprintf(t->psk, sizeof(t->psk), "%s", psk);
	conf_tunnel_defaults(t);         /* the AWS table */
	D.cfg.peers = &D.peer;
	D.cfg.npeers = 1;
	D.cfg.conns = &D.conn;
	D.cfg.nconns = 1;

	D.base = event_base_new();
	struct rd_backend_env env = { .base = D.base, .paths = &paths, .notify = notify };
	int err;
	if ((err = rd_ike_libreswan.init(&env, &D.st)) < 0) {
		fprintf(stderr, "init: %s\n", strerror(-err));
		return 1;
	}
	if ((err = rd_ike_libreswan.apply(D.st, NULL, &D.cfg)) < 0) {
		fprintf(stderr, "apply: %s\n", strerror(-err));
		return 1;
	}
	printf("APPLIED\n");
	fflush(stdout);
	if (initiate && (err = rd_ike_libreswan.up(D.st, &D.cfg, t->ifnum)) < 0)
		fprintf(stderr, "up: %s\n", strerror(-err));
	struct timeval half = { 0, 500000 }, lim = { secs, 0 };
	struct event *tk = event_new(D.base, -1, EV_PERSIST, tick, NULL);
	struct event *to = evtimer_new(D.base, timeout, NULL);
	event_add(tk, &half);
	event_add(to, &lim);
	event_base_dispatch(D.base);
	event_free(tk);
	event_free(to);
	rd_ike_libreswan.fini(D.st, D.rc == 0 ? &D.cfg : NULL);
	event_base_free(D.base);
	printf("EXIT %d\n", D.rc);
	return D.rc;
}
