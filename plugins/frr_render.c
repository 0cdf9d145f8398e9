/* frr_render.c - configuration and policy changes -> FRR vty commands (pure). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "frr_render.h"

void
frr_cmds_add(struct frr_cmds *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (c->err)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		char **v = realloc(c->v, cap * sizeof(*v));

		if (v == NULL) {
			c->err = -ENOMEM;
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		c->err = -ENOMEM;
	else
		c->v[c->n++] = s;
	va_end(ap);
}

void
frr_cmds_free(struct frr_cmds *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void
frr_plan_free(struct frr_plan *p)
{
	frr_cmds_free(&p->bfdd);
	frr_cmds_free(&p->bgpd);
	frr_cmds_free(&p->bgpd_exec);
	frr_cmds_free(&p->staticd);
}

int
frr_plan_err(const struct frr_plan *p)
{
	return p->bfdd.err ? p->bfdd.err : p->bgpd.err ? p->bgpd.err :
	       p->bgpd_exec.err ? p->bgpd_exec.err : p->staticd.err;
}

static void
print_cmds(FILE *f, const char *name, const struct frr_cmds *c)
{
	if (c->n == 0)
		return;
	fprintf(f, "# %s\n", name);
	for (size_t i = 0; i < c->n; i++)
		fprintf(f, "%s\n", c->v[i]);
}

void
frr_plan_print(FILE *f, const struct frr_plan *p)
{
	print_cmds(f, "bfdd", &p->bfdd);
	print_cmds(f, "bgpd", &p->bgpd);
	print_cmds(f, "bgpd exec", &p->bgpd_exec);
	print_cmds(f, "staticd", &p->staticd);
}

/* Append every command of src to dst (src is emptied). */
static void
cmds_move(struct frr_cmds *dst, struct frr_cmds *src)
{
	for (size_t i = 0; i < src->n; i++)
		frr_cmds_add(dst, "%s", src->v[i]);
	if (src->err)
		dst->err = src->err;
	frr_cmds_free(src);
}

static bool
is_dynamic(const struct rd_connection *c)
{
	return c->routing == RD_ROUTING_DYNAMIC;
}

static const char *
peer_ip(const struct rd_tunnel *t, char buf[16])
{
	return rd_ip_str(rd_tunnel_peer_inside(t), buf);
}

static bool
health_equal(const struct rd_health *a, const struct rd_health *b)
{
	if (a->bfd != b->bfd)
		return false;
	return !a->bfd || (a->bfd_rx_ms == b->bfd_rx_ms && a->bfd_tx_ms == b->bfd_tx_ms &&
			   a->bfd_multiplier == b->bfd_multiplier);
}

/* Same FRR object names and neighbor address: changes can be made in place. */
static bool
same_identity(const struct rd_connection *ca, const struct rd_tunnel *a,
	      const struct rd_connection *cb, const struct rd_tunnel *b)
{
	return strcmp(ca->name, cb->name) == 0 && strcmp(a->name, b->name) == 0 &&
	       rd_tunnel_peer_inside(a) == rd_tunnel_peer_inside(b);
}

bool
frr_tunnel_bgp_equal(const struct rd_connection *ca, const struct rd_tunnel *a,
		     const struct rd_connection *cb, const struct rd_tunnel *b)
{
	return same_identity(ca, a, cb, b) && ca->peer->asn == cb->peer->asn &&
	       a->bgp_keepalive == b->bgp_keepalive && a->bgp_hold == b->bgp_hold &&
	       ca->max_prefix == cb->max_prefix && health_equal(&a->health, &b->health) &&
	       rd_prefixes_equal(ca->peer->prefixes, ca->peer->nprefixes,
			      cb->peer->prefixes, cb->peer->nprefixes);
}

/* The dynamic tunnel with this ifnum in cfg, or NULL. */
static const struct rd_tunnel *
find_dyn(const struct rd_config *cfg, uint32_t ifnum, const struct rd_connection **cp)
{
	struct rd_connection *c;
	const struct rd_tunnel *t;

	if (cfg == NULL || (t = conf_tunnel_by_ifnum(cfg, ifnum, &c)) == NULL || !is_dynamic(c))
		return NULL;
	*cp = c;
	return t;
}

