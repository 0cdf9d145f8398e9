/*
 * swan_hook.c - routerd's end of the updown hook: a SOCK_DGRAM unix socket
 * at <run_dir>/hook.sock. Each datagram is one hookmsg; a bad one is logged
 * with the reason and dropped. Senders are checked with SCM_CREDENTIALS:
 * only root (pluto) or our own uid are believed.
 *
 * A thread of its own receives: routerd-updown sends without blocking (pluto
 * waits for it), and a unix datagram socket queues only
 * net.unix.max_dgram_qlen (10) datagrams, so while the event loop sat in a
 * long FRR apply, a burst of updown events (pluto runs one hook per Child
 * SA, back to back) overflowed the queue; every dropped event was learned
 * only from the next whack poll, up to 3 s later. The thread only receives,
 * checks the sender and parses (pure code), and hands each message to the
 * loop through a pipe (up to 1 MiB, thousands of messages); the loop does
 * everything else, so nothing else here needs locking. If even the pipe
 * fills, the thread blocks and senders drop again: bounded memory.
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
#include <unistd.h>

#include "plugins/hookmsg.h"
#include "plugins/swan_priv.h"
#include "routerd/log.h"

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

	for (size_t i = 0; i < s->ntuns; i++)
		if (strcmp(s->tuns[i].name, m->connection) == 0)
			t = &s->tuns[i];
	if (t == NULL || t->ifnum != m->reqid) {
		s->hook_bad++;
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
};

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
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			log_warn("libreswan: hook recv");
			return NULL;
		}
		long uid = sender_uid(&mh);
		if (uid != 0 && uid != (long)geteuid())
			log_warnx("libreswan: hook message from uid %ld dropped", uid);
		else if (mh.msg_flags & MSG_TRUNC)
			log_warnx("libreswan: hook message over %d bytes dropped", HOOKMSG_MAX);
		else if (hookmsg_parse(buf, (size_t)n, &r.m, err, sizeof(err)) < 0)
			log_warnx("libreswan: bad hook message dropped: %s", err);
		else
			r.ok = true;
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

int
swan_hook_open(struct swan *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct swan_hook_rx *rx;
	int one = 1, err;

	if ((size_t)snprintf(s->hook_path, sizeof(s->hook_path), "%s/hook.sock",
			     s->paths.run_dir) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	if ((rx = calloc(1, sizeof(*rx))) == NULL)
		return -ENOMEM;
	rx->pipe[0] = rx->pipe[1] = -1;
	s->hook_rx = rx;
	strcpy(sun.sun_path, s->hook_path);
	s->hook_fd = rx->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->hook_fd < 0)
		goto fail;
	if (setsockopt(s->hook_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		goto fail;
	unlink(s->hook_path);           /* stale socket of a previous run */
	if (bind(s->hook_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto fail;
	/* pluto runs the hook as root but without CAP_DAC_OVERRIDE (libcap-ng
	 * drops it), so a socket owned by routerd's user must be writable by
	 * others; the SCM_CREDENTIALS check (uid 0 or ours) is the access
	 * control. With 0600 every hook event was dropped (EACCES). */
	if (chmod(s->hook_path, 0666) < 0)
		goto fail;
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
		close(s->hook_fd);
		unlink(s->hook_path);
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
