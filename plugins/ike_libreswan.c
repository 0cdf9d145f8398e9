/*
 * ike_libreswan.c - the libreswan 4.10 (pluto) IKE backend.
 *
 * Control goes through `ipsec whack` / `ipsec addconn` with a bounded
 * fork/exec (swan_exec.c, 5 s): a hung pluto costs at most that per call.
 * State comes from `whack --showstates` / `--trafficstatus` (parsed by
 * swan_whack.c) and from the updown hook (swan_hook.c); whack's exit code
 * is never taken as tunnel state. Pluto's liveness is a connect() to
 * pluto.ctl.
 *
 * Files: one conn per file in <ipsec-include>.d/ (rd-<conn>-<tun>.conf),
 * which the include file includes with a glob; a tunnel is (re)loaded with
 * 'ipsec addconn --config <its file> <name>', so loading N tunnels parses
 * N small files, not N times a file of N conns.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugins/plugin.h"
#include "plugins/swan_exec.h"
#include "plugins/swan_priv.h"
#include "routerd/log.h"

#define WHACK_OUT_MAX (256 * 1024)
#define SWAN_POLL_TIMEOUTS_LOST 3       /* timed-out polls in a row = pluto hung */

/* Run argv ("ipsec", ...); logs failures. Returns the exit status or -errno. */
static int
ipsecv(struct swan *s, char *out, size_t outlen, const char *const *argv)
{
	char small[512];
	rd_exec_fn exec = s->env.exec;
	int rc = exec ? exec(s->env.exec_arg, (char *const *)argv, out ? out : small,
			     out ? outlen : sizeof(small), SWAN_EXEC_TIMEOUT_MS)
		      : swan_exec((char *const *)argv, out ? out : small,
				  out ? outlen : sizeof(small), SWAN_EXEC_TIMEOUT_MS);

	if (rc != 0) {
		char cmd[512] = "";
		for (size_t i = 1; argv[i] && i < 8; i++)
			if (i != 2 && i != 3)    /* skip "--ctlsocket PATH" */
				snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " %s", argv[i]);
		small[strcspn(small, "\n")] = '\0';
		log_warnx("libreswan: ipsec%s: %s %d%s%s", cmd, rc < 0 ? "error" : "exit",
			  rc < 0 ? -rc : rc, out ? "" : ": ", out ? "" : small);
	}
	return rc;
}

static int
ipsec(struct swan *s, char *out, size_t outlen, const char *a0, const char *a1,
      const char *a2, const char *a3, const char *a4, const char *a5, const char *a6)
{
	const char *argv[] = { "ipsec", a0, a1, a2, a3, a4, a5, a6, NULL };

	return ipsecv(s, out, outlen, argv);
}

static int
whack(struct swan *s, const char *op, const char *name)
{
	return ipsec(s, NULL, 0, "whack", "--ctlsocket", s->paths.pluto_ctl, op,
		     name ? "--name" : NULL, name, NULL);
}

/* whack OP on tunnel conn 'name', and on its IKEv1 twin when 'twin'. */
static int
whack_both(struct swan *s, const char *op, const char *name, bool twin)
{
	char v1[SWAN_CONN_NAME_MAX];
	int rc = whack(s, op, name);

	if (twin)
		whack(s, op, swan_v1_name(name, v1));
	return rc;
}

const struct swan_tun *
swan_tun_by_conn(const struct swan *s, const char *name)
{
	for (size_t i = 0; i < s->ntuns; i++)
		if (strcmp(s->tuns[i].name, name) == 0 ||
		    (s->tuns[i].v1[0] && strcmp(s->tuns[i].v1, name) == 0))
			return &s->tuns[i];
	return NULL;
}

/*
 * Did whack reach pluto? whack exits 33 and says "Pluto is not running" /
 * "is Pluto running?" when pluto.ctl is absent or refuses. (A bare connect()
 * probe would make pluto log an error per poll.) Reachability only: never
 * tunnel state.
 */
