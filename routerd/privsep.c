/*
 * privsep.c - the one thing routerd still does as root after dropping
 * privileges: run libreswan's control tools against pluto's control
 * socket, which pluto creates mode 0700 root.
 *
 * Before the drop, routerd forks a helper that keeps uid 0 but no
 * capabilities at all (bounding set cleared, no_new_privs set, so the
 * tools it executes gain none either). The unprivileged daemon sends it an
 * argv over a socketpair; the helper runs it only if it has one of the
 * shapes in 'shapes' below (the commands routerd's libreswan backend
 * sends, with pluto's control socket fixed at start and conn names of the
 * form routerd renders), and answers with the exit status and the output.
 *
 * addconn is what makes pluto run a program as root (a conn's leftupdown),
 * so its --config file is read by the helper (a regular file, at most
 * PRIVSEP_CONF_MAX bytes), checked line by line against what
 * swan_render.c writes (only the conns named on the command line, only
 * known keys, plain values, leftupdown exactly the updown program and hook
 * socket fixed at start), and addconn is run on the helper's own copy
 * (a memfd, /proc/self/fd/N), so the file cannot change after the check.
 * The updown program must be root's: owned by root and not writable by
 * group or others, nor its directories (checked at start).
 *
 * Frames on the stream: u32 length, then the payload. Request payload:
 * argv strings, each NUL-terminated. Reply payload: i32 status, output.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cap-ng.h>

#include "plugins/hookmsg.h"
#include "plugins/swan_exec.h"
#include "plugins/swan_render.h"
#include "routerd/log.h"
#include "routerd/privsep.h"

#define MAX_ARGS (PRIVSEP_ADD_MAX + 8)
#define MAX_REQ 16384
#define MAX_OUT (4u << 20)

static int
io_full(int fd, void *buf, size_t len, bool wr)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
send_frame(int fd, const void *a, size_t alen, const void *b, size_t blen)
{
	uint32_t len = (uint32_t)(alen + blen);

	if (io_full(fd, &len, sizeof(len), true) != 0 || io_full(fd, (void *)a, alen, true) != 0)
		return -1;
	return blen ? io_full(fd, (void *)b, blen, true) : 0;
}

/* A conn name as swan_conn_name() makes it (an IKEv1 twin's suffix
 * included): "rd-" and [A-Za-z0-9._-]. */
#define PRIVSEP_NAME_MAX (SWAN_CONN_NAME_MAX + 16)
static bool
conn_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 4 || n >= PRIVSEP_NAME_MAX || strncmp(s, "rd-", 3) != 0)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The whack commands routerd sends: after "ipsec whack --ctlsocket CTL". */
static const struct {
	const char *op;
	bool name;              /* followed by --name NAME */
	const char *flag;       /* one more flag before --name, or NULL */
} whacks[] = {
	{ "--delete", true, NULL },        { "--down", true, NULL },
	{ "--rekey-ipsec", true, NULL },   { "--initiate", true, "--asynchronous" },
	{ "--rereadsecrets", false, NULL }, { "--showstates", false, NULL },
	{ "--trafficstatus", false, NULL },
};

int
privsep_allowed(const struct privsep_policy *p, char *const argv[], int argc)
{
	if (argc < 4 || strcmp(argv[0], "ipsec") != 0 || strcmp(argv[2], "--ctlsocket") != 0 ||
	    strcmp(argv[3], p->ctl) != 0)
		return PRIVSEP_REFUSED;
	if (strcmp(argv[1], "whack") == 0) {
		for (size_t i = 0; i < sizeof(whacks) / sizeof(whacks[0]); i++) {
			int k = 5 + (whacks[i].flag != NULL);

			if (argc < 5 || strcmp(argv[4], whacks[i].op) != 0)
				continue;
			if (!whacks[i].name)
				return argc == 5 ? PRIVSEP_WHACK : PRIVSEP_REFUSED;
			if (whacks[i].flag && strcmp(argv[5], whacks[i].flag) != 0)
				return PRIVSEP_REFUSED;
			return argc == k + 2 && strcmp(argv[k], "--name") == 0 &&
			       conn_name_ok(argv[k + 1]) ? PRIVSEP_WHACK : PRIVSEP_REFUSED;
		}
		return PRIVSEP_REFUSED;
	}
	/* ipsec addconn --ctlsocket CTL --config FILE NAME... */
	if (strcmp(argv[1], "addconn") != 0 || argc < 7 || argc > 6 + PRIVSEP_ADD_MAX ||
	    strcmp(argv[4], "--config") != 0 || argv[5][0] != '/')
		return PRIVSEP_REFUSED;
	for (int i = 6; i < argc; i++) {
		if (!conn_name_ok(argv[i]))
			return PRIVSEP_REFUSED;
		for (int j = 6; j < i; j++)
			if (strcmp(argv[i], argv[j]) == 0)
				return PRIVSEP_REFUSED;
	}
	return PRIVSEP_ADDCONN;
}

