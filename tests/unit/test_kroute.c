/*
 * test_kroute.c - the FIB listener's parsers, route table and log text, on
 * rtnetlink messages built here (no kernel): what is reported, what is a
 * repeat, nexthop objects and groups, links going down, del+add as a move.
 * Fake links: ifindex >= 10 is ipsec<ifindex>, below is not a tunnel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "plugins/kernel_route.h"

#define P_10_20 0x0a140000u     /* 10.20.0.0 */

static struct rd_obs got[16];
static char why[16][48];
static int ngot;

static void
record(void *arg, const struct rd_obs *o)
{
	(void)arg;
	assert_true(ngot < 16);
	got[ngot] = *o;
	snprintf(why[ngot], sizeof(why[0]), "%s", o->reason ? o->reason : "");
	got[ngot].reason = why[ngot];
	ngot++;
}

static uint32_t
fake_ifnum(void *arg, int ifindex)
{
	(void)arg;
	return ifindex >= 10 ? (uint32_t)ifindex : 0;
}

static struct kr_table tab;

static int
setup(void **st)
{
	(void)st;
	memset(&tab, 0, sizeof(tab));
	tab.ifnum_of = fake_ifnum;
	tab.notify = record;
	ngot = 0;
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	kr_table_free(&tab);
	return 0;
}

struct rt {
	int type;               /* RTM_NEWROUTE / RTM_DELROUTE */
	uint32_t dst;
	uint8_t plen;
	int oif;                /* 0: none */
	uint32_t nhid;
	int mp[2];              /* multipath hops (0: unused) */
	uint8_t table, proto, rtype, family;
};

static struct nl_msg *
route_msg(const struct rt *r)
{
	struct nl_msg *m = nlmsg_alloc_simple(r->type, 0);
	struct rtmsg rtm = {
		.rtm_family = r->family ? r->family : AF_INET, .rtm_dst_len = r->plen,
		.rtm_table = r->table ? r->table : RT_TABLE_MAIN,
		.rtm_protocol = r->proto ? r->proto : RTPROT_BGP,
		.rtm_type = r->rtype ? r->rtype : RTN_UNICAST,
	};

	assert_non_null(m);
	assert_int_equal(nlmsg_append(m, &rtm, sizeof(rtm), NLMSG_ALIGNTO), 0);
	nla_put_u32(m, RTA_TABLE, rtm.rtm_table);
	nla_put_u32(m, RTA_DST, htonl(r->dst));
	nla_put_u32(m, RTA_PRIORITY, 20);
	if (r->nhid)
		nla_put_u32(m, RTA_NH_ID, r->nhid);
	if (r->oif)
		nla_put_u32(m, RTA_OIF, (uint32_t)r->oif);
	if (r->mp[0]) {
		struct rtnexthop hops[2];
		int n = r->mp[1] ? 2 : 1;

		memset(hops, 0, sizeof(hops));
		for (int i = 0; i < n; i++) {
			hops[i].rtnh_len = sizeof(hops[i]);
			hops[i].rtnh_ifindex = r->mp[i] < 0 ? -r->mp[i] : r->mp[i];
			hops[i].rtnh_flags = r->mp[i] < 0 ? RTNH_F_DEAD : 0;
		}
		nla_put(m, RTA_MULTIPATH, (int)(n * sizeof(hops[0])), hops);
	}
	return m;
}

static void
feed_route(const struct rt *r)
{
	struct nl_msg *m = route_msg(r);

	kr_table_msg(&tab, nlmsg_hdr(m));
	nlmsg_free(m);
}

static void
feed_nh(int type, uint32_t id, int oif, const uint32_t *group, int ngroup)
{
	struct nl_msg *m = nlmsg_alloc_simple(type, 0);
	struct nhmsg nhm = { .nh_family = AF_INET };

	nlmsg_append(m, &nhm, sizeof(nhm), NLMSG_ALIGNTO);
	nla_put_u32(m, NHA_ID, id);
	if (oif)
		nla_put_u32(m, NHA_OIF, (uint32_t)oif);
	if (ngroup) {
		struct nexthop_grp g[4];

		memset(g, 0, sizeof(g));
		for (int i = 0; i < ngroup; i++)
			g[i].id = group[i];
		nla_put(m, NHA_GROUP, (int)(ngroup * sizeof(g[0])), g);
	}
	kr_table_msg(&tab, nlmsg_hdr(m));
	nlmsg_free(m);
}