static bool
whack_reached(int rc, const char *out)
{
	return rc >= 0 && !(rc == 33 && (strstr(out, "Pluto is not running") ||
					strstr(out, "is Pluto running?")));
}

void
swan_set_state(struct swan *s, const char *conn, uint32_t ifnum, bool child, bool up,
	       const char *source, const char *reason)
{
	struct swan_conn_status *c = swan_status_get(&s->last, conn, true);
	bool *cur = c ? (child ? &c->child : &c->ike) : NULL;
	struct rd_obs o = { .kind = child ? RD_OBS_CHILD : RD_OBS_IKE, .ifnum = ifnum, .up = up,
			    .source = source, .reason = reason };

	/* Heard from pluto itself (updown hook): a background poll taken
	 * before this is stale for the tunnel (swan_poll_apply). */
	if (strcmp(source, "whack") != 0)
		for (size_t i = 0; i < s->ntuns; i++)
			if (strcmp(s->tuns[i].name, conn) == 0)
				s->tuns[i].heard = ++s->heard_seq;
	if (cur && *cur == up)
		return;
	if (cur)
		*cur = up;
	log_info("libreswan: %s %s %s (%s: %s)", conn, child ? "Child SA" : "IKE SA",
		 up ? "up" : "down", source, reason);
	s->env.notify(s->env.arg, &o);
}

static int
ike_init(const struct rd_backend_env *env, void **state)
{
	struct swan *s = calloc(1, sizeof(*s));
	int err;

	if (s == NULL)
		return -ENOMEM;
	s->env = *env;
	s->paths = *env->paths;
	s->hook_fd = -1;
	s->pluto_up = -1;
	s->no_xfrmi = getenv("ROUTERD_SWAN_NO_XFRMI") && *getenv("ROUTERD_SWAN_NO_XFRMI") == '1';
	if ((size_t)snprintf(s->conn_dir, sizeof(s->conn_dir), "%s.d", s->paths.ipsec_include) >=
	    sizeof(s->conn_dir)) {
		free(s);
		return -ENAMETOOLONG;
	}
	if ((err = swan_hook_open(s)) < 0) {
		free(s);
		return err;
	}
	*state = s;
	return 0;
}

static int
render_include(FILE *f, const void *arg)
{
	return swan_render_include(f, arg);
}

static int
render_secrets(FILE *f, const void *arg)
{
	return swan_render_secrets(f, arg);
}

/* A tunnel's conn file text, for writing and change detection; NULL on error. */
static char *
conn_text(const struct rd_config *cfg, const struct rd_connection *c,
	  const struct rd_tunnel *t, const struct swan_render_opts *o, int *errp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (f == NULL) {
		*errp = -ENOMEM;
		return NULL;
	}
	err = swan_render_conn_file(f, cfg, c, t, o);
	fclose(f);
	if (err < 0) {
		free(buf);
		*errp = err;
		return NULL;
	}
	return buf;
}

static int
put_text(FILE *f, const void *arg)
{
	return fputs(arg, f) < 0 ? -EIO : 0;
}

/* The whole file, NUL-terminated, or NULL. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - len < 4097) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int
conn_path(const struct swan *s, const char *name, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%s/%s.conf", s->conn_dir, name) >= len ?
		-ENAMETOOLONG : 0;
}

/* Forget a conn's last state: a later re-add starts clean. */
static void
forget(struct swan *s, const char *name)
{
	struct swan_conn_status *l = swan_status_get(&s->last, name, false);

	if (l)
		l->ike = l->child = l->have_bytes = false;
}

/* Delete conn 'name' from pluto and remove its file. */
static void
remove_conn(struct swan *s, const char *name, bool twin, const char *why)
{
	char path[RD_PATH_MAX + 2 * SWAN_CONN_NAME_MAX];

	log_info("libreswan: %s %s", name, why);
	whack_both(s, "--delete", name, twin);
	forget(s, name);
	if (conn_path(s, name, path, sizeof(path)) == 0 && unlink(path) < 0 && errno != ENOENT)
		log_warn("libreswan: unlink %s", path);
}

