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
	bool drained;           /* administratively drained (routerctl drain) */
	/*
	 * Time the tunnel last became usable (IPsec up, BGP up if dynamic,
	 * health ok) and last stopped being usable; 0 = never. The daemon's
	 * FSM keeps these; hold-down is computed from them.
	 */
	uint64_t up_since_ms;
	uint64_t last_down_ms;
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
	char reason[128];       /* human text: "tun1 down: child SA missing" */
};

struct pol_state {
	size_t nconns;
	struct pol_conn_out *conns;          /* [nconns] */
	struct pol_tunnel_out (*tunnels)[RD_MAX_TUNNELS];  /* [nconns][ntunnels] */
	struct pol_route *routes;            /* sorted by prefix, then distance */
	size_t nroutes;
	/* Earliest time (ms) at which the decision may change without any new
	 * observation (a hold-down expiring); 0 = never. The daemon arms a
	 * timer for it and calls pol_decide() again. */
	uint64_t next_eval_ms;
};

/*
 * Decide. 'obs' is indexed [conn][tunnel] like cfg->conns[i].tunnels[j].
 * 'out' is filled (free it with pol_state_free()). Returns 0, or -1 when
 * out of memory.
 */
int pol_decide(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
	       uint64_t now_ms, struct pol_state *out);
void pol_state_free(struct pol_state *s);

enum pol_change_kind {
	POL_NEIGHBOR_ENABLE,    /* tunnel */
	POL_NEIGHBOR_DISABLE,   /* tunnel */
	POL_ATTRS,              /* tunnel: med / prepend / local_pref changed */
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
 * 'b' is enabled). Order: removals first (withdraw before announcing), then
 * additions. 'a' may be an empty state (all zero) for the first apply.
 * *changes is malloc'ed (free()), *n its length. Returns 0 or -1.
 */
int pol_diff(const struct pol_state *a, const struct pol_state *b,
	     struct pol_change **changes, size_t *n);

const char *pol_conn_status_str(enum pol_conn_status s);   /* "UP" ... */
const char *pol_change_kind_str(enum pol_change_kind k);

#endif
