/*
 * overlap.c - prefix overlap rules. A site's prefixes are its peer's
 * prefixes plus the static routes of every connection to that peer.
 *  - the gateway's own prefixes must not overlap any site prefix;
 *  - two different sites must not overlap, unless a connection to each is in
 *    the same redundancy-group (redundant connections share prefixes).
 *
 * Each offending site prefix is reported once (not once per pair), naming
 * the first prefix it overlaps; a prefix written twice for the same site
 * counts once. Prefixes nest or are disjoint, so the prefixes overlapping q
 * are those containing q (at most 33 exact lookups in a sorted array) and
 * those q contains, which in turn find q among theirs: n log n for the usual
 * configurations, however many overlaps there are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

/* One site prefix and whose it is. */
struct site_pfx {
	const struct rd_prefix *pfx;
	size_t peer;            /* index into cfg->peers */
	size_t ord;             /* collection order: peers' prefixes, then static routes */
	size_t partner;         /* earliest earlier overlapping entry (ord), or NONE */
};
#define NONE ((size_t)-1)

static uint32_t
lenmask(unsigned len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static int
pfxcmp(const struct rd_prefix *a, const struct rd_prefix *b)
{
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len;
}

int
conf_prefix_cmp(const void *a, const void *b)
{
	return pfxcmp(a, b);
}

struct rd_prefix *
conf_prefixes_sorted(const struct rd_prefix *pf, size_t n)
{
	struct rd_prefix *s = conf_xrealloc(NULL, (n ? n : 1) * sizeof(*s));

	if (n > 0)
		memcpy(s, pf, n * sizeof(*s));
	if (n > 1)
		qsort(s, n, sizeof(*s), conf_prefix_cmp);
	return s;
}

static int
sitecmp(const void *a, const void *b)
{
	const struct site_pfx *x = a, *y = b;
	int c = pfxcmp(x->pfx, y->pfx);

	if (c != 0)
		return c;
	if (x->peer != y->peer)
		return x->peer < y->peer ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static int
ordcmp(const void *a, const void *b)
{
	const struct site_pfx *x = a, *y = b;

	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* First index of s[0..n) (sitecmp order) whose prefix is >= key. */
static size_t
lower(const struct site_pfx *s, size_t n, const struct rd_prefix *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pfxcmp(s[mid].pfx, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Redundancy groups per peer, as sorted group numbers (same_group in O(k)). */
struct groups {
	size_t *start;          /* [npeers + 1]: peer i's groups are gid[start[i]..start[i+1]) */
	size_t *gid;
};

struct pg {
	size_t peer;
	const char *group;
	size_t gid;
};

static int
pg_by_group(const void *a, const void *b)
{
	const struct pg *x = a, *y = b;
	int c = strcmp(x->group, y->group);

	return c != 0 ? c : x->peer < y->peer ? -1 : x->peer > y->peer;
}

static int
pg_by_peer(const void *a, const void *b)
{
	const struct pg *x = a, *y = b;

	if (x->peer != y->peer)
		return x->peer < y->peer ? -1 : 1;
	return x->gid < y->gid ? -1 : x->gid > y->gid;
}

static void
groups_build(const struct rd_config *cfg, struct groups *g)
{
	struct pg *v = conf_xrealloc(NULL, (cfg->nconns ? cfg->nconns : 1) * sizeof(*v));
	size_t n = 0, id = 0;

	for (size_t i = 0; i < cfg->nconns; i++)
		if (cfg->conns[i].peer != NULL && cfg->conns[i].group[0] != '\0')
			v[n++] = (struct pg){ (size_t)(cfg->conns[i].peer - cfg->peers),
					      cfg->conns[i].group, 0 };
	if (n > 1)
		qsort(v, n, sizeof(*v), pg_by_group);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i].group, v[i - 1].group) != 0)
			id++;
		v[i].gid = id;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), pg_by_peer);
	g->start = conf_xrealloc(NULL, (cfg->npeers + 1) * sizeof(*g->start));
	g->gid = conf_xrealloc(NULL, (n ? n : 1) * sizeof(*g->gid));
	for (size_t i = 0, k = 0; i <= cfg->npeers; i++) {
		g->start[i] = k;
		while (k < n && v[k].peer == i)
			g->gid[k] = v[k].gid, k++;
	}
	free(v);
}

/* Do peers a and b have connections in the same redundancy group? */
static bool
same_group(const struct groups *g, size_t a, size_t b)
{
	size_t i = g->start[a], j = g->start[b];

	while (i < g->start[a + 1] && j < g->start[b + 1]) {
		if (g->gid[i] == g->gid[j])
			return true;
		if (g->gid[i] < g->gid[j])
			i++;
		else
			j++;
	}
	return false;
}

static size_t
collect(const struct rd_config *cfg, struct site_pfx *out)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->npeers; i++)
		for (size_t j = 0; j < cfg->peers[i].nprefixes; j++, n++)
			out[n] = (struct site_pfx){ &cfg->peers[i].prefixes[j], i, n, NONE };
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct rd_connection *c = &cfg->conns[i];

		if (c->peer == NULL)
			continue;
		for (size_t j = 0; j < c->nstatic_routes; j++, n++)
			out[n] = (struct site_pfx){ &c->static_routes[j],
						    (size_t)(c->peer - cfg->peers), n, NONE };
	}
	return n;
}

