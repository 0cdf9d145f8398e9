/*
 * ctlsrv.c - the control socket's transport (ctlsrv.h): accept, check the
 * peer's credentials, read one request line against an absolute deadline,
 * queue one reply and write it as the socket accepts it.
 *
 * A client's life: READING (request deadline armed at accept) -> WRITING
 * (reply deadline armed when the reply is queued; no more reading) ->
 * closed. Nothing here blocks: the listening and client sockets are
 * non-blocking and every wait is an event on the loop.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "routerd/ctlsrv.h"
#include "routerd/log.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

struct ctlsrv {
	struct event_base *base;
	int fd;
	struct event *ev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	gid_t admin_gid, view_gid;
	bool have_admin, have_view;
	const char *admin_name, *view_name;
	ctlsrv_handler handler;
	void *arg;
	void *owner;
	void (*free_owner)(void *);
	struct ctlsrv_stats st;
	struct log_rl rl_refused, rl_bad;
	struct client *clients;         /* list, for ctlsrv_close */
};

struct client {
	struct ctlsrv *srv;
	struct client *next;
	int fd;
	struct ctl_peer peer;
	struct event *rev, *wev, *tev;
	bool writing;
	char buf[CTL_REQ_MAX + 1];
	size_t len;
	char *out;                      /* the queued reply, newline included */
	size_t outlen, outoff;
};

static void
client_free(struct client *cl)
{
	struct ctlsrv *s = cl->srv;

	for (struct client **p = &s->clients; *p; p = &(*p)->next)
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	s->st.clients--;
	if (cl->peer.role == CTL_ROLE_VIEW)
		s->st.view_clients--;
	event_free(cl->rev);
	event_free(cl->wev);
	event_free(cl->tev);
	close(cl->fd);
	free(cl->out);
	free(cl);
}

static void
arm_deadline(struct client *cl, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_add(cl->tev, &tv);
}

/* Write what the socket takes; true when the reply is all out. */
static bool
flush_out(struct client *cl)
{
	while (cl->outoff < cl->outlen) {
		ssize_t w = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (w <= 0) {
			cl->outoff = cl->outlen;        /* the client is gone: done */
			break;
		}
		cl->outoff += (size_t)w;
	}
	return true;
}

static void
write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;

	if (flush_out(cl))
		client_free(cl);
}

/* Queue reply (malloc'ed JSON text, no newline; NULL: out of memory) and
 * start writing it. The client is freed when it is out. */
static void
queue_reply(struct client *cl, char *reply)
{
	static const char too_big[] = "{\"ok\":false,\"error\":\"reply too large for the "
				      "control socket\"}";
	size_t n;

	event_del(cl->rev);
	cl->writing = true;
	if (reply == NULL) {
		client_free(cl);
		return;
	}
	n = strlen(reply);
	if (n + 1 > CTL_REPLY_MAX) {
		log_warnx("control: reply of %zu bytes over %u: an error sent instead", n,
			  CTL_REPLY_MAX);
		free(reply);
		if ((reply = strdup(too_big)) == NULL) {
			client_free(cl);
			return;
		}
		n = strlen(reply);
	}
	cl->out = realloc(reply, n + 1);
	if (cl->out == NULL) {
		free(reply);
		client_free(cl);
		return;
	}
	cl->out[n] = '\n';
	cl->outlen = n + 1;
	cl->outoff = 0;
	arm_deadline(cl, CTL_REPLY_TIMEOUT_MS);
	if (flush_out(cl)) {
		client_free(cl);
		return;
	}
	event_add(cl->wev, NULL);
}

static char *
error_reply(const char *msg)
{
	char *s;

	if (asprintf(&s, "{\"ok\":false,\"error\":\"%s\"}", msg) < 0)
		return NULL;
	return s;
}

static void
bad_request(struct client *cl, const char *why)
{
	struct ctlsrv *s = cl->srv;

	s->st.bad_requests++;
	if (log_rl_allow(&s->rl_bad))
		log_warnx("control: pid %d uid %u: %s", (int)cl->peer.pid, (unsigned)cl->peer.uid,
			  why);
	queue_reply(cl, error_reply(why));
}

