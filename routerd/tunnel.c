/* tunnel.c - the per-tunnel FSM (see tunnel.h). */
#include <stdio.h>
#include <string.h>

#include "routerd/log.h"
#include "routerd/tunnel.h"

static const char *const state_names[] = {
	[TUN_DOWN] = "DOWN",
	[TUN_CONNECTING] = "CONNECTING",
	[TUN_UP] = "UP",
};

const char *
tunnel_state_str(enum tun_state s)
{
	return state_names[s];
}

void
tunnel_init(struct tunnel *t, const struct rd_connection *c, const struct rd_tunnel *cfg,
	    uint64_t now_ms)
{
	memset(t, 0, sizeof(*t));
	t->ifnum = cfg->ifnum;
	snprintf(t->name, sizeof(t->name), "%s/%s", c->name, cfg->name);
	t->dynamic = c->routing == RD_ROUTING_DYNAMIC;
	t->state = TUN_DOWN;
	t->obs.health_ok = true;
	t->bfd_ok = t->probe_ok = true;
	t->last_change_ms = now_ms;
	t->last_change_wall = time(NULL);
	snprintf(t->reason, sizeof(t->reason), "not yet established");
	t->seen = true;
	t->link_up = -1;
}

/* The state the observations add up to. */
static enum tun_state
derive(const struct tunnel *t)
{
	if (!t->obs.child_up)
		return TUN_DOWN;
	if (!t->obs.health_ok)
		return TUN_DOWN;
	if (t->dynamic && !t->obs.bgp_up)
		return TUN_CONNECTING;
	return TUN_UP;
}

/* Point at the boolean an observation kind sets; NULL for kinds without one. */
static bool *
obs_flag(struct tunnel *t, enum rd_obs_kind kind)
{
	switch (kind) {
	case RD_OBS_IKE: return &t->obs.ike_up;
	case RD_OBS_CHILD: return &t->obs.child_up;
	case RD_OBS_BGP: return &t->obs.bgp_up;
	case RD_OBS_HEALTH: return &t->bfd_ok;
	default: return NULL;
	}
}

static const char *const kind_names[] = {
	[RD_OBS_IKE] = "IKE SA",
	[RD_OBS_CHILD] = "IPsec SA",
	[RD_OBS_BGP] = "BGP session",
	[RD_OBS_HEALTH] = "health check",
	[RD_OBS_COUNTERS] = "counters",
	[RD_OBS_BACKEND] = "backend",
};

/* The state may have changed after an observation of 'what' going up/down. */
static void
transition(struct tunnel *t, enum tun_state old, const char *what, bool up, const char *reason,
	   uint64_t now_ms)
{
	t->state = derive(t);
	if (t->state == old)
		return;
	snprintf(t->reason, sizeof(t->reason), "%s %s%s%s", what, up ? "up" : "down",
		 reason ? ": " : "", reason ? reason : "");
	t->last_change_ms = now_ms;
	t->last_change_wall = time(NULL);
	if (t->state == TUN_UP)
		t->obs.up_since_ms = now_ms;
	else if (old == TUN_UP)
		t->obs.last_down_ms = now_ms;
	log_info("tunnel %s (ipsec%u): %s -> %s (%s)", t->name, t->ifnum,
		 tunnel_state_str(old), tunnel_state_str(t->state), t->reason);
}

/* Combine the health checks; true when obs.health_ok changed. */
static bool
combine_health(struct tunnel *t, uint64_t now_ms)
{
	bool ok = t->bfd_ok && t->probe_ok;

	t->obs.probe_failed = !t->probe_ok;
	if (t->obs.health_ok == ok)
		return false;
	t->obs.health_ok = ok;
	t->obs.health_down_ms = ok ? 0 : now_ms;
	return true;
}

bool
tunnel_observe(struct tunnel *t, const struct rd_obs *obs, uint64_t now_ms)
{
	bool *flag = obs_flag(t, obs->kind);
	enum tun_state old = t->state;

	if (obs->kind == RD_OBS_COUNTERS) {
		t->bytes_in = obs->bytes_in;
		t->bytes_out = obs->bytes_out;
		return false;
	}
	if (obs->kind == RD_OBS_BGP) {
		t->accepted = obs->accepted;
		t->advertised = obs->advertised;
	}
	if (obs->kind == RD_OBS_HEALTH && obs->up)
		t->health_seen_up = true;
	if (obs->kind == RD_OBS_HEALTH && !obs->up && !t->health_seen_up) {
		log_debug("tunnel %s: health down ignored: never up since the SA came up", t->name);
		return false;
	}
	if (obs->kind == RD_OBS_CHILD && !obs->up) {
		/* a new SA starts a new health history */
		t->health_seen_up = t->probe_seen_up = false;
		t->bfd_ok = t->probe_ok = true;
		combine_health(t, now_ms);
	}
	if (flag == NULL || *flag == obs->up)
		return false;
	*flag = obs->up;
	if (obs->kind == RD_OBS_CHILD && obs->up) {
		t->child_ups++;
		t->child_since_ms = now_ms;
	} else if (obs->kind == RD_OBS_CHILD) {
		t->child_down_ms = now_ms;
	}
	log_info("tunnel %s (ipsec%u): %s %s (%s%s%s)", t->name, t->ifnum, kind_names[obs->kind],
		 obs->up ? "up" : "down", obs->source ? obs->source : "?",
		 obs->reason ? ": " : "", obs->reason ? obs->reason : "");
	if (obs->kind == RD_OBS_HEALTH && !combine_health(t, now_ms))
		return false;   /* another check still holds health where it was */
	transition(t, old, kind_names[obs->kind], obs->up, obs->reason, now_ms);
	return true;
}

bool
tunnel_probe(struct tunnel *t, bool up, const char *why, uint64_t now_ms)
{
	enum tun_state old = t->state;
	char reason[96];

	if (up)
		t->probe_seen_up = true;
	if (!up && !t->probe_seen_up) {
		log_info("tunnel %s (ipsec%u): probe down ignored (%s): never up since the SA "
			 "came up", t->name, t->ifnum, why);
		return false;
	}
	if (t->probe_ok == up)
		return false;
	t->probe_ok = up;
	log_info("tunnel %s (ipsec%u): probe %s (%s)", t->name, t->ifnum, up ? "up" : "down", why);
	if (!combine_health(t, now_ms))
		return false;
	snprintf(reason, sizeof(reason), "probe: %s", why);
	transition(t, old, kind_names[RD_OBS_HEALTH], up, reason, now_ms);
	return true;
}

/* obs.drained from its two sources; true when it changed. */
static bool
update_drained(struct tunnel *t)
{
	bool d = t->op_drained || t->rekey_drained;

	if (t->obs.drained == d)
		return false;
	t->obs.drained = d;
	return true;
}

bool
tunnel_set_drain(struct tunnel *t, bool drained, uint64_t now_ms)
{
	(void)now_ms;
	if (t->op_drained == drained)
		return false;
	t->op_drained = drained;
	log_info("tunnel %s (ipsec%u): %s by operator", t->name, t->ifnum,
		 drained ? "drained" : "undrained");
	return update_drained(t);
}

bool
tunnel_set_rekey_drain(struct tunnel *t, bool drained, uint64_t now_ms)
{
	(void)now_ms;
	if (t->rekey_drained == drained)
		return false;
	t->rekey_drained = drained;
	log_info("tunnel %s (ipsec%u): %s for a planned rekey", t->name, t->ifnum,
		 drained ? "drained" : "undrained");
	return update_drained(t);
}
