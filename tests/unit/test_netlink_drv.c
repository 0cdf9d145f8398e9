/*
 * test_netlink_drv.c - a tiny command-line driver of the netlink kernel backend
 * for tests/topo/netlink-test.sh (run it inside the namespace under test).
 *
 *   test_netlink_drv add IFNUM A.B.C.D/LEN
 *   test_netlink_drv del IFNUM A.B.C.D/LEN
 *   test_netlink_drv counters IFNUM          prints "in N out N"
 *   test_netlink_drv watch SECONDS           prints one line per notification:
 *                                            "child ifnum N up|down source reason"
 *                                            "fib PREFIX now via ... (was ...) [reason]"
 * Exit: 0 ok, 1 the backend returned an error (printed), 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "plugins/kernel_route.h"
#include "plugins/plugin.h"

static int
parse_prefix(const char *s, uint32_t *addr, uint8_t *plen)
{
	char buf[32], *slash;
	struct in_addr a;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*addr = ntohl(a.s_addr);
	*plen = (uint8_t)atoi(slash + 1);
	return 0;
}

static void
print_obs(void *arg, const struct rd_obs *obs)
{
	(void)arg;
	if (obs->kind == RD_OBS_FIB) {
		char line[128];

		kr_format(line, sizeof(line), obs);
		printf("fib %s [%s]\n", line, obs->reason ? obs->reason : "");
		fflush(stdout);
		return;
	}
	printf("%s ifnum %" PRIu32 " %s %s %s\n", obs->kind == RD_OBS_CHILD ? "child" : "other",
	       obs->ifnum, obs->up ? "up" : "down", obs->source, obs->reason ? obs->reason : "");
	fflush(stdout);
}

static int
watch(int seconds)
{
	struct event_base *base = event_base_new();
	struct rd_backend_env env = { .base = base, .notify = print_obs };
	struct timeval tv = { .tv_sec = seconds };
	void *st;
	int err = rd_kernel_netlink.init(&env, &st);

	if (err < 0)
		return err;
	printf("watching\n");
	fflush(stdout);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	rd_kernel_netlink.fini(st);
	event_base_free(base);
	return 0;
}

int
main(int argc, char **argv)
{
	uint32_t addr = 0, ifnum;
	uint64_t in, out;
	uint8_t plen = 0;
	void *st;
	int err;

	if (argc == 3 && strcmp(argv[1], "watch") == 0)
		err = watch(atoi(argv[2]));
	else if (argc >= 3) {
		ifnum = (uint32_t)strtoul(argv[2], NULL, 10);
		if ((argc == 4 && parse_prefix(argv[3], &addr, &plen) < 0) ||
		    rd_kernel_netlink.init(NULL, &st) < 0)
			return 2;
		if (argc == 4 && strcmp(argv[1], "add") == 0)
			err = rd_kernel_netlink.addr_add(st, ifnum, addr, plen);
		else if (argc == 4 && strcmp(argv[1], "del") == 0)
			err = rd_kernel_netlink.addr_del(st, ifnum, addr, plen);
		else if (argc == 3 && strcmp(argv[1], "counters") == 0) {
			err = rd_kernel_netlink.counters(st, ifnum, &in, &out);
			if (err == 0)
				printf("in %" PRIu64 " out %" PRIu64 "\n", in, out);
		} else {
			rd_kernel_netlink.fini(st);
			return 2;
		}
		rd_kernel_netlink.fini(st);
	} else {
		fprintf(stderr, "usage: %s add|del IFNUM ADDR/LEN | counters IFNUM | watch SECONDS\n", argv[0]);
		return 2;
	}
	if (err < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	return 0;
}
