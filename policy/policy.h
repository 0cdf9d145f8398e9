/*
 * policy.h - the pure decision engine.
 *
 * Data in, decisions out: no I/O, no globals, no clock reads. Time is an
 * input (milliseconds on the caller's monotonic clock). Given the
 * configuration and what has been observed of every tunnel, pol_decide()
 * computes the desired state of the whole gateway; pol_diff() computes the
 * changes that turn one desired state into another, so the daemon applies
 * only those.
 *
 * Tunnels are addressed everywhere by (connection index, tunnel index) into
 * the rd_config given to pol_decide(); tunnel identity across reloads is
 * the tunnel's ifnum (carried in the output so a diff across two configs
 * still matches tunnels up).
 *
 * Errors: functions returning int give 0 or -1 (allocation failure only).
 */
#ifndef ROUTERD_POLICY_H
#define ROUTERD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/* What the daemon observed of one tunnel. */
struct pol_obs {
	bool ike_up;            /* IKE SA established */
	bool child_up;          /* IPsec (child) SA installed in the kernel */
	bool bgp_up;            /* BGP session Established (dynamic routing) */
	bool health_ok;         /* BFD / ICMP probe healthy; true when none configured */
	bool probe_failed;      /* the ICMP probe is down (only names the cause in 'reason') */
	bool drained;           /* administratively drained (routerctl drain) */
	/*
	 * Time the tunnel last became usable (IPsec up, BGP up if dynamic,
	 * health ok) and last stopped being usable; 0 = never. The daemon's
	 * FSM keeps these; hold-down is computed from them.
	 */
	uint64_t up_since_ms;
	uint64_t last_down_ms;
	/* Time health_ok last turned false; 0 while it is true. */
	uint64_t health_down_ms;
};

enum pol_conn_status { POL_CONN_UP, POL_CONN_DEGRADED, POL_CONN_DOWN };

/* Desired state of one tunnel. */
struct pol_tunnel_out {
	uint32_t ifnum;         /* identity (from the config) */
	bool usable;            /* the policy's verdict: traffic may use it */
	bool in_hold_down;      /* usable but waiting out the hold-down */
	bool neighbor_enabled;  /* BGP neighbor administratively up (dynamic) */
	bool advertise;         /* advertise prefixes on this session */
	uint32_t med;           /* MED on everything advertised here */
	uint32_t prepend;       /* AS-path prepends on everything advertised here */
	uint32_t local_pref;    /* LOCAL_PREF set on routes learned here */
	/* RFC 8326 graceful shutdown: tag everything advertised here with the
	 * well-known community GRACEFUL_SHUTDOWN (65535:0), which the far side
	 * answers with LOCAL_PREF 0 (routerd's inbound policy does), so a drain
	 * at one end moves both directions. Set while drained (dynamic). */
	bool gshut;
	/* Routes learned here are rejected (the inbound policy denies them all;
	 * the session stays up): a failed health check on a tunnel that is not
	 * kept. Reversible in milliseconds, unlike a neighbor shutdown. */
	bool reject;
	/* Steered (attributes MED POL_STEER_MED, no prepend): this tunnel's
	 * adverts are made to win at a generic far end that still holds a dead
	 * tunnel's routes (see pol_decide(), "steer"). Display only. */
	bool steer;
	/* Prefixes advertised on this session (sorted, no duplicates). */
	struct rd_prefix *adv;
	size_t nadv;
};

/* A static route installed by the policy (static-routing connections). */
struct pol_route {
	struct rd_prefix prefix;
	uint32_t ifnum;         /* out through ipsec<ifnum> */
	uint32_t nexthop;       /* the tunnel's peer inside address */
	uint32_t distance;      /* administrative distance: backups pre-installed higher */
};

struct pol_conn_out {
	enum pol_conn_status status;
	/* Human text, one "tunnel: cause" per tunnel that is not fully up,
	 * joined by "; " ("tun1: IPsec SA down; tun2: hold-down 7 s left");
	 * "" when UP. Causes: "IPsec SA down", "BFD down", "probe down",
	 * "health check down" (neither BFD nor probe configured), "BGP not
	 * established", "hold-down N s left", "drained". */
	char reason[128];
	/* This connection carries its redundancy group's traffic (always
	 * true for a connection outside a group). Added by the policy work. */
	bool active;
};

