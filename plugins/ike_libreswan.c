/*
 * ike_libreswan.c - the libreswan 4.10 (pluto) IKE backend.
 *
 * Control goes through `ipsec whack` / `ipsec addconn` with a bounded
 * fork/exec (swan_exec.c, 5 s): a hung pluto costs at most that per call.
 * State comes from `whack --showstates` / `--trafficstatus` (parsed by
 * swan_whack.c) and from the updown hook (swan_hook.c); whack's exit code
 * is never taken as tunnel state. Pluto's liveness is a connect() to
 * pluto.ctl.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugins/plugin.h"
#include "plugins/swan_exec.h"
#include "plugins/swan_priv.h"
#include "routerd/log.h"

#define WHACK_OUT_MAX (256 * 1024)
#define SWAN_POLL_TIMEOUTS_LOST 3       /* timed-out polls in a row = pluto hung */

/* Run "ipsec <args...>"; logs failures. Returns the exit status or -errno. */
static int
ipsec(struct swan *s, char *out, size_t outlen, const char *a0, const char *a1,
      const char *a2, const char *a3, const char *a4, const char *a5, const char *a6)
{
	const char *argv[] = { "ipsec", a0, a1, a2, a3, a4, a5, a6, NULL };
	char small[512];
	rd_exec_fn exec = s->env.exec;
	int rc = exec ? exec(s->env.exec_arg, (char *const *)argv, out ? out : small,
			     out ? outlen : sizeof(small), SWAN_EXEC_TIMEOUT_MS)
		      : swan_exec((char *const *)argv, out ? out : small,
				  out ? outlen : sizeof(small), SWAN_EXEC_TIMEOUT_MS);

	if (rc != 0) {
		char cmd[512] = "";
		for (size_t i = 1; argv[i] && i < sizeof(argv) / sizeof(argv[0]); i++)
			if (i != 2 && i != 3)    /* skip "--ctlsocket PATH" */
				snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " %s", argv[i]);
		small[strcspn(small, "\n")] = '\0';
		log_warnx("libreswan: ipsec%s: %s %d%s%s", cmd, rc < 0 ? "error" : "exit",
			  rc < 0 ? -rc : rc, out ? "" : ": ", out ? "" : small);
	}
	return rc;
}

static int
whack(struct swan *s, const char *op, const char *name)
{
	return ipsec(s, NULL, 0, "whack", "--ctlsocket", s->paths.pluto_ctl, op,
		     name ? "--name" : NULL, name, NULL);
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
	if ((err = swan_hook_open(s)) < 0) {
		free(s);
		return err;
	}
	*state = s;
	return 0;
}

static int
render_conns(FILE *f, const void *arg)
{
	const void *const *a = arg;

	return swan_render_conns(f, a[0], a[1]);
}

static int
render_secrets(FILE *f, const void *arg)
{
	return swan_render_secrets(f, arg);
}

