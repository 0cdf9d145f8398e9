/* policy/rekey.c - when routerd rekeys a Child SA itself (routerd/rekey.c). */
#include "policy/policy.h"

#define REKEY_EARLY_S 30u       /* before pluto's earliest own rekey */

uint64_t
pol_rekey_due_ms(const struct rd_tunnel *t)
{
	/* pluto rekeys at lifetime - margin x (1 + fuzz), fuzz up to 100 %. */
	uint64_t early = (uint64_t)t->rekey_margin * (100u + t->rekey_fuzz) / 100u + REKEY_EARLY_S;
	uint64_t life = t->p2_lifetime;

	return (life > early && life - early >= life / 2 ? life - early : life / 2) * 1000u;
}
