/*
 * parse.y - the routerd.conf grammar (OpenBGPD style: yacc grammar, a
 * hand-written lexer at the bottom, one parse state per load).
 *
 * The parser only records what was written (and where) into the model and the
 * side table of option locations; conf_finish() merges defaults and
 * conf_validate() checks the rules. Syntax errors are reported with
 * file:line:col and the parser resynchronises on the next keyword (bison
 * `error' productions) so one run reports every error of a file.
 */
%{
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

typedef struct {
	uint64_t num;           /* NUMBER */
	char *str;              /* text of NUMBER, WORD, STRING (parse arena) */
	struct rd_loc loc;      /* where the token starts */
} YYSTYPE;
#define YYSTYPE_IS_DECLARED 1

static int yylex(void);
static void yyerror(const char *msg);
static void damage(void);

/* The load in progress; the parser is not re-entrant (neither is bgpd's). */
static struct rd_parse *P;
static struct rd_peer *cur_peer;        /* peer block being read */
static struct rd_optset *cur_po;
static struct rd_connection *cur_conn;  /* connection block being read */
static struct rd_pconn *cur_pc;
static struct rd_topts *T;              /* tunnel or defaults block being read */
static struct rd_topts spare_tunnel;    /* sink for a third tunnel */
static int phase;                       /* 1 or 2 inside phase1/phase2 { } */
static struct rd_optset *cur_set;       /* innermost object block, for damage */
/*
 * The connection of the tunnel or defaults block being read, for damage():
 * an index, never a pointer, since P->conns moves when it grows, and error
 * recovery can leave a block without running its closing action. Reset at
 * every top-level block.
 */
#define NO_PARENT ((size_t)-1)
#define SPARE_CONN ((size_t)-2)         /* the sink past RD_MAX_CONNS */
static size_t parent_conn;
static size_t cur_ci;                   /* index of cur_conn (or SPARE_CONN) */
static struct rd_optset *conn_optset(size_t ci);

/* Scratch lists: words/numbers of a list option, prefixes of a prefix list. */
#define LIST_MAX 64
static YYSTYPE list[LIST_MAX];
static size_t nlist;
static struct rd_prefix *plist;
static size_t nplist, plist_cap;

static void list_push(const YYSTYPE *v);
static void mark(struct rd_optset *o, enum rd_opt opt, const struct rd_loc *loc);
static uint32_t num(struct rd_optset *o, enum rd_opt opt, const YYSTYPE *kw, const YYSTYPE *v);
static uint32_t addr(const YYSTYPE *v);
static void prefix_push(const YYSTYPE *v);
static void prefixes_take(struct rd_prefix **dst, size_t *n);
static void name_copy(char dst[RD_NAME_MAX], const YYSTYPE *v);
static unsigned word1(const struct rd_word *tab, const char *what, const YYSTYPE *v);
static unsigned words(const struct rd_word *tab, const char *what);
static uint32_t dh_groups(int which);
static uint32_t asn(const YYSTYPE *v, bool *asdot);
static void inside(const YYSTYPE *v);
static void gateway_begin(const YYSTYPE *kw);
static void peer_begin(const YYSTYPE *kw, const YYSTYPE *name);
static void conn_begin(const YYSTYPE *kw, const YYSTYPE *name);
static void tunnel_begin(const YYSTYPE *kw, const YYSTYPE *name);
static void probe(const YYSTYPE *kw, const YYSTYPE *target);
static void probe_opt(enum rd_opt opt, const YYSTYPE *kw, const YYSTYPE *v);
static void check_begin(const YYSTYPE *kw, const YYSTYPE *name);
static struct rd_check *cur_check;      /* check block being read */
static struct rd_optset *cur_co;
%}

%define parse.error custom

%token GATEWAY "gateway" ASN "asn" ROUTERID "router-id" OUTSIDE "outside"
%token PREFIXES "prefixes" HUB "hub" PEER "peer" ADDRESS "address" NATT "nat-traversal" FAREND "far-end"
%token CONNECTION "connection" ROUTING "routing" STATICROUTES "static-routes"
%token MODE "mode" PREFERRED "preferred" SIGNAL "signal" PREPEND "prepend" MED "med"
%token HOLDDOWN "hold-down" MAXPREFIX "max-prefix" RGROUP "redundancy-group"
%token PRIORITY "priority" TUNNEL "tunnel" DEFAULTS "defaults" INTERFACE "interface"
%token LOCALOUTSIDE "local-outside" REMOTEOUTSIDE "remote-outside" INSIDE "inside"
%token PSK "psk" PSKFILE "psk-file" IKEVERSIONS "ike-versions" PHASE1 "phase1"
%token PHASE2 "phase2" ENCRYPTION "encryption" INTEGRITY "integrity"
%token DHGROUPS "dh-groups" LIFETIME "lifetime" REKEYMARGIN "rekey-margin"
%token REKEYFUZZ "rekey-fuzz" REPLAYWINDOW "replay-window" DPDTIMEOUT "dpd-timeout"
%token DPDACTION "dpd-action" STARTUP "startup" BGP "bgp" KEEPALIVE "keepalive"
%token HOLD "hold" BFD "bfd" INTERVAL "interval" RX "rx" TX "tx"
%token MULTIPLIER "multiplier" PROBE "probe" RISE "rise" FALL "fall"
%token CHECK "check" PING "ping"
%token NUMBER "number" WORD "word" STRING "string"

