/*
 * swan_whack.c - parse what `ipsec whack` prints. Pure, line oriented.
 *
 * Line shapes (libreswan 4.10):
 *   000 #1: "rd-vpn1-tun1":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); ...
 *   000 #2: "rd-vpn1-tun1":4500 STATE_V2_ESTABLISHED_CHILD_SA (established Child SA); ...
 *   000 #2: "rd-vpn1-tun1" esp.1234@10.0.0.2 ... (second line per state: ignored)
 *   006 #2: "rd-vpn1-tun1", type=ESP, add_time=..., inBytes=0, outBytes=0, ...
 * Instances print "name"[N]; the name is what is between the quotes.
 */
#include <stdlib.h>
#include <string.h>

#include "plugins/swan_whack.h"

enum est { EST_IKE, EST_CHILD };

static const struct {
	const char *state;
	enum est what;
} established[] = {
	{ "STATE_V2_ESTABLISHED_IKE_SA", EST_IKE },
	{ "STATE_V2_ESTABLISHED_CHILD_SA", EST_CHILD },
	{ "STATE_MAIN_I4", EST_IKE },           /* IKEv1 ISAKMP SA established */
	{ "STATE_MAIN_R3", EST_IKE },
	{ "STATE_AGGR_I2", EST_IKE },
	{ "STATE_AGGR_R2", EST_IKE },
	{ "STATE_QUICK_I2", EST_CHILD },        /* IKEv1 IPsec SA established */
	{ "STATE_QUICK_R2", EST_CHILD },
};

struct swan_conn_status *
swan_status_get(struct swan_status *st, const char *name, bool create)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->conn[i].name, name) == 0)
			return &st->conn[i];
	if (!create || st->n == SWAN_STATUS_MAX || strlen(name) >= SWAN_CONN_NAME_MAX)
		return NULL;
	struct swan_conn_status *c = &st->conn[st->n++];
	memset(c, 0, sizeof(*c));
	strcpy(c->name, name);
	return c;
}

/*
 * Split "NNN #S: "name"rest" (one line, [s, e)). On success name holds the
 * connection and *rest points after the closing quote. 0 or -1.
 */
static int
state_line(const char *s, const char *e, char name[SWAN_CONN_NAME_MAX], const char **rest)
{
	const char *p = s, *q;

	while (p < e && *p >= '0' && *p <= '9')
		p++;
	if (p == s || p >= e || *p++ != ' ' || p >= e || *p++ != '#')
		return -1;
	q = p;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	if (p == q || e - p < 3 || memcmp(p, ": \"", 3) != 0)
		return -1;
	p += 3;
	q = memchr(p, '"', (size_t)(e - p));
	if (q == NULL || q == p || (size_t)(q - p) >= SWAN_CONN_NAME_MAX)
		return -1;
	memcpy(name, p, (size_t)(q - p));
	name[q - p] = '\0';
	*rest = q + 1;
	return 0;
}

/* Find "key=" in [s, e) at a word start and parse the decimal after it. */
static bool
field_u64(const char *s, const char *e, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);

	for (const char *p = s; p + kl < e; p++) {
		if (memcmp(p, key, kl) != 0 || (p > s && p[-1] != ' '))
			continue;
		p += kl;
		if (*p < '0' || *p > '9')
			return false;
		uint64_t v = 0;
		for (; p < e && *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (uint64_t)(*p - '0');
		*out = v;
		return true;
	}
	return false;
}

/* Call fn on every line [s, e) of text; the sum of what fn returns. */
static int
each_line(const char *text, struct swan_status *st,
	  int (*fn)(const char *s, const char *e, struct swan_status *st))
{
	int n = 0;

	for (const char *s = text; *s; ) {
		const char *e = strchr(s, '\n');

		if (e == NULL)
			e = s + strlen(s);
		n += fn(s, e, st);
		s = *e ? e + 1 : e;
	}
	return n;
}

/* One --showstates line: mark the conn's IKE or Child SA established. */
static int
showstates_line(const char *s, const char *e, struct swan_status *st)
{
	char name[SWAN_CONN_NAME_MAX];
	const char *rest, *st_tok = NULL;
	struct swan_conn_status *c;
	size_t tl;

	if (state_line(s, e, name, &rest) != 0)
		return 0;
	/* The state token is the first word starting with STATE_. */
	for (const char *p = rest; p + 6 <= e; p++)
		if ((p == rest || p[-1] == ' ') && memcmp(p, "STATE_", 6) == 0) {
			st_tok = p;
			break;
		}
	if (st_tok == NULL)
		return 0;
	tl = strcspn(st_tok, " \n");
	c = swan_status_get(st, name, true);
	for (size_t i = 0; c && i < sizeof(established) / sizeof(established[0]); i++)
		if (strlen(established[i].state) == tl &&
		    memcmp(established[i].state, st_tok, tl) == 0) {
			if (established[i].what == EST_IKE)
				c->ike = true;
			else
				c->child = true;
		}
	return 1;
}

/* One --trafficstatus line: the conn's Child SA is up, add its bytes. */
static int
trafficstatus_line(const char *s, const char *e, struct swan_status *st)
{
	char name[SWAN_CONN_NAME_MAX];
	const char *rest;
	struct swan_conn_status *c;
	uint64_t in, out;

	if (state_line(s, e, name, &rest) != 0 || rest >= e || *rest != ',' ||
	    !field_u64(rest, e, "inBytes=", &in) || !field_u64(rest, e, "outBytes=", &out))
		return 0;
	c = swan_status_get(st, name, true);
	if (c) {
		c->child = true;
		c->have_bytes = true;
		c->inbytes += in;
		c->outbytes += out;
	}
	return 1;
}

int
swan_parse_showstates(const char *text, struct swan_status *st)
{
	return each_line(text, st, showstates_line);
}

int
swan_parse_trafficstatus(const char *text, struct swan_status *st)
{
	return each_line(text, st, trafficstatus_line);
}
