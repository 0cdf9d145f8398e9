/*
 * log.h - the logging API (OpenBGPD's shape).
 * log_warn() appends strerror(errno); log_warnx() does not. fatal*() exit 1.
 * Output goes to syslog, or to stderr after log_init(..., 1).
 */
#ifndef ROUTERD_LOG_H
#define ROUTERD_LOG_H

#include <stdarg.h>

void log_init(const char *ident, int to_stderr, int verbose);
void log_setverbose(int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
