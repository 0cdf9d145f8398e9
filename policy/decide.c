/*
 * decide.c - pol_decide(): configuration + observations + time -> the
 * desired state of every tunnel and connection. The rules are written down
 * in policy.h above pol_decide(); this file follows them step by step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"

/* Usable: IPsec up, BGP up when dynamic, health ok. */
static bool
obs_usable(const struct rd_connection *c, const struct pol_obs *o)
{
	return o->child_up && (c->routing == RD_ROUTING_STATIC || o->bgp_up) && o->health_ok;
}

static uint64_t
hold_expiry(const struct rd_connection *c, const struct pol_obs *o)
{
	return o->up_since_ms + (uint64_t)c->hold_down * 1000u;
}

/*
 * Every other tunnel of the gateway (one at least) went down within
 * POL_STALL_MS of (i, j)'s last down: all BFD sessions timing out together
 * is a stall of this host (or of its only uplink), not a path that flaps.
 */
static bool
gateway_stall(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
	      size_t i, size_t j)
{
	uint64_t t0 = obs[i][j].last_down_ms;
	size_t others = 0;

	for (size_t k = 0; k < cfg->nconns; k++) {
		for (size_t l = 0; l < cfg->conns[k].ntunnels; l++) {
			uint64_t t = obs[k][l].last_down_ms;

			if (k == i && l == j)
				continue;
			if (t == 0 || (t > t0 ? t - t0 : t0 - t) > POL_STALL_MS)
				return false;
			others++;
		}
	}
	return others > 0;
}

/* Usable and still within the hold-down window after coming back from a
 * down that was more than a blip and not a stall of the gateway. */
static bool
obs_pending(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
	    uint64_t now, size_t i, size_t j)
{
	const struct rd_connection *c = &cfg->conns[i];
	const struct pol_obs *o = &obs[i][j];

	return obs_usable(c, o) && c->hold_down > 0 && o->last_down_ms > 0 &&
	       o->up_since_ms >= o->last_down_ms + POL_BLIP_MS && now < hold_expiry(c, o) &&
	       !gateway_stall(cfg, obs, i, j);
}

/* Connection k shares connection i's hold-down / redundancy scope. */
static bool
same_scope(const struct rd_config *cfg, size_t i, size_t k)
{
	const char *g = cfg->conns[i].group;

	return i == k || (g[0] != '\0' && strcmp(g, cfg->conns[k].group) == 0);
}

/*
 * Hold-down of tunnel (i, j), which is pending: held unless the scope has
 * no settled usable tunnel and (i, j) is the pending one expiring first.
 */
static bool
held(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS], uint64_t now,
     size_t i, size_t j)
{
	size_t bi = i, bj = j;
	uint64_t best = UINT64_MAX;

	for (size_t k = 0; k < cfg->nconns; k++) {
		const struct rd_connection *c = &cfg->conns[k];

		if (!same_scope(cfg, i, k))
			continue;
		for (size_t l = 0; l < c->ntunnels; l++) {
			const struct pol_obs *o = &obs[k][l];

			if (!obs_usable(c, o))
				continue;
			if (!obs_pending(cfg, obs, now, k, l))
				return true;            /* a settled alternative */
			if (hold_expiry(c, o) < best) {
				best = hold_expiry(c, o);
				bi = k;
				bj = l;
			}
		}
	}
	return !(bi == i && bj == j);
}

/* Some tunnel of the gateway other than (i, j) is usable. */
static bool
other_usable(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
	     size_t i, size_t j)
{
	for (size_t k = 0; k < cfg->nconns; k++)
		for (size_t l = 0; l < cfg->conns[k].ntunnels; l++)
			if ((k != i || l != j) && obs_usable(&cfg->conns[k], &obs[k][l]))
				return true;
	return false;
}

/*
 * Kept: a dynamic tunnel whose health check failed while its IPsec SA and
 * BGP session are up, and nothing else on the gateway is usable. It stays
 * usable: a health check alone never takes the last path away (when every
 * tunnel's BFD fails at once, a stall of this host is likelier than every
 * path dying, and dropping them all would cost seconds of re-establishment
 * instead of nothing). The BGP hold time still ends a really dead one.
 */
