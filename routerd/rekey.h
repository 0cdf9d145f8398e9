/*
 * rekey.h - planned Child SA rekeys, make-before-break (see rekey.c).
 */
#ifndef ROUTERD_REKEY_H
#define ROUTERD_REKEY_H
#include <stdbool.h>
#include <stdint.h>

struct core;
struct tunnel;

/* Every poll tick: start due rekeys, advance those under way. */
void rekey_tick(struct core *c, uint64_t now_ms);
/* routerctl rekey "conn/tun": start a planned rekey now; -1 with *err. */
int core_rekey(struct core *c, const char *name, const char **err);
bool rekey_in_progress(const struct tunnel *t);
#endif
