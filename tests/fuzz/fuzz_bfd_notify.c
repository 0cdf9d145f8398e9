/*
 * fuzz_bfd_notify.c - libFuzzer target: bfdd's control-socket stream as
 * routerd reads it (plugins/bfd_notify.c: 8-byte headers, JSON bodies,
 * split however the socket delivers them). Its framing reads a socket on
 * the event loop (on_read is static), so this harness is bfdd: it listens
 * on a unix socket, lets bfd_notify_open() connect and subscribe, sends
 * the input as bfdd's side of the stream, closes, and runs the loop until
 * routerd's side reports the connection lost. Notifications must name a
 * state string.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "tests/fuzz/fuzz.h"
#include "plugins/bfd_notify.h"
#include "plugins/plugin.h"

static struct event_base *base;
static int lfd = -1;
static char path[108];
static bool lost;

static void
on_state(void *arg, uint32_t peer, bool up, const char *state)
{
	if (state == NULL)
		abort();
	(void)arg, (void)peer, (void)up, (void)strlen(state);
}

static void
on_lost(void *arg)
{
	(void)arg;
	lost = true;
}

static void
setup(void)
{
	char dir[] = "/tmp/fuzz-bfd.XXXXXX";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/bfdd.sock", dir);
	strcpy(sun.sun_path, path);
	base = event_base_new();
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (base == NULL || event_base_priority_init(base, RD_EV_NPRIO) != 0 || lfd < 0 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || listen(lfd, 4) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bfd_notify *n;
	char req[64];
	size_t off = 0;
	int sfd, rounds = 0;
	bool wdone = false;

	if (base == NULL)
		setup();
	lost = false;
	n = bfd_notify_open(base, path, on_state, on_lost, NULL);
	if (n == NULL || (sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		abort();
	if (read(sfd, req, sizeof(req)) != 16)  /* the subscription */
		abort();
	while (!lost) {
		if (!wdone) {
			ssize_t w = off < size ? send(sfd, data + off, size - off,
						      MSG_DONTWAIT | MSG_NOSIGNAL) : 0;

			if (w > 0)
				off += (size_t)w;
			if (off == size || (w < 0 && errno != EAGAIN)) {
				shutdown(sfd, SHUT_WR);         /* bfdd closes */
				wdone = true;
			}
		}
		if (++rounds > 100000) {
			fuzz_fail("routerd's side neither read to the end nor gave up");
		}
		/* routerd's side runs until one of its events (sfd's bytes or EOF) */
		if (!lost && event_base_loop(base, EVLOOP_ONCE) < 0)
			abort();
	}
	bfd_notify_close(n);
	close(sfd);
	return 0;
}
