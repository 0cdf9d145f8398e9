/*
 * test_swan_ops.c - rd_ike_libreswan against a fake `ipsec` on PATH.
 *
 * The fake logs its argv to DIR/calls, prints DIR/showstates or
 * DIR/trafficstatus, has addconn fail (an error, exit status 0 as when
 * a later conn succeeded) for the conns listed in DIR/addfail, exits with
 * DIR/rc (default 0), and plays "pluto not
 * running" (exit 33) while DIR/down exists; "hang" makes it hang, and
 * showstates waits (10 s at most) while DIR/gate exists.
 * Checks: apply touches only new/changed/removed conns; whack's exit code is
 * not tunnel state; poll notifies differences only; pluto loss/return;
 * hook datagrams (good, bad, foreign) through the libevent loop; the
 * background poll leaves the loop free and yields to a hook report that
 * came while it ran; a hung whack is killed at the deadline.
 */
#include <errno.h>
#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugins/hookmsg.h"
#include "plugins/plugin.h"
#include "plugins/swan_exec.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static char dir[64];
static struct rd_obs obs[64];
static char obs_src[64][16];
static int nobs;
static int nnotify;             /* every notification, beyond the 64 kept */

static void
notify(void *arg, const struct rd_obs *o)
{
	nnotify++;
	if (nobs < 64) {
		obs[nobs] = *o;
		snprintf(obs_src[nobs], sizeof(obs_src[0]), "%s", o->source);
		obs[nobs].source = obs_src[nobs];
		obs[nobs].reason = NULL;
		nobs++;
	}
}

