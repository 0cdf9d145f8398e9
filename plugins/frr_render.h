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
 * route-map RD-<conn>-<tun>-OUT, prefix-lists RD-<conn>-<tun>-ADV (other
 * sites' prefixes a hub re-advertises, checked prefixes) and
 * RD-<conn>-<tun>-PEER (what the peer declared), bfdd profile
 * rd-<conn>-<tun>.
 *
 * Cost: FRR 8.4 validates the whole route-map configuration on every
 * northbound commit, and match/set nodes are expensive there (with five
 * route-map entries per tunnel, any commit took 33 s at 1,000 tunnels).
 * So the attributes live in SHARED route-maps, one per attribute set and
 * named after it, defined before the first neighbor uses them and removed
 * after the last one left them (struct frr_rmaps remembers which tunnel
 * uses which; a tunnel adopted live after a restart is unknown until the
 * policy sets its attributes, and blocks removals). Per tunnel there is
 * only prefix-list PEER, applied by 'neighbor X prefix-list PEER in', and
 * route-map OUT's two entries that select and 'call' a shared map.
 *
 * IN: shared RD-IN-L<lp>: permit 5 gives routes tagged GRACEFUL_SHUTDOWN
 * (RFC 8326, list RD-GSHUT) LOCAL_PREF 0, permit 10 the policy's
 * LOCAL_PREF <lp> (100 before the policy's first); both strip the large
 * community RD-OWN from what peers send. Routes outside prefix-list PEER
 * are dropped by the neighbor's prefix-list (none when the peer declared no
 * prefixes: anything). A tunnel whose routes the policy rejects (a failed
 * health check) uses RD-IN-REJECT instead: deny everything (soft
 * reconfiguration keeps what the peer sent, so the routes are back the
 * moment it switches again). RD-IN-REJECT belongs to the base
 * configuration, like RD-ORIGINATE, and the RD-IN-L<lp> map a rejecting
 * tunnel returns to stays defined: a failover and a recovery are each one
 * 'neighbor X route-map ... in', with no route-map edit to commit.
 *
 * The gateway's own prefixes are 'network X route-map RD-ORIGINATE', which
 * tags them with large community <asn>:0:1 (list RD-OWN); they need no
 * per-prefix entries (FRR 8.4 adds prefix-list entries slowly: 10,000 take
 * minutes). Route-map OUT: permit 10 matches prefix-list ADV and calls
 * RD-OUT-ADV<attrs>; permit 20, present only while the session advertises
 * the gateway's own prefixes, calls RD-OUT-OWN<attrs>, which permits only
 * routes tagged RD-OWN and strips the tag (everything else: implicit deny).
 * <attrs> is empty before the policy's first attributes, else
 * -M<med>-P<prepends>, plus -G while drained: both maps then set the MED,
 * the prepends and 'set community 65535:0 additive' (GRACEFUL_SHUTDOWN).
 *
 * Gateway prefixes gated by a LAN check (rd_check) are advertised per
 * session instead: 'network X route-map RD-ORIGINATE-CHK' tags them
 * <asn>:0:2 (list RD-CHK), the policy's ADV_ADD/DEL put them in and out of
 * prefix-list ADV (permit 10; with checks it calls RD-OUT-ADV<attrs>-C,
 * which strips the tag); RD-OUT-OWN's implicit deny drops them on sessions
 * whose ADV lacks them. The -C maps stay when the last check is removed by
 * a reload (harmless).
 *
 * Errors: 0 or -ENOMEM.
 */
#ifndef ROUTERD_FRR_RENDER_H
#define ROUTERD_FRR_RENDER_H

/* The inbound route-map of a tunnel whose routes are rejected. */
#define FRR_RM_REJECT "RD-IN-REJECT"

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
	struct frr_cmds bgpd_first; /* neighbors shut down or switched to RD-IN-REJECT, alone
				     * in their own commit: a dead tunnel's routes leave
				     * before the rest runs */
	struct frr_cmds bfdd;       /* profiles must exist before bgpd uses them */
	struct frr_cmds bgpd;       /* configuration */
	struct frr_cmds bgpd_exec;  /* after 'end': soft clears */
	struct frr_cmds staticd;
};

