/*
 * updown.c - routerd-updown: libreswan's leftupdown hook.
 *
 * pluto runs it through /bin/sh and blocks until it exits, so it does one
 * thing: turn the PLUTO_* environment into a hook message (hookmsg.h) and
 * send ONE datagram to routerd's hook socket, then exit 0 - whatever
 * happens (routerd down, bad environment). The send waits for room in the
 * socket's queue up to HOOK_SEND_TIMEOUT_MS (routerd's receiving thread
 * empties it at once unless routerd is stuck): a send that did not wait
 * lost real events whenever the queue was full. An event given up after
 * the timeout is said on stderr (pluto logs it) and recovered by routerd's
 * next whack poll.
 *
 * usage: routerd-updown [--socket PATH]   (default $ROUTERD_HOOK_SOCKET)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "plugins/hookmsg.h"

static void
say(const char *what)
{
	/* pluto logs the hook's stderr; keep it to one short line. */
	fprintf(stderr, "routerd-updown: %s\n", what);
}

static void
opt_ip(const char *env, unsigned field, uint32_t *dst, struct hookmsg *m)
{
	const char *v = getenv(env);
	struct in_addr a;

	if (v && inet_pton(AF_INET, v, &a) == 1) {
		*dst = ntohl(a.s_addr);
		m->present |= field;
	}
}

static void
opt_num(const char *env, unsigned field, int base, uint64_t max, void *dst, bool wide,
	struct hookmsg *m)
{
	const char *v = getenv(env);
	char *end;
	unsigned long long n;

	if (v == NULL || *v == '\0' || *v == '-')
		return;
	n = strtoull(v, &end, base);
	if (*end != '\0' || n > max)
		return;
	if (wide)
		*(uint64_t *)dst = n;
	else
		*(uint32_t *)dst = (uint32_t)n;
	m->present |= field;
}

/* Build the message from the environment; -1 if a required variable is bad. */
static int
from_env(struct hookmsg *m)
{
	const char *verb = getenv("PLUTO_VERB"), *conn = getenv("PLUTO_CONNECTION");
	const char *reqid = getenv("PLUTO_SA_REQID"), *vif = getenv("PLUTO_VIRT_INTERFACE");
	char *end;

	memset(m, 0, sizeof(*m));
	if (verb == NULL || hook_verb_parse(verb, &m->verb, &m->v6) < 0)
		return -1;
	if (conn == NULL || strlen(conn) >= sizeof(m->connection))
		return -1;
	strcpy(m->connection, conn);
	if (reqid == NULL || *reqid == '\0')
		return -1;
	unsigned long r = strtoul(reqid, &end, 10);
	if (*end != '\0' || r == 0 || r > 16383)
		return -1;
	m->reqid = (uint32_t)r;
	opt_ip("PLUTO_PEER", HOOKF_PEER, &m->peer, m);
	opt_ip("PLUTO_ME", HOOKF_ME, &m->me, m);
	if (vif && *vif && strlen(vif) < sizeof(m->virt_interface)) {
		strcpy(m->virt_interface, vif);
		m->present |= HOOKF_VIRT_INTERFACE;
	}
	opt_num("SPI_IN", HOOKF_SPI_IN, 16, UINT32_MAX, &m->spi_in, false, m);
	opt_num("SPI_OUT", HOOKF_SPI_OUT, 16, UINT32_MAX, &m->spi_out, false, m);
	opt_num("PLUTO_INBYTES", HOOKF_INBYTES, 10, UINT64_MAX, &m->inbytes, true, m);
	opt_num("PLUTO_OUTBYTES", HOOKF_OUTBYTES, 10, UINT64_MAX, &m->outbytes, true, m);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = getenv("ROUTERD_HOOK_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { HOOK_SEND_TIMEOUT_MS / 1000, (HOOK_SEND_TIMEOUT_MS % 1000) * 1000 };
	struct hookmsg m;
	char buf[HOOKMSG_MAX];
	int fd, n;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			path = argv[++i];
	if (path == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		say("no usable --socket path");
		return 0;
	}
	if (from_env(&m) < 0 || (n = hookmsg_format(&m, buf, sizeof(buf))) < 0) {
		say("PLUTO_VERB/PLUTO_CONNECTION/PLUTO_SA_REQID missing or invalid");
		return 0;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		say("no socket; event dropped");
	} else {
		ssize_t k;

		while ((k = sendto(fd, buf, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sun,
				   sizeof(sun))) < 0 && errno == EINTR)
			;
		if (k != n && (errno == EAGAIN || errno == EWOULDBLOCK))
			say("routerd's hook socket stayed full; event dropped");
		else if (k != n)
			say("routerd not reachable; event dropped");
	}
	if (fd >= 0)
		close(fd);
	return 0;
}
