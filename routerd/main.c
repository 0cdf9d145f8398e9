/* main.c - routerd: options, config check mode, daemon start and signals. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "conf.h"
#include "routerd/control.h"
#include "routerd/core.h"
#include "routerd/ctlsrv.h"
#include "routerd/log.h"
#include "routerd/privs.h"
#include "routerd/privsep.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: routerd [-dnv] [-f FILE] [-u USER] [-s SOCKET] [path options]\n"
		"\n"
		"Site-to-site IPsec VPN router: couples libreswan tunnels to FRR BGP sessions.\n"
		"\n"
		"  -f, --config FILE      configuration (default %s)\n"
		"  -n, --check            check the configuration and exit 0 (ok) or 1\n"
		"  -v, --verbose          with -n: print the normalised configuration;\n"
		"                         otherwise: debug logging\n"
		"      --show-secrets     with -nv: print inline PSKs (redacted otherwise)\n"
		"  -d, --debug            stay in the foreground, log to stderr\n"
		"  -u, --user USER        drop root to USER keeping only CAP_NET_ADMIN\n"
		"                         (default %s; '-' keeps root, for tests only)\n"
		"  -s, --socket PATH      control socket (default %s)\n"
		"      --run-dir DIR      routerd's run directory (default %s/routerd)\n"
		"      --ipsec-conf FILE  ipsec.conf pluto reads (default /etc/ipsec.conf)\n"
		"      --ipsec-include FILE  routerd's conn file; ipsec.conf must include it\n"
		"                         (default %s/routerd/ipsec.conf)\n"
		"      --ipsec-secrets FILE  routerd's secrets file; ipsec.secrets must include it\n"
		"                         (default %s/routerd/ipsec.secrets)\n"
		"      --pluto-ctl PATH   pluto's control socket (default /run/pluto/pluto.ctl)\n"
		"      --frr-vty-dir DIR  FRR vty sockets (default /var/run/frr)\n"
		"      --updown PATH      hook program pluto runs (default %s/routerd-updown)\n"
		"  -h, --help             this text\n"
		"  -V, --version          print the version\n"
		"\n"
		"Signals: SIGHUP reloads (a bad file changes nothing), SIGTERM withdraws,\n"
		"removes what routerd configured and exits 0. See routerd(8), routerd.conf(5).\n",
		RD_DEFAULT_CONF, ROUTERD_USER, RD_CONTROL_SOCK, RUNSTATEDIR, RUNSTATEDIR, RUNSTATEDIR,
		LIBEXECDIR);
}

enum { OPT_RUNDIR = 256, OPT_IPSECCONF, OPT_INCLUDE, OPT_SECRETS, OPT_PLUTOCTL, OPT_VTYDIR,
       OPT_UPDOWN, OPT_SHOWSECRETS };

static const struct option longopts[] = {
	{"config", required_argument, NULL, 'f'},  {"check", no_argument, NULL, 'n'},
	{"verbose", no_argument, NULL, 'v'},       {"debug", no_argument, NULL, 'd'},
	{"user", required_argument, NULL, 'u'},    {"socket", required_argument, NULL, 's'},
	{"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, 'V'},
	{"run-dir", required_argument, NULL, OPT_RUNDIR},
	{"ipsec-conf", required_argument, NULL, OPT_IPSECCONF},
	{"ipsec-include", required_argument, NULL, OPT_INCLUDE},
	{"ipsec-secrets", required_argument, NULL, OPT_SECRETS},
	{"pluto-ctl", required_argument, NULL, OPT_PLUTOCTL},
	{"frr-vty-dir", required_argument, NULL, OPT_VTYDIR},
	{"updown", required_argument, NULL, OPT_UPDOWN},
	{"show-secrets", no_argument, NULL, OPT_SHOWSECRETS},
	{NULL, 0, NULL, 0},
};

static void
set_path(char dst[RD_PATH_MAX], const char *src)
{
	if (strlen(src) >= RD_PATH_MAX) {
		fprintf(stderr, "routerd: path too long: %s\n", src);
		exit(2);
	}
	strcpy(dst, src);
}

static void
default_paths(struct rd_paths *p)
{
	set_path(p->run_dir, RUNSTATEDIR "/routerd");
	set_path(p->ipsec_conf, "/etc/ipsec.conf");
	set_path(p->ipsec_include, RUNSTATEDIR "/routerd/ipsec.conf");
	set_path(p->ipsec_secrets, RUNSTATEDIR "/routerd/ipsec.secrets");
	set_path(p->pluto_ctl, "/run/pluto/pluto.ctl");
	set_path(p->updown, LIBEXECDIR "/routerd-updown");
	set_path(p->frr_vty_dir, "/var/run/frr");
}

struct main_ctx {
	struct core core;
	struct privsep ps;
	struct event_base *base;
};

static int
reload_cb(void *arg)
{
	return core_reload(arg);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct main_ctx *m = arg;

	if (sig == SIGHUP) {
		core_reload(&m->core);
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(m->base);
}

/* -n / -nv: load, report, exit (inline keys printed only when asked). */
static int
check_only(const char *path, int verbose, bool secrets)
{
	struct rd_config *cfg;

	if (conf_load(path, conf_err_stderr, NULL, &cfg) != 0)
		return 1;
	if (verbose)
		conf_print(stdout, cfg, secrets ? RD_PRINT_SECRETS : 0);
	else
		fprintf(stderr, "configuration OK\n");
	conf_free(cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *conf_path = RD_DEFAULT_CONF, *user = ROUTERD_USER, *sock = RD_CONTROL_SOCK;
	int ch, check = 0, verbose = 0, debug = 0;
	bool secrets = false;
	struct main_ctx m;
	struct rd_config *cfg;
	struct ctlsrv *ctl;
	struct event *sigs[4];
	const int signums[4] = {SIGHUP, SIGTERM, SIGINT, SIGQUIT};

	memset(&m, 0, sizeof(m));
	default_paths(&m.core.paths);
	while ((ch = getopt_long(argc, argv, "f:nvdu:s:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': conf_path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose++; break;
		case 'd': debug = 1; break;
		case 'u': user = optarg; break;
		case 's': sock = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("routerd %s\n", PACKAGE_VERSION); return 0;
		case OPT_RUNDIR: set_path(m.core.paths.run_dir, optarg); break;
		case OPT_IPSECCONF: set_path(m.core.paths.ipsec_conf, optarg); break;
		case OPT_INCLUDE: set_path(m.core.paths.ipsec_include, optarg); break;
		case OPT_SECRETS: set_path(m.core.paths.ipsec_secrets, optarg); break;
		case OPT_PLUTOCTL: set_path(m.core.paths.pluto_ctl, optarg); break;
		case OPT_VTYDIR: set_path(m.core.paths.frr_vty_dir, optarg); break;
		case OPT_UPDOWN: set_path(m.core.paths.updown, optarg); break;
		case OPT_SHOWSECRETS: secrets = true; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check)
		return check_only(conf_path, verbose, secrets);

	log_init("routerd", debug, verbose);
	if (conf_load(conf_path, conf_err_stderr, NULL, &cfg) != 0)
		fatalx("%s: configuration has errors, not starting", conf_path);
	if (mkdir(m.core.paths.run_dir, 0750) != 0 && errno != EEXIST)
		fatal("mkdir %s", m.core.paths.run_dir);
	signal(SIGPIPE, SIG_IGN);
	if (!debug && daemon(0, 0) != 0)
		fatal("daemon");
	m.base = event_base_new();
	if (m.base == NULL || event_base_priority_init(m.base, RD_EV_NPRIO) < 0)
		fatalx("event_base_new failed");
	m.core.conf_path = conf_path;
	m.core.base = m.base;
	m.core.ike = rd_ike;
	m.core.bgp = rd_bgp;
	m.core.kern = rd_kernel;
	ctl = ctlsrv_open(&m.core, sock, reload_cb, &m.core);
	if (ctl == NULL)
		fatalx("cannot open the control socket %s", sock);
	if (strcmp(user, "-") != 0 && privs_own_dir(user, m.core.paths.run_dir) != 0)
		fatalx("cannot hand %s to %s", m.core.paths.run_dir, user);
	if (strcmp(user, "-") != 0) {
		if (privsep_start(&m.ps, &m.core.paths) != 0)
			fatalx("cannot start the privileged helper");
		m.core.exec = privsep_exec;
		m.core.exec_arg = &m.ps;
		if (privs_drop(user) != 0)
			fatalx("cannot drop privileges; refusing to run as root (use -u - to insist)");
	}
	if (core_start(&m.core, m.base, cfg) != 0)
		fatalx("cannot start");
	for (int i = 0; i < 4; i++) {
		sigs[i] = evsignal_new(m.base, signums[i], signal_cb, &m);
		event_add(sigs[i], NULL);
	}
	event_base_dispatch(m.base);
	core_stop(&m.core);
	ctlsrv_close(ctl);
	for (int i = 0; i < 4; i++)
		event_free(sigs[i]);
	event_base_free(m.base);
	log_info("stopped");
	return 0;
}