static void
feed_link(int ifindex, bool up)
{
	struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex,
				 .ifi_flags = up ? IFF_UP : 0 };

	nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	kr_table_msg(&tab, nlmsg_hdr(m));
	nlmsg_free(m);
}

static void
assert_line(int i, const char *want)
{
	char buf[128];

	assert_true(i < ngot);
	kr_format(buf, sizeof(buf), &got[i]);
	assert_string_equal(buf, want);
}

static void
test_parse_route(void **st)
{
	struct rt r = { .type = RTM_NEWROUTE, .dst = P_10_20, .plen = 16, .oif = 10, .nhid = 5 };
	struct nl_msg *m = route_msg(&r);
	struct kr_route out;

	(void)st;
	assert_int_equal(kr_parse_route(nlmsg_hdr(m), &out), 0);
	assert_false(out.del);
	assert_int_equal(out.dst, P_10_20);
	assert_int_equal(out.plen, 16);
	assert_int_equal(out.table, RT_TABLE_MAIN);
	assert_int_equal(out.priority, 20);
	assert_int_equal(out.nhid, 5);
	assert_int_equal(out.noif, 1);
	assert_int_equal(out.oif[0], 10);
	nlmsg_free(m);

	r = (struct rt){ .type = RTM_DELROUTE, .dst = P_10_20, .plen = 16, .mp = { 10, -11 } };
	m = route_msg(&r);
	assert_int_equal(kr_parse_route(nlmsg_hdr(m), &out), 0);
	assert_true(out.del);
	assert_int_equal(out.noif, 1);          /* the dead hop is not a way out */
	assert_int_equal(out.oif[0], 10);
	nlmsg_free(m);

	r = (struct rt){ .type = RTM_NEWROUTE, .family = AF_INET6, .plen = 64, .oif = 10 };
	m = route_msg(&r);
	assert_int_equal(kr_parse_route(nlmsg_hdr(m), &out), 1);
	nlmsg_free(m);
}

static void
test_parse_short(void **st)
{
	struct {
		struct nlmsghdr h;
		char pad[4];
	} msg = { .h = { .nlmsg_len = NLMSG_HDRLEN + 4, .nlmsg_type = RTM_NEWROUTE } };
	struct kr_route r;
	struct kr_nh nh;
	struct kr_link l;

	(void)st;
	assert_int_equal(kr_parse_route(&msg.h, &r), -EINVAL);
	msg.h.nlmsg_type = RTM_NEWNEXTHOP;
	assert_int_equal(kr_parse_nh(&msg.h, &nh), -EINVAL);
	msg.h.nlmsg_type = RTM_NEWLINK;
	assert_int_equal(kr_parse_link(&msg.h, &l), -EINVAL);
	msg.h.nlmsg_type = RTM_NEWADDR;
	assert_int_equal(kr_parse_route(&msg.h, &r), 1);
}

static void
test_ifname(void **st)
{
	(void)st;
	assert_int_equal(kr_ifname_ifnum("ipsec10"), 10);
	assert_int_equal(kr_ifname_ifnum("ipsec7"), 7);
	assert_int_equal(kr_ifname_ifnum("ipsec"), 0);
	assert_int_equal(kr_ifname_ifnum("ipsec1x"), 0);
	assert_int_equal(kr_ifname_ifnum("ipsec+1"), 0);
	assert_int_equal(kr_ifname_ifnum("eth0"), 0);
}

/* Add, repeat, replace, move away, come back, delete: one line per change. */
static void
test_replace_and_repeats(void **st)
{
	struct rt r = { .type = RTM_NEWROUTE, .dst = P_10_20, .plen = 16, .oif = 10 };

	(void)st;
	feed_route(&r);
	feed_route(&r);                 /* the same again: nothing */
	kr_table_flush(&tab);
	assert_int_equal(ngot, 1);
	assert_line(0, "10.20.0.0/16 now via ipsec10 (was none)");
	assert_true(got[0].up);
	assert_int_equal(got[0].ifnum, 10);
	assert_string_equal(got[0].reason, "route added");

	r.oif = 11;
	feed_route(&r);
	feed_route(&r);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 2);
	assert_line(1, "10.20.0.0/16 now via ipsec11 (was ipsec10)");
	assert_int_equal(got[1].ifnum, 11);

	r.oif = 2;                      /* onto the LAN: off the tunnels */
	tab.now_ms = 1000;
	feed_route(&r);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 3);
	assert_line(2, "10.20.0.0/16 no longer via a tunnel (was ipsec11)");
	assert_false(got[2].up);
	assert_int_equal(got[2].ifnum, 11);
	assert_string_equal(got[2].reason, "route now via another device");
	feed_route(&r);                 /* still not via a tunnel: nothing */
	kr_table_flush(&tab);
	assert_int_equal(ngot, 3);

	r.oif = 10;                     /* back, 412 ms later: says from where */
	tab.now_ms = 1412;
	feed_route(&r);
	r.type = RTM_DELROUTE;
	r.oif = 0;
	feed_route(&r);
	kr_table_flush(&tab);
	feed_route(&r);                 /* deleted twice: once */
	kr_table_flush(&tab);
	assert_int_equal(ngot, 5);
	assert_line(3, "10.20.0.0/16 now via ipsec10 (was ipsec11, none for 412 ms)");
	assert_int_equal(got[3].fib_gap_ms, 412);
	assert_string_equal(got[3].reason, "route added");
	assert_line(4, "10.20.0.0/16 no longer via a tunnel (was ipsec10)");
	assert_string_equal(got[4].reason, "route deleted");
}

