/* kernel_route.c - IPv4 FIB changes via tunnels -> RD_OBS_FIB (see kernel_route.h). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "plugins/kernel_route.h"
#include "routerd/log.h"

#define READS_PER_WAKEUP 64

struct kr_entry {
	uint32_t dst, priority, nhid;
	uint8_t plen;
	bool gone;                      /* deleted; reported at the end of the batch */
	bool removed;                   /* reported gone: kept to say where it was */
	uint64_t removed_ms;
	bool seen;                      /* resync: present in the dump */
	char gone_why[40];
	int ifindex[RD_FIB_MAXVIA];     /* the tunnel hops, sorted by ifnum */
	uint32_t ifnum[RD_FIB_MAXVIA];
	unsigned nvia;
};

struct kr_nhent {
	uint32_t id;
	int oif;
	uint32_t group[RD_FIB_MAXVIA];
	unsigned ngroup;
};

/* --- parsers ------------------------------------------------------------- */

int
kr_parse_route(const struct nlmsghdr *nlh, struct kr_route *r)
{
	struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;

	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return 1;
	if (nlh->nlmsg_len < (uint32_t)nlmsg_size(sizeof(*rtm)))
		return -EINVAL;
	rtm = nlmsg_data(nlh);
	if (rtm->rtm_family != AF_INET)
		return 1;
	if (nlmsg_parse((struct nlmsghdr *)nlh, sizeof(*rtm), tb, RTA_MAX, NULL) < 0 ||
	    rtm->rtm_dst_len > 32)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->del = nlh->nlmsg_type == RTM_DELROUTE;
	r->plen = rtm->rtm_dst_len;
	r->type = rtm->rtm_type;
	r->protocol = rtm->rtm_protocol;
	r->table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (tb[RTA_DST]) {
		if (nla_len(tb[RTA_DST]) != 4)
			return -EINVAL;
		r->dst = ntohl(nla_get_u32(tb[RTA_DST]));
	}
	if (tb[RTA_PRIORITY])
		r->priority = nla_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_NH_ID])
		r->nhid = nla_get_u32(tb[RTA_NH_ID]);
	if (tb[RTA_MULTIPATH]) {
		const struct rtnexthop *nh = nla_data(tb[RTA_MULTIPATH]);
		int left = nla_len(tb[RTA_MULTIPATH]);

		while (RTNH_OK(nh, left) && r->noif < RD_FIB_MAXVIA) {
			if (!(nh->rtnh_flags & RTNH_F_DEAD))
				r->oif[r->noif++] = nh->rtnh_ifindex;
			left -= NLMSG_ALIGN(nh->rtnh_len);
			nh = RTNH_NEXT(nh);
		}
	} else if (tb[RTA_OIF]) {
		r->oif[r->noif++] = (int)nla_get_u32(tb[RTA_OIF]);
	}
	return 0;
}

int
kr_parse_nh(const struct nlmsghdr *nlh, struct kr_nh *nh)
{
	struct nlattr *tb[NHA_MAX + 1];
	const struct nhmsg *m;

	if (nlh->nlmsg_type != RTM_NEWNEXTHOP && nlh->nlmsg_type != RTM_DELNEXTHOP)
		return 1;
	if (nlh->nlmsg_len < (uint32_t)nlmsg_size(sizeof(*m)))
		return -EINVAL;
	m = nlmsg_data(nlh);
	if (nlmsg_parse((struct nlmsghdr *)nlh, sizeof(*m), tb, NHA_MAX, NULL) < 0 || !tb[NHA_ID])
		return -EINVAL;
	memset(nh, 0, sizeof(*nh));
	nh->del = nlh->nlmsg_type == RTM_DELNEXTHOP;
	nh->id = nla_get_u32(tb[NHA_ID]);
	if (tb[NHA_OIF])
		nh->oif = (int)nla_get_u32(tb[NHA_OIF]);
	if (tb[NHA_GROUP]) {
		const struct nexthop_grp *g = nla_data(tb[NHA_GROUP]);
		size_t n = (size_t)nla_len(tb[NHA_GROUP]) / sizeof(*g);

		for (size_t i = 0; i < n && nh->ngroup < RD_FIB_MAXVIA; i++)
			nh->group[nh->ngroup++] = g[i].id;
	}
	return 0;
}

