/*
 * bgp_frr.c - the FRR backend: bgpd, staticd and bfdd over their vty sockets.
 *
 * Persistent blocking vty connections (2 s timeouts), opened lazily. A lost
 * connection (EOF, refused) means the daemon went away: RD_OBS_BACKEND
 * up=false; when every needed daemon answers again, RD_OBS_BACKEND up=true
 * and the core re-applies everything. The core's 1 s tick polls session
 * (show bgp summary json) and BFD (show bfd peers json) state. BFD state
 * changes also come as they happen from bfdd's control socket
 * (<vty dir>/bfdd.sock, bfd_notify.h), reconnected at the next poll when
 * lost; the poll stays as the safety net.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "bfd_notify.h"
#include "frr_json.h"
#include "frr_render.h"
#include "frr_vty.h"
#include "plugin.h"
#include "routerd/log.h"

enum { D_BGPD, D_STATICD, D_BFDD, D_COUNT };
static const char *const daemon_names[D_COUNT] = { "bgpd", "staticd", "bfdd" };

/* What the backend last reported of one neighbor. */
struct frr_nbr {
	uint32_t ifnum, peer;
	bool bfd;
	bool seen;                      /* in the last summary (or reported gone) */
	bool present;                   /* really in bgpd's last summary */
	bool bgp_known, bgp_up;
	uint32_t accepted, advertised;
	bool bfd_known, bfd_up;
};

struct frr_state {
	struct rd_backend_env env;
	struct frr_vty vty[D_COUNT];
	bool needed[D_COUNT];
	bool down_reported;             /* RD_OBS_BACKEND up=false was sent */
	struct frr_nbr *nbrs;
	size_t nnbrs;
	uint32_t *enabled;              /* ifnums whose neighbor the policy enabled */
	size_t nenabled;
	struct pol_route *routes;       /* static routes routerd installed */
	size_t nroutes;
	struct frr_rmaps rmaps;         /* which shared route-maps each neighbor uses */
	struct event *recalc;           /* best-path rerun after a plan (arm_recalc) */
	struct bfd_notify *bfdn;        /* bfdd's control socket, NULL when not connected */
	bool bfdn_lost;                 /* it closed: reopen at the next poll */
	bool bfdn_warned;               /* "cannot reach" logged (once per outage) */
	uint32_t asn;                   /* bgpd's AS for it */
};

static void
notify(struct frr_state *st, enum rd_obs_kind kind, uint32_t ifnum, bool up,
       const char *source, const char *reason)
{
	struct rd_obs o = { .kind = kind, .ifnum = ifnum, .up = up, .source = source,
			    .reason = reason };

	if (st->env.notify)
		st->env.notify(st->env.arg, &o);
}

/* A daemon's connection failed with err: report the backend gone (once). */
static void
lost(struct frr_state *st, int d, int err)
{
	char why[128];

	frr_vty_close(&st->vty[d]);
	if (st->down_reported)
		return;
	snprintf(why, sizeof(why), "%s unreachable: %s", daemon_names[d], strerror(-err));
	log_warnx("frr: %s", why);
	st->down_reported = true;
	st->nenabled = 0;               /* a restarted bgpd has every neighbor shut */
	for (size_t i = 0; i < st->nnbrs; i++)
		st->nbrs[i].bgp_known = st->nbrs[i].bfd_known = false;
	notify(st, RD_OBS_BACKEND, 0, false, daemon_names[d], why);
}

/* Peer at the connection without blocking: false when the daemon closed it. */
static bool
vty_alive(struct frr_vty *v)
{
	char c;
	ssize_t n;

	if (v->fd < 0)
		return false;
	n = recv(v->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
		frr_vty_close(v);
		return false;
	}
	return true;
}

/*
 * (Re)connect every needed daemon; true when all answer. A connection the
 * daemon closed means it restarted (its configuration is gone): reported
 * down even when the new daemon already answers, then up again.
 */
