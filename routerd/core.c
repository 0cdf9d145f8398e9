/* core.c - the apply cycle: observations -> policy -> minimal changes to the backends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "plugins/kernel_route.h"
#include "routerd/core.h"
#include "routerd/log.h"
#include "routerd/probe.h"
#include "routerd/rekey.h"

#define POLL_INTERVAL_MS 1000
#define LINK_DOWN_GRACE_MS 3000         /* sync_interfaces: wait for the FIB */
#define INITIATE_RETRY_MS 10000
#define POLL_SLOW_MS 20                 /* a poll this long is logged (debug) */
#define IKE_POLL_EVERY 3                /* ticks between whack reconciliations */

/* Runtime tunnels for 'cfg', carrying over the state of tunnels in 'old'
 * that keep their ifnum and name (reload keeps SAs and sessions). */
static struct tunnel (*tunnels_for(const struct rd_config *cfg, struct core *old))[RD_MAX_TUNNELS]
{
	struct tunnel (*tun)[RD_MAX_TUNNELS] = calloc(cfg->nconns ? cfg->nconns : 1, sizeof(*tun));
	uint64_t now = core_now_ms();

	if (tun == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->nconns; i++) {
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++) {
			struct tunnel fresh, *prev = old ? core_tunnel(old, cfg->conns[i].tunnels[j].ifnum) : NULL;

			tunnel_init(&fresh, &cfg->conns[i], &cfg->conns[i].tunnels[j], now);
			if (prev != NULL && strcmp(prev->name, fresh.name) == 0 &&
			    prev->dynamic == fresh.dynamic) {
				tun[i][j] = *prev;
				prev->seen = true;
			} else {
				tun[i][j] = fresh;
			}
		}
	}
	return tun;
}

/*
 * Make every ipsecN match its tunnel: the inside /30 on it, and the link up
 * only while the tunnel has an IPsec SA (see rd_kernel_ops.link_set).
 * Interfaces pluto has not created yet are retried at the next poll.
 */
static void
sync_interfaces(struct core *c)
{
	for (size_t i = 0; i < c->cfg->nconns; i++) {
		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++) {
			struct tunnel *t = &c->tun[i][j];
			const struct rd_tunnel *tc = &c->cfg->conns[i].tunnels[j];
			int want = t->obs.child_up ? 1 : 0, rc;

			if (!t->addr_installed) {
				rc = c->kern->addr_add(c->kern_st, t->ifnum, rd_tunnel_local_inside(tc),
						       tc->inside.len);
				if (rc == 0) {
					t->addr_installed = true;
					log_info("tunnel %s: inside address on ipsec%u", t->name, t->ifnum);
				} else if (rc != -ENODEV) {
					log_warnx("tunnel %s: cannot add inside address to ipsec%u: %s",
						  t->name, t->ifnum, strerror(-rc));
				}
			}
			if (t->link_up == want)
				continue;
			/* A link set down takes its routes with it at once, before
			 * zebra has put the replacement in: for a moment the peer's
			 * prefixes would follow the default route, out of the WAN
			 * in clear. So the link stays up (no SA: packets to it are
			 * dropped, not leaked) until the FIB has left it, or
			 * LINK_DOWN_GRACE_MS. */
			if (!want && t->link_up == 1 && t->fib_routes > 0 &&
			    core_now_ms() - t->child_down_ms < LINK_DOWN_GRACE_MS)
				continue;
			rc = c->kern->link_set(c->kern_st, t->ifnum, want);
			if (rc == 0) {
				t->link_up = want;
				log_info("tunnel %s: ipsec%u %s", t->name, t->ifnum,
					 want ? "up (IPsec SA present)" : "down (no IPsec SA)");
			} else if (rc != -ENODEV) {
				log_warnx("tunnel %s: cannot set ipsec%u %s: %s", t->name, t->ifnum,
					  want ? "up" : "down", strerror(-rc));
			}
		}
	}
}

static void
log_status_changes(struct core *c, const struct pol_state *old, const struct pol_state *new)
{
	for (size_t i = 0; i < new->nconns; i++) {
		bool changed = !c->applied_valid || i >= old->nconns ||
			       old->conns[i].status != new->conns[i].status ||
			       strcmp(old->conns[i].reason, new->conns[i].reason) != 0;

		if (changed)
			log_info("connection %s: %s (%s)", c->cfg->conns[i].name,
				 pol_conn_status_str(new->conns[i].status), new->conns[i].reason);
	}
}