/* Keep the first of each (prefix, peer) in s (sorted): later copies add nothing. */
static size_t
dedupe(struct site_pfx *s, size_t n)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (m == 0 || s[m - 1].peer != s[i].peer || pfxcmp(s[m - 1].pfx, s[i].pfx) != 0)
			s[m++] = s[i];
	return m;
}

static bool
later(const struct rd_loc *a, const struct rd_loc *b)
{
	return a->line > b->line || (a->line == b->line && a->col > b->col);
}

static void
report(struct rd_parse *p, const struct rd_prefix *a, const char *aw,
       const struct rd_prefix *b, const char *bw, const char *why)
{
	char sa[20], sb[20];

	if (later(&b->loc, &a->loc)) {
		const struct rd_prefix *t = a;
		const char *tw = aw;

		a = b, aw = bw, b = t, bw = tw;
	}
	conf_diag(p, &a->loc, false, "prefix %s of %s overlaps %s of %s (line %d): %s",
		  rd_prefix_str(a, sa), aw, rd_prefix_str(b, sb), bw, b->loc.line, why);
}

/* A gateway prefix overlapping q (gw sorted), or NULL. */
static const struct rd_prefix *
gw_overlap(const struct rd_prefix *gw, size_t ngw, const struct rd_prefix *q)
{
	struct rd_prefix key = { q->addr, 0, { NULL, 0, 0 } };
	size_t lo = 0, hi = ngw;

	for (unsigned l = 0; l <= q->len; l++) {        /* containing q, or q itself */
		const struct rd_prefix *f;

		key.addr = q->addr & lenmask(l);
		key.len = (uint8_t)l;
		if ((f = bsearch(&key, gw, ngw, sizeof(*gw), conf_prefix_cmp)) != NULL)
			return f;
	}
	key.addr = q->addr;                             /* inside q: addr in q's range */
	key.len = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pfxcmp(&gw[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ngw && gw[lo].addr <= (q->addr | ~lenmask(q->len)))
		return &gw[lo];
	return NULL;
}

/* Pair entries x, y (x's prefix contains or equals y's): remember the earlier
 * as the later one's partner, when the sites differ and share no group. */
static void
pair(struct site_pfx *x, struct site_pfx *y, const struct groups *g)
{
	struct site_pfx *first = x->ord < y->ord ? x : y, *second = first == x ? y : x;

	if (x->peer == y->peer || same_group(g, x->peer, y->peer))
		return;
	if (second->partner == NONE || first->ord < second->partner)
		second->partner = first->ord;
}

void
conf_check_overlaps(struct rd_parse *p)
{
	const struct rd_config *cfg = p->cfg;
	struct rd_prefix *gw = conf_prefixes_sorted(cfg->gw.prefixes, cfg->gw.nprefixes);
	struct site_pfx *s, *byord;
	struct groups g;
	size_t n = 0, m;
	char wa[RD_NAME_MAX + 8], wb[RD_NAME_MAX + 8];

	for (size_t i = 0; i < cfg->npeers; i++)
		n += cfg->peers[i].nprefixes;
	for (size_t i = 0; i < cfg->nconns; i++)
		n += cfg->conns[i].nstatic_routes;
	s = conf_xrealloc(NULL, (n ? n : 1) * sizeof(*s));
	byord = conf_xrealloc(NULL, (n ? n : 1) * sizeof(*byord));
	n = collect(cfg, s);
	if (n > 1)
		qsort(s, n, sizeof(*s), sitecmp);
	m = dedupe(s, n);
	groups_build(cfg, &g);

	/* Every overlapping pair is found from its narrower (or equal) member,
	 * among the entries equal to a prefix containing it. */
	for (size_t i = 0; i < m; i++) {
		const struct rd_prefix *q = s[i].pfx;

		for (unsigned l = 0; l <= q->len; l++) {
			struct rd_prefix key = { q->addr & lenmask(l), (uint8_t)l, { NULL, 0, 0 } };

			for (size_t j = lower(s, m, &key); j < m && pfxcmp(s[j].pfx, &key) == 0; j++)
				if (j != i)
					pair(&s[j], &s[i], &g);
		}
	}
	/* Report in collection order; partners are named by their order. */
	memcpy(byord, s, m * sizeof(*s));
	qsort(byord, m, sizeof(*byord), ordcmp);
	for (size_t i = 0; i < m; i++) {
		const struct site_pfx *e = &byord[i];
		const struct rd_prefix *o = gw_overlap(gw, cfg->gw.nprefixes, e->pfx);

		snprintf(wa, sizeof(wa), "peer \"%s\"", cfg->peers[e->peer].name);
		if (o != NULL)
			report(p, e->pfx, wa, o, "the gateway",
			       "expected site prefixes apart from the gateway's own");
		if (e->partner != NONE) {
			struct site_pfx key = { .ord = e->partner };
			const struct site_pfx *f = bsearch(&key, byord, m, sizeof(*byord), ordcmp);

			snprintf(wb, sizeof(wb), "peer \"%s\"", cfg->peers[f->peer].name);
			report(p, e->pfx, wa, f->pfx, wb, "expected disjoint prefixes per site, "
			       "or both connections in one redundancy-group");
		}
	}
	free(g.start);
	free(g.gid);
	free(byord);
	free(s);
	free(gw);
}
