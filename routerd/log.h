/*
 * log.h - the logging API (OpenBGPD's shape).
 * log_warn() appends strerror(errno); log_warnx() does not. fatal*() exit 1.
 * Output goes to syslog, or to stderr after log_init(..., 1).
 */
#ifndef ROUTERD_LOG_H
#define ROUTERD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

void log_init(const char *ident, int to_stderr, int verbose);
void log_setverbose(int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Rate limit for one kind of message a peer can provoke at will (bad hook
 * datagrams, refused control clients, replies routerd does not
 * understand): at most LOG_RL_BURST lines per LOG_RL_WINDOW_MS; the rest
 * are counted, and the first call after the window logs one summary
 * "<what>: N more in the last S s" (so a flood costs a bounded number of
 * lines). One struct per message kind and per thread (no locking).
 */
#define LOG_RL_BURST 5
#define LOG_RL_WINDOW_MS 10000u
struct log_rl {
	const char *what;               /* names the messages in the summary */
	uint64_t start_ms;              /* monotonic start of the window */
	unsigned n;                     /* lines allowed in this window */
	unsigned long suppressed;       /* lines not logged in this window */
	unsigned long total_suppressed; /* since the start */
};
#define LOG_RL_INIT(what) { (what), 0, 0, 0, 0 }

/* May this line be logged now (now_ms monotonic)? Logs the summary of the
 * previous window first when it had suppressed lines. */
bool log_rl_allow_at(struct log_rl *rl, uint64_t now_ms);
bool log_rl_allow(struct log_rl *rl);
/* Log the summary now if the window has ended with lines suppressed (for a
 * periodic timer, so the last burst of a flood is reported too). */
void log_rl_flush_at(struct log_rl *rl, uint64_t now_ms);
void log_rl_flush(struct log_rl *rl);
/* Monotonic milliseconds. */
uint64_t log_now_ms(void);

#endif
