/*
 * frr_json.c - parse FRR's JSON show output.
 *
 * Hostile or unexpected input: every value is type-checked before use
 * (json_object_get_string() returns NULL for a JSON null, and any other
 * type's text for a non-string). A reply that does not have the shape
 * expected for an entry routerd would act on is rejected as a whole
 * (-EINVAL, no callback at all), so the caller keeps the state it knew:
 * a half-understood reply is never taken as a state change. Entries that
 * are not routerd's (IPv6 or multihop peers) are skipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "frr_json.h"

static bool
parse_ip(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return false;
	*addr = ntohl(a.s_addr);
	return true;
}

/* Member 'key' of o: 1 present with type t (*v set), 0 absent, -1 present
 * with another type (null included) or o not an object. */
static int
member(json_object *o, const char *key, json_type t, json_object **v)
{
	if (!json_object_is_type(o, json_type_object))
		return -1;
	if (!json_object_object_get_ex(o, key, v))
		return 0;
	return json_object_is_type(*v, t) ? 1 : -1;
}

/* A string member, or NULL when absent or not a string. */
static const char *
member_str(json_object *o, const char *key)
{
	json_object *v;

	return member(o, key, json_type_string, &v) == 1 ? json_object_get_string(v) : NULL;
}

/* An optional boolean member: 0 (with *b; false when absent) or -1. */
static int
member_bool(json_object *o, const char *key, bool *b)
{
	json_object *v;
	int r = member(o, key, json_type_boolean, &v);

	*b = r == 1 && json_object_get_boolean(v);
	return r < 0 ? -1 : 0;
}

/* An optional counter 0..UINT32_MAX: 0 (with *u; 0 when absent) or -1. */
static int
member_u32(json_object *o, const char *key, uint32_t *u)
{
	json_object *v;
	int r = member(o, key, json_type_int, &v);
	int64_t n = r == 1 ? json_object_get_int64(v) : 0;

	if (r < 0 || n < 0 || n > (int64_t)UINT32_MAX)
		return -1;
	*u = (uint32_t)n;
	return 0;
}

/* One IPv4 peer of 'show bgp summary json': 1 (p filled), 0 not an IPv4
 * peer (skipped), -1 malformed. */
static int
bgp_peer(const char *key, json_object *val, struct frr_bgp_peer *p)
{
	const char *state;

	memset(p, 0, sizeof(*p));
	if (!parse_ip(key, &p->addr))
		return 0;
	if ((state = member_str(val, "state")) == NULL || state[0] == '\0' ||
	    member_u32(val, "pfxRcd", &p->pfx_rcd) < 0 || member_u32(val, "pfxSnt", &p->pfx_snt) < 0)
		return -1;
	snprintf(p->state, sizeof(p->state), "%s", state);
	p->established = strcmp(state, "Established") == 0;
	return 1;
}

int
frr_json_bgp_summary(const char *text, void (*cb)(void *arg, const struct frr_bgp_peer *p),
		     void *arg)
{
	json_object *root = json_tokener_parse(text), *af = NULL, *peers = NULL;
	struct frr_bgp_peer p;
	int r, err = -EINVAL;

	if (!json_object_is_type(root, json_type_object) ||
	    (r = member(root, "ipv4Unicast", json_type_object, &af)) < 0)
		goto out;
	if (r == 0 || (r = member(af, "peers", json_type_object, &peers)) == 0) {
		err = 0;        /* no instance, or no IPv4 unicast peers */
		goto out;
	}
	if (r < 0)
		goto out;
	/* Check every peer first: all or nothing. */
	json_object_object_foreach(peers, key, val) {
		if (bgp_peer(key, val, &p) < 0)
			goto out;
	}
	json_object_object_foreach(peers, key2, val2) {
		if (bgp_peer(key2, val2, &p) == 1)
			cb(arg, &p);
	}
	err = 0;
out:
	json_object_put(root);
	return err;
}

/* bfdd's words for a session's state ('show bfd peers json' says
 * "shutdown" where the control socket says "adm-down"). */
static bool
bfd_state_known(const char *s)
{
	static const char *const known[] = { "up", "down", "init", "adm-down", "shutdown" };

	for (size_t i = 0; s && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i]) == 0)
			return true;
	return false;
}

/* One entry of 'show bfd peers json': 1 (a single-hop IPv4 peer: *addr,
 * *status), 0 not routerd's (skipped), -1 malformed. */
static int
bfd_peer(json_object *peer, uint32_t *addr, const char **status)
{
	const char *ip;
	bool multihop;

	if (!json_object_is_type(peer, json_type_object) ||
	    member_bool(peer, "multihop", &multihop) < 0 ||
	    (ip = member_str(peer, "peer")) == NULL)
		return -1;
	if (multihop || !parse_ip(ip, addr))
		return 0;       /* multihop, or an IPv6 peer */
	*status = member_str(peer, "status");
	return bfd_state_known(*status) ? 1 : -1;
}

int
frr_json_bfd_peers(const char *text, void (*cb)(void *arg, uint32_t addr, bool up,
						const char *status), void *arg)
{
	json_object *root = json_tokener_parse(text);
	const char *status;
	uint32_t addr;
	size_t n;
	int err = -EINVAL;

	if (!json_object_is_type(root, json_type_array))
		goto out;
	n = json_object_array_length(root);
	for (size_t i = 0; i < n; i++)
		if (bfd_peer(json_object_array_get_idx(root, i), &addr, &status) < 0)
			goto out;
	for (size_t i = 0; i < n; i++)
		if (bfd_peer(json_object_array_get_idx(root, i), &addr, &status) == 1)
			cb(arg, addr, strcmp(status, "up") == 0, status);
	err = 0;
out:
	json_object_put(root);
	return err;
}

long
frr_json_bgp_count(const char *text)
{
	json_object *root = json_tokener_parse(text), *routes;
	long n = -EINVAL;

	if (member(root, "routes", json_type_object, &routes) == 1)
		n = json_object_object_length(routes);
	json_object_put(root);
	return n;
}

int
frr_json_bfd_notify(const char *text, uint32_t *addr, bool *up, char *state, size_t statelen)
{
	json_object *root = json_tokener_parse(text);
	const char *op, *ip, *st;
	bool v6, multihop;
	uint32_t a;
	int err = -EINVAL;

	if (!json_object_is_type(root, json_type_object) ||
	    (op = member_str(root, "op")) == NULL ||
	    member_bool(root, "ipv6", &v6) < 0 || member_bool(root, "multihop", &multihop) < 0)
		goto out;
	if (strcmp(op, "status") != 0 || v6 || multihop) {
		err = -ENOENT;  /* well-formed, not about one of routerd's sessions */
		goto out;
	}
	if ((ip = member_str(root, "peer-address")) == NULL || !parse_ip(ip, &a) ||
	    (st = member_str(root, "state")) == NULL || !bfd_state_known(st))
		goto out;
	*addr = a;      /* outputs only on success */
	snprintf(state, statelen, "%s", st);
	*up = strcmp(st, "up") == 0;
	err = 0;
out:
	json_object_put(root);
	return err;
}