%%

grammar		: /* empty */
		| grammar ';'
		| grammar gateway
		| grammar peer
		| grammar connection
		| grammar DEFAULTS {
			T = &P->defaults;
			cur_set = &T->o;
			parent_conn = NO_PARENT;
		} '{' titems '}' { cur_set = NULL; }
		| grammar error
		;

/* gateway { asn 64512 router-id 192.0.2.1 outside 192.0.2.1 prefixes { } hub no } */
gateway		: GATEWAY { gateway_begin(&$1); } '{' gwitems '}' { cur_set = NULL; }
		;
gwitems		: /* empty */
		| gwitems gwitem
		| gwitems error
		;
gwitem		: ';'
		| ASN asnval {
			mark(&P->gw, O_GW_ASN, &$1.loc);
			P->cfg->gw.asn = asn(&$2, &P->cfg->gw.asn_asdot);
		}
		| ROUTERID WORD {
			mark(&P->gw, O_ROUTER_ID, &$1.loc);
			P->cfg->gw.router_id = addr(&$2);
		}
		| OUTSIDE WORD {
			mark(&P->gw, O_OUTSIDE, &$1.loc);
			P->cfg->gw.local_outside = addr(&$2);
		}
		| PREFIXES plist {
			mark(&P->gw, O_GW_PREFIXES, &$1.loc);
			prefixes_take(&P->cfg->gw.prefixes, &P->cfg->gw.nprefixes);
		}
		| HUB WORD {
			mark(&P->gw, O_HUB, &$1.loc);
			P->cfg->gw.hub = word1(conf_yesno_words, "hub", &$2);
		}
		| CHECK STRING { check_begin(&$1, &$2); } '{' chkitems '}'
			{ cur_set = &P->gw; }
		;

/* check "lan1" { ping 10.10.0.10 interval 1000 rise 2 fall 3 prefixes { } } */
chkitems	: /* empty */
		| chkitems chkitem
		| chkitems error
		;
chkitem		: ';'
		| PING WORD {
			mark(cur_co, O_CHECK_PING, &$1.loc);
			cur_check->target = addr(&$2);
		}
		| INTERVAL NUMBER {
			cur_check->interval_ms = num(cur_co, O_CHECK_INTERVAL, &$1, &$2);
		}
		| RISE NUMBER { cur_check->rise = num(cur_co, O_CHECK_RISE, &$1, &$2); }
		| FALL NUMBER { cur_check->fall = num(cur_co, O_CHECK_FALL, &$1, &$2); }
		| PREFIXES plist {
			mark(cur_co, O_CHECK_PREFIXES, &$1.loc);
			prefixes_take(&cur_check->prefixes, &cur_check->nprefixes);
		}
		;

asnval		: NUMBER
		| WORD
		;

plist		: '{' pfxs '}'
		| pfx1
		;
pfx1		: WORD { nplist = 0; prefix_push(&$1); }
		;
pfxs		: /* empty */ { nplist = 0; }
		| pfxs WORD { prefix_push(&$2); }
		;

/* peer "branch" { address 198.51.100.1 asn 65001 nat-traversal no prefixes { } } */
peer		: PEER STRING { peer_begin(&$1, &$2); } '{' peeritems '}' { cur_set = NULL; }
		;
peeritems	: /* empty */
		| peeritems peeritem
		| peeritems error
		;
peeritem	: ';'
		| ADDRESS WORD {
			mark(cur_po, O_ADDRESS, &$1.loc);
			cur_peer->address = addr(&$2);
		}
		| ASN asnval {
			mark(cur_po, O_PEER_ASN, &$1.loc);
			cur_peer->asn = asn(&$2, &cur_peer->asn_asdot);
		}
		| FAREND WORD {
			mark(cur_po, O_FAR_END, &$1.loc);
			cur_peer->far_end = word1(conf_far_end_words, "far-end", &$2);
		}
		| NATT WORD {
			mark(cur_po, O_NAT, &$1.loc);
			cur_peer->behind_nat = word1(conf_yesno_words, "nat-traversal", &$2);
		}
		| PREFIXES plist {
			mark(cur_po, O_PEER_PREFIXES, &$1.loc);
			prefixes_take(&cur_peer->prefixes, &cur_peer->nprefixes);
		}
		;