static void
put(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
rm(const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

/* The fake's call log since the last call, then truncate it. */
static char *
calls(void)
{
	static char buf[8192];
	char p[128];
	FILE *f;
	size_t n = 0;

	snprintf(p, sizeof(p), "%s/calls", dir);
	if ((f = fopen(p, "r"))) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	truncate(p, 0);
	return buf;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void
tunnel(struct rd_tunnel *t, const char *name, uint32_t ifnum)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->ifnum = ifnum;
	snprintf(t->psk, sizeof(t->psk), "key_%s", name);
	t->ike_versions = RD_IKEV2;
	t->p1_enc = t->p2_enc = RD_ENC_AES256;
	t->p1_integ = t->p2_integ = RD_INTEG_SHA2_256;
	t->p1_dh = t->p2_dh = RD_DH_BIT(14);
	t->p1_lifetime = 28800;
	t->p2_lifetime = 3600;
	t->rekey_margin = 270;
	t->rekey_fuzz = 100;
	t->replay_window = 1024;
	t->dpd_timeout = 30;
}

static void
config(struct rd_config *c, struct rd_connection *conn, struct rd_peer *peer, int ntun)
{
	memset(c, 0, sizeof(*c));
	memset(conn, 0, sizeof(*conn));
	memset(peer, 0, sizeof(*peer));
	snprintf(peer->name, RD_NAME_MAX, "p");
	peer->address = IP(198, 51, 100, 1);
	snprintf(conn->name, RD_NAME_MAX, "vpn");
	snprintf(conn->peer_name, RD_NAME_MAX, "p");
	conn->peer = peer;
	conn->ntunnels = (size_t)ntun;
	tunnel(&conn->tunnels[0], "t1", 2);
	tunnel(&conn->tunnels[1], "t2", 3);
	c->gw.local_outside = IP(192, 0, 2, 1);
	c->peers = peer;
	c->npeers = 1;
	c->conns = conn;
	c->nconns = 1;
}

static const char fake[] =
	"#!/bin/sh\n"
	"d=$(dirname \"$0\")\n"
	"echo \"$*\" >>\"$d/calls\"\n"
	"if [ -e \"$d/down\" ]; then echo 'whack: Pluto is not running (no \"x\")'; exit 33; fi\n"
	"case \"$*\" in\n"
	"*--showstates*) [ -e \"$d/hang\" ] && sleep 30\n"
	"  i=0; while [ -e \"$d/gate\" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n"
	"  cat \"$d/showstates\" 2>/dev/null ;;\n"
	"*--trafficstatus*) cat \"$d/trafficstatus\" 2>/dev/null ;;\n"
	"addconn\\ *) shift 5; for n; do ! grep -qx \"$n\" \"$d/addfail\" 2>/dev/null ||\n"
	"  echo \"036 \\\"$n\\\": failed to add connection\" >&2; done\n"
	"  [ $# -eq 1 ] && grep -qx \"$1\" \"$d/addrefuse\" 2>/dev/null && exit 36 ;;\n"
	"esac\n"
	"exit $(cat \"$d/rc\" 2>/dev/null || echo 0)\n";

static struct event_base *base;
static void *st;
static struct rd_paths paths;

static int
setup(void **state)
{
	char p[128], path[4096];

	snprintf(dir, sizeof(dir), "/tmp/test_swan_ops.XXXXXX");
	assert_non_null(mkdtemp(dir));
	put("ipsec", fake);
	snprintf(p, sizeof(p), "%s/ipsec", dir);
	chmod(p, 0755);
	snprintf(path, sizeof(path), "%s:%s", dir, getenv("PATH"));
	setenv("PATH", path, 1);
	memset(&paths, 0, sizeof(paths));
	snprintf(paths.run_dir, RD_PATH_MAX, "%s", dir);
	snprintf(paths.ipsec_conf, RD_PATH_MAX, "%s/ipsec.conf", dir);
	snprintf(paths.ipsec_include, RD_PATH_MAX, "%s/routerd.conf", dir);
	snprintf(paths.ipsec_secrets, RD_PATH_MAX, "%s/secrets", dir);
	snprintf(paths.pluto_ctl, RD_PATH_MAX, "%s/pluto.ctl", dir);
	snprintf(paths.updown, RD_PATH_MAX, "/usr/libexec/routerd-updown");
	base = event_base_new();
	struct rd_backend_env env = { .base = base, .paths = &paths, .notify = notify };
	assert_int_equal(rd_ike_libreswan.init(&env, &st), 0);
	nobs = 0;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	rd_ike_libreswan.fini(st, NULL);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void
test_apply_diff(void **state)
{
	struct rd_config a, b;
	struct rd_connection ca, cb;
	struct rd_peer pa, pb;
	struct stat sb;
	char p[128];

	config(&a, &ca, &pa, 2);
	assert_int_equal(rd_ike_libreswan.apply(st, NULL, &a), 0);
	char *c = calls();
	assert_int_equal(count(c, "--rereadsecrets"), 1);
	/* both in one addconn run */
	assert_int_equal(count(c, "addconn --ctlsocket"), 1);
	assert_int_equal(count(c, " rd-vpn-t1 rd-vpn-t2\n"), 1);
	/* new, no file on disk: pluto cannot hold it, nothing to delete */
	assert_int_equal(count(c, "--delete --name rd-vpn-t1"), 0);
	snprintf(p, sizeof(p), "%s/secrets", dir);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* Same config again: nothing but rereadsecrets. */
	config(&b, &cb, &pb, 2);
	assert_int_equal(rd_ike_libreswan.apply(st, &a, &b), 0);
	c = calls();
	assert_int_equal(count(c, "addconn"), 0);
	assert_int_equal(count(c, "--delete"), 0);

	/* PSK change only: conn untouched (secrets reread). */
	snprintf(cb.tunnels[0].psk, sizeof(cb.tunnels[0].psk), "other_key");
	assert_int_equal(rd_ike_libreswan.apply(st, &a, &b), 0);
	assert_int_equal(count(calls(), "addconn"), 0);

	/* t2's lifetime changes and t1 is removed: one replace, one delete. */
	config(&b, &cb, &pb, 2);
	cb.tunnels[1].p2_lifetime = 1800;
	cb.tunnels[0] = cb.tunnels[1];
	cb.ntunnels = 1;
	assert_int_equal(rd_ike_libreswan.apply(st, &a, &b), 0);
	c = calls();
	assert_int_equal(count(c, "--delete --name rd-vpn-t1"), 1);
	assert_int_equal(count(c, "--delete --name rd-vpn-t2"), 1);
	assert_int_equal(count(c, "addconn --ctlsocket"), 1);
	assert_int_equal(count(c, "rd-vpn-t2\n"), 2);

	/* A restarted routerd (prev NULL) re-adds nothing that the include
	 * file on disk already holds word for word: those SAs stay. */
	assert_int_equal(rd_ike_libreswan.apply(st, NULL, &b), 0);
	c = calls();
	assert_int_equal(count(c, "addconn"), 0);
	assert_int_equal(count(c, "--delete"), 0);

	/* A conn the batch did not add: the run is redone one conn at a
	 * time, each deleted first (pluto refuses to redefine a conn). */
	config(&b, &cb, &pb, 2);
	cb.tunnels[0].p2_lifetime = cb.tunnels[1].p2_lifetime = 1500;
	put("addfail", "rd-vpn-t2\n");
	assert_int_equal(rd_ike_libreswan.apply(st, &a, &b), 0);
	rm("addfail");
	c = calls();
	assert_int_equal(count(c, "addconn --ctlsocket"), 3);
	assert_int_equal(count(c, " rd-vpn-t1 rd-vpn-t2\n"), 1);
	assert_int_equal(count(c, "--delete --name rd-vpn-t2"), 2);

	/* addconn failing is reported; an unrenderable config touches nothing. */
	cb.tunnels[0].p2_lifetime = 1700;
	put("rc", "36\n");
	assert_int_equal(rd_ike_libreswan.apply(st, NULL, &b), -EIO);
	rm("rc");
	calls();
	cb.tunnels[0].ifnum = 1;
	assert_int_equal(rd_ike_libreswan.apply(st, &a, &b), -EINVAL);
	assert_string_equal(calls(), "");
}

static void
test_poll(void **state)
{
	struct rd_config a;
	struct rd_connection ca;
	struct rd_peer pa;

	config(&a, &ca, &pa, 2);
	assert_int_equal(rd_ike_libreswan.apply(st, NULL, &a), 0);
	/* whack exits 0 yet nothing is established: no "up". */
	assert_int_equal(rd_ike_libreswan.poll(st, &a), 0);
	assert_int_equal(nobs, 1);
	assert_int_equal(obs[0].kind, RD_OBS_BACKEND);
	assert_true(obs[0].up);
	/* A non-zero exit with established states still counts the states. */
	put("rc", "1\n");
	put("showstates",
	    "000 #1: \"rd-vpn-t2\":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); x\n"
	    "000 #2: \"rd-vpn-t2\":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); x\n");
	put("trafficstatus", "006 #2: \"rd-vpn-t2\", type=ESP, add_time=1, inBytes=10, "
	    "outBytes=20, maxBytes=2^63B, id='x'\n");
	nobs = 0;
	assert_int_equal(rd_ike_libreswan.poll(st, &a), 0);
	assert_int_equal(nobs, 3);
	assert_int_equal(obs[0].kind, RD_OBS_IKE);
	assert_int_equal(obs[0].ifnum, 3);
	assert_true(obs[0].up);
	assert_int_equal(obs[1].kind, RD_OBS_CHILD);
	assert_int_equal(obs[2].kind, RD_OBS_COUNTERS);
	assert_true(obs[2].bytes_in == 10 && obs[2].bytes_out == 20);
	/* Same answer: no notifications. */
	nobs = 0;
	assert_int_equal(rd_ike_libreswan.poll(st, &a), 0);
	assert_int_equal(nobs, 0);
	/* pluto gone: tunnel down, backend down, once. */
	put("down", "");
	assert_int_equal(rd_ike_libreswan.poll(st, &a), -ECONNREFUSED);
	assert_int_equal(rd_ike_libreswan.poll(st, &a), -ECONNREFUSED);
	assert_int_equal(nobs, 3);
	assert_int_equal(obs[2].kind, RD_OBS_BACKEND);
	assert_false(obs[2].up);
	/* back: backend up, then the tunnel again. */
	rm("down");
	nobs = 0;
	assert_int_equal(rd_ike_libreswan.poll(st, &a), 0);
	assert_int_equal(obs[0].kind, RD_OBS_BACKEND);
	assert_true(obs[0].up);
	assert_int_equal(nobs, 3);
	/* up/down ops use the conn name; unknown ifnum is -ENOENT. */
	calls();
	assert_int_equal(rd_ike_libreswan.up(st, &a, 3), 0);
	assert_int_equal(rd_ike_libreswan.down(st, &a, 2), 0);
	assert_int_equal(rd_ike_libreswan.up(st, &a, 9), -ENOENT);
	char *c = calls();
	assert_int_equal(count(c, "--initiate --asynchronous --name rd-vpn-t2"), 1);
	assert_int_equal(count(c, "--down --name rd-vpn-t1"), 1);
}

/* Slow is not dead: whack failing (its own connect timing out reads as "is
 * Pluto running?") while pluto.pid names a live process called pluto takes
 * nothing down; once that process is gone, the same answer is pluto lost. */
static void
test_slow_pluto(void **state)
{
	struct rd_config a;
	struct rd_connection ca;
	struct rd_peer pa;
	char pid[32];
	pid_t child;
	int status;

	config(&a, &ca, &pa, 2);
	assert_int_equal(rd_ike_libreswan.apply(st, NULL, &a), 0);
	put("showstates",
	    "000 #2: \"rd-vpn-t2\":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); x\n"
	    "000 #1: \"rd-vpn-t2\":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); x\n");
	assert_int_equal(rd_ike_libreswan.poll(st, &a), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		prctl(PR_SET_NAME, "pluto");
		for (;;)
			pause();
	}
	/* wait (5 s at most) until the child has renamed itself */
	{
		char comm[64] = "", path[64];

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)child);
		for (int i = 0; i < 500 && strncmp(comm, "pluto", 5) != 0; i++) {
			FILE *f = fopen(path, "r");

			comm[0] = '\0';
			if (f != NULL) {
				if (fgets(comm, sizeof(comm), f) == NULL)
					comm[0] = '\0';
				fclose(f);
			}
			if (strncmp(comm, "pluto", 5) != 0)
				usleep(10000);
		}
		assert_int_equal(strncmp(comm, "pluto", 5), 0);
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)child);
	put("pluto.pid", pid);
	put("down", "");
	nobs = 0;
	assert_int_equal(rd_ike_libreswan.poll(st, &a), -ETIMEDOUT);
	assert_int_equal(rd_ike_libreswan.poll(st, &a), -ETIMEDOUT);
	assert_int_equal(rd_ike_libreswan.poll(st, &a), -ETIMEDOUT);
	assert_int_equal(rd_ike_libreswan.poll(st, &a), -ETIMEDOUT);
	assert_int_equal(nobs, 0);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	assert_int_equal(rd_ike_libreswan.poll(st, &a), -ECONNREFUSED);
	assert_true(nobs >= 3);
	assert_int_equal(obs[nobs - 1].kind, RD_OBS_BACKEND);
	assert_false(obs[nobs - 1].up);
	(void)state;
}

