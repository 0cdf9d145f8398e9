/*
 * test_frr_hostile.c - replies of bgpd and bfdd that routerd does not
 * understand (issue 18, item 5): JSON nulls and mistyped members in 'show
 * bgp summary json', 'show bfd peers json' and bfdd's control socket
 * notifications are rejected whole (no callback, no crash); a vty reply
 * over FRR_VTY_REPLY_MAX is an error, not unbounded growth; a bfdd control
 * socket that sends garbage is skipped message by message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "plugins/bfd_notify.h"
#include "plugins/frr_json.h"
#include "plugins/frr_vty.h"

static int calls;

static void
on_peer(void *arg, const struct frr_bgp_peer *p)
{
	calls++;
}

static void
on_bfd(void *arg, uint32_t addr, bool up, const char *status)
{
	assert_non_null(status);
	calls++;
}

/* A valid peer first, then the hostile one: all or nothing. */
static void
test_summary_nulls(void **unused)
{
	static const char *const bad[] = {
		"\"state\":null", "\"state\":5", "\"state\":{}", "\"state\":[\"Established\"]",
		"\"state\":\"\"", "\"state\":\"Established\",\"pfxRcd\":null",
		"\"state\":\"Established\",\"pfxRcd\":\"3\"", "\"state\":\"Established\",\"pfxRcd\":-1",
		"\"state\":\"Established\",\"pfxSnt\":4294967296",
		"\"state\":\"Established\",\"pfxSnt\":1.5", "\"pfxRcd\":1",
	};
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"ipv4Unicast\":{\"peers\":{"
			 "\"169.254.10.2\":{\"state\":\"Established\",\"pfxRcd\":3},"
			 "\"169.254.11.2\":{%s}}}}", bad[i]);
		calls = 0;
		assert_int_equal(frr_json_bgp_summary(text, on_peer, NULL), -EINVAL);
		assert_int_equal(calls, 0);
	}
	/* a peer that is not an object, peers/ipv4Unicast of the wrong type */
	static const char *const shapes[] = {
		"{\"ipv4Unicast\":{\"peers\":{\"169.254.10.2\":null}}}",
		"{\"ipv4Unicast\":{\"peers\":{\"169.254.10.2\":\"Established\"}}}",
		"{\"ipv4Unicast\":{\"peers\":null}}", "{\"ipv4Unicast\":{\"peers\":[]}}",
		"{\"ipv4Unicast\":null}", "{\"ipv4Unicast\":7}", "null", "[]", "", "{",
	};
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		calls = 0;
		assert_int_equal(frr_json_bgp_summary(shapes[i], on_peer, NULL), -EINVAL);
		assert_int_equal(calls, 0);
	}
	/* still fine: non-IPv4 keys with anything in them are not ours */
	calls = 0;
	assert_int_equal(frr_json_bgp_summary("{\"ipv4Unicast\":{\"peers\":{\"fe80::1\":null,"
					      "\"169.254.10.2\":{\"state\":\"Active\"}}}}",
					      on_peer, NULL), 0);
	assert_int_equal(calls, 1);
}

static void
test_bfd_peers_nulls(void **unused)
{
	static const char *const bad[] = {
		"{\"peer\":null,\"status\":\"up\"}", "{\"peer\":\"169.254.10.6\",\"status\":null}",
		"{\"peer\":\"169.254.10.6\"}", "{\"peer\":\"169.254.10.6\",\"status\":1}",
		"{\"peer\":\"169.254.10.6\",\"status\":\"sideways\"}",
		"{\"peer\":5,\"status\":\"up\"}", "{\"status\":\"down\"}",
		"{\"multihop\":null,\"peer\":\"169.254.10.6\",\"status\":\"up\"}",
		"{\"multihop\":\"false\",\"peer\":\"169.254.10.6\",\"status\":\"up\"}",
		"null", "\"peer\"", "[]",
	};
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "[{\"multihop\":false,\"peer\":\"169.254.10.2\",\"status\":\"up\"},%s]",
			 bad[i]);
		calls = 0;
		assert_int_equal(frr_json_bfd_peers(text, on_bfd, NULL), -EINVAL);
		assert_int_equal(calls, 0);
	}
	calls = 0;
	assert_int_equal(frr_json_bfd_peers("null", on_bfd, NULL), -EINVAL);
	assert_int_equal(frr_json_bfd_peers("[{\"peer\":\"fe80::1\",\"status\":\"up\"},"
					    "{\"peer\":\"169.254.10.2\",\"status\":\"shutdown\"}]",
					    on_bfd, NULL), 0);
	assert_int_equal(calls, 1);
}

