/*
 * print.c - the normalised configuration: every object, every option, every
 * default explicit, in a fixed order. The output parses back to a
 * configuration conf_equal() to the one printed (the round trip) when it
 * holds the secrets (RD_PRINT_SECRETS); without, inline keys are redacted.
 */
#include <stdio.h>

#include "conf_priv.h"

static void
print_prefixes(FILE *f, const char *ind, const char *kw, const struct rd_prefix *p, size_t n)
{
	char b[20];

	fprintf(f, "%s%s {", ind, kw);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %s", rd_prefix_str(&p[i], b));
	fprintf(f, " }\n");
}

/* Words of 'tab' whose bits are in 'mask', in table order. */
static void
print_words(FILE *f, const struct rd_word *tab, unsigned mask)
{
	for (; tab->name != NULL; tab++)
		if (mask & tab->value)
			fprintf(f, " %s", tab->name);
}

static void
print_phase(FILE *f, int n, unsigned enc, unsigned integ, uint32_t dh, uint32_t life)
{
	fprintf(f, "\t\tphase%d {\n\t\t\tencryption", n);
	print_words(f, conf_enc_words, enc);
	fprintf(f, "\n\t\t\tintegrity");
	print_words(f, conf_integ_words, integ);
	fprintf(f, "\n\t\t\tdh-groups");
	for (unsigned g = 0; g < 32; g++)
		if (dh & RD_DH_BIT(g))
			fprintf(f, " %u", g);
	fprintf(f, "\n\t\t\tlifetime %u\n\t\t}\n", life);
}

static void
print_tunnel(FILE *f, const struct rd_tunnel *t, unsigned flags)
{
	const struct rd_health *h = &t->health;
	char b[20];

	fprintf(f, "\ttunnel \"%s\" {\n", t->name);
	fprintf(f, "\t\tinterface %u\n", t->ifnum);
	fprintf(f, "\t\tlocal-outside %s\n", rd_ip_str(t->local_outside, b));
	fprintf(f, "\t\tremote-outside %s\n", rd_ip_str(t->remote_outside, b));
	fprintf(f, "\t\tinside %s/30\n", rd_ip_str(rd_tunnel_local_inside(t), b));
	if (t->psk_file[0] != '\0')
		fprintf(f, "\t\tpsk-file \"%s\"\n", t->psk_file);
	else if (flags & RD_PRINT_SECRETS)
		fprintf(f, "\t\tpsk \"%s\"\n", t->psk);
	else
		fprintf(f, "\t\tpsk \"<redacted>\"     # the key is printed with --show-secrets\n");
	fprintf(f, "\t\tike-versions");
	print_words(f, conf_ike_words, t->ike_versions);
	fprintf(f, "\n");
	print_phase(f, 1, t->p1_enc, t->p1_integ, t->p1_dh, t->p1_lifetime);
	print_phase(f, 2, t->p2_enc, t->p2_integ, t->p2_dh, t->p2_lifetime);
	fprintf(f, "\t\trekey-margin %u\n\t\trekey-fuzz %u\n\t\treplay-window %u\n",
		t->rekey_margin, t->rekey_fuzz, t->replay_window);
	fprintf(f, "\t\tdpd-timeout %u\n\t\tdpd-action %s\n\t\tstartup %s\n", t->dpd_timeout,
		conf_word_name(conf_dpd_words, t->dpd_action),
		conf_word_name(conf_startup_words, t->startup));
	fprintf(f, "\t\tbgp { keepalive %u hold %u }\n", t->bgp_keepalive, t->bgp_hold);
	if (h->bfd)
		fprintf(f, "\t\tbfd { rx %u tx %u multiplier %u }\n", h->bfd_rx_ms, h->bfd_tx_ms,
			h->bfd_multiplier);
	else
		fprintf(f, "\t\tbfd no\n");
	if (h->probe_target != 0)
		fprintf(f, "\t\tprobe %s interval %u rise %u fall %u\n",
			rd_ip_str(h->probe_target, b), h->probe_interval_ms, h->probe_rise,
			h->probe_fall);
	else
		fprintf(f, "\t\tprobe no\n");
	fprintf(f, "\t}\n");
}

