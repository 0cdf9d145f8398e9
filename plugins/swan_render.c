/*
 * swan_render.c - routerd's libreswan 4.10 conn include and secrets file.
 * Pure: output depends only on the config (and a tunnel's psk_file).
 */
#include <errno.h>
#include <string.h>

#include "plugins/swan_render.h"

#define SWAN_REQID_MAX 16379u   /* manual reqids: 1..16379 (libreswan reqid.h) */

struct alg_name {
	unsigned bit;
	const char *name;
};

static const struct alg_name enc_cbc[] = {
	{ RD_ENC_AES128, "aes128" },
	{ RD_ENC_AES256, "aes256" },
};
static const struct alg_name enc_gcm[] = {
	{ RD_ENC_AES128_GCM16, "aes_gcm128" },     /* 16-octet ICV */
	{ RD_ENC_AES256_GCM16, "aes_gcm256" },
};
static const struct alg_name integ[] = {
	{ RD_INTEG_SHA1, "sha1" },
	{ RD_INTEG_SHA2_256, "sha2_256" },
	{ RD_INTEG_SHA2_384, "sha2_384" },
	{ RD_INTEG_SHA2_512, "sha2_512" },
};
/* DH groups libreswan 4.10 (NSS) accepts; 2 and 22-24 are not supported. */
static const struct alg_name dh[] = {
	{ 14, "modp2048" }, { 15, "modp3072" }, { 16, "modp4096" }, { 17, "modp6144" },
	{ 18, "modp8192" }, { 19, "dh19" }, { 20, "dh20" }, { 21, "dh21" }, { 5, "modp1536" },
};
/* IKEv1 quick mode: one PFS group, MODP only, in this preference order. */
static const unsigned v1_pfs_order[] = { 14, 15, 16, 17, 18, 5 };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Bounded appender: once it overflows, every later call is a no-op. */
struct sbuf {
	char *p;
	size_t len, used;
	bool overflow;
};

static void
sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->overflow || b->used + n + 1 > b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->used, s, n + 1);
	b->used += n;
}

/* Append the names whose bit is in 'mask', joined by '+'; returns how many. */
static int
sb_join(struct sbuf *b, const struct alg_name *t, size_t n, unsigned mask, bool dh_bits)
{
	int k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned bit = dh_bits ? RD_DH_BIT(t[i].bit) : t[i].bit;

		if (!(mask & bit))
			continue;
		if (k++)
			sb_add(b, "+");
		sb_add(b, t[i].name);
	}
	return k;
}

static bool
has_any(const struct alg_name *t, size_t n, unsigned mask, bool dh_bits)
{
	for (size_t i = 0; i < n; i++)
		if (mask & (dh_bits ? RD_DH_BIT(t[i].bit) : t[i].bit))
			return true;
	return false;
}

static int
sb_done(struct sbuf *b)
{
	return b->overflow ? -ENOSPC : 0;
}

/* IKEv2 allows '+'-combined proposals: at most one CBC and one GCM proposal. */
static int
v2_proposals(struct sbuf *b, unsigned enc, unsigned integ_mask, uint32_t dh_mask,
	     bool ike)
{
	int nprop = 0;

	for (int gcm = 0; gcm < 2; gcm++) {
		const struct alg_name *e = gcm ? enc_gcm : enc_cbc;

		if (!has_any(e, 2, enc, false))
			continue;
		/* ESP-GCM has no integrity; IKE-GCM uses the integ set as PRF. */
		bool need_integ = ike || !gcm;
		if (need_integ && !has_any(integ, N(integ), integ_mask, false))
			continue;
		if (nprop++)
			sb_add(b, ",");
		sb_join(b, e, 2, enc, false);
		if (need_integ) {
			sb_add(b, "-");
			sb_join(b, integ, N(integ), integ_mask, false);
		}
		if (has_any(dh, N(dh), dh_mask, true)) {
			sb_add(b, ";");
			sb_join(b, dh, N(dh), dh_mask, true);
		}
	}
	return nprop;
}