/* routerd's fail-closed reject route replacing the tunnel route: it left. */
static void
test_replaced_by_reject(void **st)
{
	struct rt r = { .type = RTM_NEWROUTE, .dst = P_10_20, .plen = 16, .oif = 10 };

	(void)st;
	feed_route(&r);
	kr_table_flush(&tab);
	r.oif = 0;
	r.rtype = RTN_UNREACHABLE;
	feed_route(&r);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 2);
	assert_line(1, "10.20.0.0/16 no longer via a tunnel (was ipsec10)");
	assert_string_equal(got[1].reason, "route now refused (unreachable)");
	feed_route(&r);                 /* refused again: nothing */
	kr_table_flush(&tab);
	assert_int_equal(ngot, 2);
}

/* zebra may delete and add instead of replacing: one move within a batch. */
static void
test_del_add_is_a_move(void **st)
{
	struct rt r = { .type = RTM_NEWROUTE, .dst = P_10_20, .plen = 16, .oif = 10 };

	(void)st;
	feed_route(&r);
	kr_table_flush(&tab);
	r.type = RTM_DELROUTE;
	feed_route(&r);
	r.type = RTM_NEWROUTE;
	r.oif = 11;
	feed_route(&r);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 2);
	assert_line(1, "10.20.0.0/16 now via ipsec11 (was ipsec10)");
	assert_string_equal(got[1].reason, "route deleted and added");

	r.type = RTM_DELROUTE;          /* deleted and added back as it was: nothing */
	feed_route(&r);
	r.type = RTM_NEWROUTE;
	feed_route(&r);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 2);
}

/* Not tracked: other tables, kernel (connected) routes, local, LAN routes. */
static void
test_ignored(void **st)
{
	struct rt r = { .type = RTM_NEWROUTE, .dst = 0xa9fe0a00u, .plen = 30, .oif = 10,
			.proto = RTPROT_KERNEL };

	(void)st;
	feed_route(&r);
	r = (struct rt){ .type = RTM_NEWROUTE, .dst = 0xa9fe0a01u, .plen = 32, .oif = 10,
			 .table = RT_TABLE_LOCAL, .rtype = RTN_LOCAL };
	feed_route(&r);
	r = (struct rt){ .type = RTM_NEWROUTE, .dst = P_10_20, .plen = 16, .oif = 10, .table = 100 };
	feed_route(&r);
	r = (struct rt){ .type = RTM_NEWROUTE, .dst = 0xc0a80000u, .plen = 16, .oif = 2 };
	feed_route(&r);
	r.type = RTM_DELROUTE;
	feed_route(&r);
	feed_link(10, false);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 0);
	assert_int_equal(tab.n, 0);
}

/* A route by nexthop object: resolved, followed when the object changes,
 * and the compat-mode route notification that follows is a repeat. */
static void
test_nexthop_object(void **st)
{
	struct rt r = { .type = RTM_NEWROUTE, .dst = P_10_20, .plen = 16, .nhid = 5 };

	(void)st;
	feed_nh(RTM_NEWNEXTHOP, 5, 10, NULL, 0);
	feed_route(&r);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 1);
	assert_line(0, "10.20.0.0/16 now via ipsec10 (was none)");

	feed_nh(RTM_NEWNEXTHOP, 5, 11, NULL, 0);
	r.oif = 11;                     /* what compat mode sends next */
	feed_route(&r);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 2);
	assert_line(1, "10.20.0.0/16 now via ipsec11 (was ipsec10)");
	assert_string_equal(got[1].reason, "nexthop 5 changed");

	feed_nh(RTM_DELNEXTHOP, 5, 0, NULL, 0);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 3);
	assert_line(2, "10.20.0.0/16 no longer via a tunnel (was ipsec11)");
	assert_string_equal(got[2].reason, "nexthop 5 deleted");
}