static bool
kept(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS], size_t i,
     size_t j)
{
	const struct pol_obs *o = &obs[i][j];

	return cfg->conns[i].routing == RD_ROUTING_DYNAMIC && o->child_up && o->bgp_up &&
	       !o->health_ok && !other_usable(cfg, obs, i, j);
}

/* Append "name: cause" to a "; "-separated reason. */
static void __attribute__((format(printf, 3, 4)))
reason_add(struct pol_conn_out *co, const char *tname, const char *fmt, ...)
{
	size_t len = strlen(co->reason);
	char cause[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof cause, fmt, ap);
	va_end(ap);
	snprintf(co->reason + len, sizeof co->reason - len, "%s%s: %s",
		 len ? "; " : "", tname, cause);
}

static const char *
health_cause(const struct rd_tunnel *t, const struct pol_obs *o)
{
	if (o->probe_failed)
		return "probe down";
	if (t->health.bfd)
		return "BFD down";
	return t->health.probe_target ? "probe down" : "health check down";
}

/* Status and reason of connection i from its tunnels' verdicts. */
static void
conn_status(const struct rd_connection *c, const struct pol_obs *obs, uint64_t now,
	    const struct pol_tunnel_out *tun, struct pol_conn_out *co)
{
	size_t nusable = 0, nfull = 0;

	for (size_t j = 0; j < c->ntunnels; j++) {
		const struct pol_obs *o = &obs[j];
		const char *name = c->tunnels[j].name;

		if (!o->child_up)
			reason_add(co, name, "IPsec SA down");
		else if (!o->health_ok && tun[j].usable)
			reason_add(co, name, "%s, kept: no other path",
				   health_cause(&c->tunnels[j], o));
		else if (!o->health_ok)
			reason_add(co, name, "%s", health_cause(&c->tunnels[j], o));
		else if (!tun[j].usable)
			reason_add(co, name, "BGP not established");
		else if (tun[j].in_hold_down)
			reason_add(co, name, "hold-down %llu s left",
				   (unsigned long long)((hold_expiry(c, o) - now + 999) / 1000));
		else if (o->drained)
			reason_add(co, name, "drained");
		else
			nfull++;
		nusable += tun[j].usable;
	}
	if (nusable == 0)
		co->status = POL_CONN_DOWN;
	else if (nfull == c->ntunnels)
		co->status = POL_CONN_UP;
	else
		co->status = POL_CONN_DEGRADED;
}

/* Connection i has a usable tunnel that is neither in hold-down nor drained. */
static bool
conn_ready(const struct rd_connection *c, const struct pol_obs *obs,
	   const struct pol_tunnel_out *tun)
{
	for (size_t j = 0; j < c->ntunnels; j++)
		if (tun[j].usable && !tun[j].in_hold_down && !obs[j].drained)
			return true;
	return false;
}

/* Rank of connection k as its group's active one: lower is better. */
static uint64_t
active_rank(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
	    const struct pol_state *out, size_t k)
{
	const struct rd_connection *c = &cfg->conns[k];
	uint64_t tier = conn_ready(c, obs[k], out->tunnels[k]) ? 0 :
			out->conns[k].status != POL_CONN_DOWN ? 1 : 2;

	return tier << 48 | (uint64_t)c->priority << 24 | k;
}

static void
decide_active(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
	      struct pol_state *out)
{
	for (size_t i = 0; i < cfg->nconns; i++) {
		uint64_t mine = active_rank(cfg, obs, out, i);

		out->conns[i].active = true;
		for (size_t k = 0; k < cfg->nconns; k++)
			if (k != i && same_scope(cfg, i, k) && active_rank(cfg, obs, out, k) < mine)
				out->conns[i].active = false;
	}
}

