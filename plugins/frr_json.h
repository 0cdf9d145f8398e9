/*
 * frr_json.h - pure parsers of FRR's JSON show output (json-c).
 * Errors: 0 or -EINVAL (not the JSON expected) / -ENOMEM.
 * Every member is type-checked (null included); a reply with a malformed
 * entry routerd would act on is rejected whole, before any callback runs,
 * so it is never half taken as a state change.
 */
#ifndef ROUTERD_FRR_JSON_H
#define ROUTERD_FRR_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct frr_bgp_peer {
	uint32_t addr;          /* host order */
	bool established;
	char state[32];         /* "Established", "Idle (Admin)", "Active" ... */
	uint32_t pfx_rcd, pfx_snt;
};

/* 'show bgp summary json': cb once per IPv4 unicast peer. "{}" (no instance) is valid. */
int frr_json_bgp_summary(const char *text, void (*cb)(void *arg, const struct frr_bgp_peer *p),
			 void *arg);

/* 'show bfd peers json': cb once per single-hop IPv4 peer (up = status "up"). */
int frr_json_bfd_peers(const char *text, void (*cb)(void *arg, uint32_t addr, bool up,
						    const char *status), void *arg);

/* One notification of bfdd's control socket (bfd_notify.h): a single-hop
 * IPv4 peer's "status" (0); -ENOENT for a well-formed one about something
 * else (IPv6, multihop, configuration events); -EINVAL for anything not
 * understood (null or mistyped members, an unknown state, not JSON).
 * state: "up", "down", "init", "adm-down". */
int frr_json_bfd_notify(const char *text, uint32_t *addr, bool *up, char *state,
			size_t statelen);

/* 'show ip bgp json': number of prefixes in the table, or -EINVAL. */
long frr_json_bgp_count(const char *text);

#endif
