/* probe_fsm.c - the rise/fall verdict of an ICMP probe (pure; see probe.h). */
#include <stdio.h>
#include <string.h>

#include "routerd/probe.h"

static const char *const verdict_names[] = {
	[PROBE_UNKNOWN] = "unknown",
	[PROBE_UP] = "up",
	[PROBE_DOWN] = "down",
};

const char *
probe_verdict_str(enum probe_verdict v)
{
	return verdict_names[v];
}

void
probe_fsm_init(struct probe_fsm *f, uint32_t rise, uint32_t fall)
{
	memset(f, 0, sizeof(*f));
	f->rise = rise ? rise : RD_DEFAULT_RISE;
	f->fall = fall ? fall : RD_DEFAULT_FALL;
	f->verdict = PROBE_UNKNOWN;
}

void
probe_fsm_reset(struct probe_fsm *f)
{
	f->verdict = PROBE_UNKNOWN;
	f->ok_run = f->lost_run = 0;
}

bool
probe_fsm_result(struct probe_fsm *f, bool ok, char *why, size_t len)
{
	if (ok) {
		f->received++;
		f->lost_run = 0;
		f->ok_run++;
		if (f->verdict != PROBE_UP && f->ok_run >= f->rise) {
			f->verdict = PROBE_UP;
			snprintf(why, len, "%u %s in a row", f->ok_run,
				 f->ok_run == 1 ? "reply" : "replies");
			return true;
		}
		return false;
	}
	f->lost++;
	f->ok_run = 0;
	f->lost_run++;
	if (f->verdict != PROBE_DOWN && f->lost_run >= f->fall + f->fall_extra) {
		f->verdict = PROBE_DOWN;
		if (f->fall_extra == 0)
			snprintf(why, len, "%u lost in a row", f->lost_run);
		else
			snprintf(why, len, "%u lost in a row (fall %u + %u for the path's RTT)",
				 f->lost_run, f->fall, f->fall_extra);
		return true;
	}
	return false;
}

void
probe_fsm_rtt(struct probe_fsm *f, uint32_t rtt_us, uint32_t interval_ms)
{
	uint64_t span, iv = (uint64_t)(interval_ms ? interval_ms : 1) * 1000u;

	f->last_rtt_us = rtt_us;
	if (f->srtt_us == 0) {
		f->srtt_us = rtt_us ? rtt_us : 1;
		f->rttvar_us = rtt_us / 2;
	} else {
		uint32_t d = rtt_us > f->srtt_us ? rtt_us - f->srtt_us : f->srtt_us - rtt_us;

		f->rttvar_us = (uint32_t)(((uint64_t)f->rttvar_us * 3 + d) / 4);
		f->srtt_us = (uint32_t)(((uint64_t)f->srtt_us * 7 + rtt_us) / 8);
	}
	span = (uint64_t)f->srtt_us + 4u * (uint64_t)f->rttvar_us;
	f->fall_extra = span > iv ? (uint32_t)((span + iv - 1) / iv - 1) : 0;
}