static uint32_t
sat_add(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/*
 * Steered: tunnel j of a steering connection is usable, settled and not
 * drained, and a tunnel whose adverts the far end prefers is not usable
 * (active-standby: the preferred one; active-active: any other). Until
 * the far end's own hold timer ends that tunnel's session, it still holds
 * its routes, and they beat j's standby attributes; j's must beat them.
 */
static bool
steered(const struct rd_connection *c, size_t j, const struct pol_obs *o,
	const struct pol_tunnel_out *tun)
{
	if (!c->steer || !tun[j].usable || tun[j].in_hold_down || o[j].drained)
		return false;
	for (size_t k = 0; k < c->ntunnels; k++) {
		bool winner = c->mode == RD_MODE_ACTIVE_ACTIVE || k == c->preferred;

		if (k != j && winner && !tun[k].usable)
			return true;
	}
	return false;
}

/* BGP attributes of a dynamic tunnel (rules in policy.h). */
static void
set_attrs(const struct rd_connection *c, size_t j, const struct pol_obs *o, bool active,
	  bool steer, struct pol_tunnel_out *t)
{
	bool primary = c->mode == RD_MODE_ACTIVE_ACTIVE || j == c->preferred;
	/* Not while the tunnel still advertises (a failed BFD session, kept):
	 * an outbound change then made bgpd walk its whole table for the
	 * session while it was moving the routes (policy.h). */
	bool prearmed = !t->usable && !t->advertise && o->last_down_ms > 0 && c->hold_down > 0;

	if (o->drained) {
		t->med = sat_add(c->med_backup, POL_DRAIN_MED_EXTRA);
		t->prepend = POL_DRAIN_PREPEND;
		t->local_pref = POL_LP_DRAIN;
		t->gshut = true;
	} else if (steer) {
		t->med = POL_STEER_MED;
		t->prepend = 0;
		t->local_pref = primary ? POL_LP_PRIMARY : POL_LP_BACKUP;
		t->steer = true;
	} else if (primary && !t->in_hold_down && !prearmed) {
		t->med = c->med_primary;
		t->prepend = 0;
		t->local_pref = POL_LP_PRIMARY;
	} else {
		t->med = c->signal & RD_SIGNAL_MED ? c->med_backup : c->med_primary;
		t->prepend = c->signal & RD_SIGNAL_PREPEND ? c->prepend : 0;
		t->local_pref = POL_LP_BACKUP;
		if (t->in_hold_down || prearmed) {
			t->med = sat_add(t->med, POL_HOLD_MED_EXTRA);
			t->local_pref = POL_LP_HOLD_DOWN;
		}
	}
	if (!active) {
		t->local_pref = t->local_pref / 2 > 1 ? t->local_pref / 2 - 1 : 1;
		t->prepend = sat_add(t->prepend, c->prepend);
		t->med = sat_add(t->med, POL_STANDBY_MED_EXTRA);
	}
}

/* When a failed health check shuts the neighbor (0 in health_down_ms: now). */
static uint64_t
shut_due(const struct pol_obs *o)
{
	return o->health_down_ms ? o->health_down_ms + POL_HEALTH_SHUT_MS : 0;
}

/* Make the decision be taken again at 'when' at the latest. */
static void
eval_at(struct pol_state *out, uint64_t when)
{
	if (out->next_eval_ms == 0 || when < out->next_eval_ms)
		out->next_eval_ms = when;
}

/* Verdicts (usable, hold-down, reject, neighbor) of every tunnel; next_eval_ms. */
static void
decide_tunnels(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
	       uint64_t now, struct pol_state *out)
{
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct rd_connection *c = &cfg->conns[i];
		bool dynamic = c->routing == RD_ROUTING_DYNAMIC, sick;

		for (size_t j = 0; j < c->ntunnels; j++) {
			const struct pol_obs *o = &obs[i][j];
			struct pol_tunnel_out *t = &out->tunnels[i][j];

			t->ifnum = c->tunnels[j].ifnum;
			t->usable = obs_usable(c, o) || kept(cfg, obs, i, j);
			t->in_hold_down = obs_pending(cfg, obs, now, i, j) && held(cfg, obs, now, i, j);
			/* A failed health check (not kept) rejects the routes
			 * at once, shuts the neighbor only once it has lasted:
			 * BFD and the probe run on their own (bfdd peers, not
			 * bgpd's), so they see the tunnel recover either way. */
			sick = dynamic && !o->health_ok && !t->usable;
			t->reject = sick;
			t->neighbor_enabled = dynamic && o->child_up &&
					      (!sick || now < shut_due(o));
			/* BFD is symmetric: the far end sees the failure too
			 * and acts on its own, so while the session is kept
			 * nothing outbound changes (with a large table, an
			 * outbound change keeps bgpd busy before it gets to
			 * the rejection). A failed probe is one-sided: the
			 * adverts go at once, unless the connection steers
			 * its far end (the survivor's adverts win there,
			 * which also covers a tunnel dead one way only, and
			 * an outbound walk of the dead session's table would
			 * only delay the steering in bgpd). */
			t->advertise = dynamic &&
				       (t->usable || (sick && t->neighbor_enabled && o->bgp_up &&
						      (!o->probe_failed || c->steer)));
			if (t->in_hold_down)
				eval_at(out, hold_expiry(c, o));
			if (sick && t->neighbor_enabled)
				eval_at(out, shut_due(o));
		}
	}
}

