/*
 * core.h - routerd's running state and the apply cycle.
 *
 * The core owns: the running configuration, one struct tunnel per
 * configured tunnel, the desired state last applied, and the backends.
 * Observations from backends go through core_observe(); any change
 * schedules one recompute on the event loop (coalesced), which runs
 * pol_decide(), pol_diff() against what was applied, and hands the
 * changes to the BGP backend. Errors: 0 / -1, logged here.
 */
#ifndef ROUTERD_CORE_H
#define ROUTERD_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "plugins/plugin.h"
#include "policy/policy.h"
#include "routerd/tunnel.h"

struct event_base;
struct event;
struct prober;

struct core {
	struct event_base *base;
	const char *conf_path;
	struct rd_config *cfg;
	struct tunnel (*tun)[RD_MAX_TUNNELS];   /* [cfg->nconns][ntunnels] */
	struct pol_state applied;               /* what the backends hold */
	bool applied_valid;                     /* false: re-apply everything */
	uint32_t *attrs_sent;                   /* ifnums whose route-map attributes */
	size_t nattrs_sent;                     /*   bgpd holds (core.c drop_known_attrs) */

	struct rd_paths paths;
	struct rd_backend_env env;
	const struct rd_ike_ops *ike;
	const struct rd_bgp_ops *bgp;
	const struct rd_kernel_ops *kern;
	void *ike_st, *bgp_st, *kern_st;
	rd_exec_fn exec;                        /* how backends run tools (privsep) */
	void *exec_arg;

	struct event *recompute_ev;             /* deferred, coalesced */
	struct event *holddown_ev;              /* pol_state.next_eval_ms */
	struct event *poll_ev;                  /* periodic reconciliation */
	uint64_t started_ms;
	unsigned long polls;                    /* poll ticks so far */
	bool ike_lost;                          /* the IKE daemon went away; not back yet */
	struct prober *prober;                  /* ICMP probes and LAN checks (probe.c) */
};

uint64_t core_now_ms(void);

/* Load the backends and the first configuration; learn live state first. */
int core_start(struct core *c, struct event_base *base, struct rd_config *cfg);
/* Re-read c->conf_path; a bad file changes nothing. */
int core_reload(struct core *c);
/* Withdraw everything and remove what routerd created. */
void core_stop(struct core *c);

/* Backends' notify callback (arg is the core). */
void core_observe(void *arg, const struct rd_obs *obs);
/* Drain or undrain "conn/tun"; -1 with *err set when unknown. */
int core_drain(struct core *c, const char *name, bool drain, const char **err);
/* Recompute and apply now (synchronous: on return the backends hold it). */
void core_recompute_now(struct core *c);
/* Schedule a recompute on the loop. */
void core_schedule(struct core *c);

/* Find the runtime tunnel for ifnum; NULL when not configured. */
struct tunnel *core_tunnel(struct core *c, uint32_t ifnum);

#endif
