/*
 * conf.c - loading a configuration: read, parse, finish, validate, then
 * report every diagnostic in file order. Also freeing and comparing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

void *
conf_xrealloc(void *ptr, size_t n)
{
	void *r = realloc(ptr, n ? n : 1);

	if (r == NULL)
		abort();
	return r;
}

void
conf_diag(struct rd_parse *p, const struct rd_loc *loc, bool warning, const char *fmt, ...)
{
	struct rd_diag *d;
	va_list ap;
	int n;

	p->diags = conf_xrealloc(p->diags, (p->ndiags + 1) * sizeof(*p->diags));
	d = &p->diags[p->ndiags];
	d->loc = *loc;
	d->warning = warning;
	d->seq = p->ndiags++;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	d->msg = conf_xrealloc(NULL, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(d->msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (!warning)
		p->nerrors++;
}

void
conf_err_stderr(void *arg, const struct rd_loc *loc, bool warning, const char *msg)
{
	fprintf(stderr, "%s:%d:%d: %s%s\n", loc->file ? loc->file : "-", loc->line, loc->col,
		warning ? "warning: " : "", msg);
}

static int
diagcmp(const void *a, const void *b)
{
	const struct rd_diag *x = a, *y = b;

	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	if (x->loc.col != y->loc.col)
		return x->loc.col < y->loc.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Hand the collected diagnostics to errfn in file order, and free them. */
static void
flush_diags(struct rd_parse *p, rd_conf_errfn errfn, void *arg)
{
	if (p->ndiags > 0)
		qsort(p->diags, p->ndiags, sizeof(*p->diags), diagcmp);
	for (size_t i = 0; i < p->ndiags; i++) {
		if (errfn != NULL)
			errfn(arg, &p->diags[i].loc, p->diags[i].warning, p->diags[i].msg);
		free(p->diags[i].msg);
	}
	free(p->diags);
}