wordlist	: WORD { nlist = 0; list_push(&$1); }
		| wordlist WORD { list_push(&$2); }
		;
numlist		: NUMBER { nlist = 0; list_push(&$1); }
		| numlist NUMBER { list_push(&$2); }
		;

connection	: CONNECTION STRING { conn_begin(&$1, &$2); } '{' connitems '}'
			{ cur_set = NULL; }
		;
connitems	: /* empty */
		| connitems connitem
		| connitems error
		;
connitem	: ';'
		| PEER STRING {
			mark(&cur_pc->o, O_PEER, &$1.loc);
			name_copy(cur_conn->peer_name, &$2);
		}
		| ROUTING WORD {
			mark(&cur_pc->o, O_ROUTING, &$1.loc);
			cur_conn->routing = word1(conf_routing_words, "routing", &$2);
		}
		| STATICROUTES plist {
			mark(&cur_pc->o, O_STATIC, &$1.loc);
			prefixes_take(&cur_conn->static_routes, &cur_conn->nstatic_routes);
		}
		| MODE WORD {
			mark(&cur_pc->o, O_MODE, &$1.loc);
			cur_conn->mode = word1(conf_mode_words, "mode", &$2);
		}
		| PREFERRED STRING {
			mark(&cur_pc->o, O_PREFERRED, &$1.loc);
			name_copy(cur_pc->preferred, &$2);
		}
		| SIGNAL wordlist {
			mark(&cur_pc->o, O_SIGNAL, &$1.loc);
			cur_conn->signal = words(conf_signal_words, "signal");
		}
		| PREPEND NUMBER {
			cur_conn->prepend = num(&cur_pc->o, O_PREPEND, &$1, &$2);
		}
		| MED NUMBER NUMBER {
			cur_conn->med_primary = num(&cur_pc->o, O_MED_PRIMARY, &$1, &$2);
			cur_conn->med_backup = num(&cur_pc->o, O_MED_BACKUP, &$1, &$3);
		}
		| HOLDDOWN NUMBER {
			cur_conn->hold_down = num(&cur_pc->o, O_HOLD_DOWN, &$1, &$2);
		}
		| MAXPREFIX NUMBER {
			cur_conn->max_prefix = num(&cur_pc->o, O_MAX_PREFIX, &$1, &$2);
		}
		| RGROUP STRING {
			mark(&cur_pc->o, O_GROUP, &$1.loc);
			name_copy(cur_conn->group, &$2);
		}
		| RGROUP STRING PRIORITY NUMBER {
			mark(&cur_pc->o, O_GROUP, &$1.loc);
			name_copy(cur_conn->group, &$2);
			cur_conn->priority = num(&cur_pc->o, O_PRIORITY, &$3, &$4);
		}
		| TUNNEL STRING { tunnel_begin(&$1, &$2); } '{' titems '}'
			{ cur_set = &cur_pc->o; parent_conn = NO_PARENT; }
		| DEFAULTS {
			T = &cur_pc->defaults;
			cur_set = &T->o;
			parent_conn = cur_ci;
		} '{' titems '}' { cur_set = &cur_pc->o; parent_conn = NO_PARENT; }
		;

/* Tunnel options: inside tunnel "x" { } and defaults { } blocks (T). */
titems		: /* empty */
		| titems titem
		| titems error
		;