static bool
check_daemons(struct frr_state *st)
{
	bool all = true;
	int err;

	for (int d = 0; d < D_COUNT; d++) {
		if (!st->needed[d])
			continue;
		if (st->vty[d].fd >= 0) {
			if (vty_alive(&st->vty[d]))
				continue;
			lost(st, d, -EPIPE);
		}
		if ((err = frr_vty_open(&st->vty[d])) < 0) {
			lost(st, d, err);
			all = false;
		}
	}
	if (all && st->down_reported) {
		st->down_reported = false;
		log_info("frr: daemons reachable again");
		notify(st, RD_OBS_BACKEND, 0, true, "bgpd", "FRR daemons reachable again");
	}
	return all;
}

/*
 * The session's command list for c: "configure terminal", c's commands,
 * "end"; batched: inside XFRR_start/end_configuration, without the "exit"
 * that closes a route-map entry. FRR commits a batch's pending northbound
 * changes at the next command that is not a northbound one, and "exit" is
 * such a command: with it every route-map entry would still be its own
 * commit. Without it the next top-level command ("route-map", "ip
 * prefix-list", "router bgp", ...) is not known in the route-map node and
 * FRR runs it in the parent (config) node, as vtysh -f relies on. map[k]
 * is the index in c->v of list entry k, or SIZE_MAX for the added ones.
 */
static size_t
session_cmds(const struct frr_cmds *c, bool batch, char **cmds, size_t *map)
{
	size_t k = 0;
	bool in_rmap = false;

	map[k] = SIZE_MAX;
	cmds[k++] = "configure terminal";
	if (batch) {
		map[k] = SIZE_MAX;
		cmds[k++] = FRR_VTY_BATCH_START;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (strncmp(c->v[i], "route-map ", 10) == 0) {
			in_rmap = true;
		} else if (in_rmap && strcmp(c->v[i], "exit") == 0) {
			in_rmap = false;
			if (batch)
				continue;
		}
		map[k] = i;
		cmds[k++] = c->v[i];
	}
	if (batch) {
		map[k] = SIZE_MAX;
		cmds[k++] = FRR_VTY_BATCH_END;
	}
	map[k] = SIZE_MAX;
	cmds[k++] = "end";
	return k;
}

/* One session running c (batched or not); -EIO when commands failed. */
static int
run_session(struct frr_state *st, int d, const struct frr_cmds *c, bool batch,
	    struct frr_batch_result *res)
{
	char **cmds = calloc(c->n + 4, sizeof(*cmds));
	size_t *map = calloc(c->n + 4, sizeof(*map));
	size_t n;
	int err;

	if (cmds == NULL || map == NULL) {
		free(cmds);
		free(map);
		return -ENOMEM;
	}
	n = session_cmds(c, batch, cmds, map);
	err = frr_vty_batch(&st->vty[d], cmds, n, res);
	if (err == 0 && res->failed > 0) {
		size_t i = map[res->first_failed];

		log_warnx("frr: %s: %zu of %zu commands failed, first \"%s\" (status %u)",
			  daemon_names[d], res->failed, c->n,
			  i != SIZE_MAX ? c->v[i] : cmds[res->first_failed], res->first_status);
		err = -EIO;
	}
	free(cmds);
	free(map);
	return err;
}

/*
 * Run a configuration list in one session of daemon d (configure terminal
 * ... end), batched: FRR 8.4 commits every northbound command (route-maps,
 * prefix-lists, bfdd, staticd) on its own, and each commit validates the
 * whole candidate, so a first configuration of many tunnels took minutes.
 * A batch whose commit FRR rejects loses all its commands (each replied
 * 0): the list is then run again unbatched, where each command stands
 * alone and its own failure is reported. 0, -EIO when commands failed, or
 * the transport's -errno.
 */
static int
run_config(struct frr_state *st, int d, const struct frr_cmds *c)
{
	struct frr_batch_result res;
	int err;

	if (c->n == 0)
		return 0;
	err = run_session(st, d, c, true, &res);
	if (err >= 0 && res.commit_failed > 0) {
		log_warnx("frr: %s: a batched commit was rejected: running the %zu commands "
			  "again one by one", daemon_names[d], c->n);
		err = run_session(st, d, c, false, &res);
	}
	if (err < 0 && st->vty[d].fd < 0)       /* the transport failed */
		lost(st, d, err);
	return err;
}

