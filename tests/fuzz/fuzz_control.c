/*
 * fuzz_control.c - libFuzzer target: the control socket as a client sees
 * it: ctlsrv.c's framing (request line, NUL, length and deadline rules)
 * and control.c's request parsing and commands (JSON, "command",
 * "connection", "tunnel"), with the core stubbed (control_stubs.c) over a
 * small configuration. Neither is callable without a socket (the request
 * parser is static behind the transport), so the harness is a client: it
 * connects to a server made by ctlsrv_open(), sends the input, closes its
 * writing side and runs the loop until the server has answered and closed.
 * The reply must be one line of a JSON object with "ok".
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
#include <json-c/json.h>

#include "tests/fuzz/fuzz.h"
#include "plugins/plugin.h"
#include "routerd/core.h"
#include "routerd/ctlsrv.h"

static const char conf_text[] =
	"gateway { asn 64512 outside 192.0.2.1 prefixes { 10.0.0.0/16 } }\n"
	"peer \"branch\" { address 198.51.100.1 asn 65001 prefixes { 10.20.0.0/16 } }\n"
	"connection \"hq-branch\" { peer \"branch\"\n"
	"  tunnel \"tun1\" { inside 169.254.10.1/30 psk \"abcdefgh1\" }\n"
	"  tunnel \"tun2\" { inside 169.254.10.5/30 psk \"abcdefgh2\" } }\n";

static struct core core;
static struct ctlsrv *srv;
static struct sockaddr_un sun = { .sun_family = AF_UNIX };
static int reloads;

static int
reload(void *arg)
{
	(void)arg;
	return reloads++ % 2 == 0 ? 0 : -1;
}

static void
setup(void)
{
	char dir[] = "/tmp/fuzz-ctl.XXXXXX";

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/routerd.sock", dir);
	core.base = event_base_new();
	if (core.base == NULL || event_base_priority_init(core.base, RD_EV_NPRIO) != 0 ||
	    conf_load_buffer("fuzz.conf", conf_text, sizeof(conf_text) - 1, NULL, NULL,
			     &core.cfg) != 0)
		abort();
	core.tun = calloc(core.cfg->nconns, sizeof(*core.tun));
	srv = ctlsrv_open(&core, sun.sun_path, reload, NULL);
	if (core.tun == NULL || srv == NULL)
		abort();
}

static void
check_reply(const char *buf, size_t len)
{
	json_object *o, *ok;
	char *line;

	if (len == 0)
		return;         /* closed without an answer: allowed for a busy server */
	if (buf[len - 1] != '\n' || memchr(buf, '\n', len) != buf + len - 1 ||
	    memchr(buf, '\0', len) != NULL) {
		fuzz_fail("reply is not one line: %.*s", (int)len, buf);
	}
	line = strndup(buf, len - 1);
	o = json_tokener_parse(line);
	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "ok", &ok) || !json_object_is_type(ok, json_type_boolean)) {
		fuzz_fail("reply is not a JSON object with \"ok\": %s", line);
	}
	json_object_put(o);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char reply[CTL_REQ_MAX * 64];
	size_t off = 0, rlen = 0;
	bool eof = false, wdone = false;
	int fd, rounds = 0;

	if (srv == NULL)
		setup();
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		abort();
	while (!eof) {
		ssize_t r;

		if (!wdone) {
			ssize_t w = size > off ? send(fd, data + off, size - off,
						      MSG_DONTWAIT | MSG_NOSIGNAL) : 0;

			if (w > 0)
				off += (size_t)w;
			if (off == size || (w < 0 && errno != EAGAIN)) {
				shutdown(fd, SHUT_WR);
				wdone = true;
			}
		}
		r = recv(fd, reply + rlen, sizeof(reply) - rlen, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			eof = true;
		} else if (r > 0) {
			rlen += (size_t)r;
			if (rlen == sizeof(reply))
				abort();        /* a reply far over what show can say here */
		} else {
			/* nothing yet: let the server run until one of its events */
			if (++rounds > 100000) {
				fuzz_fail("no reply and no close");
			}
			if (event_base_loop(core.base, EVLOOP_ONCE) < 0)
				abort();
		}
	}
	close(fd);
	check_reply(reply, rlen);
	return 0;
}
