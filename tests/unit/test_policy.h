/*
 * test_policy.h - fixture shared by the policy unit tests: configurations
 * built by hand in C (no parser), observations in a compact form.
 */
#ifndef ROUTERD_TEST_POLICY_H
#define ROUTERD_TEST_POLICY_H

#include "conf.h"
#include "policy/policy.h"

#define TC_MAX_CONNS 6
#define TC_MAX_PFX 8

/* A configuration with its storage. */
struct tcfg {
	struct rd_config cfg;
	struct rd_peer peers[TC_MAX_CONNS];
	struct rd_connection conns[TC_MAX_CONNS];
	struct rd_prefix peer_pfx[TC_MAX_CONNS][TC_MAX_PFX];
	struct rd_prefix static_pfx[TC_MAX_CONNS][TC_MAX_PFX];
	struct rd_prefix gw_pfx[TC_MAX_PFX];
};

/* Empty gateway (ASN 64512); hub mode as asked. */
void tc_init(struct tcfg *t, bool hub);
/*
 * Add connection 'name' with its own peer "<name>-peer" (ASN 65000 + index)
 * and tunnels tun1 (ifnum) and tun2 (ifnum + 1; none when one_tunnel).
 * AWS defaults: active-standby, tun1 preferred, MED+PREPEND signal,
 * prepend 3, MED 100/200, hold-down 10 s. Inside 169.254.<ifnum>.0/30.
 */
struct rd_connection *tc_conn(struct tcfg *t, const char *name, enum rd_routing routing,
			      uint32_t ifnum, bool one_tunnel);
/* "10.1.0.0/16" */
struct rd_prefix tc_pfx(const char *s);
void tc_gw_prefix(struct tcfg *t, const char *p);
void tc_peer_prefix(struct tcfg *t, struct rd_connection *c, const char *p);
void tc_static_route(struct tcfg *t, struct rd_connection *c, const char *p);

/* Compact observation of one tunnel. */
enum tstate {
	T_DOWN,         /* nothing */
	T_IKE,          /* IKE SA only */
	T_CHILD,        /* IPsec SA, BGP not established */
	T_UP,           /* IPsec SA, BGP, health */
	T_SICK,         /* IPsec SA, BGP, health check failing since down_s */
};
struct tobs {
	enum tstate st;
	bool drained;
	uint64_t up_s, down_s;  /* up_since / last_down in seconds */
};
struct pol_obs tc_obs(struct tobs o);

/* Seconds to the policy's milliseconds. */
#define S(x) ((uint64_t)(x) * 1000u)

/* Decide; fails the test on error. */
void tc_decide(const struct tcfg *t, const struct pol_obs (*obs)[RD_MAX_TUNNELS],
	       uint64_t now_ms, struct pol_state *out);

/* Render a state's adverts of tunnel (i, j) as "a/l,b/l" into buf. */
const char *tc_adv_str(const struct pol_state *s, size_t i, size_t j, char *buf, size_t len);
/* Render a change list one "kind ifnum [prefix]" per line. */
const char *tc_changes_str(const struct pol_change *c, size_t n, char *buf, size_t len);

#endif