int
kr_parse_link(const struct nlmsghdr *nlh, struct kr_link *l)
{
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return 1;
	if (nlh->nlmsg_len < (uint32_t)nlmsg_size(sizeof(*ifi)))
		return -EINVAL;
	ifi = nlmsg_data(nlh);
	l->ifindex = ifi->ifi_index;
	l->up = nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP);
	return 0;
}

uint32_t
kr_ifname_ifnum(const char *name)
{
	unsigned n;
	int end = 0;

	if (sscanf(name, "ipsec%u%n", &n, &end) != 1 || name[end] != '\0' || name[5] == '+' ||
	    name[5] == '-' || name[5] == ' ')
		return 0;
	return n;
}

/* --- the table ----------------------------------------------------------- */

static struct kr_entry *
find_entry(struct kr_table *t, uint32_t dst, uint8_t plen, uint32_t priority)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].dst == dst && t->e[i].plen == plen && t->e[i].priority == priority)
			return &t->e[i];
	return NULL;
}

static struct kr_nhent *
find_nh(struct kr_table *t, uint32_t id)
{
	for (size_t i = 0; i < t->nnh; i++)
		if (t->nh[i].id == id)
			return &t->nh[i];
	return NULL;
}

/* Add the tunnel behind oif to e's hops (kept sorted by ifnum, no duplicates). */
static void
add_hop(struct kr_table *t, struct kr_entry *e, int oif)
{
	uint32_t n = oif > 0 ? t->ifnum_of(t->ifnum_arg, oif) : 0;
	unsigned k;

	if (n == 0 || e->nvia >= RD_FIB_MAXVIA)
		return;
	for (k = 0; k < e->nvia && e->ifnum[k] < n; k++)
		;
	if (k < e->nvia && e->ifnum[k] == n)
		return;
	memmove(&e->ifnum[k + 1], &e->ifnum[k], (e->nvia - k) * sizeof(e->ifnum[0]));
	memmove(&e->ifindex[k + 1], &e->ifindex[k], (e->nvia - k) * sizeof(e->ifindex[0]));
	e->ifnum[k] = n;
	e->ifindex[k] = oif;
	e->nvia++;
}

/* The tunnels nexthop object 'id' (or its group's members) goes via. */
static void
add_nh_hops(struct kr_table *t, struct kr_entry *e, uint32_t id)
{
	struct kr_nhent *nh = find_nh(t, id);

	if (nh == NULL)
		return;
	if (nh->ngroup == 0) {
		add_hop(t, e, nh->oif);
		return;
	}
	for (unsigned i = 0; i < nh->ngroup; i++) {
		struct kr_nhent *m = find_nh(t, nh->group[i]);

		if (m != NULL)
			add_hop(t, e, m->oif);
	}
}

static bool
same_hops(const struct kr_entry *a, const struct kr_entry *b)
{
	return a->nvia == b->nvia && memcmp(a->ifnum, b->ifnum, a->nvia * sizeof(a->ifnum[0])) == 0;
}

