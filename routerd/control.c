/* control.c - the control socket's commands (protocol in control.h; transport in ctlsrv.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "config.h"
#include "plugins/hookmsg.h"

#include "routerd/control.h"
#include "routerd/core.h"
#include "routerd/ctlsrv.h"
#include "routerd/log.h"
#include "routerd/probe.h"
#include "routerd/rekey.h"

/* routerd's commands over the transport of ctlsrv.c. */
struct ctl_cmds {
	struct core *core;
	struct ctlsrv *srv;
	int (*reload)(void *arg);
	void *reload_arg;
};

static void
iso_time(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_object *
jstr_ip(uint32_t a)
{
	char b[16];

	return json_object_new_string(rd_ip_str(a, b));
}

/* A probe's state: target, verdict, timers and counters. */
static json_object *
probe_json(const struct probe_info *pi)
{
	json_object *o = json_object_new_object();
	const struct probe_fsm *f = pi->fsm;

	json_object_object_add(o, "target", jstr_ip(pi->target));
	if (pi->source != 0)
		json_object_object_add(o, "source", jstr_ip(pi->source));
	json_object_object_add(o, "state", json_object_new_string(probe_verdict_str(f->verdict)));
	json_object_object_add(o, "interval_ms", json_object_new_int64(pi->interval_ms));
	json_object_object_add(o, "rise", json_object_new_int64(f->rise));
	json_object_object_add(o, "fall", json_object_new_int64(f->fall));
	json_object_object_add(o, "sent", json_object_new_int64((int64_t)f->sent));
	json_object_object_add(o, "received", json_object_new_int64((int64_t)f->received));
	json_object_object_add(o, "lost", json_object_new_int64((int64_t)f->lost));
	json_object_object_add(o, "replies_in_a_row", json_object_new_int64(f->ok_run));
	json_object_object_add(o, "lost_in_a_row", json_object_new_int64(f->lost_run));
	json_object_object_add(o, "rtt_us", json_object_new_int64(f->last_rtt_us));
	json_object_object_add(o, "srtt_us", json_object_new_int64(f->srtt_us));
	json_object_object_add(o, "rttvar_us", json_object_new_int64(f->rttvar_us));
	json_object_object_add(o, "fall_extra", json_object_new_int64(f->fall_extra));
	json_object_object_add(o, "stalls", json_object_new_int64((int64_t)f->stalls));
	json_object_object_add(o, "error", json_object_new_string(pi->last_error));
	return o;
}

static json_object *
tunnel_json(struct core *c, size_t i, size_t j)
{
	const struct rd_connection *cc = &c->cfg->conns[i];
	const struct rd_tunnel *tc = &cc->tunnels[j];
	const struct tunnel *t = &c->tun[i][j];
	const struct pol_tunnel_out *po = c->applied_valid && i < c->applied.nconns
						  ? &c->applied.tunnels[i][j] : NULL;
	json_object *o = json_object_new_object();
	char buf[32], ifname[24];
	struct probe_info pi;
	uint64_t age = (core_now_ms() - t->last_change_ms) / 1000;
	bool up = t->state == TUN_UP;

	snprintf(ifname, sizeof(ifname), "ipsec%u", tc->ifnum);
	json_object_object_add(o, "name", json_object_new_string(tc->name));
	json_object_object_add(o, "ifnum", json_object_new_int64(tc->ifnum));
	json_object_object_add(o, "interface", json_object_new_string(ifname));
	json_object_object_add(o, "outside_local", jstr_ip(tc->local_outside ? tc->local_outside
									    : c->cfg->gw.local_outside));
	json_object_object_add(o, "outside_remote", jstr_ip(tc->remote_outside ? tc->remote_outside
									      : cc->peer->address));
	json_object_object_add(o, "inside_local", jstr_ip(rd_tunnel_local_inside(tc)));
	json_object_object_add(o, "inside_remote", jstr_ip(rd_tunnel_peer_inside(tc)));
	json_object_object_add(o, "inside_cidr",
			       json_object_new_string(rd_prefix_str(&tc->inside, buf)));
	json_object_object_add(o, "state", json_object_new_string(up ? "UP" : "DOWN"));
	json_object_object_add(o, "fsm_state", json_object_new_string(tunnel_state_str(t->state)));
	iso_time(t->last_change_wall, buf);
	json_object_object_add(o, "since", json_object_new_string(buf));
	json_object_object_add(o, "since_sec", json_object_new_int64(t->last_change_wall));
	json_object_object_add(o, "last_change_age_sec", json_object_new_int64((int64_t)age));
	json_object_object_add(o, "reason", json_object_new_string(t->reason));
	json_object_object_add(o, "ike_up", json_object_new_boolean(t->obs.ike_up));
	json_object_object_add(o, "child_up", json_object_new_boolean(t->obs.child_up));
	json_object_object_add(o, "bgp_up", json_object_new_boolean(t->obs.bgp_up));
	json_object_object_add(o, "health_ok", json_object_new_boolean(t->obs.health_ok));
	if (probe_tunnel_info(c, tc->ifnum, &pi))
		json_object_object_add(o, "probe", probe_json(&pi));
	json_object_object_add(o, "drained", json_object_new_boolean(t->obs.drained));
	json_object_object_add(o, "rekeying", json_object_new_boolean(rekey_in_progress(t)));
	json_object_object_add(o, "hold_down", json_object_new_boolean(po && po->in_hold_down));
	json_object_object_add(o, "preferred",
			       json_object_new_boolean(cc->mode == RD_MODE_ACTIVE_ACTIVE ||
						       cc->preferred == j));
	json_object_object_add(o, "usable", json_object_new_boolean(po && po->usable));
	json_object_object_add(o, "rejecting", json_object_new_boolean(po && po->reject));
	json_object_object_add(o, "steering", json_object_new_boolean(po && po->steer));
	json_object_object_add(o, "med", json_object_new_int64(po ? po->med : 0));
	json_object_object_add(o, "prepend", json_object_new_int64(po ? po->prepend : 0));
	json_object_object_add(o, "neighbor_enabled",
			       json_object_new_boolean(po && po->neighbor_enabled));
	json_object_object_add(o, "accepted_routes", json_object_new_int64(t->accepted));
	json_object_object_add(o, "advertised_routes", json_object_new_int64(t->advertised));
	json_object_object_add(o, "bytes_in", json_object_new_int64((int64_t)t->bytes_in));
	json_object_object_add(o, "bytes_out", json_object_new_int64((int64_t)t->bytes_out));
	return o;
}

static void
iso_time_ms(uint64_t ms, char buf[40])
{
	char s[32];

	iso_time((time_t)(ms / 1000), s);
	snprintf(buf, 40, "%.19s.%03uZ", s, (unsigned)(ms % 1000));
}

/* The connection's last failover: the latest tunnel transition the kernel
 * FIB answered (tunnel.fib, core.c fib_observed); NULL (json null) if none. */
static json_object *
failover_json(struct core *c, size_t i)
{
	const struct tunnel *b = NULL;
	json_object *o;
	char buf[40];

	for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++)
		if (c->tun[i][j].fib.changes > 0 &&
		    (b == NULL || c->tun[i][j].fib.first_ms > b->fib.first_ms))
			b = &c->tun[i][j];
	if (b == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "tunnel", json_object_new_string(b->name));
	json_object_object_add(o, "went", json_object_new_string(tunnel_state_str(b->fib.to)));
	json_object_object_add(o, "detected", json_object_new_string(b->fib.cause));
	iso_time_ms(b->fib.cause_wall_ms, buf);
	json_object_object_add(o, "detected_at", json_object_new_string(buf));
	iso_time_ms(b->fib.first_wall_ms, buf);
	json_object_object_add(o, "fib_changed_at", json_object_new_string(buf));
	json_object_object_add(o, "delta_ms",
			       json_object_new_int64((int64_t)(b->fib.first_ms - b->fib.cause_ms)));
	json_object_object_add(o, "fib_change", json_object_new_string(b->fib.first));
	json_object_object_add(o, "routes_changed", json_object_new_int64(b->fib.changes));
	json_object_object_add(o, "last_change_delta_ms",
			       json_object_new_int64((int64_t)(b->fib.last_ms - b->fib.cause_ms)));
	return o;
}

