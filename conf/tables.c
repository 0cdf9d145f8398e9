/*
 * tables.c - the typed tables of the language: every option with its
 * keyword and range, and the word lists of enumerated values. The parser,
 * validator and printer all read these, so a range is written once.
 */
#include <stdio.h>
#include <string.h>

#include "conf_priv.h"

#define NONNUM 1, 0, ""         /* min > max: not a number */

const struct rd_optdesc conf_opts[O_MAX] = {
	[O_GW_ASN] = { "asn", NONNUM },
	[O_ROUTER_ID] = { "router-id", NONNUM },
	[O_OUTSIDE] = { "outside", NONNUM },
	[O_GW_PREFIXES] = { "prefixes", NONNUM },
	[O_HUB] = { "hub", NONNUM },
	[O_CHECK_PING] = { "ping", NONNUM },
	[O_CHECK_INTERVAL] = { "check interval", 100, 60000, "ms" },
	[O_CHECK_RISE] = { "check rise", 1, 10, "replies" },
	[O_CHECK_FALL] = { "check fall", 1, 10, "losses" },
	[O_CHECK_PREFIXES] = { "check prefixes", NONNUM },
	[O_ADDRESS] = { "address", NONNUM },
	[O_PEER_ASN] = { "asn", NONNUM },
	[O_NAT] = { "nat-traversal", NONNUM },
	[O_PEER_PREFIXES] = { "prefixes", NONNUM },
	[O_FAR_END] = { "far-end", NONNUM },
	[O_PEER] = { "peer", NONNUM },
	[O_ROUTING] = { "routing", NONNUM },
	[O_STATIC] = { "static-routes", NONNUM },
	[O_MODE] = { "mode", NONNUM },
	[O_PREFERRED] = { "preferred", NONNUM },
	[O_SIGNAL] = { "signal", NONNUM },
	[O_PREPEND] = { "prepend", 1, 10, "AS-path prepends" },
	[O_MED_PRIMARY] = { "med (primary)", 0, UINT32_MAX, "" },
	[O_MED_BACKUP] = { "med (backup)", 0, UINT32_MAX, "" },
	[O_HOLD_DOWN] = { "hold-down", 0, 3600, "seconds" },
	[O_MAX_PREFIX] = { "max-prefix", 1, 10000, "prefixes" },
	[O_GROUP] = { "redundancy-group", NONNUM },
	[O_PRIORITY] = { "priority", 1, 255, "" },
	[O_IFNUM] = { "interface", 2, 65535, "" },
	[O_LOCAL_OUTSIDE] = { "local-outside", NONNUM },
	[O_REMOTE_OUTSIDE] = { "remote-outside", NONNUM },
	[O_INSIDE] = { "inside", NONNUM },
	[O_PSK] = { "psk", NONNUM },
	[O_PSK_FILE] = { "psk-file", NONNUM },
	[O_IKE] = { "ike-versions", NONNUM },
	[O_P1_ENC] = { "phase1 encryption", NONNUM },
	[O_P1_INTEG] = { "phase1 integrity", NONNUM },
	[O_P1_DH] = { "phase1 dh-groups", NONNUM },
	[O_P1_LIFETIME] = { "phase1 lifetime", 900, 28800, "seconds" },
	[O_P2_ENC] = { "phase2 encryption", NONNUM },
	[O_P2_INTEG] = { "phase2 integrity", NONNUM },
	[O_P2_DH] = { "phase2 dh-groups", NONNUM },
	[O_P2_LIFETIME] = { "phase2 lifetime", 900, 3600, "seconds" },
	[O_REKEY_MARGIN] = { "rekey-margin", 60, 1800, "seconds" },
	[O_REKEY_FUZZ] = { "rekey-fuzz", 0, 100, "%" },
	[O_REPLAY] = { "replay-window", 64, 2048, "packets" },
	[O_DPD_TIMEOUT] = { "dpd-timeout", 30, 86400, "seconds" },
	[O_DPD_ACTION] = { "dpd-action", NONNUM },
	[O_STARTUP] = { "startup", NONNUM },
	[O_KEEPALIVE] = { "bgp keepalive", 1, 21845, "seconds" },
	[O_HOLD] = { "bgp hold", 3, 65535, "seconds" },
	[O_BFD] = { "bfd", NONNUM },
	[O_BFD_RX] = { "bfd rx", 10, 60000, "ms" },
	[O_BFD_TX] = { "bfd tx", 10, 60000, "ms" },
	[O_BFD_MULT] = { "bfd multiplier", 2, 255, "" },
	[O_PROBE] = { "probe", NONNUM },
	[O_PROBE_INTERVAL] = { "probe interval", 100, 60000, "ms" },
	[O_PROBE_RISE] = { "probe rise", 1, 10, "replies" },
	[O_PROBE_FALL] = { "probe fall", 1, 10, "losses" },
};