struct pol_state {
	size_t nconns;
	struct pol_conn_out *conns;          /* [nconns] */
	struct pol_tunnel_out (*tunnels)[RD_MAX_TUNNELS];  /* [nconns][ntunnels] */
	struct pol_route *routes;            /* sorted by prefix, then distance */
	size_t nroutes;
	/* Earliest time (ms) at which the decision may change without any new
	 * observation (a hold-down expiring, a failed health check's neighbor
	 * shutdown falling due); 0 = never. The daemon arms a
	 * timer for it and calls pol_decide() again. */
	uint64_t next_eval_ms;
};

/*
 * Attribute values the policy uses (see pol_decide()).
 */
#define POL_LP_PRIMARY 200u         /* learned on the preferred / an active-active tunnel */
#define POL_LP_BACKUP 100u          /* learned on a standby tunnel */
#define POL_LP_HOLD_DOWN 50u        /* learned on a tunnel in hold-down */
#define POL_LP_DRAIN 10u            /* learned on a drained tunnel */
#define POL_HOLD_MED_EXTRA 500u     /* hold-down: MED = backup MED + this */
#define POL_DRAIN_MED_EXTRA 1000u   /* drained: MED = med_backup + this */
#define POL_DRAIN_PREPEND 10u       /* drained: prepends */
#define POL_LP_GSHUT 0u             /* learned with GRACEFUL_SHUTDOWN (RFC 8326), any tunnel */
#define POL_STANDBY_MED_EXTRA 1000u /* non-active connection of a group: MED + this */
#define POL_STEER_MED 0u            /* steered survivor: below every other MED */
/* A failed health check (not kept) rejects the tunnel's routes at once and
 * shuts its BGP neighbor only when it has lasted this long: a check that
 * flaps (a stall of this host) costs no session. */
#define POL_HEALTH_SHUT_MS 5000u
/* A tunnel back less than this after it went down had a blip (seen: every
 * BFD session of a gateway down and up within 30 ms in a stall of the TCG
 * guest), not a flap: no hold-down. */
#define POL_BLIP_MS 500u
/* Every tunnel of the gateway went down within this of each other: a stall
 * of this host (seen in the TCG guest: all four BFD sessions of both
 * gateways timed out within 35 ms and took 0.8-1 s to come back, BFD's
 * slow handshake), not flapping paths: no hold-down either. */
#define POL_STALL_MS 100u
/* Static routes: administrative distances. */
#define POL_DIST_PRIMARY 1u
#define POL_DIST_BACKUP 2u
#define POL_DIST_HOLD_DOWN 3u       /* also drained */
#define POL_DIST_STANDBY_EXTRA 10u  /* non-active connection of a group */