/* Report that dst/plen went from 'was' (NULL: none) to 'now' (NULL: none). */
static void
report(struct kr_table *t, const struct kr_entry *was, const struct kr_entry *now, const char *why)
{
	const struct kr_entry *any = now ? now : was;
	struct rd_obs o = { .kind = RD_OBS_FIB, .source = "netlink", .reason = why,
			    .fib_prefix = any->dst, .fib_plen = any->plen };

	if (was && was->removed) {      /* back after a time without a tunnel route */
		uint64_t gap = t->now_ms > was->removed_ms ? t->now_ms - was->removed_ms : 0;

		o.fib_gap_ms = gap > UINT32_MAX ? UINT32_MAX : (uint32_t)(gap ? gap : 1);
	}

	if (t->quiet || t->notify == NULL)
		return;
	if (now) {
		o.fib_nvia = (uint8_t)now->nvia;
		memcpy(o.fib_via, now->ifnum, now->nvia * sizeof(o.fib_via[0]));
	}
	if (was) {
		o.fib_nwas = (uint8_t)was->nvia;
		memcpy(o.fib_was, was->ifnum, was->nvia * sizeof(o.fib_was[0]));
	}
	o.up = o.fib_nvia > 0;
	o.ifnum = o.fib_nvia ? o.fib_via[0] : o.fib_was[0];
	t->notify(t->notify_arg, &o);
}

/* Keep at most this many removed routes (the oldest go first). */
#define MAX_REMOVED 1024

static bool
trim_removed(struct kr_table *t)
{
	size_t n = 0, oldest = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (!t->e[i].removed)
			continue;
		if (n++ == 0 || t->e[i].removed_ms < t->e[oldest].removed_ms)
			oldest = i;
	}
	if (n <= MAX_REMOVED)
		return false;
	t->e[oldest] = t->e[--t->n];
	return true;
}

/* Put 'fresh' (hops resolved, nvia > 0) in place of e (NULL: new); report. */
static void
set_entry(struct kr_table *t, struct kr_entry *e, const struct kr_entry *fresh, const char *why)
{
	if (e == NULL) {
		if (t->n == t->cap) {
			size_t cap = t->cap ? 2 * t->cap : 16;
			struct kr_entry *ne = realloc(t->e, cap * sizeof(*ne));

			if (ne == NULL) {
				log_warnx("fib: out of memory, route not tracked");
				return;
			}
			t->e = ne;
			t->cap = cap;
		}
		e = &t->e[t->n++];
		report(t, NULL, fresh, why);
	} else if (e->gone) {
		/* deleted then added again in one batch: one move */
		if (!same_hops(e, fresh))
			report(t, e, fresh, "route deleted and added");
	} else if (e->removed) {
		report(t, e, fresh, why);
	} else if (!same_hops(e, fresh)) {
		report(t, e, fresh, why);
	}
	*e = *fresh;
}

void
kr_table_route(struct kr_table *t, const struct kr_route *r)
{
	struct kr_entry *e, fresh = { .dst = r->dst, .plen = r->plen, .priority = r->priority,
				      .nhid = r->nhid, .seen = true };

	bool refused = r->type == RTN_UNREACHABLE || r->type == RTN_BLACKHOLE ||
		       r->type == RTN_PROHIBIT;

	if (r->table != RT_TABLE_MAIN || (r->type != RTN_UNICAST && !refused) ||
	    r->protocol == RTPROT_KERNEL)
		return;
	e = find_entry(t, r->dst, r->plen, r->priority);
	if (refused && !r->del) {
		/* replaced by a reject route (routerd's fail-closed one) */
		if (e != NULL && !e->gone && !e->removed) {
			e->gone = true;
			snprintf(e->gone_why, sizeof(e->gone_why), "route now refused (%s)",
				 r->type == RTN_UNREACHABLE ? "unreachable" :
				 r->type == RTN_BLACKHOLE ? "blackhole" : "prohibit");
		}
		if (e != NULL)
			e->seen = true;
		return;
	}
	if (r->del) {
		if (e != NULL && !e->gone && !e->removed) {
			e->gone = true;
			snprintf(e->gone_why, sizeof(e->gone_why), "route deleted");
		}
		return;
	}
	for (unsigned i = 0; i < r->noif; i++)
		add_hop(t, &fresh, r->oif[i]);
	if (r->noif == 0 && r->nhid != 0)
		add_nh_hops(t, &fresh, r->nhid);
	if (fresh.nvia == 0) {
		/* not (or no longer) via a tunnel */
		if (e != NULL && !e->gone && !e->removed) {
			e->gone = true;
			snprintf(e->gone_why, sizeof(e->gone_why), "route now via another device");
		}
		if (e != NULL)
			e->seen = true;
		return;
	}
	set_entry(t, e, &fresh, e && !e->removed ? "route changed" : "route added");
}

