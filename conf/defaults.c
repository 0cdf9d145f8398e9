/*
 * defaults.c - turning what was written into a complete configuration:
 * merge the defaults { } blocks into each tunnel, fill in the AWS defaults,
 * derive the values that default to other values (local outside, remote
 * outside, router-id) and assign interface numbers that were not given.
 * Nothing is reported here; conf_validate() judges the result.
 */
#include <stddef.h>
#include <string.h>

#include "conf_priv.h"

#define RD_FIRST_IFNUM 10u              /* first interface number handed out */

void
conf_tunnel_defaults(struct rd_tunnel *t)
{
	t->ike_versions = RD_IKEV1 | RD_IKEV2;
	t->p1_enc = t->p2_enc = RD_ENC_ALL;
	t->p1_integ = t->p2_integ = RD_INTEG_ALL;
	t->p1_dh = RD_P1_DH_DEFAULT;
	t->p2_dh = RD_P2_DH_DEFAULT;
	t->p1_lifetime = RD_DEFAULT_P1_LIFETIME;
	t->p2_lifetime = RD_DEFAULT_P2_LIFETIME;
	t->rekey_margin = RD_DEFAULT_REKEY_MARGIN;
	t->rekey_fuzz = RD_DEFAULT_REKEY_FUZZ;
	t->replay_window = RD_DEFAULT_REPLAY_WINDOW;
	t->dpd_timeout = RD_DEFAULT_DPD_TIMEOUT;
	t->dpd_action = RD_DPD_CLEAR;
	t->startup = RD_STARTUP_ADD;
	t->bgp_keepalive = RD_DEFAULT_BGP_KEEPALIVE;
	t->bgp_hold = RD_DEFAULT_BGP_HOLD;
	t->health.bfd = true;          /* BFD 50 ms x 3 unless "bfd no" */
	t->health.bfd_rx_ms = t->health.bfd_tx_ms = RD_DEFAULT_BFD_INTERVAL;
	t->health.bfd_multiplier = RD_DEFAULT_BFD_MULTIPLIER;
}

/* Where each tunnel option lives in struct rd_tunnel (the copy table). */
#define F(opt, field) [opt] = { offsetof(struct rd_tunnel, field), \
				sizeof(((struct rd_tunnel *)0)->field) }
static const struct {
	size_t off, size;
} tfield[O_MAX] = {
	F(O_IFNUM, ifnum), F(O_LOCAL_OUTSIDE, local_outside),
	F(O_REMOTE_OUTSIDE, remote_outside), F(O_INSIDE, inside), F(O_PSK, psk),
	F(O_PSK_FILE, psk_file), F(O_IKE, ike_versions), F(O_P1_ENC, p1_enc),
	F(O_P1_INTEG, p1_integ), F(O_P1_DH, p1_dh), F(O_P1_LIFETIME, p1_lifetime),
	F(O_P2_ENC, p2_enc), F(O_P2_INTEG, p2_integ), F(O_P2_DH, p2_dh),
	F(O_P2_LIFETIME, p2_lifetime), F(O_REKEY_MARGIN, rekey_margin),
	F(O_REKEY_FUZZ, rekey_fuzz), F(O_REPLAY, replay_window),
	F(O_DPD_TIMEOUT, dpd_timeout), F(O_DPD_ACTION, dpd_action), F(O_STARTUP, startup),
	F(O_KEEPALIVE, bgp_keepalive), F(O_HOLD, bgp_hold), F(O_BFD, health.bfd),
	F(O_BFD_RX, health.bfd_rx_ms), F(O_BFD_TX, health.bfd_tx_ms),
	F(O_BFD_MULT, health.bfd_multiplier), F(O_PROBE, health.probe_target),
	F(O_PROBE_INTERVAL, health.probe_interval_ms), F(O_PROBE_RISE, health.probe_rise),
	F(O_PROBE_FALL, health.probe_fall),
};
#undef F

