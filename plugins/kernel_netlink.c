/*
 * kernel_netlink.c - the kernel backend over rtnetlink (libnl-route-3).
 *
 * Puts a tunnel's inside address on ipsec<ifnum>, removes it, and reads the
 * link's byte counters. Both are idempotent one-shot requests on a socket
 * opened in init(), so they act in the network namespace routerd was in
 * when it called init(). The optional XFRM SA listener lives in kernel_xfrm.c,
 * the FIB listener (routes via tunnels -> RD_OBS_FIB) in kernel_route.c.
 * Returns 0 or -errno (plugin.h convention).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "plugins/kernel_route.h"
#include "plugins/kernel_xfrm.h"
#include "plugins/plugin.h"
#include "routerd/log.h"

struct knl {
	struct nl_sock *sk;             /* NETLINK_ROUTE requests */
	struct kxfrm *xfrm;             /* SA listener, NULL when not running */
	struct kroute *route;           /* FIB listener, NULL when not running */
};

/* libnl's error codes to errno; what is not listed is -EIO. */
static int
nl2errno(int nlerr)
{
	static const struct { int nle, err; } map[] = {
		{ NLE_EXIST, EEXIST }, { NLE_OBJ_NOTFOUND, ENODEV }, { NLE_NODEV, ENODEV },
		{ NLE_NOADDR, EADDRNOTAVAIL }, { NLE_PERM, EPERM }, { NLE_NOMEM, ENOMEM },
		{ NLE_INVAL, EINVAL }, { NLE_BUSY, EBUSY }, { NLE_AGAIN, EAGAIN },
		{ NLE_OPNOTSUPP, EOPNOTSUPP }, { NLE_RANGE, ERANGE }, { NLE_AF_NOSUPPORT, EAFNOSUPPORT },
	};

	if (nlerr < 0)
		nlerr = -nlerr;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].nle == nlerr)
			return -map[i].err;
	return -EIO;
}

/* The link ipsec<ifnum> fresh from the kernel; -ENODEV if it does not exist. */
static int
get_link(struct knl *k, uint32_t ifnum, struct rtnl_link **link)
{
	char name[32];
	int err;

	snprintf(name, sizeof(name), "ipsec%u", ifnum);
	err = rtnl_link_get_kernel(k->sk, 0, name, link);
	return err < 0 ? nl2errno(err) : 0;
}

/* An IPv4 rtnl_addr addr/plen on ifindex; NULL when out of memory. */
static struct rtnl_addr *
build_addr(int ifindex, uint32_t addr, uint8_t plen)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	uint32_t be = htonl(addr);
	struct nl_addr *local = nl_addr_build(AF_INET, &be, sizeof(be));

	if (a == NULL || local == NULL) {
		rtnl_addr_put(a);
		nl_addr_put(local);
		return NULL;
	}
	nl_addr_set_prefixlen(local, plen);
	rtnl_addr_set_family(a, AF_INET);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, plen);
	nl_addr_put(local);
	return a;
}

/* Add (add=1) or delete addr/plen on ipsec<ifnum>; an address already in the
 * wanted state is success. Deleting from an absent link is success too. */
static int
addr_change(void *state, uint32_t ifnum, uint32_t addr, uint8_t plen, int add)
{
	struct knl *k = state;
	struct rtnl_link *link = NULL;
	struct rtnl_addr *a;
	int err;

	if (plen > 32)
		return -EINVAL;
	err = get_link(k, ifnum, &link);
	if (err < 0)
		return (!add && err == -ENODEV) ? 0 : err;
	a = build_addr(rtnl_link_get_ifindex(link), addr, plen);
	rtnl_link_put(link);
	if (a == NULL)
		return -ENOMEM;
	err = add ? rtnl_addr_add(k->sk, a, 0) : rtnl_addr_delete(k->sk, a, 0);
	rtnl_addr_put(a);
	if (err < 0) {
		err = nl2errno(err);
		if ((add && err == -EEXIST) || (!add && err == -EADDRNOTAVAIL))
			err = 0;
	}
	return err;
}

static int
knl_addr_add(void *state, uint32_t ifnum, uint32_t addr, uint8_t plen)
{
	return addr_change(state, ifnum, addr, plen, 1);
}

static int
knl_addr_del(void *state, uint32_t ifnum, uint32_t addr, uint8_t plen)
{
	return addr_change(state, ifnum, addr, plen, 0);
}

/* Set ipsec<ifnum> administratively up or down (already so: success). */
static int
knl_link_set(void *state, uint32_t ifnum, bool up)
{
	struct knl *k = state;
	struct rtnl_link *link = NULL, *change;
	int err = get_link(k, ifnum, &link);

	if (err < 0)
		return err;
	if (((rtnl_link_get_flags(link) & IFF_UP) != 0) == up) {
		rtnl_link_put(link);
		return 0;
	}
	change = rtnl_link_alloc();
	if (change == NULL) {
		rtnl_link_put(link);
		return -ENOMEM;
	}
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	err = rtnl_link_change(k->sk, link, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(link);
	return err < 0 ? nl2errno(err) : 0;
}

/* Bytes received (after decryption) and sent (before encryption) on ipsec<ifnum>. */
static int
knl_counters(void *state, uint32_t ifnum, uint64_t *in, uint64_t *out)
{
	struct rtnl_link *link = NULL;
	int err = get_link(state, ifnum, &link);

	if (err < 0)
		return err;
	*in = rtnl_link_get_stat(link, RTNL_LINK_RX_BYTES);
	*out = rtnl_link_get_stat(link, RTNL_LINK_TX_BYTES);
	rtnl_link_put(link);
	return 0;
}

/* Open the route socket; start the SA listener when there is an event loop
 * (a listener that cannot start is logged and skipped: it only adds speed). */
static int
knl_init(const struct rd_backend_env *env, void **state)
{
	struct knl *k = calloc(1, sizeof(*k));
	int err;

	if (k == NULL)
		return -ENOMEM;
	k->sk = nl_socket_alloc();
	if (k->sk == NULL) {
		free(k);
		return -ENOMEM;
	}
	err = nl_connect(k->sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(k->sk);
		free(k);
		return nl2errno(err);
	}
	if (env != NULL && env->base != NULL && env->notify != NULL) {
		err = kxfrm_start(env->base, env->notify, env->arg, &k->xfrm);
		if (err < 0)
			log_warnx("kernel: XFRM SA listener not started (%s); relying on updown and polling",
				  strerror(-err));
		err = kroute_start(env->base, env->notify, env->arg, &k->route);
		if (err < 0)
			log_warnx("kernel: FIB listener not started (%s); FIB changes are not logged",
				  strerror(-err));
	}
	*state = k;
	return 0;
}

static void
knl_fini(void *state)
{
	struct knl *k = state;

	if (k == NULL)
		return;
	kxfrm_stop(k->xfrm);
	kroute_stop(k->route);
	nl_socket_free(k->sk);
	free(k);
}

const struct rd_kernel_ops rd_kernel_netlink = {
	.name = "netlink",
	.init = knl_init,
	.addr_add = knl_addr_add,
	.addr_del = knl_addr_del,
	.counters = knl_counters,
	.link_set = knl_link_set,
	.fini = knl_fini,
};