/*
 * Decide. The rules (AWS Site-to-Site VPN semantics):
 *
 *  usable     = child_up && (static || bgp_up) && health_ok, or kept.
 *               Drained tunnels stay usable (they only get the worst
 *               attributes).
 *  kept       = dynamic, child_up and bgp_up, health check failed, and no
 *               other tunnel of the gateway usable: a health check alone
 *               never takes the last path away (all BFD sessions failing at
 *               once is likelier a stall of this host than every path
 *               dying); the BGP hold time still ends a dead session. The
 *               reason says "BFD down, kept: no other path".
 *  reject     = dynamic, health check failed, not kept: the tunnel's
 *               learned routes are rejected at once (this gateway's
 *               traffic moves to the other paths), but its session stays
 *               up, so a check that recovers (a flap, a stall) costs no
 *               re-establishment and a tunnel that must be kept later
 *               still has its routes. While the session stays, nothing
 *               outbound changes but the attributes (pre-armed, below) if
 *               only BFD failed: BFD is symmetric, the far end sees the
 *               failure and acts itself, so the adverts stay; a failed
 *               probe (one-sided) withdraws them at once.
 *  neighbor   = dynamic && child_up && (health_ok || usable || the check
 *               failed less than POL_HEALTH_SHUT_MS ago): a lost child SA
 *               disables the BGP neighbor at once, a failed health check
 *               after POL_HEALTH_SHUT_MS (next_eval_ms is armed for it), so
 *               a dead path's session is not left to the hold time. BFD
 *               and the probe run on their own (bfdd peers, not bgpd's),
 *               so they still see the tunnel recover. Drain never touches
 *               it.
 *  hold-down  = a usable tunnel that came back (up_since > last_down > 0,
 *               after a down of POL_BLIP_MS or more) less than hold_down s
 *               ago, unless every other tunnel of the gateway went down
 *               within POL_STALL_MS of it (a stall of this host, not a
 *               flapping path). Its scope is its connection, or
 *               its whole redundancy group. It is in_hold_down when the scope
 *               has a "settled" usable tunnel (usable, not within a hold-down
 *               window); when none is settled, the one with the earliest
 *               expiry is exempt (better a flappy path than none) and the
 *               others wait. next_eval_ms = earliest expiry of those waiting.
 *  attributes (dynamic tunnels; static tunnels have all zero):
 *               drained: med_backup + 1000, prepend 10, LP 10, gshut
 *               (whatever else holds: hold-down, group, usable or not);
 *               gshut is false in every other case;
 *               hold-down: backup attributes with MED + 500 (strictly
 *               worse than the standby's, which has the backup ones
 *               already, so the far side does not tie), LP 50. A tunnel
 *               that is not usable and advertises nothing but has failed
 *               before (last_down > 0, hold_down > 0) already carries the
 *               hold-down attributes, so when its session comes back its
 *               learned routes never win before the hold-down is decided
 *               ("pre-armed"; no ATTRS churn on flaps). One whose BFD
 *               failed with its session kept (it still advertises) keeps
 *               its attributes until it comes back or its neighbor is
 *               shut: with 10,000 prefixes the outbound change made bgpd
 *               walk its table for that session while it moved the routes
 *               (415 ms median blackout instead of 274 ms in the guest);
 *               active-standby preferred / active-active: med_primary, no
 *               prepend, LP 200; active-standby other: backup = med_backup
 *               (med_primary without the MED signal), 'prepend' prepends
 *               (0 without the PREPEND signal), LP 100. Attributes are never
 *               swapped when the preferred tunnel fails.
 *               steer (connections to a far-end generic peer): a usable,
 *               settled, undrained tunnel while a tunnel whose adverts the
 *               far end prefers is not usable (active-standby: the
 *               preferred; active-active: any other) gets MED 0, no
 *               prepend (LP as it was). The far end still holds the dead
 *               tunnel's routes until its own hold timer (30 s); with
 *               equal AS-path length and a lower MED from the same
 *               neighbor AS, the survivor's win its best-path selection
 *               (RFC 4271 9.1.2.2) at once. It ends when the dead tunnel
 *               is usable again (its hold-down attributes are worse than
 *               the survivor's own standby ones, so nothing flips back
 *               early), and the preferred tunnel wins again when its
 *               hold-down ends. Not for far-end routerd: it detects the
 *               failure itself, and an outbound change on the survivor
 *               costs bgpd a table walk during the failover.
 *               Non-active connection of a group: LP = LP/2 - 1 (floor 1,
 *               so below every settled, undrained tunnel of the active
 *               connection: LP 100 and 200 tie with nothing),
 *               prepend + 'prepend', MED + 1000.
 *  status     = UP when every tunnel is usable, not in hold-down and not
 *               drained; DOWN when none is usable; else DEGRADED.
 *  group      = the active connection of a group is the lowest priority
 *               (then first configured) with a usable tunnel neither in
 *               hold-down nor drained; else the lowest priority not DOWN;
 *               else the lowest priority.
 *  advertise  = dynamic && (usable || rejected with the session kept (BGP
 *               up, neighbor enabled) and only BFD failed, or the
 *               connection steers: the survivor's steered adverts win); adv = gateway prefixes (less those a
 *               failed LAN check withdraws, see pol_decide_checked()), in hub mode plus
 *               the prefixes (peer prefixes, static routes) of every other
 *               connection that is not DOWN, excluding connections of the
 *               same peer or group and prefixes equal to one of the
 *               connection's own. Prefixes in the state carry no location.
 *  routes     = static connections: every static route on every usable
 *               tunnel; distance 1 (preferred / active-active), 2 (standby),
 *               3 (hold-down or drained), + 10 for a non-active group member.
 *
 * Unused tunnel slots of 'out' are all zero (ifnum 0).
 *
 * 'obs' is indexed [conn][tunnel] like cfg->conns[i].tunnels[j].
 * 'out' is filled (free it with pol_state_free()). Returns 0, or -1 when
 * out of memory.
 */
