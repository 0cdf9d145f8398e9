/*
 * swan_exec.c - run `ipsec ...` bounded in time, capturing stdout.
 *
 * Control operations only (never per packet). The call blocks the event
 * loop for at most timeout_ms: a hung pluto (whack waiting on pluto.ctl)
 * is killed with SIGKILL at the deadline and -ETIMEDOUT is returned.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugins/swan_exec.h"

#define SWAN_LIBEXEC "/usr/libexec/ipsec"

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Exec argv. "ipsec whack|addconn ..." runs libreswan's binary directly
 * (/usr/libexec/ipsec/whack): the `ipsec` front end is a shell script, and
 * forking a shell per poll is most of the cost of a poll.
 */
/* Is the first "ipsec" in PATH the system's libreswan front end? */
static bool
system_ipsec(void)
{
	const char *p = getenv("PATH");
	char dir[4096], cand[4200];

	while (p && *p) {
		size_t n = strcspn(p, ":");

		if (n > 0 && n < sizeof(dir)) {
			memcpy(dir, p, n);
			dir[n] = '\0';
			snprintf(cand, sizeof(cand), "%s/ipsec", dir);
			if (access(cand, X_OK) == 0) {
				char *real = realpath(cand, NULL);
				bool sys = real && (strcmp(real, "/usr/sbin/ipsec") == 0 ||
						    strcmp(real, "/usr/bin/ipsec") == 0);
				free(real);
				return sys;
			}
		}
		p += n + (p[n] == ':');
	}
	return false;
}

static void
exec_tool(char *const argv[])
{
	static const char *const direct[] = {"whack", "addconn"};
	char path[64];

	if (argv[0] && argv[1] && strcmp(argv[0], "ipsec") == 0 && system_ipsec()) {
		for (size_t i = 0; i < sizeof(direct) / sizeof(direct[0]); i++) {
			if (strcmp(argv[1], direct[i]) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", SWAN_LIBEXEC, direct[i]);
			if (access(path, X_OK) == 0)
				execv(path, (char *const *)argv + 1);
		}
	}
	execvp(argv[0], argv);
}

int
swan_exec(char *const argv[], char *out, size_t outlen, int timeout_ms)
{
	int p[2], status, err = 0;
	size_t used = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if ((pid = fork()) < 0) {
		err = -errno;
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);          /* whack reports errors on stderr: keep them */
		exec_tool(argv);
		_exit(127);
	}
	close(p[1]);
	long deadline = now_ms() + timeout_ms;
	for (;;) {
		long left = deadline - now_ms();
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		if (left <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		int n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;       /* deadline re-checked above */
		char tmp[4096];
		ssize_t r = read(p[0], tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;          /* EOF: child closed stdout */
		if (out && outlen > 1 && used < outlen - 1) {
			size_t k = (size_t)r < outlen - 1 - used ? (size_t)r : outlen - 1 - used;
			memcpy(out + used, tmp, k);
			used += k;
		}
	}
	close(p[0]);
	if (out && outlen)
		out[used] = '\0';
	if (err == -ETIMEDOUT)
		kill(pid, SIGKILL);
	/* EOF does not mean exited (stdout may be closed early): reap within the deadline. */
	for (;;) {
		pid_t w = waitpid(pid, &status, err ? 0 : WNOHANG);
		if (w == pid)
			break;
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (now_ms() >= deadline) {
			err = -ETIMEDOUT;
			kill(pid, SIGKILL);
			continue;
		}
		struct timespec ts = { 0, 2 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (err)
		return err;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}
