/* swan_priv.h - state shared by the libreswan backend's files. */
#ifndef ROUTERD_SWAN_PRIV_H
#define ROUTERD_SWAN_PRIV_H

#include "plugins/plugin.h"
#include "plugins/swan_whack.h"

/* A tunnel routerd has handed to pluto: conn name <-> ifnum (reqid). */
struct swan_tun {
	char name[SWAN_CONN_NAME_MAX];
	char v1[SWAN_CONN_NAME_MAX];    /* its IKEv1 twin conn (swan_v1_name()); "" if none */
	uint32_t ifnum;
	uint64_t heard;                 /* heard_seq of the hook's last report on it */
};

struct swan_hook_rx;
struct swan;

/* The tunnel conn 'name' belongs to (its IKEv2/only conn or its IKEv1
 * twin); NULL when none. */
const struct swan_tun *swan_tun_by_conn(const struct swan *s, const char *name);

struct swan {
	struct rd_backend_env env;
	struct rd_paths paths;
	char hook_path[RD_PATH_MAX + 16];
	char conn_dir[RD_PATH_MAX + 8];  /* paths.ipsec_include + ".d": one file per conn */
	int hook_fd;
	struct event *hook_ev;
	struct swan_hook_rx *hook_rx;   /* swan_hook.c's receiving thread */
	struct swan_poller *poller;     /* swan_poll.c's thread, NULL until the first */
	uint64_t heard_seq;             /* counts the hook's reports (swan_tun.heard) */
	bool no_xfrmi;                  /* ROUTERD_SWAN_NO_XFRMI=1: test knob */
	int pluto_up;                   /* -1 unknown, 0 down, 1 up */
	unsigned poll_timeouts;         /* polls in a row whose whack timed out */
	unsigned long poll_slow;        /* polls whack failed while pluto's process lived */
	struct swan_status last;        /* last state notified, per conn */
	struct swan_tun tuns[SWAN_STATUS_MAX];
	size_t ntuns;
	unsigned long hook_ok, hook_bad;
};

/* swan_hook.c: bind paths->run_dir/hook.sock and listen; close it. */
int swan_hook_open(struct swan *s);
void swan_hook_close(struct swan *s);
/* Handle one hook message (already parsed); exposed for tests. */
struct hookmsg;
void swan_hook_handle(struct swan *s, const struct hookmsg *m);

/* One poll: exit statuses of whack --showstates and --trafficstatus,
 * whether pluto answered, the parsed states. */
struct swan_poll_res {
	int a, b;
	bool reached;
	struct swan_status *now;
};
/* ike_libreswan.c: the blocking half of a poll (any thread) and the
 * loop's half (notifies; frees r->now). */
void swan_poll_run(struct swan *s, struct swan_poll_res *r);
int swan_poll_apply(struct swan *s, struct swan_poll_res *r, uint64_t seq0);
/* swan_poll.c: run a poll on the poller thread (started at the first);
 * its result is applied from the event loop. 0, -EBUSY (one is out: this
 * one is dropped) or -errno. Stop joins the thread. */
int swan_poller_kick(struct swan *s);
void swan_poller_stop(struct swan *s);

/* ike_libreswan.c: notify and remember a state change of one conn. */
void swan_set_state(struct swan *s, const char *conn, uint32_t ifnum, bool child, bool up,
		    const char *source, const char *reason);

#endif
