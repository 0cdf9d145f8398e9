/*
 * conf.c - loading a configuration: read, parse, finish, validate, then
 * report every diagnostic in file order. Also freeing and comparing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

	if (!warning)
		p->nerrors++;
	if (p->ndiags == RD_CONF_MAX_DIAGS) {   /* bounded memory and output */
		if (p->ndropped++ == 0)
			p->dropped_loc = *loc;
		return;
	}
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
	if (p->ndropped > 0 && errfn != NULL) {
		char msg[120];

		snprintf(msg, sizeof(msg), "%zu more problems not shown (at most %d are)",
			 p->ndropped, RD_CONF_MAX_DIAGS);
		errfn(arg, &p->dropped_loc, false, msg);
	}
}

/* The line and column of byte 'off' of buf. */
static struct rd_loc
loc_of(const char *file, const char *buf, size_t off)
{
	struct rd_loc l = { file, 1, 1 };

	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			l.line++;
			l.col = 1;
		} else {
			l.col++;
		}
	}
	return l;
}

/*
 * What no parse should see: a file over RD_CONF_MAX_BYTES (reported where
 * the limit is passed), NUL bytes (each would silently end the word or
 * string it is in: reported where each is, up to the diagnostics limit).
 * 0 or -1.
 */
static int
check_bytes(struct rd_parse *p)
{
	struct rd_loc l;

	if (p->len > RD_CONF_MAX_BYTES) {
		l = loc_of(p->file, p->buf, RD_CONF_MAX_BYTES);
		conf_diag(p, &l, false, "configuration too large: expected at most %u bytes "
			  "(%u MiB)", RD_CONF_MAX_BYTES, RD_CONF_MAX_BYTES >> 20);
		return -1;
	}
	if (memchr(p->buf, '\0', p->len) == NULL)
		return 0;
	l = (struct rd_loc){ p->file, 1, 1 };
	for (size_t i = 0; i < p->len; i++) {
		if (p->buf[i] == '\0')
			conf_diag(p, &l, false, "NUL byte: expected text (a configuration holds "
				  "no NUL bytes)");
		if (p->buf[i] == '\n') {
			l.line++;
			l.col = 1;
		} else {
			l.col++;
		}
	}
	return -1;
}

/* Load buf; mode is the file's when check_mode (inline keys need it private). */
static int
load(const char *name, const char *buf, size_t len, bool check_mode, unsigned mode,
     rd_conf_errfn errfn, void *arg, struct rd_config **out)
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
	p.check_mode = check_mode;
	p.file_mode = mode;

	if (check_bytes(&p) == -1) {
		r = -1;
	} else {
		r = conf_parse(&p);
		conf_finish(&p);
		/* After a syntax error outside any block the objects themselves may be
		 * lost; inside a block, validation still runs but skips the "required"
		 * checks of the damaged objects (their missing parts may be unreadable). */
		if (p.toplevel_errors == 0 && conf_validate(&p) == -1)
			r = -1;
	}
	if (p.nerrors > 0)
		r = -1;
	flush_diags(&p, errfn, arg);
	free(p.arena);
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
conf_load_buffer(const char *name, const char *buf, size_t len, rd_conf_errfn errfn,
		 void *arg, struct rd_config **out)
{
	return load(name, buf, len, false, 0, errfn, arg, out);
}

/*
 * Read a whole configuration file: a regular file (a FIFO or a device is
 * refused before anything is read: nothing can block or run forever), at
 * most RD_CONF_MAX_BYTES + 1 bytes (one more tells that it is too large).
 * Returns the buffer (malloc'ed) or NULL with msg set.
 */
static char *
read_conf(const char *path, size_t *lenp, unsigned *mode, char *msg, size_t msglen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, want;
	int fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(msg, msglen, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "not a regular file: expected a configuration file");
		close(fd);
		return NULL;
	}
	*mode = (unsigned)st.st_mode & 07777;
	want = st.st_size > RD_CONF_MAX_BYTES ? RD_CONF_MAX_BYTES + 1 : (size_t)st.st_size + 1;
	buf = conf_xrealloc(NULL, want);
	for (;;) {
		ssize_t n;

		if (len == want) {      /* it grew meanwhile: read up to the limit + 1 */
			if (want > RD_CONF_MAX_BYTES)
				break;
			want = want * 2 > RD_CONF_MAX_BYTES + 1 ? RD_CONF_MAX_BYTES + 1 : want * 2;
			buf = conf_xrealloc(buf, want);
		}
		n = read(fd, buf + len, want - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(msg, msglen, "read error: %s", strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*lenp = len;
	return buf;
}

int
conf_load(const char *path, rd_conf_errfn errfn, void *arg, struct rd_config **out)
{
	struct rd_loc loc = { path, 0, 0 };
	char *buf, msg[300];
	unsigned mode = 0;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((buf = read_conf(path, &len, &mode, msg, sizeof(msg))) == NULL) {
		if (errfn)
			errfn(arg, &loc, false, msg);
		return -1;
	}
	r = load(path, buf, len, true, mode, errfn, arg, out);
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