/* Is "<name>.conf" the file of one of cfg's tunnels? */
static bool
in_config(const struct rd_config *cfg, const char *file)
{
	char name[SWAN_CONN_NAME_MAX];

	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++)
			if (swan_conn_name(&cfg->conns[i], &cfg->conns[i].tunnels[j], name,
					   sizeof(name)) == 0 &&
			    strncmp(file, name, strlen(name)) == 0 &&
			    strcmp(file + strlen(name), ".conf") == 0)
				return true;
	return false;
}

/* Call fn(s, conn name, file name, arg) for every rd-*.conf in the conn
 * directory (the conn name is the file name without ".conf"). */
static void
each_conn_file(struct swan *s, void (*fn)(struct swan *, const char *, int, const char *, void *),
	       void *arg)
{
	DIR *d = opendir(s->conn_dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		char name[SWAN_CONN_NAME_MAX];

		if (strncmp(e->d_name, "rd-", 3) != 0 || n < 6 || n - 5 >= sizeof(name) ||
		    strcmp(e->d_name + n - 5, ".conf") != 0)
			continue;
		memcpy(name, e->d_name, n - 5);
		name[n - 5] = '\0';
		fn(s, name, dirfd(d), e->d_name, arg);
	}
	closedir(d);
}

static void
remove_if_stale(struct swan *s, const char *name, int dfd, const char *file, void *arg)
{
	(void)dfd;
	if (!in_config(arg, file))
		remove_conn(s, name, true, "no longer configured: removed");
}

/*
 * routerd (re)started: conn files in the directory that cfg no longer has
 * were loaded by pluto at its start or by the previous routerd; delete
 * them (the single include file of before left them out when rewritten).
 */
static void
remove_stale(struct swan *s, const struct rd_config *cfg)
{
	each_conn_file(s, remove_if_stale, (void *)cfg);
}

/*
 * Does pluto need this tunnel (re-)added? With a previous config: when its
 * conn text differs. Without one (routerd just started, or pluto came
 * back): when its file on disk does not hold the text word for word —
 * pluto loads the files at its own start and a previous routerd wrote
 * them, so an identical conn is already loaded and keeps its SAs.
 */
static bool
tunnel_changed(const struct swan *s, const struct rd_config *prev,
	       const struct rd_connection *c, const struct rd_tunnel *t,
	       const struct swan_render_opts *o, const char *text, const char *path)
{
	struct rd_connection *pc = NULL;
	struct rd_tunnel *pt = prev ? conf_find_tunnel(prev, c->name, t->name, &pc) : NULL;
	char *a;
	int err;
	bool changed;

	if (prev == NULL) {
		a = slurp(path);
		changed = a == NULL || strcmp(a, text) != 0;
		free(a);
		return changed;
	}
	if (pt == NULL)
		return true;
	a = conn_text(prev, pc, pt, o, &err);
	changed = a == NULL || strcmp(a, text) != 0;
	free(a);
	(void)s;
	return changed;
}