static json_object *
conn_json(struct core *c, size_t i)
{
	const struct rd_connection *cc = &c->cfg->conns[i];
	json_object *o = json_object_new_object(), *tuns = json_object_new_array();
	const struct pol_conn_out *po = c->applied_valid && i < c->applied.nconns
						? &c->applied.conns[i] : NULL;

	json_object_object_add(o, "name", json_object_new_string(cc->name));
	json_object_object_add(o, "peer", json_object_new_string(cc->peer->name));
	json_object_object_add(o, "peer_address", jstr_ip(cc->peer->address));
	json_object_object_add(o, "peer_asn", json_object_new_int64(cc->peer->asn));
	json_object_object_add(o, "routing", json_object_new_string(
		cc->routing == RD_ROUTING_STATIC ? "static" : "dynamic"));
	json_object_object_add(o, "mode", json_object_new_string(
		cc->mode == RD_MODE_ACTIVE_ACTIVE ? "active-active" : "active-standby"));
	json_object_object_add(o, "status", json_object_new_string(
		po ? pol_conn_status_str(po->status) : "DOWN"));
	json_object_object_add(o, "reason", json_object_new_string(po ? po->reason : "not applied yet"));
	for (size_t j = 0; j < cc->ntunnels; j++)
		json_object_array_add(tuns, tunnel_json(c, i, j));
	json_object_object_add(o, "tunnels", tuns);
	json_object_object_add(o, "last_failover", failover_json(c, i));
	return o;
}

