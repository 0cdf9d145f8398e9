/* swan_exec.h - bounded fork/exec of the libreswan tools. */
#ifndef ROUTERD_SWAN_EXEC_H
#define ROUTERD_SWAN_EXEC_H

#include <stddef.h>

#define SWAN_EXEC_TIMEOUT_MS 5000

/*
 * Run argv (PATH search), wait at most timeout_ms, copy stdout+stderr into
 * out (NUL terminated, truncated to outlen - 1; out may be NULL).
 * Returns the exit status (>= 0), -ETIMEDOUT (child killed) or -errno.
 */
int swan_exec(char *const argv[], char *out, size_t outlen, int timeout_ms);

#endif