int
swan_ike_proposals(const struct rd_tunnel *t, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0, false };
	int nprop = 0;

	if (len)
		buf[0] = '\0';
	if (!has_any(dh, N(dh), t->p1_dh, true))
		return -ENOTSUP;
	if (t->ike_versions & RD_IKEV2) {
		nprop = v2_proposals(&b, t->p1_enc, t->p1_integ, t->p1_dh, true);
	} else {
		/* IKEv1: no '+' and no GCM for the ISAKMP SA: the full product. */
		for (size_t e = 0; e < N(enc_cbc); e++)
			for (size_t i = 0; i < N(integ); i++)
				for (size_t d = 0; d < N(dh); d++) {
					if (!(t->p1_enc & enc_cbc[e].bit) ||
					    !(t->p1_integ & integ[i].bit) ||
					    !(t->p1_dh & RD_DH_BIT(dh[d].bit)))
						continue;
					if (nprop++)
						sb_add(&b, ",");
					sb_add(&b, enc_cbc[e].name);
					sb_add(&b, "-");
					sb_add(&b, integ[i].name);
					sb_add(&b, ";");
					sb_add(&b, dh[d].name);
				}
	}
	return nprop ? sb_done(&b) : -ENOTSUP;
}

static const char *
v1_pfs_group(uint32_t mask)
{
	for (size_t i = 0; i < N(v1_pfs_order); i++) {
		if (!(mask & RD_DH_BIT(v1_pfs_order[i])))
			continue;
		for (size_t d = 0; d < N(dh); d++)
			if (dh[d].bit == v1_pfs_order[i])
				return dh[d].name;
	}
	return NULL;
}

int
swan_esp_proposals(const struct rd_tunnel *t, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0, false };
	int nprop = 0;

	if (len)
		buf[0] = '\0';
	if (t->p2_dh && !has_any(dh, N(dh), t->p2_dh, true))
		return -ENOTSUP;
	if (t->ike_versions & RD_IKEV2)
		return v2_proposals(&b, t->p2_enc, t->p2_integ, t->p2_dh, false) ?
			sb_done(&b) : -ENOTSUP;

	const char *pfs = t->p2_dh ? v1_pfs_group(t->p2_dh) : NULL;
	if (t->p2_dh && pfs == NULL)
		return -ENOTSUP;
	for (size_t g = 0; g < 2; g++) {
		const struct alg_name *e = g ? enc_gcm : enc_cbc;

		for (size_t k = 0; k < 2; k++) {
			if (!(t->p2_enc & e[k].bit))
				continue;
			for (size_t i = 0; i < N(integ); i++) {
				if (!g && !(t->p2_integ & integ[i].bit))
					continue;
				if (nprop++)
					sb_add(&b, ",");
				sb_add(&b, e[k].name);
				sb_add(&b, g ? "-null" : "-");
				if (!g)
					sb_add(&b, integ[i].name);
				if (pfs) {
					sb_add(&b, ";");
					sb_add(&b, pfs);
				}
				if (g)
					break;  /* GCM: one proposal per cipher */
			}
		}
	}
	return nprop ? sb_done(&b) : -ENOTSUP;
}

/* Characters libreswan and /bin/sh take literally in names and paths. */
static bool
safe_word(const char *s, const char *extra)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-_.", *s) ||
		    (extra && strchr(extra, *s)))
			continue;
		return false;
	}
	return true;
}

int
swan_conn_name(const struct rd_connection *c, const struct rd_tunnel *t, char *buf, size_t len)
{
	if (!safe_word(c->name, NULL) || !safe_word(t->name, NULL))
		return -EINVAL;
	if ((size_t)snprintf(buf, len, "rd-%s-%s", c->name, t->name) >= len)
		return -ENOSPC;
	return 0;
}

uint32_t
swan_left(const struct rd_config *cfg, const struct rd_tunnel *t)
{
	return t->local_outside ? t->local_outside : cfg->gw.local_outside;
}

uint32_t
swan_right(const struct rd_config *cfg, const struct rd_connection *c, const struct rd_tunnel *t)
{
	if (t->remote_outside)
		return t->remote_outside;
	if (c->peer)
		return c->peer->address;
	for (size_t i = 0; i < cfg->npeers; i++)
		if (strcmp(cfg->peers[i].name, c->peer_name) == 0)
			return cfg->peers[i].address;
	return 0;
}

/*
 * retransmit-interval (ms) for an IKEv2 liveness timeout of 'timeout_s'.
 * pluto checks retransmit-timeout only when a retransmission is due and the
 * waits double from the interval (default 500 ms: due at 0.5, 1.5, 3.5 ...
 * 31.5, 63.5 s), so a 40 s timeout declared the peer dead after 63.5 s.
 * The interval chosen (>= 500 ms, at most 2047 doublings' worth) makes the
 * sum of the doubling waits equal the timeout, rounded up.
 */
