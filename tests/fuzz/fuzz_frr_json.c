/*
 * fuzz_frr_json.c - libFuzzer target: the readers of FRR's JSON
 * (plugins/frr_json.c): 'show bgp summary json', 'show bfd peers json',
 * bfdd's control-socket notifications, 'show ip bgp json'. The first byte
 * chooses the reader, the rest is the daemon's reply (NUL-terminated, as
 * the vty client hands it over).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "plugins/frr_json.h"

static void
on_peer(void *arg, const struct frr_bgp_peer *p)
{
	if (memchr(p->state, '\0', sizeof(p->state)) == NULL)
		abort();
	(void)arg;
}

static void
on_bfd(void *arg, uint32_t addr, bool up, const char *status)
{
	if (status == NULL)
		abort();
	(void)arg, (void)addr, (void)up, (void)strlen(status);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, state[16];
	uint32_t addr;
	bool up;

	if (size < 1)
		return 0;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] & 3) {
	case 0:
		frr_json_bgp_summary(text, on_peer, NULL);
		break;
	case 1:
		frr_json_bfd_peers(text, on_bfd, NULL);
		break;
	case 2:
		if (frr_json_bfd_notify(text, &addr, &up, state, sizeof(state)) == 0 &&
		    memchr(state, '\0', sizeof(state)) == NULL)
			abort();
		break;
	default:
		(void)frr_json_bgp_count(text);
		break;
	}
	free(text);
	return 0;
}