/* Enable-mode commands (soft clears): failures are only logged. */
static int
run_exec(struct frr_state *st, int d, const struct frr_cmds *c)
{
	struct frr_batch_result res;
	int err;

	if (c->n == 0)
		return 0;
	if ((err = frr_vty_batch(&st->vty[d], c->v, c->n, &res)) < 0) {
		lost(st, d, err);
		return err;
	}
	if (res.failed > 0)
		log_debug("frr: %s: %zu exec commands failed", daemon_names[d], res.failed);
	return 0;
}

/* Run a plan: bgpd's neighbor shutdowns, bfdd (profiles), bgpd, its soft
 * clears, staticd. */
static int
run_plan(struct frr_state *st, const struct frr_plan *p)
{
	int err = 0, e;

	if ((e = run_config(st, D_BGPD, &p->bgpd_first)) < 0)
		err = e;
	if ((e = run_config(st, D_BFDD, &p->bfdd)) < 0)
		err = e;
	if ((e = run_config(st, D_BGPD, &p->bgpd)) < 0)
		err = e;
	if ((e = run_exec(st, D_BGPD, &p->bgpd_exec)) < 0)
		err = e;
	if ((e = run_config(st, D_STATICD, &p->staticd)) < 0)
		err = e;
	return err;
}

/* How long after bgpd ran a plan its best paths are selected again: the
 * soft reconfigurations the plan started (a few ms each) are over by then. */
#define RECALC_DELAY_MS 2000

/*
 * After bgpd took a plan: make it rerun its best-path selection a little
 * later (frr_render_recalc: FRR 8.4 can keep a stale best path after a
 * soft reconfiguration). Each plan restarts the delay. Not without a BGP
 * neighbor: 'router bgp' would create an instance.
 */
static void
arm_recalc(struct frr_state *st, const struct rd_config *cfg, const struct frr_plan *p)
{
	struct timeval tv = { RECALC_DELAY_MS / 1000, (RECALC_DELAY_MS % 1000) * 1000 };

	if (st->recalc == NULL || st->nnbrs == 0 ||
	    (p->bgpd.n == 0 && p->bgpd_exec.n == 0 && p->bgpd_first.n == 0))
		return;
	st->asn = cfg->gw.asn;
	event_add(st->recalc, &tv);
}

static void
on_recalc(evutil_socket_t fd, short what, void *arg)
{
	struct frr_state *st = arg;
	struct frr_plan plan = { 0 };

	if (!check_daemons(st))
		return;         /* a restarted bgpd gets everything again anyway */
	if (frr_render_recalc(st->asn, &plan) == 0 && run_config(st, D_BGPD, &plan.bgpd) == 0)
		log_debug("frr: bgpd selected its best paths again");
	frr_plan_free(&plan);
}

static struct frr_nbr *
nbr_by_peer(struct frr_state *st, uint32_t peer)
{
	for (size_t i = 0; i < st->nnbrs; i++)
		if (st->nbrs[i].peer == peer)
			return &st->nbrs[i];
	return NULL;
}

/* Rebuild the neighbor table from cfg, keeping what is known of unchanged ones. */
static int
nbrs_rebuild(struct frr_state *st, const struct rd_config *cfg)
{
	struct frr_nbr *v;
	size_t n = 0, k = 0;

	for (size_t i = 0; i < cfg->nconns; i++)
		if (cfg->conns[i].routing == RD_ROUTING_DYNAMIC)
			n += cfg->conns[i].ntunnels;
	if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	st->needed[D_BFDD] = false;
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct rd_connection *c = &cfg->conns[i];

		for (size_t j = 0; c->routing == RD_ROUTING_DYNAMIC && j < c->ntunnels; j++) {
			const struct rd_tunnel *t = &c->tunnels[j];
			struct frr_nbr *old = nbr_by_peer(st, rd_tunnel_peer_inside(t));

			if (old && old->ifnum == t->ifnum)
				v[k] = *old;
			v[k].ifnum = t->ifnum;
			v[k].peer = rd_tunnel_peer_inside(t);
			v[k].bfd = t->health.bfd;
			st->needed[D_BFDD] |= t->health.bfd;
			k++;
		}
	}
	free(st->nbrs);
	st->nbrs = v;
	st->nnbrs = k;
	return 0;
}

