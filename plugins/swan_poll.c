/*
 * swan_poll.c - the libreswan backend's background poll.
 *
 * A poll is two whack calls (--showstates, --trafficstatus), each a fork
 * and exec that waits for pluto: 100-570 ms in the TCG test guest, every
 * third tick. Run on the event loop, a BFD failure that arrived meanwhile
 * waited for it (seen: 197 ms between the failure and the apply). So a
 * thread runs them (swan_poll_run, through the same exec as everything
 * else: privsep_exec serialises its helper) and the loop applies the
 * result when it is in (swan_poll_apply). A kick while a poll runs is
 * dropped (-EBUSY): the next tick asks again.
 *
 * Hand-over: the loop writes a byte to 'kick'; the thread polls into
 * 'res' and writes a byte to 'done', which the loop reads before it
 * touches 'res' (the mutex orders the memory). EOF on 'kick' stops the
 * thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "plugins/swan_priv.h"
#include "routerd/log.h"

struct swan_poller {
	struct swan *s;
	pthread_t thread;
	bool thread_started;
	int kick[2], done[2];
	struct event *ev;
	pthread_mutex_t mu;
	struct swan_poll_res res;       /* under mu */
	bool busy;                      /* loop only: a poll is out */
	uint64_t seq0;                  /* loop only: s->heard_seq at the kick */
};

static void *
poll_thread(void *arg)
{
	struct swan_poller *p = arg;
	struct swan_poll_res r;
	char c;

	for (;;) {
		ssize_t n = read(p->kick[0], &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		swan_poll_run(p->s, &r);
		pthread_mutex_lock(&p->mu);
		p->res = r;
		pthread_mutex_unlock(&p->mu);
		while (write(p->done[1], "d", 1) < 0 && errno == EINTR)
			;
	}
}

static void
poll_done(evutil_socket_t fd, short what, void *arg)
{
	struct swan_poller *p = arg;
	struct swan_poll_res r;
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&p->mu);
	r = p->res;
	p->res.now = NULL;
	pthread_mutex_unlock(&p->mu);
	p->busy = false;
	swan_poll_apply(p->s, &r, p->seq0);
}

static void
poller_free(struct swan_poller *p)
{
	if (p->kick[1] >= 0)
		close(p->kick[1]);      /* the thread sees EOF */
	if (p->thread_started)
		pthread_join(p->thread, NULL);
	if (p->ev)
		event_free(p->ev);
	if (p->kick[0] >= 0)
		close(p->kick[0]);
	if (p->done[0] >= 0)
		close(p->done[0]);
	if (p->done[1] >= 0)
		close(p->done[1]);
	free(p->res.now);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static struct swan_poller *
poller_new(struct swan *s)
{
	struct swan_poller *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->s = s;
	p->kick[0] = p->kick[1] = p->done[0] = p->done[1] = -1;
	pthread_mutex_init(&p->mu, NULL);
	if (pipe2(p->kick, O_CLOEXEC) < 0 || pipe2(p->done, O_CLOEXEC) < 0)
		goto fail;
	p->ev = event_new(s->env.base, p->done[0], EV_READ | EV_PERSIST, poll_done, p);
	if (p->ev == NULL || event_add(p->ev, NULL) < 0)
		goto fail;
	if ((errno = pthread_create(&p->thread, NULL, poll_thread, p)) != 0)
		goto fail;
	p->thread_started = true;
	return p;
fail:
	log_warn("libreswan: cannot start the poller thread");
	poller_free(p);
	return NULL;
}

int
swan_poller_kick(struct swan *s)
{
	if (s->env.base == NULL)
		return -EINVAL;
	if (s->poller == NULL && (s->poller = poller_new(s)) == NULL)
		return -ENOMEM;
	if (s->poller->busy)
		return -EBUSY;
	s->poller->seq0 = s->heard_seq;
	if (write(s->poller->kick[1], "k", 1) != 1)
		return -errno;
	s->poller->busy = true;
	return 0;
}

void
swan_poller_stop(struct swan *s)
{
	if (s->poller != NULL)
		poller_free(s->poller);
	s->poller = NULL;
}
