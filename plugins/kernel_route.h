/*
 * kernel_route.h - the FIB listener of the netlink kernel backend.
 *
 * Watches rtnetlink (groups IPv4 route, nexthop, link) on the core's event
 * loop and notifies RD_OBS_FIB when an IPv4 route of the main table starts,
 * stops or changes going via tunnels (links named ipsecN). Kernel-made
 * (connected) routes, other tables and non-unicast routes are ignored; so is
 * every route that neither goes nor went via a tunnel. Only real changes are
 * reported: a notification that leaves a route's tunnels as they were is
 * dropped. A route that comes back after a time without a tunnel route is
 * reported with where it was and for how long it had none (the table keeps
 * the last 1024 removed routes for that). What the kernel does without telling (IPv4 flushes the routes
 * and nexthop objects of a link set down without a message) is inferred
 * from the link's own message. A route given by nexthop object (nhid) is
 * resolved through the nexthop objects seen (compat mode off) or through
 * the expanded oif the kernel adds (nexthop_compat_mode=1, the default).
 *
 * The parsers and the route table are pure (no I/O) for the unit tests.
 */
#ifndef ROUTERD_KERNEL_ROUTE_H
#define ROUTERD_KERNEL_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/plugin.h"

struct nlmsghdr;
struct event_base;

/* One RTM_NEWROUTE / RTM_DELROUTE. */
struct kr_route {
	bool del;
	uint32_t dst;                   /* host order */
	uint8_t plen, type, protocol;
	uint32_t table, priority, nhid;
	int oif[RD_FIB_MAXVIA];         /* RTA_OIF or the RTA_MULTIPATH hops */
	unsigned noif;
};

/* One RTM_NEWNEXTHOP / RTM_DELNEXTHOP. */
struct kr_nh {
	bool del;
	uint32_t id;
	int oif;                        /* 0: none (group, blackhole) */
	uint32_t group[RD_FIB_MAXVIA];  /* member ids of a group */
	unsigned ngroup;
};

/* One RTM_NEWLINK / RTM_DELLINK. */
struct kr_link {
	int ifindex;
	bool up;                        /* IFF_UP and not deleted */
};

/* Parse; 0 ok, 1 not for us (another family, not this type), -EINVAL malformed. */
int kr_parse_route(const struct nlmsghdr *nlh, struct kr_route *r);
int kr_parse_nh(const struct nlmsghdr *nlh, struct kr_nh *nh);
int kr_parse_link(const struct nlmsghdr *nlh, struct kr_link *l);

/* ipsecN -> N; anything else 0. */
uint32_t kr_ifname_ifnum(const char *name);

/* The routes via tunnels and the nexthop objects, with the way to report. */
struct kr_entry;
struct kr_nhent;
struct kr_table {
	struct kr_entry *e;
	size_t n, cap;
	struct kr_nhent *nh;
	size_t nnh, capnh;
	uint32_t (*ifnum_of)(void *arg, int ifindex);  /* tunnel ifnum, 0: not a tunnel */
	void *ifnum_arg;
	rd_notify_fn notify;
	void *notify_arg;
	bool quiet;                     /* learning (initial dump): no reports */
	uint64_t now_ms;                /* the caller's clock for this batch (monotonic) */
};

void kr_table_route(struct kr_table *t, const struct kr_route *r);
void kr_table_nh(struct kr_table *t, const struct kr_nh *nh);
void kr_table_link(struct kr_table *t, const struct kr_link *l);
/* Any of the three messages above (others are ignored). */
void kr_table_msg(struct kr_table *t, const struct nlmsghdr *nlh);
/* End of a batch of messages: report the deleted routes (a delete and an add
 * of the same route within one batch are reported as one move). */
void kr_table_flush(struct kr_table *t);
void kr_table_free(struct kr_table *t);

/* "10.20.0.0/16 now via ipsec11 (was ipsec10)", "... no longer via a tunnel
 * (was ipsec10)", "... now via ipsec10+ipsec11 (was none)", "... now via
 * ipsec11 (was ipsec10, none for 78 ms)"; snprintf's return. */
int kr_format(char *buf, size_t len, const struct rd_obs *obs);

/* The listener on the loop: dumps nexthops and routes quietly first. */
struct kroute;
int kroute_start(struct event_base *base, rd_notify_fn notify, void *arg, struct kroute **out);
void kroute_stop(struct kroute *kr);    /* NULL is fine */

#endif
