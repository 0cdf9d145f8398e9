/*
 * conf_priv.h - internals shared by the parser, loader, validator and printer.
 *
 * The parser fills a struct rd_config and, beside it, a side table that
 * remembers for every option whether it was written and where (struct
 * rd_optset). Validation reads those locations so that each error points at
 * the value it is about. Nothing here is visible outside conf/.
 *
 * Error convention of this layer: functions return 0 / -1 (or a count) and
 * report every problem through conf_diag(); diagnostics are collected, sorted
 * into file order and only then handed to the caller's rd_conf_errfn.
 */
#ifndef ROUTERD_CONF_PRIV_H
#define ROUTERD_CONF_PRIV_H

#include <stdarg.h>

#include "conf.h"

/* Every option of the language, one id each (fits a 64-bit mask). */
enum rd_opt {
	/* gateway */
	O_GW_ASN, O_ROUTER_ID, O_OUTSIDE, O_GW_PREFIXES, O_HUB,
	/* check (gateway block) */
	O_CHECK_PING, O_CHECK_INTERVAL, O_CHECK_RISE, O_CHECK_FALL, O_CHECK_PREFIXES,
	/* peer */
	O_ADDRESS, O_PEER_ASN, O_NAT, O_PEER_PREFIXES, O_FAR_END,
	/* connection */
	O_PEER, O_ROUTING, O_STATIC, O_MODE, O_PREFERRED, O_SIGNAL, O_PREPEND,
	O_MED_PRIMARY, O_MED_BACKUP, O_HOLD_DOWN, O_MAX_PREFIX, O_GROUP, O_PRIORITY,
	/* tunnel (O_IFNUM .. O_PROBE_FALL, the order of the copy table) */
	O_IFNUM, O_LOCAL_OUTSIDE, O_REMOTE_OUTSIDE, O_INSIDE, O_PSK, O_PSK_FILE, O_IKE,
	O_P1_ENC, O_P1_INTEG, O_P1_DH, O_P1_LIFETIME,
	O_P2_ENC, O_P2_INTEG, O_P2_DH, O_P2_LIFETIME,
	O_REKEY_MARGIN, O_REKEY_FUZZ, O_REPLAY, O_DPD_TIMEOUT, O_DPD_ACTION, O_STARTUP,
	O_KEEPALIVE, O_HOLD, O_BFD, O_BFD_RX, O_BFD_TX, O_BFD_MULT,
	O_PROBE, O_PROBE_INTERVAL, O_PROBE_RISE, O_PROBE_FALL,
	O_MAX
};
#define O_TUNNEL_FIRST O_IFNUM
#define OBIT(o) (1ull << (o))

/* Static description of an option: its keyword and, if numeric, its range. */
struct rd_optdesc {
	const char *keyword;    /* as written, e.g. "phase1 lifetime" */
	uint32_t min, max;      /* numeric range; min > max: not numeric */
	const char *unit;       /* "seconds", "ms", ... or "" */
};
extern const struct rd_optdesc conf_opts[O_MAX];

/* Which options an object set, and where. */
struct rd_optset {
	uint64_t set;
	uint64_t bad;           /* written but rejected: skip dependent checks */
	bool damaged;           /* a syntax error inside: skip "required" checks */
	struct rd_loc loc[O_MAX];
};

/* Tunnel options as written in one block (a tunnel or a defaults block). */
struct rd_topts {
	struct rd_tunnel t;
	struct rd_optset o;
};

/* Parse-time companion of a connection. */
struct rd_pconn {
	struct rd_optset o;
	struct rd_topts defaults;               /* defaults { } inside the connection */
	struct rd_topts tun[RD_MAX_TUNNELS];    /* as written */
	struct rd_optset tloc[RD_MAX_TUNNELS];  /* after merging defaults */
	char preferred[RD_NAME_MAX];
};

struct rd_diag {
	struct rd_loc loc;
	bool warning;
	size_t seq;             /* tie-break: emission order */
	char *msg;
};

/* Everything one load needs. */
struct rd_parse {
	struct rd_config *cfg;
	const char *file;
	const char *buf;
	size_t len, pos;
	int line, col;

	struct rd_optset gw;
	struct rd_topts defaults;       /* top-level defaults { } */
	struct rd_optset *peers;        /* parallel to cfg->peers */
	struct rd_pconn *conns;         /* parallel to cfg->conns */
	struct rd_optset *checks;       /* parallel to cfg->gw.checks */

	struct rd_diag *diags;
	size_t ndiags, nerrors;
	size_t ndropped;                /* past RD_CONF_MAX_DIAGS: counted only */
	struct rd_loc dropped_loc;      /* where the first dropped one was */
	int syntax_errors;
	int toplevel_errors;            /* syntax errors outside any block */
	char *arena;                    /* lexer strings (at most 2 x len + 1 bytes) */
	size_t arena_used;

	bool check_mode;                /* loaded from a file whose mode is file_mode */
	unsigned file_mode;
};

/* realloc() that aborts when memory is exhausted (a config is small). */
void *conf_xrealloc(void *ptr, size_t n);

/* Record a diagnostic (not printed yet). */
void conf_diag(struct rd_parse *p, const struct rd_loc *loc, bool warning,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* parse.y: parse p->buf into p->cfg; 0 or -1 (syntax errors reported). */
int conf_parse(struct rd_parse *p);

/* Check a numeric value of 'opt' against its range; 0 or -1 (reported). */
int conf_check_range(struct rd_parse *p, enum rd_opt opt, uint64_t v,
		     const struct rd_loc *loc);

/* Word tables: name -> bit/value. */
struct rd_word {
	const char *name;
	unsigned value;
};
extern const struct rd_word conf_enc_words[], conf_integ_words[], conf_ike_words[],
	conf_dpd_words[], conf_startup_words[], conf_routing_words[], conf_mode_words[],
	conf_signal_words[], conf_yesno_words[], conf_far_end_words[];
/* Look 'name' up; -1 when absent. */
int conf_word_lookup(const struct rd_word *tab, const char *name);
/* Name of 'value' in 'tab' ("?" when absent). */
const char *conf_word_name(const struct rd_word *tab, unsigned value);
/* "a, b or c" into buf. */
const char *conf_word_list(const struct rd_word *tab, char *buf, size_t len);

/* AWS defaults into a tunnel (fields left unset by the file). */
/* Merge the defaults blocks, fill defaults, assign interface numbers. */
void conf_finish(struct rd_parse *p);
/* Every semantic rule; 0 or -1. */
int conf_validate(struct rd_parse *p);
/* Overlapping prefixes between gateway and sites, and between sites. */
void conf_check_overlaps(struct rd_parse *p);
/* Names, interface numbers, inside CIDRs, hub asns: each repeat once (unique.c). */
void conf_check_unique(struct rd_parse *p);
/* Order of prefixes by address, then length (locations ignored). */
int conf_prefix_cmp(const void *a, const void *b);
/* A sorted malloc'ed copy of n prefixes (conf_prefix_cmp order). */
struct rd_prefix *conf_prefixes_sorted(const struct rd_prefix *pf, size_t n);
/* PSK syntax of the n bytes at psk; NULL if fine, else what is wrong. */
const char *conf_psk_problem(const char *psk, size_t n);


#endif
