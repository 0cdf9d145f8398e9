/* test_conf_util.h - helpers of the conf unit tests (see test_conf_util.c). */
#ifndef TEST_CONF_UTIL_H
#define TEST_CONF_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

#define TC_MAX_DIAGS 64

struct tc_diags {
	size_t n, nerr, nwarn;
	char msg[TC_MAX_DIAGS][512];
};

/* Load 'text' as "t.conf"; diagnostics into d; config into *cfg (or freed). */
int tc_load(const char *text, struct tc_diags *d, struct rd_config **cfg);
/* The same with an explicit length (the text may hold NUL bytes). */
int tc_load_len(const char *text, size_t len, struct tc_diags *d, struct rd_config **cfg);
/* An example file's text, loaded from memory under its path's name. */
int tc_load_file(const char *path, struct tc_diags *d, struct rd_config **cfg);
/* conf_load() itself: the file as it is on disk (type, size, mode). */
int tc_load_path(const char *path, struct tc_diags *d, struct rd_config **cfg);
/* Does any diagnostic contain 'fragment'? */
bool tc_has(const struct tc_diags *d, const char *fragment);
void tc_dump(const struct tc_diags *d);
/* A valid two-tunnel config with text spliced into gateway, connection, tun1. */
const char *tc_conf(const char *gw, const char *conn, const char *tun1);
/* $top_srcdir/rel, malloc'd. */
char *tc_path(const char *rel);

#endif
