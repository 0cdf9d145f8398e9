/*
 * unique.c - the rules "unique across the configuration": connection, peer
 * and check names, interface numbers and inside CIDRs of every tunnel, peer
 * asns in hub mode.
 *
 * Each value is sorted once with its place in the file (n log n time, one
 * array of n keys), and every object that repeats a value written earlier is
 * reported once, at its own location, naming the first object that has the
 * value: 1,000 tunnels sharing an interface number give 999 errors, not
 * 499,500 (one per pair).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

/* One object's value: a string or a number, and where the object is. */
struct ukey {
	const char *str;        /* string value, or NULL: numeric */
	uint64_t num;
	size_t ord;             /* file order of the object */
	size_t a, b;            /* which object (indices, per rule) */
};

static int
ukeycmp(const void *x, const void *y)
{
	const struct ukey *k = x, *l = y;
	int c;

	if (k->str != NULL && (c = strcmp(k->str, l->str)) != 0)
		return c;
	if (k->str == NULL && k->num != l->num)
		return k->num < l->num ? -1 : 1;
	return k->ord < l->ord ? -1 : k->ord > l->ord;
}

typedef void (*dup_fn)(struct rd_parse *p, const struct ukey *first, const struct ukey *dup);

/* Sort k[0..n) and call fn once for every key equal to an earlier one. */
static void
each_dup(struct rd_parse *p, struct ukey *k, size_t n, dup_fn fn)
{
	size_t first = 0;

	if (n > 1)
		qsort(k, n, sizeof(*k), ukeycmp);
	for (size_t i = 1; i < n; i++) {
		if (k[i].str != NULL ? strcmp(k[i].str, k[first].str) != 0 : k[i].num != k[first].num)
			first = i;
		else
			fn(p, &k[first], &k[i]);
	}
}

static const struct rd_tunnel *
tun(const struct rd_parse *p, const struct ukey *k)
{
	return &p->cfg->conns[k->a].tunnels[k->b];
}

static const struct rd_optset *
tloc(const struct rd_parse *p, const struct ukey *k)
{
	return &p->conns[k->a].tloc[k->b];
}

static void
dup_ifnum(struct rd_parse *p, const struct ukey *first, const struct ukey *dup)
{
	const struct rd_tunnel *t = tun(p, dup), *u = tun(p, first);
	const struct rd_optset *o = tloc(p, dup);

	conf_diag(p, (o->set & OBIT(O_IFNUM)) ? &o->loc[O_IFNUM] : &t->loc, false,
		  "interface %u already used by tunnel \"%s\" (line %d): expected a unique "
		  "number >= 2", t->ifnum, u->name, u->loc.line);
}

static void
dup_inside(struct rd_parse *p, const struct ukey *first, const struct ukey *dup)
{
	const struct rd_tunnel *u = tun(p, first);

	conf_diag(p, &tloc(p, dup)->loc[O_INSIDE], false, "inside CIDR already used by "
		  "tunnel \"%s\" (line %d): expected a unique /30", u->name, u->loc.line);
}

static void
dup_conn(struct rd_parse *p, const struct ukey *first, const struct ukey *dup)
{
	const struct rd_connection *c = &p->cfg->conns[dup->a];

	conf_diag(p, &c->loc, false, "connection \"%s\" defined twice (first at line %d): "
		  "expected unique names", c->name, p->cfg->conns[first->a].loc.line);
}

static void
dup_peer(struct rd_parse *p, const struct ukey *first, const struct ukey *dup)
{
	const struct rd_peer *a = &p->cfg->peers[dup->a];

	conf_diag(p, &a->loc, false, "peer \"%s\" defined twice (first at line %d): expected "
		  "unique names", a->name, p->cfg->peers[first->a].loc.line);
}

static void
dup_hub_asn(struct rd_parse *p, const struct ukey *first, const struct ukey *dup)
{
	const struct rd_peer *a = &p->cfg->peers[dup->a], *b = &p->cfg->peers[first->a];
	const struct rd_optset *o = &p->peers[dup->a];

	conf_diag(p, (o->set & OBIT(O_PEER_ASN)) ? &o->loc[O_PEER_ASN] : &a->loc, false,
		  "hub yes: peer \"%s\" has the asn %u of peer \"%s\": expected unique asns in "
		  "hub mode", a->name, a->asn, b->name);
}

static void
dup_check(struct rd_parse *p, const struct ukey *first, const struct ukey *dup)
{
	const struct rd_check *k = &p->cfg->gw.checks[dup->a];

	conf_diag(p, &k->loc, false, "check \"%s\" defined twice (first at line %d): "
		  "expected unique names", k->name, p->cfg->gw.checks[first->a].loc.line);
}

/* Interface numbers and inside CIDRs of all tunnels. */
static void
unique_tunnels(struct rd_parse *p, struct ukey *k)
{
	const struct rd_config *cfg = p->cfg;
	size_t n = 0, ord = 0;

	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++, ord++)
			if (!(p->conns[i].tloc[j].bad & OBIT(O_IFNUM)))
				k[n++] = (struct ukey){ NULL, cfg->conns[i].tunnels[j].ifnum, ord, i, j };
	each_dup(p, k, n, dup_ifnum);
	n = ord = 0;
	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++, ord++)
			if (p->conns[i].tloc[j].set & OBIT(O_INSIDE))
				k[n++] = (struct ukey){ NULL, cfg->conns[i].tunnels[j].inside.addr,
							ord, i, j };
	each_dup(p, k, n, dup_inside);
}

void
conf_check_unique(struct rd_parse *p)
{
	const struct rd_config *cfg = p->cfg;
	size_t max = 2 * cfg->nconns, n;
	struct ukey *k;

	if (cfg->npeers > max)
		max = cfg->npeers;
	if (cfg->gw.nchecks > max)
		max = cfg->gw.nchecks;
	k = conf_xrealloc(NULL, (max ? max : 1) * sizeof(*k));

	unique_tunnels(p, k);
	for (n = 0; n < cfg->nconns; n++)
		k[n] = (struct ukey){ cfg->conns[n].name, 0, n, n, 0 };
	each_dup(p, k, n, dup_conn);
	for (n = 0; n < cfg->npeers; n++)
		k[n] = (struct ukey){ cfg->peers[n].name, 0, n, n, 0 };
	each_dup(p, k, n, dup_peer);
	if (cfg->gw.hub) {
		n = 0;
		for (size_t i = 0; i < cfg->npeers; i++)
			if (cfg->peers[i].asn != 0)
				k[n++] = (struct ukey){ NULL, cfg->peers[i].asn, i, i, 0 };
		each_dup(p, k, n, dup_hub_asn);
	}
	for (n = 0; n < cfg->gw.nchecks; n++)
		k[n] = (struct ukey){ cfg->gw.checks[n].name, 0, n, n, 0 };
	each_dup(p, k, n, dup_check);
	free(k);
}
