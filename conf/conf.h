/*
 * conf.h - the routerd configuration model.
 *
 * This is the data every layer shares: the parser (conf/parse.y) fills it,
 * the validator (conf/validate.c) checks it, the printer (conf/print.c)
 * writes it back out, the policy engine reads it, the plugins render it.
 *
 * Conventions:
 *  - IPv4 addresses are uint32_t in HOST byte order.
 *  - Every object remembers where it was declared (struct rd_loc) so that
 *    validation errors can say file:line:col.
 *  - After conf_load() succeeds every field holds an explicit value: the
 *    defaults of the AWS table have been filled in, inside CIDRs and PSKs
 *    that were not given are still "unset" (generated values are not
 *    invented by the loader, they are a validation error for inside CIDR
 *    and psk, see conf_validate()).
 *  - Errors: conf_* functions return 0 on success, -1 on failure and have
 *    reported every problem through the rd_conf_errfn given to them.
 */
#ifndef ROUTERD_CONF_H
#define ROUTERD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RD_NAME_MAX 64          /* names of peers, connections, tunnels */
#define RD_PSK_MAX 64           /* AWS: 8-64 characters */
#define RD_PATH_MAX 256

/*
 * Limits on what a configuration may hold (routerd.conf(5), LIMITS): each
 * violation is an error at the place it happens, and the parse, its memory
 * and its diagnostics stay bounded whatever the input.
 */
#define RD_CONF_MAX_BYTES (4u << 20)    /* the file: 4 MiB */
#define RD_WORD_MAX 255                 /* a word or a quoted string, in bytes */
#define RD_MAX_PEERS 1000
#define RD_MAX_CONNS 1000               /* so at most 2,000 tunnels */
#define RD_MAX_CHECKS 64
#define RD_MAX_PREFIXES 10000           /* in one prefix list */
#define RD_PSK_FILE_MAX 4096            /* bytes of a psk-file */
#define RD_CONF_MAX_DIAGS 1000          /* diagnostics reported; the rest are counted */

#define RD_DEFAULT_CONF SYSCONFDIR "/routerd/routerd.conf"

/* Where something was written in the configuration file. */
struct rd_loc {
	const char *file;       /* points into rd_config.files, not owned */
	int line;
	int col;
};

struct rd_prefix {
	uint32_t addr;          /* host byte order, host bits zero */
	uint8_t len;            /* 0..32 */
	struct rd_loc loc;
};

/* Algorithm sets are bit masks; a tunnel proposes every bit set. */
enum rd_enc {
	RD_ENC_AES128 = 1u << 0,
	RD_ENC_AES256 = 1u << 1,
	RD_ENC_AES128_GCM16 = 1u << 2,
	RD_ENC_AES256_GCM16 = 1u << 3,
};
#define RD_ENC_ALL 0x0fu

enum rd_integ {
	RD_INTEG_SHA1 = 1u << 0,
	RD_INTEG_SHA2_256 = 1u << 1,
	RD_INTEG_SHA2_384 = 1u << 2,
	RD_INTEG_SHA2_512 = 1u << 3,
};
#define RD_INTEG_ALL 0x0fu

/* DH groups: bit N set means MODP/ECP group N is allowed. */
#define RD_DH_BIT(n) (1u << (n))
#define RD_DH_14_24 0x1ffc000u                                 /* groups 14..24 */
#define RD_P1_DH_DEFAULT (RD_DH_BIT(2) | RD_DH_14_24)
#define RD_P2_DH_DEFAULT (RD_DH_BIT(2) | RD_DH_BIT(5) | RD_DH_14_24)

enum rd_ike_version {
	RD_IKEV1 = 1u << 0,
	RD_IKEV2 = 1u << 1,
};

enum rd_dpd_action { RD_DPD_CLEAR, RD_DPD_NONE, RD_DPD_RESTART };
enum rd_startup { RD_STARTUP_ADD, RD_STARTUP_START };
enum rd_routing { RD_ROUTING_DYNAMIC, RD_ROUTING_STATIC };
enum rd_mode { RD_MODE_ACTIVE_STANDBY, RD_MODE_ACTIVE_ACTIVE };

