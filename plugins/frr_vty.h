/*
 * frr_vty.h - a small client for FRR's vty unix sockets (what vtysh speaks).
 *
 * Framing: a command is its text followed by one NUL byte; the reply is
 * the output text, then three NUL bytes, then one status byte (0 success,
 * 1 warning, 2 no match, 13 config failed, ...).
 *
 * The client is blocking with a send/receive timeout (FRR_VTY_TIMEOUT_MS,
 * FRR_VTY_BATCH_TIMEOUT_MS + n x FRR_VTY_BATCH_TIMEOUT_PER_CMD_MS per reply
 * inside a batch of n);
 * batches are pipelined (up to FRR_VTY_WINDOW commands in flight).
 * A reply's text is bounded by FRR_VTY_REPLY_MAX bytes: a longer one is an
 * error (-EMSGSIZE, the connection closed), never unbounded growth.
 * Errors: 0 or -errno.
 */
#ifndef ROUTERD_FRR_VTY_H
#define ROUTERD_FRR_VTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FRR_VTY_TIMEOUT_MS 2000
/* One reply in a batch. bgpd 8.4 validates the whole configuration at
 * each commit: with 1,000 tunnels' route-maps and prefix-lists one commit,
 * however small, took 30-50 s (loaded host), and a timeout means bgpd
 * lost and everything re-applied. */
#define FRR_VTY_BATCH_TIMEOUT_MS 120000
/* ... plus this per command of the batch: the reply that flushes a batched
 * commit waits for all of it (bgpd 8.4: ~58 s for 1,000 tunnels' route-maps
 * and prefix-lists, 27,000 commands). */
#define FRR_VTY_BATCH_TIMEOUT_PER_CMD_MS 5
#define FRR_VTY_WINDOW 64
/* The longest reply text accepted (whether stored or only counted). The
 * largest routerd reads is 'show bgp summary json': ~1 KB per neighbor,
 * ~1 MB at 1,000 tunnels. */
#define FRR_VTY_REPLY_MAX (16u << 20)

/* Incremental reply parser: a pure function over bytes. */
struct frr_reply {
	char *text;             /* NUL-terminated output text (malloc'ed) */
	size_t len, cap;
	unsigned nuls;          /* consecutive NULs seen (0..3) */
	bool done;              /* a whole reply has been parsed */
	uint8_t status;         /* valid when done */
	bool keep_text;         /* false: count only, do not store the text */
	size_t seen;            /* text bytes of this reply, stored or not */
	size_t max;             /* limit on seen (FRR_VTY_REPLY_MAX by default) */
};

void frr_reply_init(struct frr_reply *r, bool keep_text);
/* Forget a finished reply, keep the buffer for the next one. */
void frr_reply_reset(struct frr_reply *r);
void frr_reply_free(struct frr_reply *r);
/*
 * Feed n bytes. Consumes bytes up to and including the status byte of one
 * reply and returns how many were consumed (r->done says whether the reply
 * is complete); -ENOMEM when the text cannot grow, -EMSGSIZE when the text
 * exceeds r->max bytes (the reply is then unusable: close the connection).
 */
ssize_t frr_reply_feed(struct frr_reply *r, const uint8_t *buf, size_t n);

/* A connection to one daemon. */
struct frr_vty {
	int fd;                 /* -1 when not connected */
	char path[256];
	bool enabled;           /* 'enable' sent */
	uint8_t rbuf[16384];    /* bytes read but not yet parsed */
	size_t rlen;
};

void frr_vty_init(struct frr_vty *v, const char *dir, const char *daemon);
/* Connect (no-op when connected) and enter enable mode. */
int frr_vty_open(struct frr_vty *v);
void frr_vty_close(struct frr_vty *v);
/*
 * Run one command; on success *status holds the status byte and, when
 * text is not NULL, *text the malloc'ed output (caller frees). A transport
 * error closes the connection and returns -errno (-EPIPE on EOF).
 */
int frr_vty_cmd(struct frr_vty *v, const char *cmd, uint8_t *status, char **text);

/* What happened to a batch's commands. */
struct frr_batch_result {
	size_t sent;            /* commands that got a reply */
	size_t failed;          /* replies with a non-zero status */
	size_t ignored;         /* failed "no ..." commands: the object was absent */
	size_t first_failed;    /* index of the first failure (valid if failed) */
	uint8_t first_status;
	size_t commit_failed;   /* replies saying "% Configuration failed": a
				 * northbound commit was rejected. Inside an
				 * XFRR_start/end_configuration batch the reply
				 * carrying it (status 0) is whichever command
				 * flushed the pending commit, and every command
				 * of that commit is lost. */
	size_t first_commit_failed;
};

/* FRR's batch markers (what vtysh -f sends): between them a session's
 * northbound commands are committed together, at the next command that is
 * not a northbound one (e.g. "exit", any bgpd command) or at the end
 * marker, instead of one commit per command. Valid in CONFIG_NODE. */
#define FRR_VTY_BATCH_START "XFRR_start_configuration"
#define FRR_VTY_BATCH_END "XFRR_end_configuration"

/*
 * Run cmds[0..n) pipelined in this session, in order. Stops only on a
 * transport error (returns -errno, the connection closed); command
 * failures are counted in *res (and logged through log_debug); a failing
 * "no ..." command (it removed nothing) and a re-applied graceful-restart
 * mode only count as ignored. Replies saying a commit was rejected are
 * also counted in commit_failed (and logged as warnings) whatever their
 * status byte.
 */
int frr_vty_batch(struct frr_vty *v, char *const *cmds, size_t n, struct frr_batch_result *res);

#endif
