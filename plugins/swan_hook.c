/*
 * swan_hook.c - routerd's end of the updown hook: a SOCK_DGRAM unix socket
 * at <run_dir>/hook/hook.sock (<run_dir>/hook.sock links to it). Each
 * datagram is one hookmsg; a bad one is counted, logged (rate-limited) and
 * dropped.
 *
 * Who may send. Only pluto's updown (root) and routerd's own uid. A
 * datagram socket has no connection, so SO_PEERCRED says nothing about a
 * datagram's sender; SCM_CREDENTIALS (SO_PASSCRED) does, per datagram, and
 * the kernel fills them in (only a sender with CAP_SETUID/CAP_SYS_ADMIN can
 * claim another uid). But that check comes after the datagram has taken a
 * place in the socket's queue (net.unix.max_dgram_qlen, 10): a flood from
 * any user who can reach the socket still crowds out pluto's events. So
 * the socket sits in a directory other users cannot search: hook/, owned
 * by routerd's user, group root, mode 0710 (privs_own_dir makes it while
 * still root; 0700 when routerd makes it itself). pluto runs the updown as
 * uid 0 gid 0 without CAP_DAC_OVERRIDE (libcap-ng drops it): the group bit
 * lets it search the directory, and the socket itself must be writable by
 * "others" (0666, which the directory makes moot): with 0600 every hook
 * event was dropped (EACCES). Other users get EACCES from the kernel at
 * sendto(); SCM_CREDENTIALS stays as the second check.
 *
 * A thread of its own receives: pluto waits for routerd-updown, and a
 * unix datagram socket queues only max_dgram_qlen datagrams, so while the
 * event loop sat in a long FRR apply, a burst of updown events (pluto runs
 * one hook per Child SA, back to back) overflowed the queue. The thread
 * only receives, checks the sender and parses (pure code), and hands each
 * message to the loop through a pipe (up to 1 MiB, thousands of messages);
 * the loop does everything else, so nothing else here needs locking. If
 * even the pipe fills, the thread blocks and routerd-updown's send waits
 * (HOOK_SEND_TIMEOUT_MS) before it gives up; an event lost that way is
 * recovered by the next whack poll. Counters: swan_hook_counters().
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/time.h>
#include <unistd.h>

#include "plugins/hookmsg.h"
#include "plugins/swan_priv.h"
#include "routerd/log.h"

/* Process-wide (one hook socket per routerd): the thread and the loop count. */
static atomic_ulong c_accepted, c_rejected, c_malformed, c_unknown;

void
swan_hook_counters(struct hook_counters *out)
{
	out->accepted = atomic_load(&c_accepted);
	out->rejected = atomic_load(&c_rejected);
	out->malformed = atomic_load(&c_malformed);
	out->unknown = atomic_load(&c_unknown);
}

/* What each verb means for the tunnel's Child SA: 1 up, 0 down, -1 nothing. */
static const int verb_child[HOOK_NVERBS] = {
	[HOOK_PREPARE_HOST] = -1, [HOOK_PREPARE_CLIENT] = -1,
	[HOOK_ROUTE_HOST] = -1, [HOOK_ROUTE_CLIENT] = 1,
	[HOOK_UNROUTE_HOST] = -1, [HOOK_UNROUTE_CLIENT] = -1,
	[HOOK_UP_HOST] = -1, [HOOK_UP_CLIENT] = 1,
	[HOOK_DOWN_HOST] = -1, [HOOK_DOWN_CLIENT] = 0,
};

void
swan_hook_handle(struct swan *s, const struct hookmsg *m)
{
	const struct swan_tun *t = NULL;
	char reason[96];

	t = swan_tun_by_conn(s, m->connection);        /* an IKEv1 twin: its tunnel */
	if (t == NULL || t->ifnum != m->reqid) {
		static struct log_rl rl = LOG_RL_INIT("libreswan: hook messages for no tunnel");

		s->hook_bad++;
		atomic_fetch_add(&c_unknown, 1);
		if (log_rl_allow(&rl))
			log_warnx("libreswan: hook %s for %s reqid %u dropped: %s",
				  hook_verb_name(m->verb), m->connection, m->reqid,
				  t ? "reqid does not match the tunnel" : "not a routerd tunnel");
		return;
	}
	int up = verb_child[m->verb];
	s->hook_ok++;
	log_debug("libreswan: hook %s%s %s reqid %u", hook_verb_name(m->verb), m->v6 ? "-v6" : "",
		  m->connection, m->reqid);
	if (up < 0)
		return;
	snprintf(reason, sizeof(reason), "updown %s", hook_verb_name(m->verb));
	swan_set_state(s, t->name, t->ifnum, true, up == 1, "updown", reason);
}