/* How a connection tells the far side which tunnel it prefers. */
enum rd_signal {
	RD_SIGNAL_MED = 1u << 0,
	RD_SIGNAL_PREPEND = 1u << 1,
};

/* Defaults: the AWS Site-to-Site VPN table (shared/notes). */
#define RD_DEFAULT_LOCAL_ASN 64512u
#define RD_DEFAULT_P1_LIFETIME 28800u
#define RD_DEFAULT_P2_LIFETIME 3600u
#define RD_DEFAULT_REKEY_MARGIN 270u
#define RD_DEFAULT_REKEY_FUZZ 100u
#define RD_DEFAULT_REPLAY_WINDOW 1024u
#define RD_DEFAULT_DPD_TIMEOUT 30u
#define RD_DEFAULT_BGP_KEEPALIVE 10u
#define RD_DEFAULT_BGP_HOLD 30u
#define RD_DEFAULT_MAX_PREFIX 100u
#define RD_DEFAULT_HOLD_DOWN 10u      /* seconds a returning tunnel must stay up */
#define RD_DEFAULT_PREPEND 3u         /* prepends on the non-preferred tunnel */
#define RD_DEFAULT_MED_PRIMARY 100u
#define RD_DEFAULT_MED_BACKUP 200u
#define RD_DEFAULT_PRIORITY 100u      /* redundancy: lower value is preferred */
#define RD_DEFAULT_BFD_INTERVAL 50u   /* ms: a dead tunnel found in ~150 ms (FRR's default is 300) */
#define RD_DEFAULT_BFD_MULTIPLIER 3u

/* Health checks (BFD through FRR bfdd, ICMP probe through the tunnel). */
struct rd_health {
	bool bfd;                       /* BFD on the tunnel's BGP session */
	uint32_t bfd_rx_ms;             /* 10..60000 */
	uint32_t bfd_tx_ms;             /* 10..60000 */
	uint32_t bfd_multiplier;        /* 2..255 */
	uint32_t probe_target;          /* 0 = no ICMP probe */
	uint32_t probe_interval_ms;     /* 100..60000; 0 when no probe */
	uint32_t probe_rise;            /* replies in a row that make it up (1..10); 0 when none */
	uint32_t probe_fall;            /* losses in a row that make it down (1..10); 0 when none */
};

#define RD_DEFAULT_PROBE_INTERVAL 1000u
/* far-end generic: BFD at FRR's own default (a flap costs the peer's
 * session, RFC 5882), and the tunnel probe on by default. */
#define RD_GENERIC_BFD_INTERVAL 300u
#define RD_GENERIC_PROBE_INTERVAL 100u
#define RD_GENERIC_PROBE_RISE 3u
#define RD_GENERIC_PROBE_FALL 4u       /* no reply for 4 intervals (or the RTT's worth more) */
#define RD_DEFAULT_RISE 2u
#define RD_DEFAULT_FALL 3u

/*
 * A health check of the LAN behind this gateway (gateway block):
 *   check "lan1" { ping 10.10.0.10 interval 1000 rise 2 fall 3 prefixes { 10.10.0.0/16 } }
 * The gateway prefixes it lists are advertised only while it is up (every
 * check listing a prefix must be up); when it fails they are withdrawn on
 * every tunnel, so traffic goes to a redundant site.
 */
struct rd_check {
	char name[RD_NAME_MAX];
	struct rd_loc loc;
	uint32_t target;                /* ICMP echo target (host order) */
	uint32_t interval_ms;           /* 100..60000 */
	uint32_t rise, fall;            /* 1..10 */
	struct rd_prefix *prefixes;     /* each one of gw.prefixes */
	size_t nprefixes;
};

struct rd_tunnel {
	char name[RD_NAME_MAX];         /* unique within its connection ("tun1") */
	struct rd_loc loc;

	uint32_t ifnum;                 /* ipsecN, XFRM if_id and reqid; >= 2, unique per gateway */
	uint32_t local_outside;         /* this gateway's outside address; 0 = gateway default */
	uint32_t remote_outside;        /* far end's outside address; 0 = the peer's address
					 * (routerd on the customer side talks to two
					 * different gateway addresses, one per tunnel) */
	/*
	 * Inside CIDR, written "inside 169.254.10.1/30": the host part names
	 * our own address (.1 or .2; .1 is the AWS/VGW side). 'inside' holds
	 * the network (host bits zero), inside_swap is true when we are .2.
	 */
	struct rd_prefix inside;
	bool inside_swap;

