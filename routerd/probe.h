/*
 * probe.h - ICMP echo health checks run from routerd's event loop.
 *
 * Two kinds, one prober:
 *  - a tunnel's probe ("probe ADDRESS" in a tunnel block): echoes leave
 *    through the tunnel's interface ipsecN (IP_PKTINFO: interface and the
 *    tunnel's inside address as source), only while the tunnel has an
 *    IPsec SA; the verdict goes to the tunnel FSM (tunnel_probe()), where
 *    health = every configured check (BFD and the probe) up;
 *  - a LAN check ("check NAME { ping ADDRESS ... }" in the gateway block):
 *    echoes leave from the gateway's own stack (no binding); the verdict
 *    gates the prefixes the check lists (pol_decide_checked()).
 *
 * Each probe sends one echo per interval; an echo not answered when the
 * next one is due is lost. The verdict (struct probe_fsm, pure) starts
 * UNKNOWN, becomes UP after 'rise' replies in a row and DOWN after 'fall'
 * losses in a row. UNKNOWN counts as healthy. Every verdict change is
 * logged with its reason ("probe 169.254.10.1: 3 lost in a row").
 *
 * Socket: a raw ICMP socket (ICMP_FILTER: echo replies only), opened by
 * probe_preopen() while routerd is still root (privs_drop() calls it), so
 * the unprivileged daemon needs neither CAP_NET_RAW nor a
 * net.ipv4.ping_group_range that includes its group. Without it (routerd
 * run with -u -, or the preopen failed) the socket is opened when the first
 * probe is configured: raw when allowed, else an unprivileged ICMP "ping
 * socket" (SOCK_DGRAM, IPPROTO_ICMP).
 */
#ifndef ROUTERD_PROBE_H
#define ROUTERD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct core;

enum probe_verdict { PROBE_UNKNOWN, PROBE_UP, PROBE_DOWN };

/* The rise/fall counter of one probe (no I/O). */
struct probe_fsm {
	uint32_t rise, fall;
	enum probe_verdict verdict;
	uint32_t ok_run, lost_run;      /* replies / losses in a row */
	uint64_t sent, received, lost;
	uint32_t last_rtt_us;           /* of the last reply */
	uint32_t srtt_us, rttvar_us;    /* smoothed RTT and its variation (RFC 6298); 0: none yet */
	uint32_t fall_extra;            /* intervals the RTT adds to 'fall' (probe_fsm_rtt()) */
	uint64_t stalls;                /* intervals not judged: this host stalled */
};

void probe_fsm_init(struct probe_fsm *f, uint32_t rise, uint32_t fall);
/*
 * One echo's outcome (ok: answered in time). Returns true when the verdict
 * changed; then 'why' says why ("3 lost in a row", "2 replies in a row").
 */
bool probe_fsm_result(struct probe_fsm *f, bool ok, char *why, size_t len);
/*
 * A reply's round-trip time: updates srtt/rttvar and fall_extra, the number
 * of intervals the path's delay adds to 'fall', so that a slow or jittery
 * path (RTT + 4 x its variation longer than an interval) is not read as a
 * dead one: ceil((srtt + 4 rttvar) / interval) - 1, at least 0.
 */
void probe_fsm_rtt(struct probe_fsm *f, uint32_t rtt_us, uint32_t interval_ms);
/* Back to UNKNOWN (counters kept): a tunnel's new IPsec SA. */
void probe_fsm_reset(struct probe_fsm *f);
const char *probe_verdict_str(enum probe_verdict v);   /* "unknown", "up", "down" */

/* One probe as the control socket shows it. */
struct probe_info {
	uint32_t target, source;        /* source 0: the kernel's choice */
	uint32_t interval_ms;
	const struct probe_fsm *fsm;
	const char *last_error;         /* "" when the last send worked */
};

/* Open the raw ICMP socket now (as root, before dropping privileges).
 * 0, or -errno (logged; the daemon tries again when a probe needs it). */
int probe_preopen(void);

/* (Re)build the probes from c->cfg (start and reload); probes whose
 * target and timers did not change keep their history. */
void probe_sync(struct core *c);
void probe_stop(struct core *c);

/* Verdicts of c->cfg->gw.checks for pol_decide_checked() (UNKNOWN is ok);
 * NULL when there are no checks. */
const bool *probe_check_ok(const struct core *c);

/* Display; false when the tunnel / check has no probe. */
bool probe_tunnel_info(const struct core *c, uint32_t ifnum, struct probe_info *out);
bool probe_check_info(const struct core *c, size_t check, struct probe_info *out);

#endif
