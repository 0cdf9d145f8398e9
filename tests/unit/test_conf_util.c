/*
 * test_conf_util.c - helpers shared by the conf unit tests: load a text
 * and keep every diagnostic as "file:line:col: [warning: ]msg".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "test_conf_util.h"

static void
collect(void *arg, const struct rd_loc *loc, bool warning, const char *msg)
{
	struct tc_diags *d = arg;

	if (d->n == TC_MAX_DIAGS)
		return;
	snprintf(d->msg[d->n], sizeof(d->msg[0]), "%s:%d:%d: %s%s", loc->file, loc->line,
		 loc->col, warning ? "warning: " : "", msg);
	if (warning)
		d->nwarn++;
	else
		d->nerr++;
	d->n++;
}

int
tc_load_len(const char *text, size_t len, struct tc_diags *d, struct rd_config **cfg)
{
	struct rd_config *c = NULL;
	int r;

	memset(d, 0, sizeof(*d));
	r = conf_load_buffer("t.conf", text, len, collect, d, &c);
	if (cfg != NULL)
		*cfg = c;
	else
		conf_free(c);
	return r;
}

int
tc_load(const char *text, struct tc_diags *d, struct rd_config **cfg)
{
	return tc_load_len(text, strlen(text), d, cfg);
}

/* The examples hold inline keys and a checkout leaves them readable by
 * all, which conf_load() refuses: their text is loaded from memory. */
int
tc_load_file(const char *path, struct tc_diags *d, struct rd_config **cfg)
{
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f = fopen(path, "r");
	int r;

	memset(d, 0, sizeof(*d));
	if (f == NULL)
		return -1;
	do {
		buf = realloc(buf, len + 65536);
		n = fread(buf + len, 1, 65536, f);
		len += n;
	} while (n > 0);
	fclose(f);
	r = conf_load_buffer(path, buf, len, collect, d, cfg);
	free(buf);
	return r;
}

int
tc_load_path(const char *path, struct tc_diags *d, struct rd_config **cfg)
{
	struct rd_config *c = NULL;
	int r;

	memset(d, 0, sizeof(*d));
	r = conf_load(path, collect, d, &c);
	if (cfg != NULL)
		*cfg = c;
	else
		conf_free(c);
	return r;
}

bool
tc_has(const struct tc_diags *d, const char *fragment)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msg[i], fragment) != NULL)
			return true;
	return false;
}

void
tc_dump(const struct tc_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  | %s\n", d->msg[i]);
}

/* A complete valid configuration with extra text spliced into the gateway,
 * the connection and its first tunnel (the gateway's asn and the tunnel's
 * inside and psk are left out when the extra text gives them). Returns a static buffer. */
const char *
tc_conf(const char *gw, const char *conn, const char *tun1)
{
	static char buf[16384];

	snprintf(buf, sizeof(buf),
		 "gateway { %s router-id 192.0.2.1 outside 192.0.2.1\n"
		 "  prefixes { 10.0.0.0/16 } %s }\n"
		 "peer \"branch\" { address 198.51.100.1 asn 65001 prefixes { 10.20.0.0/16 } }\n"
		 "connection \"c\" { peer \"branch\" %s\n"
		 "  tunnel \"tun1\" { %s %s %s }\n"
		 "  tunnel \"tun2\" { inside 169.254.10.5/30 psk \"abcdefgh2\" }\n"
		 "}\n", strstr(gw, "asn ") ? "" : "asn 64512", gw, conn,
		 strstr(tun1, "inside ") ? "" : "inside 169.254.10.1/30",
		 strstr(tun1, "psk") ? "" : "psk \"abcdefgh1\"", tun1);
	return buf;
}

char *
tc_path(const char *rel)
{
	const char *top = getenv("top_srcdir");
	char *p;

	if (top == NULL)
		top = TOP_SRCDIR_FALLBACK;
	p = malloc(strlen(top) + strlen(rel) + 2);
	sprintf(p, "%s/%s", top, rel);
	return p;
}
