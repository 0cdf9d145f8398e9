/* test_frr_vty.c - the vty reply framing (split at every byte) and a batch against a fake daemon. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugins/frr_vty.h"

/* Two replies back to back: text with a lone NUL pair inside, then an empty one. */
static const uint8_t stream[] = "hello\0\0world\n\0\0\0\x02" "\0\0\0\0" "x";
#define STREAM_LEN (sizeof(stream) - 1)

/* Check reply number 'i' of 'stream'. */
static void
check_reply(const struct frr_reply *r, int i)
{
	assert_true(r->done);
	if (i == 0) {
		assert_int_equal(r->status, 2);
		assert_int_equal(r->len, 13);
		assert_memory_equal(r->text, "hello\0\0world\n", 13);
	} else {
		assert_int_equal(r->status, 0);
		assert_int_equal(r->len, 0);
	}
}

/* Parse 'stream' (without its trailing byte) fed as two pieces split at 'cut'. */
static void
parse_split(size_t cut)
{
	const size_t len = STREAM_LEN - 1;
	const size_t bounds[3] = { 0, cut, len };
	struct frr_reply r;
	int replies = 0;

	frr_reply_init(&r, true);
	for (int piece = 0; piece < 2; piece++) {
		const uint8_t *p = stream + bounds[piece];
		size_t left = bounds[piece + 1] - bounds[piece];

		while (left > 0) {
			ssize_t k = frr_reply_feed(&r, p, left);

			assert_true(k > 0);
			p += k;
			left -= (size_t)k;
			if (r.done) {
				check_reply(&r, replies++);
				frr_reply_reset(&r);
			}
		}
	}
	assert_int_equal(replies, 2);
	frr_reply_free(&r);
}

static void
test_split_everywhere(void **unused)
{
	for (size_t cut = 0; cut <= STREAM_LEN - 1; cut++)   /* without the "x" */
		parse_split(cut);
}

static void
test_byte_by_byte(void **unused)
{
	static const uint8_t one[] = "a\0b\0\0\0\x0d";
	struct frr_reply r;

	frr_reply_init(&r, true);
	for (size_t i = 0; i < sizeof(one) - 1; i++) {
		assert_false(r.done);
		assert_int_equal(frr_reply_feed(&r, one + i, 1), 1);
	}
	assert_true(r.done);
	assert_int_equal(r.status, 13);
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.text, "a\0b", 3);
	assert_int_equal(frr_reply_feed(&r, one, 1), 0);   /* done: consumes nothing */
	frr_reply_free(&r);
}

static void
test_count_only(void **unused)
{
	struct frr_reply r;

	frr_reply_init(&r, false);
	assert_int_equal(frr_reply_feed(&r, stream, STREAM_LEN), 17);
	assert_true(r.done);
	assert_int_equal(r.status, 2);
	assert_null(r.text);
	frr_reply_free(&r);
}

/* Fake daemon: answers "<cmd>\n" with status 2 for "bad..." commands, 0 otherwise. */
static void
serve(int lfd)
{
	char cmd[256];
	size_t n = 0;
	char c;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		_exit(1);
	while (read(fd, &c, 1) == 1) {
		if (c != '\0') {
			if (n < sizeof(cmd) - 1)
				cmd[n++] = c;
			continue;
		}
		cmd[n] = '\0';
		uint8_t tail[4] = { 0, 0, 0, strncmp(cmd, "bad", 3) == 0 ? 2 : 0 };
		dprintf(fd, "%s\n", cmd);
		if (write(fd, tail, 4) != 4)
			_exit(1);
		n = 0;
	}
	_exit(0);
}

static void
test_batch_fake_daemon(void **unused)
{
	char dir[] = "/tmp/frrvtyXXXXXX";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct frr_vty v;
	struct frr_batch_result res;
	enum { N = 5000 };
	char **cmds = calloc(N, sizeof(*cmds));
	uint8_t status;
	char *text;
	pid_t pid;
	int lfd, st;

	assert_non_null(mkdtemp(dir));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/bgpd.vty", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	if ((pid = fork()) == 0)
		serve(lfd);
	close(lfd);

	frr_vty_init(&v, dir, "bgpd");
	for (int i = 0; i < N; i++)
		assert_true(asprintf(&cmds[i], "%s %d", i % 1000 == 7 ? "bad" : "network", i) > 0);
	assert_int_equal(frr_vty_batch(&v, cmds, N, &res), 0);
	assert_int_equal(res.sent, N);
	assert_int_equal(res.failed, 5);
	assert_int_equal(res.first_failed, 7);
	assert_int_equal(res.first_status, 2);
	assert_int_equal(frr_vty_cmd(&v, "show x", &status, &text), 0);
	assert_int_equal(status, 0);
	assert_string_equal(text, "show x\n");
	free(text);
	frr_vty_close(&v);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* Daemon gone: connect fails with -errno. */
	assert_true(frr_vty_open(&v) < 0);
	for (int i = 0; i < N; i++)
		free(cmds[i]);
	free(cmds);
	unlink(sun.sun_path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_count_only),
		cmocka_unit_test(test_batch_fake_daemon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