static void
free_texts(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Conns per addconn run: one exec per conn cost ~5 ms each (5 s at 1,000
 * tunnels); one file with all of them made addconn assert past ~245. */
#define ADD_BATCH 100

/*
 * Add conns names[0..n) (texts[i] is names[i]'s conn file) to pluto in
 * addconn runs of ADD_BATCH. addconn says nothing when all went well; its
 * exit status is that of the last conn only, so a run that printed anything
 * (a failed conn's error) is redone one conn at a time, each deleted first
 * (pluto refuses to redefine a conn). Returns how many could not be added.
 */
static int
add_conns(struct swan *s, char *const *names, char *const *texts, size_t n)
{
	char path[RD_PATH_MAX + 32], cpath[RD_PATH_MAX + 2 * SWAN_CONN_NAME_MAX];
	const char *argv[ADD_BATCH + 8];
	char *out = malloc(WHACK_OUT_MAX);
	int failed = 0;

	snprintf(path, sizeof(path), "%s/.addconn-batch", s->conn_dir);
	for (size_t i = 0, m; i < n; i += m) {
		size_t k = 0;

		m = n - i < ADD_BATCH ? n - i : ADD_BATCH;

		/* An IKEv1 twin (empty text: its conn is in its tunnel's text)
		 * stays in its tunnel's batch; argv has room for that one more. */
		if (i + m < n && texts[i + m][0] == '\0')
			m++;
		FILE *f = out ? fopen(path, "w") : NULL;
		bool ok = f != NULL;

		for (size_t j = 0; ok && j < m; j++)
			ok = fputs(texts[i + j], f) >= 0;
		if (f && fclose(f) != 0)
			ok = false;
		if (ok) {
			argv[k++] = "ipsec";
			argv[k++] = "addconn";
			argv[k++] = "--ctlsocket";
			argv[k++] = s->paths.pluto_ctl;
			argv[k++] = "--config";
			argv[k++] = path;
			for (size_t j = 0; j < m; j++)
				argv[k++] = names[i + j];
			argv[k] = NULL;
			ok = ipsecv(s, out, WHACK_OUT_MAX, argv) == 0 &&
			     out[strspn(out, " \t\r\n")] == '\0';
		}
		unlink(path);
		if (ok)
			continue;
		if (m > 1)
			log_warnx("libreswan: adding %zu conns at once failed: one by one", m);
		for (size_t j = 0; j < m; j++) {
			const struct swan_tun *t = swan_tun_by_conn(s, names[i + j]);

			/* an IKEv1 twin lives in its tunnel's file */
			conn_path(s, t ? t->name : names[i + j], cpath, sizeof(cpath));
			if (m > 1)
				whack(s, "--delete", names[i + j]);
			if (ipsec(s, NULL, 0, "addconn", "--ctlsocket", s->paths.pluto_ctl,
				  "--config", cpath, names[i + j], NULL) == 0)
				continue;
			/* An IKEv1 twin pluto refuses (Debian's pluto drops IKEv1
			 * unless 'ikev1-policy=accept' is in config setup) leaves
			 * the tunnel working with IKEv2: warn, do not fail. */
			if (t != NULL && strcmp(t->name, names[i + j]) != 0) {
				static struct log_rl rl = LOG_RL_INIT("libreswan: IKEv1 twins refused");

				if (log_rl_allow(&rl))
					log_warnx("libreswan: %s not added: pluto refuses IKEv1 "
						  "conns (set ikev1-policy=accept in ipsec.conf's "
						  "config setup to accept IKEv1 peers); %s takes "
						  "IKEv2 only", names[i + j], t->name);
				continue;
			}
			failed++;
		}
	}
	free(out);
	return failed;
}

static int
ike_apply(void *state, const struct rd_config *prev, const struct rd_config *cfg)
{
	struct swan *s = state;
	struct swan_render_opts o = { .updown = s->paths.updown, .hook_sock = s->hook_path,
				      .no_xfrmi = s->no_xfrmi };
	char name[SWAN_CONN_NAME_MAX], path[RD_PATH_MAX + 2 * SWAN_CONN_NAME_MAX];
	size_t ntext = 0, k = 0;
	char **text, **adds;            /* adds: names, then their texts */
	size_t nadds = 0;
	int err = 0, failed = 0;

	/* Render first: a config we cannot render leaves pluto untouched. */
	for (size_t i = 0; i < cfg->nconns; i++)
		ntext += cfg->conns[i].ntunnels;
	if (ntext > SWAN_STATUS_MAX)
		return -EINVAL;
	if ((text = calloc(ntext ? ntext : 1, sizeof(*text))) == NULL)
		return -ENOMEM;
	/* adds: [0, 2 ntext) names (a tunnel's IKEv1 twin too), then their texts */
	if ((adds = calloc(ntext ? 4 * ntext : 1, sizeof(*adds))) == NULL) {
		free(text);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++, k++) {
			const struct rd_connection *c = &cfg->conns[i];
			const struct rd_tunnel *t = &c->tunnels[j];

			if ((err = swan_conn_name(c, t, name, sizeof(name))) < 0 ||
			    (err = conn_path(s, name, path, sizeof(path))) < 0 ||
			    (text[k] = conn_text(cfg, c, t, &o, &err)) == NULL) {
				free_texts(text, k);
				free(adds);
				return err < 0 ? err : -EINVAL;
			}
		}
	if ((mkdir(s->conn_dir, 0755) < 0 && errno != EEXIST) ||
	    (err = swan_write_atomic(s->paths.ipsec_secrets, 0600, render_secrets, cfg)) < 0 ||
	    (err = swan_write_atomic(s->paths.ipsec_include, 0644, render_include,
				     s->conn_dir)) < 0) {
		err = err < 0 ? err : -errno;
		free_texts(text, ntext);
		free(adds);
		return err;
	}
	whack(s, "--rereadsecrets", NULL);

	/* Removed tunnels: from pluto and their files. */
	for (size_t i = 0; prev && i < prev->nconns; i++)
		for (size_t j = 0; j < prev->conns[i].ntunnels; j++) {
			const struct rd_connection *c = &prev->conns[i];
			if (conf_find_tunnel(cfg, c->name, c->tunnels[j].name, NULL))
				continue;
			if (swan_conn_name(c, &c->tunnels[j], name, sizeof(name)) == 0)
				remove_conn(s, name, swan_dual(&c->tunnels[j]), "removed");
		}
	if (prev == NULL)
		remove_stale(s, cfg);

	/* New or changed tunnels: write the file, delete + add; unchanged
	 * ones (file untouched) keep their SAs. */
	s->ntuns = 0;
	k = 0;
	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++, k++) {
			const struct rd_connection *c = &cfg->conns[i];
			const struct rd_tunnel *t = &c->tunnels[j];

			swan_conn_name(c, t, name, sizeof(name));       /* checked above */
			conn_path(s, name, path, sizeof(path));
			strcpy(s->tuns[s->ntuns].name, name);
			if (swan_dual(t))
				swan_v1_name(name, s->tuns[s->ntuns].v1);
			else
				s->tuns[s->ntuns].v1[0] = '\0';
			s->tuns[s->ntuns++].ifnum = t->ifnum;
			if (!tunnel_changed(s, prev, c, t, &o, text[k], path))
				continue;
			/* Pluto can hold the conn only if it had a file (loaded at
			 * pluto's start or by a previous routerd) or prev had it. */
			const struct rd_tunnel *was = prev ? conf_find_tunnel(prev, c->name,
									      t->name, NULL) : NULL;
			bool known = prev ? was != NULL : access(path, F_OK) == 0;
			log_info("libreswan: %s (ipsec%u) %s", name, t->ifnum,
				 known ? "changed: replacing" : "new: adding");
			if ((err = swan_write_atomic(path, 0644, put_text, text[k])) < 0) {
				log_warnx("libreswan: %s: %s", path, strerror(-err));
				failed++;
				continue;
			}
			if (known)
				whack_both(s, "--delete", name, swan_dual(t) || was == NULL ||
					   swan_dual(was));
			adds[nadds] = s->tuns[s->ntuns - 1].name;
			adds[2 * ntext + nadds++] = text[k];
			if (s->tuns[s->ntuns - 1].v1[0]) {      /* same text: both conns */
				adds[nadds] = s->tuns[s->ntuns - 1].v1;
				adds[2 * ntext + nadds++] = (char *)"";
			}
		}
	failed += add_conns(s, adds, adds + 2 * ntext, nadds);
	free(adds);
	free_texts(text, ntext);
	return failed ? -EIO : 0;
}

