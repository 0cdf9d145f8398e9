/*
 * test_hook_hostile.c - the updown hook socket against other local users
 * (issue 18, item 7), through rd_ike_libreswan with a fake `ipsec` on PATH:
 *   - the socket sits in a directory other users cannot search: a user
 *     other than root gets EACCES from the kernel, even with the run
 *     directory open to all (it used to be mode 0666 in the run directory);
 *   - datagrams claiming another uid (root may forge SCM_CREDENTIALS) are
 *     counted as rejected, never reach the event loop, and a flood of them
 *     logs a bounded number of lines (it used to log one per datagram);
 *   - the rate limiter's summary ("N more") once the window has passed;
 *   - routerd-updown waits for room in a full socket queue instead of
 *     dropping the event (it sent without blocking);
 *   - an event that was lost anyway is recovered by the next whack poll.
 * Needs root (uid switch, forged credentials); skips otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "plugins/hookmsg.h"
#include "plugins/plugin.h"
#include "routerd/log.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static char dir[64];
static struct event_base *base;
static void *st;
static struct rd_paths paths;
static int nchild, child_up;
static char child_src[16];

static void
notify(void *arg, const struct rd_obs *o)
{
	if (o->kind != RD_OBS_CHILD)
		return;
	nchild++;
	child_up = o->up;
	snprintf(child_src, sizeof(child_src), "%s", o->source);
}

static const char fake[] =
	"#!/bin/sh\n"
	"d=$(dirname \"$0\")\n"
	"case \"$*\" in\n"
	"*--showstates*) cat \"$d/showstates\" 2>/dev/null ;;\n"
	"esac\n"
	"exit 0\n";

static void
put(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static struct rd_peer peer;
static struct rd_connection conn;
static struct rd_config cfg;

static void
config(void)
{
	struct rd_tunnel *t = &conn.tunnels[0];

	memset(&cfg, 0, sizeof(cfg));
	memset(&conn, 0, sizeof(conn));
	memset(&peer, 0, sizeof(peer));
	snprintf(peer.name, RD_NAME_MAX, "p");
	peer.address = IP(198, 51, 100, 1);
	snprintf(conn.name, RD_NAME_MAX, "vpn");
	snprintf(conn.peer_name, RD_NAME_MAX, "p");
	conn.peer = &peer;
	conn.ntunnels = 1;
	snprintf(t->name, sizeof(t->name), "t1");
	t->ifnum = 2;
	snprintf(t->psk, sizeof(t->psk), "key_t1_abcdef");
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
	cfg.gw.local_outside = IP(192, 0, 2, 1);
	cfg.peers = &peer;
	cfg.npeers = 1;
	cfg.conns = &conn;
	cfg.nconns = 1;
}

static int
setup(void **state)
{
	char p[128], path[4096];

	if (geteuid() != 0)
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/test_hook_hostile.XXXXXX");
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);       /* open to all, as a test's run directory is */
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
	config();
	assert_int_equal(rd_ike_libreswan.apply(st, NULL, &cfg), 0);
	nchild = 0;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	if (geteuid() != 0)
		return 0;
	rd_ike_libreswan.fini(st, NULL);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static int
hook_msg(enum hook_verb verb, char *buf)
{
	struct hookmsg m = { .verb = verb, .reqid = 2 };

	strcpy(m.connection, "rd-vpn-t1");
	return hookmsg_format(&m, buf, HOOKMSG_MAX);
}

static void
sock_addr(struct sockaddr_un *sun, const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s", dir, name);
}

/* Send one datagram claiming uid/gid (root may claim any). */
static ssize_t
send_as(const char *name, const char *msg, size_t len, uid_t uid, gid_t gid)
{
	struct sockaddr_un sun;
	struct iovec iov = { (void *)msg, len };
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_name = &sun, .msg_namelen = sizeof(sun), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	struct ucred uc = { getpid(), uid, gid };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ssize_t n;

	sock_addr(&sun, name);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(uc));
	memcpy(CMSG_DATA(c), &uc, sizeof(uc));
	n = sendmsg(fd, &mh, 0);
	close(fd);
	return n;
}