/* The conn text of one tunnel, for change detection; NULL on error. */
static char *
conn_text(const struct rd_config *cfg, const struct rd_connection *c,
	  const struct rd_tunnel *t, const struct swan_render_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	int err = swan_render_conn(f, cfg, c, t, o);
	fclose(f);
	if (err < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Does pluto need this tunnel (re-)added? With a previous config: when its
 * conn text differs. Without one (routerd just started, or pluto came
 * back): when the conn text is not already in the include file on disk —
 * pluto loads that file at its own start and a previous routerd wrote it,
 * so an identical conn is already loaded and keeps its SAs.
 */
static bool
tunnel_changed(const struct rd_config *prev, const struct rd_config *cfg,
	       const struct rd_connection *c, const struct rd_tunnel *t,
	       const struct swan_render_opts *o, const char *on_disk)
{
	struct rd_connection *pc = NULL;
	struct rd_tunnel *pt = prev ? conf_find_tunnel(prev, c->name, t->name, &pc) : NULL;
	char *a, *b = conn_text(cfg, c, t, o);
	bool changed;

	if (prev == NULL) {
		changed = b == NULL || on_disk == NULL || strstr(on_disk, b) == NULL;
		free(b);
		return changed;
	}
	if (pt == NULL) {
		free(b);
		return true;
	}
	a = conn_text(prev, pc, pt, o);
	changed = a == NULL || b == NULL || strcmp(a, b) != 0;
	free(a);
	free(b);
	return changed;
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
ike_apply(void *state, const struct rd_config *prev, const struct rd_config *cfg)
{
	struct swan *s = state;
	struct swan_render_opts o = { .updown = s->paths.updown, .hook_sock = s->hook_path,
				      .no_xfrmi = s->no_xfrmi };
	const void *args[2] = { cfg, &o };
	char name[SWAN_CONN_NAME_MAX];
	int err, failed = 0;

	char *on_disk = prev ? NULL : slurp(s->paths.ipsec_include);

	/* Render first: a config we cannot render leaves pluto untouched. */
	if ((err = swan_write_atomic(s->paths.ipsec_secrets, 0600, render_secrets, cfg)) < 0 ||
	    (err = swan_write_atomic(s->paths.ipsec_include, 0644, render_conns, args)) < 0) {
		free(on_disk);
		return err;
	}
	whack(s, "--rereadsecrets", NULL);

	/* Removed tunnels. */
	for (size_t i = 0; prev && i < prev->nconns; i++)
		for (size_t j = 0; j < prev->conns[i].ntunnels; j++) {
			const struct rd_connection *c = &prev->conns[i];
			if (conf_find_tunnel(cfg, c->name, c->tunnels[j].name, NULL))
				continue;
			if (swan_conn_name(c, &c->tunnels[j], name, sizeof(name)) == 0) {
				struct swan_conn_status *l = swan_status_get(&s->last, name, false);
				log_info("libreswan: %s removed", name);
				whack(s, "--delete", name);
				if (l)          /* forget it: a later re-add starts clean */
					l->ike = l->child = l->have_bytes = false;
			}
		}

	/* New or changed tunnels: delete + add; unchanged keep their SAs. */
	s->ntuns = 0;
	for (size_t i = 0; i < cfg->nconns; i++)
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++) {
			const struct rd_connection *c = &cfg->conns[i];
			const struct rd_tunnel *t = &c->tunnels[j];
			if (swan_conn_name(c, t, name, sizeof(name)) < 0 || s->ntuns == SWAN_STATUS_MAX) {
				free(on_disk);
				return -EINVAL;
			}
			strcpy(s->tuns[s->ntuns].name, name);
			s->tuns[s->ntuns++].ifnum = t->ifnum;
			if (!tunnel_changed(prev, cfg, c, t, &o, on_disk))
				continue;
			log_info("libreswan: %s (ipsec%u) %s", name, t->ifnum,
				 prev && conf_find_tunnel(prev, c->name, t->name, NULL) ?
				 "changed: replacing" : "new: adding");
			whack(s, "--delete", name);
			if (ipsec(s, NULL, 0, "addconn", "--ctlsocket", s->paths.pluto_ctl,
				  "--config", s->paths.ipsec_conf, name, NULL) != 0)
				failed++;
		}
	free(on_disk);
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
	return whack(state, "--down", name) < 0 ? -EIO : 0;
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

static int
ike_poll(void *state, const struct rd_config *cfg)
{
	struct swan *s = state;
	struct swan_status *now;
	char *out;

	if ((out = malloc(WHACK_OUT_MAX)) == NULL || (now = calloc(1, sizeof(*now))) == NULL) {
		free(out);
		return -ENOMEM;
	}
	int a = ipsec(s, out, WHACK_OUT_MAX, "whack", "--ctlsocket", s->paths.pluto_ctl,
		      "--showstates", NULL, NULL, NULL);
	bool reached = whack_reached(a, out);
	if (reached)
		swan_parse_showstates(out, now);
	int b = ipsec(s, out, WHACK_OUT_MAX, "whack", "--ctlsocket", s->paths.pluto_ctl,
		      "--trafficstatus", NULL, NULL, NULL);
	reached = reached && whack_reached(b, out);
	if (reached)
		swan_parse_trafficstatus(out, now);
	free(out);
	if (!reached) {                 /* absent, refused or timed out */
		free(now);
		/* A timed-out whack reached a busy pluto (a loaded host, a burst
		 * of IKE crypto), not a gone one: its SAs still forward. Only a
		 * refusal, or timeouts in SWAN_POLL_TIMEOUTS_LOST polls in a row
		 * (hung), take every tunnel down. */
		if ((a == -ETIMEDOUT || b == -ETIMEDOUT) &&
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
	for (size_t i = 0; i < s->ntuns; i++) {
		const struct swan_conn_status *c = swan_status_get(now, s->tuns[i].name, false);
		bool ike = c && c->ike, child = c && c->child;

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
	(void)cfg;
	return 0;
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
			whack(s, "--delete", s->tuns[i].name);
	/* Leave empty files: pluto's ipsec.conf still includes them. */
	struct swan_render_opts o = { .updown = "", .hook_sock = "" };
	const void *args[2] = { &empty, &o };
	swan_write_atomic(s->paths.ipsec_secrets, 0600, render_secrets, &empty);
	swan_write_atomic(s->paths.ipsec_include, 0644, render_conns, args);
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
	.fini = ike_fini,
};
