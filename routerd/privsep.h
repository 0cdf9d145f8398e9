/* privsep.h - a capability-less uid-0 helper that runs libreswan's tools (see privsep.c). */
#ifndef ROUTERD_PRIVSEP_H
#define ROUTERD_PRIVSEP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "plugins/plugin.h"

struct privsep {
	int fd;
	pid_t pid;
	pthread_mutex_t mu;     /* one request at a time (the IKE poller's thread too) */
};

/* Fork the helper (call while still root): it accepts pluto's control
 * socket, the updown program and the hook socket of 'paths' as they are
 * now. 0 or -1 (logged). */
int privsep_start(struct privsep *ps, const struct rd_paths *paths);

/*
 * Run argv through the helper; same contract as swan_exec() (exit status,
 * -ETIMEDOUT, -errno; -EPERM when the helper refuses the command). The
 * helper bounds every command by SWAN_EXEC_TIMEOUT_MS; timeout_ms is
 * accepted for the signature only. 'arg' is the struct privsep. Callers
 * on several threads take turns.
 */
int privsep_exec(void *arg, char *const argv[], char *out, size_t outlen, int timeout_ms);

/* The helper's policy (exposed for tests). */
#define PRIVSEP_ADD_MAX 128             /* conns per addconn (routerd: 100) */
#define PRIVSEP_CONF_MAX (1 << 20)      /* an addconn --config file */
struct privsep_policy {
	char ctl[RD_PATH_MAX];          /* pluto's control socket */
	char updown_value[2 * RD_PATH_MAX + 32];  /* leftupdown's value, quotes included;
						   * "" when the program is not root's */
};
enum { PRIVSEP_REFUSED, PRIVSEP_WHACK, PRIVSEP_ADDCONN };

int privsep_policy_init(struct privsep_policy *p, const struct rd_paths *paths);
/* Which of the accepted shapes argv has (PRIVSEP_REFUSED: none):
 *   ipsec whack --ctlsocket CTL --delete|--down|--rekey-ipsec --name NAME
 *   ipsec whack --ctlsocket CTL --initiate --asynchronous --name NAME
 *   ipsec whack --ctlsocket CTL --rereadsecrets|--showstates|--trafficstatus
 *   ipsec addconn --ctlsocket CTL --config /FILE NAME... (1..PRIVSEP_ADD_MAX, distinct)
 * CTL exactly the policy's, NAME a conn name routerd renders (rd-[A-Za-z0-9._-]+). */
int privsep_allowed(const struct privsep_policy *p, char *const argv[], int argc);
/* Is text (an addconn --config file) conns as swan_render.c writes them,
 * names[0..n) among them? 0, or -1 with why set. */
int privsep_check_conns(const struct privsep_policy *p, const char *text, size_t len,
			char *const names[], int n, char *why, size_t whylen);
/* Check and run one request (argv is modified: addconn's FILE becomes the
 * helper's checked copy). The status as privsep_exec returns it. */
int privsep_run(const struct privsep_policy *p, char *argv[], int argc, char *out,
		size_t outlen);

#endif
