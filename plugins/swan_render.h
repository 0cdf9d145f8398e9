/*
 * swan_render.h - pure renderers of routerd's libreswan 4.10 files.
 *
 * Files owned by routerd: one conn file per tunnel (<dir>/rd-<conn>-<tun>.conf,
 * one "conn rd-<conn>-<tun>" each), the include file that the ipsec.conf
 * pluto runs with includes (one include line: a glob of <dir>'s .conf files), and the
 * secrets file. One file per conn: 'ipsec addconn' loads a tunnel from its
 * own small file (it parses the whole --config it is given, and libreswan
 * 4.10's addconn asserts in translate_field past ~245 conns in one file),
 * and a reload rewrites only the files of the tunnels that changed.
 * Rendering has no side effects except reading a tunnel's psk_file.
 *
 * Mapping decisions (see also the comments in swan_render.c):
 *  - route-based: ipsec-interface=<ifnum>, reqid=<ifnum>, 0/0 <-> 0/0.
 *  - IKE versions {v1,v2} -> ikev2=insist (4.10 allows one version per conn);
 *    {v1} -> ikev2=no.
 *  - DH groups 2 (modp1024) and 22-24 are not supported by libreswan 4.10:
 *    they are left out of the proposals; no group left -> -ENOTSUP.
 *  - IKEv1 quick mode takes one PFS group: the first allowed of 14,15,16,
 *    17,18,5 (IKEv1 ESP has no ECP groups).
 *  - DPD: IKEv2 dpddelay=timeout/3, retransmit-timeout=timeout;
 *    IKEv1 dpddelay=timeout/3, dpdtimeout=timeout.
 *  - dpd action none -> dpdaction=hold (libreswan has no "do nothing" once
 *    liveness is on; hold keeps the conn waiting for the peer and leaks
 *    nothing in clear; turning liveness off would blind routerd).
 * Errors: -EINVAL (unrenderable value, e.g. unsafe characters), -ENOTSUP
 * (no algorithm libreswan accepts), -ENOSPC (buffer), -errno from psk_file.
 */
#ifndef ROUTERD_SWAN_RENDER_H
#define ROUTERD_SWAN_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "conf.h"

#define SWAN_CONN_NAME_MAX (2 * RD_NAME_MAX + 12)
#define SWAN_ALG_MAX 4096

struct swan_render_opts {
	const char *updown;     /* hook program path ("" = no leftupdown) */
	const char *hook_sock;  /* its --socket argument */
	bool no_xfrmi;          /* test knob: omit ipsec-interface= (kernels
				 * without XFRM interfaces) */
};

/* "rd-<conn>-<tun>" into buf; -EINVAL if a name has characters pluto rejects. */
int swan_conn_name(const struct rd_connection *c, const struct rd_tunnel *t,
		   char *buf, size_t len);

/*
 * A libreswan 4.x conn speaks one IKE version (ikev2=yes|no; "permit" is
 * gone). A tunnel that accepts both gets two conns, its own name for IKEv2
 * and this suffix for IKEv1, in the same file, with the same reqid and
 * interface: the peer picks one by the version it speaks.
 */
#define SWAN_V1_SUFFIX "-ikev1"
/* The tunnel has an IKEv1 conn beside its IKEv2 one. */
bool swan_dual(const struct rd_tunnel *t);
/* The IKEv1 twin's name for conn 'name' (SWAN_CONN_NAME_MAX has room); buf. */
char *swan_v1_name(const char *name, char buf[SWAN_CONN_NAME_MAX]);
/* Proposal strings (libreswan syntax) for a tunnel's phase 1 / phase 2. */
int swan_ike_proposals(const struct rd_tunnel *t, char *buf, size_t len);
int swan_esp_proposals(const struct rd_tunnel *t, char *buf, size_t len);

/* Effective outside addresses (host order); 0 when unknown. */
uint32_t swan_left(const struct rd_config *cfg, const struct rd_tunnel *t);
uint32_t swan_right(const struct rd_config *cfg, const struct rd_connection *c,
		    const struct rd_tunnel *t);

/* The tunnel's conn section(s): one, or the IKEv2 and IKEv1 ones (swan_dual()). */
int swan_render_conn(FILE *f, const struct rd_config *cfg, const struct rd_connection *c,
		     const struct rd_tunnel *t, const struct swan_render_opts *o);
/* One tunnel's conn file: a header line and its conn section. */
int swan_render_conn_file(FILE *f, const struct rd_config *cfg, const struct rd_connection *c,
			  const struct rd_tunnel *t, const struct swan_render_opts *o);
/* Every tunnel's conn, one after the other (what the conn files hold, in
 * one text: for tests and checks). */
int swan_render_conns(FILE *f, const struct rd_config *cfg, const struct swan_render_opts *o);
/* The include file: includes every .conf file in conn_dir (-EINVAL when the
 * path has characters libreswan's include would not take literally). */
int swan_render_include(FILE *f, const char *conn_dir);

/* The tunnel's key: psk, or psk_file's first line. */
int swan_tunnel_psk(const struct rd_tunnel *t, char out[RD_PSK_MAX + 1]);
/* The secrets file: "<left> <right> : PSK "<key>"" per tunnel. */
int swan_render_secrets(FILE *f, const struct rd_config *cfg);

/* Write 'path' atomically (tmp in the same dir, fsync, rename) with 'mode'. */
typedef int (*swan_render_fn)(FILE *f, const void *arg);
int swan_write_atomic(const char *path, mode_t mode, swan_render_fn fn, const void *arg);

#endif