/* One message from the receiving thread to the loop. */
struct hook_rec {
	bool ok;                        /* false: a dropped bad message (counted) */
	struct hookmsg m;
};

struct swan_hook_rx {
	int fd;                         /* the hook socket (blocking) */
	int pipe[2];                    /* thread -> loop */
	pthread_t thread;
	atomic_bool stop;
	struct log_rl rl_uid, rl_bad;   /* the thread's own (log_rl is not shared) */
};

/* The receiving thread wakes at least this often to log the summary of
 * suppressed warnings (log_rl_flush). */
#define HOOK_RX_WAKE_MS LOG_RL_WINDOW_MS

/* Sender uid from SCM_CREDENTIALS; -1 if absent. */
static long
sender_uid(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;
			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			return (long)uc.uid;
		}
	return -1;
}

static bool
put_rec(struct swan_hook_rx *rx, const struct hook_rec *r)
{
	const char *p = (const char *)r;
	size_t left = sizeof(*r);

	/* Below PIPE_BUF: one write, all or nothing, unless interrupted. */
	while (left > 0) {
		ssize_t n = write(rx->pipe[1], p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		left -= (size_t)n;
	}
	return true;
}

/* The receiving thread: recv, check, parse, forward. */
static void *
hook_thread(void *arg)
{
	struct swan_hook_rx *rx = arg;
	char buf[HOOKMSG_MAX + 1], err[128];
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;

	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
		ssize_t n = recvmsg(rx->fd, &mh, 0);
		struct hook_rec r = { .ok = false };

		if (atomic_load(&rx->stop))
			return NULL;
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				log_rl_flush(&rx->rl_uid);      /* quiet: say what was not said */
				log_rl_flush(&rx->rl_bad);
			}
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			log_warn("libreswan: hook recv");
			return NULL;
		}
		long uid = sender_uid(&mh);
		if (uid != 0 && uid != (long)geteuid()) {
			/* Not forwarded: a flood of these costs the loop nothing. */
			atomic_fetch_add(&c_rejected, 1);
			if (log_rl_allow(&rx->rl_uid))
				log_warnx("libreswan: hook message from uid %ld dropped (only root "
					  "and routerd may send)", uid);
			continue;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			if (log_rl_allow(&rx->rl_bad))
				log_warnx("libreswan: hook message over %d bytes dropped", HOOKMSG_MAX);
		} else if (hookmsg_parse(buf, (size_t)n, &r.m, err, sizeof(err)) < 0) {
			if (log_rl_allow(&rx->rl_bad))
				log_warnx("libreswan: bad hook message dropped: %s", err);
		} else {
			r.ok = true;
		}
		atomic_fetch_add(r.ok ? &c_accepted : &c_malformed, 1);
		if (!put_rec(rx, &r))
			return NULL;            /* the loop closed its end */
	}
}

/* The loop's end: every message the thread has forwarded so far. */
static void
hook_read(evutil_socket_t fd, short what, void *arg)
{
	struct swan *s = arg;
	struct hook_rec r[64];

	/* Bounded per callback so a flood cannot starve the loop. */
	for (int round = 0; round < 4; round++) {
		ssize_t n = read(fd, r, sizeof(r));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		/* Records are written whole (< PIPE_BUF), so reads see whole ones. */
		for (size_t i = 0; i < (size_t)n / sizeof(r[0]); i++) {
			if (!r[i].ok)
				s->hook_bad++;
			else
				swan_hook_handle(s, &r[i].m);
		}
		if ((size_t)n < sizeof(r))
			return;
	}
}

/*
 * The socket's directory: made 0700 if absent; if present it must be a
 * directory of ours (privs_own_dir makes it routerd:root 0710) and loses
 * any permission for others. 0 or -errno (logged).
 */
static int
hook_dir(const char *dir)
{
	struct stat sb;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_warn("libreswan: hook directory %s", dir);
		return -errno;
	}
	if (lstat(dir, &sb) < 0) {
		log_warn("libreswan: hook directory %s", dir);
		return -errno;
	}
	/* root (routerd -u -) takes over one a previous run's user left */
	if (S_ISDIR(sb.st_mode) && sb.st_uid != geteuid() && geteuid() == 0 &&
	    chown(dir, 0, (gid_t)-1) == 0)
		sb.st_uid = 0;
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != geteuid()) {
		log_warnx("libreswan: hook directory %s: not a directory of uid %u", dir,
			  (unsigned)geteuid());
		return -EPERM;
	}
	if ((sb.st_mode & 0007) && chmod(dir, sb.st_mode & 0770) < 0) {
		log_warn("libreswan: hook directory %s: chmod", dir);
		return -errno;
	}
	return 0;
}