/* Work lists for one render: they are concatenated in this order. */
struct parts {
	struct frr_cmds pre;     /* prefix-lists, route-maps (before router bgp) */
	struct frr_cmds router;  /* under router bgp */
	struct frr_cmds af;      /* under address-family ipv4 unicast */
	struct frr_cmds post;    /* removals of route-maps and prefix-lists */
};

/* A route-map IN entry's match on prefix-list PEER (none: match anything). */
static void
peer_match(struct parts *w, const struct rd_connection *c, const struct rd_tunnel *t,
	   bool replace)
{
	if (c->peer->nprefixes > 0)
		frr_cmds_add(&w->pre, "match ip address prefix-list RD-%s-%s-PEER", c->name, t->name);
	else if (replace)
		frr_cmds_add(&w->pre, "no match ip address prefix-list");
}

/* The peer's declared prefixes as prefix-list PEER, and route-map IN's entries
 * 5 (graceful shutdown) and 10 (the policy's LOCAL_PREF).
 * 'live': the route-map already carries the policy's LOCAL_PREF; keep it. */
static void
render_peer_filter(struct parts *w, const struct rd_connection *c, const struct rd_tunnel *t,
		   bool replace, bool live)
{
	char pb[20];

	if (replace)
		frr_cmds_add(&w->pre, "no ip prefix-list RD-%s-%s-PEER", c->name, t->name);
	for (size_t i = 0; i < c->peer->nprefixes; i++)
		frr_cmds_add(&w->pre, "ip prefix-list RD-%s-%s-PEER seq %zu permit %s le 32",
			     c->name, t->name, (i + 1) * 5,
			     rd_prefix_str(&c->peer->prefixes[i], pb));
	/* RFC 8326: a route the peer tagged GRACEFUL_SHUTDOWN (its end of the
	 * tunnel is drained) gets LOCAL_PREF 0; same filter and strip as 10. */
	frr_cmds_add(&w->pre, "route-map RD-%s-%s-IN permit 5", c->name, t->name);
	frr_cmds_add(&w->pre, "match community RD-GSHUT");
	peer_match(w, c, t, replace);
	frr_cmds_add(&w->pre, "set local-preference %u", POL_LP_GSHUT);
	frr_cmds_add(&w->pre, "set large-comm-list RD-OWN delete");
	frr_cmds_add(&w->pre, "exit");
	frr_cmds_add(&w->pre, "route-map RD-%s-%s-IN permit 10", c->name, t->name);
	peer_match(w, c, t, replace);
	if (!replace && !live)
		frr_cmds_add(&w->pre, "set local-preference 100");
	if (!replace)
		frr_cmds_add(&w->pre, "set large-comm-list RD-OWN delete");
	frr_cmds_add(&w->pre, "exit");
}

/* A tunnel's BFD profile in bfdd. */
static void
render_bfd_profile(struct frr_cmds *bfdd, const struct rd_connection *c, const struct rd_tunnel *t)
{
	frr_cmds_add(bfdd, "bfd");
	frr_cmds_add(bfdd, "profile rd-%s-%s", c->name, t->name);
	frr_cmds_add(bfdd, "receive-interval %u", t->health.bfd_rx_ms);
	frr_cmds_add(bfdd, "transmit-interval %u", t->health.bfd_tx_ms);
	frr_cmds_add(bfdd, "detect-multiplier %u", t->health.bfd_multiplier);
	frr_cmds_add(bfdd, "exit");
	frr_cmds_add(bfdd, "exit");
}

static bool
has_checks(const struct rd_config *cfg)
{
	return cfg != NULL && cfg->gw.nchecks > 0;
}

/* Route-map OUT entries for checked prefixes (frr_render.h). */
static void
render_chk_out(struct frr_cmds *pre, const struct rd_connection *c, const struct rd_tunnel *t)
{
	frr_cmds_add(pre, "route-map RD-%s-%s-OUT permit 10", c->name, t->name);
	frr_cmds_add(pre, "set large-comm-list RD-CHK delete");
	frr_cmds_add(pre, "exit");
	frr_cmds_add(pre, "route-map RD-%s-%s-OUT deny 15", c->name, t->name);
	frr_cmds_add(pre, "match large-community RD-CHK");
	frr_cmds_add(pre, "exit");
}

