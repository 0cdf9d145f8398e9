/*
 * fuzz.h - what every harness shares: LLVMFuzzerInitialize keeps a copy
 * of stderr before libFuzzer's -close_fd_mask=2 closes it (routerd's log
 * would flood the run), and fuzz_fail() reports a broken invariant there
 * and aborts (libFuzzer then saves the input).
 */
#ifndef ROUTERD_FUZZ_H
#define ROUTERD_FUZZ_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_report_fd = 2;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_report_fd = dup(2);
	return 0;
}

__attribute__((noreturn, format(printf, 1, 2), unused)) static void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(fuzz_report_fd, fmt, ap);
	va_end(ap);
	dprintf(fuzz_report_fd, "\n");
	abort();
}

#endif
