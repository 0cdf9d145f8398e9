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

/* Drain/undrain; returns true when it changed. */
bool tunnel_set_drain(struct tunnel *t, bool drained, uint64_t now_ms);

const char *tunnel_state_str(enum tun_state s);

#endif
