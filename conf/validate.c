/*
 * validate.c - every semantic rule of routerd.conf, run once the file has
 * parsed (single values were range-checked while parsing, see tables.c).
 * Each problem is reported at the location of the value it is about.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_priv.h"

#define RD_MAX_STATIC_ROUTES 100
#define RD_NO_KEY_GENERATED "routerd runs at both ends, so nothing is generated"

/* Location of option 'o' in 's' if written there, else 'dflt'. */
static const struct rd_loc *
at(const struct rd_optset *s, enum rd_opt o, const struct rd_loc *dflt)
{
	return (s->set & OBIT(o)) ? &s->loc[o] : dflt;
}

static bool
ok(const struct rd_optset *s, enum rd_opt o)
{
	return !(s->bad & OBIT(o));
}

const char *
conf_psk_problem(const char *psk, size_t n)
{
	static const char ok_chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";

	if (n < 8 || n > RD_PSK_MAX)
		return "expected 8..64 characters";
	for (size_t i = 0; i < n; i++)  /* by length: a NUL is a bad character too */
		if (psk[i] == '\0' || strchr(ok_chars, psk[i]) == NULL)
			return "expected only the characters A-Z a-z 0-9 . _";
	if (psk[0] == '0')
		return "must not start with '0'";
	return NULL;
}

/*
 * Read a psk-file into t->psk. It must be a regular file (not a symbolic
 * link, FIFO or device: opened non-blocking and without following links, and
 * checked with fstat() before anything is read), with no access for group
 * and others, of at most RD_PSK_FILE_MAX bytes, holding one valid key and
 * an optional final newline.
 */
