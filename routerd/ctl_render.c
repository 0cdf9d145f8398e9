/* ctl_render.c - routerctl requests and the text / AWS renderings of replies. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "routerd/ctl_render.h"

/* The commands routerctl knows, with the key their argument travels under. */
static const struct ctl_cmd {
	const char *name;
	const char *arg_key;    /* NULL: no argument */
	int nargs;              /* 0, 1 required, -1 optional */
} ctl_cmds[] = {
	{ "show", "connection", -1 },
	{ "drain", "tunnel", 1 },
	{ "undrain", "tunnel", 1 },
	{ "rekey", "tunnel", 1 },
	{ "reload", NULL, 0 },
};

static const struct ctl_cmd *
cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(ctl_cmds[i].name, name) == 0)
			return &ctl_cmds[i];
	return NULL;
}

int
ctl_command_args(const char *command)
{
	const struct ctl_cmd *c = cmd_find(command);

	return c ? c->nargs : -2;
}

struct json_object *
ctl_request(const char *command, const char *arg)
{
	const struct ctl_cmd *c = cmd_find(command);
	struct json_object *req;

	if (c == NULL || (arg != NULL && c->arg_key == NULL) || (arg == NULL && c->nargs == 1))
		return NULL;
	req = json_object_new_object();
	json_object_object_add(req, "command", json_object_new_string(c->name));
	if (arg != NULL)
		json_object_object_add(req, c->arg_key, json_object_new_string(arg));
	return req;
}

/* --- small typed getters: absent or wrong-typed keys read as absent --- */

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool
jint(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static bool
jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

static struct json_object *
jarr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

static const char *
dash(const char *s)
{
	return s && *s ? s : "-";
}

/* --- human numbers --- */

void
ctl_fmt_bytes(char *buf, size_t len, uint64_t n)
{
	static const char units[] = "KMGTPE";
	double x = (double)n;
	size_t u = 0;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 "B", n);
		return;
	}
	x /= 1024;
	while (x >= 1024 && u + 1 < sizeof(units) - 1) {
		x /= 1024;
		u++;
	}
	if (x < 9.95)
		snprintf(buf, len, "%.1f%c", x, units[u]);
	else
		snprintf(buf, len, "%.0f%c", x, units[u]);
}

void
ctl_fmt_age(char *buf, size_t len, int64_t sec)
{
	if (sec < 0)
		sec = 0;
	if (sec < 60)
		snprintf(buf, len, "%" PRId64 "s", sec);
	else if (sec < 3600)
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", sec / 60, sec % 60);
	else if (sec < 86400)
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", sec / 3600, sec % 3600 / 60);
	else
		snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h", sec / 86400, sec % 86400 / 3600);
}

/* --- the text table --- */

enum { COL_TUN, COL_IF, COL_OUTSIDE, COL_INSIDE, COL_STATE, COL_SINCE, COL_FLAGS,
       COL_ROUTES, COL_IN, COL_OUT, COL_REASON, NCOLS };

static const char *const col_head[NCOLS] = {
	"TUNNEL", "IFACE", "OUTSIDE (LOCAL -> REMOTE)", "INSIDE", "STATE", "SINCE", "FLAGS",
	"ACC/ADV", "IN", "OUT", "REASON",
};

#define CELL_MAX 160
struct row {
	char c[NCOLS][CELL_MAX];
};

/* Inside column: our inside address with the /len of inside_cidr. */
static void
fmt_inside(char *buf, size_t len, struct json_object *t)
{
	const char *local = jstr(t, "inside_local"), *cidr = jstr(t, "inside_cidr");
	const char *slash = cidr ? strchr(cidr, '/') : NULL;

	if (local && slash)
		snprintf(buf, len, "%s%s", local, slash);
	else
		snprintf(buf, len, "%s", dash(local ? local : cidr));
}

