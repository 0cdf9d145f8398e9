/*
 * test_frr_cfg.h - hand-built configurations for the FRR backend's tests
 * (independent of the configuration parser).
 */
#ifndef ROUTERD_TEST_FRR_CFG_H
#define ROUTERD_TEST_FRR_CFG_H

#include <string.h>

#include "conf.h"

#define TCFG_MAX_PFX 16

struct tcfg {
	struct rd_config cfg;
	struct rd_peer peer;
	struct rd_connection conns[2];
	struct rd_prefix gw_pfx[TCFG_MAX_PFX];
	struct rd_prefix peer_pfx[TCFG_MAX_PFX];
};

static inline uint32_t
tcfg_ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | b << 16 | c << 8 | d;
}

static inline void
tcfg_tunnel(struct rd_tunnel *t, const char *name, uint32_t ifnum, uint32_t inside, bool swap)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->ifnum = ifnum;
	t->inside.addr = inside;
	t->inside.len = 30;
	t->inside_swap = swap;
	t->bgp_keepalive = RD_DEFAULT_BGP_KEEPALIVE;
	t->bgp_hold = RD_DEFAULT_BGP_HOLD;
	t->health.bfd_rx_ms = t->health.bfd_tx_ms = RD_DEFAULT_BFD_INTERVAL;
	t->health.bfd_multiplier = RD_DEFAULT_BFD_MULTIPLIER;
}

/*
 * One side of a two-site setup: gateway 'asn' advertising 10.<site>.0.0/16,
 * connection "vpn1" (dynamic) to a peer of 'peer_asn' declaring
 * 10.<peer_site>.0.0/16, tunnels tun1 (ipsec2, 169.254.10.0/30, BFD) and
 * tun2 (ipsec3, 169.254.11.0/30); 'swap' makes us the .2 side. With
 * 'with_static', a second connection "st1" (static routing, ipsec4).
 */
static inline void
tcfg_init(struct tcfg *t, uint32_t asn, uint32_t peer_asn, unsigned site, unsigned peer_site,
	  bool swap, bool with_static)
{
	struct rd_connection *c = &t->conns[0];

	memset(t, 0, sizeof(*t));
	t->cfg.gw.asn = asn;
	t->cfg.gw.router_id = tcfg_ip(192, 0, 2, site);
	t->gw_pfx[0] = (struct rd_prefix){ .addr = tcfg_ip(10, site, 0, 0), .len = 16 };
	t->cfg.gw.prefixes = t->gw_pfx;
	t->cfg.gw.nprefixes = 1;

	snprintf(t->peer.name, sizeof(t->peer.name), "site%u", peer_site);
	t->peer.asn = peer_asn;
	t->peer_pfx[0] = (struct rd_prefix){ .addr = tcfg_ip(10, peer_site, 0, 0), .len = 16 };
	t->peer.prefixes = t->peer_pfx;
	t->peer.nprefixes = 1;
	t->cfg.peers = &t->peer;
	t->cfg.npeers = 1;

	snprintf(c->name, sizeof(c->name), "vpn1");
	snprintf(c->peer_name, sizeof(c->peer_name), "%s", t->peer.name);
	c->peer = &t->peer;
	c->routing = RD_ROUTING_DYNAMIC;
	c->ntunnels = 2;
	tcfg_tunnel(&c->tunnels[0], "tun1", 2, tcfg_ip(169, 254, 10, 0), swap);
	c->tunnels[0].health.bfd = true;
	c->tunnels[0].health.bfd_rx_ms = c->tunnels[0].health.bfd_tx_ms = 100;
	tcfg_tunnel(&c->tunnels[1], "tun2", 3, tcfg_ip(169, 254, 11, 0), swap);
	c->signal = RD_SIGNAL_MED | RD_SIGNAL_PREPEND;
	c->prepend = RD_DEFAULT_PREPEND;
	c->med_primary = RD_DEFAULT_MED_PRIMARY;
	c->med_backup = RD_DEFAULT_MED_BACKUP;
	c->max_prefix = RD_DEFAULT_MAX_PREFIX;
	c->priority = RD_DEFAULT_PRIORITY;
	t->cfg.conns = t->conns;
	t->cfg.nconns = 1;
	if (with_static) {
		c = &t->conns[1];
		snprintf(c->name, sizeof(c->name), "st1");
		c->peer = &t->peer;
		c->routing = RD_ROUTING_STATIC;
		c->ntunnels = 1;
		tcfg_tunnel(&c->tunnels[0], "tun1", 4, tcfg_ip(169, 254, 12, 0), swap);
		c->max_prefix = RD_DEFAULT_MAX_PREFIX;
		t->cfg.nconns = 2;
	}
}

#endif