static json_object *
show(struct core *c, const char *conn, const char **err)
{
	json_object *o = json_object_new_object(), *gw = json_object_new_object();
	json_object *conns = json_object_new_array();
	bool found = conn == NULL;

	json_object_object_add(gw, "asn", json_object_new_int64(c->cfg->gw.asn));
	json_object_object_add(gw, "router_id", jstr_ip(c->cfg->gw.router_id));
	json_object_object_add(gw, "hub", json_object_new_boolean(c->cfg->gw.hub));
	if (c->cfg->gw.nchecks > 0) {
		json_object *checks = json_object_new_array();
		const bool *ok = probe_check_ok(c);

		for (size_t k = 0; k < c->cfg->gw.nchecks; k++) {
			const struct rd_check *ck = &c->cfg->gw.checks[k];
			struct probe_info pi;
			json_object *co, *pf = json_object_new_array();
			char b[20];

			co = probe_check_info(c, k, &pi) ? probe_json(&pi) : json_object_new_object();
			json_object_object_add(co, "name", json_object_new_string(ck->name));
			for (size_t j = 0; j < ck->nprefixes; j++)
				json_object_array_add(pf, json_object_new_string(
					rd_prefix_str(&ck->prefixes[j], b)));
			json_object_object_add(co, "prefixes", pf);
			json_object_object_add(co, "prefixes_advertised",
					       json_object_new_boolean(ok == NULL || ok[k]));
			json_object_array_add(checks, co);
		}
		json_object_object_add(gw, "checks", checks);
	}
	for (size_t i = 0; i < c->cfg->nconns; i++) {
		if (conn && strcmp(conn, c->cfg->conns[i].name) != 0)
			continue;
		found = true;
		json_object_array_add(conns, conn_json(c, i));
	}
	if (!found) {
		json_object_put(gw);
		json_object_put(conns);
		json_object_put(o);
		*err = "no such connection";
		return NULL;
	}
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "gateway", gw);
	json_object_object_add(o, "connections", conns);
	return o;
}

static json_object *
jcount(unsigned long n)
{
	return json_object_new_int64((int64_t)n);
}

/* "counters": what the control socket turned away (and the hook socket's,
 * swan_hook.c). */
static json_object *
counters_json(struct ctl_cmds *s)
{
	const struct ctlsrv_stats *st = ctlsrv_stats(s->srv);
	json_object *o = json_object_new_object(), *c = json_object_new_object(), *h;
	struct hook_counters hc;

	json_object_object_add(c, "clients", jcount(st->clients));
	json_object_object_add(c, "accepted", jcount(st->accepted));
	json_object_object_add(c, "refused", jcount(st->refused));
	json_object_object_add(c, "busy", jcount(st->busy));
	json_object_object_add(c, "bad_requests", jcount(st->bad_requests));
	json_object_object_add(c, "timeouts", jcount(st->timeouts));
	json_object_object_add(c, "denied", jcount(st->denied));
	json_object_object_add(o, "control", c);
	swan_hook_counters(&hc);
	h = json_object_new_object();
	json_object_object_add(h, "accepted", jcount(hc.accepted));
	json_object_object_add(h, "rejected", jcount(hc.rejected));
	json_object_object_add(h, "malformed", jcount(hc.malformed));
	json_object_object_add(h, "unknown_tunnel", jcount(hc.unknown));
	json_object_object_add(o, "hook", h);
	return o;
}