static unsigned
retransmit_interval_ms(unsigned timeout_s)
{
	unsigned long long t = timeout_s * 1000ULL, steps = 1;  /* 2^k - 1 waits of the interval */

	while (steps * 2 + 1 <= t / 500 && steps < 2047)
		steps = steps * 2 + 1;
	return (unsigned)((t + steps - 1) / steps);
}

static const char *const dpd_action[] = {
	[RD_DPD_CLEAR] = "clear",
	[RD_DPD_NONE] = "hold",         /* see swan_render.h */
	[RD_DPD_RESTART] = "restart",
};

static bool
peer_behind_nat(const struct rd_config *cfg, const struct rd_connection *c)
{
	if (c->peer)
		return c->peer->behind_nat;
	for (size_t i = 0; i < cfg->npeers; i++)
		if (strcmp(cfg->peers[i].name, c->peer_name) == 0)
			return cfg->peers[i].behind_nat;
	return false;
}

bool
swan_dual(const struct rd_tunnel *t)
{
	return (t->ike_versions & RD_IKEV1) && (t->ike_versions & RD_IKEV2);
}

char *
swan_v1_name(const char *name, char buf[SWAN_CONN_NAME_MAX])
{
	/* swan_conn_name() names are at most SWAN_CONN_NAME_MAX - 9 long */
	if ((size_t)snprintf(buf, SWAN_CONN_NAME_MAX, "%s%s", name, SWAN_V1_SUFFIX) >=
	    SWAN_CONN_NAME_MAX)
		buf[0] = '\0';
	return buf;
}

static int render_one(FILE *f, const struct rd_config *cfg, const struct rd_connection *c,
		      const struct rd_tunnel *t, const struct swan_render_opts *o, bool v2);

int
swan_render_conn(FILE *f, const struct rd_config *cfg, const struct rd_connection *c,
		 const struct rd_tunnel *t, const struct swan_render_opts *o)
{
	int err = render_one(f, cfg, c, t, o, (t->ike_versions & RD_IKEV2) != 0);

	if (err == 0 && swan_dual(t))
		err = render_one(f, cfg, c, t, o, false);
	return err;
}