/* Look at what has been read: answer a complete request, or a bad one. */
static void
consider(struct client *cl, bool eof)
{
	char *nl = memchr(cl->buf, '\n', cl->len);
	size_t upto = nl ? (size_t)(nl - cl->buf) : cl->len;

	if (memchr(cl->buf, '\0', upto) != NULL) {
		bad_request(cl, "request contains a NUL byte");
		return;
	}
	if (nl != NULL) {
		*nl = '\0';
		queue_reply(cl, cl->srv->handler(cl->srv->arg, &cl->peer, cl->buf));
		return;
	}
	if (cl->len >= CTL_REQ_MAX)
		bad_request(cl, "request longer than 4096 bytes");
	else if (eof && cl->len > 0)
		bad_request(cl, "request not terminated by a newline");
	else if (eof)
		client_free(cl);
}

/* Read what is there (never past CTL_REQ_MAX); true on EOF or error. */
static bool
read_some(struct client *cl)
{
	while (cl->len < CTL_REQ_MAX) {
		ssize_t r = recv(cl->fd, cl->buf + cl->len, CTL_REQ_MAX - cl->len, MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (r <= 0)
			return true;
		cl->len += (size_t)r;
		if (memchr(cl->buf + cl->len - (size_t)r, '\n', (size_t)r))
			return false;
	}
	return false;
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;

	consider(cl, read_some(cl));
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	struct ctlsrv *s = cl->srv;
	bool eof;

	if (!cl->writing) {
		/* The loop may have been busy: what already arrived counts. */
		eof = read_some(cl);
		if (memchr(cl->buf, '\n', cl->len) != NULL || cl->len >= CTL_REQ_MAX || eof) {
			consider(cl, eof);
			return;
		}
	}
	s->st.timeouts++;
	if (log_rl_allow(&s->rl_bad))
		log_warnx("control: pid %d uid %u: %s in %d s: closed", (int)cl->peer.pid,
			  (unsigned)cl->peer.uid,
			  cl->writing ? "did not read its reply" : "sent no complete request",
			  (cl->writing ? CTL_REPLY_TIMEOUT_MS : CTL_REQ_TIMEOUT_MS) / 1000);
	client_free(cl);
}

static bool
in_groups(gid_t g, const gid_t *groups, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (groups[i] == g)
			return true;
	return false;
}

/* Is the peer a member of gid (without SO_PEERGROUPS: the group database)? */
static bool
member_db(uid_t uid, gid_t gid)
{
	struct passwd *pw = getpwuid(uid);
	struct group *gr = getgrgid(gid);

	if (pw == NULL || gr == NULL)
		return false;
	for (char **m = gr->gr_mem; *m; m++)
		if (strcmp(*m, pw->pw_name) == 0)
			return true;
	return false;
}

/* SO_PEERCRED (and SO_PEERGROUPS: the peer's groups when it connected). */
static enum ctl_role
peer_role(struct ctlsrv *s, int fd, struct ctl_peer *p)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	gid_t groups[256];
	socklen_t glen = sizeof(groups);
	bool have_groups;
	size_t ng;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
		return CTL_ROLE_NONE;
	p->pid = uc.pid;
	p->uid = uc.uid;
	p->gid = uc.gid;
	if (uc.uid == 0 || uc.uid == geteuid())
		return CTL_ROLE_ADMIN;
	have_groups = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0;
	ng = have_groups ? glen / sizeof(gid_t) : 0;
	if (s->have_admin && (uc.gid == s->admin_gid || in_groups(s->admin_gid, groups, ng) ||
			      (!have_groups && member_db(uc.uid, s->admin_gid))))
		return CTL_ROLE_ADMIN;
	if (s->have_view && (uc.gid == s->view_gid || in_groups(s->view_gid, groups, ng) ||
			     (!have_groups && member_db(uc.uid, s->view_gid))))
		return CTL_ROLE_VIEW;
	return CTL_ROLE_NONE;
}