	char psk[RD_PSK_MAX + 1];       /* inline key, or "" */
	char psk_file[RD_PATH_MAX];     /* key file (mode must deny group/other), or "" */

	unsigned ike_versions;          /* RD_IKEV1 | RD_IKEV2 */
	unsigned p1_enc, p2_enc;        /* enum rd_enc masks */
	unsigned p1_integ, p2_integ;    /* enum rd_integ masks */
	uint32_t p1_dh, p2_dh;          /* RD_DH_BIT masks */
	uint32_t p1_lifetime;           /* 900..28800 s */
	uint32_t p2_lifetime;           /* 900..3600 s, < p1_lifetime */
	uint32_t rekey_margin;          /* 60 .. p2_lifetime/2 s */
	uint32_t rekey_fuzz;            /* 0..100 % */
	uint32_t replay_window;         /* 64..2048 packets */
	uint32_t dpd_timeout;           /* >= 30 s */
	enum rd_dpd_action dpd_action;
	enum rd_startup startup;        /* START requires ike_versions == RD_IKEV2 */

	uint32_t bgp_keepalive;         /* s; 1..65535/3, keepalive*3 <= hold */
	uint32_t bgp_hold;              /* s; 3..65535 */
	struct rd_health health;
};

/*
 * What runs at the far end of a peer's tunnels. It picks defaults only:
 *  generic  any IKE/BGP stack (strongSwan + BIRD, a vendor box) set up from
 *           AWS's generic guide: no BFD expected, hold 30 s. routerd probes
 *           each tunnel itself (ICMP to the peer's inside address), steers
 *           the peer's best-path selection to a surviving tunnel, and runs
 *           BFD at FRR's own 300 ms x 3 (a flap would cost a session there).
 *  routerd  routerd at both ends: BFD 50 ms x 3, no probe, no steering (the
 *           far end detects and acts on its own).
 */
enum rd_far_end { RD_FAR_END_GENERIC, RD_FAR_END_ROUTERD };

struct rd_peer {
	char name[RD_NAME_MAX];
	struct rd_loc loc;
	uint32_t address;               /* outside IPv4 (of the peer or its NAT device) */
	uint32_t asn;                   /* 1..4294967295, not 23456; 0 = none (static only) */
	bool asn_asdot;                 /* written in asdot: printed back the same way */
	bool behind_nat;                /* NAT-T: UDP 4500 encapsulation forced */
	enum rd_far_end far_end;        /* what runs there: the defaults that suit it */
	struct rd_prefix *prefixes;     /* what this site is expected to announce */
	size_t nprefixes;
};

#define RD_MAX_TUNNELS 2

struct rd_connection {
	char name[RD_NAME_MAX];
	struct rd_loc loc;
	char peer_name[RD_NAME_MAX];
	struct rd_peer *peer;           /* resolved by conf_validate() */
	enum rd_routing routing;
	struct rd_prefix *static_routes;  /* routing static only; max 100 */
	size_t nstatic_routes;
	struct rd_tunnel tunnels[RD_MAX_TUNNELS];
	size_t ntunnels;                /* 1 (warning) or 2 */

	enum rd_mode mode;
	size_t preferred;               /* index into tunnels[] (active-standby) */
	unsigned signal;                /* enum rd_signal mask, at least one bit */
	uint32_t prepend;               /* 1..10 AS-path prepends on the standby tunnel */
	uint32_t med_primary, med_backup;
	uint32_t hold_down;             /* s, 0..3600: a returning tunnel waits this long */
	uint32_t max_prefix;            /* 1..10000 per session */

	char group[RD_NAME_MAX];        /* redundancy group, "" = none */
	uint32_t priority;              /* 1..255, lower wins within a group */
	/* Steer the far end (its peer is far-end generic, dynamic routing):
	 * when the tunnel the far end's best path uses is not usable, the
	 * survivors' adverts get attributes that win (policy.h, "steer"). */
	bool steer;
};