/*
 * One tunnel's neighbor. 'old' is the tunnel in the previous configuration
 * when it had the same names (its route-maps and prefix-lists, which hold
 * the policy's state, are kept), NULL when everything is new. 'create':
 * the neighbor itself is new; it starts shut down unless 'enabled'.
 * Rendered from scratch while 'enabled' (routerd restarted, or bgpd's vty
 * came back, and the session is live in bgpd), the route-maps keep the
 * policy's LOCAL_PREF and adverts: resetting them would move or withdraw
 * healthy routes until the policy's first apply set them again.
 */
static void
render_tunnel(struct frr_plan *p, struct parts *w, const struct rd_config *cfg,
	      const struct rd_connection *c, const struct rd_tunnel *t,
	      const struct rd_tunnel *old, bool create, bool enabled)
{
	char ip[16];

	peer_ip(t, ip);
	if (old == NULL) {
		render_peer_filter(w, c, t, false, enabled);
		if (!enabled)
			frr_render_own_adv(&w->pre, c, t, false);
		frr_cmds_add(&w->pre, "route-map RD-%s-%s-OUT permit 10", c->name, t->name);
		frr_cmds_add(&w->pre, "match ip address prefix-list RD-%s-%s-ADV", c->name, t->name);
		frr_cmds_add(&w->pre, "exit");
		frr_cmds_add(&w->pre, "route-map RD-%s-%s-OUT permit 20", c->name, t->name);
		frr_cmds_add(&w->pre, "match large-community RD-OWN");
		frr_cmds_add(&w->pre, "set large-comm-list RD-OWN delete");
		frr_cmds_add(&w->pre, "exit");
		if (has_checks(cfg))
			render_chk_out(&w->pre, c, t);
	} else {
		render_peer_filter(w, c, t, true, enabled);
	}
	frr_cmds_add(&w->router, "neighbor %s remote-as %u", ip, c->peer->asn);
	if (create && !enabled)
		frr_cmds_add(&w->router, "neighbor %s shutdown", ip);
	frr_cmds_add(&w->router, "neighbor %s description %s/%s", ip, c->name, t->name);
	frr_cmds_add(&w->router, "neighbor %s timers %u %u", ip, t->bgp_keepalive, t->bgp_hold);
	frr_cmds_add(&w->router, "neighbor %s timers connect 1", ip);
	if (t->health.bfd) {
		render_bfd_profile(&p->bfdd, c, t);
		frr_cmds_add(&w->router, "neighbor %s bfd", ip);
		frr_cmds_add(&w->router, "neighbor %s bfd profile rd-%s-%s", ip, c->name, t->name);
	} else if (old != NULL && old->health.bfd) {
		if (!create)
			frr_cmds_add(&w->router, "no neighbor %s bfd", ip);
		frr_cmds_add(&p->bfdd, "bfd");
		frr_cmds_add(&p->bfdd, "no profile rd-%s-%s", c->name, t->name);
		frr_cmds_add(&p->bfdd, "exit");
	}
	frr_cmds_add(&w->af, "neighbor %s activate", ip);
	frr_cmds_add(&w->af, "neighbor %s soft-reconfiguration inbound", ip);
	frr_cmds_add(&w->af, "neighbor %s maximum-prefix %u", ip, c->max_prefix);
	frr_cmds_add(&w->af, "neighbor %s route-map RD-%s-%s-IN in", ip, c->name, t->name);
	frr_cmds_add(&w->af, "neighbor %s route-map RD-%s-%s-OUT out", ip, c->name, t->name);
}

/* Remove one tunnel's neighbor and (unless only_neighbor) everything named after it. */
static void
render_tunnel_remove(struct frr_plan *p, struct parts *w, const struct rd_connection *c,
		     const struct rd_tunnel *t, bool only_neighbor)
{
	char ip[16];

	frr_cmds_add(&w->router, "no neighbor %s", peer_ip(t, ip));
	if (only_neighbor)
		return;
	frr_cmds_add(&w->post, "no route-map RD-%s-%s-IN", c->name, t->name);
	frr_cmds_add(&w->post, "no route-map RD-%s-%s-OUT", c->name, t->name);
	frr_cmds_add(&w->post, "no ip prefix-list RD-%s-%s-ADV", c->name, t->name);
	frr_cmds_add(&w->post, "no ip prefix-list RD-%s-%s-PEER", c->name, t->name);
	if (t->health.bfd) {
		frr_cmds_add(&p->bfdd, "bfd");
		frr_cmds_add(&p->bfdd, "no profile rd-%s-%s", c->name, t->name);
		frr_cmds_add(&p->bfdd, "exit");
	}
}