static void
arm_holddown(struct core *c, uint64_t next_ms)
{
	uint64_t now = core_now_ms();
	struct timeval tv = {0, 0};

	evtimer_del(c->holddown_ev);
	if (next_ms == 0)
		return;
	if (next_ms > now) {
		tv.tv_sec = (time_t)((next_ms - now) / 1000);
		tv.tv_usec = (suseconds_t)((next_ms - now) % 1000 * 1000);
	}
	evtimer_add(c->holddown_ev, &tv);
}

static bool
attrs_sent(const struct core *c, uint32_t ifnum)
{
	for (size_t i = 0; i < c->nattrs_sent; i++)
		if (c->attrs_sent[i] == ifnum)
			return true;
	return false;
}

static void
set_attrs_sent(struct core *c, uint32_t ifnum, bool sent)
{
	for (size_t i = 0; i < c->nattrs_sent; i++) {
		if (c->attrs_sent[i] == ifnum) {
			if (!sent)
				c->attrs_sent[i] = c->attrs_sent[--c->nattrs_sent];
			return;
		}
	}
	if (sent) {
		uint32_t *v = realloc(c->attrs_sent, (c->nattrs_sent + 1) * sizeof(*v));

		if (v == NULL)
			return;         /* not remembered: the next enable sends them again */
		c->attrs_sent = v;
		c->attrs_sent[c->nattrs_sent++] = ifnum;
	}
}

/*
 * A neighbor-enable carries the tunnel's attributes (pol_change.to) and the
 * FRR renderer sends them with it: 16 route-map commands, and bgpd 8.4
 * commits each route-map command on its own (a northbound commit whose cost
 * grows with the whole configuration). An UP event cost 32 ms at 10
 * neighbors and ~300 ms at 30 (loaded host), seconds at 100, where a DOWN
 * (one 'neighbor shutdown') cost 1 ms. Once bgpd took a tunnel's attributes
 * (an enable or attrs change applied since bgpd's state was last known),
 * it keeps them while the neighbor is shut down, and any difference is its
 * own POL_ATTRS change in the same batch: the enable need not repeat them.
 * Everything is sent again when nothing is known (start, bgpd back, a
 * failed apply: applied_valid false) and for a tunnel whose route-maps a
 * reload created anew (forget_recreated()).
 */
static void
drop_known_attrs(struct core *c, struct pol_change *ch, size_t n)
{
	if (!c->applied_valid)
		c->nattrs_sent = 0;
	for (size_t k = 0; k < n; k++)
		if (ch[k].kind == POL_NEIGHBOR_ENABLE && ch[k].to != NULL &&
		    attrs_sent(c, ch[k].ifnum))
			ch[k].to = NULL;
}

/* After a batch bgpd took: the tunnels whose attributes it now holds. */
static void
note_attrs_sent(struct core *c, const struct pol_change *ch, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if ((ch[k].kind == POL_NEIGHBOR_ENABLE || ch[k].kind == POL_ATTRS) &&
		    ch[k].to != NULL)
			set_attrs_sent(c, ch[k].ifnum, true);
}

/*
 * Reload: a dynamic tunnel whose route-maps the FRR renderer created anew
 * (no dynamic tunnel with its ifnum before, or other names) holds none of
 * the attributes sent before.
 */
static void
forget_recreated(struct core *c, const struct rd_config *old, const struct rd_config *cfg)
{
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct rd_connection *cc = &cfg->conns[i];

		for (size_t j = 0; cc->routing == RD_ROUTING_DYNAMIC && j < cc->ntunnels; j++) {
			struct rd_connection *pc = NULL;
			const struct rd_tunnel *pt = conf_tunnel_by_ifnum(old, cc->tunnels[j].ifnum, &pc);

			if (pt == NULL || pc->routing != RD_ROUTING_DYNAMIC ||
			    strcmp(pc->name, cc->name) != 0 || strcmp(pt->name, cc->tunnels[j].name) != 0)
				set_attrs_sent(c, cc->tunnels[j].ifnum, false);
		}
	}
}

/* One apply cycle. The new desired state becomes 'applied' only if the
 * backend took every change; otherwise the next poll retries from scratch. */
