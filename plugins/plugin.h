/*
 * plugin.h - the backends routerd drives, as small const ops structs.
 *
 * The core knows only these ops. Each backend is chosen at build time
 * (plugins/registry.c) and has the lifecycle
 *      init -> apply* / poll* -> fini
 * Backends run inside the core's libevent loop: they may add their own
 * events to env->base and report what they observe through env->notify.
 *
 * Error convention (plugins): return 0 or -errno; the caller logs with
 * context. Backends log details of their own work through log.h.
 *
 * Tunnels are identified by their ifnum (ipsecN, XFRM if_id, reqid).
 */
#ifndef ROUTERD_PLUGIN_H
#define ROUTERD_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "policy/policy.h"

struct event_base;

/* Filesystem locations, so one routerd (and one pluto, one bgpd) runs per netns. */
struct rd_paths {
	char run_dir[RD_PATH_MAX];         /* routerd's own: control socket, hook socket */
	/* libreswan */
	char ipsec_conf[RD_PATH_MAX];      /* ipsec.conf pluto was started with */
	char ipsec_include[RD_PATH_MAX];   /* routerd-owned conn file, included by it */
	char ipsec_secrets[RD_PATH_MAX];   /* routerd-owned secrets file (0600) */
	char pluto_ctl[RD_PATH_MAX];       /* pluto's control socket (pluto.ctl) */
	char updown[RD_PATH_MAX];          /* the routerd-updown hook program */
	/* FRR */
	char frr_vty_dir[RD_PATH_MAX];     /* directory holding bgpd.vty, zebra.vty, ... */
};

enum rd_obs_kind {
	RD_OBS_IKE,             /* IKE SA up/down */
	RD_OBS_CHILD,           /* IPsec SA up/down */
	RD_OBS_BGP,             /* BGP session Established / not */
	RD_OBS_HEALTH,          /* BFD or probe up/down */
	RD_OBS_COUNTERS,        /* bytes in/out refreshed */
	RD_OBS_BACKEND,         /* a daemon (pluto, bgpd) went away / came back:
				 * ifnum 0, up = reachable; the core re-applies */
	RD_OBS_FIB,             /* an IPv4 route via a tunnel changed in the kernel's
				 * main table (fib_* below); up = via a tunnel now */
};

#define RD_FIB_MAXVIA 4         /* tunnels one route is reported via (ECMP) */

/* One observation, delivered by a backend to the core. */
struct rd_obs {
	enum rd_obs_kind kind;
	uint32_t ifnum;
	bool up;
	const char *source;     /* "updown", "xfrm", "whack", "bgpd", "bfdd" ... */
	const char *reason;     /* human text for the log and routerctl */
	uint64_t bytes_in, bytes_out;       /* RD_OBS_COUNTERS */
	uint32_t accepted, advertised;      /* RD_OBS_BGP: prefix counts */
	/* RD_OBS_FIB: route fib_prefix/fib_plen (host order) now goes via the
	 * tunnels fib_via[] (none: deleted, or moved off the tunnels), before via
	 * fib_was[] (fib_gap_ms > 0: until that long ago, none in between);
	 * ifnum = fib_via[0] or else fib_was[0]; reason: what the kernel said
	 * ("route changed", "ipsec10 down", ...). */
	uint32_t fib_prefix, fib_gap_ms;
	uint8_t fib_plen, fib_nvia, fib_nwas;
	uint32_t fib_via[RD_FIB_MAXVIA], fib_was[RD_FIB_MAXVIA];
};

typedef void (*rd_notify_fn)(void *arg, const struct rd_obs *obs);

/*
 * Run a control tool (argv[0] searched in PATH), at most timeout_ms, output
 * (stdout+stderr) into out. Returns the exit status, -ETIMEDOUT or -errno.
 * The core routes this through its privileged helper once it dropped root.
 */
typedef int (*rd_exec_fn)(void *arg, char *const argv[], char *out, size_t outlen,
			  int timeout_ms);

/*
 * Event priorities (the core's base has RD_EV_NPRIO): what reports a health
 * change, and the apply cycle it schedules, run before the polls, which
 * block for tens of ms in a slow guest (whack is a fork and exec). Within one
 * loop iteration libevent runs every active event of a lower number first.
 */