static const char *
tunnel_name(const struct rd_config *cfg, uint32_t ifnum, char name[SWAN_CONN_NAME_MAX])
{
	struct rd_connection *c = NULL;
	struct rd_tunnel *t = conf_tunnel_by_ifnum(cfg, ifnum, &c);

	if (t == NULL || swan_conn_name(c, t, name, SWAN_CONN_NAME_MAX) < 0)
		return NULL;
	return name;
}

static int
ike_up(void *state, const struct rd_config *cfg, uint32_t ifnum)
{
	char name[SWAN_CONN_NAME_MAX];

	if (tunnel_name(cfg, ifnum, name) == NULL)
		return -ENOENT;
	/* Asynchronous: whack returns at once; the result shows up in poll/hook. */
	return ipsec(state, NULL, 0, "whack", "--ctlsocket", ((struct swan *)state)->paths.pluto_ctl,
		     "--initiate", "--asynchronous", "--name", name) < 0 ? -EIO : 0;
}

static int
ike_down(void *state, const struct rd_config *cfg, uint32_t ifnum)
{
	char name[SWAN_CONN_NAME_MAX];

	if (tunnel_name(cfg, ifnum, name) == NULL)
		return -ENOENT;
	/* --down deletes the SAs and keeps the conn loaded for a later up. */
	return whack_both(state, "--down", name,
			  swan_dual(conf_tunnel_by_ifnum(cfg, ifnum, NULL))) < 0 ? -EIO : 0;
}