static void
recompute(struct core *c)
{
	struct pol_obs (*obs)[RD_MAX_TUNNELS];
	struct pol_state next, empty;
	struct pol_change *changes = NULL;
	size_t n = 0;
	uint64_t now = core_now_ms();

	sync_interfaces(c);
	obs = calloc(c->cfg->nconns ? c->cfg->nconns : 1, sizeof(*obs));
	if (obs == NULL) {
		log_warnx("recompute: out of memory");
		return;
	}
	for (size_t i = 0; i < c->cfg->nconns; i++)
		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++)
			obs[i][j] = c->tun[i][j].obs;
	memset(&next, 0, sizeof(next));
	memset(&empty, 0, sizeof(empty));
	if (pol_decide_checked(c->cfg, (const struct pol_obs (*)[RD_MAX_TUNNELS])obs,
			       probe_check_ok(c), now, &next) != 0 ||
	    pol_diff(c->applied_valid ? &c->applied : &empty, &next, &changes, &n) != 0) {
		log_warnx("recompute: policy engine out of memory");
		free(obs);
		pol_state_free(&next);
		return;
	}
	free(obs);
	drop_known_attrs(c, changes, n);
	for (size_t k = 0; k < n; k++) {
		char p[20];

		log_debug("apply: %s ipsec%u %s", pol_change_kind_str(changes[k].kind),
			  changes[k].ifnum,
			  changes[k].kind == POL_ROUTE_ADD || changes[k].kind == POL_ROUTE_DEL
				  ? rd_prefix_str(&changes[k].route.prefix, p)
				  : rd_prefix_str(&changes[k].prefix, p));
	}
	log_status_changes(c, &c->applied, &next);
	if (n > 0 && c->bgp->apply_changes(c->bgp_st, c->cfg, changes, n) != 0) {
		log_warnx("apply: FRR did not take %zu change(s); retrying at the next poll", n);
		free(changes);
		pol_state_free(&next);
		c->applied_valid = false;
		return;
	}
	if (n > 0)
		log_info("apply: %zu change(s) applied in %llu ms", n,
			 (unsigned long long)(core_now_ms() - now));
	note_attrs_sent(c, changes, n);
	free(changes);
	pol_state_free(&c->applied);
	c->applied = next;
	c->applied_valid = true;
	arm_holddown(c, next.next_eval_ms);
}

static void
recompute_cb(evutil_socket_t fd, short what, void *arg)
{
	recompute(arg);
}

void
core_recompute_now(struct core *c)
{
	recompute(c);
}

void
core_schedule(struct core *c)
{
	event_active(c->recompute_ev, 0, 0);
}

/*
 * The IKE daemon came back after it was gone (crashed, restarted): it lost
 * every SA, but the kernel still holds the old ones, and the ESP they
 * carry (e.g. TCP resets to the peer's BGP) keeps the peer's liveness check
 * satisfied, so a peer that initiated does not notice for the SAs' lifetime.
 * Initiate every tunnel once from here, whatever its startup action
 * (startup-start ones are retried by initiate_down_tunnels).
 */
static void
reinitiate_all(struct core *c)
{
	int rc;

	for (size_t i = 0; i < c->cfg->nconns; i++) {
		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++) {
			struct tunnel *t = &c->tun[i][j];

			log_info("tunnel %s: initiating (IKE daemon restarted)", t->name);
			t->last_initiate_ms = core_now_ms();
			if ((rc = c->ike->up(c->ike_st, c->cfg, t->ifnum)) != 0)
				log_warnx("tunnel %s: initiate failed: %s", t->name, strerror(-rc));
		}
	}
}

/* A backend daemon went away or came back. Gone pluto: every tunnel's
 * IPsec is considered down (its routes are withdrawn). Back: re-apply
 * (and, for pluto, re-initiate). */
