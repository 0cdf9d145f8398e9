/*
 * ctlsrv.h - the control socket server (protocol: control.h).
 *
 * Two layers: ctlsrv.c is the transport (listening socket, peer
 * credentials, limits, non-blocking I/O on the event loop) and knows
 * nothing of routerd; control.c turns request lines into replies (the
 * commands) and is what routerd opens with ctlsrv_open().
 *
 * Limits (each documented in routerd(8), LIMITS):
 *   CTL_REQ_MAX         a request line, newline included; a longer one, or
 *                       one with a NUL byte before its newline, is answered
 *                       with an error
 *   CTL_REQ_TIMEOUT_MS  from connect to a complete request: an absolute
 *                       deadline, not restarted by each byte received
 *   CTL_REPLY_TIMEOUT_MS from the reply being queued to its last byte
 *                       written: a client that does not read is closed
 *   CTL_REPLY_MAX       the reply queue of one client (one request per
 *                       connection, so one reply); a larger reply is
 *                       replaced by an error
 *   CTL_CLIENTS_MAX     clients at once; the next one gets an error reply
 *                       and is closed
 *   CTL_VIEW_CLIENTS_MAX read-only clients at once, so they cannot take
 *                       every place from an administrator
 * Replies are written without blocking, as the client's socket accepts
 * them, so a client that never reads cannot stall the event loop.
 */
#ifndef ROUTERD_CTLSRV_H
#define ROUTERD_CTLSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CTL_REQ_MAX 4096
#define CTL_REQ_TIMEOUT_MS 10000
#define CTL_REPLY_TIMEOUT_MS 10000
#define CTL_REPLY_MAX (16u << 20)
#define CTL_CLIENTS_MAX 16
#define CTL_VIEW_CLIENTS_MAX 8

struct core;
struct ctlsrv;
struct event_base;

/* What a client may do, from its SO_PEERCRED credentials. */
enum ctl_role {
	CTL_ROLE_NONE,          /* refused at accept */
	CTL_ROLE_VIEW,          /* read-only commands: member of the view group */
	CTL_ROLE_ADMIN,         /* everything: uid 0, routerd's uid, the admin group */
};

struct ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	enum ctl_role role;
};

/* Counters since the start (routerctl --json show: "control"). */
struct ctlsrv_stats {
	unsigned long accepted;         /* clients admitted */
	unsigned long refused;          /* credentials not allowed */
	unsigned long busy;             /* over CTL_CLIENTS_MAX */
	unsigned long bad_requests;     /* NUL, too long, not terminated */
	unsigned long timeouts;         /* request or reply deadline passed */
	unsigned long denied;           /* a command above the client's role */
	unsigned clients;               /* connected now */
	unsigned view_clients;          /* of which read-only */
};

/*
 * One request line (no newline, no NUL) from peer -> the reply, a JSON
 * object without the newline, malloc'ed (NULL: out of memory, the client
 * is closed).
 */
typedef char *(*ctlsrv_handler)(void *arg, const struct ctl_peer *peer, const char *req);

/*
 * Listen on 'path' (mode 0660; group view_group if it exists, else
 * admin_group) and serve on base. view_group / admin_group may be NULL.
 * NULL on error (logged).
 */
struct ctlsrv *ctlsrv_listen(struct event_base *base, const char *path, const char *admin_group,
			     const char *view_group, ctlsrv_handler h, void *arg);
const struct ctlsrv_stats *ctlsrv_stats(const struct ctlsrv *s);
/* Count a command refused for the client's role (the handler's verdict). */
void ctlsrv_count_denied(struct ctlsrv *s);

/* routerd's server: ctlsrv_listen with control.c's commands.
 * 'reload' runs for {"command":"reload"} and returns 0 or -1. */
struct ctlsrv *ctlsrv_open(struct core *c, const char *path, int (*reload)(void *), void *arg);
/* Close either kind; frees what ctlsrv_open allocated. */
void ctlsrv_close(struct ctlsrv *s);

/* The server whose counters 'show' reports (the last one opened). */
void ctlsrv_set_owner(struct ctlsrv *s, void *owner, void (*free_owner)(void *));

#endif
