/* log.c - syslog or stderr logging with a monotonic-free wall timestamp. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "routerd/log.h"

static int log_stderr = 1;
static int log_verbose;

void
log_init(const char *ident, int to_stderr, int verbose)
{
	log_stderr = to_stderr;
	log_verbose = verbose;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_stderr) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld %s%s%s\n", tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, msg, suffix ? ": " : "",
			suffix ? suffix : "");
		fflush(stderr);
	} else {
		syslog(pri, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
	}
}

#define LOGFN(fn, pri, cond, with_errno)                                     \
	void fn(const char *fmt, ...)                                        \
	{                                                                    \
		int saved = errno;                                           \
		va_list ap;                                                  \
		if (!(cond))                                                 \
			return;                                              \
		va_start(ap, fmt);                                           \
		vlog(pri, fmt, ap, (with_errno) ? strerror(saved) : NULL);   \
		va_end(ap);                                                  \
		errno = saved;                                               \
	}

LOGFN(log_warn, LOG_WARNING, 1, 1)
LOGFN(log_warnx, LOG_WARNING, 1, 0)
LOGFN(log_info, LOG_INFO, 1, 0)
LOGFN(log_debug, LOG_DEBUG, log_verbose, 0)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

uint64_t
log_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
log_rl_flush_at(struct log_rl *rl, uint64_t now_ms)
{
	if (now_ms - rl->start_ms < LOG_RL_WINDOW_MS)
		return;
	if (rl->suppressed > 0)
		log_warnx("%s: %lu more in the last %llu s (not logged)", rl->what, rl->suppressed,
			  (unsigned long long)((now_ms - rl->start_ms) / 1000));
	rl->start_ms = now_ms;
	rl->n = 0;
	rl->suppressed = 0;
}

bool
log_rl_allow_at(struct log_rl *rl, uint64_t now_ms)
{
	if (rl->n == 0 && rl->suppressed == 0 && rl->start_ms == 0)
		rl->start_ms = now_ms;
	log_rl_flush_at(rl, now_ms);
	if (rl->n < LOG_RL_BURST) {
		rl->n++;
		return true;
	}
	rl->suppressed++;
	rl->total_suppressed++;
	return false;
}

void
log_rl_flush(struct log_rl *rl)
{
	log_rl_flush_at(rl, log_now_ms());
}

bool
log_rl_allow(struct log_rl *rl)
{
	return log_rl_allow_at(rl, log_now_ms());
}
