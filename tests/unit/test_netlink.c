/*
 * test_netlink.c - the netlink kernel backend against the real kernel.
 *
 * The process moves into a fresh network namespace (unshare, needs root) and
 * makes "ipsec7" a veth whose peer is "ipsec8": the backend cannot tell it
 * from an XFRM interface for addresses and counters. IPv6 is disabled in the
 * namespace so no autoconfiguration traffic disturbs the byte counts.
 * Without root or ip(8) every kernel test is skipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "plugins/kernel_xfrm.h"
#include "plugins/plugin.h"

#define A_7_1 0xa9fe0701u       /* 169.254.7.1 */
#define PAYLOAD 100
#define FRAME (14 + 20 + 8 + PAYLOAD)   /* ethernet + IPv4 + UDP + payload */

static const char *skip_why;    /* set when the namespace could not be made */

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int
sh(const char *cmd)
{
	return system(cmd) == 0 ? 0 : -1;
}

/* Once: private netns with ipsec7 <-> ipsec8, both up, no IPv6. */
static int
group_setup(void **st)
{
	(void)st;
	if (unshare(CLONE_NEWNET) < 0) {
		skip_why = "unshare(CLONE_NEWNET) refused (not root?)";
		return 0;
	}
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	if (sh("ip link add ipsec7 type veth peer name ipsec8 && ip link set ipsec7 up && "
	       "ip link set ipsec8 up") < 0)
		skip_why = "cannot create a veth pair with ip(8)";
	return 0;
}

static int
setup(void **st)
{
	void *state = NULL;

	if (skip_why)
		return 0;
	assert_int_equal(rd_kernel_netlink.init(NULL, &state), 0);
	*st = state;
	return 0;
}

static int
teardown(void **st)
{
	if (!skip_why)
		rd_kernel_netlink.fini(*st);
	return 0;
}

#define NEED_KERNEL() do { if (skip_why) { print_message("skip: %s\n", skip_why); skip(); } } while (0)

/* 1 if "ip -o addr show dev DEV" lists ADDR (e.g. "169.254.7.1/30"). */
static int
has_addr(const char *dev, const char *addr)
{
	char cmd[128], line[512];
	int found = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip -o -4 addr show dev %s", dev);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (strstr(line, addr))
			found = 1;
	pclose(p);
	return found;
}

static void
test_absent_link(void **st)
{
	uint64_t in = 1, out = 1;

	NEED_KERNEL();
	assert_int_equal(rd_kernel_netlink.addr_add(*st, 99, A_7_1, 30), -ENODEV);
	assert_int_equal(rd_kernel_netlink.counters(*st, 99, &in, &out), -ENODEV);
	assert_int_equal(in, 1);        /* untouched on error */
	/* deleting from a link that is gone: the address is gone too */
	assert_int_equal(rd_kernel_netlink.addr_del(*st, 99, A_7_1, 30), 0);
}

static void
test_addr_idempotent(void **st)
{
	NEED_KERNEL();
	assert_false(has_addr("ipsec7", "169.254.7.1/30"));
	assert_int_equal(rd_kernel_netlink.addr_add(*st, 7, A_7_1, 30), 0);
	assert_true(has_addr("ipsec7", "169.254.7.1/30"));
	assert_int_equal(rd_kernel_netlink.addr_add(*st, 7, A_7_1, 30), 0);     /* EEXIST is success */
	assert_false(has_addr("ipsec8", "169.254.7.1"));
	assert_int_equal(rd_kernel_netlink.addr_del(*st, 7, A_7_1, 30), 0);
	assert_false(has_addr("ipsec7", "169.254.7.1/30"));
	assert_int_equal(rd_kernel_netlink.addr_del(*st, 7, A_7_1, 30), 0);     /* already gone */
	assert_int_equal(rd_kernel_netlink.addr_add(*st, 7, A_7_1, 33), -EINVAL);
}

