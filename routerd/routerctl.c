/*
 * routerctl.c - the client of routerd's control socket (protocol in control.h).
 *
 * One request per connection: write the JSON request and '\n', read the reply
 * until '\n' or EOF, render it (ctl_render.c). Exit status: 0 success,
 * 1 runtime error (no daemon, error reply, bad reply), 2 bad usage.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "routerd/control.h"
#include "routerd/ctl_render.h"

#define REPLY_MAX (16u << 20)   /* refuse replies above 16 MiB */
#define REPLY_TIMEOUT_SEC 60    /* a reload may take a while; a hung daemon must not hang us */

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

struct opts {
	const char *sock;
	bool json, aws;
	const char *command, *arg;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: routerctl [-s SOCKET] [--json] show [--aws] [CONNECTION]\n"
		"       routerctl [-s SOCKET] [--json] drain CONNECTION/TUNNEL\n"
		"       routerctl [-s SOCKET] [--json] undrain CONNECTION/TUNNEL\n"
		"       routerctl [-s SOCKET] [--json] rekey CONNECTION/TUNNEL\n"
		"       routerctl [-s SOCKET] [--json] reload\n"
		"       routerctl --help | --version\n"
		"\n"
		"  -s, --socket PATH  control socket (default $ROUTERCTL_SOCKET or %s)\n"
		"  -j, --json         print the daemon's reply as JSON\n"
		"  -a, --aws          show in the shape of AWS describe-vpn-connections (JSON)\n"
		"  -h, --help         this text\n"
		"  -V, --version      print the version\n", RD_CONTROL_SOCK);
}

/* Parse argv into 'o'. Returns -1 to exit 0 (help/version printed), 0 to go on,
 * EXIT_USAGE on bad usage (already reported). */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "aws", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, nargs, left;

	while ((ch = getopt_long(argc, argv, "s:jahV", lopts, NULL)) != -1) {
		switch (ch) {
		case 's': o->sock = optarg; break;
		case 'j': o->json = true; break;
		case 'a': o->aws = true; break;
		case 'h': usage(stdout); return -1;
		case 'V': printf("routerctl %s\n", PACKAGE_VERSION); return -1;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	left = argc - optind;
	if (left < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	o->command = argv[optind];
	nargs = ctl_command_args(o->command);
	if (nargs == -2) {
		fprintf(stderr, "routerctl: unknown command '%s'\n", o->command);
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((nargs == 0 && left != 1) || (nargs == 1 && left != 2) || (nargs == -1 && left > 2)) {
		fprintf(stderr, "routerctl: wrong number of arguments for '%s'\n", o->command);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o->aws && strcmp(o->command, "show") != 0) {
		fprintf(stderr, "routerctl: --aws goes with show only\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	o->arg = left == 2 ? argv[optind + 1] : NULL;
	if (o->arg && strcmp(o->command, "show") != 0 && strchr(o->arg, '/') == NULL) {
		fprintf(stderr, "routerctl: %s wants CONNECTION/TUNNEL, got '%s'\n", o->command, o->arg);
		return EXIT_USAGE;
	}
	return 0;
}

/* Connect to the control socket; -1 with the reason printed. */
static int
ctl_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_SEC };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "routerctl: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "routerctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "routerctl: cannot connect to %s: %s (is routerd running?)\n",
			path, strerror(errno));
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read one reply line (up to '\n' or EOF) into a malloc'd string; NULL on error. */
static char *
read_reply(int fd, const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	while (buf != NULL) {
		ssize_t n;

		if (len + 1 == cap) {
			char *nb = cap >= REPLY_MAX ? NULL : realloc(buf, cap * 2);

			if (nb == NULL) {
				fprintf(stderr, "routerctl: reply from %s too large\n", path);
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "routerctl: reading from %s: %s\n", path,
				errno == EAGAIN ? "timed out" : strerror(errno));
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if (n == 0 || memchr(buf + len - (size_t)n, '\n', (size_t)n) != NULL)
			return buf;
	}
	free(buf);
	return NULL;
}

/* Send the request, return the parsed reply or NULL (reason printed). */
static struct json_object *
transact(const char *path, struct json_object *req)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	struct json_object *reply = NULL;
	enum json_tokener_error jerr;
	char *line = NULL;
	int fd = ctl_connect(path);

	if (fd < 0)
		return NULL;
	if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0) {
		fprintf(stderr, "routerctl: writing to %s: %s\n", path, strerror(errno));
		goto out;
	}
	line = read_reply(fd, path);
	if (line == NULL)
		goto out;
	if (line[0] == '\0') {
		fprintf(stderr, "routerctl: %s closed without a reply\n", path);
		goto out;
	}
	reply = json_tokener_parse_verbose(line, &jerr);
	if (reply == NULL || !json_object_is_type(reply, json_type_object)) {
		fprintf(stderr, "routerctl: bad reply from %s: %s\n", path,
			reply ? "not a JSON object" : json_tokener_error_desc(jerr));
		json_object_put(reply);
		reply = NULL;
	}
out:
	free(line);
	close(fd);
	return reply;
}

/* Render a successful reply as the options ask. */
static int
render(const struct opts *o, struct json_object *reply)
{
	struct json_object *aws;

	if (strcmp(o->command, "show") != 0) {
		if (o->json)
			ctl_print_json(stdout, reply);
		else
			printf("%s%s%s: ok\n", o->command, o->arg ? " " : "", o->arg ? o->arg : "");
		return 0;
	}
	if (o->aws) {
		aws = ctl_render_aws(reply);
		if (aws == NULL)
			goto bad;
		ctl_print_json(stdout, aws);
		json_object_put(aws);
		return 0;
	}
	if (o->json) {
		ctl_print_json(stdout, reply);
		return 0;
	}
	if (ctl_render_text(stdout, reply, time(NULL)) == 0)
		return 0;
bad:
	fprintf(stderr, "routerctl: reply has no \"connections\" list\n");
	return EXIT_RUNTIME;
}

int
main(int argc, char **argv)
{
	struct opts o = { .sock = getenv("ROUTERCTL_SOCKET") };
	struct json_object *req, *reply, *ok;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (o.sock == NULL || *o.sock == '\0')
		o.sock = RD_CONTROL_SOCK;
	req = ctl_request(o.command, o.arg);
	if (req == NULL)
		return EXIT_USAGE;
	reply = transact(o.sock, req);
	json_object_put(req);
	if (reply == NULL)
		return EXIT_RUNTIME;
	if (!json_object_object_get_ex(reply, "ok", &ok) || !json_object_get_boolean(ok)) {
		struct json_object *err;
		const char *msg = json_object_object_get_ex(reply, "error", &err) ?
				  json_object_get_string(err) : "request failed (no error text)";

		fprintf(stderr, "routerctl: %s\n", msg);
		rc = EXIT_RUNTIME;
	} else {
		rc = render(&o, reply);
	}
	json_object_put(reply);
	if (fflush(stdout) != 0 && rc == 0)
		rc = EXIT_RUNTIME;
	return rc;
}
