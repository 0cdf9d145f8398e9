/* bfd_notify.c - bfdd's control socket client (bfd_notify.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "bfd_notify.h"
#include "plugin.h"
#include "frr_json.h"
#include "routerd/log.h"

/* FRR bfdd/bfdctl.h */
enum { BMT_RESPONSE = 1, BMT_NOTIFY = 4 };
#define BMV_VERSION_1 1
#define BCM_NOTIFY_PEER_STATE 1ULL
#define MSG_MAX BFD_NOTIFY_MSG_MAX

struct bcm_hdr {
	uint32_t len;           /* of the data that follows, network order */
	uint16_t id;
	uint8_t type;
	uint8_t ver;
};

struct bfd_notify {
	int fd;
	struct event *ev;
	bfd_notify_fn cb;
	void (*lost)(void *arg);
	void *arg;
	char *buf;              /* one message being read: header + data + NUL */
	size_t have, want;
	bool dead;
	unsigned long bad;      /* messages not understood */
	struct log_rl rl;
};

static void
gone(struct bfd_notify *n)
{
	if (n->dead)
		return;
	n->dead = true;
	event_del(n->ev);
	if (n->lost)
		n->lost(n->arg);
}

/* A whole message in n->buf (NUL-terminated after the data). One that is
 * not understood is logged (rate-limited) and skipped: never a state. */
static void
message(struct bfd_notify *n)
{
	const struct bcm_hdr *h = (const struct bcm_hdr *)n->buf;
	const char *json = n->buf + sizeof(*h);
	size_t len = n->want - sizeof(*h);
	char state[16];
	uint32_t addr;
	bool up;
	int err;

	if (h->type == BMT_RESPONSE)
		return;         /* the subscription's answer */
	if (h->type != BMT_NOTIFY || strlen(json) != len)
		err = -EINVAL;  /* another type, or a NUL inside the JSON */
	else if ((err = frr_json_bfd_notify(json, &addr, &up, state, sizeof(state))) == 0)
		n->cb(n->arg, addr, up, state);
	if (err == -EINVAL) {
		n->bad++;
		if (log_rl_allow(&n->rl))
			log_warnx("frr: bfdd: message not understood, skipped (type %u, %zu bytes): "
				  "%.120s", h->type, len, json);
	}
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct bfd_notify *n = arg;

	for (;;) {
		ssize_t r = read(fd, n->buf + n->have, n->want - n->have);

		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			gone(n);
			return;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		n->have += (size_t)r;
		if (n->have < n->want)
			continue;
		if (n->want == sizeof(struct bcm_hdr)) {
			const struct bcm_hdr *h = (const struct bcm_hdr *)n->buf;
			uint32_t len = ntohl(h->len);

			if (h->ver != BMV_VERSION_1 || len > MSG_MAX) {
				/* the stream cannot be followed further */
				log_warnx("frr: bfdd: message of version %u, %u bytes (limit %u): "
					  "connection dropped", h->ver, len, (unsigned)MSG_MAX);
				gone(n);
				return;
			}
			n->want += len;
			if (len > 0)
				continue;
		}
		n->buf[n->want] = '\0';
		message(n);
		n->have = 0;
		n->want = sizeof(struct bcm_hdr);
	}
}

struct bfd_notify *
bfd_notify_open(struct event_base *base, const char *path, bfd_notify_fn cb,
		void (*lost)(void *arg), void *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct {
		struct bcm_hdr h;
		uint64_t what;  /* bfdd copies it as is: host order */
	} __attribute__((packed)) req = {
		.h = { .len = htonl(sizeof(uint64_t)), .id = htons(1), .type = BMT_NOTIFY,
		       .ver = BMV_VERSION_1 },
		.what = BCM_NOTIFY_PEER_STATE,
	};
	struct bfd_notify *n;
	int fd, e;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return NULL;
	/* Blocking connect and request: bfdd answers at once, and the
	 * request is 16 bytes. Then non-blocking reads on the loop. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    write(fd, &req, sizeof(req)) != (ssize_t)sizeof(req) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		goto fail;
	if ((n = calloc(1, sizeof(*n))) == NULL || (n->buf = malloc(MSG_MAX + 16)) == NULL) {
		if (n)
			free(n);
		errno = ENOMEM;
		goto fail;
	}
	n->fd = fd;
	n->cb = cb;
	n->lost = lost;
	n->arg = arg;
	n->want = sizeof(struct bcm_hdr);
	n->rl = (struct log_rl)LOG_RL_INIT("frr: bfdd messages not understood");
	if ((n->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, n)) == NULL ||
	    event_priority_set(n->ev, RD_EV_PRIO_HEALTH) < 0 || event_add(n->ev, NULL) < 0) {
		if (n->ev)
			event_free(n->ev);
		free(n->buf);
		free(n);
		errno = ENOMEM;
		goto fail;
	}
	return n;
fail:
	e = errno;
	close(fd);
	errno = e;
	return NULL;
}

void
bfd_notify_close(struct bfd_notify *n)
{
	if (n == NULL)
		return;
	event_free(n->ev);
	close(n->fd);
	free(n->buf);
	free(n);
}