/* Flags column from the tunnel's booleans, in a fixed order. */
static void
fmt_flags(char *buf, size_t len, struct json_object *t)
{
	static const struct { const char *key, *label; } flags[] = {
		{ "preferred", "preferred" },
		{ "drained", "drained" },
		{ "hold_down", "hold-down" },
		{ "rejecting", "rejecting" },
		{ "steering", "steering" },
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!jbool(t, flags[i].key))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? "," : "", flags[i].label);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}

static void
fmt_count(char *buf, size_t len, struct json_object *t, const char *key)
{
	int64_t v;

	if (jint(t, key, &v) && v >= 0)
		ctl_fmt_bytes(buf, len, (uint64_t)v);
	else
		snprintf(buf, len, "-");
}

static void
fmt_int(char *buf, size_t len, struct json_object *t, const char *key)
{
	int64_t v;

	if (jint(t, key, &v))
		snprintf(buf, len, "%" PRId64, v);
	else
		snprintf(buf, len, "-");
}

static void
tunnel_row(struct row *r, struct json_object *t, time_t now)
{
	const char *lo = jstr(t, "outside_local"), *re = jstr(t, "outside_remote");
	int64_t age, since;
	char a[32], b[32];

	snprintf(r->c[COL_TUN], CELL_MAX, "%s", dash(jstr(t, "name")));
	snprintf(r->c[COL_IF], CELL_MAX, "%s", dash(jstr(t, "interface")));
	if (lo || re)
		snprintf(r->c[COL_OUTSIDE], CELL_MAX, "%s -> %s", dash(lo), dash(re));
	else
		snprintf(r->c[COL_OUTSIDE], CELL_MAX, "-");
	fmt_inside(r->c[COL_INSIDE], CELL_MAX, t);
	snprintf(r->c[COL_STATE], CELL_MAX, "%s", dash(jstr(t, "state")));
	if (jint(t, "last_change_age_sec", &age))
		ctl_fmt_age(r->c[COL_SINCE], CELL_MAX, age);
	else if (jint(t, "since_sec", &since) && since > 0)
		ctl_fmt_age(r->c[COL_SINCE], CELL_MAX, (int64_t)now - since);
	else
		snprintf(r->c[COL_SINCE], CELL_MAX, "-");
	fmt_flags(r->c[COL_FLAGS], CELL_MAX, t);
	fmt_int(a, sizeof(a), t, "accepted_routes");
	fmt_int(b, sizeof(b), t, "advertised_routes");
	snprintf(r->c[COL_ROUTES], CELL_MAX, "%s/%s", a, b);
	fmt_count(r->c[COL_IN], CELL_MAX, t, "bytes_in");
	fmt_count(r->c[COL_OUT], CELL_MAX, t, "bytes_out");
	snprintf(r->c[COL_REASON], CELL_MAX, "%s", dash(jstr(t, "reason")));
}

/* Print rows[0..n) (rows[0] the header) with columns padded to their widest cell. */
static void
print_table(FILE *out, const struct row *rows, size_t n)
{
	size_t w[NCOLS] = { 0 };

	for (size_t i = 0; i < n; i++)
		for (int c = 0; c < NCOLS; c++)
			if (strlen(rows[i].c[c]) > w[c])
				w[c] = strlen(rows[i].c[c]);
	for (size_t i = 0; i < n; i++) {
		fputs("  ", out);
		for (int c = 0; c < NCOLS - 1; c++)
			fprintf(out, "%-*s  ", (int)w[c], rows[i].c[c]);
		fprintf(out, "%s\n", rows[i].c[NCOLS - 1]);
	}
}