/* The keys swan_render.c writes in a conn (leftupdown apart). */
static const char *const conn_keys[] = {
	"auto", "type", "authby", "ikev2", "left", "leftid", "leftsubnet", "leftnexthop",
	"overlapip", "right", "rightid", "rightsubnet", "ipsec-interface", "reqid", "ike", "esp",
	"pfs", "ikelifetime", "salifetime", "rekeymargin", "rekeyfuzz", "replay-window",
	"dpddelay", "retransmit-timeout", "retransmit-interval", "dpdtimeout", "dpdaction",
	"failureshunt", "encapsulation",
};

static bool
conn_key_ok(const char *k, size_t n)
{
	for (size_t i = 0; i < sizeof(conn_keys) / sizeof(conn_keys[0]); i++)
		if (strlen(conn_keys[i]) == n && memcmp(conn_keys[i], k, n) == 0)
			return true;
	return false;
}

static int
refuse(char *why, size_t len, int line, const char *what)
{
	snprintf(why, len, "conn file line %d: %s", line, what);
	return -1;
}

int
privsep_check_conns(const struct privsep_policy *p, const char *text, size_t len,
		    char *const names[], int n, char *why, size_t whylen)
{
	static const char value_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789.,;:/%+_=@-";
	bool seen[PRIVSEP_ADD_MAX] = { false }, in_conn = false;
	char name[PRIVSEP_NAME_MAX + 1];
	int line = 0;

	if (n > PRIVSEP_ADD_MAX || memchr(text, '\0', len) != NULL)
		return refuse(why, whylen, 0, "a NUL byte");
	for (size_t pos = 0; pos < len; line++) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - s) : len - pos;

		pos += l + 1;
		if (l == 0 || s[0] == '#')
			continue;
		if (l > 5 && memcmp(s, "conn ", 5) == 0) {
			int k;

			if (l - 5 >= sizeof(name))
				return refuse(why, whylen, line + 1, "conn name too long");
			memcpy(name, s + 5, l - 5);
			name[l - 5] = '\0';
			if (!conn_name_ok(name))
				return refuse(why, whylen, line + 1, "not a conn name routerd writes");
			/* Others are checked alike and stay in the file (addconn adds
			 * the named ones only: a tunnel's file holds its IKEv1 twin). */
			for (k = 0; k < n; k++)
				if (strcmp(names[k], name) == 0)
					seen[k] = true;
			in_conn = true;
			continue;
		}
		const char *eq = memchr(s, '=', l);
		if (!in_conn || s[0] != '\t' || eq == NULL)
			return refuse(why, whylen, line + 1, "not a conn's key=value");
		const char *v = eq + 1;
		size_t kn = (size_t)(eq - s - 1), vn = l - kn - 2;
		if (kn == 10 && memcmp(s + 1, "leftupdown", 10) == 0) {
			if (vn != strlen(p->updown_value) || memcmp(v, p->updown_value, vn) != 0)
				return refuse(why, whylen, line + 1, "leftupdown is not routerd's");
			continue;
		}
		if (!conn_key_ok(s + 1, kn))
			return refuse(why, whylen, line + 1, "a key routerd does not write");
		for (size_t i = 0; i < vn; i++)
			if (strchr(value_chars, v[i]) == NULL)
				return refuse(why, whylen, line + 1, "a character routerd does not write");
		if (vn == 0)
			return refuse(why, whylen, line + 1, "an empty value");
	}
	for (int k = 0; k < n; k++)
		if (!seen[k]) {
			snprintf(why, whylen, "conn file: no conn %s", names[k]);
			return -1;
		}
	return 0;
}