struct rd_gateway {
	struct rd_loc loc;
	uint32_t asn;                   /* default 64512 */
	bool asn_asdot;
	uint32_t router_id;             /* 0 = first local outside address */
	uint32_t local_outside;         /* default outside address for tunnels */
	struct rd_prefix *prefixes;     /* advertised by this site */
	size_t nprefixes;
	bool hub;                       /* CloudHub: re-advertise sites to each other */
	struct rd_check *checks;        /* LAN health checks gating prefixes */
	size_t nchecks;
};

struct rd_config {
	struct rd_gateway gw;
	struct rd_peer *peers;
	size_t npeers;
	struct rd_connection *conns;
	size_t nconns;
	char **files;                   /* every file name a loc points to */
	size_t nfiles;
};

/*
 * Error sink: called once per problem, in file order. 'warning' is true for
 * problems that do not fail the load (e.g. a connection with one tunnel).
 */
typedef void (*rd_conf_errfn)(void *arg, const struct rd_loc *loc, bool warning,
			      const char *msg);

/* Print "file:line:col: [warning: ]msg" to stderr. */
void conf_err_stderr(void *arg, const struct rd_loc *loc, bool warning, const char *msg);

/*
 * Parse and validate 'path'. On success *out is a complete configuration
 * (free with conf_free()) and 0 is returned. On failure every error of the
 * file has gone to errfn, *out is NULL and -1 is returned.
 */
int conf_load(const char *path, rd_conf_errfn errfn, void *arg, struct rd_config **out);

/* Same from a memory buffer; 'name' is used in locations. */
int conf_load_buffer(const char *name, const char *buf, size_t len,
		     rd_conf_errfn errfn, void *arg, struct rd_config **out);

void conf_free(struct rd_config *cfg);

/* Fill a tunnel's options with the AWS defaults (names, addresses, keys untouched). */
void conf_tunnel_defaults(struct rd_tunnel *t);

/*
 * Print the normalised configuration, every default explicit; it parses back.
 * Inline PSKs are printed only with RD_PRINT_SECRETS in flags; without it
 * they read psk "<redacted>" (which does not load: a printout cannot be
 * mistaken for the real keys).
 */
#define RD_PRINT_SECRETS 1u
void conf_print(FILE *f, const struct rd_config *cfg, unsigned flags);

/* Deep comparison of the semantic content (locations ignored). */
bool conf_equal(const struct rd_config *a, const struct rd_config *b);
bool conf_tunnel_equal(const struct rd_tunnel *a, const struct rd_tunnel *b);

/* Lookups; NULL when absent. */
struct rd_connection *conf_find_conn(const struct rd_config *cfg, const char *name);
struct rd_tunnel *conf_find_tunnel(const struct rd_config *cfg, const char *conn,
				   const char *tunnel, struct rd_connection **connp);
struct rd_tunnel *conf_tunnel_by_ifnum(const struct rd_config *cfg, uint32_t ifnum,
				       struct rd_connection **connp);

/* Is gateway prefix p gated by a check (any check listing it)? */
bool rd_prefix_checked(const struct rd_config *cfg, const struct rd_prefix *p);
/* Every gateway prefix of b is gated in a exactly when it is in b. */
bool rd_checked_prefixes_equal(const struct rd_config *a, const struct rd_config *b);

/* Helpers shared by printer, plugins and tests. buf >= 20 bytes for prefixes. */
const char *rd_ip_str(uint32_t addr, char buf[16]);
const char *rd_prefix_str(const struct rd_prefix *p, char buf[20]);
bool rd_prefix_overlap(const struct rd_prefix *a, const struct rd_prefix *b);
/* Same prefixes in the same order (locations ignored). */
bool rd_prefixes_equal(const struct rd_prefix *a, size_t na, const struct rd_prefix *b, size_t nb);
/* Inside addresses of a tunnel: ours and the peer's (host order). */
uint32_t rd_tunnel_local_inside(const struct rd_tunnel *t);
uint32_t rd_tunnel_peer_inside(const struct rd_tunnel *t);
/* "64086.59905" for asdot, "4200000001" for asplain; buf >= 12 bytes. */
const char *rd_asn_str(uint32_t asn, bool asdot, char buf[12]);

#endif