static unsigned long
counter(int which)
{
	struct hook_counters hc;

	swan_hook_counters(&hc);
	return which == 0 ? hc.accepted : which == 1 ? hc.rejected : hc.malformed;
}

/* Run the loop until the counter reaches n (10 s at most). */
static void
wait_counter(int which, unsigned long n)
{
	for (int i = 0; i < 2000 && counter(which) < n; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(5000);
	}
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(counter(which), n);
}

/* Lines of f containing s. */
static int
lines_with(const char *f, const char *s)
{
	char line[1024];
	FILE *fp = fopen(f, "r");
	int n = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp))
		n += strstr(line, s) != NULL;
	fclose(fp);
	return n;
}

static void
test_other_users(void **state)
{
	char buf[HOOKMSG_MAX], p[128];
	struct stat sb;
	int n = hook_msg(HOOK_DOWN_CLIENT, buf), status;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	snprintf(p, sizeof(p), "%s/" HOOK_DIR, dir);
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0007, 0);
	/* nobody, with the run directory open to all: the kernel refuses */
	pid = fork();
	if (pid == 0) {
		struct sockaddr_un sun;
		int fd, bad = 0;

		if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		sock_addr(&sun, HOOK_DIR "/hook.sock");
		bad += sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&sun, sizeof(sun)) >= 0 ||
		       errno != EACCES;
		sock_addr(&sun, "hook.sock");   /* the old name */
		bad += sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&sun, sizeof(sun)) >= 0;
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* root reaches it, through either name */
	assert_int_equal(send_as(HOOK_DIR "/hook.sock", buf, (size_t)n, 0, 0), n);
	assert_int_equal(send_as("hook.sock", buf, (size_t)n, 0, 0), n);
	wait_counter(0, 2);
}

/* 500 forged datagrams: all rejected, none reaches the loop, few lines. */
static void
test_forged_flood(void **state)
{
	char buf[HOOKMSG_MAX], log[128];
	int n = hook_msg(HOOK_UP_CLIENT, buf), saved;
	unsigned long acc0, rej0;

	if (geteuid() != 0)
		skip();
	acc0 = counter(0);
	rej0 = counter(1);
	snprintf(log, sizeof(log), "%s/log", dir);
	fflush(stderr);
	saved = dup(2);
	assert_true(dup2(open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600), 2) == 2);
	for (int i = 0; i < 500; i++)
		assert_int_equal(send_as(HOOK_DIR "/hook.sock", buf, (size_t)n, 65534, 65534), n);
	wait_counter(1, rej0 + 500);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(counter(0), acc0);
	assert_int_equal(nchild, 0);            /* not a state change */
	assert_true(lines_with(log, "from uid 65534") > 0);
	assert_true(lines_with(log, "from uid 65534") <= LOG_RL_BURST);
	/* and root's event is still taken */
	n = hook_msg(HOOK_UP_CLIENT, buf);
	assert_int_equal(send_as(HOOK_DIR "/hook.sock", buf, (size_t)n, 0, 0), n);
	wait_counter(0, acc0 + 1);
	for (int i = 0; i < 200 && nchild == 0; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(5000);
	}
	assert_int_equal(nchild, 1);
	assert_true(child_up);
	assert_string_equal(child_src, "updown");
}

/* The limiter with its clock given: a burst, then the summary. */
static void
test_rl_summary(void **state)
{
	struct log_rl rl = LOG_RL_INIT("test messages");
	char log[] = "/tmp/test_hook_rl.XXXXXX";
	int allowed = 0, fd = mkstemp(log), saved;

	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	for (uint64_t t = 1000; t < 2000; t++)
		allowed += log_rl_allow_at(&rl, t);
	assert_int_equal(allowed, LOG_RL_BURST);
	assert_int_equal(rl.suppressed, 1000 - LOG_RL_BURST);
	log_rl_flush_at(&rl, 1000 + LOG_RL_WINDOW_MS - 1);      /* too early: nothing */
	assert_true(log_rl_allow_at(&rl, 1000 + LOG_RL_WINDOW_MS));
	log_rl_flush_at(&rl, 1000 + 3 * LOG_RL_WINDOW_MS);      /* nothing suppressed since */
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	assert_int_equal(lines_with(log, "test messages: 995 more in the last 10 s"), 1);
	assert_int_equal(lines_with(log, "more in the last"), 1);
	assert_int_equal(rl.total_suppressed, 1000 - LOG_RL_BURST);
	unlink(log);
}