/*
 * Is the program root's: a regular file owned by root and not writable by
 * group or others, nor any directory above it unless sticky (symbolic
 * links resolved)?
 * Else whoever may write there chooses what pluto runs as root.
 */
static bool
root_only(const char *path)
{
	char *real = realpath(path, NULL), *slash;
	struct stat sb;
	bool ok;

	if (real == NULL)
		return false;
	ok = stat(real, &sb) == 0 && S_ISREG(sb.st_mode);
	while (ok) {
		/* a sticky directory (/tmp) lets no one replace root's entries */
		ok = stat(real, &sb) == 0 && sb.st_uid == 0 &&
		     (!(sb.st_mode & 0022) || (S_ISDIR(sb.st_mode) && (sb.st_mode & S_ISVTX)));
		if ((slash = strrchr(real, '/')) == NULL || real[1] == '\0')
			break;
		slash[slash == real] = '\0';   /* "/usr" -> "/" */
	}
	free(real);
	return ok;
}

int
privsep_policy_init(struct privsep_policy *p, const struct rd_paths *paths)
{
	memset(p, 0, sizeof(*p));
	if (strlen(paths->pluto_ctl) >= sizeof(p->ctl) ||
	    (size_t)snprintf(p->updown_value, sizeof(p->updown_value),
			     "\"%s --socket %s/" HOOK_DIR "/hook.sock\"", paths->updown,
			     paths->run_dir) >= sizeof(p->updown_value))
		return -ENAMETOOLONG;
	strcpy(p->ctl, paths->pluto_ctl);
	if (!root_only(paths->updown)) {
		log_warnx("privsep: %s is not root's (owned by root, not writable by group or "
			  "others, nor its directories): conns naming it are refused", paths->updown);
		p->updown_value[0] = '\0';     /* matches no leftupdown line */
	}
	return 0;
}

/* Read an addconn --config file (a regular file, bounded) into a memfd the
 * tool inherits; the fd, or -1 with why set. */