static void
psk_file(struct rd_parse *p, struct rd_tunnel *t, const struct rd_loc *loc)
{
	char key[RD_PSK_FILE_MAX + 1];
	const char *why;
	struct stat st;
	size_t n = 0;
	int fd;

	fd = open(t->psk_file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		conf_diag(p, loc, false, "psk-file \"%s\": %s: expected a readable %sfile",
			  t->psk_file, errno == ELOOP ? "a symbolic link" : strerror(errno),
			  errno == ELOOP ? "regular " : "");
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		conf_diag(p, loc, false, "psk-file \"%s\": expected a regular file", t->psk_file);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		conf_diag(p, loc, false, "psk-file \"%s\" has mode %04o: expected no access "
			  "for group and others (chmod 600)", t->psk_file,
			  (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size > RD_PSK_FILE_MAX) {
		conf_diag(p, loc, false, "psk-file \"%s\": %lld bytes: expected at most %d",
			  t->psk_file, (long long)st.st_size, RD_PSK_FILE_MAX);
		goto out;
	}
	while (n < sizeof(key)) {       /* to the end, or one byte past the limit */
		ssize_t r = read(fd, key + n, sizeof(key) - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			conf_diag(p, loc, false, "psk-file \"%s\": %s", t->psk_file,
				  strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > RD_PSK_FILE_MAX) {
		conf_diag(p, loc, false, "psk-file \"%s\": more than %d bytes: expected one key",
			  t->psk_file, RD_PSK_FILE_MAX);
		goto out;
	}
	if (n > 0 && key[n - 1] == '\n')
		n--;
	if (memchr(key, '\0', n) != NULL)
		why = "expected text (it holds a NUL byte)";
	else
		why = conf_psk_problem(key, n);
	if (why != NULL) {
		conf_diag(p, loc, false, "psk-file \"%s\": invalid key: %s", t->psk_file, why);
		goto out;
	}
	memcpy(t->psk, key, n);
	t->psk[n] = '\0';
out:
	explicit_bzero(key, sizeof(key));
	close(fd);
}

/* inside: a /30 of 169.254.0.0/16 that AWS does not reserve. */
static void
check_inside(struct rd_parse *p, const struct rd_tunnel *t, const struct rd_loc *loc)
{
	static const uint32_t reserved[] = {
		0xa9fe0000, 0xa9fe0100, 0xa9fe0200, 0xa9fe0300, 0xa9fe0400, 0xa9fe0500,
		0xa9fea9fc,
	};
	char s[20];

	if ((t->inside.addr & 0xffff0000u) != 0xa9fe0000u) {
		conf_diag(p, loc, false, "inside %s: expected a /30 in 169.254.0.0/16",
			  rd_prefix_str(&t->inside, s));
		return;
	}
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (t->inside.addr == reserved[i])
			conf_diag(p, loc, false, "inside %s is reserved: expected a /30 in "
				  "169.254.0.0/16 other than 169.254.0.0/30 .. 169.254.5.0/30 "
				  "and 169.254.169.252/30", rd_prefix_str(&t->inside, s));
}

static void
check_tunnel(struct rd_parse *p, struct rd_connection *c, size_t i)
{
	struct rd_tunnel *t = &c->tunnels[i];
	const struct rd_optset *o = &p->conns[c - p->cfg->conns].tloc[i];
	const struct rd_loc *tl = &t->loc;
	const char *why;

	for (size_t j = 0; j < i; j++)
		if (strcmp(c->tunnels[j].name, t->name) == 0)
			conf_diag(p, tl, false, "tunnel \"%s\" defined twice in connection \"%s\" "
				  "(first at line %d): expected unique names", t->name, c->name,
				  c->tunnels[j].loc.line);
	if (o->damaged)
		;
	else if (t->local_outside == 0 && ok(o, O_LOCAL_OUTSIDE))
		conf_diag(p, tl, false, "tunnel \"%s\": no local outside address: expected "
			  "local-outside a.b.c.d or outside in the gateway block", t->name);
	if (!(o->set & OBIT(O_INSIDE)) && !o->damaged)
		conf_diag(p, tl, false, "tunnel \"%s\": inside required: expected inside "
			  "169.254.x.y/30 (.1 or .2 names our side); " RD_NO_KEY_GENERATED, t->name);
	else if (ok(o, O_INSIDE))
		check_inside(p, t, at(o, O_INSIDE, tl));
	if (!(o->set & (OBIT(O_PSK) | OBIT(O_PSK_FILE)))) {
		if (!o->damaged)
			conf_diag(p, tl, false, "tunnel \"%s\": psk or psk-file required: expected "
				  "psk-file \"/path\" or psk \"key\"; " RD_NO_KEY_GENERATED, t->name);
	} else if ((o->set & OBIT(O_PSK)) && (o->set & OBIT(O_PSK_FILE)))
		conf_diag(p, at(o, O_PSK_FILE, tl), false, "tunnel \"%s\": both psk and "
			  "psk-file given: expected one of them", t->name);
	else if ((o->set & OBIT(O_PSK)) &&
		 (why = conf_psk_problem(t->psk, strlen(t->psk))) != NULL)
		conf_diag(p, at(o, O_PSK, tl), false, "psk: invalid key: %s", why);
	else if (o->set & OBIT(O_PSK_FILE))
		psk_file(p, t, at(o, O_PSK_FILE, tl));

	if (ok(o, O_P1_LIFETIME) && ok(o, O_P2_LIFETIME) && t->p2_lifetime >= t->p1_lifetime)
		conf_diag(p, at(o, O_P2_LIFETIME, at(o, O_P1_LIFETIME, tl)), false,
			  "phase2 lifetime %u: expected less than the phase1 lifetime (%u)",
			  t->p2_lifetime, t->p1_lifetime);
	if (ok(o, O_REKEY_MARGIN) && ok(o, O_P2_LIFETIME) &&
	    t->rekey_margin > t->p2_lifetime / 2)
		conf_diag(p, at(o, O_REKEY_MARGIN, at(o, O_P2_LIFETIME, tl)), false,
			  "rekey-margin %u: expected 60..%u seconds (half the phase2 lifetime)",
			  t->rekey_margin, t->p2_lifetime / 2);
	if (t->startup == RD_STARTUP_START && ok(o, O_IKE) && t->ike_versions != RD_IKEV2)
		conf_diag(p, at(o, O_STARTUP, tl), false, "startup start: expected "
			  "ike-versions ikev2 only (the gateway initiates only with IKEv2)");
	if (ok(o, O_KEEPALIVE) && ok(o, O_HOLD) && t->bgp_keepalive * 3 > t->bgp_hold)
		conf_diag(p, at(o, O_KEEPALIVE, at(o, O_HOLD, tl)), false,
			  "bgp keepalive %u: expected at most a third of hold (%u)",
			  t->bgp_keepalive, t->bgp_hold);
}

/* Name resolution, routing rules, tunnel count and preference of a connection. */
static void
check_conn(struct rd_parse *p, size_t ci)
{
	struct rd_connection *c = &p->cfg->conns[ci];
	const struct rd_optset *o = &p->conns[ci].o;
	const struct rd_loc *cl = &c->loc;

	c->peer = NULL;
	for (size_t j = 0; j < p->cfg->npeers; j++)
		if (strcmp(p->cfg->peers[j].name, c->peer_name) == 0 && c->peer == NULL)
			c->peer = &p->cfg->peers[j];
	if (!(o->set & OBIT(O_PEER)) && !o->damaged)
		conf_diag(p, cl, false, "connection \"%s\": peer required: expected "
			  "peer \"name\"", c->name);
	else if ((o->set & OBIT(O_PEER)) && c->peer == NULL && ok(o, O_PEER))
		conf_diag(p, &o->loc[O_PEER], false, "peer \"%s\" not defined: expected the "
			  "name of a peer block", c->peer_name);

	if (c->routing == RD_ROUTING_DYNAMIC) {
		if (c->nstatic_routes > 0)
			conf_diag(p, &o->loc[O_STATIC], false, "static-routes: expected only "
				  "with routing static");
		if (c->peer != NULL && c->peer->asn == 0 && ok(&p->peers[c->peer - p->cfg->peers],
							       O_PEER_ASN))
			conf_diag(p, at(o, O_ROUTING, cl), false, "routing dynamic: peer \"%s\" "
				  "has no asn: expected asn 1..4294967295 in the peer block",
				  c->peer_name);
		if (c->peer != NULL && c->peer->asn != 0 && c->peer->asn == p->cfg->gw.asn)
			conf_diag(p, at(o, O_ROUTING, cl), false, "routing dynamic: peer \"%s\" "
				  "has the gateway's asn %u: expected a different asn (eBGP)",
				  c->peer_name, c->peer->asn);
	} else if (c->nstatic_routes == 0 && !o->damaged) {
		conf_diag(p, at(o, O_STATIC, at(o, O_ROUTING, cl)), false, "routing static: "
			  "expected static-routes with 1..%d prefixes", RD_MAX_STATIC_ROUTES);
	} else if (c->nstatic_routes > RD_MAX_STATIC_ROUTES) {
		conf_diag(p, &o->loc[O_STATIC], false, "static-routes: %zu prefixes, expected "
			  "1..%d", c->nstatic_routes, RD_MAX_STATIC_ROUTES);
	}

	if (c->ntunnels == 0 && !o->damaged)
		conf_diag(p, cl, false, "connection \"%s\": no tunnel: expected two tunnel "
			  "blocks", c->name);
	else if (c->ntunnels == 1 && !o->damaged)
		conf_diag(p, cl, true, "connection \"%s\" has one tunnel: AWS always has two",
			  c->name);
	c->preferred = 0;
	if (o->set & OBIT(O_PREFERRED)) {
		size_t j;

		for (j = 0; j < c->ntunnels; j++)
			if (strcmp(c->tunnels[j].name, p->conns[ci].preferred) == 0)
				break;
		if (j < c->ntunnels)
			c->preferred = j;
		else if (ok(o, O_PREFERRED))
			conf_diag(p, &o->loc[O_PREFERRED], false, "preferred \"%s\": expected the "
				  "name of a tunnel of connection \"%s\"", p->conns[ci].preferred,
				  c->name);
	}
	if ((c->signal & RD_SIGNAL_MED) && c->mode == RD_MODE_ACTIVE_STANDBY &&
	    c->med_primary >= c->med_backup && ok(o, O_MED_PRIMARY) && ok(o, O_MED_BACKUP))
		conf_diag(p, at(o, O_MED_PRIMARY, cl), false, "med %u %u: expected the primary "
			  "value lower than the backup value", c->med_primary, c->med_backup);
	for (size_t i = 0; i < c->ntunnels; i++)
		check_tunnel(p, c, i);
}

static void
check_peers(struct rd_parse *p)
{
	const struct rd_config *cfg = p->cfg;

	for (size_t i = 0; i < cfg->npeers; i++) {
		const struct rd_peer *a = &cfg->peers[i];

		if (!(p->peers[i].set & OBIT(O_ADDRESS)) && !p->peers[i].damaged)
			conf_diag(p, &a->loc, false, "peer \"%s\": address required: expected "
				  "address a.b.c.d (its outside or NAT address)", a->name);
		if (cfg->gw.hub && a->asn != 0 && a->asn == cfg->gw.asn)
			conf_diag(p, at(&p->peers[i], O_PEER_ASN, &a->loc), false, "hub yes: peer "
				  "\"%s\" has the gateway asn %u: expected a different asn",
				  a->name, a->asn);
	}
}

/* LAN checks: unique names, a target, and prefixes the gateway advertises. */
static void
check_checks(struct rd_parse *p)
{
	const struct rd_gateway *gw = &p->cfg->gw;
	struct rd_prefix *gw_sorted = conf_prefixes_sorted(gw->prefixes, gw->nprefixes);

	for (size_t i = 0; i < gw->nchecks; i++) {
		const struct rd_check *k = &gw->checks[i];
		const struct rd_optset *o = &p->checks[i];

		if (!(o->set & OBIT(O_CHECK_PING)) && !o->damaged)
			conf_diag(p, &k->loc, false, "check \"%s\": ping required: expected "
				  "ping a.b.c.d (a host on the LAN behind this gateway)", k->name);
		if (k->nprefixes == 0 && !o->damaged && ok(o, O_CHECK_PREFIXES))
			conf_diag(p, &k->loc, true, "check \"%s\" gates no prefix: expected "
				  "prefixes { ... } (gateway prefixes advertised only while it "
				  "is up)", k->name);
		for (size_t j = 0; j < k->nprefixes; j++) {
			char b[20];

			if (bsearch(&k->prefixes[j], gw_sorted, gw->nprefixes, sizeof(*gw_sorted),
				    conf_prefix_cmp) == NULL)
				conf_diag(p, &k->prefixes[j].loc, false, "check \"%s\": prefix %s "
					  "is not one of the gateway's prefixes: expected a prefix "
					  "of the gateway block's prefixes { }", k->name,
					  rd_prefix_str(&k->prefixes[j], b));
		}
	}
	free(gw_sorted);
}

int
conf_validate(struct rd_parse *p)
{
	struct rd_config *cfg = p->cfg;
	struct rd_loc top = { p->file, 1, 1 };
	size_t before = p->nerrors;

	if (cfg->gw.loc.line != 0)
		top = cfg->gw.loc;
	if (cfg->gw.router_id == 0 && ok(&p->gw, O_ROUTER_ID) && ok(&p->gw, O_OUTSIDE) &&
	    !p->gw.damaged)
		conf_diag(p, &top, false, "no router-id: expected router-id a.b.c.d or outside "
			  "a.b.c.d in the gateway block");
	for (int o = O_TUNNEL_FIRST; o < O_MAX; o++) {
		for (size_t i = 0; i <= cfg->nconns; i++) {
			const struct rd_optset *d = i < cfg->nconns ? &p->conns[i].defaults.o :
				&p->defaults.o;

			if ((o == O_IFNUM || o == O_INSIDE) && (d->set & OBIT(o)))
				conf_diag(p, &d->loc[o], false, "%s in a defaults block: expected it "
					  "in each tunnel block (it is unique per tunnel)",
					  conf_opts[o].keyword);
		}
	}
	check_checks(p);
	check_peers(p);
	for (size_t i = 0; i < cfg->nconns; i++)
		check_conn(p, i);
	conf_check_unique(p);
	conf_check_overlaps(p);
	return p->nerrors > before ? -1 : 0;
}