/* Copy every option 'src' wrote over 'dst' (a later layer wins). */
static void
layer(struct rd_topts *dst, const struct rd_topts *src)
{
	for (int o = O_TUNNEL_FIRST; o < O_MAX; o++) {
		if (!(src->o.set & OBIT(o)))
			continue;
		memcpy((char *)&dst->t + tfield[o].off, (const char *)&src->t + tfield[o].off,
		       tfield[o].size);
		if (o == O_INSIDE)
			dst->t.inside_swap = src->t.inside_swap;
		dst->o.set |= OBIT(o);
		dst->o.bad = (dst->o.bad & ~OBIT(o)) | (src->o.bad & OBIT(o));
		dst->o.loc[o] = src->o.loc[o];
	}
	dst->o.damaged = dst->o.damaged || src->o.damaged;
	/* A key given at this layer replaces the other kind of key below. */
	if ((src->o.set & OBIT(O_PSK)) && !(src->o.set & OBIT(O_PSK_FILE))) {
		dst->o.set &= ~OBIT(O_PSK_FILE);
		dst->t.psk_file[0] = '\0';
	}
	if ((src->o.set & OBIT(O_PSK_FILE)) && !(src->o.set & OBIT(O_PSK))) {
		dst->o.set &= ~OBIT(O_PSK);
		dst->t.psk[0] = '\0';
	}
}

static const struct rd_peer *
peer_by_name(const struct rd_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->npeers; i++)
		if (strcmp(cfg->peers[i].name, name) == 0)
			return &cfg->peers[i];
	return NULL;
}

static void
finish_tunnel(struct rd_parse *p, struct rd_connection *c, struct rd_pconn *pc, size_t i)
{
	const struct rd_peer *peer = peer_by_name(p->cfg, c->peer_name);
	struct rd_topts m;
	struct rd_health *h;

	memset(&m, 0, sizeof(m));
	conf_tunnel_defaults(&m.t);
	layer(&m, &p->defaults);
	layer(&m, &pc->defaults);
	layer(&m, &pc->tun[i]);
	memcpy(m.t.name, pc->tun[i].t.name, sizeof(m.t.name));
	m.t.loc = pc->tun[i].t.loc;
	if (!(m.o.set & OBIT(O_LOCAL_OUTSIDE)))
		m.t.local_outside = p->cfg->gw.local_outside;
	if (!(m.o.set & OBIT(O_REMOTE_OUTSIDE)) && peer != NULL)
		m.t.remote_outside = peer->address;
	h = &m.t.health;
	/* routerd at the far end speaks IKEv2: no IKEv1 twin conn for it. */
	if (peer != NULL && peer->far_end == RD_FAR_END_ROUTERD && !(m.o.set & OBIT(O_IKE)))
		m.t.ike_versions = RD_IKEV2;
	if (peer != NULL && peer->far_end == RD_FAR_END_GENERIC) {
		/* A peer that is not routerd (conf.h, enum rd_far_end). */
		if (!(m.o.set & OBIT(O_BFD_RX)))
			h->bfd_rx_ms = RD_GENERIC_BFD_INTERVAL;
		if (!(m.o.set & OBIT(O_BFD_TX)))
			h->bfd_tx_ms = RD_GENERIC_BFD_INTERVAL;
		if (!(m.o.set & OBIT(O_PROBE)) && c->routing == RD_ROUTING_DYNAMIC &&
		    m.t.inside.len == 30) {
			h->probe_target = rd_tunnel_peer_inside(&m.t);
			h->probe_interval_ms = RD_GENERIC_PROBE_INTERVAL;
			h->probe_rise = RD_GENERIC_PROBE_RISE;
			h->probe_fall = RD_GENERIC_PROBE_FALL;
		}
	}
	if (!h->bfd) {          /* timers of a disabled BFD are not printed */
		h->bfd_rx_ms = h->bfd_tx_ms = RD_DEFAULT_BFD_INTERVAL;
		h->bfd_multiplier = RD_DEFAULT_BFD_MULTIPLIER;
	}
	if (h->probe_target == 0) {
		h->probe_interval_ms = h->probe_rise = h->probe_fall = 0;
	} else {
		if (h->probe_interval_ms == 0)
			h->probe_interval_ms = RD_DEFAULT_PROBE_INTERVAL;
		if (h->probe_rise == 0)
			h->probe_rise = RD_DEFAULT_RISE;
		if (h->probe_fall == 0)
			h->probe_fall = RD_DEFAULT_FALL;
	}
	c->tunnels[i] = m.t;
	pc->tloc[i] = m.o;
}

