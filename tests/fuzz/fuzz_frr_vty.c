/*
 * fuzz_frr_vty.c - libFuzzer target: the FRR vty reply framing
 * (plugins/frr_vty.c frr_reply_feed: text, three NULs, a status byte),
 * fed in pieces. The first byte gives the piece size (1..256), so the
 * same stream is also cut at odd places; replies follow one another. Each
 * call consumes at most what it was given and some of it; a finished
 * reply's text is NUL-terminated at its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "plugins/frr_vty.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frr_reply r;
	size_t piece, off = 1;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] + 1;
	frr_reply_init(&r, (data[0] & 0x80) == 0);
	while (off < size) {
		size_t n = size - off < piece ? size - off : piece;
		uint8_t *chunk = malloc(n);     /* exactly n bytes: ASan sees overreads */
		ssize_t used;

		memcpy(chunk, data + off, n);
		used = frr_reply_feed(&r, chunk, n);
		free(chunk);
		if (used < 0)
			break;
		if ((size_t)used > n || (used == 0 && !r.done))
			abort();
		off += (size_t)used;
		if (r.done) {
			if (r.keep_text && r.text != NULL && (r.text[r.len] != '\0' || r.len >= r.cap))
				abort();
			frr_reply_reset(&r);
		}
	}
	frr_reply_free(&r);
	return 0;
}
