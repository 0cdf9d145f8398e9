/*
 * swan_exec.c - run `ipsec ...` bounded in time, capturing stdout.
 *
 * Control operations only (never per packet). The call blocks the event
 * loop for at most timeout_ms: a hung pluto (whack waiting on pluto.ctl)
 * is killed with SIGKILL at the deadline and -ETIMEDOUT is returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugins/swan_exec.h"

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
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
		execvp(argv[0], argv);
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