int
conf_load_buffer(const char *name, const char *buf, size_t len, rd_conf_errfn errfn,
		 void *arg, struct rd_config **out)
{
	struct rd_parse p;
	struct rd_config *cfg;
	int r;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	cfg = conf_xrealloc(NULL, sizeof(*cfg));
	memset(cfg, 0, sizeof(*cfg));
	cfg->files = conf_xrealloc(NULL, sizeof(*cfg->files));
	cfg->files[0] = strdup(name);
	if (cfg->files[0] == NULL)
		abort();
	cfg->nfiles = 1;
	p.cfg = cfg;
	p.file = cfg->files[0];
	p.buf = buf;
	p.len = len;

	r = conf_parse(&p);
	conf_finish(&p);
	/* After a syntax error outside any block the objects themselves may be
	 * lost; inside a block, validation still runs but skips the "required"
	 * checks of the damaged objects (their missing parts may be unreadable). */
	if (p.toplevel_errors == 0 && conf_validate(&p) == -1)
		r = -1;
	if (p.nerrors > 0)
		r = -1;
	flush_diags(&p, errfn, arg);
	for (size_t i = 0; i < p.nstrs; i++)
		free(p.strs[i]);
	free(p.strs);
	free(p.peers);
	free(p.conns);
	free(p.checks);
	if (r == -1) {
		conf_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

int
conf_load(const char *path, rd_conf_errfn errfn, void *arg, struct rd_config **out)
{
	struct rd_loc loc = { path, 0, 0 };
	char *buf = NULL, msg[300];
	size_t len = 0, cap = 0, n;
	FILE *f;
	int r;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
		if (errfn)
			errfn(arg, &loc, false, msg);
		return -1;
	}
	do {
		if (cap - len < 4096)
			buf = conf_xrealloc(buf, cap = cap ? cap * 2 : 8192);
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		snprintf(msg, sizeof(msg), "read error: %s", strerror(errno));
		if (errfn)
			errfn(arg, &loc, false, msg);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	r = conf_load_buffer(path, buf, len, errfn, arg, out);
	free(buf);
	return r;
}

void
conf_free(struct rd_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->gw.prefixes);
	for (size_t i = 0; i < cfg->gw.nchecks; i++)
		free(cfg->gw.checks[i].prefixes);
	free(cfg->gw.checks);
	for (size_t i = 0; i < cfg->npeers; i++)
		free(cfg->peers[i].prefixes);
	free(cfg->peers);
	for (size_t i = 0; i < cfg->nconns; i++)
		free(cfg->conns[i].static_routes);
	free(cfg->conns);
	for (size_t i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	free(cfg->files);
	free(cfg);
}

static bool
health_equal(const struct rd_health *a, const struct rd_health *b)
{
	return a->bfd == b->bfd && a->bfd_rx_ms == b->bfd_rx_ms &&
		a->bfd_tx_ms == b->bfd_tx_ms && a->bfd_multiplier == b->bfd_multiplier &&
		a->probe_target == b->probe_target &&
		a->probe_interval_ms == b->probe_interval_ms &&
		a->probe_rise == b->probe_rise && a->probe_fall == b->probe_fall;
}

static bool
check_equal(const struct rd_check *a, const struct rd_check *b)
{
	return strcmp(a->name, b->name) == 0 && a->target == b->target &&
		a->interval_ms == b->interval_ms && a->rise == b->rise && a->fall == b->fall &&
		rd_prefixes_equal(a->prefixes, a->nprefixes, b->prefixes, b->nprefixes);
}

bool
rd_checked_prefixes_equal(const struct rd_config *a, const struct rd_config *b)
{
	for (size_t i = 0; i < b->gw.nprefixes; i++)
		if (rd_prefix_checked(a, &b->gw.prefixes[i]) !=
		    rd_prefix_checked(b, &b->gw.prefixes[i]))
			return false;
	return true;
}

bool
rd_prefix_checked(const struct rd_config *cfg, const struct rd_prefix *p)
{
	for (size_t i = 0; i < cfg->gw.nchecks; i++)
		for (size_t j = 0; j < cfg->gw.checks[i].nprefixes; j++)
			if (cfg->gw.checks[i].prefixes[j].addr == p->addr &&
			    cfg->gw.checks[i].prefixes[j].len == p->len)
				return true;
	return false;
}

bool
conf_tunnel_equal(const struct rd_tunnel *a, const struct rd_tunnel *b)
{
	return strcmp(a->name, b->name) == 0 && a->ifnum == b->ifnum &&
		a->local_outside == b->local_outside && a->remote_outside == b->remote_outside &&
		rd_prefixes_equal(&a->inside, 1, &b->inside, 1) && a->inside_swap == b->inside_swap &&
		strcmp(a->psk, b->psk) == 0 && strcmp(a->psk_file, b->psk_file) == 0 &&
		a->ike_versions == b->ike_versions && a->p1_enc == b->p1_enc &&
		a->p2_enc == b->p2_enc && a->p1_integ == b->p1_integ &&
		a->p2_integ == b->p2_integ && a->p1_dh == b->p1_dh && a->p2_dh == b->p2_dh &&
		a->p1_lifetime == b->p1_lifetime && a->p2_lifetime == b->p2_lifetime &&
		a->rekey_margin == b->rekey_margin && a->rekey_fuzz == b->rekey_fuzz &&
		a->replay_window == b->replay_window && a->dpd_timeout == b->dpd_timeout &&
		a->dpd_action == b->dpd_action && a->startup == b->startup &&
		a->bgp_keepalive == b->bgp_keepalive && a->bgp_hold == b->bgp_hold &&
		health_equal(&a->health, &b->health);
}

static bool
peer_equal(const struct rd_peer *a, const struct rd_peer *b)
{
	return strcmp(a->name, b->name) == 0 && a->address == b->address &&
		a->asn == b->asn && a->asn_asdot == b->asn_asdot &&
		a->behind_nat == b->behind_nat && a->far_end == b->far_end &&
		rd_prefixes_equal(a->prefixes, a->nprefixes, b->prefixes, b->nprefixes);
}

static bool
conn_equal(const struct rd_connection *a, const struct rd_connection *b)
{
	if (strcmp(a->name, b->name) != 0 || strcmp(a->peer_name, b->peer_name) != 0 ||
	    a->routing != b->routing || a->ntunnels != b->ntunnels || a->mode != b->mode ||
	    a->preferred != b->preferred || a->signal != b->signal ||
	    a->prepend != b->prepend || a->med_primary != b->med_primary ||
	    a->med_backup != b->med_backup || a->hold_down != b->hold_down ||
	    a->max_prefix != b->max_prefix || strcmp(a->group, b->group) != 0 ||
	    a->priority != b->priority || a->steer != b->steer ||
	    !rd_prefixes_equal(a->static_routes, a->nstatic_routes, b->static_routes,
			    b->nstatic_routes))
		return false;
	for (size_t i = 0; i < a->ntunnels; i++)
		if (!conf_tunnel_equal(&a->tunnels[i], &b->tunnels[i]))
			return false;
	return true;
}

bool
conf_equal(const struct rd_config *a, const struct rd_config *b)
{
	const struct rd_gateway *ga = &a->gw, *gb = &b->gw;

	if (ga->asn != gb->asn || ga->asn_asdot != gb->asn_asdot ||
	    ga->router_id != gb->router_id || ga->local_outside != gb->local_outside ||
	    ga->hub != gb->hub ||
	    !rd_prefixes_equal(ga->prefixes, ga->nprefixes, gb->prefixes, gb->nprefixes) ||
	    a->npeers != b->npeers || a->nconns != b->nconns || ga->nchecks != gb->nchecks)
		return false;
	for (size_t i = 0; i < ga->nchecks; i++)
		if (!check_equal(&ga->checks[i], &gb->checks[i]))
			return false;
	for (size_t i = 0; i < a->npeers; i++)
		if (!peer_equal(&a->peers[i], &b->peers[i]))
			return false;
	for (size_t i = 0; i < a->nconns; i++)
		if (!conn_equal(&a->conns[i], &b->conns[i]))
			return false;
	return true;
}