static void
backend_changed(struct core *c, const struct rd_obs *obs)
{
	/* The libreswan backend reports as "whack" (it judges pluto by whack's answer). */
	bool is_ike = obs->source && (strcmp(obs->source, "whack") == 0 ||
				      strcmp(obs->source, "pluto") == 0);
	uint64_t now = core_now_ms();

	log_warnx("backend %s %s%s%s", obs->source ? obs->source : "?",
		  obs->up ? "is back" : "is unreachable", obs->reason ? ": " : "",
		  obs->reason ? obs->reason : "");
	if (!obs->up && is_ike) {
		c->ike_lost = true;
		for (size_t i = 0; i < c->cfg->nconns; i++) {
			for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++) {
				struct rd_obs down = {.kind = RD_OBS_CHILD, .up = false,
						      .ifnum = c->tun[i][j].ifnum,
						      .source = "pluto", .reason = "pluto unreachable"};

				tunnel_observe(&c->tun[i][j], &down, now);
				down.kind = RD_OBS_IKE;
				tunnel_observe(&c->tun[i][j], &down, now);
			}
		}
	}
	if (obs->up && is_ike && c->ike->apply(c->ike_st, NULL, c->cfg) != 0)
		log_warnx("re-apply to pluto failed; will retry");
	if (obs->up && is_ike && c->ike_lost) {
		c->ike_lost = false;
		reinitiate_all(c);
	}
	if (obs->up && !is_ike) {
		if (c->bgp->apply_config(c->bgp_st, NULL, c->cfg) != 0)
			log_warnx("re-apply to FRR failed; will retry");
		c->applied_valid = false;
	}
	core_schedule(c);
}

/*
 * A route via tunnels changed in the kernel FIB: log it against the latest
 * transition among the tunnels of the connections it moved between (a
 * route may reappear on tun2 only after the kernel flushed it with tun1's
 * link), and keep the first change after that transition on the tunnel for
 * routerctl (tunnel.fib).
 */
/* +1: the route now goes via ifnum and did not; -1: the reverse; else 0. */
static int
fib_moved(const struct rd_obs *obs, uint32_t ifnum)
{
	bool via = false, was = false;

	for (unsigned k = 0; k < obs->fib_nvia; k++)
		via |= obs->fib_via[k] == ifnum;
	for (unsigned k = 0; k < obs->fib_nwas; k++)
		was |= obs->fib_was[k] == ifnum;
	return via == was ? 0 : via ? 1 : -1;
}

/* Routes via each tunnel; a link kept up for its routes (sync_interfaces)
 * goes down as soon as the last one has left it. */
static void
fib_count(struct core *c, const struct rd_obs *obs)
{
	bool resync = false;

	for (size_t i = 0; i < c->cfg->nconns; i++) {
		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++) {
			struct tunnel *t = &c->tun[i][j];
			int d = fib_moved(obs, t->ifnum);

			if (d == 0)
				continue;
			t->fib_routes = t->fib_routes + d < 0 ? 0 : t->fib_routes + d;
			resync |= t->fib_routes == 0 && t->link_up == 1 && !t->obs.child_up;
		}
	}
	if (resync)
		sync_interfaces(c);
}

static void
fib_observed(struct core *c, const struct rd_obs *obs)
{
	struct tunnel *cause = NULL;
	struct tunnel_fib *f;
	struct timespec ts;
	uint64_t now = core_now_ms(), delta, wall;
	char line[96];

	for (size_t i = 0; i < c->cfg->nconns; i++) {
		bool involved = false;

		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++)
			for (unsigned k = 0; k < (unsigned)obs->fib_nvia + obs->fib_nwas; k++)
				involved |= c->tun[i][j].ifnum ==
					    (k < obs->fib_nvia ? obs->fib_via[k]
							       : obs->fib_was[k - obs->fib_nvia]);
		for (size_t j = 0; involved && j < c->cfg->conns[i].ntunnels; j++)
			if (cause == NULL || c->tun[i][j].last_change_ms > cause->last_change_ms)
				cause = &c->tun[i][j];
	}
	if (cause == NULL)
		return;         /* via no configured tunnel */
	kr_format(line, sizeof(line), obs);
	for (unsigned k = 0; k < (unsigned)obs->fib_nvia + obs->fib_nwas; k++) {
		struct tunnel *t = core_tunnel(c, k < obs->fib_nvia ? obs->fib_via[k]
								     : obs->fib_was[k - obs->fib_nvia]);

		if (t == NULL)
			continue;
		t->fib.seen_ms = now;
		t->fib.seen_away = k >= obs->fib_nvia;
		for (unsigned v = 0; v < obs->fib_nvia; v++)
			t->fib.seen_away &= obs->fib_via[v] != t->ifnum;

		snprintf(t->fib.seen, sizeof(t->fib.seen), "%s", line);
	}
	delta = now - cause->last_change_ms;
	log_info("fib: %s, %llu ms after %s went %s (%s); kernel: %s", line,
		 (unsigned long long)delta, cause->name, tunnel_state_str(cause->state),
		 cause->reason, obs->reason ? obs->reason : "?");
	f = &cause->fib;
	if (f->changes == 0 || f->cause_ms != cause->last_change_ms) {
		clock_gettime(CLOCK_REALTIME, &ts);
		wall = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		memset(f, 0, sizeof(*f));
		f->cause_ms = cause->last_change_ms;
		f->cause_wall_ms = wall - delta;
		f->to = cause->state;
		snprintf(f->cause, sizeof(f->cause), "%s", cause->reason);
		f->first_ms = now;
		f->first_wall_ms = wall;
		snprintf(f->first, sizeof(f->first), "%s", line);
	}
	f->last_ms = now;
	f->changes++;
}