int pol_decide(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
	       uint64_t now_ms, struct pol_state *out);
/*
 * Same with the verdicts of the gateway's LAN checks: check_ok[k] for
 * cfg->gw.checks[k] (NULL: every check up; pol_decide() passes NULL). A
 * gateway prefix listed by a check that is not ok is left out of 'adv' on
 * every tunnel (pol_diff() then gives its ADV_DEL everywhere): advertise
 * only while healthy. Nothing else changes (attributes, neighbors, static
 * routes, hub re-advertisement of other sites). The daemon passes a check
 * that has not decided yet as ok.
 */
int pol_decide_checked(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
		       const bool *check_ok, uint64_t now_ms, struct pol_state *out);
/* Free and zero; safe on an all-zero state. */
void pol_state_free(struct pol_state *s);

enum pol_change_kind {
	POL_NEIGHBOR_ENABLE,    /* tunnel */
	POL_NEIGHBOR_DISABLE,   /* tunnel */
	POL_ATTRS,              /* tunnel: med / prepend / local_pref / gshut / reject changed */
	POL_ADV_ADD,            /* tunnel, prefix */
	POL_ADV_DEL,            /* tunnel, prefix */
	POL_ROUTE_ADD,          /* route */
	POL_ROUTE_DEL,          /* route */
};

struct pol_change {
	enum pol_change_kind kind;
	uint32_t ifnum;                 /* tunnel the change is on */
	struct rd_prefix prefix;        /* ADV_*: the prefix */
	struct pol_route route;         /* ROUTE_*: the route */
	const struct pol_tunnel_out *to;  /* ENABLE/ATTRS: the new tunnel state (points into 'b') */
};

/*
 * Changes that turn desired state 'a' into 'b' (tunnels matched by ifnum;
 * a tunnel only in 'a' is disabled and its adverts removed, one only in
 * 'b' is compared against an all-zero tunnel). 'a' may be an empty state
 * (all zero) for the first apply; a == b gives no change.
 * Order (within a kind: tunnels by ifnum, then prefixes / routes in their
 * sort order):
 *   1. NEIGHBOR_DISABLE  stop using dead sessions at once
 *   2. ADV_DEL           withdraw before announcing
 *   3. ROUTE_ADD         make before break: a failover's new route is in
 *   4. ROUTE_DEL           the kernel before the old one leaves (no gap)
 *   5. ATTRS             route-maps set before sessions come up and before
 *                          new prefixes go out with them
 *   6. NEIGHBOR_ENABLE
 *   7. ADV_ADD
 * 'to' points into 'b' for ENABLE and ATTRS, and for DISABLE when the
 * tunnel is still in 'b' (NULL when it was removed).
 * *changes is malloc'ed (free()), *n its length. Returns 0 or -1.
 */
/*
 * Child SA age (ms) at which routerd starts a planned rekey of tunnel t
 * (routerd/rekey.c): 30 s before pluto's earliest own rekey (lifetime minus
 * margin x (1 + fuzz)), but never before half the lifetime.
 */
uint64_t pol_rekey_due_ms(const struct rd_tunnel *t);

int pol_diff(const struct pol_state *a, const struct pol_state *b,
	     struct pol_change **changes, size_t *n);

const char *pol_conn_status_str(enum pol_conn_status s);   /* "UP" ... */
const char *pol_change_kind_str(enum pol_change_kind k);

#endif
