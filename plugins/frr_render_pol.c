/* frr_render_pol.c - the policy engine's changes (pol_change) -> FRR vty commands (pure). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frr_render.h"

/* Soft clears owed per tunnel after the configuration ran. */
struct soft {
	uint32_t ifnum;
	bool in, out, enabled, disabled;
	bool attrs;             /* POL_ATTRS: render_attrs decides what to clear */
	bool rejected;          /* switched to RD-IN-REJECT in bgpd_first (bgpd re-filtered) */
	int own;                /* gateway prefixes: 1 advertise, 0 withdraw, -1 no change */
	const struct pol_tunnel_out *to;  /* the last attributes of the batch, or NULL */
	const struct rd_connection *c;
	const struct rd_tunnel *t;
};

struct soft_set {
	struct soft *v;         /* one slot per change at most */
	size_t n;
};

static struct soft *
soft_get(struct soft_set *s, const struct rd_connection *c, const struct rd_tunnel *t)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].ifnum == t->ifnum)
			return &s->v[i];
	s->v[s->n] = (struct soft){ .ifnum = t->ifnum, .c = c, .t = t, .own = -1 };
	return &s->v[s->n++];
}

/* Commands of the plan's first bgpd commit (frr_plan.bgpd_first). */
struct first {
	struct frr_cmds router, af;
};

/*
 * A tunnel's new attribute set (MED, AS-path prepends, the GRACEFUL_SHUTDOWN
 * tag (RFC 8326) on what is advertised, LOCAL_PREF (0 = 100), whether the
 * gateway's own prefixes are advertised, whether its routes are rejected):
 * its neighbor switches to the shared route-maps for it, defined first if
 * new (frr_render.h). A switch to RD-IN-REJECT (defined for good by the
 * base configuration) goes alone in the first commit: bgpd re-filters the
 * session's routes at the switch (soft reconfiguration inbound), before
 * the plan's outbound edits, each a walk of the whole table for that
 * session (with 10,000 own prefixes to withdraw, ~1 s of bgpd in the TCG
 * guest, during which the dead tunnel's routes stayed in the FIB).
 */
static void
render_attrs(struct frr_rm_pass *ps, struct frr_cmds *pre, struct frr_cmds *af,
	     struct first *first, const struct rd_config *cfg, struct soft *s)
{
	struct frr_rm_names n0, n;
	bool known0;
	char ip[16];
	struct frr_rm_state *st = frr_rm_take(ps, s->t->ifnum, &n0, &known0);

	if (st == NULL)
		return;
	if (!known0)
		st->chk = cfg->gw.nchecks > 0;
	if (s->to != NULL) {
		st->attrs = true;
		st->lp = s->to->local_pref ? s->to->local_pref : 100;
		st->med = s->to->med;
		st->prepend = s->to->prepend;
		st->gshut = s->to->gshut;
		st->reject = s->to->reject;
	}
	if (s->own >= 0)
		st->own = s->own == 1;
	st->known = true;
	frr_rm_ensure(ps, pre, st, cfg->gw.asn, &n);
	/* unknown: bgpd's entries are rewritten, permit 20 removed if not own */
	if (!known0)
		n0 = (struct frr_rm_names){ .in = "", .adv = "", .own = "?" };
	frr_rm_out(pre, s->c, s->t, &n0, &n);
	rd_ip_str(rd_tunnel_peer_inside(s->t), ip);
	if (strcmp(n.in, n0.in) != 0 && st->reject) {
		frr_cmds_add(&first->af, "neighbor %s route-map %s in", ip, n.in);
		s->rejected = true;
	} else if (strcmp(n.in, n0.in) != 0) {
		frr_cmds_add(af, "neighbor %s route-map %s in", ip, n.in);
	}
	/* What bgpd must run again: a shared map never changes under its
	 * name, and bgpd re-filters a session at the switch of its IN map
	 * (soft reconfiguration inbound), so only a route-map OUT now calling
	 * other maps owes a soft clear (out). A neighbor whose maps are
	 * unknown to us, or were all defined again (ps->fresh), or enabled in
	 * this batch (it may be Established already), gets both. */
	if (s->attrs && (!known0 || ps->fresh || s->enabled))
		s->in = s->out = true;
	else if (s->attrs && (strcmp(n.adv, n0.adv) != 0 || strcmp(n.own, n0.own) != 0))
		s->out = true;
}

