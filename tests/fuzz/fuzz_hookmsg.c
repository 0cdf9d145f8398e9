/*
 * fuzz_hookmsg.c - libFuzzer target: the updown hook message parser
 * (plugins/hookmsg.c hookmsg_parse, one datagram, not NUL-terminated). A
 * message that parses must format back to one that parses to the same
 * fields.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "plugins/hookmsg.h"

static bool
same(const struct hookmsg *a, const struct hookmsg *b)
{
	return a->verb == b->verb && a->v6 == b->v6 &&
		strcmp(a->connection, b->connection) == 0 && a->reqid == b->reqid &&
		a->present == b->present &&
		(!(a->present & HOOKF_PEER) || a->peer == b->peer) &&
		(!(a->present & HOOKF_ME) || a->me == b->me) &&
		(!(a->present & HOOKF_VIRT_INTERFACE) ||
		 strcmp(a->virt_interface, b->virt_interface) == 0) &&
		(!(a->present & HOOKF_SPI_IN) || a->spi_in == b->spi_in) &&
		(!(a->present & HOOKF_SPI_OUT) || a->spi_out == b->spi_out) &&
		(!(a->present & HOOKF_INBYTES) || a->inbytes == b->inbytes) &&
		(!(a->present & HOOKF_OUTBYTES) || a->outbytes == b->outbytes);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hookmsg m, m2;
	char err[128], buf[HOOKMSG_MAX + 1];
	char *copy = malloc(size ? size : 1);   /* exactly size bytes: ASan sees overreads */
	int n;

	memcpy(copy, data, size);
	memset(&m, 0, sizeof(m));
	if (hookmsg_parse(copy, size, &m, err, sizeof(err)) != 0) {
		if (memchr(err, '\0', sizeof(err)) == NULL)
			abort();        /* the reason is a string */
		free(copy);
		return 0;
	}
	free(copy);
	n = hookmsg_format(&m, buf, sizeof(buf));
	if (n < 0) {
		fuzz_fail("parsed message does not format: %d", n);
	}
	memset(&m2, 0, sizeof(m2));
	if (hookmsg_parse(buf, (size_t)n, &m2, err, sizeof(err)) != 0 || !same(&m, &m2)) {
		fuzz_fail("round trip failed: %s\n%.*s", err, n, buf);
	}
	return 0;
}