/* ECMP over a nexthop group; a member's link goes down (the kernel says
 * nothing about the route); then the last one. */
static void
test_group_and_link_down(void **st)
{
	static const uint32_t members[] = { 1, 2 };
	struct rt r = { .type = RTM_NEWROUTE, .dst = P_10_20, .plen = 16, .nhid = 7 };

	(void)st;
	feed_nh(RTM_NEWNEXTHOP, 1, 10, NULL, 0);
	feed_nh(RTM_NEWNEXTHOP, 2, 11, NULL, 0);
	feed_nh(RTM_NEWNEXTHOP, 7, 0, members, 2);
	feed_route(&r);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 1);
	assert_line(0, "10.20.0.0/16 now via ipsec10+ipsec11 (was none)");

	feed_link(10, true);            /* up: nothing */
	feed_link(10, false);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 2);
	assert_line(1, "10.20.0.0/16 now via ipsec11 (was ipsec10+ipsec11)");
	assert_string_equal(got[1].reason, "ipsec10 down");

	feed_link(11, false);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 3);
	assert_line(2, "10.20.0.0/16 no longer via a tunnel (was ipsec11)");
	assert_string_equal(got[2].reason, "ipsec11 down");
	feed_link(11, false);           /* nothing left through it */
	kr_table_flush(&tab);
	assert_int_equal(ngot, 3);
}

/* Removed routes are remembered, the oldest forgotten first, within a bound. */
static void
test_removed_bounded(void **st)
{
	struct rt r = { .type = RTM_NEWROUTE, .plen = 32, .oif = 10 };

	(void)st;
	tab.quiet = true;
	for (uint32_t i = 0; i < 1100; i++) {
		tab.now_ms = i;
		r.type = RTM_NEWROUTE;
		r.dst = 0x0a000000u + i;
		feed_route(&r);
		r.type = RTM_DELROUTE;
		feed_route(&r);
		kr_table_flush(&tab);
	}
	tab.quiet = false;
	assert_int_equal(tab.n, 1024);
	r.type = RTM_NEWROUTE;
	r.dst = 0x0a000000u + 1099;     /* remembered */
	tab.now_ms = 2000;
	feed_route(&r);
	r.dst = 0x0a000000u + 3;        /* forgotten */
	feed_route(&r);
	assert_int_equal(ngot, 2);
	assert_line(0, "10.0.4.75/32 now via ipsec10 (was ipsec10, none for 901 ms)");
	assert_line(1, "10.0.0.3/32 now via ipsec10 (was none)");
}

/* Multipath without nexthop objects, and quiet learning (the start dump). */
static void
test_multipath_and_quiet(void **st)
{
	struct rt r = { .type = RTM_NEWROUTE, .dst = P_10_20, .plen = 16, .mp = { 11, 10 } };

	(void)st;
	tab.quiet = true;
	feed_route(&r);
	kr_table_flush(&tab);
	tab.quiet = false;
	assert_int_equal(ngot, 0);
	assert_int_equal(tab.n, 1);
	r.mp[1] = 0;
	feed_route(&r);
	kr_table_flush(&tab);
	assert_int_equal(ngot, 1);
	assert_line(0, "10.20.0.0/16 now via ipsec11 (was ipsec10+ipsec11)");
}

static void
test_format_truncates(void **st)
{
	struct rd_obs o = { .kind = RD_OBS_FIB, .fib_prefix = 0xc0a80100u, .fib_plen = 24,
			    .fib_nvia = 1, .fib_via = { 3 } };
	char buf[12];

	(void)st;
	assert_int_equal(kr_format(buf, sizeof(buf), &o),
			 (int)strlen("192.168.1.0/24 now via ipsec3 (was none)"));
	assert_string_equal(buf, "192.168.1.0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_route),
		cmocka_unit_test(test_parse_short),
		cmocka_unit_test(test_ifname),
		cmocka_unit_test_setup_teardown(test_replace_and_repeats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaced_by_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_del_add_is_a_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nexthop_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_and_link_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multipath_and_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_bounded, setup, teardown),
		cmocka_unit_test(test_format_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