static void
test_bfd_notify_nulls(void **unused)
{
	static const char *const bad[] = {
		"{\"op\":null,\"peer-address\":\"169.254.10.1\",\"state\":\"down\"}",
		"{\"op\":\"status\",\"peer-address\":null,\"state\":\"down\"}",
		"{\"op\":\"status\",\"peer-address\":\"169.254.10.1\",\"state\":null}",
		"{\"op\":\"status\",\"peer-address\":\"169.254.10.1\",\"state\":0}",
		"{\"op\":\"status\",\"peer-address\":\"169.254.10.1\",\"state\":\"Down!\"}",
		"{\"op\":\"status\",\"peer-address\":\"169.254.10.1\"}",
		"{\"op\":\"status\",\"state\":\"down\"}",
		"{\"op\":\"status\",\"peer-address\":\"169.254.10.1\",\"state\":\"up\",\"ipv6\":null}",
		"{\"op\":\"status\",\"peer-address\":\"169.254.10.1\",\"state\":\"up\",\"multihop\":1}",
		"{\"op\":\"status\",\"peer-address\":[],\"state\":\"up\"}",
		"{\"op\":7}", "{\"peer\":null}", "null", "[]", "\"op\"", "",
	};
	uint32_t addr = 0;
	bool up = false;
	char state[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(frr_json_bfd_notify(bad[i], &addr, &up, state, sizeof(state)),
				 -EINVAL);
	assert_int_equal(addr, 0);
	assert_false(up);
}

/* Every member of valid documents replaced by every JSON type: no crash,
 * and never a callback with a value that was not in the valid document. */
static void
test_member_types(void **unused)
{
	static const char *const vals[] = { "null", "true", "0", "-1", "1e300", "\"\"", "\"up\"",
					    "[]", "{}", "[null]", "{\"a\":null}" };
	static const char *const keys[] = { "state", "pfxRcd", "pfxSnt", "peer", "status",
					    "multihop", "op", "peer-address", "ipv6" };
	char text[512];
	uint32_t addr;
	bool up;
	char state[16];

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			snprintf(text, sizeof(text), "{\"ipv4Unicast\":{\"peers\":{\"169.254.10.2\":"
				 "{\"state\":\"Idle\",\"%s\":%s}}}}", keys[k], vals[v]);
			frr_json_bgp_summary(text, on_peer, NULL);
			snprintf(text, sizeof(text), "[{\"peer\":\"169.254.10.2\",\"status\":\"up\","
				 "\"%s\":%s}]", keys[k], vals[v]);
			frr_json_bfd_peers(text, on_bfd, NULL);
			snprintf(text, sizeof(text), "{\"op\":\"status\",\"peer-address\":"
				 "\"169.254.10.1\",\"state\":\"up\",\"%s\":%s}", keys[k], vals[v]);
			if (frr_json_bfd_notify(text, &addr, &up, state, sizeof(state)) == 0) {
				assert_int_equal(addr, 0xa9fe0a01u);
				assert_string_equal(state, "up");
			}
		}
}

/* A reply longer than r.max is -EMSGSIZE, stored or only counted. */
static void
test_reply_limit(void **unused)
{
	static uint8_t junk[300];
	struct frr_reply r;

	memset(junk, 'x', sizeof(junk));
	for (int keep = 0; keep < 2; keep++) {
		size_t fed = 0;
		ssize_t k = 0;

		frr_reply_init(&r, keep);
		assert_int_equal(r.max, FRR_VTY_REPLY_MAX);
		r.max = 1000;
		while (fed < 2000 && (k = frr_reply_feed(&r, junk, sizeof(junk))) > 0)
			fed += (size_t)k;
		assert_int_equal(k, -EMSGSIZE);
		assert_true(fed <= 1000);
		assert_true(r.len <= 1000);
		frr_reply_free(&r);
	}
	/* up to the limit is fine */
	frr_reply_init(&r, true);
	r.max = 300;
	assert_int_equal(frr_reply_feed(&r, junk, sizeof(junk)), sizeof(junk));
	assert_int_equal(frr_reply_feed(&r, (const uint8_t *)"\0\0\0", 4), 4);
	assert_true(r.done);
	assert_int_equal(r.len, 300);
	frr_reply_free(&r);
}

/* A fake daemon: answers 'enable', then a reply that never ends. */
static void *
endless_vty(void *arg)
{
	int lfd = *(int *)arg, fd = accept(lfd, NULL, NULL);
	static char chunk[65536];
	char c;

	memset(chunk, 'y', sizeof(chunk));
	while (read(fd, &c, 1) == 1 && c != '\0')
		;               /* "enable" */
	(void)!write(fd, "\0\0\0\0", 4);
	while (read(fd, &c, 1) == 1 && c != '\0')
		;               /* the show command */
	while (send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL) > 0)
		;
	close(fd);
	return NULL;
}

