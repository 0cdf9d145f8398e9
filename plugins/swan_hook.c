/*
 * swan_hook.c - routerd's end of the updown hook: a SOCK_DGRAM unix socket
 * at <run_dir>/hook.sock. Each datagram is one hookmsg; a bad one is logged
 * with the reason and dropped. Senders are checked with SCM_CREDENTIALS:
 * only root (pluto) or our own uid are believed.
 */
#include <errno.h>
#include <event2/event.h>
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

static void
hook_read(evutil_socket_t fd, short what, void *arg)
{
	struct swan *s = arg;
	char buf[HOOKMSG_MAX + 1], err[128];
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;

	/* Drain, but bounded so a flood cannot starve the loop. */
	for (int i = 0; i < 64; i++) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		struct hookmsg m;

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("libreswan: hook recv");
			return;
		}
		long uid = sender_uid(&mh);
		if (uid != 0 && uid != (long)geteuid()) {
			s->hook_bad++;
			log_warnx("libreswan: hook message from uid %ld dropped", uid);
			continue;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			s->hook_bad++;
			log_warnx("libreswan: hook message over %d bytes dropped", HOOKMSG_MAX);
			continue;
		}
		if (hookmsg_parse(buf, (size_t)n, &m, err, sizeof(err)) < 0) {
			s->hook_bad++;
			log_warnx("libreswan: bad hook message dropped: %s", err);
			continue;
		}
		swan_hook_handle(s, &m);
	}
}

int
swan_hook_open(struct swan *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int one = 1, err;

	if ((size_t)snprintf(s->hook_path, sizeof(s->hook_path), "%s/hook.sock",
			     s->paths.run_dir) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, s->hook_path);
	s->hook_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->hook_fd < 0)
		return -errno;
	if (setsockopt(s->hook_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		goto fail;
	unlink(s->hook_path);           /* stale socket of a previous run */
	if (bind(s->hook_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto fail;
	/* pluto runs the hook as root but without CAP_DAC_OVERRIDE (libcap-ng
	 * drops it), so a socket owned by routerd's user must be writable by
	 * others; hook_read's SCM_CREDENTIALS check (uid 0 or ours) is the
	 * access control. With 0600 every hook event was dropped (EACCES). */
	if (chmod(s->hook_path, 0666) < 0)
		goto fail;
	s->hook_ev = event_new(s->env.base, s->hook_fd, EV_READ | EV_PERSIST, hook_read, s);
	if (s->hook_ev == NULL || event_add(s->hook_ev, NULL) < 0) {
		errno = ENOMEM;
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
	if (s->hook_ev) {
		event_free(s->hook_ev);
		s->hook_ev = NULL;
	}
	if (s->hook_fd >= 0) {
		close(s->hook_fd);
		unlink(s->hook_path);
		s->hook_fd = -1;
	}
}