/* One conn: the IKEv2 one (named for the tunnel) or the IKEv1 one. */
static int
render_one(FILE *f, const struct rd_config *cfg, const struct rd_connection *c,
	   const struct rd_tunnel *t, const struct swan_render_opts *o, bool v2)
{
	char name[SWAN_CONN_NAME_MAX], ike[SWAN_ALG_MAX], esp[SWAN_ALG_MAX];
	char l[16], r[16];
	uint32_t left = swan_left(cfg, t), right = swan_right(cfg, c, t);
	int err;
	bool v1_twin = !v2 && swan_dual(t);
	struct rd_tunnel tv1;
	const struct rd_tunnel *pt = t;         /* what the proposals are for */

	if ((err = swan_conn_name(c, t, name, sizeof(name))) < 0)
		return err;
	if (v1_twin) {
		char base[SWAN_CONN_NAME_MAX];

		memcpy(base, name, sizeof(base));
		swan_v1_name(base, name);
		tv1 = *t;
		tv1.ike_versions = RD_IKEV1;
		pt = &tv1;
	}
	if (left == 0 || right == 0 || t->ifnum < 2 || t->ifnum > SWAN_REQID_MAX ||
	    !(t->ike_versions & (RD_IKEV1 | RD_IKEV2)) || (unsigned)t->dpd_action >= N(dpd_action))
		return -EINVAL;
	if (o->updown[0] && (!safe_word(o->updown, "/+") || !safe_word(o->hook_sock, "/+")))
		return -EINVAL;
	if ((err = swan_ike_proposals(pt, ike, sizeof(ike))) < 0 ||
	    (err = swan_esp_proposals(pt, esp, sizeof(esp))) < 0)
		return err;
	rd_ip_str(left, l);
	rd_ip_str(right, r);

	fprintf(f, "conn %s\n", name);
	fprintf(f, "\tauto=%s\n", t->startup == RD_STARTUP_START && !v1_twin ? "start" : "add");
	fprintf(f, "\ttype=tunnel\n\tauthby=secret\n");
	fprintf(f, "\tikev2=%s\n", v2 ? "insist" : "no");
	/*
	 * leftnexthop: pluto refuses ("cannot route -- route already in use")
	 * a second 0/0 conn from the same local address whose nexthop differs,
	 * and with the default %direct the nexthop is each conn's own right=.
	 * With XFRM interfaces pluto routes nothing itself (FRR does), so one
	 * shared nexthop for every conn is right: the customer side's two
	 * tunnels to two gateway addresses, and a hub's many peers, then load.
	 */
	fprintf(f, "\tleft=%s\n\tleftid=%s\n\tleftsubnet=0.0.0.0/0\n", l, l);
	fprintf(f, "\tleftnexthop=%%defaultroute\n");
	/* Every XFRMi conn has 0/0 selectors; its kernel policies differ only
	 * by if_id. Without overlapip pluto refuses the second one's policy
	 * ("cannot install eroute -- it is in use"). */
	fprintf(f, "\toverlapip=yes\n");
	fprintf(f, "\tright=%s\n\trightid=%s\n\trightsubnet=0.0.0.0/0\n", r, r);
	if (!o->no_xfrmi)
		fprintf(f, "\tipsec-interface=%u\n", t->ifnum);
	fprintf(f, "\treqid=%u\n", t->ifnum);
	fprintf(f, "\tike=%s\n\tesp=%s\n\tpfs=%s\n", ike, esp, t->p2_dh ? "yes" : "no");
	fprintf(f, "\tikelifetime=%us\n\tsalifetime=%us\n", t->p1_lifetime, t->p2_lifetime);
	fprintf(f, "\trekeymargin=%us\n\trekeyfuzz=%u%%\n", t->rekey_margin, t->rekey_fuzz);
	fprintf(f, "\treplay-window=%u\n", t->replay_window);
	/* Liveness: probe three times per timeout; the peer is dead after it. */
	fprintf(f, "\tdpddelay=%us\n", t->dpd_timeout / 3 ? t->dpd_timeout / 3 : 1);
	if (v2)
		fprintf(f, "\tretransmit-timeout=%us\n\tretransmit-interval=%u\n", t->dpd_timeout,
			retransmit_interval_ms(t->dpd_timeout));
	else
		fprintf(f, "\tdpdtimeout=%us\n", t->dpd_timeout);
	fprintf(f, "\tdpdaction=%s\n", dpd_action[t->dpd_action]);
	/*
	 * A lost Child SA leaves a drop policy, not pluto's default trap:
	 * pluto 4.10 maps the kernel ACQUIREs a trap raises by selector alone,
	 * ignoring the XFRM if_id, and every routerd conn has the same
	 * 0.0.0.0/0 selectors. So a packet meeting a dead tunnel's trap made a
	 * new Child SA on another tunnel, the one carrying the traffic, and
	 * that replacement lost packets. routerd (re)initiates the tunnels it
	 * starts (core.c initiate_down_tunnels); the peer initiates the rest.
	 */
	fprintf(f, "\tfailureshunt=drop\n");
	if (peer_behind_nat(cfg, c))
		fprintf(f, "\tencapsulation=yes\n");
	if (o->updown[0])
		fprintf(f, "\tleftupdown=\"%s --socket %s\"\n", o->updown, o->hook_sock);
	fprintf(f, "\n");
	return ferror(f) ? -EIO : 0;
}

int
swan_render_conn_file(FILE *f, const struct rd_config *cfg, const struct rd_connection *c,
		      const struct rd_tunnel *t, const struct swan_render_opts *o)
{
	fprintf(f, "# Generated by routerd: do not edit. One conn per file.\n\n");
	return swan_render_conn(f, cfg, c, t, o);
}

int
swan_render_include(FILE *f, const char *conn_dir)
{
	if (conn_dir[0] != '/' || !safe_word(conn_dir, "/+"))
		return -EINVAL;
	fprintf(f, "# Generated by routerd: do not edit. One file per conn (tunnel).\n\n");
	fprintf(f, "include %s/*.conf\n", conn_dir);
	return ferror(f) ? -EIO : 0;
}

int
swan_render_conns(FILE *f, const struct rd_config *cfg, const struct swan_render_opts *o)
{
	int err;

	fprintf(f, "# Generated by routerd: do not edit. One conn per tunnel.\n\n");
	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++)
			if ((err = swan_render_conn(f, cfg, &cfg->conns[i],
						    &cfg->conns[i].tunnels[j], o)) < 0)
				return err;
	return ferror(f) ? -EIO : 0;
}