/* The router id FRR should use; 0 = let bgpd choose. */
static uint32_t
router_id(const struct rd_config *cfg)
{
	if (cfg->gw.router_id)
		return cfg->gw.router_id;
	if (cfg->gw.local_outside)
		return cfg->gw.local_outside;
	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++)
			if (cfg->conns[i].tunnels[j].local_outside)
				return cfg->conns[i].tunnels[j].local_outside;
	return 0;
}

static bool
has_prefix(const struct rd_prefix *v, size_t n, const struct rd_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].addr == p->addr && v[i].len == p->len)
			return true;
	return false;
}

void
frr_render_own_adv(struct frr_cmds *c, const struct rd_connection *conn,
		   const struct rd_tunnel *t, bool on)
{
	if (on) {
		frr_cmds_add(c, "no route-map RD-%s-%s-OUT deny 5", conn->name, t->name);
		return;
	}
	frr_cmds_add(c, "route-map RD-%s-%s-OUT deny 5", conn->name, t->name);
	frr_cmds_add(c, "match large-community RD-OWN");
	frr_cmds_add(c, "exit");
}

/* Instance-wide settings and the gateway's networks (prev NULL: all new). */
static void
render_globals(struct parts *w, const struct rd_config *prev, const struct rd_config *cfg)
{
	uint32_t rid = router_id(cfg);
	char b[20];

	if (prev == NULL) {
		/* The tag on our own networks (see frr_render.h). */
		frr_cmds_add(&w->pre, "bgp large-community-list standard RD-OWN permit %u:0:1",
			     cfg->gw.asn);
		/* The well-known GRACEFUL_SHUTDOWN community (RFC 8326). */
		frr_cmds_add(&w->pre, "bgp community-list standard RD-GSHUT permit 65535:0");
		frr_cmds_add(&w->pre, "route-map RD-ORIGINATE permit 10");
		frr_cmds_add(&w->pre, "set large-community %u:0:1", cfg->gw.asn);
		frr_cmds_add(&w->pre, "exit");
		frr_cmds_add(&w->router, "no bgp default ipv4-unicast");
		frr_cmds_add(&w->router, "bgp ebgp-requires-policy");
		frr_cmds_add(&w->router, "no bgp network import-check");
		frr_cmds_add(&w->router, "bgp graceful-restart-disable");
		/* %ADJCHANGE lines with the reason a session went down. */
		frr_cmds_add(&w->router, "bgp log-neighbor-changes");
	}
	if (has_checks(cfg) && !has_checks(prev)) {
		/* The tag on checked networks (see frr_render.h). */
		frr_cmds_add(&w->pre, "bgp large-community-list standard RD-CHK permit %u:0:2",
			     cfg->gw.asn);
		frr_cmds_add(&w->pre, "route-map RD-ORIGINATE-CHK permit 10");
		frr_cmds_add(&w->pre, "set large-community %u:0:2", cfg->gw.asn);
		frr_cmds_add(&w->pre, "exit");
	}
	if (rid && (prev == NULL || router_id(prev) != rid))
		frr_cmds_add(&w->router, "bgp router-id %s", rd_ip_str(rid, b));
	else if (!rid && prev != NULL && router_id(prev))
		frr_cmds_add(&w->router, "no bgp router-id");
	if (prev != NULL)
		for (size_t i = 0; i < prev->gw.nprefixes; i++)
			if (!has_prefix(cfg->gw.prefixes, cfg->gw.nprefixes, &prev->gw.prefixes[i]))
				frr_cmds_add(&w->af, "no network %s",
					     rd_prefix_str(&prev->gw.prefixes[i], b));
	for (size_t i = 0; i < cfg->gw.nprefixes; i++) {
		const struct rd_prefix *pf = &cfg->gw.prefixes[i];
		bool chk = rd_prefix_checked(cfg, pf);

		/* A prefix that gains or loses a check changes its route-map in place. */
		if (prev == NULL || !has_prefix(prev->gw.prefixes, prev->gw.nprefixes, pf) ||
		    chk != rd_prefix_checked(prev, pf))
			frr_cmds_add(&w->af, "network %s route-map RD-ORIGINATE%s",
				     rd_prefix_str(pf, b), chk ? "-CHK" : "");
	}
}

