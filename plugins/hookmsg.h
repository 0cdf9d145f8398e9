/*
 * hookmsg.h - the message routerd-updown sends to routerd, one datagram.
 *
 * Wire format: ASCII lines "KEY=VALUE\n". The first line is "VERSION=1",
 * the last "END=OK" (so every truncation is detectably incomplete). Keys:
 *   VERB           required, a libreswan updown verb (up-client, ...)
 *   CONNECTION     required, 1..HOOKMSG_NAME_MAX-1 chars [A-Za-z0-9._-]
 *   REQID          required, 1..16383 decimal
 *   PEER, ME       optional, dotted IPv4
 *   VIRT_INTERFACE optional, interface name (< 16 chars)
 *   SPI_IN, SPI_OUT optional, 0x-prefixed hex, 32 bit
 *   INBYTES, OUTBYTES optional, decimal, 64 bit
 * Unknown, duplicate or misplaced keys, bytes outside 0x21..0x7e in
 * values, and messages over HOOKMSG_MAX bytes are errors.
 * Pure code: no I/O, no allocation.
 */
#ifndef ROUTERD_HOOKMSG_H
#define ROUTERD_HOOKMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOOKMSG_VERSION 1
#define HOOKMSG_MAX 1024
#define HOOKMSG_NAME_MAX 160
#define HOOKMSG_IFNAME_MAX 16

enum hook_verb {
	HOOK_PREPARE_HOST, HOOK_PREPARE_CLIENT,
	HOOK_ROUTE_HOST, HOOK_ROUTE_CLIENT,
	HOOK_UNROUTE_HOST, HOOK_UNROUTE_CLIENT,
	HOOK_UP_HOST, HOOK_UP_CLIENT,
	HOOK_DOWN_HOST, HOOK_DOWN_CLIENT,
	HOOK_NVERBS
};

/* Which optional fields are present. */
enum hook_field {
	HOOKF_PEER = 1u << 0,
	HOOKF_ME = 1u << 1,
	HOOKF_VIRT_INTERFACE = 1u << 2,
	HOOKF_SPI_IN = 1u << 3,
	HOOKF_SPI_OUT = 1u << 4,
	HOOKF_INBYTES = 1u << 5,
	HOOKF_OUTBYTES = 1u << 6,
};

struct hookmsg {
	enum hook_verb verb;
	bool v6;                        /* verb had the "-v6" suffix */
	char connection[HOOKMSG_NAME_MAX];
	uint32_t reqid;
	unsigned present;               /* enum hook_field mask */
	uint32_t peer, me;              /* host byte order */
	char virt_interface[HOOKMSG_IFNAME_MAX];
	uint32_t spi_in, spi_out;
	uint64_t inbytes, outbytes;
};

/* "up-client" etc.; NULL if out of range. */
const char *hook_verb_name(enum hook_verb v);
/* Parse a verb ("up-client", "up-client-v6"); 0 or -1. */
int hook_verb_parse(const char *s, enum hook_verb *v, bool *v6);

/*
 * Serialize 'm' into buf. Returns the length (without a NUL), or -EINVAL
 * for a message the parser would reject, -ENOSPC if buf is too small.
 */
int hookmsg_format(const struct hookmsg *m, char *buf, size_t len);

/*
 * Parse one datagram. Returns 0, or -EINVAL with a human reason in err
 * (errlen bytes). Never reads beyond buf[len - 1]; buf need not be NUL
 * terminated.
 */
int hookmsg_parse(const char *buf, size_t len, struct hookmsg *m, char *err, size_t errlen);

/* The sender's side (routerd-updown): how long a send may wait for room in
 * routerd's socket queue before the event is given up (pluto waits). */
#define HOOK_SEND_TIMEOUT_MS 2000

/* routerd's side (swan_hook.c): the socket is <run_dir>/HOOK_DIR/hook.sock. */
#define HOOK_DIR "hook"
/* Counters since routerd started, process-wide (not pure: swan_hook.c). */
struct hook_counters {
	unsigned long accepted;         /* well-formed, from root or routerd */
	unsigned long rejected;         /* from another uid (SCM_CREDENTIALS) */
	unsigned long malformed;        /* not a hook message, or over HOOKMSG_MAX */
	unsigned long unknown;          /* well-formed, for no routerd tunnel */
};
void swan_hook_counters(struct hook_counters *out);

#endif
