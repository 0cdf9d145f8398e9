/*
 * ctl_render.h - routerctl's pure part: build requests, render replies.
 *
 * Nothing here does I/O except writing to the FILE given, so every
 * function is unit-tested on JSON fixtures (tests/unit/test_ctl_render.c).
 * Replies follow the schema in routerd/control.h; missing optional keys
 * render as "-" (text) or are left out (AWS shape), never as an error.
 * Errors: 0 / -1 (a reply whose shape is unusable).
 */
#ifndef ROUTERD_CTL_RENDER_H
#define ROUTERD_CTL_RENDER_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct json_object;

/* The request object for 'command' with an optional argument (NULL: none).
 * The argument's key comes from the command table (show: "connection",
 * drain/undrain: "tunnel"). NULL for an unknown command. */
struct json_object *ctl_request(const char *command, const char *arg);

/* How many arguments 'command' takes: 0, 1 (required) or -1 (optional one);
 * -2 if the command is unknown. */
int ctl_command_args(const char *command);

/* Human byte count: "456B", "1.2K", "1.2M", "34G" (1024-based). */
void ctl_fmt_bytes(char *buf, size_t len, uint64_t n);

/* Human age: "12s", "3m12s", "2h05m", "4d03h"; negative ages are "0s". */
void ctl_fmt_age(char *buf, size_t len, int64_t sec);

/* Text of a "show" reply, the table an engineer reads. 'now' (unix time)
 * ages a tunnel's "since" only when the reply has no last_change_age_sec. */
int ctl_render_text(FILE *out, struct json_object *reply, time_t now);

/* The reply in the shape of AWS describe-vpn-connections
 * ({"VpnConnections":[...]}); a new object the caller puts, NULL if the
 * reply has no "connections" array. */
struct json_object *ctl_render_aws(struct json_object *reply);

/* Pretty JSON text of 'obj' (keys in their order, two-space indent) and a
 * newline. */
void ctl_print_json(FILE *out, struct json_object *obj);

#endif