/* pre; router bgp { router; address-family { af } }; post -> p->bgpd */
static void
assemble(struct frr_plan *p, struct parts *w, uint32_t asn)
{
	cmds_move(&p->bgpd, &w->pre);
	if (w->router.n > 0 || w->af.n > 0) {
		frr_cmds_add(&p->bgpd, "router bgp %u", asn);
		cmds_move(&p->bgpd, &w->router);
		if (w->af.n > 0) {
			frr_cmds_add(&p->bgpd, "address-family ipv4 unicast");
			cmds_move(&p->bgpd, &w->af);
			frr_cmds_add(&p->bgpd, "exit-address-family");
		}
		frr_cmds_add(&p->bgpd, "exit");
	}
	frr_cmds_free(&w->router);
	frr_cmds_free(&w->af);
	cmds_move(&p->bgpd, &w->post);
}

static bool
same_names(const struct rd_connection *ca, const struct rd_tunnel *a,
	   const struct rd_connection *cb, const struct rd_tunnel *b)
{
	return strcmp(ca->name, cb->name) == 0 && strcmp(a->name, b->name) == 0;
}

static bool
in_set(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Is p a prefix of some peer of cfg (announced, or a static route)? */
static bool
remote_prefix(const struct rd_config *cfg, const struct rd_prefix *p)
{
	if (cfg == NULL)
		return false;
	for (size_t i = 0; i < cfg->npeers; i++)
		if (has_prefix(cfg->peers[i].prefixes, cfg->peers[i].nprefixes, p))
			return true;
	for (size_t i = 0; i < cfg->nconns; i++)
		if (has_prefix(cfg->conns[i].static_routes, cfg->conns[i].nstatic_routes, p))
			return true;
	return false;
}

/* Call fn once for every distinct remote prefix of cfg. */
static void
each_remote(const struct rd_config *cfg, void (*fn)(const struct rd_prefix *, void *), void *arg)
{
	for (size_t i = 0; i < cfg->npeers; i++)
		for (size_t k = 0; k < cfg->peers[i].nprefixes; k++) {
			const struct rd_prefix *p = &cfg->peers[i].prefixes[k];
			bool seen = false;

			for (size_t e = 0; e < i && !seen; e++)
				seen = has_prefix(cfg->peers[e].prefixes, cfg->peers[e].nprefixes, p);
			if (!seen && !has_prefix(cfg->peers[i].prefixes, k, p))
				fn(p, arg);
		}
	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t k = 0; k < cfg->conns[i].nstatic_routes; k++) {
			const struct rd_prefix *p = &cfg->conns[i].static_routes[k];
			bool seen = has_prefix(cfg->conns[i].static_routes, k, p);

			for (size_t e = 0; e < cfg->npeers && !seen; e++)
				seen = has_prefix(cfg->peers[e].prefixes, cfg->peers[e].nprefixes, p);
			for (size_t e = 0; e < i && !seen; e++)
				seen = has_prefix(cfg->conns[e].static_routes, cfg->conns[e].nstatic_routes, p);
			if (!seen)
				fn(p, arg);
		}
}

struct fc_arg {
	struct frr_cmds *st;
	const struct rd_config *other;  /* skip prefixes it has too; NULL: none */
	bool add;
};

static void
fc_one(const struct rd_prefix *p, void *arg)
{
	struct fc_arg *a = arg;
	char b[20];

	if (!remote_prefix(a->other, p))
		frr_cmds_add(a->st, "%sip route %s reject %u", a->add ? "" : "no ",
			     rd_prefix_str(p, b), FRR_FAIL_CLOSED_DISTANCE);
}

/*
 * Fail closed: a reject route at distance FRR_FAIL_CLOSED_DISTANCE for every
 * remote prefix. While a tunnel carries the prefix, BGP's (20) or routerd's
 * static route wins; when none does (every tunnel down), traffic to it is
 * refused here instead of following the default route out of the WAN in
 * clear. zebra swaps one for the other in place.
 */
static void
render_fail_closed(struct frr_cmds *st, const struct rd_config *prev, const struct rd_config *cfg)
{
	struct fc_arg del = { st, cfg, false }, add = { st, prev, true };

	if (prev != NULL)
		each_remote(prev, fc_one, &del);
	each_remote(cfg, fc_one, &add);
}

