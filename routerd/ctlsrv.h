/* ctlsrv.h - the control socket server (protocol: control.h). */
#ifndef ROUTERD_CTLSRV_H
#define ROUTERD_CTLSRV_H

struct core;
struct ctlsrv;

/* Listen on 'path' (mode 0660, group RD_ADMIN_GROUP if it exists).
 * 'reload' runs for {"command":"reload"} and returns 0 or -1. NULL on error (logged). */
struct ctlsrv *ctlsrv_open(struct core *c, const char *path, int (*reload)(void *), void *arg);
void ctlsrv_close(struct ctlsrv *s);

#endif
