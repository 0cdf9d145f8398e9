/*
 * hookmsg.c - serializer and strict parser of the updown hook message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "plugins/hookmsg.h"

#define HOOK_REQID_MAX 16383u

static const char *const verb_names[HOOK_NVERBS] = {
	[HOOK_PREPARE_HOST] = "prepare-host", [HOOK_PREPARE_CLIENT] = "prepare-client",
	[HOOK_ROUTE_HOST] = "route-host", [HOOK_ROUTE_CLIENT] = "route-client",
	[HOOK_UNROUTE_HOST] = "unroute-host", [HOOK_UNROUTE_CLIENT] = "unroute-client",
	[HOOK_UP_HOST] = "up-host", [HOOK_UP_CLIENT] = "up-client",
	[HOOK_DOWN_HOST] = "down-host", [HOOK_DOWN_CLIENT] = "down-client",
};

const char *
hook_verb_name(enum hook_verb v)
{
	return (unsigned)v < HOOK_NVERBS ? verb_names[v] : NULL;
}

int
hook_verb_parse(const char *s, enum hook_verb *v, bool *v6)
{
	size_t n = strlen(s);

	*v6 = n > 3 && strcmp(s + n - 3, "-v6") == 0;
	if (*v6)
		n -= 3;
	for (unsigned i = 0; i < HOOK_NVERBS; i++)
		if (strlen(verb_names[i]) == n && memcmp(verb_names[i], s, n) == 0) {
			*v = i;
			return 0;
		}
	return -1;
}

enum kind { K_VERSION, K_VERB, K_CONN, K_REQID, K_IP, K_IFNAME, K_SPI, K_U64, K_END };

struct key {
	const char *name;
	enum kind kind;
	unsigned field;         /* enum hook_field, 0 for required/framing keys */
	size_t off;             /* target in struct hookmsg */
};

