/*
 * test_swan_render.c - golden files and edge cases of the libreswan renderers.
 * Configs are built by hand (no parser). SWAN_GOLDEN_UPDATE=1 rewrites the
 * golden files instead of comparing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugins/swan_render.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static struct rd_peer peers[2];
static struct rd_connection conns[2];
static struct rd_config cfg;
static const struct swan_render_opts opts = {
	.updown = "/usr/libexec/routerd-updown", .hook_sock = "/run/routerd/hook.sock",
};

static void
tunnel_defaults(struct rd_tunnel *t, const char *name, uint32_t ifnum)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->ifnum = ifnum;
	t->inside.addr = IP(169, 254, 10, 0);
	t->inside.len = 30;
	snprintf(t->psk, sizeof(t->psk), "psk_%s.%u", name, ifnum);
	conf_tunnel_defaults(t);         /* the AWS table */
}

/* vpn1: AWS defaults, two tunnels. vpn2: IKEv1 only, narrowed, peer behind NAT. */
static int
setup(void **state)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(peers, 0, sizeof(peers));
	memset(conns, 0, sizeof(conns));
	cfg.gw.local_outside = IP(192, 0, 2, 1);
	snprintf(peers[0].name, RD_NAME_MAX, "site1");
	peers[0].address = IP(198, 51, 100, 7);
	snprintf(peers[1].name, RD_NAME_MAX, "site2");
	peers[1].address = IP(203, 0, 113, 9);
	peers[1].behind_nat = true;
	cfg.peers = peers;
	cfg.npeers = 2;

	struct rd_connection *c = &conns[0];
	snprintf(c->name, RD_NAME_MAX, "vpn1");
	snprintf(c->peer_name, RD_NAME_MAX, "site1");
	c->peer = &peers[0];
	c->ntunnels = 2;
	tunnel_defaults(&c->tunnels[0], "tun1", 2);
	tunnel_defaults(&c->tunnels[1], "tun2", 3);
	c->tunnels[1].local_outside = IP(192, 0, 2, 2);
	c->tunnels[1].remote_outside = IP(198, 51, 100, 8);
	c->tunnels[1].startup = RD_STARTUP_START;
	c->tunnels[1].ike_versions = RD_IKEV2;
	c->tunnels[1].dpd_action = RD_DPD_RESTART;
	c->tunnels[1].dpd_timeout = 45;

	c = &conns[1];
	snprintf(c->name, RD_NAME_MAX, "vpn2");
	snprintf(c->peer_name, RD_NAME_MAX, "site2");     /* peer left unresolved */
	c->ntunnels = 1;
	struct rd_tunnel *t = &c->tunnels[0];
	tunnel_defaults(t, "a", 16379);
	t->ike_versions = RD_IKEV1;
	t->p1_enc = RD_ENC_AES256 | RD_ENC_AES256_GCM16;
	t->p1_integ = RD_INTEG_SHA2_256;
	t->p1_dh = RD_DH_BIT(14) | RD_DH_BIT(19);
	t->p2_enc = RD_ENC_AES128 | RD_ENC_AES128_GCM16;
	t->p2_integ = RD_INTEG_SHA1 | RD_INTEG_SHA2_512;
	t->p2_dh = RD_DH_BIT(2) | RD_DH_BIT(19) | RD_DH_BIT(15) | RD_DH_BIT(5);
	t->p1_lifetime = 900;
	t->p2_lifetime = 900;
	t->rekey_margin = 60;
	t->rekey_fuzz = 0;
	t->replay_window = 64;
	t->dpd_action = RD_DPD_NONE;
	cfg.conns = conns;
	cfg.nconns = 2;
	*state = &cfg;
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 65536);
	*len = fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

/* Compare (or, with SWAN_GOLDEN_UPDATE=1, write) golden/swan/<name>. */
static void
golden(const char *name, const char *got, size_t len)
{
	const char *top = getenv("top_srcdir");
	char path[512];
	size_t glen = 0;

	snprintf(path, sizeof(path), "%s/tests/unit/golden/swan/%s", top ? top : ".", name);
	if (getenv("SWAN_GOLDEN_UPDATE")) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fwrite(got, 1, len, f);
		fclose(f);
		return;
	}
	char *want = slurp(path, &glen);
	if (want == NULL)
		fail_msg("missing golden file %s", path);
	if (glen != len || memcmp(want, got, len) != 0) {
		fprintf(stderr, "--- %s\n%s--- got\n%.*s", path, want, (int)len, got);
		free(want);
		fail_msg("output differs from %s", path);
	}
	free(want);
}

static void
test_conns_golden(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(swan_render_conns(f, *state, &opts), 0);
	fclose(f);
	golden("conns.conf", buf, len);
	free(buf);
}

/* One conn per file: tunnel vpn1/tun1's file and the include file. The
 * conn text is the same as in conns.conf (the files hold what the single
 * include held before), under a header line. */
