/* registry.c - the backends routerd is built with (chosen at build time, no dlopen). */
#include "plugins/plugin.h"

const struct rd_ike_ops *const rd_ike = &rd_ike_libreswan;
const struct rd_bgp_ops *const rd_bgp = &rd_bgp_frr;
const struct rd_kernel_ops *const rd_kernel = &rd_kernel_netlink;