/*
 * t just went from 'old' (entered at before_ms) to t->state. When FRR saw the
 * cause first (a BFD or BGP session down moves routes at once; routerd
 * learns it at its next poll), a route already left t (or, going UP, came
 * to it) shortly before: tie that change to this transition instead.
 */
#define FIB_EARLY_MS (2 * POLL_INTERVAL_MS)

static void
fib_early(struct tunnel *t, enum tun_state old, uint64_t before_ms)
{
	struct tunnel_fib *f = &t->fib;
	bool away = old == TUN_UP, toward = t->state == TUN_UP;
	uint64_t now = t->last_change_ms, ago, wall;
	struct timespec ts;

	if (!(away || toward) || f->seen_ms == 0 || f->seen_ms <= before_ms ||
	    f->seen_away != away || now - f->seen_ms > FIB_EARLY_MS)
		return;
	ago = now - f->seen_ms;
	log_info("fib: %s, %llu ms before %s went %s (%s): FRR saw it first", f->seen,
		 (unsigned long long)ago, t->name, tunnel_state_str(t->state), t->reason);
	clock_gettime(CLOCK_REALTIME, &ts);
	wall = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	f->cause_ms = now;
	f->cause_wall_ms = wall;
	f->to = t->state;
	snprintf(f->cause, sizeof(f->cause), "%s", t->reason);
	f->first_ms = f->last_ms = f->seen_ms;
	f->first_wall_ms = wall - ago;
	f->changes = 1;
	snprintf(f->first, sizeof(f->first), "%s", f->seen);
}

void
core_observe(void *arg, const struct rd_obs *obs)
{
	struct core *c = arg;
	struct tunnel *t;
	enum tun_state old;
	uint64_t before;

	if (obs->kind == RD_OBS_BACKEND) {
		backend_changed(c, obs);
		return;
	}
	if (obs->kind == RD_OBS_FIB) {
		fib_observed(c, obs);
		fib_count(c, obs);
		return;
	}
	t = core_tunnel(c, obs->ifnum);
	if (t == NULL) {
		log_debug("observation for unknown tunnel ipsec%u from %s ignored", obs->ifnum,
			  obs->source ? obs->source : "?");
		return;
	}
	old = t->state;
	before = t->last_change_ms;
	if (tunnel_observe(t, obs, core_now_ms()))
		core_schedule(c);
	/* The link goes down with the SA, before the FRR apply: nothing local
	 * (BGP, BFD) is sent into an ipsecN with no SA. */
	if (obs->kind == RD_OBS_CHILD && !obs->up)
		sync_interfaces(c);
	if (t->last_change_ms != before)
		fib_early(t, old, before);
}

int
core_drain(struct core *c, const char *name, bool drain, const char **err)
{
	for (size_t i = 0; i < c->cfg->nconns; i++) {
		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++) {
			if (strcmp(c->tun[i][j].name, name) != 0)
				continue;
			if (tunnel_set_drain(&c->tun[i][j], drain, core_now_ms()))
				recompute(c);   /* synchronous: the reply means "applied" */
			return 0;
		}
	}
	*err = "no such tunnel (expected CONNECTION/TUNNEL)";
	return -1;
}

/* Tunnels this side initiates (startup start) are (re)initiated while their
 * Child SA is down: after a DPD "clear" or a pluto restart nobody else will,
 * and a lost Child SA leaves a drop policy, no trap (swan_render.c). With the
 * IKE SA still up, pluto makes a new Child SA on it. */
