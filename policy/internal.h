/*
 * internal.h - shared between the policy's source files; not an API.
 */
#ifndef ROUTERD_POLICY_INTERNAL_H
#define ROUTERD_POLICY_INTERNAL_H

#include "policy/policy.h"

/* Fill adv / nadv of every tunnel of connection 'i' ('advertise' and every
 * connection's status must be decided); check_ok as for pol_decide_checked().
 * 0 or -1 (ENOMEM). */
int pol_fill_adv(const struct rd_config *cfg, size_t i, const bool *check_ok,
		 struct pol_state *out);

/* Is gateway prefix p advertised under check_ok (every check listing it up)? */
bool pol_gw_prefix_ok(const struct rd_config *cfg, const struct rd_prefix *p,
		      const bool *check_ok);

/* Fill out->routes for the static connections (usable, in_hold_down and
 * 'active' decided). 0 or -1. */
int pol_fill_routes(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
		    struct pol_state *out);

/* Total order on prefixes: address, then length. */
int pol_prefix_cmp(const struct rd_prefix *a, const struct rd_prefix *b);

/* Total order on routes: prefix, distance, ifnum, nexthop. */
int pol_route_cmp(const struct pol_route *a, const struct pol_route *b);

#endif