/*
 * routerd-updown against a socket whose queue is full: it waits for room
 * (up to HOOK_SEND_TIMEOUT_MS) and its event arrives. The queue is emptied
 * a moment after it started (an ordering aid, not a threshold: it may wait
 * 2 s).
 */
static void
test_updown_waits(void **state)
{
	const char *top = getenv("top_builddir");
	char prog[4096], sockp[128], errf[128], buf[HOOKMSG_MAX + 1], err[128];
	struct sockaddr_un sun;
	struct hookmsg m;
	int fd, status, queued = 0;
	ssize_t last;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	snprintf(prog, sizeof(prog), "%s/plugins/routerd-updown", top ? top : ".");
	if (access(prog, X_OK) != 0)
		skip();
	snprintf(sockp, sizeof(sockp), "%s/full.sock", dir);
	snprintf(errf, sizeof(errf), "%s/updown.err", dir);
	sock_addr(&sun, "full.sock");
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	for (int i = 0; i < 10000; i++) {
		int s = socket(AF_UNIX, SOCK_DGRAM, 0);
		ssize_t k = sendto(s, "x\n", 2, MSG_DONTWAIT, (struct sockaddr *)&sun, sizeof(sun));

		close(s);
		if (k < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			break;
		}
		queued++;
	}
	assert_true(queued > 0 && queued < 10000);
	pid = fork();
	if (pid == 0) {
		int e = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(e, 2);
		setenv("PLUTO_VERB", "up-client", 1);
		setenv("PLUTO_CONNECTION", "rd-vpn-t1", 1);
		setenv("PLUTO_SA_REQID", "2", 1);
		execl(prog, prog, "--socket", sockp, (char *)NULL);
		_exit(127);
	}
	usleep(200000);
	for (int i = 0; i < queued; i++)        /* the old ones */
		assert_int_equal(recv(fd, buf, sizeof(buf) - 1, 0), 2);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(lines_with(errf, "dropped"), 0);
	last = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);   /* routerd-updown's */
	assert_true(last > 2);
	assert_int_equal(hookmsg_parse(buf, (size_t)last, &m, err, sizeof(err)), 0);
	assert_int_equal(m.verb, HOOK_UP_CLIENT);
	close(fd);
}

/* An up event lost on the way (here: a forged one, rejected) is learned
 * from the next whack poll. */
static void
test_poll_recovers(void **state)
{
	char buf[HOOKMSG_MAX];
	int n = hook_msg(HOOK_UP_CLIENT, buf);
	unsigned long rej0;

	if (geteuid() != 0)
		skip();
	assert_int_equal(rd_ike_libreswan.poll(st, &cfg), 0);
	nchild = 0;
	rej0 = counter(1);
	assert_int_equal(send_as(HOOK_DIR "/hook.sock", buf, (size_t)n, 65534, 65534), n);
	wait_counter(1, rej0 + 1);
	assert_int_equal(nchild, 0);
	put("showstates",
	    "000 #1: \"rd-vpn-t1\":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); x\n"
	    "000 #2: \"rd-vpn-t1\":500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); x\n");
	assert_int_equal(rd_ike_libreswan.poll(st, &cfg), 0);
	assert_int_equal(nchild, 1);
	assert_true(child_up);
	assert_string_equal(child_src, "whack");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_other_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_flood, setup, teardown),
		cmocka_unit_test(test_rl_summary),
		cmocka_unit_test_setup_teardown(test_updown_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_recovers, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	log_init("test_hook_hostile", 1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
