/*
 * overlap.c - prefix overlap rules. A site's prefixes are its peer's
 * prefixes plus the static routes of every connection to that peer.
 *  - the gateway's own prefixes must not overlap any site prefix;
 *  - two different sites must not overlap, unless a connection to each is in
 *    the same redundancy-group (redundant connections share prefixes).
 * An overlap is reported once, at the prefix written later in the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

/* One site prefix and whose it is. */
struct site_pfx {
	const struct rd_prefix *pfx;
	size_t peer;            /* index into cfg->peers */
};

static bool
later(const struct rd_loc *a, const struct rd_loc *b)
{
	return a->line > b->line || (a->line == b->line && a->col > b->col);
}

/* Do peers a and b have connections in the same redundancy group? */
static bool
same_group(const struct rd_config *cfg, size_t a, size_t b)
{
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct rd_connection *x = &cfg->conns[i];

		if (x->peer != &cfg->peers[a] || x->group[0] == '\0')
			continue;
		for (size_t j = 0; j < cfg->nconns; j++)
			if (cfg->conns[j].peer == &cfg->peers[b] &&
			    strcmp(cfg->conns[j].group, x->group) == 0)
				return true;
	}
	return false;
}

static size_t
collect(const struct rd_config *cfg, struct site_pfx *out)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->npeers; i++)
		for (size_t j = 0; j < cfg->peers[i].nprefixes; j++)
			out[n++] = (struct site_pfx){ &cfg->peers[i].prefixes[j], i };
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct rd_connection *c = &cfg->conns[i];

		if (c->peer == NULL)
			continue;
		for (size_t j = 0; j < c->nstatic_routes; j++)
			out[n++] = (struct site_pfx){ &c->static_routes[j],
						      (size_t)(c->peer - cfg->peers) };
	}
	return n;
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

void
conf_check_overlaps(struct rd_parse *p)
{
	const struct rd_config *cfg = p->cfg;
	struct site_pfx *s;
	size_t n = 0;
	char wa[RD_NAME_MAX + 8], wb[RD_NAME_MAX + 8];

	for (size_t i = 0; i < cfg->npeers; i++)
		n += cfg->peers[i].nprefixes;
	for (size_t i = 0; i < cfg->nconns; i++)
		n += cfg->conns[i].nstatic_routes;
	s = conf_xrealloc(NULL, n * sizeof(*s));
	n = collect(cfg, s);
	for (size_t i = 0; i < n; i++) {
		snprintf(wa, sizeof(wa), "peer \"%s\"", cfg->peers[s[i].peer].name);
		for (size_t g = 0; g < cfg->gw.nprefixes; g++)
			if (rd_prefix_overlap(s[i].pfx, &cfg->gw.prefixes[g]))
				report(p, s[i].pfx, wa, &cfg->gw.prefixes[g], "the gateway",
				       "expected site prefixes apart from the gateway's own");
		for (size_t j = 0; j < i; j++) {
			if (s[j].peer == s[i].peer || !rd_prefix_overlap(s[i].pfx, s[j].pfx) ||
			    same_group(cfg, s[i].peer, s[j].peer))
				continue;
			snprintf(wb, sizeof(wb), "peer \"%s\"", cfg->peers[s[j].peer].name);
			report(p, s[i].pfx, wa, s[j].pfx, wb, "expected disjoint prefixes "
			       "per site, or both connections in one redundancy-group");
		}
	}
	free(s);
}
