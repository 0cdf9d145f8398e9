/*
 * routes.c - what each tunnel advertises (gateway prefixes, CloudHub
 * re-advertisement) and the static routes of static connections.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"

int
pol_prefix_cmp(const struct rd_prefix *a, const struct rd_prefix *b)
{
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

int
pol_route_cmp(const struct pol_route *a, const struct pol_route *b)
{
	int r = pol_prefix_cmp(&a->prefix, &b->prefix);

	if (r != 0)
		return r;
	if (a->distance != b->distance)
		return a->distance < b->distance ? -1 : 1;
	if (a->ifnum != b->ifnum)
		return a->ifnum < b->ifnum ? -1 : 1;
	return (a->nexthop > b->nexthop) - (a->nexthop < b->nexthop);
}

static int
prefix_qcmp(const void *a, const void *b)
{
	return pol_prefix_cmp(a, b);
}

static int
route_qcmp(const void *a, const void *b)
{
	return pol_route_cmp(a, b);
}

/* A prefix without its location (states must not point into a config). */
static struct rd_prefix
bare(const struct rd_prefix *p)
{
	return (struct rd_prefix){ .addr = p->addr, .len = p->len };
}

/* 'p' is one of connection c's own prefixes (its site's or static routes). */
static bool
own_prefix(const struct rd_connection *c, const struct rd_prefix *p)
{
	for (size_t n = 0; c->peer && n < c->peer->nprefixes; n++)
		if (pol_prefix_cmp(&c->peer->prefixes[n], p) == 0)
			return true;
	for (size_t n = 0; n < c->nstatic_routes; n++)
		if (pol_prefix_cmp(&c->static_routes[n], p) == 0)
			return true;
	return false;
}

/* Two connections to the same customer gateway (resolved, else by name). */
static bool
same_peer(const struct rd_connection *c, const struct rd_connection *d)
{
	if (c->peer != NULL && d->peer != NULL)
		return c->peer == d->peer;
	return c->peer_name[0] != '\0' && strcmp(c->peer_name, d->peer_name) == 0;
}

/* CloudHub: connection k's prefixes are re-advertised to connection i. */
static bool
readvertised(const struct rd_config *cfg, const struct pol_state *st, size_t i, size_t k)
{
	const struct rd_connection *c = &cfg->conns[i], *d = &cfg->conns[k];

	if (!cfg->gw.hub || k == i || st->conns[k].status == POL_CONN_DOWN)
		return false;
	if (same_peer(c, d))
		return false;
	return !(c->group[0] != '\0' && strcmp(c->group, d->group) == 0);
}

/* Append connection d's prefixes not owned by c to v (room guaranteed). */
static size_t
add_site(const struct rd_connection *c, const struct rd_connection *d, struct rd_prefix *v,
	 size_t n)
{
	for (size_t p = 0; d->peer && p < d->peer->nprefixes; p++)
		if (!own_prefix(c, &d->peer->prefixes[p]))
			v[n++] = bare(&d->peer->prefixes[p]);
	for (size_t p = 0; d->routing == RD_ROUTING_STATIC && p < d->nstatic_routes; p++)
		if (!own_prefix(c, &d->static_routes[p]))
			v[n++] = bare(&d->static_routes[p]);
	return n;
}

/* Sort and remove duplicates; returns the new length. */
static size_t
sort_unique(struct rd_prefix *v, size_t n)
{
	size_t m = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, prefix_qcmp);
	for (size_t k = 1; k < n; k++)
		if (pol_prefix_cmp(&v[m], &v[k]) != 0)
			v[++m] = v[k];
	return m + 1;
}

bool
pol_gw_prefix_ok(const struct rd_config *cfg, const struct rd_prefix *p, const bool *check_ok)
{
	for (size_t k = 0; check_ok != NULL && k < cfg->gw.nchecks; k++) {
		const struct rd_check *ck = &cfg->gw.checks[k];

		if (check_ok[k])
			continue;
		for (size_t j = 0; j < ck->nprefixes; j++)
			if (ck->prefixes[j].addr == p->addr && ck->prefixes[j].len == p->len)
				return false;
	}
	return true;
}