int
frr_render_config(const struct rd_config *prev, const struct rd_config *cfg,
		  const uint32_t *enabled, size_t nenabled, struct frr_plan *p)
{
	struct parts w = { 0 };
	const struct rd_config *base = prev;

	if (prev != NULL && prev->gw.asn != cfg->gw.asn) {
		/* The local ASN cannot change in place: start the instance over. */
		frr_cmds_add(&p->bgpd, "no router bgp %u", prev->gw.asn);
		frr_cmds_add(&p->bgpd, "no bgp large-community-list standard RD-OWN");
		frr_cmds_add(&p->bgpd, "no bgp community-list standard RD-GSHUT");
		if (has_checks(prev))
			frr_cmds_add(&p->bgpd, "no bgp large-community-list standard RD-CHK");
		base = NULL;
	}
	if (prev == NULL)
		frr_cmds_add(&p->bgpd, "bgp route-map delay-timer 0");
	/* Removed tunnels (and those whose names or address changed). */
	for (size_t i = 0; prev != NULL && i < prev->nconns; i++) {
		const struct rd_connection *pc = &prev->conns[i], *c;

		for (size_t j = 0; is_dynamic(pc) && j < pc->ntunnels; j++) {
			const struct rd_tunnel *pt = &pc->tunnels[j];
			const struct rd_tunnel *t = find_dyn(cfg, pt->ifnum, &c);

			if (t == NULL || !same_identity(pc, pt, c, t))
				render_tunnel_remove(p, &w, pc, pt, t && same_names(pc, pt, c, t));
		}
	}
	render_globals(&w, base, cfg);
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct rd_connection *c = &cfg->conns[i], *pc;

		for (size_t j = 0; is_dynamic(c) && j < c->ntunnels; j++) {
			const struct rd_tunnel *t = &c->tunnels[j];
			const struct rd_tunnel *pt = find_dyn(base, t->ifnum, &pc);

			bool en = in_set(enabled, nenabled, t->ifnum);

			if (pt == NULL || !same_names(pc, pt, c, t))
				render_tunnel(p, &w, cfg, c, t, NULL, true, en);
			else if (!same_identity(pc, pt, c, t))
				render_tunnel(p, &w, cfg, c, t, pt, true, en);  /* moved */
			else if (!frr_tunnel_bgp_equal(pc, pt, c, t))
				render_tunnel(p, &w, cfg, c, t, pt, false, en);
			/* The first check of a reload: existing sessions get the
			 * entries for checked prefixes (new ones got them above). */
			if (pt != NULL && same_names(pc, pt, c, t) && has_checks(cfg) &&
			    !has_checks(base))
				render_chk_out(&w.pre, c, t);
		}
	}
	assemble(p, &w, cfg->gw.asn);
	render_fail_closed(&p->staticd, prev, cfg);
	return frr_plan_err(p);
}

int
frr_render_remove(const struct rd_config *cfg, const struct pol_route *routes, size_t nroutes,
		  struct frr_plan *p)
{
	struct parts w = { 0 };
	char b[20], nh[16];

	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t j = 0; is_dynamic(&cfg->conns[i]) && j < cfg->conns[i].ntunnels; j++)
			render_tunnel_remove(p, &w, &cfg->conns[i], &cfg->conns[i].tunnels[j], false);
	for (size_t i = 0; i < cfg->gw.nprefixes; i++)
		frr_cmds_add(&w.af, "no network %s", rd_prefix_str(&cfg->gw.prefixes[i], b));
	frr_cmds_add(&w.post, "no route-map RD-ORIGINATE");
	frr_cmds_add(&w.post, "no bgp large-community-list standard RD-OWN");
	frr_cmds_add(&w.post, "no bgp community-list standard RD-GSHUT");
	if (has_checks(cfg)) {
		frr_cmds_add(&w.post, "no route-map RD-ORIGINATE-CHK");
		frr_cmds_add(&w.post, "no bgp large-community-list standard RD-CHK");
	}
	assemble(p, &w, cfg->gw.asn);
	for (size_t i = 0; i < nroutes; i++)
		frr_cmds_add(&p->staticd, "no ip route %s %s ipsec%u %u",
			     rd_prefix_str(&routes[i].prefix, b), rd_ip_str(routes[i].nexthop, nh),
			     routes[i].ifnum, routes[i].distance);
	{
		struct fc_arg del = { &p->staticd, NULL, false };

		each_remote(cfg, fc_one, &del);
	}
	return frr_plan_err(p);
}