/* Re-resolve the routes given by nexthop object (nhid): after a nexthop
 * object changed, the kernel tells nothing more without compat mode. */
static void
reresolve(struct kr_table *t, const char *why)
{
	for (size_t i = 0; i < t->n; i++) {
		struct kr_entry *e = &t->e[i], fresh;

		if (e->nhid == 0 || e->gone || e->removed)
			continue;
		fresh = *e;
		fresh.nvia = 0;
		add_nh_hops(t, &fresh, e->nhid);
		if (fresh.nvia == 0) {
			e->gone = true;
			snprintf(e->gone_why, sizeof(e->gone_why), "%s", why);
		} else {
			set_entry(t, e, &fresh, why);
		}
	}
}

void
kr_table_nh(struct kr_table *t, const struct kr_nh *m)
{
	struct kr_nhent *nh = find_nh(t, m->id);
	char why[40];

	if (m->del) {
		if (nh == NULL)
			return;
		*nh = t->nh[--t->nnh];
	} else {
		if (nh == NULL) {
			if (t->nnh == t->capnh) {
				size_t cap = t->capnh ? 2 * t->capnh : 16;
				struct kr_nhent *nn = realloc(t->nh, cap * sizeof(*nn));

				if (nn == NULL)
					return;
				t->nh = nn;
				t->capnh = cap;
			}
			nh = &t->nh[t->nnh++];
		}
		nh->id = m->id;
		nh->oif = m->oif;
		nh->ngroup = m->ngroup;
		memcpy(nh->group, m->group, sizeof(nh->group));
	}
	snprintf(why, sizeof(why), "nexthop %u %s", m->id, m->del ? "deleted" : "changed");
	reresolve(t, why);
}

void
kr_table_link(struct kr_table *t, const struct kr_link *l)
{
	char why[40] = "";

	if (l->up)
		return;
	/* IPv4 flushes the routes and nexthop objects through a link that goes
	 * down, and says nothing about it. */
	for (size_t i = 0; i < t->nnh;) {
		if (t->nh[i].oif == l->ifindex)
			t->nh[i] = t->nh[--t->nnh];
		else
			i++;
	}
	for (size_t i = 0; i < t->n && why[0] == '\0'; i++)
		for (unsigned k = 0; k < t->e[i].nvia; k++)
			if (t->e[i].ifindex[k] == l->ifindex)
				snprintf(why, sizeof(why), "ipsec%u down", t->e[i].ifnum[k]);
	for (size_t i = 0; i < t->n; i++) {
		struct kr_entry *e = &t->e[i], fresh;
		unsigned k, w = 0;

		if (e->gone || e->removed)
			continue;
		fresh = *e;
		for (k = 0; k < e->nvia; k++) {
			if (e->ifindex[k] == l->ifindex)
				continue;
			fresh.ifindex[w] = e->ifindex[k];
			fresh.ifnum[w++] = e->ifnum[k];
		}
		if (w == e->nvia)
			continue;
		fresh.nvia = w;
		if (w == 0) {
			e->gone = true;
			snprintf(e->gone_why, sizeof(e->gone_why), "%s", why);
		} else {
			set_entry(t, e, &fresh, why);
		}
	}
}

/* Report and drop what was deleted during the batch just read. */
void
kr_table_flush(struct kr_table *t)
{
	for (size_t i = 0; i < t->n;) {
		struct kr_entry *e = &t->e[i];

		if (!e->gone) {
			i++;
			continue;
		}
		report(t, e, NULL, e->gone_why);
		e->gone = false;
		e->removed = true;
		e->removed_ms = t->now_ms;
		i++;
	}
	while (trim_removed(t))
		;
}