static void
finish_conn(struct rd_connection *c, const struct rd_optset *o)
{
	if (!(o->set & OBIT(O_SIGNAL)) || c->signal == 0)
		c->signal = RD_SIGNAL_MED | RD_SIGNAL_PREPEND;
	if (!(o->set & OBIT(O_PREPEND)))
		c->prepend = RD_DEFAULT_PREPEND;
	if (!(o->set & OBIT(O_MED_PRIMARY))) {
		c->med_primary = RD_DEFAULT_MED_PRIMARY;
		c->med_backup = RD_DEFAULT_MED_BACKUP;
	}
	if (!(o->set & OBIT(O_HOLD_DOWN)))
		c->hold_down = RD_DEFAULT_HOLD_DOWN;
	if (!(o->set & OBIT(O_MAX_PREFIX)))
		c->max_prefix = RD_DEFAULT_MAX_PREFIX;
	if (!(o->set & OBIT(O_PRIORITY)) || c->group[0] == '\0')
		c->priority = RD_DEFAULT_PRIORITY;
}

static bool
ifnum_used(const struct rd_config *cfg, uint32_t n)
{
	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++)
			if (cfg->conns[i].tunnels[j].ifnum == n)
				return true;
	return false;
}

void
conf_finish(struct rd_parse *p)
{
	struct rd_config *cfg = p->cfg;
	uint32_t next = RD_FIRST_IFNUM;

	if (!(p->gw.set & OBIT(O_GW_ASN)))
		cfg->gw.asn = RD_DEFAULT_LOCAL_ASN;
	for (size_t i = 0; i < cfg->gw.nchecks; i++) {
		struct rd_check *k = &cfg->gw.checks[i];

		if (k->interval_ms == 0)
			k->interval_ms = RD_DEFAULT_PROBE_INTERVAL;
		if (k->rise == 0)
			k->rise = RD_DEFAULT_RISE;
		if (k->fall == 0)
			k->fall = RD_DEFAULT_FALL;
	}
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct rd_peer *peer = peer_by_name(cfg, cfg->conns[i].peer_name);

		finish_conn(&cfg->conns[i], &p->conns[i].o);
		cfg->conns[i].steer = cfg->conns[i].routing == RD_ROUTING_DYNAMIC &&
				      peer != NULL && peer->far_end == RD_FAR_END_GENERIC;
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++)
			finish_tunnel(p, &cfg->conns[i], &p->conns[i], j);
	}
	/* Interface numbers not given: 10, 11, ... in file order, skipping used ones. */
	for (size_t i = 0; i < cfg->nconns; i++) {
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++) {
			struct rd_tunnel *t = &cfg->conns[i].tunnels[j];

			if (t->ifnum != 0)
				continue;
			while (ifnum_used(cfg, next))
				next++;
			t->ifnum = next++;
		}
	}
	if (cfg->gw.router_id == 0 && !(p->gw.set & OBIT(O_ROUTER_ID))) {
		cfg->gw.router_id = cfg->gw.local_outside;
		for (size_t i = 0; i < cfg->nconns && cfg->gw.router_id == 0; i++)
			if (cfg->conns[i].ntunnels > 0)
				cfg->gw.router_id = cfg->conns[i].tunnels[0].local_outside;
	}
}
