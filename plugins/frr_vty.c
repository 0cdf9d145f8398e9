/* frr_vty.c - FRR vty socket client: reply framing, commands, pipelined batches. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "frr_vty.h"
#include "routerd/log.h"

void
frr_reply_init(struct frr_reply *r, bool keep_text)
{
	memset(r, 0, sizeof(*r));
	r->keep_text = keep_text;
	r->max = FRR_VTY_REPLY_MAX;
}

void
frr_reply_reset(struct frr_reply *r)
{
	r->len = 0;
	r->seen = 0;
	r->nuls = 0;
	r->done = false;
	r->status = 0;
	if (r->text)
		r->text[0] = '\0';
}

void
frr_reply_free(struct frr_reply *r)
{
	free(r->text);
	r->text = NULL;
	r->len = r->cap = 0;
}

/* Append n bytes of text (kept NUL-terminated); -EMSGSIZE past r->max. */
static int
reply_put(struct frr_reply *r, const uint8_t *p, size_t n)
{
	if (n > r->max - r->seen)
		return -EMSGSIZE;
	r->seen += n;
	if (!r->keep_text || n == 0)
		return 0;
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 256;
		char *t;

		while (cap < r->len + n + 1)
			cap *= 2;
		if ((t = realloc(r->text, cap)) == NULL)
			return -ENOMEM;
		r->text = t;
		r->cap = cap;
	}
	memcpy(r->text + r->len, p, n);
	r->len += n;
	r->text[r->len] = '\0';
	return 0;
}

ssize_t
frr_reply_feed(struct frr_reply *r, const uint8_t *buf, size_t n)
{
	static const uint8_t zeros[3];
	size_t i, run = 0;      /* run: start of plain text not yet copied */
	int err;

	if (r->done)
		return 0;
	for (i = 0; i < n; i++) {
		if (r->nuls == 3) {
			/* The byte after three NULs is the status, whatever it is. */
			if ((err = reply_put(r, buf + run, i - run)) < 0)
				return err;
			r->status = buf[i];
			r->done = true;
			return (ssize_t)(i + 1);
		}
		if (buf[i] == 0) {
			if (r->nuls == 0 && (err = reply_put(r, buf + run, i - run)) < 0)
				return err;
			r->nuls++;
			run = i + 1;
			continue;
		}
		if (r->nuls > 0) {
			/* NULs that were not a terminator belong to the text. */
			if ((err = reply_put(r, zeros, r->nuls)) < 0)
				return err;
			r->nuls = 0;
			run = i;
		}
	}
	if (r->nuls == 0 && (err = reply_put(r, buf + run, n - run)) < 0)
		return err;
	return (ssize_t)n;
}

void
frr_vty_init(struct frr_vty *v, const char *dir, const char *daemon)
{
	memset(v, 0, sizeof(*v));
	v->fd = -1;
	snprintf(v->path, sizeof(v->path), "%s/%s.vty", dir, daemon);
}

void
frr_vty_close(struct frr_vty *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	v->enabled = false;
	v->rlen = 0;
}