static void
initiate_down_tunnels(struct core *c, uint64_t now)
{
	for (size_t i = 0; i < c->cfg->nconns; i++) {
		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++) {
			struct tunnel *t = &c->tun[i][j];
			int rc;

			if (c->cfg->conns[i].tunnels[j].startup != RD_STARTUP_START ||
			    t->obs.child_up ||
			    (t->last_initiate_ms && now - t->last_initiate_ms < INITIATE_RETRY_MS))
				continue;
			t->last_initiate_ms = now;
			log_info("tunnel %s: initiating (startup start)", t->name);
			if ((rc = c->ike->up(c->ike_st, c->cfg, t->ifnum)) != 0)
				log_warnx("tunnel %s: initiate failed: %s", t->name, strerror(-rc));
		}
	}
}

static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct core *c = arg;
	uint64_t now = core_now_ms(), t_ike, t_bgp;

	/* bgpd over its vty is cheap: every tick. whack is a fork/exec and
	 * the updown hook and XFRM events already report changes at once, so
	 * reconciling with pluto runs less often, off the loop (poll_start). */
	if (c->polls++ % IKE_POLL_EVERY == 0) {
		if (c->ike->poll_start != NULL)
			c->ike->poll_start(c->ike_st, c->cfg);
		else
			c->ike->poll(c->ike_st, c->cfg);
	}
	t_ike = core_now_ms();
	c->bgp->poll(c->bgp_st, c->cfg);
	t_bgp = core_now_ms();
	/* A health event that comes meanwhile waits for the polls. */
	if (t_bgp - now >= POLL_SLOW_MS)
		log_debug("poll: blocked %llu ms (pluto %llu ms, FRR %llu ms)",
			  (unsigned long long)(t_bgp - now), (unsigned long long)(t_ike - now),
			  (unsigned long long)(t_bgp - t_ike));
	for (size_t i = 0; i < c->cfg->nconns; i++) {
		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++) {
			struct tunnel *t = &c->tun[i][j];
			uint64_t in, out;

			if (c->kern->counters(c->kern_st, t->ifnum, &in, &out) == 0) {
				struct rd_obs o = {.kind = RD_OBS_COUNTERS, .ifnum = t->ifnum,
						   .bytes_in = in, .bytes_out = out};
				tunnel_observe(t, &o, now);
			}
		}
	}
	initiate_down_tunnels(c, now);
	rekey_tick(c, now);
	if (!c->applied_valid)
		core_schedule(c);
	else
		sync_interfaces(c);
}

int
core_start(struct core *c, struct event_base *base, struct rd_config *cfg)
{
	struct timeval tv = {POLL_INTERVAL_MS / 1000, POLL_INTERVAL_MS % 1000 * 1000};
	int rc;

	c->base = base;
	c->cfg = cfg;
	c->started_ms = core_now_ms();
	c->env = (struct rd_backend_env){.base = base, .paths = &c->paths,
					 .notify = core_observe, .arg = c,
					 .exec = c->exec, .exec_arg = c->exec_arg};
	c->tun = tunnels_for(cfg, NULL);
	c->recompute_ev = event_new(base, -1, 0, recompute_cb, c);
	c->holddown_ev = evtimer_new(base, recompute_cb, c);
	c->poll_ev = event_new(base, -1, EV_PERSIST, poll_cb, c);
	if (c->tun == NULL || c->recompute_ev == NULL || c->holddown_ev == NULL || c->poll_ev == NULL ||
	    event_priority_set(c->recompute_ev, RD_EV_PRIO_HEALTH) < 0 ||
	    event_priority_set(c->holddown_ev, RD_EV_PRIO_HEALTH) < 0) {
		log_warnx("out of memory");
		return -1;
	}
	if ((rc = c->kern->init(&c->env, &c->kern_st)) != 0) {
		log_warnx("%s backend: %s", c->kern->name, strerror(-rc));
		return -1;
	}
	if ((rc = c->ike->init(&c->env, &c->ike_st)) != 0) {
		log_warnx("%s backend: %s", c->ike->name, strerror(-rc));
		return -1;
	}
	if ((rc = c->bgp->init(&c->env, &c->bgp_st)) != 0) {
		log_warnx("%s backend: %s", c->bgp->name, strerror(-rc));
		return -1;
	}
	/* Learn the live state before changing anything, so a restarted
	 * routerd does not withdraw what is healthy. */
	c->ike->poll(c->ike_st, cfg);
	c->bgp->poll(c->bgp_st, cfg);
	if ((rc = c->ike->apply(c->ike_st, NULL, cfg)) != 0)
		log_warnx("%s: initial apply failed (%s); retrying as pluto allows", c->ike->name,
			  strerror(-rc));
	if ((rc = c->bgp->apply_config(c->bgp_st, NULL, cfg)) != 0)
		log_warnx("%s: initial apply failed (%s); retrying when bgpd answers",
			  c->bgp->name, strerror(-rc));
	event_add(c->poll_ev, &tv);
	probe_sync(c);
	recompute(c);
	log_info("started: %zu connection(s), %s", cfg->nconns,
		 c->applied_valid ? "state applied" : "state pending");
	return 0;
}

