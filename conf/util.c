/* util.c - small helpers over the configuration model, shared by every layer. */
#include <stdio.h>
#include <string.h>

#include "conf.h"

const char *
rd_ip_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

const char *
rd_prefix_str(const struct rd_prefix *p, char buf[20])
{
	char ip[16];

	snprintf(buf, 20, "%s/%u", rd_ip_str(p->addr, ip), p->len);
	return buf;
}

static uint32_t
mask(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

bool
rd_prefixes_equal(const struct rd_prefix *a, size_t na, const struct rd_prefix *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].addr != b[i].addr || a[i].len != b[i].len)
			return false;
	return true;
}

bool
rd_prefix_overlap(const struct rd_prefix *a, const struct rd_prefix *b)
{
	uint8_t len = a->len < b->len ? a->len : b->len;

	return ((a->addr ^ b->addr) & mask(len)) == 0;
}

uint32_t
rd_tunnel_local_inside(const struct rd_tunnel *t)
{
	return t->inside.addr + (t->inside_swap ? 2 : 1);
}

uint32_t
rd_tunnel_peer_inside(const struct rd_tunnel *t)
{
	return t->inside.addr + (t->inside_swap ? 1 : 2);
}

const char *
rd_asn_str(uint32_t asn, bool asdot, char buf[12])
{
	if (asdot && asn > 65535)
		snprintf(buf, 12, "%u.%u", asn >> 16, asn & 0xffff);
	else
		snprintf(buf, 12, "%u", asn);
	return buf;
}

struct rd_connection *
conf_find_conn(const struct rd_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nconns; i++)
		if (strcmp(cfg->conns[i].name, name) == 0)
			return &cfg->conns[i];
	return NULL;
}

struct rd_tunnel *
conf_find_tunnel(const struct rd_config *cfg, const char *conn, const char *tunnel,
		 struct rd_connection **connp)
{
	struct rd_connection *c = conf_find_conn(cfg, conn);

	if (c == NULL)
		return NULL;
	for (size_t j = 0; j < c->ntunnels; j++) {
		if (strcmp(c->tunnels[j].name, tunnel) == 0) {
			if (connp)
				*connp = c;
			return &c->tunnels[j];
		}
	}
	return NULL;
}

struct rd_tunnel *
conf_tunnel_by_ifnum(const struct rd_config *cfg, uint32_t ifnum, struct rd_connection **connp)
{
	for (size_t i = 0; i < cfg->nconns; i++) {
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++) {
			if (cfg->conns[i].tunnels[j].ifnum == ifnum) {
				if (connp)
					*connp = &cfg->conns[i];
				return &cfg->conns[i].tunnels[j];
			}
		}
	}
	return NULL;
}
