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
	frr_cmds_free(&p->bgpd_first);
	frr_cmds_free(&p->bfdd);
	frr_cmds_free(&p->bgpd);
	frr_cmds_free(&p->bgpd_exec);
	frr_cmds_free(&p->staticd);
}

int
frr_plan_err(const struct frr_plan *p)
{
	return p->bgpd_first.err ? p->bgpd_first.err : p->bfdd.err ? p->bfdd.err :
	       p->bgpd.err ? p->bgpd.err :
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
	print_cmds(f, "bgpd first", &p->bgpd_first);
	print_cmds(f, "bfdd", &p->bfdd);
	print_cmds(f, "bgpd", &p->bgpd);
	print_cmds(f, "bgpd exec", &p->bgpd_exec);
	print_cmds(f, "staticd", &p->staticd);
}

void
frr_rmaps_free(struct frr_rmaps *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* The tunnel's state; with 'add', a new unknown one when missing (NULL: no memory). */
struct frr_rm_state *
frr_rm_get(struct frr_rmaps *rm, uint32_t ifnum, bool add)
{
	for (size_t i = 0; i < rm->n; i++)
		if (rm->v[i].ifnum == ifnum)
			return &rm->v[i];
	if (!add)
		return NULL;
	if (rm->n == rm->cap) {
		size_t cap = rm->cap ? rm->cap * 2 : 16;
		struct frr_rm_state *v = realloc(rm->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		rm->v = v;
		rm->cap = cap;
	}
	rm->v[rm->n] = (struct frr_rm_state){ .ifnum = ifnum, .lp = 100 };
	return &rm->v[rm->n++];
}

struct frr_rm_state *
frr_rm_take(struct frr_rm_pass *ps, uint32_t ifnum, struct frr_rm_names *n0, bool *known0)
{
	struct frr_rm_state *st = frr_rm_get(ps->rm, ifnum, true);

	if (st == NULL) {
		ps->err = -ENOMEM;
		return NULL;
	}
	*known0 = st->known;
	if (st->known)
		frr_rm_names(st, n0);
	return st;
}

static void
rm_drop(struct frr_rmaps *rm, uint32_t ifnum)
{
	struct frr_rm_state *s = frr_rm_get(rm, ifnum, false);

	if (s != NULL)
		*s = rm->v[--rm->n];
}

void
frr_rm_names(const struct frr_rm_state *s, struct frr_rm_names *n)
{
	char attrs[40] = "";

	if (s->attrs)
		snprintf(attrs, sizeof(attrs), "-M%u-P%u%s", s->med, s->prepend,
			 s->gshut ? "-G" : "");
	snprintf(n->in, sizeof(n->in), "RD-IN-L%u", s->lp);
	n->keep[0] = 0;
	if (s->reject) {
		memcpy(n->keep, n->in, sizeof(n->keep));
		snprintf(n->in, sizeof(n->in), "%s", FRR_RM_REJECT);
	}
	snprintf(n->adv, sizeof(n->adv), "RD-OUT-ADV%s%s", attrs, s->chk ? "-C" : "");
	if (s->own)
		snprintf(n->own, sizeof(n->own), "RD-OUT-OWN%s", attrs);
	else
		n->own[0] = 0;
}

static bool
name_in(char (*v)[48], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

static void
made_add(struct frr_rm_pass *ps, const char *name)
{
	if (ps->nmade == ps->capmade) {
		size_t cap = ps->capmade ? ps->capmade * 2 : 8;
		char (*v)[48] = realloc(ps->made, cap * sizeof(*v));

		if (v == NULL) {
			ps->err = -ENOMEM;
			return;
		}
		ps->made = v;
		ps->capmade = cap;
	}
	snprintf(ps->made[ps->nmade++], 48, "%s", name);
}

static void
before_add(struct frr_rm_pass *ps, const char *name)
{
	if (name[0] && strcmp(name, FRR_RM_REJECT) != 0 &&
	    !name_in(ps->before, ps->nbefore, name))
		snprintf(ps->before[ps->nbefore++], 48, "%s", name);
}

/* fresh: bgpd may have none of the maps (first render, or rm->unsure):
 * define every one used. RD-IN-REJECT is the base configuration's
 * (render_globals), defined for good: never here. */
void
frr_rm_begin(struct frr_rm_pass *ps, struct frr_rmaps *rm, bool fresh)
{
	struct frr_rm_names n;

	fresh = fresh || rm->unsure;
	memset(ps, 0, sizeof(*ps));
	ps->rm = rm;
	ps->fresh = fresh;
	ps->before = calloc(4 * rm->n + 1, sizeof(*ps->before));
	if (ps->before == NULL) {
		ps->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < rm->n; i++) {
		if (!rm->v[i].known)
			continue;
		frr_rm_names(&rm->v[i], &n);
		before_add(ps, n.in);
		before_add(ps, n.keep);
		before_add(ps, n.adv);
		before_add(ps, n.own);
	}
	for (size_t i = 0; !fresh && i < ps->nbefore; i++)
		made_add(ps, ps->before[i]);
	made_add(ps, FRR_RM_REJECT);
}

/* The attribute sets on what is advertised. */
static void
out_sets(struct frr_cmds *pre, const struct frr_rm_state *s, uint32_t asn)
{
	char path[12 * 10 + 1] = "";
	size_t off = 0;

	if (!s->attrs)
		return;
	for (uint32_t i = 0; i < s->prepend && i < 10; i++)
		off += (size_t)snprintf(path + off, sizeof(path) - off, "%s%u", i ? " " : "", asn);
	frr_cmds_add(pre, "set metric %u", s->med);
	if (s->prepend > 0)
		frr_cmds_add(pre, "set as-path prepend %s", path);
	if (s->gshut)
		frr_cmds_add(pre, "set community 65535:0 additive");
}

void
frr_rm_ensure(struct frr_rm_pass *ps, struct frr_cmds *pre, const struct frr_rm_state *s,
	      uint32_t asn, struct frr_rm_names *n)
{
	/* Rejecting, the tunnel keeps the map it returns to (n->keep). */
	const char *in;

	frr_rm_names(s, n);
	in = s->reject ? n->keep : n->in;
	if (!name_in(ps->made, ps->nmade, in)) {
		made_add(ps, in);
		/* RFC 8326: a route the peer tagged GRACEFUL_SHUTDOWN (its end of
		 * the tunnel is drained) gets LOCAL_PREF 0. */
		frr_cmds_add(pre, "route-map %s permit 5", in);
		frr_cmds_add(pre, "match community RD-GSHUT");
		frr_cmds_add(pre, "set local-preference %u", POL_LP_GSHUT);
		frr_cmds_add(pre, "set large-comm-list RD-OWN delete");
		frr_cmds_add(pre, "exit");
		frr_cmds_add(pre, "route-map %s permit 10", in);
		frr_cmds_add(pre, "set local-preference %u", s->lp);
		frr_cmds_add(pre, "set large-comm-list RD-OWN delete");
		frr_cmds_add(pre, "exit");
	}
	if (!name_in(ps->made, ps->nmade, n->adv)) {
		made_add(ps, n->adv);
		frr_cmds_add(pre, "route-map %s permit 10", n->adv);
		if (s->chk)
			frr_cmds_add(pre, "set large-comm-list RD-CHK delete");
		out_sets(pre, s, asn);
		frr_cmds_add(pre, "exit");
	}
	if (n->own[0] && !name_in(ps->made, ps->nmade, n->own)) {
		made_add(ps, n->own);
		frr_cmds_add(pre, "route-map %s permit 10", n->own);
		frr_cmds_add(pre, "match large-community RD-OWN");
		frr_cmds_add(pre, "set large-comm-list RD-OWN delete");
		out_sets(pre, s, asn);
		frr_cmds_add(pre, "exit");
	}
}

/* Point the tunnel's route-map OUT at the maps of n, where they differ
 * from n0 (NULL: all; its permit 20 exists only while 'own'). */
void
frr_rm_out(struct frr_cmds *pre, const struct rd_connection *c, const struct rd_tunnel *t,
	   const struct frr_rm_names *n0, const struct frr_rm_names *n)
{
	if (n0 == NULL || strcmp(n0->adv, n->adv) != 0) {
		frr_cmds_add(pre, "route-map RD-%s-%s-OUT permit 10", c->name, t->name);
		if (n0 == NULL)
			frr_cmds_add(pre, "match ip address prefix-list RD-%s-%s-ADV", c->name,
				     t->name);
		frr_cmds_add(pre, "call %s", n->adv);
		frr_cmds_add(pre, "exit");
	}
	if (n->own[0] && (n0 == NULL || strcmp(n0->own, n->own) != 0)) {
		frr_cmds_add(pre, "route-map RD-%s-%s-OUT permit 20", c->name, t->name);
		frr_cmds_add(pre, "call %s", n->own);
		frr_cmds_add(pre, "exit");
	} else if (!n->own[0] && n0 != NULL && n0->own[0]) {
		frr_cmds_add(pre, "no route-map RD-%s-%s-OUT permit 20", c->name, t->name);
	}
}

void
frr_rm_end(struct frr_rm_pass *ps, struct frr_cmds *post)
{
	struct frr_rmaps *rm = ps->rm;
	bool unknown = false;
	struct frr_rm_names n;

	for (size_t i = 0; i < rm->n; i++)
		unknown |= !rm->v[i].known;
	/* An unknown tunnel may use any map: remove none. */
	for (size_t i = 0; !unknown && i < ps->nbefore; i++) {
		bool used = false;

		for (size_t k = 0; k < rm->n && !used; k++) {
			frr_rm_names(&rm->v[k], &n);
			used = strcmp(n.in, ps->before[i]) == 0 || strcmp(n.adv, ps->before[i]) == 0 ||
			       strcmp(n.own, ps->before[i]) == 0 || strcmp(n.keep, ps->before[i]) == 0;
		}
		if (!used)
			frr_cmds_add(post, "no route-map %s", ps->before[i]);
	}
	if (ps->err)
		post->err = ps->err;
	free(ps->before);
	free(ps->made);
	memset(ps, 0, sizeof(*ps));
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

/* The peer's declared prefixes as prefix-list PEER. */
static void
render_peer_filter(struct parts *w, const struct rd_connection *c, const struct rd_tunnel *t,
		   bool replace)
{
	char pb[20];

	if (replace)
		frr_cmds_add(&w->pre, "no ip prefix-list RD-%s-%s-PEER", c->name, t->name);
	for (size_t i = 0; i < c->peer->nprefixes; i++)
		frr_cmds_add(&w->pre, "ip prefix-list RD-%s-%s-PEER seq %zu permit %s le 32",
			     c->name, t->name, (i + 1) * 5,
			     rd_prefix_str(&c->peer->prefixes[i], pb));
}

/* bgpd applies an edited neighbor prefix-list to routes already received
 * only at a soft clear (a route-map's prefix-list edits it applied itself). */
static void
soft_clear(struct frr_plan *p, const struct rd_tunnel *t, bool in, bool out)
{
	char ip[16];

	if (in || out)
		frr_cmds_add(&p->bgpd_exec, "clear bgp ipv4 unicast %s soft%s", peer_ip(t, ip),
			     in && out ? "" : in ? " in" : " out");
}

/* A tunnel's BFD session in bfdd: its key (peer, local address, interface). */
static const char *
bfd_peer_key(const struct rd_tunnel *t, char *buf, size_t len)
{
	char pa[16], la[16];

	snprintf(buf, len, "peer %s local-address %s interface ipsec%u",
		 rd_ip_str(rd_tunnel_peer_inside(t), pa), rd_ip_str(rd_tunnel_local_inside(t), la),
		 t->ifnum);
	return buf;
}

/*
 * A tunnel's BFD profile and session, configured in bfdd itself: bgpd does
 * not follow BFD (no 'neighbor bfd'), routerd does (bfd_notify.h), so a
 * BFD failure on every tunnel at once does not reset every BGP session
 * (policy.h, "kept").
 */
static void
render_bfd(struct frr_cmds *bfdd, const struct rd_connection *c, const struct rd_tunnel *t)
{
	char key[96];

	frr_cmds_add(bfdd, "bfd");
	frr_cmds_add(bfdd, "profile rd-%s-%s", c->name, t->name);
	frr_cmds_add(bfdd, "receive-interval %u", t->health.bfd_rx_ms);
	frr_cmds_add(bfdd, "transmit-interval %u", t->health.bfd_tx_ms);
	frr_cmds_add(bfdd, "detect-multiplier %u", t->health.bfd_multiplier);
	frr_cmds_add(bfdd, "exit");
	frr_cmds_add(bfdd, "%s", bfd_peer_key(t, key, sizeof(key)));
	frr_cmds_add(bfdd, "profile rd-%s-%s", c->name, t->name);
	frr_cmds_add(bfdd, "exit");
	frr_cmds_add(bfdd, "exit");
}

/* Remove a tunnel's BFD session, and its profile too unless keep_profile. */
static void
render_bfd_remove(struct frr_cmds *bfdd, const struct rd_connection *c, const struct rd_tunnel *t,
		  bool keep_profile)
{
	char key[96];

	frr_cmds_add(bfdd, "bfd");
	frr_cmds_add(bfdd, "no %s", bfd_peer_key(t, key, sizeof(key)));
	if (!keep_profile)
		frr_cmds_add(bfdd, "no profile rd-%s-%s", c->name, t->name);
	frr_cmds_add(bfdd, "exit");
}

static bool
has_checks(const struct rd_config *cfg)
{
	return cfg != NULL && cfg->gw.nchecks > 0;
}

/*
 * One tunnel's neighbor. 'old' is the tunnel in the previous configuration
 * when it had the same names (its prefix-list ADV and route-map OUT, which
 * hold the policy's adverts, are kept; its attributes are in ps->rm), NULL
 * when everything is new. 'create': the neighbor itself is new; it starts
 * shut down unless 'enabled'. Rendered from scratch ('restart': the first
 * render) while 'enabled' and unknown to rm (routerd restarted, the session
 * is live in bgpd), its route-maps are left as bgpd has them: resetting
 * them would move or withdraw healthy routes until the policy's first
 * apply set them again. 'peer_changed': prefix-list PEER changed in place.
 */
static void
render_tunnel(struct frr_plan *p, struct parts *w, struct frr_rm_pass *ps,
	      const struct rd_config *prev, const struct rd_config *cfg,
	      const struct rd_connection *c, const struct rd_tunnel *t,
	      const struct rd_tunnel *old, bool create, bool enabled, bool restart,
	      bool peer_changed)
{
	struct frr_rm_names n0, n;
	char ip[16];
	bool known0;
	struct frr_rm_state *st = frr_rm_take(ps, t->ifnum, &n0, &known0);

	if (st == NULL)
		return;
	peer_ip(t, ip);
	if (old == NULL && !enabled) {
		/* A new neighbor, shut down: LOCAL_PREF 100, nothing of its own
		 * advertised, no MED or prepends until the policy's first. */
		*st = (struct frr_rm_state){ .ifnum = t->ifnum, .known = true, .lp = 100 };
	} else if (!st->known && create && !restart) {
		st->known = true;       /* a new neighbor needs maps: the defaults */
	}
	if (has_checks(cfg) && st->known)
		st->chk = true;         /* the first check (frr_render.h) */
	else if (!st->known)
		st->chk = has_checks(cfg);
	render_peer_filter(w, c, t, old != NULL);
	if (old != NULL && !create)
		soft_clear(p, t, peer_changed, false);
	if (st->known) {
		frr_rm_ensure(ps, &w->pre, st, cfg->gw.asn, &n);
		if (old == NULL) {
			frr_rm_out(&w->pre, c, t, NULL, &n);
			/* a re-created one (new ASN) may still have it */
			if (!n.own[0] && prev != NULL && known0 && n0.own[0])
				frr_cmds_add(&w->pre, "no route-map RD-%s-%s-OUT permit 20",
					     c->name, t->name);
		} else {
			frr_rm_out(&w->pre, c, t, known0 ? &n0 : NULL, &n);
		}
	}
	frr_cmds_add(&w->router, "neighbor %s remote-as %u", ip, c->peer->asn);
	if (create && !enabled)
		frr_cmds_add(&w->router, "neighbor %s shutdown", ip);
	frr_cmds_add(&w->router, "neighbor %s description %s/%s", ip, c->name, t->name);
	frr_cmds_add(&w->router, "neighbor %s timers %u %u", ip, t->bgp_keepalive, t->bgp_hold);
	frr_cmds_add(&w->router, "neighbor %s timers connect 1", ip);
	if (old != NULL && old->health.bfd &&
	    (!t->health.bfd || old->ifnum != t->ifnum ||
	     rd_tunnel_local_inside(old) != rd_tunnel_local_inside(t)))
		render_bfd_remove(&p->bfdd, c, old, t->health.bfd);
	if (t->health.bfd)
		render_bfd(&p->bfdd, c, t);
	/* bgpd does not follow BFD; an older routerd had it do so */
	if (!create || restart)
		frr_cmds_add(&w->router, "no neighbor %s bfd", ip);
	frr_cmds_add(&w->af, "neighbor %s activate", ip);
	frr_cmds_add(&w->af, "neighbor %s soft-reconfiguration inbound", ip);
	frr_cmds_add(&w->af, "neighbor %s maximum-prefix %u", ip, c->max_prefix);
	if (c->peer->nprefixes > 0)
		frr_cmds_add(&w->af, "neighbor %s prefix-list RD-%s-%s-PEER in", ip, c->name,
			     t->name);
	else if (old != NULL)
		frr_cmds_add(&w->af, "no neighbor %s prefix-list RD-%s-%s-PEER in", ip, c->name,
			     t->name);
	/* Unknown (adopted live): bgpd's IN map stays. */
	if (st->known && (create || old == NULL || !known0 || strcmp(n.in, n0.in) != 0))
		frr_cmds_add(&w->af, "neighbor %s route-map %s in", ip, n.in);
	frr_cmds_add(&w->af, "neighbor %s route-map RD-%s-%s-OUT out", ip, c->name, t->name);
}

/* An unchanged tunnel at the first check of a reload: its route-map OUT
 * strips the checked prefixes' tag (frr_render.h). */
static void
render_tunnel_chk(struct parts *w, struct frr_rm_pass *ps, const struct rd_config *cfg,
		  const struct rd_connection *c, const struct rd_tunnel *t)
{
	struct frr_rm_state *st = frr_rm_get(ps->rm, t->ifnum, false);
	struct frr_rm_names n0, n;

	if (st == NULL || !st->known || st->chk || !has_checks(cfg))
		return;
	frr_rm_names(st, &n0);
	st->chk = true;
	frr_rm_ensure(ps, &w->pre, st, cfg->gw.asn, &n);
	frr_rm_out(&w->pre, c, t, &n0, &n);
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
	frr_cmds_add(&w->post, "no route-map RD-%s-%s-OUT", c->name, t->name);
	frr_cmds_add(&w->post, "no ip prefix-list RD-%s-%s-ADV", c->name, t->name);
	frr_cmds_add(&w->post, "no ip prefix-list RD-%s-%s-PEER", c->name, t->name);
	if (t->health.bfd)
		render_bfd_remove(&p->bfdd, c, t, false);
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
		/* Defined for good, so a failover is one neighbor command. */
		frr_cmds_add(&w->pre, "route-map %s deny 10", FRR_RM_REJECT);
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
frr_render_config(struct frr_rmaps *rm, const struct rd_config *prev, const struct rd_config *cfg,
		  const uint32_t *enabled, size_t nenabled, struct frr_plan *p)
{
	struct parts w = { 0 };
	const struct rd_config *base = prev;
	struct frr_rm_pass ps;

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
	frr_rm_begin(&ps, rm, prev == NULL);
	/* Removed tunnels (and those whose names or address changed). */
	for (size_t i = 0; prev != NULL && i < prev->nconns; i++) {
		const struct rd_connection *pc = &prev->conns[i], *c;

		for (size_t j = 0; is_dynamic(pc) && j < pc->ntunnels; j++) {
			const struct rd_tunnel *pt = &pc->tunnels[j];
			const struct rd_tunnel *t = find_dyn(cfg, pt->ifnum, &c);

			if (t == NULL || !same_identity(pc, pt, c, t))
				render_tunnel_remove(p, &w, pc, pt, t && same_names(pc, pt, c, t));
			if (t == NULL)
				rm_drop(rm, pt->ifnum);
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
				render_tunnel(p, &w, &ps, base, cfg, c, t, NULL, true, en, !prev,
					      false);
			else if (!same_identity(pc, pt, c, t))
				render_tunnel(p, &w, &ps, base, cfg, c, t, pt, true, en, false,
					      false);
			else if (!frr_tunnel_bgp_equal(pc, pt, c, t))
				render_tunnel(p, &w, &ps, base, cfg, c, t, pt, false, en, false,
					      !rd_prefixes_equal(pc->peer->prefixes,
								 pc->peer->nprefixes,
								 c->peer->prefixes,
								 c->peer->nprefixes));
			else
				render_tunnel_chk(&w, &ps, cfg, c, t);
		}
	}
	frr_rm_end(&ps, &w.post);
	assemble(p, &w, cfg->gw.asn);
	render_fail_closed(&p->staticd, prev, cfg);
	return frr_plan_err(p);
}

int
frr_render_recalc(uint32_t asn, struct frr_plan *p)
{
	frr_cmds_add(&p->bgpd, "router bgp %u", asn);
	frr_cmds_add(&p->bgpd, "bgp bestpath as-path confed");
	frr_cmds_add(&p->bgpd, "no bgp bestpath as-path confed");
	frr_cmds_add(&p->bgpd, "exit");
	return frr_plan_err(p);
}

int
frr_render_remove(struct frr_rmaps *rm, const struct rd_config *cfg,
		  const struct pol_route *routes, size_t nroutes,
		  struct frr_plan *p)
{
	struct parts w = { 0 };
	struct frr_rm_pass ps;
	char b[20], nh[16];

	frr_rm_begin(&ps, rm, false);
	rm->n = 0;              /* no tunnel uses any map any more */

	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t j = 0; is_dynamic(&cfg->conns[i]) && j < cfg->conns[i].ntunnels; j++)
			render_tunnel_remove(p, &w, &cfg->conns[i], &cfg->conns[i].tunnels[j], false);
	for (size_t i = 0; i < cfg->gw.nprefixes; i++)
		frr_cmds_add(&w.af, "no network %s", rd_prefix_str(&cfg->gw.prefixes[i], b));
	frr_rm_end(&ps, &w.post);
	frr_cmds_add(&w.post, "no route-map RD-ORIGINATE");
	frr_cmds_add(&w.post, "no route-map %s", FRR_RM_REJECT);
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