/* Configuration errors at reload go to the log (stderr is /dev/null when daemonised). */
static void
conf_err_log(void *arg, const struct rd_loc *loc, bool warning, const char *msg)
{
	if (warning)
		log_warnx("%s:%d:%d: warning: %s", loc->file ? loc->file : "-", loc->line, loc->col, msg);
	else
		log_warnx("%s:%d:%d: %s", loc->file ? loc->file : "-", loc->line, loc->col, msg);
}

int
core_reload(struct core *c)
{
	struct rd_config *cfg, *old = c->cfg;
	struct tunnel (*tun)[RD_MAX_TUNNELS];
	int rc;

	log_info("reload: reading %s", c->conf_path);
	if (conf_load(c->conf_path, conf_err_log, NULL, &cfg) != 0) {
		log_warnx("reload: %s has errors; running configuration unchanged", c->conf_path);
		return -1;
	}
	for (size_t i = 0; i < old->nconns; i++)
		for (size_t j = 0; j < old->conns[i].ntunnels; j++)
			c->tun[i][j].seen = false;
	tun = tunnels_for(cfg, c);
	if (tun == NULL) {
		conf_free(cfg);
		log_warnx("reload: out of memory; running configuration unchanged");
		return -1;
	}
	if ((rc = c->ike->apply(c->ike_st, old, cfg)) != 0)
		log_warnx("reload: %s apply: %s", c->ike->name, strerror(-rc));
	if ((rc = c->bgp->apply_config(c->bgp_st, old, cfg)) != 0)
		log_warnx("reload: %s apply: %s", c->bgp->name, strerror(-rc));
	for (size_t i = 0; i < old->nconns; i++) {
		for (size_t j = 0; j < old->conns[i].ntunnels; j++) {
			struct tunnel *t = &c->tun[i][j];
			const struct rd_tunnel *tc = &old->conns[i].tunnels[j];

			if (t->seen)
				continue;
			log_info("reload: tunnel %s removed", t->name);
			if (t->addr_installed)
				c->kern->addr_del(c->kern_st, t->ifnum, rd_tunnel_local_inside(tc),
						  tc->inside.len);
		}
	}
	free(c->tun);
	c->tun = tun;
	c->cfg = cfg;
	forget_recreated(c, old, cfg);
	/* A gateway prefix that gained a check is advertised per session from
	 * now on (frr_render.h): re-send every advert, not just the changes. */
	if (!rd_checked_prefixes_equal(old, cfg))
		c->applied_valid = false;
	probe_sync(c);
	recompute(c);
	conf_free(old);
	log_info("reload: done, %zu connection(s)", cfg->nconns);
	return 0;
}

void
core_stop(struct core *c)
{
	struct pol_state empty;
	struct pol_change *changes = NULL;
	size_t n = 0;

	log_info("stopping: withdrawing and removing what routerd configured");
	memset(&empty, 0, sizeof(empty));
	if (c->applied_valid && pol_diff(&c->applied, &empty, &changes, &n) == 0 && n > 0)
		c->bgp->apply_changes(c->bgp_st, c->cfg, changes, n);
	free(changes);
	c->bgp->fini(c->bgp_st, c->cfg);
	c->ike->fini(c->ike_st, c->cfg);
	for (size_t i = 0; i < c->cfg->nconns; i++) {
		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++) {
			const struct rd_tunnel *tc = &c->cfg->conns[i].tunnels[j];

			if (c->tun[i][j].addr_installed)
				c->kern->addr_del(c->kern_st, tc->ifnum, rd_tunnel_local_inside(tc),
						  tc->inside.len);
		}
	}
	c->kern->fini(c->kern_st);
	probe_stop(c);
	pol_state_free(&c->applied);
	event_free(c->recompute_ev);
	event_free(c->holddown_ev);
	event_free(c->poll_ev);
	free(c->tun);
	free(c->attrs_sent);
	conf_free(c->cfg);
}