static void
render_route(struct frr_cmds *staticd, const struct pol_route *r, bool add)
{
	char pb[20], nh[16];

	frr_cmds_add(staticd, "%sip route %s %s ipsec%u %u", add ? "" : "no ",
		     rd_prefix_str(&r->prefix, pb), rd_ip_str(r->nexthop, nh), r->ifnum,
		     r->distance);
}

/*
 * True when change i is a ROUTE_DEL whose prefix, nexthop and interface a
 * ROUTE_ADD of the batch installs again at another distance. staticd keys a
 * static nexthop by prefix, gateway and interface only: the add replaces the
 * old distance, and a "no ip route" naming either distance would remove the
 * new route (a distance change, e.g. the end of a hold-down, lost the route).
 */
static bool
replaced_in_batch(const struct pol_change *ch, size_t n, size_t i)
{
	const struct pol_route *d = &ch[i].route;

	if (ch[i].kind != POL_ROUTE_DEL)
		return false;
	for (size_t k = 0; k < n; k++)
		if (ch[k].kind == POL_ROUTE_ADD && ch[k].route.prefix.addr == d->prefix.addr &&
		    ch[k].route.prefix.len == d->prefix.len && ch[k].route.nexthop == d->nexthop &&
		    ch[k].route.ifnum == d->ifnum)
			return true;
	return false;
}

/* Is p one of the gateway's own prefixes tagged RD-OWN (all or none per
 * session)? Prefixes gated by a LAN check are tagged RD-CHK instead and
 * advertised one by one through prefix-list ADV (frr_render.h). */
static bool
gw_prefix(const struct rd_config *cfg, const struct rd_prefix *p)
{
	for (size_t i = 0; i < cfg->gw.nprefixes; i++)
		if (cfg->gw.prefixes[i].addr == p->addr && cfg->gw.prefixes[i].len == p->len)
			return !rd_prefix_checked(cfg, p);
	return false;
}

/* One BGP change; returns false when the tunnel is not a dynamic one of cfg. */
static bool
render_one(const struct rd_config *cfg, const struct pol_change *ch, struct frr_cmds *pre,
	   struct frr_cmds *router, struct first *first, struct soft_set *ss)
{
	struct rd_connection *c;
	const struct rd_tunnel *t = conf_tunnel_by_ifnum(cfg, ch->ifnum, &c);
	char ip[16], pb[20];
	struct soft *s;

	if (t == NULL || c->routing != RD_ROUTING_DYNAMIC || (s = soft_get(ss, c, t)) == NULL)
		return false;
	rd_ip_str(rd_tunnel_peer_inside(t), ip);
	switch (ch->kind) {
	case POL_NEIGHBOR_ENABLE:
		if (ch->to)
			s->to = ch->to;
		frr_cmds_add(router, "no neighbor %s shutdown", ip);
		s->enabled = true;
		s->disabled = false;
		break;
	case POL_NEIGHBOR_DISABLE:
		frr_cmds_add(&first->router, "neighbor %s shutdown", ip);
		s->disabled = true;
		s->enabled = false;
		break;
	case POL_ATTRS:
		if (ch->to)
			s->to = ch->to;
		else
			s->in = s->out = true;
		s->attrs = true;
		break;
	case POL_ADV_ADD:
	case POL_ADV_DEL:
		/* The policy advertises all of the gateway's unchecked prefixes
		 * or none (policy.h 'advertise'): one switch per session covers
		 * them. A removed one leaves with its 'no network'. Checked
		 * ones (and a hub's re-advertised ones) go by prefix-list ADV. */
		if (gw_prefix(cfg, &ch->prefix)) {
			s->own = ch->kind == POL_ADV_ADD;
			s->out = true;
			break;
		}
		frr_cmds_add(pre, "%sip prefix-list RD-%s-%s-ADV permit %s",
			     ch->kind == POL_ADV_DEL ? "no " : "", c->name, t->name,
			     rd_prefix_str(&ch->prefix, pb));
		s->out = true;
		break;
	default:
		return false;
	}
	return true;
}

