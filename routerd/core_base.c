/*
 * core_base.c - the two core functions that need neither the event loop nor
 * the backends: the clock every timestamp uses, and tunnel lookup by ipsecN.
 * Apart so the prober's live test links them instead of copying them.
 */
#include <time.h>

#include "routerd/core.h"

uint64_t
core_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct tunnel *
core_tunnel(struct core *c, uint32_t ifnum)
{
	for (size_t i = 0; i < c->cfg->nconns; i++)
		for (size_t j = 0; j < c->cfg->conns[i].ntunnels; j++)
			if (c->tun[i][j].ifnum == ifnum)
				return &c->tun[i][j];
	return NULL;
}
