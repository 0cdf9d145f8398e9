/*
 * tunnel.h - one FSM per tunnel: what routerd has observed of it.
 *
 * States:  DOWN --child SA up--> CONNECTING --BGP up (or static)--> UP
 *          any  --child SA down / health down / IKE down----------> DOWN
 *          UP   --BGP down-------------------------------------------> CONNECTING
 * Drain is a flag beside the state (it changes attributes, not the state).
 * A health check (BFD, probe) only counts as failed after it was up once
 * since the IPsec SA came up: a peer without BFD, or a BFD session still
 * starting, is not a failure. Health is every configured check up: BFD
 * (RD_OBS_HEALTH from the BGP backend) and the ICMP probe (tunnel_probe()).
 * Every transition is logged with its reason. Times are monotonic ms.
 */
#ifndef ROUTERD_TUNNEL_H
#define ROUTERD_TUNNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "plugins/plugin.h"
#include "policy/policy.h"

enum tun_state { TUN_DOWN, TUN_CONNECTING, TUN_UP };

/* The kernel FIB's answer to a tunnel's last transition: the route changes
 * (RD_OBS_FIB) that core.c tied to it, for the log and routerctl. */
struct tunnel_fib {
	uint64_t cause_ms;                      /* the transition (last_change_ms); 0: none */
	uint64_t cause_wall_ms;                 /* the same, wall clock (epoch ms) */
	enum tun_state to;                      /* the state it went to */
	char cause[128];                        /* its reason */
	uint64_t first_ms, first_wall_ms;       /* the first route change after it */
	uint64_t last_ms;                       /* the latest one */
	unsigned changes;                       /* route changes tied to it */
	char first[96];                         /* "10.20.0.0/16 now via ipsec11 (was ipsec10)" */
	/* The latest route change through this tunnel, whatever it was tied to:
	 * FRR (bfdd, bgpd) may move routes before routerd's poll learns why. */
	uint64_t seen_ms;                       /* 0: none yet */
	bool seen_away;                         /* the route left this tunnel */
	char seen[96];
};

struct tunnel {
	uint32_t ifnum;
	char name[2 * RD_NAME_MAX + 2];         /* "conn/tun" */
	bool dynamic;                           /* BGP routing */
	enum tun_state state;
	struct pol_obs obs;
	uint64_t last_change_ms;                /* monotonic */
	time_t last_change_wall;                /* for display */
	char reason[128];
	uint32_t accepted, advertised;
	uint64_t bytes_in, bytes_out;
	bool health_seen_up;                    /* BFD was up since the SA came up */
	bool bfd_ok, probe_ok;                  /* obs.health_ok = bfd_ok && probe_ok */
	bool probe_seen_up;                     /* the probe was up since the SA came up */
	uint32_t child_ups;                     /* IPsec SA down -> up transitions seen */
	uint64_t last_initiate_ms;              /* startup start: last whack --initiate */
	bool addr_installed;                    /* inside /30 put on ipsecN */
	int link_up;                            /* ipsecN admin state set: -1 unknown, 0, 1 */
	bool seen;                              /* still in the running config (reload) */
	/* obs.drained = op_drained || rekey_drained */
	bool op_drained;                        /* routerctl drain */
	bool rekey_drained;                     /* drained for a planned rekey (rekey.c) */
	int rekey_phase;                        /* enum rekey_phase (rekey.c) */
	uint64_t rekey_next_ms;                 /* when the current phase ends */
	uint64_t rekey_started_ms;              /* planned rekey: when it began */
	uint64_t child_since_ms;                /* current Child SA installed (or rekeyed) */
	uint64_t child_down_ms;                 /* the Child SA last went away */
	int fib_routes;                         /* kernel routes via ipsecN seen (RD_OBS_FIB) */
	struct tunnel_fib fib;                  /* FIB changes after the last transition */
};

/* Initialise a tunnel from its configuration; state DOWN, "not yet seen". */
void tunnel_init(struct tunnel *t, const struct rd_connection *c, const struct rd_tunnel *cfg,
		 uint64_t now_ms);

/*
 * Feed one observation. Returns true when anything the policy looks at
 * changed (the caller then recomputes). Logs the transition with its reason.
 */
bool tunnel_observe(struct tunnel *t, const struct rd_obs *obs, uint64_t now_ms);

/*
 * The ICMP probe's verdict changed (probe.c); 'why' says what was seen
 * ("3 lost in a row"). Returns true when the policy's input changed.
 */
bool tunnel_probe(struct tunnel *t, bool up, const char *why, uint64_t now_ms);

/* Drain/undrain by the operator; returns true when obs.drained changed. */
bool tunnel_set_drain(struct tunnel *t, bool drained, uint64_t now_ms);
/* Drain/undrain for a planned rekey (rekey.c); same return. */
bool tunnel_set_rekey_drain(struct tunnel *t, bool drained, uint64_t now_ms);

const char *tunnel_state_str(enum tun_state s);

#endif
