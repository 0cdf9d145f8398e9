/*
 * privsep.c - the one thing routerd still does as root after dropping
 * privileges: run libreswan's control tools against pluto's control
 * socket, which pluto creates mode 0700 root.
 *
 * Before the drop, routerd forks a helper that keeps uid 0 but no
 * capabilities at all (bounding set cleared, so the tools it executes
 * gain none either). The unprivileged daemon sends it an argv over a
 * socketpair; the helper runs it only if it is
 *      ipsec whack|auto|addconn ... --ctlsocket <the configured socket> ...
 * and answers with the exit status and the output.
 *
 * Frames on the stream: u32 length, then the payload. Request payload:
 * argv strings, each NUL-terminated. Reply payload: i32 status, output.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cap-ng.h>

#include "plugins/swan_exec.h"
#include "routerd/log.h"
#include "routerd/privsep.h"

#define MAX_ARGS 128         /* addconn names up to 100 conns (ADD_BATCH) */
#define MAX_REQ 16384
#define MAX_OUT (4u << 20)

static int
io_full(int fd, void *buf, size_t len, bool wr)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
send_frame(int fd, const void *a, size_t alen, const void *b, size_t blen)
{
	uint32_t len = (uint32_t)(alen + blen);

	if (io_full(fd, &len, sizeof(len), true) != 0 || io_full(fd, (void *)a, alen, true) != 0)
		return -1;
	return blen ? io_full(fd, (void *)b, blen, true) : 0;
}

/* The helper's policy: which commands it runs. */
static bool
allowed(char *const argv[], int argc, const char *ctl)
{
	static const char *const tools[] = {"whack", "auto", "addconn"};
	bool tool = false;

	if (argc < 2 || strcmp(argv[0], "ipsec") != 0)
		return false;
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		tool |= strcmp(argv[1], tools[i]) == 0;
	if (!tool)
		return false;
	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], "--ctlsocket") == 0 && strcmp(argv[i + 1], ctl) == 0)
			return true;
	return false;
}

static void __attribute__((noreturn))
helper_loop(int fd, const char *ctl)
{
	static char out[MAX_OUT];
	char req[MAX_REQ + 1];
	uint32_t len;

	for (;;) {
		char *argv[MAX_ARGS + 1];
		int argc = 0;
		int32_t status;

		if (io_full(fd, &len, sizeof(len), false) != 0 || len > MAX_REQ ||
		    io_full(fd, req, len, false) != 0)
			_exit(0);       /* the daemon is gone */
		req[len] = '\0';
		for (size_t off = 0; off < len && argc < MAX_ARGS; off += strlen(req + off) + 1)
			argv[argc++] = req + off;
		argv[argc] = NULL;
		out[0] = '\0';
		if (!allowed(argv, argc, ctl)) {
			status = -EPERM;
			snprintf(out, sizeof(out), "privsep: refused command");
		} else {
			status = swan_exec(argv, out, sizeof(out), SWAN_EXEC_TIMEOUT_MS);
		}
		if (send_frame(fd, &status, sizeof(status), out, strlen(out)) != 0)
			_exit(0);
	}
}

int
privsep_start(struct privsep *ps, const char *pluto_ctl)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		log_warn("privsep: socketpair");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_warn("privsep: fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "routerd-priv");
		capng_clear(CAPNG_SELECT_BOTH);
		if (capng_apply(CAPNG_SELECT_BOTH) != 0)
			_exit(1);
		helper_loop(sv[1], pluto_ctl);
	}
	close(sv[1]);
	ps->fd = sv[0];
	ps->pid = pid;
	pthread_mutex_init(&ps->mu, NULL);
	log_info("privsep: helper pid %d runs libreswan's tools (uid 0, no capabilities)", (int)pid);
	return 0;
}

static int
exec_locked(struct privsep *ps, char *const argv[], char *out, size_t outlen)
{
	char req[MAX_REQ];
	size_t off = 0;
	uint32_t len;
	int32_t status;

	for (int i = 0; argv[i] != NULL; i++) {
		size_t n = strlen(argv[i]) + 1;

		if (off + n > sizeof(req) || i >= MAX_ARGS)
			return -E2BIG;
		memcpy(req + off, argv[i], n);
		off += n;
	}
	if (send_frame(ps->fd, req, off, NULL, 0) != 0 ||
	    io_full(ps->fd, &len, sizeof(len), false) != 0 || len < sizeof(status) ||
	    io_full(ps->fd, &status, sizeof(status), false) != 0)
		return -EPIPE;
	len -= sizeof(status);
	for (uint32_t got = 0; got < len;) {
		char tmp[4096];
		uint32_t n = len - got < sizeof(tmp) ? len - got : (uint32_t)sizeof(tmp);

		if (io_full(ps->fd, tmp, n, false) != 0)
			return -EPIPE;
		if (out && outlen > got + 1) {
			size_t k = outlen - 1 - got < n ? outlen - 1 - got : n;
			memcpy(out + got, tmp, k);
		}
		got += n;
	}
	if (out && outlen)
		out[len < outlen ? len : outlen - 1] = '\0';
	return status;
}

int
privsep_exec(void *arg, char *const argv[], char *out, size_t outlen, int timeout_ms)
{
	struct privsep *ps = arg;
	int rc;

	(void)timeout_ms;
	pthread_mutex_lock(&ps->mu);
	rc = exec_locked(ps, argv, out, outlen);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}