static int
ike_rekey(void *state, const struct rd_config *cfg, uint32_t ifnum)
{
	struct swan *s = state;
	char name[SWAN_CONN_NAME_MAX], out[2048];
	int rc;

	if (tunnel_name(cfg, ifnum, name) == NULL)
		return -ENOENT;
	/* Synchronous: whack stays attached until the CREATE_CHILD_SA exchange
	 * has installed the new SAs ("... rekeyed Child SA #N") or failed. */
	rc = ipsec(s, out, sizeof(out), "whack", "--ctlsocket", s->paths.pluto_ctl,
		   "--rekey-ipsec", "--name", name, NULL);
	if (rc < 0)
		return rc;
	if (strstr(out, "rekeyed Child SA") == NULL) {
		out[strcspn(out, "\n")] = '\0';
		log_warnx("libreswan: %s: rekey not confirmed by whack (exit %d): %s", name, rc, out);
		return -EAGAIN;
	}
	return 0;
}

/* pluto gone: every known tunnel is down; say so once, then BACKEND down. */
static void
pluto_lost(struct swan *s)
{
	for (size_t i = 0; i < s->ntuns; i++) {
		swan_set_state(s, s->tuns[i].name, s->tuns[i].ifnum, true, false, "whack",
			       "pluto unreachable");
		swan_set_state(s, s->tuns[i].name, s->tuns[i].ifnum, false, false, "whack",
			       "pluto unreachable");
	}
	if (s->pluto_up != 0) {
		struct rd_obs o = { .kind = RD_OBS_BACKEND, .up = false, .source = "whack",
				    .reason = "pluto.ctl unreachable" };
		log_warnx("libreswan: pluto unreachable at %s", s->paths.pluto_ctl);
		s->pluto_up = 0;
		s->env.notify(s->env.arg, &o);
	}
}

/*
 * Is pluto's process alive? Its pid file (pluto.pid beside pluto.ctl) names
 * a process that exists and is called pluto: 1; a pid file naming nothing
 * (pluto killed) or no pid file while the socket is gone: 0; cannot tell: -1.
 * A whack that fails while pluto lives met a slow pluto (a loaded host, a
 * burst of IKE crypto), not a dead one: the kernel's SAs still forward.
 */
