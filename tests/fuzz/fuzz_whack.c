/*
 * fuzz_whack.c - libFuzzer target: the `ipsec whack --showstates` and
 * `--trafficstatus` output parsers (plugins/swan_whack.c). The first byte
 * chooses the parser, the rest is pluto's text (NUL-terminated here, as
 * swan_exec hands it over). Every entry must have a terminated name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "plugins/swan_whack.h"

static struct swan_status st;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	int n;

	if (size < 1)
		return 0;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	memset(&st, 0, sizeof(st.conn[0]) * (st.n < SWAN_STATUS_MAX ? st.n + 1 : st.n));
	st.n = 0;
	n = data[0] & 1 ? swan_parse_trafficstatus(text, &st) : swan_parse_showstates(text, &st);
	if (n < 0 || st.n > SWAN_STATUS_MAX)
		abort();
	for (size_t i = 0; i < st.n; i++)
		if (memchr(st.conn[i].name, '\0', sizeof(st.conn[i].name)) == NULL)
			abort();
	free(text);
	return 0;
}