int
pol_decide(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
	   uint64_t now_ms, struct pol_state *out)
{
	return pol_decide_checked(cfg, obs, NULL, now_ms, out);
}

int
pol_decide_checked(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
		   const bool *check_ok, uint64_t now_ms, struct pol_state *out)
{
	memset(out, 0, sizeof *out);
	if (cfg->nconns == 0)
		return 0;
	out->conns = calloc(cfg->nconns, sizeof *out->conns);
	out->tunnels = calloc(cfg->nconns, sizeof *out->tunnels);
	if (out->conns == NULL || out->tunnels == NULL)
		goto fail;
	out->nconns = cfg->nconns;

	decide_tunnels(cfg, obs, now_ms, out);
	for (size_t i = 0; i < cfg->nconns; i++)
		conn_status(&cfg->conns[i], obs[i], now_ms, out->tunnels[i], &out->conns[i]);
	decide_active(cfg, obs, out);
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct rd_connection *c = &cfg->conns[i];

		if (c->routing != RD_ROUTING_DYNAMIC)
			continue;
		for (size_t j = 0; j < c->ntunnels; j++)
			set_attrs(c, j, &obs[i][j], out->conns[i].active,
				  steered(c, j, obs[i], out->tunnels[i]), &out->tunnels[i][j]);
		if (pol_fill_adv(cfg, i, check_ok, out) < 0)
			goto fail;
	}
	if (pol_fill_routes(cfg, obs, out) < 0)
		goto fail;
	return 0;
fail:
	pol_state_free(out);
	return -1;
}

void
pol_state_free(struct pol_state *s)
{
	for (size_t i = 0; s->tunnels && i < s->nconns; i++)
		for (size_t j = 0; j < RD_MAX_TUNNELS; j++)
			free(s->tunnels[i][j].adv);
	free(s->tunnels);
	free(s->conns);
	free(s->routes);
	memset(s, 0, sizeof *s);
}

const char *
pol_conn_status_str(enum pol_conn_status s)
{
	static const char *const names[] = {
		[POL_CONN_UP] = "UP",
		[POL_CONN_DEGRADED] = "DEGRADED",
		[POL_CONN_DOWN] = "DOWN",
	};

	return (size_t)s < sizeof names / sizeof names[0] && names[s] ? names[s] : "?";
}

const char *
pol_change_kind_str(enum pol_change_kind k)
{
	static const char *const names[] = {
		[POL_NEIGHBOR_ENABLE] = "neighbor-enable",
		[POL_NEIGHBOR_DISABLE] = "neighbor-disable",
		[POL_ATTRS] = "attrs",
		[POL_ADV_ADD] = "adv-add",
		[POL_ADV_DEL] = "adv-del",
		[POL_ROUTE_ADD] = "route-add",
		[POL_ROUTE_DEL] = "route-del",
	};

	return (size_t)k < sizeof names / sizeof names[0] && names[k] ? names[k] : "?";
}
