/*
 * swan_whack.h - pure parsers of `ipsec whack --showstates` and
 * `--trafficstatus` output (libreswan 4.10), and the whack argv builders.
 *
 * whack's exit code is never tunnel state; these parsers are the only
 * source of "established" (besides the updown hook).
 */
#ifndef ROUTERD_SWAN_WHACK_H
#define ROUTERD_SWAN_WHACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/swan_render.h"

struct swan_conn_status {
	char name[SWAN_CONN_NAME_MAX];
	bool ike;               /* an established IKE (ISAKMP) SA exists */
	bool child;             /* an established Child (IPsec) SA exists */
	bool have_bytes;        /* trafficstatus gave counters */
	uint64_t inbytes, outbytes;
};

#define SWAN_STATUS_MAX 2048     /* tunnels routerd tracks in pluto (1,000 tunnels tested) */

struct swan_status {
	struct swan_conn_status conn[SWAN_STATUS_MAX];
	size_t n;
};

/* Find (or with create, add) a connection's entry; NULL if absent/full. */
struct swan_conn_status *swan_status_get(struct swan_status *st, const char *name,
					 bool create);

/*
 * Fold `whack --showstates` output into st: every "#N: "conn"... STATE_X"
 * line marks ike/child for conn when STATE_X is an established state.
 * Unrecognised lines are skipped. Returns the number of state lines seen.
 */
int swan_parse_showstates(const char *text, struct swan_status *st);

/*
 * Fold `whack --trafficstatus` output into st: each "#N: "conn", type=ESP,
 * ... inBytes=N, outBytes=N" line marks child established and adds the
 * counters. Returns the number of SA lines seen.
 */
int swan_parse_trafficstatus(const char *text, struct swan_status *st);

#endif