/* Say why and close, without waiting for the client (small reply: one try). */
static void
turn_away(int fd, const char *msg)
{
	char *r = error_reply(msg);

	if (r != NULL) {
		size_t n = strlen(r);

		r[n] = '\n';    /* error_reply's NUL: room for the newline */
		(void)!send(fd, r, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(r);
	}
	close(fd);
}

static void
accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctlsrv *s = arg;
	struct ctl_peer peer = { 0 };
	struct client *cl;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED && log_rl_allow(&s->rl_refused))
			log_warn("control: accept");
		return;
	}
	if ((peer.role = peer_role(s, cfd, &peer)) == CTL_ROLE_NONE) {
		s->st.refused++;
		if (log_rl_allow(&s->rl_refused))
			log_warnx("control: refused client pid %d uid %u (not root nor in group "
				  "%s or %s)", (int)peer.pid, (unsigned)peer.uid,
				  s->admin_name, s->view_name);
		close(cfd);
		return;
	}
	if (s->st.clients >= CTL_CLIENTS_MAX ||
	    (peer.role == CTL_ROLE_VIEW && s->st.view_clients >= CTL_VIEW_CLIENTS_MAX)) {
		s->st.busy++;
		if (log_rl_allow(&s->rl_refused))
			log_warnx("control: pid %d uid %u turned away: %u clients already (%u "
				  "read-only)", (int)peer.pid, (unsigned)peer.uid, s->st.clients,
				  s->st.view_clients);
		turn_away(cfd, "too many control clients at once; try again");
		return;
	}
	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		close(cfd);
		return;
	}
	cl->srv = s;
	cl->fd = cfd;
	cl->peer = peer;
	cl->rev = event_new(s->base, cfd, EV_READ | EV_PERSIST, read_cb, cl);
	cl->wev = event_new(s->base, cfd, EV_WRITE | EV_PERSIST, write_cb, cl);
	cl->tev = evtimer_new(s->base, deadline_cb, cl);
	cl->next = s->clients;
	s->clients = cl;
	s->st.clients++;
	if (peer.role == CTL_ROLE_VIEW)
		s->st.view_clients++;
	s->st.accepted++;
	if (cl->rev == NULL || cl->wev == NULL || cl->tev == NULL) {
		client_free(cl);
		return;
	}
	event_add(cl->rev, NULL);
	arm_deadline(cl, CTL_REQ_TIMEOUT_MS);
}

static bool
group_gid(const char *name, gid_t *gid)
{
	struct group *gr = name ? getgrnam(name) : NULL;

	if (gr != NULL)
		*gid = gr->gr_gid;
	return gr != NULL;
}

struct ctlsrv *
ctlsrv_listen(struct event_base *base, const char *path, const char *admin_group,
	      const char *view_group, ctlsrv_handler h, void *arg)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct ctlsrv *s;
	mode_t old;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket path too long: %s", path);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->base = base;
	s->handler = h;
	s->arg = arg;
	s->rl_refused = (struct log_rl)LOG_RL_INIT("control: clients refused or turned away");
	s->rl_bad = (struct log_rl)LOG_RL_INIT("control: bad or slow clients");
	strcpy(s->path, path);
	strcpy(sun.sun_path, path);
	s->have_admin = group_gid(admin_group, &s->admin_gid);
	s->have_view = group_gid(view_group, &s->view_gid);
	s->admin_name = admin_group ? admin_group : "-";
	s->view_name = view_group ? view_group : "-";
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		log_warn("control socket");
		free(s);
		return NULL;
	}
	unlink(path);
	old = umask(0117);
	if (bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || listen(s->fd, 64) != 0) {
		umask(old);
		log_warn("control socket %s", path);
		close(s->fd);
		free(s);
		return NULL;
	}
	umask(old);
	/* The file's group gates connect(); the role is decided per client. */
	if ((s->have_view || s->have_admin) &&
	    chown(path, (uid_t)-1, s->have_view ? s->view_gid : s->admin_gid) != 0)
		log_warn("control socket: chgrp %s", s->have_view ? view_group : admin_group);
	s->ev = event_new(base, s->fd, EV_READ | EV_PERSIST, accept_cb, s);
	if (s->ev == NULL || event_add(s->ev, NULL) != 0) {
		ctlsrv_close(s);
		return NULL;
	}
	log_info("control socket %s (mode 0660, group %s; admin: %s, read-only: %s)", path,
		 s->have_view ? view_group : s->have_admin ? admin_group : "root's",
		 s->have_admin ? admin_group : "root only", s->have_view ? view_group : "none");
	return s;
}

const struct ctlsrv_stats *
ctlsrv_stats(const struct ctlsrv *s)
{
	return &s->st;
}

void
ctlsrv_count_denied(struct ctlsrv *s)
{
	s->st.denied++;
}

void
ctlsrv_set_owner(struct ctlsrv *s, void *owner, void (*free_owner)(void *))
{
	s->owner = owner;
	s->free_owner = free_owner;
}

void
ctlsrv_close(struct ctlsrv *s)
{
	if (s == NULL)
		return;
	while (s->clients)
		client_free(s->clients);
	if (s->ev)
		event_free(s->ev);
	close(s->fd);
	unlink(s->path);
	if (s->free_owner)
		s->free_owner(s->owner);
	free(s);
}