static const struct key keys[] = {
	{ "VERSION", K_VERSION, 0, 0 },
	{ "VERB", K_VERB, 0, 0 },
	{ "CONNECTION", K_CONN, 0, offsetof(struct hookmsg, connection) },
	{ "REQID", K_REQID, 0, offsetof(struct hookmsg, reqid) },
	{ "PEER", K_IP, HOOKF_PEER, offsetof(struct hookmsg, peer) },
	{ "ME", K_IP, HOOKF_ME, offsetof(struct hookmsg, me) },
	{ "VIRT_INTERFACE", K_IFNAME, HOOKF_VIRT_INTERFACE,
	  offsetof(struct hookmsg, virt_interface) },
	{ "SPI_IN", K_SPI, HOOKF_SPI_IN, offsetof(struct hookmsg, spi_in) },
	{ "SPI_OUT", K_SPI, HOOKF_SPI_OUT, offsetof(struct hookmsg, spi_out) },
	{ "INBYTES", K_U64, HOOKF_INBYTES, offsetof(struct hookmsg, inbytes) },
	{ "OUTBYTES", K_U64, HOOKF_OUTBYTES, offsetof(struct hookmsg, outbytes) },
	{ "END", K_END, 0, 0 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
enum { KI_VERSION = 0, KI_VERB = 1, KI_CONN = 2, KI_REQID = 3, KI_END = NKEYS - 1 };

static bool
name_ok(const char *s, size_t n, size_t max)
{
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Decimal, digits only, no overflow. */
static int
parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int
parse_spi(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;

	if (n < 3 || n > 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	for (size_t i = 2; i < n; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static int
parse_ip(const char *s, size_t n, uint32_t *out)
{
	char tmp[16];
	struct in_addr a;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Store one value; 0 or -1 (the caller words the error). */
static int
store(const struct key *k, const char *v, size_t n, struct hookmsg *m)
{
	char *base = (char *)m;
	uint64_t u;
	char verb[32];

	switch (k->kind) {
	case K_VERSION:
		return parse_u64(v, n, UINT32_MAX, &u) == 0 && u == HOOKMSG_VERSION ? 0 : -1;
	case K_VERB:
		if (n >= sizeof(verb))
			return -1;
		memcpy(verb, v, n);
		verb[n] = '\0';
		return hook_verb_parse(verb, &m->verb, &m->v6);
	case K_CONN:
	case K_IFNAME: {
		size_t max = k->kind == K_CONN ? HOOKMSG_NAME_MAX : HOOKMSG_IFNAME_MAX;
		if (!name_ok(v, n, max))
			return -1;
		memcpy(base + k->off, v, n);
		base[k->off + n] = '\0';
		return 0;
	}
	case K_REQID:
		if (parse_u64(v, n, HOOK_REQID_MAX, &u) < 0 || u == 0)
			return -1;
		m->reqid = (uint32_t)u;
		return 0;
	case K_IP:
		return parse_ip(v, n, (uint32_t *)(void *)(base + k->off));
	case K_SPI:
		return parse_spi(v, n, (uint32_t *)(void *)(base + k->off));
	case K_U64:
		return parse_u64(v, n, UINT64_MAX, (uint64_t *)(void *)(base + k->off));
	case K_END:
		return n == 2 && memcmp(v, "OK", 2) == 0 ? 0 : -1;
	}
	return -1;
}

int
hookmsg_parse(const char *buf, size_t len, struct hookmsg *m, char *err, size_t errlen)
{
	bool seen[NKEYS] = { false };
	size_t pos = 0;
	int line = 0;

	memset(m, 0, sizeof(*m));
	if (len > HOOKMSG_MAX)
		return fail(err, errlen, "message of %zu bytes exceeds %d", len, HOOKMSG_MAX);
	while (pos < len) {
		const char *s = buf + pos;
		const char *nl = memchr(s, '\n', len - pos);
		line++;
		if (nl == NULL)
			return fail(err, errlen, "line %d: truncated (no newline)", line);
		size_t n = (size_t)(nl - s);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
				return fail(err, errlen, "line %d: byte 0x%02x not allowed",
					    line, (unsigned char)s[i]);
		const char *eq = memchr(s, '=', n);
		if (eq == NULL)
			return fail(err, errlen, "line %d: no '='", line);
		size_t kn = (size_t)(eq - s), ki;
		for (ki = 0; ki < NKEYS; ki++)
			if (strlen(keys[ki].name) == kn && memcmp(keys[ki].name, s, kn) == 0)
				break;
		if (ki == NKEYS)
			return fail(err, errlen, "line %d: unknown key '%.*s'", line,
				    (int)(kn > 32 ? 32 : kn), s);
		if (seen[ki])
			return fail(err, errlen, "line %d: duplicate key %s", line, keys[ki].name);
		if ((line == 1) != (ki == KI_VERSION))
			return fail(err, errlen, "line %d: VERSION must be the first line", line);
		seen[ki] = true;
		if (store(&keys[ki], eq + 1, n - kn - 1, m) < 0)
			return fail(err, errlen, "line %d: bad value for %s", line, keys[ki].name);
		m->present |= keys[ki].field;
		pos += n + 1;
		if (ki == KI_END && pos != len)
			return fail(err, errlen, "line %d: data after END", line);
	}
	if (!seen[KI_END])
		return fail(err, errlen, "truncated: no END line");
	for (unsigned i = KI_VERB; i <= KI_REQID; i++)
		if (!seen[i])
			return fail(err, errlen, "missing %s", keys[i].name);
	return 0;
}

/* snprintf that tracks the total and reports overflow once at the end. */
static void
put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*used < len ? buf + *used : NULL, *used < len ? len - *used : 0, fmt, ap);
	va_end(ap);
	*used += n > 0 ? (size_t)n : 0;
}

int
hookmsg_format(const struct hookmsg *m, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr a;
	size_t used = 0;
	const char *verb = hook_verb_name(m->verb);

	if (verb == NULL || m->reqid == 0 || m->reqid > HOOK_REQID_MAX ||
	    !name_ok(m->connection, strnlen(m->connection, HOOKMSG_NAME_MAX), HOOKMSG_NAME_MAX) ||
	    ((m->present & HOOKF_VIRT_INTERFACE) &&
	     !name_ok(m->virt_interface, strnlen(m->virt_interface, HOOKMSG_IFNAME_MAX),
		      HOOKMSG_IFNAME_MAX)))
		return -EINVAL;
	put(buf, len, &used, "VERSION=%d\nVERB=%s%s\nCONNECTION=%s\nREQID=%u\n",
	    HOOKMSG_VERSION, verb, m->v6 ? "-v6" : "", m->connection, m->reqid);
	if (m->present & HOOKF_PEER) {
		a.s_addr = htonl(m->peer);
		put(buf, len, &used, "PEER=%s\n", inet_ntop(AF_INET, &a, ip, sizeof(ip)));
	}
	if (m->present & HOOKF_ME) {
		a.s_addr = htonl(m->me);
		put(buf, len, &used, "ME=%s\n", inet_ntop(AF_INET, &a, ip, sizeof(ip)));
	}
	if (m->present & HOOKF_VIRT_INTERFACE)
		put(buf, len, &used, "VIRT_INTERFACE=%s\n", m->virt_interface);
	if (m->present & HOOKF_SPI_IN)
		put(buf, len, &used, "SPI_IN=0x%08x\n", m->spi_in);
	if (m->present & HOOKF_SPI_OUT)
		put(buf, len, &used, "SPI_OUT=0x%08x\n", m->spi_out);
	if (m->present & HOOKF_INBYTES)
		put(buf, len, &used, "INBYTES=%llu\n", (unsigned long long)m->inbytes);
	if (m->present & HOOKF_OUTBYTES)
		put(buf, len, &used, "OUTBYTES=%llu\n", (unsigned long long)m->outbytes);
	put(buf, len, &used, "END=OK\n");
	if (used >= len || used > HOOKMSG_MAX)
		return -ENOSPC;
	return (int)used;
}