static const char *
jget(json_object *req, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The commands: name, whether a read-only (view) client may run it. */
static const struct {
	const char *name;
	bool view;
} commands[] = {
	{ "show", true }, { "drain", false }, { "undrain", false }, { "rekey", false },
	{ "reload", false },
};

/* Execute one request; returns the reply (never NULL). */
static json_object *
handle(struct ctl_cmds *s, const struct ctl_peer *peer, const char *text)
{
	json_object *req = json_tokener_parse(text), *rep = NULL;
	const char *cmd, *err = "unknown command (show, drain, undrain, rekey, reload)";
	size_t k = sizeof(commands) / sizeof(commands[0]);

	if (req == NULL || !json_object_is_type(req, json_type_object)) {
		err = "request is not a JSON object";
		goto fail;
	}
	if ((cmd = jget(req, "command")) == NULL) {
		err = "request has no \"command\"";
		goto fail;
	}
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(cmd, commands[k].name) == 0)
			break;
	if (k < sizeof(commands) / sizeof(commands[0]) && !commands[k].view &&
	    peer->role != CTL_ROLE_ADMIN) {
		ctlsrv_count_denied(s->srv);
		log_warnx("control: pid %d uid %u may not %s (read-only: not root nor in group %s)",
			  (int)peer->pid, (unsigned)peer->uid, cmd, RD_ADMIN_GROUP);
		err = "permission denied: read-only client (" RD_ADMIN_GROUP " may change state)";
		goto fail;
	}
	if (strcmp(cmd, "show") == 0) {
		rep = show(s->core, jget(req, "connection"), &err);
		if (rep != NULL)
			json_object_object_add(rep, "counters", counters_json(s));
	} else if (strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0) {
		const char *tun = jget(req, "tunnel");

		if (tun == NULL)
			err = "drain needs \"tunnel\": \"CONNECTION/TUNNEL\"";
		else if (core_drain(s->core, tun, cmd[0] == 'd', &err) == 0)
			rep = json_object_new_object();
	} else if (strcmp(cmd, "rekey") == 0) {
		const char *tun = jget(req, "tunnel");

		if (tun == NULL)
			err = "rekey needs \"tunnel\": \"CONNECTION/TUNNEL\"";
		else if (core_rekey(s->core, tun, &err) == 0)
			rep = json_object_new_object();
	} else if (strcmp(cmd, "reload") == 0) {
		if (s->reload(s->reload_arg) == 0)
			rep = json_object_new_object();
		else
			err = "configuration has errors (see routerd's log); running state unchanged";
	}
	if (rep != NULL) {
		if (!json_object_object_get_ex(rep, "ok", NULL))
			json_object_object_add(rep, "ok", json_object_new_boolean(1));
		json_object_put(req);
		return rep;
	}
fail:
	json_object_put(req);
	rep = json_object_new_object();
	json_object_object_add(rep, "ok", json_object_new_boolean(0));
	json_object_object_add(rep, "error", json_object_new_string(err));
	return rep;
}

/* ctlsrv_handler: the reply as text. */
static char *
handle_text(void *arg, const struct ctl_peer *peer, const char *text)
{
	json_object *rep = handle(arg, peer, text);
	char *out = strdup(json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN));

	json_object_put(rep);
	return out;
}

struct ctlsrv *
ctlsrv_open(struct core *c, const char *path, int (*reload)(void *), void *reload_arg)
{
	struct ctl_cmds *cmds = calloc(1, sizeof(*cmds));

	if (cmds == NULL)
		return NULL;
	cmds->core = c;
	cmds->reload = reload;
	cmds->reload_arg = reload_arg;
	cmds->srv = ctlsrv_listen(c->base, path, RD_ADMIN_GROUP, RD_VIEW_GROUP, handle_text, cmds);
	if (cmds->srv == NULL) {
		free(cmds);
		return NULL;
	}
	ctlsrv_set_owner(cmds->srv, cmds, free);
	return cmds->srv;
}
