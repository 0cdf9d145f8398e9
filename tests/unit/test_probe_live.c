/*
 * test_probe_live.c - the prober on a real ICMP socket and a real event
 * loop: a LAN check on 127.0.0.1 comes up, one on an address nobody
 * answers (198.18.0.99, no route in the test's own network namespace) goes
 * down and gates its prefix, and a tunnel probe (its ipsecN absent: sent
 * with the inside address as source) reaches the tunnel FSM. Skipped (77)
 * without an ICMP socket or a network namespace of its own (not root).
 * The core is stubbed (core_schedule); core_base.c is the real one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "routerd/core.h"
#include "routerd/log.h"
#include "routerd/probe.h"

static struct core C;
static int scheduled;

void
core_schedule(struct core *c)
{
	(void)c;
	scheduled++;
}

static const char *text =
	"gateway { asn 64512 outside 192.0.2.1\n"
	"  prefixes { 10.0.0.0/16 10.1.0.0/16 }\n"
	"  check \"lo\" { ping 127.0.0.1 interval 100 rise 2 fall 2 prefixes { 10.0.0.0/16 } }\n"
	"  check \"void\" { ping 198.18.0.99 interval 100 rise 2 fall 2 prefixes { 10.1.0.0/16 } }\n"
	"}\n"
	"peer \"p\" { address 198.51.100.1 asn 65001 }\n"
	"connection \"c\" { peer \"p\"\n"
	"  tunnel \"t1\" { interface 9990 inside 169.254.99.1/30 psk \"abcdefgh1\" bfd no\n"
	"                probe 169.254.99.1 interval 100 rise 2 fall 2 }\n"
	"  tunnel \"t2\" { interface 9991 inside 169.254.99.5/30 psk \"abcdefgh2\" bfd no probe no }\n"
	"}\n";

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

static void
run_for(struct event_base *base, int ms)
{
	struct timeval tv = { ms / 1000, ms % 1000 * 1000 };
	struct event *ev = evtimer_new(base, stop_cb, base);

	evtimer_add(ev, &tv);
	event_base_dispatch(base);
	event_free(ev);
}

static void
test_live(void **st)
{
	struct event_base *base = event_base_new();
	struct rd_config *cfg;
	struct probe_info pi;
	const bool *ok;
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);

	if (fd < 0)
		fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (fd < 0)
		skip();
	close(fd);
	/* Our own network: lo up with the tunnel's inside address on it (the
	 * tunnel probe pings it from it), no route to 198.18.0.99. */
	if (unshare(CLONE_NEWNET) != 0 ||
	    system("ip link set lo up && ip addr add 169.254.99.1/32 dev lo") != 0)
		skip();
	assert_int_equal(conf_load_buffer("t.conf", text, strlen(text), conf_err_stderr, NULL, &cfg), 0);
	memset(&C, 0, sizeof(C));
	C.base = base;
	C.cfg = cfg;
	C.tun = calloc(cfg->nconns, sizeof(*C.tun));
	for (size_t j = 0; j < 2; j++)
		tunnel_init(&C.tun[0][j], &cfg->conns[0], &cfg->conns[0].tunnels[j], core_now_ms());
	C.tun[0][0].obs.child_up = true;        /* the IPsec SA is "up": probe it */
	probe_sync(&C);
	run_for(base, 900);

	ok = probe_check_ok(&C);
	assert_non_null(ok);
	assert_true(probe_check_info(&C, 0, &pi));
	assert_int_equal(pi.fsm->verdict, PROBE_UP);
	assert_true(pi.fsm->received >= 2);
	assert_true(ok[0]);
	assert_true(probe_check_info(&C, 1, &pi));
	assert_int_equal(pi.fsm->verdict, PROBE_DOWN);
	assert_false(ok[1]);
	assert_true(probe_tunnel_info(&C, 9990, &pi));
	assert_int_equal(pi.fsm->verdict, PROBE_UP);
	assert_int_equal(pi.source, 0xa9fe6301);
	assert_true(C.tun[0][0].probe_seen_up);
	assert_false(probe_tunnel_info(&C, 9991, &pi));
	assert_true(scheduled > 0);

	/* No IPsec SA: the tunnel probe stops and forgets its verdict. */
	C.tun[0][0].obs.child_up = false;
	run_for(base, 300);
	assert_true(probe_tunnel_info(&C, 9990, &pi));
	assert_int_equal(pi.fsm->verdict, PROBE_UNKNOWN);

	/* Reload with the same checks keeps their history. */
	probe_sync(&C);
	assert_true(probe_check_info(&C, 1, &pi));
	assert_int_equal(pi.fsm->verdict, PROBE_DOWN);
	assert_false(probe_check_ok(&C)[1]);

	probe_stop(&C);
	free(C.tun);
	conf_free(cfg);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live),
	};

	log_init("test_probe_live", 1, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