static void
on_bgp_peer(void *arg, const struct frr_bgp_peer *p)
{
	struct frr_state *st = arg;
	struct frr_nbr *n = nbr_by_peer(st, p->addr);
	struct rd_obs o = { .kind = RD_OBS_BGP, .source = "bgpd", .reason = p->state };

	if (n == NULL)
		return;
	n->seen = true;
	if (n->bgp_known && n->bgp_up == p->established && n->accepted == p->pfx_rcd &&
	    n->advertised == p->pfx_snt)
		return;
	if (!n->bgp_known || n->bgp_up != p->established)
		log_info("frr: neighbor ipsec%u: %s", n->ifnum, p->state);
	n->bgp_known = true;
	n->bgp_up = p->established;
	n->accepted = p->pfx_rcd;
	n->advertised = p->pfx_snt;
	o.ifnum = n->ifnum;
	o.up = n->bgp_up;
	o.accepted = n->accepted;
	o.advertised = n->advertised;
	if (st->env.notify)
		st->env.notify(st->env.arg, &o);
}

static void
on_bfd_peer(void *arg, uint32_t addr, bool up, const char *status)
{
	struct frr_state *st = arg;
	struct frr_nbr *n = nbr_by_peer(st, addr);

	if (n == NULL || !n->bfd || (n->bfd_known && n->bfd_up == up))
		return;
	n->bfd_known = true;
	n->bfd_up = up;
	log_info("frr: BFD ipsec%u: %s", n->ifnum, status);
	notify(st, RD_OBS_HEALTH, n->ifnum, up, "bfdd", status);
}

/* bfdd's control socket closed (bfdd stopped): reopened at the next poll. */
static void
on_bfdn_lost(void *arg)
{
	struct frr_state *st = arg;

	st->bfdn_lost = true;
}

/* (Re)connect bfdd's control socket while BFD is in use. */
static void
bfdn_sync(struct frr_state *st)
{
	char path[RD_PATH_MAX + 16];

	if (st->bfdn != NULL && (st->bfdn_lost || !st->needed[D_BFDD])) {
		bfd_notify_close(st->bfdn);
		st->bfdn = NULL;
		if (st->bfdn_lost)
			log_info("frr: bfdd's control socket closed; polling BFD state");
	}
	st->bfdn_lost = false;
	if (st->bfdn != NULL || !st->needed[D_BFDD] || st->env.base == NULL)
		return;
	snprintf(path, sizeof(path), "%s/bfdd.sock", st->env.paths->frr_vty_dir);
	if ((st->bfdn = bfd_notify_open(st->env.base, path, on_bfd_peer, on_bfdn_lost,
					st)) == NULL) {
		if (!st->bfdn_warned)
			log_warnx("frr: bfdd's control socket %s: %s; BFD state by polling "
				  "only (1 s)", path, strerror(errno));
		st->bfdn_warned = true;
		return;
	}
	st->bfdn_warned = false;
	log_info("frr: BFD state changes from bfdd's control socket %s", path);
}

/* Run a show command on daemon d; *text is malloc'ed. A reply over the
 * vty limit is a reply routerd does not take, not a lost daemon. */
static int
show(struct frr_state *st, int d, const char *cmd, char **text)
{
	uint8_t status;
	int err = frr_vty_cmd(&st->vty[d], cmd, &status, text);

	if (err == -EMSGSIZE) {
		static struct log_rl rl = LOG_RL_INIT("frr: replies over the size limit");

		if (log_rl_allow(&rl))
			log_warnx("frr: '%s': reply over the size limit: skipped", cmd);
	} else if (err < 0) {
		lost(st, d, err);
	}
	return err;
}

