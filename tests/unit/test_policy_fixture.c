/* test_policy_fixture.c - see test_policy.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_policy.h"

void
tc_init(struct tcfg *t, bool hub)
{
	memset(t, 0, sizeof *t);
	t->cfg.gw.asn = RD_DEFAULT_LOCAL_ASN;
	t->cfg.gw.hub = hub;
	t->cfg.gw.prefixes = t->gw_pfx;
	t->cfg.peers = t->peers;
	t->cfg.conns = t->conns;
}

struct rd_prefix
tc_pfx(const char *s)
{
	unsigned a, b, c, d, len;
	struct rd_prefix p = { 0 };

	assert_int_equal(sscanf(s, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &len), 5);
	p.addr = a << 24 | b << 16 | c << 8 | d;
	p.len = (uint8_t)len;
	return p;
}

struct rd_connection *
tc_conn(struct tcfg *t, const char *name, enum rd_routing routing, uint32_t ifnum,
	bool one_tunnel)
{
	size_t i = t->cfg.nconns++;
	struct rd_peer *p = &t->peers[i];
	struct rd_connection *c = &t->conns[i];
	char peer[RD_NAME_MAX];

	assert_true(i < TC_MAX_CONNS);
	t->cfg.npeers++;
	snprintf(peer, sizeof peer, "%.58s-peer", name);
	memcpy(p->name, peer, sizeof peer);
	p->address = 0xc6336400u + (uint32_t)i;      /* 198.51.100.i */
	p->asn = routing == RD_ROUTING_DYNAMIC ? 65000u + (uint32_t)i : 0;
	p->prefixes = t->peer_pfx[i];

	snprintf(c->name, sizeof c->name, "%s", name);
	memcpy(c->peer_name, peer, sizeof peer);
	c->peer = p;
	c->routing = routing;
	c->static_routes = t->static_pfx[i];
	c->ntunnels = one_tunnel ? 1 : 2;
	for (size_t j = 0; j < c->ntunnels; j++) {
		struct rd_tunnel *tu = &c->tunnels[j];

		snprintf(tu->name, sizeof tu->name, "tun%zu", j + 1);
		tu->ifnum = ifnum + (uint32_t)j;
		tu->inside = (struct rd_prefix){ .addr = 0xa9fe0000u | (ifnum + (uint32_t)j) << 8,
						 .len = 30 };
	}
	c->mode = RD_MODE_ACTIVE_STANDBY;
	c->preferred = 0;
	c->signal = RD_SIGNAL_MED | RD_SIGNAL_PREPEND;
	c->prepend = RD_DEFAULT_PREPEND;
	c->med_primary = RD_DEFAULT_MED_PRIMARY;
	c->med_backup = RD_DEFAULT_MED_BACKUP;
	c->hold_down = RD_DEFAULT_HOLD_DOWN;
	c->max_prefix = RD_DEFAULT_MAX_PREFIX;
	c->priority = RD_DEFAULT_PRIORITY;
	return c;
}

void
tc_gw_prefix(struct tcfg *t, const char *p)
{
	assert_true(t->cfg.gw.nprefixes < TC_MAX_PFX);
	t->gw_pfx[t->cfg.gw.nprefixes++] = tc_pfx(p);
}

void
tc_peer_prefix(struct tcfg *t, struct rd_connection *c, const char *p)
{
	assert_true(c->peer->nprefixes < TC_MAX_PFX);
	c->peer->prefixes[c->peer->nprefixes++] = tc_pfx(p);
	(void)t;
}

void
tc_static_route(struct tcfg *t, struct rd_connection *c, const char *p)
{
	assert_true(c->nstatic_routes < TC_MAX_PFX);
	c->static_routes[c->nstatic_routes++] = tc_pfx(p);
	(void)t;
}

struct pol_obs
tc_obs(struct tobs o)
{
	struct pol_obs r = {
		.ike_up = o.st != T_DOWN,
		.child_up = o.st >= T_CHILD,
		.bgp_up = o.st >= T_UP,
		.health_ok = o.st != T_SICK,
		.drained = o.drained,
		.up_since_ms = S(o.up_s),
		.last_down_ms = S(o.down_s),
		.health_down_ms = o.st == T_SICK ? S(o.down_s) : 0,
	};

	return r;
}

void
tc_decide(const struct tcfg *t, const struct pol_obs (*obs)[RD_MAX_TUNNELS], uint64_t now_ms,
	  struct pol_state *out)
{
	assert_int_equal(pol_decide(&t->cfg, obs, now_ms, out), 0);
}

const char *
tc_adv_str(const struct pol_state *s, size_t i, size_t j, char *buf, size_t len)
{
	const struct pol_tunnel_out *t = &s->tunnels[i][j];
	size_t off = 0;
	char p[20];

	buf[0] = '\0';
	for (size_t k = 0; k < t->nadv && off < len; k++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", k ? "," : "",
					rd_prefix_str(&t->adv[k], p));
	return buf;
}

const char *
tc_changes_str(const struct pol_change *c, size_t n, char *buf, size_t len)
{
	size_t off = 0;
	char p[20];

	buf[0] = '\0';
	for (size_t k = 0; k < n && off < len; k++) {
		const char *kind = pol_change_kind_str(c[k].kind);

		if (c[k].kind == POL_ADV_ADD || c[k].kind == POL_ADV_DEL)
			off += (size_t)snprintf(buf + off, len - off, "%s %u %s\n", kind,
						c[k].ifnum, rd_prefix_str(&c[k].prefix, p));
		else if (c[k].kind == POL_ROUTE_ADD || c[k].kind == POL_ROUTE_DEL)
			off += (size_t)snprintf(buf + off, len - off, "%s %u %s d%u\n", kind,
						c[k].ifnum, rd_prefix_str(&c[k].route.prefix, p),
						c[k].route.distance);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s %u\n", kind,
						c[k].ifnum);
	}
	return buf;
}
