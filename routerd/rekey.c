/*
 * rekey.c - planned Child SA rekeys, make-before-break across tunnels.
 *
 * Why: when libreswan 4.10 answers a CREATE_CHILD_SA rekey it installs the
 * new outbound SA at once, and the kernel sends on the newest SA; the
 * initiator still holds the new inbound SPI as a larval (ACQ) state until
 * it has processed the response, so what the responder sends in between is
 * dropped there (XfrmAcquireError). Measured in scenario i: 1-5 packets per
 * rekey at 10 ms spacing. routerd cannot change pluto, but it owns the
 * routing: before pluto's own rekey is due, it drains the tunnel (the same
 * graceful shutdown as 'routerctl drain': both directions move to the other
 * tunnel, no loss), rekeys it while it carries no traffic, then undrains it.
 *
 * Phases (per tunnel, driven by the 1 s poll tick; times monotonic):
 *   IDLE -> due (or 'routerctl rekey') -> another tunnel of the connection
 *           usable and not drained? DRAINING (drain applied) : plain rekey
 *   DRAINING -> REKEY_SETTLE_MS later: whack --rekey-ipsec (returns when the
 *           new SAs are in) -> SETTLING
 *   SETTLING -> REKEY_SETTLE_MS later (pluto has deleted the old SA): undrain
 *           -> IDLE
 * Due: pol_rekey_due_ms(), 30 s before the earliest time pluto would rekey
 * it itself (margin plus fuzz). pluto keeps its own rekey as the fallback
 * if routerd is gone.
 * Only the Child SA: an IKE SA rekey does not touch the ESP SAs.
 */
#include <errno.h>
#include <string.h>

#include "routerd/core.h"
#include "routerd/log.h"
#include "routerd/rekey.h"

#define REKEY_SETTLE_MS 2000u   /* drain -> rekey, and rekey -> undrain */

enum rekey_phase { REKEY_IDLE, REKEY_DRAINING, REKEY_SETTLING };

/* Another tunnel of connection i that carries traffic while j is drained. */
static bool
has_alternative(const struct core *c, size_t i, size_t j)
{
	for (size_t k = 0; k < c->cfg->conns[i].ntunnels; k++) {
		const struct tunnel *o = &c->tun[i][k];

		if (k != j && o->state == TUN_UP && o->obs.health_ok && !o->obs.drained)
			return true;
	}
	return false;
}

/* Rekey now; 0 when the backend confirmed the new SAs. */
static int
do_rekey(struct core *c, struct tunnel *t)
{
	int rc = c->ike->rekey ? c->ike->rekey(c->ike_st, c->cfg, t->ifnum) : -ENOTSUP;

	if (rc != 0)
		log_warnx("tunnel %s: rekey not confirmed: %s (pluto rekeys it itself when due)",
			  t->name, strerror(-rc));
	t->child_since_ms = core_now_ms();
	return rc;
}

static void
start(struct core *c, size_t i, size_t j, uint64_t now, const char *why)
{
	struct tunnel *t = &c->tun[i][j];

	t->rekey_started_ms = now;
	if (!t->dynamic || !has_alternative(c, i, j)) {
		log_info("tunnel %s: rekeying the Child SA (%s) in place: no other tunnel to carry "
			 "the traffic meanwhile", t->name, why);
		do_rekey(c, t);
		return;
	}
	log_info("tunnel %s: planned rekey (%s): moving the traffic to the other tunnel first",
		 t->name, why);
	t->rekey_phase = REKEY_DRAINING;
	t->rekey_next_ms = now + REKEY_SETTLE_MS;
	if (tunnel_set_rekey_drain(t, true, now))
		core_recompute_now(c);
}

static void
step(struct core *c, struct tunnel *t, uint64_t now)
{
	switch (t->rekey_phase) {
	case REKEY_DRAINING:
		/* Unconfirmed: the exchange may still be running; wait longer. */
		t->rekey_next_ms = REKEY_SETTLE_MS * (do_rekey(c, t) == 0 ? 1 : 3);
		t->rekey_next_ms += core_now_ms();
		t->rekey_phase = REKEY_SETTLING;
		break;
	case REKEY_SETTLING:
		t->rekey_phase = REKEY_IDLE;
		if (tunnel_set_rekey_drain(t, false, now))
			core_recompute_now(c);
		log_info("tunnel %s: planned rekey done in %llu ms", t->name,
			 (unsigned long long)(core_now_ms() - t->rekey_started_ms));
		break;
	default:
		break;
	}
}

/* A planned rekey of another tunnel of connection i is under way. */
static bool
sibling_busy(const struct core *c, size_t i, size_t j)
{
	for (size_t k = 0; k < c->cfg->conns[i].ntunnels; k++)
		if (k != j && c->tun[i][k].rekey_phase != REKEY_IDLE)
			return true;
	return false;
}

void
rekey_tick(struct core *c, uint64_t now)
{
	for (size_t i = 0; i < c->cfg->nconns; i++) {
		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++) {
			struct tunnel *t = &c->tun[i][j];

			if (t->rekey_phase != REKEY_IDLE) {
				/* A tunnel that went down meanwhile: just undrain. */
				if (!t->obs.child_up && t->rekey_phase == REKEY_DRAINING)
					t->rekey_phase = REKEY_SETTLING;
				if (now >= t->rekey_next_ms)
					step(c, t, now);
				continue;
			}
			/* child_since_ms may be later than 'now' (taken at the
			 * start of the tick, before this tick's observations). */
			/* Tunnels that came up together fall due together: one
			 * at a time, or the second would find no alternative. */
			if (sibling_busy(c, i, j))
				continue;
			if (t->obs.child_up && t->child_since_ms > 0 && now > t->child_since_ms &&
			    now - t->child_since_ms >= pol_rekey_due_ms(&c->cfg->conns[i].tunnels[j]))
				start(c, i, j, now, "Child SA lifetime");
		}
	}
}

int
core_rekey(struct core *c, const char *name, const char **err)
{
	for (size_t i = 0; i < c->cfg->nconns; i++) {
		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++) {
			struct tunnel *t = &c->tun[i][j];

			if (strcmp(t->name, name) != 0)
				continue;
			if (!t->obs.child_up) {
				*err = "the tunnel has no IPsec SA to rekey";
				return -1;
			}
			if (t->rekey_phase != REKEY_IDLE || sibling_busy(c, i, j)) {
				*err = "a planned rekey of this connection is under way";
				return -1;
			}
			start(c, i, j, core_now_ms(), "operator");
			return 0;
		}
	}
	*err = "no such tunnel (expected CONNECTION/TUNNEL)";
	return -1;
}

bool
rekey_in_progress(const struct tunnel *t)
{
	return t->rekey_phase != REKEY_IDLE;
}
