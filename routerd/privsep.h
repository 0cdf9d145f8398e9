/* privsep.h - a capability-less uid-0 helper that runs libreswan's tools (see privsep.c). */
#ifndef ROUTERD_PRIVSEP_H
#define ROUTERD_PRIVSEP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct privsep {
	int fd;
	pid_t pid;
	pthread_mutex_t mu;     /* one request at a time (the IKE poller's thread too) */
};

/* Fork the helper (call while still root). 0 or -1 (logged). */
int privsep_start(struct privsep *ps, const char *pluto_ctl);

/*
 * Run argv through the helper; same contract as swan_exec() (exit status,
 * -ETIMEDOUT, -errno; -EPERM when the helper refuses the command). The
 * helper bounds every command by SWAN_EXEC_TIMEOUT_MS; timeout_ms is
 * accepted for the signature only. 'arg' is the struct privsep. Callers
 * on several threads take turns.
 */
int privsep_exec(void *arg, char *const argv[], char *out, size_t outlen, int timeout_ms);

#endif
