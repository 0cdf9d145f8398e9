/*
 * kernel_xfrm.h - the XFRM SA listener of the netlink kernel backend.
 *
 * Watches NETLINK_XFRM (groups SA and EXPIRE) through a libnl cache manager
 * on the core's event loop and notifies RD_OBS_CHILD down (source "xfrm")
 * when the last SA of a tunnel's reqid is deleted or hard-expires.
 * Tunnels use a fixed reqid equal to their ifnum (libreswan reqid=).
 * Returns 0 or -errno.
 */
#ifndef ROUTERD_KERNEL_XFRM_H
#define ROUTERD_KERNEL_XFRM_H

#include <stdint.h>

#include "plugins/plugin.h"

struct kxfrm;

int kxfrm_start(struct event_base *base, rd_notify_fn notify, void *arg, struct kxfrm **out);
void kxfrm_stop(struct kxfrm *kx);      /* NULL is fine */

/* The tunnel ifnum an SA's reqid belongs to, 0 if none (automatic reqids,
 * which libreswan allocates above 16383, are never routerd's). */
uint32_t kxfrm_reqid_ifnum(uint32_t reqid);

#endif