titem		: ';'
		| INTERFACE NUMBER { T->t.ifnum = num(&T->o, O_IFNUM, &$1, &$2); }
		| LOCALOUTSIDE WORD {
			mark(&T->o, O_LOCAL_OUTSIDE, &$1.loc);
			T->t.local_outside = addr(&$2);
		}
		| REMOTEOUTSIDE WORD {
			mark(&T->o, O_REMOTE_OUTSIDE, &$1.loc);
			T->t.remote_outside = addr(&$2);
		}
		| INSIDE WORD { mark(&T->o, O_INSIDE, &$1.loc); inside(&$2); }
		| PSK STRING {
			mark(&T->o, O_PSK, &$1.loc);
			snprintf(T->t.psk, sizeof(T->t.psk), "%s", $2.str);
			if (strlen($2.str) > RD_PSK_MAX)
				conf_diag(P, &$2.loc, false, "psk: expected 8..64 characters, got %zu",
					  strlen($2.str));
		}
		| PSKFILE STRING {
			mark(&T->o, O_PSK_FILE, &$1.loc);
			snprintf(T->t.psk_file, sizeof(T->t.psk_file), "%s", $2.str);
			if ($2.str[0] != '/')
				conf_diag(P, &$2.loc, false,
					  "psk-file: expected an absolute path, got \"%s\"", $2.str);
		}
		| IKEVERSIONS wordlist {
			mark(&T->o, O_IKE, &$1.loc);
			T->t.ike_versions = words(conf_ike_words, "ike-versions");
		}
		| PHASE1 { phase = 1; } '{' phitems '}'
		| PHASE2 { phase = 2; } '{' phitems '}'
		| REKEYMARGIN NUMBER {
			T->t.rekey_margin = num(&T->o, O_REKEY_MARGIN, &$1, &$2);
		}
		| REKEYFUZZ NUMBER { T->t.rekey_fuzz = num(&T->o, O_REKEY_FUZZ, &$1, &$2); }
		| REPLAYWINDOW NUMBER {
			T->t.replay_window = num(&T->o, O_REPLAY, &$1, &$2);
		}
		| DPDTIMEOUT NUMBER {
			T->t.dpd_timeout = num(&T->o, O_DPD_TIMEOUT, &$1, &$2);
		}
		| DPDACTION WORD {
			mark(&T->o, O_DPD_ACTION, &$1.loc);
			T->t.dpd_action = word1(conf_dpd_words, "dpd-action", &$2);
		}
		| STARTUP WORD {
			mark(&T->o, O_STARTUP, &$1.loc);
			T->t.startup = word1(conf_startup_words, "startup", &$2);
		}
		| BGP '{' bgpitems '}'
		| BFD WORD {
			mark(&T->o, O_BFD, &$1.loc);
			T->t.health.bfd = word1(conf_yesno_words, "bfd", &$2);
		}
		| BFD '{' bfditems '}' {
			mark(&T->o, O_BFD, &$1.loc);
			T->t.health.bfd = true;
		}
		| PROBE WORD { probe(&$1, &$2); } probeopts
		;

/* probe no | probe ADDRESS [interval MS] [rise N] [fall N] */
probeopts	: /* empty */
		| probeopts INTERVAL NUMBER { probe_opt(O_PROBE_INTERVAL, &$2, &$3); }
		| probeopts RISE NUMBER { probe_opt(O_PROBE_RISE, &$2, &$3); }
		| probeopts FALL NUMBER { probe_opt(O_PROBE_FALL, &$2, &$3); }
		;

phitems		: /* empty */
		| phitems phitem
		| phitems error
		;
phitem		: ';'
		| ENCRYPTION wordlist {
			mark(&T->o, phase == 1 ? O_P1_ENC : O_P2_ENC, &$1.loc);
			*(phase == 1 ? &T->t.p1_enc : &T->t.p2_enc) =
				words(conf_enc_words, "encryption");
		}
		| INTEGRITY wordlist {
			mark(&T->o, phase == 1 ? O_P1_INTEG : O_P2_INTEG, &$1.loc);
			*(phase == 1 ? &T->t.p1_integ : &T->t.p2_integ) =
				words(conf_integ_words, "integrity");
		}
		| DHGROUPS numlist {
			mark(&T->o, phase == 1 ? O_P1_DH : O_P2_DH, &$1.loc);
			*(phase == 1 ? &T->t.p1_dh : &T->t.p2_dh) = dh_groups(phase);
		}
		| LIFETIME NUMBER {
			if (phase == 1)
				T->t.p1_lifetime = num(&T->o, O_P1_LIFETIME, &$1, &$2);
			else
				T->t.p2_lifetime = num(&T->o, O_P2_LIFETIME, &$1, &$2);
		}
		;

bgpitems	: /* empty */
		| bgpitems bgpitem
		| bgpitems error
		;
bgpitem		: ';'
		| KEEPALIVE NUMBER {
			T->t.bgp_keepalive = num(&T->o, O_KEEPALIVE, &$1, &$2);
		}
		| HOLD NUMBER { T->t.bgp_hold = num(&T->o, O_HOLD, &$1, &$2); }
		;

bfditems	: /* empty */
		| bfditems bfditem
		| bfditems error
		;
bfditem		: ';'
		| INTERVAL NUMBER {
			T->t.health.bfd_rx_ms = num(&T->o, O_BFD_RX, &$1, &$2);
			T->t.health.bfd_tx_ms = num(&T->o, O_BFD_TX, &$1, &$2);
		}
		| RX NUMBER { T->t.health.bfd_rx_ms = num(&T->o, O_BFD_RX, &$1, &$2); }
		| TX NUMBER { T->t.health.bfd_tx_ms = num(&T->o, O_BFD_TX, &$1, &$2); }
		| MULTIPLIER NUMBER {
			T->t.health.bfd_multiplier = num(&T->o, O_BFD_MULT, &$1, &$2);
		}
		;

%%

/* Helpers of the actions above, and the lexer (kept apart for size). */
#include "parse-act.inc"
#include "lex.inc"
