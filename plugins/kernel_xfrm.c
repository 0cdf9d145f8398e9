/* kernel_xfrm.c - XFRM SA delete/expire events -> RD_OBS_CHILD down. */
#include <errno.h>
#include <stdlib.h>

#include <event2/event.h>
#include <linux/xfrm.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/xfrm/sa.h>

#include "plugins/kernel_xfrm.h"
#include "routerd/log.h"

#define RD_REQID_MANUAL_MAX 16383u      /* libreswan: manual reqids are 1..0x3fff */

struct kxfrm {
	struct nl_cache_mngr *mngr;
	struct nl_cache *sa_cache;
	struct event *ev;
	rd_notify_fn notify;
	void *arg;
};

uint32_t
kxfrm_reqid_ifnum(uint32_t reqid)
{
	return reqid >= 1 && reqid <= RD_REQID_MANUAL_MAX ? reqid : 0;
}

struct reqid_count {
	uint32_t reqid;
	unsigned n;
};

static void
count_reqid(struct nl_object *obj, void *data)
{
	struct reqid_count *rc = data;

	if ((uint32_t)xfrmnl_sa_get_reqid((struct xfrmnl_sa *)obj) == rc->reqid)
		rc->n++;
}

/* Cache change: the object of a delete or hard expire has already left the
 * cache, so the tunnel is down when no SA with its reqid remains. */
static void
sa_change(struct nl_cache *cache, struct nl_object *obj, int action, void *data)
{
	struct kxfrm *kx = data;
	struct xfrmnl_sa *sa = (struct xfrmnl_sa *)obj;
	struct reqid_count rc = { .reqid = (uint32_t)xfrmnl_sa_get_reqid(sa) };
	uint32_t ifnum = kxfrm_reqid_ifnum(rc.reqid);
	int expired = nl_object_get_msgtype(obj) == XFRM_MSG_EXPIRE;
	struct rd_obs obs = {
		.kind = RD_OBS_CHILD, .ifnum = ifnum, .up = false, .source = "xfrm",
		.reason = expired ? "last IPsec SA hard-expired" : "last IPsec SA deleted",
	};

	if (action != NL_ACT_DEL || ifnum == 0)
		return;
	nl_cache_foreach(cache, count_reqid, &rc);
	log_debug("xfrm: SA spi 0x%x reqid %u %s, %u left", xfrmnl_sa_get_spi(sa), rc.reqid,
		  expired ? "expired" : "deleted", rc.n);
	if (rc.n == 0)
		kx->notify(kx->arg, &obs);
}

static void
sa_readable(evutil_socket_t fd, short what, void *data)
{
	struct kxfrm *kx = data;
	int err = nl_cache_mngr_data_ready(kx->mngr);

	if (err < 0)
		log_warnx("xfrm: reading SA events: %s", nl_geterror(err));
}

int
kxfrm_start(struct event_base *base, rd_notify_fn notify, void *arg, struct kxfrm **out)
{
	struct kxfrm *kx = calloc(1, sizeof(*kx));
	int err;

	*out = NULL;
	if (kx == NULL)
		return -ENOMEM;
	kx->notify = notify;
	kx->arg = arg;
	err = nl_cache_mngr_alloc(NULL, NETLINK_XFRM, NL_AUTO_PROVIDE, &kx->mngr);
	if (err == 0)
		err = nl_cache_mngr_add(kx->mngr, "xfrm/sa", sa_change, kx, &kx->sa_cache);
	if (err < 0) {
		log_warnx("xfrm: cache manager: %s", nl_geterror(err));
		kxfrm_stop(kx);
		return err == -NLE_PERM ? -EPERM : -EIO;
	}
	kx->ev = event_new(base, nl_cache_mngr_get_fd(kx->mngr), EV_READ | EV_PERSIST, sa_readable, kx);
	if (kx->ev == NULL || event_priority_set(kx->ev, RD_EV_PRIO_HEALTH) < 0 ||
	    event_add(kx->ev, NULL) < 0) {
		kxfrm_stop(kx);
		return -ENOMEM;
	}
	*out = kx;
	return 0;
}

void
kxfrm_stop(struct kxfrm *kx)
{
	if (kx == NULL)
		return;
	if (kx->ev)
		event_free(kx->ev);
	if (kx->mngr)
		nl_cache_mngr_free(kx->mngr);
	free(kx);
}