int
conf_check_range(struct rd_parse *p, enum rd_opt opt, uint64_t v, const struct rd_loc *loc)
{
	const struct rd_optdesc *d = &conf_opts[opt];

	if (v >= d->min && v <= d->max)
		return 0;
	conf_diag(p, loc, false, "%s %llu out of range: expected %u..%u%s%s", d->keyword,
		  (unsigned long long)v, d->min, d->max, d->unit[0] ? " " : "", d->unit);
	return -1;
}

const struct rd_word conf_enc_words[] = {
	{ "aes128", RD_ENC_AES128 }, { "aes256", RD_ENC_AES256 },
	{ "aes128-gcm-16", RD_ENC_AES128_GCM16 }, { "aes256-gcm-16", RD_ENC_AES256_GCM16 },
	{ NULL, 0 },
};
const struct rd_word conf_integ_words[] = {
	{ "sha1", RD_INTEG_SHA1 }, { "sha2-256", RD_INTEG_SHA2_256 },
	{ "sha2-384", RD_INTEG_SHA2_384 }, { "sha2-512", RD_INTEG_SHA2_512 },
	{ NULL, 0 },
};
const struct rd_word conf_ike_words[] = {
	{ "ikev1", RD_IKEV1 }, { "ikev2", RD_IKEV2 }, { NULL, 0 },
};
const struct rd_word conf_dpd_words[] = {
	{ "clear", RD_DPD_CLEAR }, { "none", RD_DPD_NONE }, { "restart", RD_DPD_RESTART },
	{ NULL, 0 },
};
const struct rd_word conf_startup_words[] = {
	{ "add", RD_STARTUP_ADD }, { "start", RD_STARTUP_START }, { NULL, 0 },
};
const struct rd_word conf_routing_words[] = {
	{ "dynamic", RD_ROUTING_DYNAMIC }, { "static", RD_ROUTING_STATIC }, { NULL, 0 },
};
const struct rd_word conf_mode_words[] = {
	{ "active-standby", RD_MODE_ACTIVE_STANDBY }, { "active-active", RD_MODE_ACTIVE_ACTIVE },
	{ NULL, 0 },
};
const struct rd_word conf_signal_words[] = {
	{ "med", RD_SIGNAL_MED }, { "prepend", RD_SIGNAL_PREPEND }, { NULL, 0 },
};
const struct rd_word conf_far_end_words[] = {
	{ "generic", RD_FAR_END_GENERIC }, { "routerd", RD_FAR_END_ROUTERD }, { NULL, 0 },
};
const struct rd_word conf_yesno_words[] = {
	{ "yes", 1 }, { "no", 0 }, { NULL, 0 },
};

int
conf_word_lookup(const struct rd_word *tab, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, name) == 0)
			return (int)tab->value;
	return -1;
}

const char *
conf_word_name(const struct rd_word *tab, unsigned value)
{
	for (; tab->name != NULL; tab++)
		if (tab->value == value)
			return tab->name;
	return "?";
}

const char *
conf_word_list(const struct rd_word *tab, char *buf, size_t len)
{
	size_t off = 0, n = 0;

	while (tab[n].name != NULL)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i == 0 ? "" : i == n - 1 ? " or " : ", ", tab[i].name);
	return buf;
}