int
frr_render_changes(struct frr_rmaps *rm, const struct rd_config *cfg, const struct pol_change *ch,
		   size_t n, struct frr_plan *p)
{
	struct frr_cmds pre = { 0 }, router = { 0 }, af = { 0 }, post = { 0 };
	struct first first = { 0 };
	struct frr_cmds *parts[] = { &pre, &router, &af, &post, &first.router, &first.af };
	struct frr_rm_pass ps;
	struct soft_set ss = { .v = calloc(n ? n : 1, sizeof(*ss.v)), .n = 0 };
	char ip[16];

	if (ss.v == NULL)
		return -ENOMEM;

	for (size_t i = 0; i < n; i++) {
		if (ch[i].kind == POL_ROUTE_ADD || ch[i].kind == POL_ROUTE_DEL) {
			if (!replaced_in_batch(ch, n, i))
				render_route(&p->staticd, &ch[i].route, ch[i].kind == POL_ROUTE_ADD);
		} else {
			render_one(cfg, &ch[i], &pre, &router, &first, &ss);
		}
	}
	/* Make before break: new maps, the neighbors' switch to them (before
	 * an enabled one comes up), then the removal of maps left unused. */
	frr_rm_begin(&ps, rm, false);
	for (size_t i = 0; i < ss.n; i++)
		if (ss.v[i].own >= 0 || ss.v[i].to != NULL)
			render_attrs(&ps, &pre, &af, &first, cfg, &ss.v[i]);
	frr_rm_end(&ps, &post);
	if (first.router.n > 0 || first.af.n > 0) {
		frr_cmds_add(&p->bgpd_first, "router bgp %u", cfg->gw.asn);
		if (first.af.n > 0) {
			frr_cmds_add(&p->bgpd_first, "address-family ipv4 unicast");
			for (size_t i = 0; i < first.af.n; i++)
				frr_cmds_add(&p->bgpd_first, "%s", first.af.v[i]);
			frr_cmds_add(&p->bgpd_first, "exit-address-family");
		}
		for (size_t i = 0; i < first.router.n; i++)
			frr_cmds_add(&p->bgpd_first, "%s", first.router.v[i]);
		frr_cmds_add(&p->bgpd_first, "exit");
	}
	for (size_t i = 0; i < pre.n; i++)
		frr_cmds_add(&p->bgpd, "%s", pre.v[i]);
	if (router.n > 0 || af.n > 0) {
		frr_cmds_add(&p->bgpd, "router bgp %u", cfg->gw.asn);
		if (af.n > 0) {
			frr_cmds_add(&p->bgpd, "address-family ipv4 unicast");
			for (size_t i = 0; i < af.n; i++)
				frr_cmds_add(&p->bgpd, "%s", af.v[i]);
			frr_cmds_add(&p->bgpd, "exit-address-family");
		}
		for (size_t i = 0; i < router.n; i++)
			frr_cmds_add(&p->bgpd, "%s", router.v[i]);
		frr_cmds_add(&p->bgpd, "exit");
	}
	for (size_t i = 0; i < post.n; i++)
		frr_cmds_add(&p->bgpd, "%s", post.v[i]);
	/* Route-map and prefix-list edits reach running sessions only through
	 * a soft clear (routerd sets 'bgp route-map delay-timer 0'). A session
	 * shut down in this batch needs none. One enabled in it may already be
	 * Established (bgpd came back, routerd restarted, or the neighbor was
	 * never shut): it does need it, or it keeps advertising by the old
	 * route-maps (seen: a backup tunnel that never carried the gateway's
	 * prefixes). bgpd accepts a soft clear of a session that is not
	 * Established silently. What an attribute change owes: render_attrs. */
	for (size_t i = 0; i < ss.n; i++) {
		const struct soft *s = &ss.v[i];
		bool in = s->in && !s->rejected;    /* bgpd re-filtered at the switch */

		if (s->disabled || (!in && !s->out))
			continue;
		rd_ip_str(rd_tunnel_peer_inside(s->t), ip);
		frr_cmds_add(&p->bgpd_exec, "clear bgp ipv4 unicast %s soft%s", ip,
			     in && s->out ? "" : in ? " in" : " out");
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (p->bgpd.err == 0)
			p->bgpd.err = parts[i]->err;
		frr_cmds_free(parts[i]);
	}
	free(ss.v);
	return frr_plan_err(p);
}