static int
pluto_alive(const struct swan *s)
{
	char path[RD_PATH_MAX + 16], buf[32], comm[32];
	const char *slash = strrchr(s->paths.pluto_ctl, '/');
	struct stat st;
	ssize_t n;
	long pid;
	int fd;

	if (slash == NULL)
		return -1;
	snprintf(path, sizeof(path), "%.*s/pluto.pid", (int)(slash - s->paths.pluto_ctl),
		 s->paths.pluto_ctl);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT && stat(s->paths.pluto_ctl, &st) != 0 ? 0 : -1;
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, sizeof(buf) - 1) : -1;
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid <= 1 || pid > 4194304)
		return -1;
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	comm[n] = '\0';
	return strncmp(comm, "pluto", 5) == 0 ? 1 : 0;  /* else: the pid was reused */
}

/* The blocking half of a poll (the two whack calls, parsed): safe on the
 * poller thread (swan_poll.c), which reads only s's paths and exec. */
void
swan_poll_run(struct swan *s, struct swan_poll_res *r)
{
	char *out = malloc(WHACK_OUT_MAX);

	memset(r, 0, sizeof(*r));
	if (out == NULL || (r->now = calloc(1, sizeof(*r->now))) == NULL) {
		free(out);
		r->a = r->b = -ENOMEM;
		return;
	}
	r->a = ipsec(s, out, WHACK_OUT_MAX, "whack", "--ctlsocket", s->paths.pluto_ctl,
		     "--showstates", NULL, NULL, NULL);
	r->reached = whack_reached(r->a, out);
	if (r->reached)
		swan_parse_showstates(out, r->now);
	r->b = ipsec(s, out, WHACK_OUT_MAX, "whack", "--ctlsocket", s->paths.pluto_ctl,
		     "--trafficstatus", NULL, NULL, NULL);
	r->reached = r->reached && whack_reached(r->b, out);
	if (r->reached)
		swan_parse_trafficstatus(out, r->now);
	free(out);
}

/*
 * The loop's half: notify what differs from what was last said. 'seq0':
 * s->heard_seq when the poll started; a tunnel pluto's hook reported on
 * since then keeps that report (the poll's picture of it is older).
 * Frees r->now.
 */
int
swan_poll_apply(struct swan *s, struct swan_poll_res *r, uint64_t seq0)
{
	struct swan_status *now = r->now;

	r->now = NULL;
	if (r->a == -ENOMEM || r->b == -ENOMEM) {
		free(now);
		return -ENOMEM;
	}
	if (!r->reached) {              /* absent, refused or timed out */
		int alive = pluto_alive(s);

		free(now);
		/* Slow is not dead: while pluto's process lives, a whack that
		 * timed out or was refused (its own connect timing out: "error
		 * 110 ... is Pluto running?") changes nothing; the tunnels'
		 * health is the data plane's to tell (XFRM events, probes, BFD). */
		if (alive == 1) {
			if (s->poll_slow++ % 20 == 0)
				log_warnx("libreswan: whack failed (%d, %d) but pluto is alive: "
					  "slow, not gone; tunnel states kept (%lu such polls)",
					  r->a, r->b, s->poll_slow);
			return -ETIMEDOUT;
		}
		/* Cannot tell (no pid file): a timed-out whack in fewer than
		 * SWAN_POLL_TIMEOUTS_LOST polls in a row is taken for slowness. */
		if (alive == -1 && (r->a == -ETIMEDOUT || r->b == -ETIMEDOUT) &&
		    ++s->poll_timeouts < SWAN_POLL_TIMEOUTS_LOST)
			return -ETIMEDOUT;
		s->poll_timeouts = 0;
		pluto_lost(s);
		return -ECONNREFUSED;
	}
	s->poll_timeouts = 0;
	if (s->pluto_up != 1) {
		struct rd_obs o = { .kind = RD_OBS_BACKEND, .up = true, .source = "whack",
				    .reason = "pluto.ctl reachable" };
		if (s->pluto_up == 0)
			log_info("libreswan: pluto reachable again");
		s->pluto_up = 1;
		s->env.notify(s->env.arg, &o);
	}
	/* A tunnel is up if its IKEv2 conn or its IKEv1 twin is. */
	for (size_t i = 0; i < s->ntuns; i++) {
		const struct swan_conn_status *t1;
		struct swan_conn_status *c;

		if (!s->tuns[i].v1[0] || (t1 = swan_status_get(now, s->tuns[i].v1, false)) == NULL ||
		    (c = swan_status_get(now, s->tuns[i].name, true)) == NULL)
			continue;
		c->ike = c->ike || t1->ike;
		c->child = c->child || t1->child;
		if (t1->have_bytes) {
			c->inbytes = (c->have_bytes ? c->inbytes : 0) + t1->inbytes;
			c->outbytes = (c->have_bytes ? c->outbytes : 0) + t1->outbytes;
			c->have_bytes = true;
		}
	}
	for (size_t i = 0; i < s->ntuns; i++) {
		const struct swan_conn_status *c = swan_status_get(now, s->tuns[i].name, false);
		bool ike = c && c->ike, child = c && c->child;

		if (s->tuns[i].heard > seq0)
			continue;
		swan_set_state(s, s->tuns[i].name, s->tuns[i].ifnum, false, ike, "whack",
			       ike ? "IKE SA established" : "no established IKE SA");
		swan_set_state(s, s->tuns[i].name, s->tuns[i].ifnum, true, child, "whack",
			       child ? "Child SA established" : "no established Child SA");
		struct swan_conn_status *l = swan_status_get(&s->last, s->tuns[i].name, true);
		if (c && c->have_bytes && l &&
		    (!l->have_bytes || l->inbytes != c->inbytes || l->outbytes != c->outbytes)) {
			l->have_bytes = true;
			l->inbytes = c->inbytes;
			l->outbytes = c->outbytes;
			struct rd_obs o = { .kind = RD_OBS_COUNTERS, .ifnum = s->tuns[i].ifnum,
					    .up = child, .source = "whack", .reason = "trafficstatus",
					    .bytes_in = c->inbytes, .bytes_out = c->outbytes };
			s->env.notify(s->env.arg, &o);
		}
	}
	free(now);
	return 0;
}