/* True when `ip link show DEV` has the UP flag. */
static int
link_is_up(const char *dev)
{
	char cmd[128], line[512];
	int up = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip -o link show dev %s", dev);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fgets(line, sizeof(line), p))
		up = strstr(line, ",UP") != NULL || strstr(line, "<UP") != NULL;
	pclose(p);
	return up;
}

static void
test_link_set(void **st)
{
	NEED_KERNEL();
	assert_int_equal(rd_kernel_netlink.link_set(*st, 99, true), -ENODEV);
	assert_int_equal(rd_kernel_netlink.link_set(*st, 7, false), 0);
	assert_false(link_is_up("ipsec7"));
	assert_int_equal(rd_kernel_netlink.link_set(*st, 7, false), 0);         /* idempotent */
	assert_int_equal(rd_kernel_netlink.link_set(*st, 7, true), 0);
	assert_true(link_is_up("ipsec7"));
	assert_int_equal(rd_kernel_netlink.link_set(*st, 7, true), 0);
}

/* Send n UDP datagrams out of ipsec7 to 169.254.7.2 (static neighbour). */
static void
send_udp(int n)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9) };
	char buf[PAYLOAD] = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	dst.sin_addr.s_addr = htonl(A_7_1 + 1);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "ipsec7", 7), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&dst, sizeof(dst)),
				 (ssize_t)sizeof(buf));
	close(fd);
}

/* The counters move by exactly the frames sent: out on ipsec7, in on ipsec8. */
static void
test_counters(void **st)
{
	uint64_t in7, out7, in8, out8, in7b, out7b, in8b, out8b;

	NEED_KERNEL();
	assert_int_equal(rd_kernel_netlink.addr_add(*st, 7, A_7_1, 30), 0);
	assert_int_equal(sh("ip neigh replace 169.254.7.2 lladdr 02:00:00:00:07:02 nud permanent dev ipsec7"), 0);
	assert_int_equal(rd_kernel_netlink.counters(*st, 7, &in7, &out7), 0);
	assert_int_equal(rd_kernel_netlink.counters(*st, 8, &in8, &out8), 0);
	send_udp(5);
	assert_int_equal(rd_kernel_netlink.counters(*st, 7, &in7b, &out7b), 0);
	assert_int_equal(rd_kernel_netlink.counters(*st, 8, &in8b, &out8b), 0);
	assert_int_equal(out7b - out7, 5 * FRAME);
	assert_int_equal(in8b - in8, 5 * FRAME);
	assert_int_equal(in7b - in7, 0);
	assert_int_equal(out8b - out8, 0);
	assert_int_equal(rd_kernel_netlink.addr_del(*st, 7, A_7_1, 30), 0);
}

static void
test_reqid_map(void **st)
{
	(void)st;
	assert_int_equal(kxfrm_reqid_ifnum(0), 0);
	assert_int_equal(kxfrm_reqid_ifnum(7), 7);
	assert_int_equal(kxfrm_reqid_ifnum(16383), 16383);
	assert_int_equal(kxfrm_reqid_ifnum(16384), 0);  /* libreswan's automatic reqids */
}

static void
never_notify(void *arg, const struct rd_obs *obs)
{
	(void)arg;
	fail_msg("unexpected notification for ifnum %u", obs->ifnum);
}

/* The SA listener starts on an event loop (this kernel cannot hold ESP SAs,
 * so events are exercised only in the VM) and a loop pass is quiet. */
static void
test_xfrm_listener_starts(void **st)
{
	struct event_base *base;
	struct kxfrm *kx = NULL;

	(void)st;
	NEED_KERNEL();
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(kxfrm_start(base, never_notify, NULL, &kx), 0);
	assert_non_null(kx);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	kxfrm_stop(kx);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reqid_map),
		cmocka_unit_test_setup_teardown(test_absent_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test(test_xfrm_listener_starts),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