int
swan_hook_open(struct swan *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct swan_hook_rx *rx;
	struct timeval wake = { HOOK_RX_WAKE_MS / 1000, 0 };
	char dir[sizeof(s->hook_path)], link[sizeof(s->hook_path)];
	int one = 1, err;

	if ((size_t)snprintf(s->hook_path, sizeof(s->hook_path), "%s/" HOOK_DIR "/hook.sock",
			     s->paths.run_dir) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s/" HOOK_DIR, s->paths.run_dir);
	snprintf(link, sizeof(link), "%s/hook.sock", s->paths.run_dir);
	if ((err = hook_dir(dir)) < 0)
		return err;
	if ((rx = calloc(1, sizeof(*rx))) == NULL)
		return -ENOMEM;
	rx->pipe[0] = rx->pipe[1] = -1;
	rx->rl_uid = (struct log_rl)LOG_RL_INIT("libreswan: hook messages from other users");
	rx->rl_bad = (struct log_rl)LOG_RL_INIT("libreswan: bad hook messages");
	s->hook_rx = rx;
	strcpy(sun.sun_path, s->hook_path);
	s->hook_fd = rx->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->hook_fd < 0)
		goto fail;
	if (setsockopt(s->hook_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    setsockopt(s->hook_fd, SOL_SOCKET, SO_RCVTIMEO, &wake, sizeof(wake)) < 0)
		goto fail;
	unlink(s->hook_path);           /* stale socket of a previous run */
	if (bind(s->hook_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto fail;
	/* Writable by "others" for pluto's capability-less root; the directory
	 * keeps every other user out (see the top of this file). */
	if (chmod(s->hook_path, 0666) < 0)
		goto fail;
	/* The old place, for whoever sends there: only a name, reaching the
	 * socket through it still needs the directory. */
	unlink(link);
	if (symlink(HOOK_DIR "/hook.sock", link) < 0)
		log_warn("libreswan: symlink %s", link);
	if (pipe2(rx->pipe, O_CLOEXEC) < 0)
		goto fail;
	fcntl(rx->pipe[1], F_SETPIPE_SZ, 1 << 20);     /* best effort (pipe-max-size) */
	if (fcntl(rx->pipe[0], F_SETFL, O_NONBLOCK) < 0)
		goto fail;
	s->hook_ev = event_new(s->env.base, rx->pipe[0], EV_READ | EV_PERSIST, hook_read, s);
	if (s->hook_ev == NULL || event_priority_set(s->hook_ev, RD_EV_PRIO_HEALTH) < 0 ||
	    event_add(s->hook_ev, NULL) < 0) {
		errno = ENOMEM;
		goto fail;
	}
	if ((errno = pthread_create(&rx->thread, NULL, hook_thread, rx)) != 0) {
		rx->thread = 0;
		goto fail;
	}
	return 0;
fail:
	err = -errno;
	swan_hook_close(s);
	return err;
}

void
swan_hook_close(struct swan *s)
{
	struct swan_hook_rx *rx = s->hook_rx;

	if (s->hook_ev) {
		event_free(s->hook_ev);
		s->hook_ev = NULL;
	}
	if (rx && rx->thread) {
		/* shutdown() wakes the blocked recvmsg (it returns 0); the
		 * closed pipe ends a thread blocked writing. */
		atomic_store(&rx->stop, true);
		shutdown(rx->fd, SHUT_RDWR);
		if (rx->pipe[0] >= 0) {
			close(rx->pipe[0]);
			rx->pipe[0] = -1;
		}
		pthread_join(rx->thread, NULL);
	}
	if (s->hook_fd >= 0) {
		char link[sizeof(s->hook_path)];

		close(s->hook_fd);
		unlink(s->hook_path);
		snprintf(link, sizeof(link), "%s/hook.sock", s->paths.run_dir);
		unlink(link);
		s->hook_fd = -1;
	}
	if (rx) {
		if (rx->pipe[0] >= 0)
			close(rx->pipe[0]);
		if (rx->pipe[1] >= 0)
			close(rx->pipe[1]);
		free(rx);
		s->hook_rx = NULL;
	}
}