static void
test_files_golden(void **state)
{
	struct rd_config *c = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(swan_render_conn_file(f, c, &c->conns[0], &c->conns[0].tunnels[0], &opts),
			 0);
	fclose(f);
	golden("rd-vpn1-tun1.conf", buf, len);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(swan_render_include(f, "/run/routerd/ipsec.conf.d"), 0);
	fclose(f);
	golden("include.conf", buf, len);
	free(buf);

	/* A directory the include line could not carry literally. */
	f = open_memstream(&buf, &len);
	assert_int_equal(swan_render_include(f, "/run/rd dir"), -EINVAL);
	assert_int_equal(swan_render_include(f, "relative/dir"), -EINVAL);
	fclose(f);
	free(buf);
}

static void
test_secrets_golden(void **state)
{
	struct rd_config *c = *state;
	char dir[] = "/tmp/test_swan.XXXXXX", path[64], *buf = NULL;
	size_t len = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/key", dir);
	FILE *k = fopen(path, "w");
	fputs("fromFile_key.1\n", k);
	fclose(k);
	c->conns[1].tunnels[0].psk[0] = '\0';
	snprintf(c->conns[1].tunnels[0].psk_file, RD_PATH_MAX, "%s", path);

	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(swan_render_secrets(f, c), 0);
	fclose(f);
	golden("secrets", buf, len);
	free(buf);

	/* Atomic write: mode 0600, content identical, no temp file left. */
	snprintf(path, sizeof(path), "%s/ipsec.secrets", dir);
	assert_int_equal(swan_write_atomic(path, 0600, (swan_render_fn)swan_render_secrets, c), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 2", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_proposals(void **state)
{
	struct rd_tunnel t;
	char buf[SWAN_ALG_MAX];

	tunnel_defaults(&t, "x", 2);
	t.ike_versions = RD_IKEV2;
	t.p1_enc = RD_ENC_AES256;
	t.p1_integ = RD_INTEG_SHA2_256;
	t.p1_dh = RD_DH_BIT(14);
	assert_int_equal(swan_ike_proposals(&t, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes256-sha2_256;modp2048");
	/* GCM ESP carries no integrity. */
	t.p2_enc = RD_ENC_AES256_GCM16;
	t.p2_dh = RD_DH_BIT(19) | RD_DH_BIT(5);
	assert_int_equal(swan_esp_proposals(&t, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes_gcm256;dh19+modp1536");
	/* No PFS. */
	t.p2_dh = 0;
	assert_int_equal(swan_esp_proposals(&t, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aes_gcm256");
	/* Only groups libreswan lacks -> -ENOTSUP. */
	t.p1_dh = RD_DH_BIT(2) | RD_DH_BIT(22) | RD_DH_BIT(24);
	assert_int_equal(swan_ike_proposals(&t, buf, sizeof(buf)), -ENOTSUP);
	/* IKEv1 cannot use GCM for phase 1. */
	t.ike_versions = RD_IKEV1;
	t.p1_dh = RD_DH_BIT(14);
	t.p1_enc = RD_ENC_AES128_GCM16;
	assert_int_equal(swan_ike_proposals(&t, buf, sizeof(buf)), -ENOTSUP);
	/* IKEv1 PFS with only an ECP group is impossible. */
	t.p2_dh = RD_DH_BIT(19);
	assert_int_equal(swan_esp_proposals(&t, buf, sizeof(buf)), -ENOTSUP);
	/* Tiny buffer. */
	t.ike_versions = RD_IKEV2;
	t.p1_enc = RD_ENC_ALL;
	assert_int_equal(swan_ike_proposals(&t, buf, 10), -ENOSPC);
}

static void
test_rejects(void **state)
{
	struct rd_config *c = *state;
	struct rd_tunnel *t = &c->conns[0].tunnels[0];
	FILE *f = fopen("/dev/null", "w");
	struct swan_render_opts bad = opts;

	t->ifnum = 1;           /* ipsec1 is pluto's probe device */
	assert_int_equal(swan_render_conn(f, c, &c->conns[0], t, &opts), -EINVAL);
	t->ifnum = 16380;       /* beyond manual reqids */
	assert_int_equal(swan_render_conn(f, c, &c->conns[0], t, &opts), -EINVAL);
	t->ifnum = 2;
	snprintf(t->name, RD_NAME_MAX, "a b");
	assert_int_equal(swan_render_conn(f, c, &c->conns[0], t, &opts), -EINVAL);
	snprintf(t->name, RD_NAME_MAX, "tun1");
	bad.updown = "/bin/x;reboot";
	assert_int_equal(swan_render_conn(f, c, &c->conns[0], t, &bad), -EINVAL);
	c->gw.local_outside = 0;        /* no left address anywhere */
	assert_int_equal(swan_render_conn(f, c, &c->conns[0], t, &opts), -EINVAL);
	c->gw.local_outside = IP(192, 0, 2, 1);
	snprintf(t->psk, sizeof(t->psk), "has\"quote");
	assert_int_equal(swan_render_secrets(f, c), -EINVAL);
	t->psk[0] = '\0';
	snprintf(t->psk_file, RD_PATH_MAX, "/nonexistent/key");
	assert_int_equal(swan_render_secrets(f, c), -ENOENT);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_conns_golden, setup),
		cmocka_unit_test_setup(test_files_golden, setup),
		cmocka_unit_test_setup(test_secrets_golden, setup),
		cmocka_unit_test_setup(test_proposals, setup),
		cmocka_unit_test_setup(test_rejects, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