/* A reply routerd does not understand: logged (rate-limited), skipped. */
static int
not_understood(const char *cmd, int err)
{
	static struct log_rl rl = LOG_RL_INIT("frr: replies not understood");

	if (err == -EINVAL && log_rl_allow(&rl))
		log_warnx("frr: '%s': reply not understood: skipped, nothing changed", cmd);
	return err;
}

/* Read BGP summary; neighbors missing from it are reported down. */
static int
poll_bgp(struct frr_state *st)
{
	char *text;
	int err;

	if ((err = show(st, D_BGPD, "show bgp summary json", &text)) < 0)
		return err;
	for (size_t i = 0; i < st->nnbrs; i++)
		st->nbrs[i].seen = false;
	err = frr_json_bgp_summary(text, on_bgp_peer, st);
	free(text);
	if (err < 0)
		return not_understood("show bgp summary json", err);
	for (size_t i = 0; i < st->nnbrs; i++) {
		struct frr_bgp_peer gone = { .addr = st->nbrs[i].peer };

		st->nbrs[i].present = st->nbrs[i].seen;
		if (!st->nbrs[i].seen) {
			snprintf(gone.state, sizeof(gone.state), "not configured");
			on_bgp_peer(st, &gone);
		}
	}
	return 0;
}

static int
frr_poll(void *state, const struct rd_config *cfg)
{
	struct frr_state *st = state;
	char *text;
	int err;

	if (!check_daemons(st))
		return -ECONNREFUSED;
	bfdn_sync(st);
	if ((err = poll_bgp(st)) < 0)
		return err;
	if (st->needed[D_BFDD]) {
		if ((err = show(st, D_BFDD, "show bfd peers json", &text)) < 0)
			return err;
		err = frr_json_bfd_peers(text, on_bfd_peer, st);
		free(text);
		not_understood("show bfd peers json", err);
	}
	return err;
}

static int
frr_init(const struct rd_backend_env *env, void **state)
{
	struct frr_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -ENOMEM;
	st->env = *env;
	for (int d = 0; d < D_COUNT; d++)
		frr_vty_init(&st->vty[d], env->paths->frr_vty_dir, daemon_names[d]);
	st->needed[D_BGPD] = st->needed[D_STATICD] = true;
	if (env->base) {
		if ((st->recalc = event_new(env->base, -1, 0, on_recalc, st)) == NULL) {
			free(st);
			return -ENOMEM;
		}
	}
	*state = st;
	return 0;
}

/* After applying: every neighbor must exist in bgpd; warn about those that do not. */
static void
verify(struct frr_state *st)
{
	for (size_t i = 0; i < st->nnbrs; i++)
		st->nbrs[i].seen = false;
	if (poll_bgp(st) < 0)
		return;
	for (size_t i = 0; i < st->nnbrs; i++) {
		struct frr_nbr *n = &st->nbrs[i];
		char ip[16];

		if (!n->seen)
			log_warnx("frr: neighbor %s (ipsec%u) missing from bgpd after apply",
				  rd_ip_str(n->peer, ip), n->ifnum);
	}
}

static void track_enabled(struct frr_state *st, uint32_t ifnum, bool on);

/*
 * Before a base apply from scratch (routerd started, or bgpd's connection
 * came back): a neighbor bgpd already has Established is a live session a
 * previous routerd enabled. Count it as enabled, so the base configuration
 * does not create it shut down (that would reset a healthy session and
 * withdraw its routes); the policy's first apply confirms it.
 */
static void
adopt_live(struct frr_state *st)
{
	char ip[16];

	if (poll_bgp(st) < 0)
		return;
	for (size_t i = 0; i < st->nnbrs; i++) {
		const struct frr_nbr *n = &st->nbrs[i];

		if (!n->present || !n->bgp_up)
			continue;
		log_info("frr: neighbor %s (ipsec%u) already Established in bgpd: kept",
			 rd_ip_str(n->peer, ip), n->ifnum);
		track_enabled(st, n->ifnum, true);
	}
}