static int
checked_copy(const struct privsep_policy *p, char *const argv[], int argc, char *why,
	     size_t whylen)
{
	static char text[PRIVSEP_CONF_MAX + 1];
	struct stat sb;
	size_t len = 0;
	ssize_t r;
	int fd = open(argv[5], O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC), mfd;

	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > PRIVSEP_CONF_MAX) {
		snprintf(why, whylen, "conn file: not a regular file of at most %d bytes",
			 PRIVSEP_CONF_MAX);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (len <= PRIVSEP_CONF_MAX && (r = read(fd, text + len, PRIVSEP_CONF_MAX + 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	if (len > PRIVSEP_CONF_MAX) {
		snprintf(why, whylen, "conn file: over %d bytes", PRIVSEP_CONF_MAX);
		return -1;
	}
	if (privsep_check_conns(p, text, len, argv + 6, argc - 6, why, whylen) != 0)
		return -1;
	/* no MFD_CLOEXEC: the tool opens it as /proc/self/fd/N */
	if ((mfd = memfd_create("routerd-conns", MFD_ALLOW_SEALING)) < 0 ||
	    write(mfd, text, len) != (ssize_t)len ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		snprintf(why, whylen, "conn file: copy: %s", strerror(errno));
		if (mfd >= 0)
			close(mfd);
		return -1;
	}
	return mfd;
}

/* Run one request; the status as privsep_exec returns it. */
int
privsep_run(const struct privsep_policy *p, char *argv[], int argc, char *out, size_t outlen)
{
	char why[160], conf[64];
	int kind = privsep_allowed(p, argv, argc), mfd, status;

	if (kind == PRIVSEP_REFUSED) {
		snprintf(out, outlen, "privsep: refused command");
		return -EPERM;
	}
	if (kind == PRIVSEP_WHACK)
		return swan_exec(argv, out, outlen, SWAN_EXEC_TIMEOUT_MS);
	if ((mfd = checked_copy(p, argv, argc, why, sizeof(why))) < 0) {
		snprintf(out, outlen, "privsep: refused addconn: %s", why);
		return -EPERM;
	}
	snprintf(conf, sizeof(conf), "/proc/self/fd/%d", mfd);
	argv[5] = conf;
	status = swan_exec(argv, out, outlen, SWAN_EXEC_TIMEOUT_MS);
	close(mfd);
	return status;
}

static void __attribute__((noreturn))
helper_loop(int fd, const struct privsep_policy *pol)
{
	static char out[MAX_OUT];
	static struct log_rl rl = LOG_RL_INIT("privsep: refused commands");
	char req[MAX_REQ + 1];
	uint32_t len;

	for (;;) {
		char *argv[MAX_ARGS + 1];
		int argc = 0;
		int32_t status;

		if (io_full(fd, &len, sizeof(len), false) != 0 || len > MAX_REQ ||
		    io_full(fd, req, len, false) != 0)
			_exit(0);       /* the daemon is gone */
		req[len] = '\0';
		for (size_t off = 0; off < len; off += strlen(req + off) + 1) {
			if (argc == MAX_ARGS) {
				argc = 0;       /* too many: refused, never cut short */
				break;
			}
			argv[argc++] = req + off;
		}
		argv[argc] = NULL;
		out[0] = '\0';
		status = privsep_run(pol, argv, argc, out, sizeof(out));
		if (status == -EPERM && log_rl_allow(&rl))
			log_warnx("%s (ipsec %s)", out, argc > 1 ? argv[1] : "?");
		if (send_frame(fd, &status, sizeof(status), out, strlen(out)) != 0)
			_exit(0);
	}
}

int
privsep_start(struct privsep *ps, const struct rd_paths *paths)
{
	static struct privsep_policy pol;
	int sv[2];
	pid_t pid;

	if (privsep_policy_init(&pol, paths) != 0) {
		log_warnx("privsep: paths too long");
		return -1;
	}

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		log_warn("privsep: socketpair");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_warn("privsep: fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "routerd-priv");
		capng_clear(CAPNG_SELECT_BOTH);
		if (capng_apply(CAPNG_SELECT_BOTH) != 0 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
			_exit(1);
		helper_loop(sv[1], &pol);
	}
	close(sv[1]);
	ps->fd = sv[0];
	ps->pid = pid;
	pthread_mutex_init(&ps->mu, NULL);
	log_info("privsep: helper pid %d runs libreswan's tools (uid 0, no capabilities)", (int)pid);
	return 0;
}

static int
exec_locked(struct privsep *ps, char *const argv[], char *out, size_t outlen)
{
	char req[MAX_REQ];
	size_t off = 0;
	uint32_t len;
	int32_t status;

	for (int i = 0; argv[i] != NULL; i++) {
		size_t n = strlen(argv[i]) + 1;

		if (off + n > sizeof(req) || i >= MAX_ARGS)
			return -E2BIG;
		memcpy(req + off, argv[i], n);
		off += n;
	}
	if (send_frame(ps->fd, req, off, NULL, 0) != 0 ||
	    io_full(ps->fd, &len, sizeof(len), false) != 0 || len < sizeof(status) ||
	    io_full(ps->fd, &status, sizeof(status), false) != 0)
		return -EPIPE;
	len -= sizeof(status);
	for (uint32_t got = 0; got < len;) {
		char tmp[4096];
		uint32_t n = len - got < sizeof(tmp) ? len - got : (uint32_t)sizeof(tmp);

		if (io_full(ps->fd, tmp, n, false) != 0)
			return -EPIPE;
		if (out && outlen > got + 1) {
			size_t k = outlen - 1 - got < n ? outlen - 1 - got : n;
			memcpy(out + got, tmp, k);
		}
		got += n;
	}
	if (out && outlen)
		out[len < outlen ? len : outlen - 1] = '\0';
	return status;
}

int
privsep_exec(void *arg, char *const argv[], char *out, size_t outlen, int timeout_ms)
{
	struct privsep *ps = arg;
	int rc;

	(void)timeout_ms;
	pthread_mutex_lock(&ps->mu);
	rc = exec_locked(ps, argv, out, outlen);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}