/* A tunnel taking both IKE versions has an IKEv1 twin conn: added with it,
 * downed with it, and its SAs count as the tunnel's; a twin pluto refuses
 * (ikev1-policy) leaves the tunnel working. */
static void
test_ikev1_twin(void **state)
{
	struct rd_config a;
	struct rd_connection ca;
	struct rd_peer pa;
	char *c;

	config(&a, &ca, &pa, 2);
	ca.tunnels[1].ike_versions = RD_IKEV1 | RD_IKEV2;
	assert_int_equal(rd_ike_libreswan.apply(st, NULL, &a), 0);
	c = calls();
	assert_int_equal(count(c, " rd-vpn-t1 rd-vpn-t2 rd-vpn-t2-ikev1\n"), 1);
	/* the IKEv1 twin is up: the tunnel is up */
	put("showstates",
	    "000 #1: \"rd-vpn-t2-ikev1\":500 STATE_MAIN_R3 (ISAKMP SA established); x\n"
	    "000 #2: \"rd-vpn-t2-ikev1\":500 STATE_QUICK_R2 (IPsec SA established); x\n");
	nobs = 0;
	assert_int_equal(rd_ike_libreswan.poll(st, &a), 0);
	assert_int_equal(nobs, 3);                      /* backend, IKE, Child */
	assert_int_equal(obs[2].kind, RD_OBS_CHILD);
	assert_int_equal(obs[2].ifnum, 3);
	assert_true(obs[2].up);
	calls();
	assert_int_equal(rd_ike_libreswan.down(st, &a, 3), 0);
	assert_int_equal(rd_ike_libreswan.down(st, &a, 2), 0);
	c = calls();
	assert_int_equal(count(c, "--down --name rd-vpn-t2-ikev1\n"), 1);
	assert_int_equal(count(c, "-ikev1"), 1);        /* t1 has no twin */
	/* pluto refuses the twin (ikev1-policy): the batch fails, the conns
	 * are added one by one, the twin's refusal is no error; a refused
	 * tunnel conn still is. */
	{
		struct rd_config b;
		struct rd_connection cb;
		struct rd_peer pb;

		config(&b, &cb, &pb, 2);
		cb.tunnels[1].ike_versions = RD_IKEV1 | RD_IKEV2;
		cb.tunnels[1].p2_lifetime = 1800;
		put("addfail", "rd-vpn-t2-ikev1\n");
		put("addrefuse", "rd-vpn-t2-ikev1\n");
		calls();
		assert_int_equal(rd_ike_libreswan.apply(st, &a, &b), 0);
		c = calls();
		assert_int_equal(count(c, ".conf rd-vpn-t2-ikev1\n"), 1);
		put("addfail", "rd-vpn-t2\n");
		put("addrefuse", "rd-vpn-t2\n");
		config(&a, &ca, &pa, 2);
		ca.tunnels[1].ike_versions = RD_IKEV1 | RD_IKEV2;
		ca.tunnels[1].p2_lifetime = 1700;
		assert_int_equal(rd_ike_libreswan.apply(st, &b, &a), -EIO);
		rm("addfail");
		rm("addrefuse");
	}
	(void)state;
}