/* Which shared route-maps one tunnel's neighbor uses (its attribute set). */
struct frr_rm_state {
	uint32_t ifnum;
	bool known;             /* false: adopted live, bgpd's maps are unknown */
	bool attrs;             /* the policy set med/prepend/gshut */
	bool gshut, own, chk;   /* own: advertises the gateway's prefixes */
	bool reject;            /* learn nothing: RD-IN-REJECT (pol_tunnel_out.reject) */
	uint32_t lp, med, prepend;
};

/* The renderer's memory of the shared route-maps (owned by the caller, one
 * per bgpd; zero-initialised; every render updates it). */
struct frr_rmaps {
	struct frr_rm_state *v;
	size_t n, cap;
	/* A plan failed part-way: bgpd may lack maps remembered here, so the
	 * next render defines every shared map it uses again (bgp_frr.c). */
	bool unsure;
};

void frr_rmaps_free(struct frr_rmaps *r);

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
 * enabled). A renamed connection or tunnel gets fresh, empty ones. rm
 * carries the policy's attributes of each tunnel over (frr_rmaps).
 */
int frr_render_config(struct frr_rmaps *rm, const struct rd_config *prev,
		      const struct rd_config *cfg, const uint32_t *enabled, size_t nenabled,
		      struct frr_plan *out);

/* The policy's changes as commands; unknown tunnels are skipped. */
int frr_render_changes(struct frr_rmaps *rm, const struct rd_config *cfg,
		       const struct pol_change *ch, size_t n, struct frr_plan *out);

/* Remove routerd's configuration (neighbors, networks, route-maps,
 * prefix-lists, profiles) and the given static routes. */
int frr_render_remove(struct frr_rmaps *rm, const struct rd_config *cfg,
		      const struct pol_route *routes, size_t nroutes, struct frr_plan *out);

/*
 * Make bgpd run its best-path selection for every prefix again (toggling
 * 'bgp bestpath as-path confed', which changes nothing without a
 * confederation). FRR 8.4 skips the selection for a prefix whose route
 * changes while a soft reconfiguration (a soft clear, a neighbor's inbound
 * policy edited) is pending on it, and the reconfiguration then sees
 * nothing new (FRR PR 19067): bgpd keeps a stale best path, e.g. a tunnel
 * at LOCAL_PREF 100 beside a valid path at 200 after a hold-down.
 */
int frr_render_recalc(uint32_t asn, struct frr_plan *out);

/* Internal (frr_render.c for frr_render_pol.c): a render pass over the
 * shared route-maps. */
struct frr_rm_pass {
	struct frr_rmaps *rm;
	char (*before)[48];     /* names in use before the render */
	size_t nbefore;
	char (*made)[48];       /* names defined (or known to exist) */
	size_t nmade, capmade;
	bool fresh;             /* every map used is defined again */
	int err;
};
struct frr_rm_names {
	char in[48], adv[48], own[48];  /* own: "" while not advertised */
	char keep[48];                  /* rejecting: the IN map it returns to; else "" */
};
/* frr_render.c for frr_render_pol.c: one render's view of the shared maps. */
void frr_rm_begin(struct frr_rm_pass *ps, struct frr_rmaps *rm, bool fresh);
/* Define (into pre) the shared maps of s not defined yet, name them in n. */
void frr_rm_ensure(struct frr_rm_pass *ps, struct frr_cmds *pre, const struct frr_rm_state *s,
		   uint32_t asn, struct frr_rm_names *n);
void frr_rm_names(const struct frr_rm_state *s, struct frr_rm_names *n);
void frr_rm_out(struct frr_cmds *pre, const struct rd_connection *c, const struct rd_tunnel *t,
		const struct frr_rm_names *n0, const struct frr_rm_names *n);
/* Remove (into post) maps no tunnel uses any more; frees ps. */
void frr_rm_end(struct frr_rm_pass *ps, struct frr_cmds *post);
struct frr_rm_state *frr_rm_get(struct frr_rmaps *rm, uint32_t ifnum, bool add);
/* The tunnel's state for a change (added when new; NULL: no memory, ps->err
 * set), with the names of its maps before the change in n0 when *known0. */
struct frr_rm_state *frr_rm_take(struct frr_rm_pass *ps, uint32_t ifnum,
				 struct frr_rm_names *n0, bool *known0);

/* True when a tunnel's BGP rendering differs between two configurations. */
bool frr_tunnel_bgp_equal(const struct rd_connection *ca, const struct rd_tunnel *a,
			  const struct rd_connection *cb, const struct rd_tunnel *b);

#endif