void
kr_table_free(struct kr_table *t)
{
	free(t->e);
	free(t->nh);
	t->e = NULL;
	t->nh = NULL;
	t->n = t->cap = t->nnh = t->capnh = 0;
}

/* One message of either socket. */
void
kr_table_msg(struct kr_table *t, const struct nlmsghdr *nlh)
{
	struct kr_route r;
	struct kr_nh nh;
	struct kr_link l;

	if (kr_parse_route(nlh, &r) == 0)
		kr_table_route(t, &r);
	else if (kr_parse_nh(nlh, &nh) == 0)
		kr_table_nh(t, &nh);
	else if (kr_parse_link(nlh, &l) == 0)
		kr_table_link(t, &l);
}

/* --- formatting ---------------------------------------------------------- */

static int
hops_str(char *buf, size_t len, const uint32_t *ifnum, unsigned n)
{
	int w = 0;

	if (len)
		buf[0] = '\0';
	if (n == 0)
		return snprintf(buf, len, "none");
	for (unsigned i = 0; i < n; i++) {
		int k = snprintf(buf + w, (size_t)w < len ? len - (size_t)w : 0, "%sipsec%u",
				 i ? "+" : "", ifnum[i]);

		if (k < 0)
			return k;
		w += k;
	}
	return w;
}

int
kr_format(char *buf, size_t len, const struct rd_obs *o)
{
	char via[64], was[64];
	uint32_t p = o->fib_prefix;

	hops_str(via, sizeof(via), o->fib_via, o->fib_nvia);
	hops_str(was, sizeof(was), o->fib_was, o->fib_nwas);
	if (o->fib_gap_ms && o->fib_nvia)
		return snprintf(buf, len, "%u.%u.%u.%u/%u now via %s (was %s, none for %u ms)",
				p >> 24, (p >> 16) & 255, (p >> 8) & 255, p & 255, o->fib_plen, via, was,
				o->fib_gap_ms);
	if (o->fib_nvia == 0)
		return snprintf(buf, len, "%u.%u.%u.%u/%u no longer via a tunnel (was %s)",
				p >> 24, (p >> 16) & 255, (p >> 8) & 255, p & 255, o->fib_plen, was);
	return snprintf(buf, len, "%u.%u.%u.%u/%u now via %s (was %s)", p >> 24, (p >> 16) & 255,
			(p >> 8) & 255, p & 255, o->fib_plen, via, was);
}

/* --- the listener -------------------------------------------------------- */

struct kroute {
	struct nl_sock *ev_sk;          /* multicast: route, nexthop, link */
	struct nl_sock *dump_sk;        /* dumps at start and after an overflow */
	struct event *ev;
	struct kr_table tab;
};

static uint32_t
sys_ifnum(void *arg, int ifindex)
{
	char name[IF_NAMESIZE];

	(void)arg;
	return if_indextoname((unsigned)ifindex, name) ? kr_ifname_ifnum(name) : 0;
}