/* Run the loop until n notifications are in (5 s at most). */
static void
loop_until(int n)
{
	for (int i = 0; i < 1000 && nobs < n; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (nobs < n)
			usleep(5000);
	}
}

static void send_dgram(const char *msg, size_t len);

/*
 * poll_start: whack runs on the poller thread while the loop goes on. The
 * hook reports the Child SA down during the poll, whose picture (up) is
 * older: the report stands. The next poll, with nothing heard meanwhile,
 * says up again. A kick while a poll is out is dropped.
 */
static void
test_poll_background(void **state)
{
	struct rd_config a;
	struct rd_connection ca;
	struct rd_peer pa;
	struct hookmsg m = { .verb = HOOK_DOWN_CLIENT, .reqid = 3 };
	char buf[HOOKMSG_MAX], *c;
	int n;

	config(&a, &ca, &pa, 2);
	assert_int_equal(rd_ike_libreswan.apply(st, NULL, &a), 0);
	put("showstates",
	    "000 #1: \"rd-vpn-t2\":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); x\n"
	    "000 #2: \"rd-vpn-t2\":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); x\n");
	assert_int_equal(rd_ike_libreswan.poll(st, &a), 0);
	assert_int_equal(nobs, 3);              /* backend, IKE, Child up */
	put("gate", "");
	calls();
	nobs = 0;
	assert_int_equal(rd_ike_libreswan.poll_start(st, &a), 0);
	assert_int_equal(rd_ike_libreswan.poll_start(st, &a), -EBUSY);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(nobs, 0);              /* whack waits at the gate */
	strcpy(m.connection, "rd-vpn-t2");
	n = hookmsg_format(&m, buf, sizeof(buf));
	send_dgram(buf, (size_t)n);
	loop_until(1);
	assert_int_equal(nobs, 1);
	assert_int_equal(obs[0].kind, RD_OBS_CHILD);
	assert_false(obs[0].up);
	assert_string_equal(obs[0].source, "updown");
	rm("gate");
	/* Its result (up) is applied once a kick is taken again: nothing. */
	for (int i = 0; i < 500 && (n = rd_ike_libreswan.poll_start(st, &a)) == -EBUSY; i++) {
		usleep(10000);
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	assert_int_equal(n, 0);
	assert_int_equal(nobs, 1);
	loop_until(2);
	assert_int_equal(nobs, 2);
	assert_true(obs[1].up);
	assert_string_equal(obs[1].source, "whack");
	c = calls();
	assert_int_equal(count(c, "--showstates"), 2);
}

static void
send_dgram(const char *msg, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/hook.sock", dir);
	assert_int_equal(sendto(fd, msg, len, 0, (struct sockaddr *)&sun, sizeof(sun)),
			 (ssize_t)len);
	close(fd);
}

static void
test_hook(void **state)
{
	struct rd_config a;
	struct rd_connection ca;
	struct rd_peer pa;
	struct hookmsg m = { .verb = HOOK_UP_CLIENT, .reqid = 3 };
	char buf[HOOKMSG_MAX];

	config(&a, &ca, &pa, 2);
	assert_int_equal(rd_ike_libreswan.apply(st, NULL, &a), 0);
	strcpy(m.connection, "rd-vpn-t2");
	int n = hookmsg_format(&m, buf, sizeof(buf));
	send_dgram(buf, (size_t)n);
	send_dgram("junk", 4);                          /* bad: logged, dropped */
	m.reqid = 2;                                    /* wrong reqid for t2 */
	n = hookmsg_format(&m, buf, sizeof(buf));
	send_dgram(buf, (size_t)n);
	m.verb = HOOK_DOWN_CLIENT;                      /* good: t1 down (no change) */
	strcpy(m.connection, "rd-vpn-t1");
	n = hookmsg_format(&m, buf, sizeof(buf));
	send_dgram(buf, (size_t)n);
	m.verb = HOOK_DOWN_CLIENT;
	strcpy(m.connection, "rd-vpn-t2");
	m.reqid = 3;
	n = hookmsg_format(&m, buf, sizeof(buf));
	send_dgram(buf, (size_t)n);
	/* A thread receives: wait until the last one has reached the loop. */
	for (int i = 0; i < 400 && nobs < 2; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (nobs < 2)
			usleep(5000);
	}
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(nobs, 2);
	assert_int_equal(obs[0].kind, RD_OBS_CHILD);
	assert_int_equal(obs[0].ifnum, 3);
	assert_true(obs[0].up);
	assert_string_equal(obs[0].source, "updown");
	assert_false(obs[1].up);
}

/*
 * A burst far beyond the socket's queue (net.unix.max_dgram_qlen, 10) while
 * the loop does not run (as during a long FRR apply): blocking sends all
 * complete (the thread drains the socket), and every message reaches the
 * loop afterwards. Before the thread, the 11th send would wait forever
 * (routerd-updown's non-blocking send: the event was dropped).
 */
static void
test_hook_burst(void **state)
{
	struct rd_config a;
	struct rd_connection ca;
	struct rd_peer pa;
	struct hookmsg m = { .reqid = 3 };
	char buf[HOOKMSG_MAX];
	const int burst = 200;

	config(&a, &ca, &pa, 2);
	assert_int_equal(rd_ike_libreswan.apply(st, NULL, &a), 0);
	strcpy(m.connection, "rd-vpn-t2");
	nnotify = 0;
	alarm(20);                      /* a lost thread fails, not hangs */
	for (int i = 0; i < burst; i++) {
		m.verb = i % 2 ? HOOK_DOWN_CLIENT : HOOK_UP_CLIENT;     /* each one a change */
		int n = hookmsg_format(&m, buf, sizeof(buf));
		send_dgram(buf, (size_t)n);
	}
	alarm(0);
	for (int i = 0; i < 400 && nnotify < burst; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (nnotify < burst)
			usleep(5000);
	}
	assert_int_equal(nnotify, burst);
}

static void
test_exec_timeout(void **state)
{
	char *const argv[] = { "sleep", "30", NULL };
	char out[16];

	assert_int_equal(swan_exec(argv, out, sizeof(out), 200), -ETIMEDOUT);
	/* Closes its output at once, then hangs: still bounded. */
	char *const c[] = { "sh", "-c", "exec >&- 2>&-; sleep 30", NULL };
	assert_int_equal(swan_exec(c, out, sizeof(out), 200), -ETIMEDOUT);
	char *const t[] = { "sh", "-c", "echo hello; exit 3", NULL };
	assert_int_equal(swan_exec(t, out, sizeof(out), 5000), 3);
	assert_string_equal(out, "hello\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_pluto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ikev1_twin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_background, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hook_burst, setup, teardown),
		cmocka_unit_test(test_exec_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
