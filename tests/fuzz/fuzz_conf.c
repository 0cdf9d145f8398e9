/*
 * fuzz_conf.c - libFuzzer target: the configuration parser and validator
 * (conf_load_buffer: lexer, grammar, defaults, every rule). A configuration
 * that loads must also print (with its keys) to a text that loads again to
 * an equal configuration: the round trip routerd -nv promises.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "conf.h"

static void
quiet(void *arg, const struct rd_loc *loc, bool warning, const char *msg)
{
	(void)arg, (void)loc, (void)warning, (void)msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd_config *a = NULL, *b = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (conf_load_buffer("fuzz.conf", (const char *)data, size, quiet, NULL, &a) != 0)
		return 0;
	f = open_memstream(&text, &len);
	if (f == NULL)
		abort();
	conf_print(f, a, RD_PRINT_SECRETS);
	fclose(f);
	if (conf_load_buffer("printed.conf", text, len, quiet, NULL, &b) != 0 ||
	    !conf_equal(a, b)) {
		fuzz_fail("round trip failed; printed:\n%s", text);
	}
	conf_free(a);
	conf_free(b);
	free(text);
	return 0;
}