static void
test_vty_endless(void **unused)
{
	char dir[] = "/tmp/frrhostileXXXXXX", path[64];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct frr_vty v;
	pthread_t th;
	uint8_t status;
	char *text = NULL;
	int lfd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bgpd.vty", dir);
	strcpy(sun.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(pthread_create(&th, NULL, endless_vty, &lfd), 0);
	frr_vty_init(&v, dir, "bgpd");
	assert_int_equal(frr_vty_cmd(&v, "show bgp summary json", &status, &text), -EMSGSIZE);
	assert_null(text);
	assert_int_equal(v.fd, -1);     /* closed: the stream cannot be followed */
	pthread_join(th, NULL);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

/* bfdd's control socket, faked: one connection, scripted messages. */
struct fake_bfdd {
	int lfd, fd;
	char path[128];
};

static void
bfdd_send(int fd, uint8_t type, uint8_t ver, const char *json, size_t len, uint32_t claim)
{
	struct {
		uint32_t len;
		uint16_t id;
		uint8_t type, ver;
	} __attribute__((packed)) h = { htonl(claim), 0, type, ver };

	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	if (len)
		assert_int_equal(write(fd, json, len), (ssize_t)len);
}

static void
bfdd_json(int fd, const char *json)
{
	bfdd_send(fd, 4, 1, json, strlen(json), (uint32_t)strlen(json));
}

static int lost_calls;
static uint32_t last_addr;

static void
on_notify(void *arg, uint32_t peer, bool up, const char *state)
{
	calls++;
	last_addr = peer;
}

static void
on_lost(void *arg)
{
	lost_calls++;
	event_base_loopbreak(arg);
}

static void
run_loop(struct event_base *base)
{
	struct timeval tv = { 0, 200000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static void
test_bfd_socket_garbage(void **unused)
{
	char dir[] = "/tmp/bfdhostileXXXXXX", path[64];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct event_base *base = event_base_new();
	struct bfd_notify *n;
	char req[16];
	int lfd, fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bfdd.sock", dir);
	strcpy(sun.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	n = bfd_notify_open(base, path, on_notify, on_lost, base);
	assert_non_null(n);
	fd = accept(lfd, NULL, NULL);
	assert_int_equal(read(fd, req, sizeof(req)), 16);       /* the subscription */
	calls = 0;
	bfdd_send(fd, 1, 1, "{\"status\":\"ok\"}", 15, 15);     /* the answer */
	bfdd_json(fd, "{\"op\":\"status\",\"peer-address\":null,\"state\":\"down\"}");
	bfdd_json(fd, "{\"op\":null}");
	bfdd_json(fd, "{\"op\":\"status\",\"peer-address\":\"169.254.10.1\",\"state\":null}");
	bfdd_json(fd, "not json");
	bfdd_send(fd, 4, 1, "", 0, 0);                           /* empty */
	bfdd_send(fd, 9, 1, "{}", 2, 2);                         /* unknown type */
	/* a NUL inside: the text before it is a valid notification */
	static const char nul[] = "{\"op\":\"status\",\"peer-address\":\"169.254.10.9\","
				  "\"state\":\"up\"}\0garbage";
	bfdd_send(fd, 4, 1, nul, sizeof(nul) - 1, sizeof(nul) - 1);
	bfdd_json(fd, "{\"op\":\"status\",\"peer-address\":\"169.254.10.5\",\"state\":\"up\"}");
	run_loop(base);
	assert_int_equal(calls, 1);     /* only the last one */
	assert_int_equal(last_addr, 0xa9fe0a05u);
	assert_int_equal(lost_calls, 0);
	/* a length over the limit breaks the framing: lost, once */
	bfdd_send(fd, 4, 1, "", 0, BFD_NOTIFY_MSG_MAX + 1);
	run_loop(base);
	assert_int_equal(lost_calls, 1);
	bfd_notify_close(n);
	close(fd);
	close(lfd);
	unlink(sun.sun_path);
	rmdir(dir);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_nulls),
		cmocka_unit_test(test_bfd_peers_nulls),
		cmocka_unit_test(test_bfd_notify_nulls),
		cmocka_unit_test(test_member_types),
		cmocka_unit_test(test_reply_limit),
		cmocka_unit_test(test_vty_endless),
		cmocka_unit_test(test_bfd_socket_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