static int
vty_connect(struct frr_vty *v)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { FRR_VTY_TIMEOUT_MS / 1000, (FRR_VTY_TIMEOUT_MS % 1000) * 1000 };
	int fd;

	if (strlen(v->path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, v->path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	v->fd = fd;
	v->rlen = 0;
	return 0;
}

/* Send one command and its NUL. */
static int
vty_send(struct frr_vty *v, const char *cmd)
{
	size_t len = strlen(cmd) + 1, off = 0;

	while (off < len) {
		ssize_t k = send(v->fd, cmd + off, len - off, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		off += (size_t)k;
	}
	return 0;
}

/* Read until one reply is complete in r. */
static int
vty_recv_reply(struct frr_vty *v, struct frr_reply *r)
{
	for (;;) {
		if (v->rlen > 0) {
			ssize_t k = frr_reply_feed(r, v->rbuf, v->rlen);

			if (k < 0)
				return (int)k;
			memmove(v->rbuf, v->rbuf + k, v->rlen - (size_t)k);
			v->rlen -= (size_t)k;
			if (r->done)
				return 0;
		}
		ssize_t n = recv(v->fd, v->rbuf, sizeof(v->rbuf), 0);

		if (n == 0)
			return -EPIPE;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		v->rlen = (size_t)n;
	}
}

/* A transport error: close; an oversize reply is said (rate-limited). */
static void
vty_fail(struct frr_vty *v, const char *cmd, int err)
{
	static struct log_rl rl = LOG_RL_INIT("frr: oversize vty replies");

	if (err == -EMSGSIZE && log_rl_allow(&rl))
		log_warnx("frr: %s: reply to \"%.60s\" longer than %u bytes: connection closed",
			  v->path, cmd, FRR_VTY_REPLY_MAX);
	frr_vty_close(v);
}

/* One command on an open connection; closes it on transport errors. */
static int
vty_exec(struct frr_vty *v, const char *cmd, struct frr_reply *r)
{
	int err;

	if ((err = vty_send(v, cmd)) < 0 || (err = vty_recv_reply(v, r)) < 0)
		vty_fail(v, cmd, err);
	return err;
}

int
frr_vty_open(struct frr_vty *v)
{
	struct frr_reply r;
	int err;

	if (v->fd >= 0 && v->enabled)
		return 0;
	if (v->fd < 0 && (err = vty_connect(v)) < 0)
		return err;
	frr_reply_init(&r, false);
	err = vty_exec(v, "enable", &r);
	if (err == 0 && r.status != 0) {
		frr_vty_close(v);
		err = -EACCES;
	}
	v->enabled = err == 0;
	return err;
}

int
frr_vty_cmd(struct frr_vty *v, const char *cmd, uint8_t *status, char **text)
{
	struct frr_reply r;
	int err;

	if ((err = frr_vty_open(v)) < 0)
		return err;
	frr_reply_init(&r, text != NULL);
	if ((err = vty_exec(v, cmd, &r)) < 0) {
		frr_reply_free(&r);
		return err;
	}
	*status = r.status;
	if (text) {
		*text = r.text ? r.text : strdup("");
		if (*text == NULL)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Commands whose failure is no failure: a "no ..." that found nothing to
 * remove, and FRR 8.4's graceful-restart mode commands, which fail with 13
 * when the mode is already the one asked for (a re-apply).
 */
static const char *const tolerated[] = { "no ", "bgp graceful-restart-disable" };

static bool
is_tolerated(const char *cmd)
{
	for (size_t i = 0; i < sizeof(tolerated) / sizeof(tolerated[0]); i++)
		if (strncmp(cmd, tolerated[i], strlen(tolerated[i])) == 0)
			return true;
	return false;
}

static void
set_rcv_timeout(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

int
frr_vty_batch(struct frr_vty *v, char *const *cmds, size_t n, struct frr_batch_result *res)
{
	struct frr_reply r;
	size_t sent = 0;
	int err;

	memset(res, 0, sizeof(*res));
	if ((err = frr_vty_open(v)) < 0)
		return err;
	frr_reply_init(&r, true);
	set_rcv_timeout(v->fd, FRR_VTY_BATCH_TIMEOUT_MS +
			(int)(n < 100000 ? n : 100000) * FRR_VTY_BATCH_TIMEOUT_PER_CMD_MS);
	while (res->sent < n) {
		while (sent < n && sent - res->sent < FRR_VTY_WINDOW) {
			if ((err = vty_send(v, cmds[sent])) < 0)
				goto fail;
			sent++;
		}
		frr_reply_reset(&r);
		if ((err = vty_recv_reply(v, &r)) < 0)
			goto fail;
		if (r.text && strstr(r.text, "% Configuration failed")) {
			if (res->commit_failed++ == 0)
				res->first_commit_failed = res->sent;
			/* status 0: a batched commit flushed by this command */
			if (r.status == 0)
				log_warnx("frr: %s: batched commit rejected at \"%s\": %.300s",
					  v->path, cmds[res->sent], r.text);
		}
		if (r.status != 0 && is_tolerated(cmds[res->sent])) {
			res->ignored++;
		} else if (r.status != 0) {
			if (res->failed++ == 0) {
				res->first_failed = res->sent;
				res->first_status = r.status;
			}
			log_debug("frr: %s: \"%s\": status %u: %s", v->path, cmds[res->sent],
				  r.status, r.text ? r.text : "");
		}
		res->sent++;
	}
	set_rcv_timeout(v->fd, FRR_VTY_TIMEOUT_MS);
	frr_reply_free(&r);
	return 0;
fail:
	frr_reply_free(&r);
	vty_fail(v, res->sent < n ? cmds[res->sent] : "", err);
	return err;
}