static int
frr_apply_config(void *state, const struct rd_config *prev, const struct rd_config *cfg)
{
	struct frr_state *st = state;
	struct frr_plan plan = { 0 };
	int err;

	if ((err = nbrs_rebuild(st, cfg)) < 0)
		return err;
	if (!check_daemons(st))
		return -ECONNREFUSED;
	bfdn_sync(st);
	if (prev == NULL)
		adopt_live(st);
	if ((err = frr_render_config(&st->rmaps, prev, cfg, st->enabled, st->nenabled, &plan)) == 0)
		st->rmaps.unsure = (err = run_plan(st, &plan)) != 0;
	arm_recalc(st, cfg, &plan);
	frr_plan_free(&plan);
	verify(st);
	return err;
}

/* Remember static routes routerd installed (for fini). */
static void
track_route(struct frr_state *st, const struct pol_route *r, bool add)
{
	for (size_t i = 0; i < st->nroutes; i++) {
		if (st->routes[i].prefix.addr == r->prefix.addr &&
		    st->routes[i].prefix.len == r->prefix.len && st->routes[i].ifnum == r->ifnum &&
		    st->routes[i].nexthop == r->nexthop && st->routes[i].distance == r->distance) {
			if (!add)
				st->routes[i] = st->routes[--st->nroutes];
			return;
		}
	}
	if (add) {
		struct pol_route *v = realloc(st->routes, (st->nroutes + 1) * sizeof(*v));

		if (v == NULL)
			return;         /* fini will miss it; logged by nobody: rare */
		st->routes = v;
		st->routes[st->nroutes++] = *r;
	}
}

/* Remember which neighbors the policy enabled (a re-created one stays so). */
static void
track_enabled(struct frr_state *st, uint32_t ifnum, bool on)
{
	for (size_t i = 0; i < st->nenabled; i++) {
		if (st->enabled[i] == ifnum) {
			if (!on)
				st->enabled[i] = st->enabled[--st->nenabled];
			return;
		}
	}
	if (on) {
		uint32_t *v = realloc(st->enabled, (st->nenabled + 1) * sizeof(*v));

		if (v == NULL)
			return;
		st->enabled = v;
		st->enabled[st->nenabled++] = ifnum;
	}
}

static int
frr_apply_changes(void *state, const struct rd_config *cfg, const struct pol_change *ch, size_t n)
{
	struct frr_state *st = state;
	struct frr_plan plan = { 0 };
	int err;

	if (!check_daemons(st))
		return -ECONNREFUSED;
	if ((err = frr_render_changes(&st->rmaps, cfg, ch, n, &plan)) == 0)
		st->rmaps.unsure = (err = run_plan(st, &plan)) != 0;
	arm_recalc(st, cfg, &plan);
	frr_plan_free(&plan);
	for (size_t i = 0; i < n; i++) {
		if (ch[i].kind == POL_ROUTE_ADD || ch[i].kind == POL_ROUTE_DEL)
			track_route(st, &ch[i].route, ch[i].kind == POL_ROUTE_ADD);
		else if (ch[i].kind == POL_NEIGHBOR_ENABLE || ch[i].kind == POL_NEIGHBOR_DISABLE)
			track_enabled(st, ch[i].ifnum, ch[i].kind == POL_NEIGHBOR_ENABLE);
	}
	return err;
}

static void
frr_fini(void *state, const struct rd_config *cfg)
{
	struct frr_state *st = state;
	struct frr_plan plan = { 0 };

	if (st == NULL)
		return;
	if (st->recalc)
		event_free(st->recalc);
	bfd_notify_close(st->bfdn);
	if (cfg && frr_render_remove(&st->rmaps, cfg, st->routes, st->nroutes, &plan) == 0)
		run_plan(st, &plan);
	frr_plan_free(&plan);
	for (int d = 0; d < D_COUNT; d++)
		frr_vty_close(&st->vty[d]);
	free(st->nbrs);
	free(st->routes);
	free(st->enabled);
	frr_rmaps_free(&st->rmaps);
	free(st);
}

const struct rd_bgp_ops rd_bgp_frr = {
	.name = "frr",
	.init = frr_init,
	.apply_config = frr_apply_config,
	.apply_changes = frr_apply_changes,
	.poll = frr_poll,
	.fini = frr_fini,
};