/* A poll, blocking (at start: the live state before anything changes). */
static int
ike_poll(void *state, const struct rd_config *cfg)
{
	struct swan *s = state;
	struct swan_poll_res r;

	(void)cfg;
	swan_poll_run(s, &r);
	return swan_poll_apply(s, &r, s->heard_seq);
}

static int
ike_poll_start(void *state, const struct rd_config *cfg)
{
	(void)cfg;
	return swan_poller_kick(state);
}

static void
unlink_file(struct swan *s, const char *name, int dfd, const char *file, void *arg)
{
	(void)s, (void)name, (void)arg;
	unlinkat(dfd, file, 0);
}

/* Remove every rd-*.conf in the conn directory (pluto keeps what it loaded). */
static void
remove_files(struct swan *s)
{
	each_conn_file(s, unlink_file, NULL);
}

static void
ike_fini(void *state, const struct rd_config *cfg)
{
	struct swan *s = state;
	struct rd_config empty = { 0 };

	if (s == NULL)
		return;
	if (cfg && s->pluto_up != 0)
		for (size_t i = 0; i < s->ntuns; i++)
			whack_both(s, "--delete", s->tuns[i].name, s->tuns[i].v1[0] != '\0');
	/* Leave an empty secrets file and the include (pluto's ipsec.conf
	 * still includes them); remove the conn files. */
	swan_write_atomic(s->paths.ipsec_secrets, 0600, render_secrets, &empty);
	swan_write_atomic(s->paths.ipsec_include, 0644, render_include, s->conn_dir);
	remove_files(s);
	swan_poller_stop(s);
	swan_hook_close(s);
	free(s);
}

const struct rd_ike_ops rd_ike_libreswan = {
	.name = "libreswan",
	.init = ike_init,
	.apply = ike_apply,
	.up = ike_up,
	.down = ike_down,
	.rekey = ike_rekey,
	.poll = ike_poll,
	.poll_start = ike_poll_start,
	.fini = ike_fini,
};