/* The sorted, unique set connection i advertises; *out NULL when empty. */
static int
build_set(const struct rd_config *cfg, const struct pol_state *st, size_t i,
	  const bool *check_ok, struct rd_prefix **out, size_t *nout)
{
	size_t cap = cfg->gw.nprefixes, n = 0;
	struct rd_prefix *v;

	for (size_t k = 0; k < cfg->nconns; k++) {
		const struct rd_connection *d = &cfg->conns[k];

		if (readvertised(cfg, st, i, k))
			cap += (d->peer ? d->peer->nprefixes : 0) + d->nstatic_routes;
	}
	*out = NULL;
	*nout = 0;
	if (cap == 0)
		return 0;
	v = malloc(cap * sizeof *v);
	if (v == NULL)
		return -1;
	for (size_t p = 0; p < cfg->gw.nprefixes; p++)
		if (pol_gw_prefix_ok(cfg, &cfg->gw.prefixes[p], check_ok))
			v[n++] = bare(&cfg->gw.prefixes[p]);
	for (size_t k = 0; k < cfg->nconns; k++)
		if (readvertised(cfg, st, i, k))
			n = add_site(&cfg->conns[i], &cfg->conns[k], v, n);
	*nout = sort_unique(v, n);
	if (*nout == 0)
		free(v);
	else
		*out = v;
	return 0;
}

int
pol_fill_adv(const struct rd_config *cfg, size_t i, const bool *check_ok,
	     struct pol_state *out)
{
	struct rd_prefix *set = NULL;
	size_t nset = 0;
	const struct rd_connection *c = &cfg->conns[i];

	if (build_set(cfg, out, i, check_ok, &set, &nset) < 0)
		return -1;
	for (size_t j = 0; j < c->ntunnels; j++) {
		struct pol_tunnel_out *t = &out->tunnels[i][j];

		if (!t->advertise || nset == 0)
			continue;
		t->adv = malloc(nset * sizeof *t->adv);
		if (t->adv == NULL) {
			free(set);
			return -1;
		}
		memcpy(t->adv, set, nset * sizeof *set);
		t->nadv = nset;
	}
	free(set);
	return 0;
}

/* Administrative distance of static routes through tunnel (i, j). */
static uint32_t
distance(const struct rd_connection *c, size_t j, const struct pol_obs *o,
	 const struct pol_tunnel_out *t, bool active)
{
	uint32_t d;

	if (t->in_hold_down || o->drained)
		d = POL_DIST_HOLD_DOWN;
	else if (c->mode == RD_MODE_ACTIVE_ACTIVE || j == c->preferred)
		d = POL_DIST_PRIMARY;
	else
		d = POL_DIST_BACKUP;
	return active ? d : d + POL_DIST_STANDBY_EXTRA;
}

int
pol_fill_routes(const struct rd_config *cfg, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
		struct pol_state *out)
{
	size_t cap = 0, n = 0;

	for (size_t i = 0; i < cfg->nconns; i++)
		if (cfg->conns[i].routing == RD_ROUTING_STATIC)
			cap += cfg->conns[i].nstatic_routes * cfg->conns[i].ntunnels;
	if (cap == 0)
		return 0;
	out->routes = malloc(cap * sizeof *out->routes);
	if (out->routes == NULL)
		return -1;
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct rd_connection *c = &cfg->conns[i];

		if (c->routing != RD_ROUTING_STATIC)
			continue;
		for (size_t j = 0; j < c->ntunnels; j++) {
			const struct pol_tunnel_out *t = &out->tunnels[i][j];
			uint32_t dist = distance(c, j, &obs[i][j], t, out->conns[i].active);

			if (!t->usable)
				continue;
			for (size_t r = 0; r < c->nstatic_routes; r++)
				out->routes[n++] = (struct pol_route){
					.prefix = bare(&c->static_routes[r]),
					.ifnum = t->ifnum,
					.nexthop = rd_tunnel_peer_inside(&c->tunnels[j]),
					.distance = dist,
				};
		}
	}
	out->nroutes = n;
	if (n == 0) {
		free(out->routes);
		out->routes = NULL;
	} else {
		qsort(out->routes, n, sizeof *out->routes, route_qcmp);
		out->nroutes = 1;       /* drop duplicates (a route listed twice) */
		for (size_t k = 1; k < n; k++)
			if (pol_route_cmp(&out->routes[out->nroutes - 1], &out->routes[k]) != 0)
				out->routes[out->nroutes++] = out->routes[k];
	}
	return 0;
}