static int
on_msg(struct nl_msg *msg, void *arg)
{
	kr_table_msg(arg, nlmsg_hdr(msg));
	return NL_OK;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
dump(struct kroute *kr, int type)
{
	struct rtmsg rtm = { .rtm_family = AF_INET };
	struct nhmsg nhm = { .nh_family = AF_UNSPEC };
	int err = type == RTM_GETNEXTHOP
			  ? nl_send_simple(kr->dump_sk, type, NLM_F_DUMP, &nhm, sizeof(nhm))
			  : nl_send_simple(kr->dump_sk, type, NLM_F_DUMP, &rtm, sizeof(rtm));

	if (err >= 0)
		err = nl_recvmsgs_default(kr->dump_sk);
	return err < 0 ? err : 0;
}

/* Learn everything afresh (quiet at start; after an overflow, reporting
 * what differs, routes missing from the dump as deleted). */
static void
resync(struct kroute *kr, bool quiet)
{
	int err;

	kr->tab.quiet = quiet;
	kr->tab.now_ms = mono_ms();
	kr->tab.nnh = 0;
	for (size_t i = 0; i < kr->tab.n; i++)
		kr->tab.e[i].seen = false;
	if ((err = dump(kr, RTM_GETNEXTHOP)) < 0)
		log_debug("fib: nexthop dump: %s", nl_geterror(err));
	if ((err = dump(kr, RTM_GETROUTE)) < 0) {
		log_warnx("fib: route dump: %s", nl_geterror(err));
	} else {
		for (size_t i = 0; i < kr->tab.n; i++)
			if (!kr->tab.e[i].seen && !kr->tab.e[i].gone && !kr->tab.e[i].removed) {
				kr->tab.e[i].gone = true;
				snprintf(kr->tab.e[i].gone_why, sizeof(kr->tab.e[i].gone_why),
					 "route gone (resync)");
			}
	}
	kr_table_flush(&kr->tab);
	kr->tab.quiet = false;
}

static void
readable(evutil_socket_t fd, short what, void *arg)
{
	struct kroute *kr = arg;
	int err = 0;

	(void)fd;
	(void)what;
	kr->tab.now_ms = mono_ms();
	for (int i = 0; i < READS_PER_WAKEUP && err >= 0; i++)
		err = nl_recvmsgs_default(kr->ev_sk);
	kr_table_flush(&kr->tab);
	if (err == -NLE_NOMEM) {        /* ENOBUFS: notifications were lost */
		log_warnx("fib: route notifications lost (socket overflow); re-reading the FIB");
		resync(kr, false);
	} else if (err < 0 && err != -NLE_AGAIN) {
		log_warnx("fib: reading route notifications: %s", nl_geterror(err));
	}
}

static struct nl_sock *
open_sock(struct kroute *kr)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk == NULL)
		return NULL;
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, &kr->tab);
	if (nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

int
kroute_start(struct event_base *base, rd_notify_fn notify, void *arg, struct kroute **out)
{
	struct kroute *kr = calloc(1, sizeof(*kr));
	int err;

	*out = NULL;
	if (kr == NULL)
		return -ENOMEM;
	kr->tab.ifnum_of = sys_ifnum;
	kr->tab.notify = notify;
	kr->tab.notify_arg = arg;
	kr->ev_sk = open_sock(kr);
	kr->dump_sk = open_sock(kr);
	if (kr->ev_sk == NULL || kr->dump_sk == NULL) {
		kroute_stop(kr);
		return -EIO;
	}
	/* Subscribe before the dump: what changes in between is seen twice at
	 * worst, and the table drops repeats. Joining needs no privilege. */
	err = nl_socket_add_memberships(kr->ev_sk, RTNLGRP_IPV4_ROUTE, RTNLGRP_LINK, 0);
	if (err == 0 && nl_socket_add_memberships(kr->ev_sk, RTNLGRP_NEXTHOP, 0) < 0)
		log_debug("fib: no nexthop group in this kernel");
	if (err == 0)
		err = nl_socket_set_nonblocking(kr->ev_sk);
	if (err < 0) {
		log_warnx("fib: route listener: %s", nl_geterror(err));
		kroute_stop(kr);
		return -EIO;
	}
	nl_socket_set_buffer_size(kr->ev_sk, 1 << 20, 0);
	resync(kr, true);
	kr->ev = event_new(base, nl_socket_get_fd(kr->ev_sk), EV_READ | EV_PERSIST, readable, kr);
	if (kr->ev == NULL || event_add(kr->ev, NULL) < 0) {
		kroute_stop(kr);
		return -ENOMEM;
	}
	log_debug("fib: listening; %zu route(s) via tunnels, %zu nexthop object(s)", kr->tab.n,
		  kr->tab.nnh);
	*out = kr;
	return 0;
}

void
kroute_stop(struct kroute *kr)
{
	if (kr == NULL)
		return;
	if (kr->ev)
		event_free(kr->ev);
	nl_socket_free(kr->ev_sk);
	nl_socket_free(kr->dump_sk);
	kr_table_free(&kr->tab);
	free(kr);
}
