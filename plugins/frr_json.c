/* frr_json.c - parse FRR's JSON show output. */
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

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*addr = ntohl(a.s_addr);
	return true;
}

static uint32_t
get_u32(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? (uint32_t)json_object_get_int64(v) : 0;
}

int
frr_json_bgp_summary(const char *text, void (*cb)(void *arg, const struct frr_bgp_peer *p),
		     void *arg)
{
	json_object *root = json_tokener_parse(text), *af, *peers, *st;

	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -EINVAL;
	}
	if (json_object_object_get_ex(root, "ipv4Unicast", &af) &&
	    json_object_object_get_ex(af, "peers", &peers) &&
	    json_object_is_type(peers, json_type_object)) {
		json_object_object_foreach(peers, key, val) {
			struct frr_bgp_peer p = { 0 };

			if (!parse_ip(key, &p.addr))
				continue;
			if (json_object_object_get_ex(val, "state", &st))
				snprintf(p.state, sizeof(p.state), "%s", json_object_get_string(st));
			p.established = strcmp(p.state, "Established") == 0;
			p.pfx_rcd = get_u32(val, "pfxRcd");
			p.pfx_snt = get_u32(val, "pfxSnt");
			cb(arg, &p);
		}
	}
	json_object_put(root);
	return 0;
}

int
frr_json_bfd_peers(const char *text, void (*cb)(void *arg, uint32_t addr, bool up,
						const char *status), void *arg)
{
	json_object *root = json_tokener_parse(text), *v;

	if (root == NULL || !json_object_is_type(root, json_type_array)) {
		json_object_put(root);
		return -EINVAL;
	}
	for (size_t i = 0; i < json_object_array_length(root); i++) {
		json_object *peer = json_object_array_get_idx(root, i);
		const char *status = "";
		uint32_t addr;

		if (json_object_object_get_ex(peer, "multihop", &v) && json_object_get_boolean(v))
			continue;
		if (!json_object_object_get_ex(peer, "peer", &v) ||
		    !parse_ip(json_object_get_string(v), &addr))
			continue;
		if (json_object_object_get_ex(peer, "status", &v))
			status = json_object_get_string(v);
		cb(arg, addr, strcmp(status, "up") == 0, status);
	}
	json_object_put(root);
	return 0;
}

long
frr_json_bgp_count(const char *text)
{
	json_object *root = json_tokener_parse(text), *routes;
	long n = -EINVAL;

	if (root && json_object_object_get_ex(root, "routes", &routes) &&
	    json_object_is_type(routes, json_type_object))
		n = json_object_object_length(routes);
	json_object_put(root);
	return n;
}

int
frr_json_bfd_notify(const char *text, uint32_t *addr, bool *up, char *state, size_t statelen)
{
	json_object *root = json_tokener_parse(text), *v;
	int err = -EINVAL;

	if (root == NULL || !json_object_is_type(root, json_type_object))
		goto out;
	if (!json_object_object_get_ex(root, "op", &v) ||
	    strcmp(json_object_get_string(v), "status") != 0)
		goto out;
	if ((json_object_object_get_ex(root, "ipv6", &v) && json_object_get_boolean(v)) ||
	    (json_object_object_get_ex(root, "multihop", &v) && json_object_get_boolean(v)))
		goto out;
	if (!json_object_object_get_ex(root, "peer-address", &v) ||
	    !parse_ip(json_object_get_string(v), addr) ||
	    !json_object_object_get_ex(root, "state", &v))
		goto out;
	snprintf(state, statelen, "%s", json_object_get_string(v));
	*up = strcmp(state, "up") == 0;
	err = 0;
out:
	json_object_put(root);
	return err;
}