/* "name: peer P at ADDR, ASN, routing, mode: STATUS (reason)" */
static void
conn_header(FILE *out, struct json_object *c)
{
	const char *addr = jstr(c, "peer_address"), *mode = jstr(c, "mode");
	const char *reason = jstr(c, "reason"), *routing = jstr(c, "routing");
	int64_t asn;

	fprintf(out, "%s: peer %s", dash(jstr(c, "name")), dash(jstr(c, "peer")));
	if (addr)
		fprintf(out, " at %s", addr);
	if (jint(c, "peer_asn", &asn) && asn > 0)
		fprintf(out, ", AS%" PRId64, asn);
	fprintf(out, ", %s routing", dash(routing));
	if (mode)
		fprintf(out, ", %s", mode);
	fprintf(out, ": %s", dash(jstr(c, "status")));
	if (reason && *reason)
		fprintf(out, " (%s)", reason);
	fputc('\n', out);
}

/* "ping 10.20.0.10 up, rtt 1.2 ms, 3 lost of 120 (2 in a row)" */
static void
fmt_probe(char *buf, size_t len, const char *what, struct json_object *p)
{
	int64_t rtt = 0, sent = 0, lost = 0, run = 0;
	const char *err = jstr(p, "error");
	size_t off;

	jint(p, "rtt_us", &rtt);
	jint(p, "sent", &sent);
	jint(p, "lost", &lost);
	jint(p, "lost_in_a_row", &run);
	off = (size_t)snprintf(buf, len, "%s %s %s", what, dash(jstr(p, "target")),
			       dash(jstr(p, "state")));
	if (rtt > 0 && off < len)
		off += (size_t)snprintf(buf + off, len - off, ", rtt %" PRId64 ".%" PRId64 " ms",
					rtt / 1000, rtt % 1000 / 100);
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off, ", %" PRId64 " lost of %" PRId64,
					lost, sent);
	if (run > 0 && off < len)
		off += (size_t)snprintf(buf + off, len - off, " (%" PRId64 " in a row)", run);
	if (err && *err && off < len)
		snprintf(buf + off, len - off, ", last send: %s", err);
}

static int
render_conn(FILE *out, struct json_object *c, time_t now)
{
	struct json_object *tuns = jarr(c, "tunnels");
	size_t n = tuns ? json_object_array_length(tuns) : 0;
	struct row *rows;

	conn_header(out, c);
	if (n == 0) {
		fputs("  (no tunnels)\n", out);
		return 0;
	}
	rows = calloc(n + 1, sizeof(*rows));
	if (rows == NULL)
		return -1;
	for (int col = 0; col < NCOLS; col++)
		snprintf(rows[0].c[col], CELL_MAX, "%s", col_head[col]);
	for (size_t i = 0; i < n; i++)
		tunnel_row(&rows[i + 1], json_object_array_get_idx(tuns, i), now);
	print_table(out, rows, n + 1);
	free(rows);
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(tuns, i), *p;
		char line[256];

		if (!json_object_object_get_ex(t, "probe", &p) ||
		    !json_object_is_type(p, json_type_object))
			continue;
		fmt_probe(line, sizeof(line), "probe", p);
		fprintf(out, "  %s: %s\n", dash(jstr(t, "name")), line);
	}
	return 0;
}

/* "  check lan1: ping 10.20.0.10 down, ...; withdrawn: 10.20.0.0/16" */
static void
render_checks(FILE *out, struct json_object *gw)
{
	struct json_object *checks = jarr(gw, "checks");
	size_t n = checks ? json_object_array_length(checks) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *k = json_object_array_get_idx(checks, i);
		struct json_object *pf = jarr(k, "prefixes");
		size_t np = pf ? json_object_array_length(pf) : 0;
		char line[256];

		fmt_probe(line, sizeof(line), "ping", k);
		fprintf(out, "  check %s: %s; %s:", dash(jstr(k, "name")), line,
			jbool(k, "prefixes_advertised") ? "advertising" : "withdrawn");
		for (size_t j = 0; j < np; j++)
			fprintf(out, " %s", dash(json_object_get_string(
				json_object_array_get_idx(pf, j))));
		fputc('\n', out);
	}
}