static void
print_conn(FILE *f, const struct rd_connection *c, unsigned flags)
{
	fprintf(f, "\nconnection \"%s\" {\n", c->name);
	fprintf(f, "\tpeer \"%s\"\n", c->peer_name);
	fprintf(f, "\trouting %s\n", conf_word_name(conf_routing_words, c->routing));
	if (c->routing == RD_ROUTING_STATIC)
		print_prefixes(f, "\t", "static-routes", c->static_routes, c->nstatic_routes);
	fprintf(f, "\tmode %s\n", conf_word_name(conf_mode_words, c->mode));
	if (c->ntunnels > 0)
		fprintf(f, "\tpreferred \"%s\"\n", c->tunnels[c->preferred].name);
	fprintf(f, "\tsignal");
	print_words(f, conf_signal_words, c->signal);
	fprintf(f, "\n\tprepend %u\n\tmed %u %u\n", c->prepend, c->med_primary, c->med_backup);
	fprintf(f, "\thold-down %u\n\tmax-prefix %u\n", c->hold_down, c->max_prefix);
	if (c->group[0] != '\0')
		fprintf(f, "\tredundancy-group \"%s\" priority %u\n", c->group, c->priority);
	for (size_t i = 0; i < c->ntunnels; i++)
		print_tunnel(f, &c->tunnels[i], flags);
	fprintf(f, "}\n");
}

void
conf_print(FILE *f, const struct rd_config *cfg, unsigned flags)
{
	const struct rd_gateway *gw = &cfg->gw;
	char b[20];

	fprintf(f, "gateway {\n");
	fprintf(f, "\tasn %s\n", rd_asn_str(gw->asn, gw->asn_asdot, b));
	fprintf(f, "\trouter-id %s\n", rd_ip_str(gw->router_id, b));
	if (gw->local_outside != 0)
		fprintf(f, "\toutside %s\n", rd_ip_str(gw->local_outside, b));
	print_prefixes(f, "\t", "prefixes", gw->prefixes, gw->nprefixes);
	fprintf(f, "\thub %s\n", gw->hub ? "yes" : "no");
	for (size_t i = 0; i < gw->nchecks; i++) {
		const struct rd_check *k = &gw->checks[i];

		fprintf(f, "\tcheck \"%s\" {\n", k->name);
		fprintf(f, "\t\tping %s\n", rd_ip_str(k->target, b));
		fprintf(f, "\t\tinterval %u\n\t\trise %u\n\t\tfall %u\n", k->interval_ms,
			k->rise, k->fall);
		print_prefixes(f, "\t\t", "prefixes", k->prefixes, k->nprefixes);
		fprintf(f, "\t}\n");
	}
	fprintf(f, "}\n");
	for (size_t i = 0; i < cfg->npeers; i++) {
		const struct rd_peer *p = &cfg->peers[i];

		fprintf(f, "\npeer \"%s\" {\n", p->name);
		fprintf(f, "\taddress %s\n", rd_ip_str(p->address, b));
		if (p->asn != 0)
			fprintf(f, "\tasn %s\n", rd_asn_str(p->asn, p->asn_asdot, b));
		fprintf(f, "\tnat-traversal %s\n", p->behind_nat ? "yes" : "no");
		fprintf(f, "\tfar-end %s\n", conf_word_name(conf_far_end_words, p->far_end));
		print_prefixes(f, "\t", "prefixes", p->prefixes, p->nprefixes);
		fprintf(f, "}\n");
	}
	for (size_t i = 0; i < cfg->nconns; i++)
		print_conn(f, &cfg->conns[i], flags);
}
