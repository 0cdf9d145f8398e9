/*
 * diff.c - pol_diff(): the changes that turn one desired state into
 * another, in the order written down in policy.h.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"

struct vec {
	struct pol_change *v;
	size_t n, cap;
	bool failed;
};

static void
push(struct vec *d, struct pol_change c)
{
	if (d->failed)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct pol_change *v = realloc(d->v, cap * sizeof *v);

		if (v == NULL) {
			d->failed = true;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = c;
}

static const struct pol_tunnel_out *
find_tunnel(const struct pol_state *s, uint32_t ifnum)
{
	for (size_t i = 0; s->tunnels && i < s->nconns; i++)
		for (size_t j = 0; j < RD_MAX_TUNNELS; j++)
			if (s->tunnels[i][j].ifnum == ifnum)
				return &s->tunnels[i][j];
	return NULL;
}

static int
u32_qcmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Sorted unique ifnums of every tunnel in a or b; *n its length. */
static uint32_t *
all_ifnums(const struct pol_state *a, const struct pol_state *b, size_t *n)
{
	const struct pol_state *s[2] = { a, b };
	size_t cap = (a->nconns + b->nconns) * RD_MAX_TUNNELS, m = 0;
	uint32_t *v = malloc((cap ? cap : 1) * sizeof *v);

	if (v == NULL)
		return NULL;
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; s[k]->tunnels && i < s[k]->nconns; i++)
			for (size_t j = 0; j < RD_MAX_TUNNELS; j++)
				if (s[k]->tunnels[i][j].ifnum != 0)
					v[m++] = s[k]->tunnels[i][j].ifnum;
	qsort(v, m, sizeof *v, u32_qcmp);
	*n = 0;
	for (size_t k = 0; k < m; k++)
		if (*n == 0 || v[*n - 1] != v[k])
			v[(*n)++] = v[k];
	return v;
}

static int
prefix_qcmp(const void *a, const void *b)
{
	return pol_prefix_cmp(a, b);
}

static int
route_qcmp(const void *a, const void *b)
{
	return pol_route_cmp(a, b);
}

static bool
has_prefix(const struct pol_tunnel_out *t, const struct rd_prefix *p)
{
	return t && t->nadv > 0 && bsearch(p, t->adv, t->nadv, sizeof *t->adv,
			    prefix_qcmp) != NULL;
}

/* Push 'kind' for every prefix of 'from' missing in 'to'. */
static void
adv_missing(struct vec *d, enum pol_change_kind kind, uint32_t ifnum,
	    const struct pol_tunnel_out *from, const struct pol_tunnel_out *to)
{
	for (size_t p = 0; from && p < from->nadv; p++)
		if (!has_prefix(to, &from->adv[p]))
			push(d, (struct pol_change){ .kind = kind, .ifnum = ifnum,
						     .prefix = from->adv[p] });
}

/* Push 'kind' for every route of 'from' missing in 'to'. */
static void
routes_missing(struct vec *d, enum pol_change_kind kind, const struct pol_state *from,
	       const struct pol_state *to)
{
	for (size_t r = 0; r < from->nroutes; r++)
		if (to->nroutes == 0 ||
		    bsearch(&from->routes[r], to->routes, to->nroutes, sizeof *to->routes,
			    route_qcmp) == NULL)
			push(d, (struct pol_change){ .kind = kind, .ifnum = from->routes[r].ifnum,
						     .route = from->routes[r] });
}

static bool
attrs_differ(const struct pol_tunnel_out *a, const struct pol_tunnel_out *b)
{
	static const struct pol_tunnel_out zero;

	if (a == NULL)
		a = &zero;
	return a->med != b->med || a->prepend != b->prepend || a->local_pref != b->local_pref ||
	       a->gshut != b->gshut || a->reject != b->reject;
}

/* The per-tunnel phases, in the order of policy.h. */
enum phase { PH_DISABLE, PH_ADV_DEL, PH_ATTRS, PH_ENABLE, PH_ADV_ADD };

static void
tunnel_phase(struct vec *d, enum phase ph, uint32_t ifnum, const struct pol_tunnel_out *ta,
	     const struct pol_tunnel_out *tb)
{
	bool was = ta && ta->neighbor_enabled, now = tb && tb->neighbor_enabled;

	switch (ph) {
	case PH_DISABLE:
		if (was && !now)
			push(d, (struct pol_change){ .kind = POL_NEIGHBOR_DISABLE, .ifnum = ifnum,
						     .to = tb });
		break;
	case PH_ADV_DEL:
		adv_missing(d, POL_ADV_DEL, ifnum, ta, tb);
		break;
	case PH_ATTRS:
		if (tb && attrs_differ(ta, tb))
			push(d, (struct pol_change){ .kind = POL_ATTRS, .ifnum = ifnum, .to = tb });
		break;
	case PH_ENABLE:
		if (!was && now)
			push(d, (struct pol_change){ .kind = POL_NEIGHBOR_ENABLE, .ifnum = ifnum,
						     .to = tb });
		break;
	case PH_ADV_ADD:
		adv_missing(d, POL_ADV_ADD, ifnum, tb, ta);
		break;
	}
}

static void
tunnel_phases(struct vec *d, enum phase first, enum phase last, const uint32_t *ifn, size_t n,
	      const struct pol_state *a, const struct pol_state *b)
{
	for (enum phase ph = first; ph <= last; ph++)
		for (size_t k = 0; k < n; k++)
			tunnel_phase(d, ph, ifn[k], find_tunnel(a, ifn[k]), find_tunnel(b, ifn[k]));
}

int
pol_diff(const struct pol_state *a, const struct pol_state *b, struct pol_change **changes,
	 size_t *n)
{
	struct vec d = { 0 };
	size_t nifn = 0;
	uint32_t *ifn = all_ifnums(a, b, &nifn);

	*changes = NULL;
	*n = 0;
	if (ifn == NULL)
		return -1;
	tunnel_phases(&d, PH_DISABLE, PH_ADV_DEL, ifn, nifn, a, b);
	routes_missing(&d, POL_ROUTE_ADD, b, a);
	routes_missing(&d, POL_ROUTE_DEL, a, b);
	tunnel_phases(&d, PH_ATTRS, PH_ADV_ADD, ifn, nifn, a, b);
	free(ifn);
	if (d.failed) {
		free(d.v);
		return -1;
	}
	*changes = d.v;
	*n = d.n;
	return 0;
}
