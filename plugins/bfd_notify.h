/*
 * bfd_notify.h - BFD peer state changes from bfdd's control socket
 * (bfdd --bfdctl, FRR's default <state dir>/bfdd.sock) as they happen,
 * instead of at the next 'show bfd peers json' poll.
 *
 * The protocol (FRR bfdd/bfdctl.h): a 8-byte header (length of the JSON
 * that follows, network order; id; type; version 1), then JSON. routerd
 * sends one BMT_NOTIFY request subscribing to every peer's state; bfdd
 * answers {"status":"ok"}, sends the state of every session it has, then
 * one {"op":"status","peer-address":...,"state":"up"|"down"|...} per change.
 */
#ifndef ROUTERD_BFD_NOTIFY_H
#define ROUTERD_BFD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct bfd_notify;

/* A single-hop IPv4 peer's state changed: up is state "up"; peer in host order. */
typedef void (*bfd_notify_fn)(void *arg, uint32_t peer, bool up, const char *state);

/* The longest message accepted (a notification is ~300 bytes). */
#define BFD_NOTIFY_MSG_MAX (64 * 1024)

/*
 * Connect to the control socket at path and subscribe. cb runs on base's
 * loop for each notification of a single-hop IPv4 peer's state; a message
 * that is not understood (not JSON, null or mistyped members, an unknown
 * state, a NUL inside) is logged (rate-limited) and skipped. lost runs
 * once when bfdd closes the connection or breaks the framing (a version
 * other than 1, a length over BFD_NOTIFY_MSG_MAX); then bfd_notify_close
 * it. NULL with errno set when the socket cannot be reached.
 */
struct bfd_notify *bfd_notify_open(struct event_base *base, const char *path, bfd_notify_fn cb,
				   void (*lost)(void *arg), void *arg);
void bfd_notify_close(struct bfd_notify *n);

#endif