int
ctl_render_text(FILE *out, struct json_object *reply, time_t now)
{
	struct json_object *conns = jarr(reply, "connections"), *gw;
	size_t n;
	int64_t asn;

	if (conns == NULL)
		return -1;
	if (json_object_object_get_ex(reply, "gateway", &gw) && json_object_is_type(gw, json_type_object)) {
		fputs("gateway", out);
		if (jint(gw, "asn", &asn))
			fprintf(out, " AS%" PRId64, asn);
		if (jstr(gw, "router_id"))
			fprintf(out, ", router-id %s", jstr(gw, "router_id"));
		if (jbool(gw, "hub"))
			fputs(", hub", out);
		fputc('\n', out);
		render_checks(out, gw);
	}
	n = json_object_array_length(conns);
	if (n == 0)
		fputs("no connections\n", out);
	for (size_t i = 0; i < n; i++) {
		fputc('\n', out);
		if (render_conn(out, json_object_array_get_idx(conns, i), now) < 0)
			return -1;
	}
	return 0;
}

/* --- AWS describe-vpn-connections shape --- */

static void
add_str(struct json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val));
}

/* One VgwTelemetry entry of a tunnel. */
static struct json_object *
aws_telemetry(struct json_object *t)
{
	struct json_object *o = json_object_new_object();
	const char *state = jstr(t, "state"), *since = jstr(t, "since");
	int64_t sec, acc = 0;
	char iso[32];

	if (jstr(t, "outside_local"))
		add_str(o, "OutsideIpAddress", jstr(t, "outside_local"));
	add_str(o, "Status", state && strcmp(state, "UP") == 0 ? "UP" : "DOWN");
	if (since) {
		add_str(o, "LastStatusChange", since);
	} else if (jint(t, "since_sec", &sec) && sec > 0) {
		time_t ts = (time_t)sec;
		struct tm tm;

		gmtime_r(&ts, &tm);
		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
		add_str(o, "LastStatusChange", iso);
	}
	add_str(o, "StatusMessage", jstr(t, "reason") ? jstr(t, "reason") : "");
	jint(t, "accepted_routes", &acc);
	json_object_object_add(o, "AcceptedRouteCount", json_object_new_int64(acc));
	return o;
}

static struct json_object *
aws_connection(struct json_object *c)
{
	struct json_object *o = json_object_new_object(), *opts, *tel;
	struct json_object *tuns = jarr(c, "tunnels");
	const char *routing = jstr(c, "routing");
	size_t n = tuns ? json_object_array_length(tuns) : 0;

	add_str(o, "VpnConnectionId", dash(jstr(c, "name")));
	add_str(o, "State", "available");
	add_str(o, "Type", "ipsec.1");
	add_str(o, "Category", "VPN");
	add_str(o, "CustomerGatewayId", dash(jstr(c, "peer")));
	if (jstr(c, "peer_address"))
		add_str(o, "CustomerGatewayAddress", jstr(c, "peer_address"));
	opts = json_object_new_object();
	json_object_object_add(opts, "StaticRoutesOnly",
			       json_object_new_boolean(routing && strcmp(routing, "static") == 0));
	json_object_object_add(o, "Options", opts);
	tel = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(tel, aws_telemetry(json_object_array_get_idx(tuns, i)));
	json_object_object_add(o, "VgwTelemetry", tel);
	return o;
}

struct json_object *
ctl_render_aws(struct json_object *reply)
{
	struct json_object *conns = jarr(reply, "connections"), *out, *list;
	size_t n;

	if (conns == NULL)
		return NULL;
	out = json_object_new_object();
	list = json_object_new_array();
	n = json_object_array_length(conns);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, aws_connection(json_object_array_get_idx(conns, i)));
	json_object_object_add(out, "VpnConnections", list);
	return out;
}

void
ctl_print_json(FILE *out, struct json_object *obj)
{
	fprintf(out, "%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
				 JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
}