#define RD_EV_PRIO_HEALTH 0
#define RD_EV_PRIO_DEFAULT 1
#define RD_EV_NPRIO 2

struct rd_backend_env {
	struct event_base *base;
	const struct rd_paths *paths;
	rd_notify_fn notify;
	void *arg;
	rd_exec_fn exec;        /* NULL: run directly */
	void *exec_arg;
};

/* IKE: libreswan (pluto). */
struct rd_ike_ops {
	const char *name;
	/* Prepare (open sockets, start listening for hook messages). */
	int (*init)(const struct rd_backend_env *env, void **state);
	/*
	 * Make pluto's connections match 'cfg': render the include and secrets
	 * files, then add/replace only the connections whose options changed
	 * (prev may be NULL) and delete those that are gone. Tunnels that did
	 * not change keep their SAs.
	 */
	int (*apply)(void *state, const struct rd_config *prev, const struct rd_config *cfg);
	/* Bring one tunnel up (initiate) or down (delete its SAs). */
	int (*up)(void *state, const struct rd_config *cfg, uint32_t ifnum);
	int (*down)(void *state, const struct rd_config *cfg, uint32_t ifnum);
	/* Rekey the tunnel's Child SA now; returns when the exchange is over
	 * (0: new SAs installed). */
	int (*rekey)(void *state, const struct rd_config *cfg, uint32_t ifnum);
	/* Reconcile: ask pluto what is established and notify the differences. */
	int (*poll)(void *state, const struct rd_config *cfg);
	/* Poll in the background (NULL: the core calls poll): the event
	 * loop goes on while whack runs; the result is notified from the loop
	 * like poll's. -EBUSY: the last one is still out (nothing started). */
	int (*poll_start)(void *state, const struct rd_config *cfg);
	/* Remove what this backend created (conns, files). */
	void (*fini)(void *state, const struct rd_config *cfg);
};

/* BGP and static routes: FRR (bgpd, zebra, staticd, bfdd) over the vty. */
struct rd_bgp_ops {
	const char *name;
	int (*init)(const struct rd_backend_env *env, void **state);
	/* Base configuration: router bgp, neighbors (shut down until enabled),
	 * route-maps and prefix-lists, BFD profiles; only what changed. */
	int (*apply_config)(void *state, const struct rd_config *prev, const struct rd_config *cfg);
	/* Apply the policy engine's changes (pol_diff output) in one vty session. */
	int (*apply_changes)(void *state, const struct rd_config *cfg,
			     const struct pol_change *changes, size_t n);
	/* Read session state (show bgp summary json ...) and notify changes. */
	int (*poll)(void *state, const struct rd_config *cfg);
	/* Withdraw and remove everything routerd configured. */
	void (*fini)(void *state, const struct rd_config *cfg);
};

/* Kernel: netlink (libnl-3). */
struct rd_kernel_ops {
	const char *name;
	int (*init)(const struct rd_backend_env *env, void **state);
	/* Put the tunnel's inside /30 on ipsec<ifnum> (idempotent); remove it. */
	int (*addr_add)(void *state, uint32_t ifnum, uint32_t addr, uint8_t plen);
	int (*addr_del)(void *state, uint32_t ifnum, uint32_t addr, uint8_t plen);
	/* ipsec<ifnum> administratively up or down (idempotent); -ENODEV if
	 * absent. The core keeps it down while the tunnel has no IPsec SA, so
	 * nothing is routed into it: no kernel ACQUIRE (pluto would answer one
	 * on whichever 0/0 conn it finds first, i.e. another tunnel) and no
	 * connected route or nexthop through a dead tunnel. */
	int (*link_set)(void *state, uint32_t ifnum, bool up);
	/* Bytes in/out of ipsec<ifnum> (link counters). -ENODEV if absent. */
	int (*counters)(void *state, uint32_t ifnum, uint64_t *in, uint64_t *out);
	void (*fini)(void *state);
};

extern const struct rd_ike_ops rd_ike_libreswan;
extern const struct rd_bgp_ops rd_bgp_frr;
extern const struct rd_kernel_ops rd_kernel_netlink;

/* The backends this build uses (plugins/registry.c). */
extern const struct rd_ike_ops *const rd_ike;
extern const struct rd_bgp_ops *const rd_bgp;
extern const struct rd_kernel_ops *const rd_kernel;

#endif
