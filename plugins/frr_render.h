/*
 * frr_render.h - pure functions turning the configuration and the policy's
 * changes into FRR vty command lists. No I/O: the golden-file tests run
 * them on hand-built configurations.
 *
 * Every list is meant to run inside "configure terminal" of its daemon
 * (the caller adds enable / configure terminal / end), except 'bgpd_exec',
 * which runs in enable mode after the configuration ("clear bgp ... soft").
 *
 * Names: neighbor on the tunnel's peer inside address; per tunnel
 * route-maps RD-<conn>-<tun>-IN / -OUT, prefix-lists RD-<conn>-<tun>-ADV
 * (other sites' prefixes a hub re-advertises) and RD-<conn>-<tun>-PEER
 * (what the peer declared), bfdd profile rd-<conn>-<tun>.
 *
 * The gateway's own prefixes are 'network X route-map RD-ORIGINATE', which
 * tags them with large community <asn>:0:1 (list RD-OWN); they need no
 * per-prefix entries (FRR 8.4 adds prefix-list entries slowly: 10,000 take
 * minutes). Route-map OUT: deny 5 (own routes; present while the session
 * must not advertise them), permit 10 (prefix-list ADV), permit 20 (own
 * routes, community stripped); permit 10 and 20 carry the policy's MED,
 * prepends and, while drained, 'set community 65535:0 additive' (RFC 8326
 * GRACEFUL_SHUTDOWN, list RD-GSHUT). IN: permit 5 gives routes tagged
 * GRACEFUL_SHUTDOWN LOCAL_PREF 0, permit 10 the policy's LOCAL_PREF; both
 * match prefix-list PEER and strip the large community from what peers send.
 *
 * Gateway prefixes gated by a LAN check (rd_check) are advertised per
 * session instead: 'network X route-map RD-ORIGINATE-CHK' tags them
 * <asn>:0:2 (list RD-CHK), the policy's ADV_ADD/DEL put them in and out of
 * prefix-list ADV (permit 10, which strips the tag), and route-map OUT's
 * deny 15 drops them on sessions whose ADV lacks them. These entries exist
 * only in configurations with checks (they stay, harmless, when the last
 * check is removed by a reload).
 *
 * Errors: 0 or -ENOMEM.
 */
#ifndef ROUTERD_FRR_RENDER_H
#define ROUTERD_FRR_RENDER_H

/* Distance of the reject routes for remote prefixes (fail closed). */
#define FRR_FAIL_CLOSED_DISTANCE 250

#include <stddef.h>
#include <stdio.h>

#include "conf.h"
#include "policy/policy.h"

struct frr_cmds {
	char **v;
	size_t n, cap;
	int err;                /* sticky: -ENOMEM once an add failed */
};

/* The commands for each daemon, in the order they must run. */
struct frr_plan {
	struct frr_cmds bfdd;       /* first: profiles must exist before bgpd uses them */
	struct frr_cmds bgpd;       /* configuration */
	struct frr_cmds bgpd_exec;  /* after 'end': soft clears */
	struct frr_cmds staticd;
};

void frr_cmds_add(struct frr_cmds *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void frr_cmds_free(struct frr_cmds *c);
void frr_plan_free(struct frr_plan *p);
/* 0 or the first -ENOMEM of any list. */
int frr_plan_err(const struct frr_plan *p);
/* Print "# daemon" headers and one command a line (golden files, debugging). */
void frr_plan_print(FILE *f, const struct frr_plan *p);

/*
 * Base configuration: what turns FRR configured for 'prev' (NULL: nothing
 * of routerd's) into FRR configured for 'cfg'. New neighbors start shut
 * down; neighbors whose tunnel disappeared are removed with their
 * route-maps, prefix-lists and BFD profile. Tunnels are matched by ifnum.
 * A neighbor re-created (its inside address changed) keeps its route-maps
 * and prefix-lists (the policy's MED, prepends, adverts) and starts shut
 * down unless its ifnum is in enabled[0..nenabled) (what the policy last
 * enabled). A renamed connection or tunnel gets fresh, empty ones.
 */
int frr_render_config(const struct rd_config *prev, const struct rd_config *cfg,
		      const uint32_t *enabled, size_t nenabled, struct frr_plan *out);

/* The policy's changes as commands; unknown tunnels are skipped. */
int frr_render_changes(const struct rd_config *cfg, const struct pol_change *ch, size_t n,
		       struct frr_plan *out);

/* Remove routerd's configuration (neighbors, networks, route-maps,
 * prefix-lists, profiles) and the given static routes. */
int frr_render_remove(const struct rd_config *cfg, const struct pol_route *routes,
		      size_t nroutes, struct frr_plan *out);

/* Route-map OUT's deny 5: 'on' removes it (the session advertises the
 * gateway's own prefixes), off (re)creates it. */
void frr_render_own_adv(struct frr_cmds *c, const struct rd_connection *conn,
			const struct rd_tunnel *t, bool on);

/* True when a tunnel's BGP rendering differs between two configurations. */
bool frr_tunnel_bgp_equal(const struct rd_connection *ca, const struct rd_tunnel *a,
			  const struct rd_connection *cb, const struct rd_tunnel *b);

#endif
