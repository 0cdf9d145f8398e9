/* probe.c - ICMP echo health checks (see probe.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "routerd/core.h"
#include "routerd/log.h"
#include "routerd/probe.h"
#include "routerd/tunnel.h"

/* ------------------------------------------------------------------ */
/* The prober (event loop, socket).                                    */

#define PROBE_RING 32
/* A tunnel probe whose tunnel has no IPsec SA looks again this often (not
 * every interval: 1,000 idle tunnels at 100 ms were 10,000 wakeups/s). */
#define PROBE_IDLE_MS 1000u

struct probe {
	bool is_check;
	char name[2 * RD_NAME_MAX + 2];         /* "conn/tun" or the check's name */
	uint32_t ifnum;                         /* tunnel probe: ipsec<ifnum> */
	size_t check;                           /* check: index in cfg->gw.checks */
	uint32_t target, source, interval_ms;
	struct probe_fsm fsm;
	uint32_t child_ups;                     /* tunnel: the SA the history is about */
	/* The last PROBE_RING echoes sent: a late reply (an RTT longer than
	 * the interval) still proves the path alive. */
	uint16_t ring_seq[PROBE_RING];
	struct timespec ring_ts[PROBE_RING];
	unsigned ring_pos;
	bool sent_once;                         /* an echo went out since the (re)start */
	bool replied;                           /* a reply came in this interval */
	bool idle;                              /* tunnel without an SA: timer at PROBE_IDLE_MS */
	uint64_t last_tick_ms;
	char last_error[64];
	struct event *timer;
	struct prober *pr;
};

struct prober {
	struct core *core;
	int fd;
	bool raw;                               /* raw socket (else a ping socket) */
	uint16_t ident;
	uint16_t next_seq;
	struct event *rd_ev;
	struct probe **v;
	size_t n;
	bool *check_ok;                         /* [core->cfg->gw.nchecks] */
	size_t nchecks;
};

static int preopened_fd = -1;

static int
open_raw(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	struct icmp_filter filt = { .data = ~(1u << ICMP_ECHOREPLY) };

	if (fd == -1)
		return -errno;
	if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt)) != 0)
		log_warn("probe: ICMP_FILTER");
	return fd;
}

int
probe_preopen(void)
{
	int fd;

	if (preopened_fd != -1)
		return 0;
	if ((fd = open_raw()) < 0) {
		log_warnx("probe: cannot open a raw ICMP socket: %s (probes will try a ping "
			  "socket, which needs net.ipv4.ping_group_range)", strerror(-fd));
		return fd;
	}
	preopened_fd = fd;
	return 0;
}

static void read_cb(evutil_socket_t fd, short what, void *arg);

/* The socket, opened on first use; -1 when none can be had (logged). */
static int
prober_socket(struct prober *pr)
{
	int fd;

	if (pr->fd != -1)
		return pr->fd;
	if (preopened_fd != -1) {
		fd = preopened_fd;
		preopened_fd = -1;
		pr->raw = true;
	} else if ((fd = open_raw()) >= 0) {
		pr->raw = true;
	} else {
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
		if (fd == -1) {
			log_warnx("probe: no ICMP socket: raw needs CAP_NET_RAW (routerd opens it "
				  "before dropping privileges), a ping socket needs "
				  "net.ipv4.ping_group_range to include routerd's group: %s",
				  strerror(errno));
			return -1;
		}
		pr->raw = false;
		log_info("probe: using an unprivileged ICMP ping socket");
	}
	pr->fd = fd;
	pr->rd_ev = event_new(pr->core->base, fd, EV_READ | EV_PERSIST, read_cb, pr);
	if (pr->rd_ev == NULL || event_add(pr->rd_ev, NULL) != 0)
		log_warnx("probe: cannot watch the ICMP socket");
	return fd;
}

static uint16_t
cksum(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)(b[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void
ip_str(uint32_t a, char buf[16])
{
	rd_ip_str(a, buf);
}

/* A verdict changed: tell the tunnel FSM or the policy, and log. */
static void
verdict_changed(struct probe *p, const char *why)
{
	struct core *c = p->pr->core;
	char tgt[16], pb[20];

	ip_str(p->target, tgt);
	if (!p->is_check) {
		struct tunnel *t = core_tunnel(c, p->ifnum);

		log_info("tunnel %s: probe %s %s: %s", p->name, tgt,
			 probe_verdict_str(p->fsm.verdict), why);
		if (t != NULL && tunnel_probe(t, p->fsm.verdict != PROBE_DOWN, why, core_now_ms()))
			core_schedule(c);
		return;
	}
	log_info("check %s: ping %s %s: %s", p->name, tgt, probe_verdict_str(p->fsm.verdict), why);
	if (p->check >= p->pr->nchecks || p->check >= c->cfg->gw.nchecks)
		return;
	if (p->pr->check_ok[p->check] == (p->fsm.verdict != PROBE_DOWN))
		return;
	p->pr->check_ok[p->check] = p->fsm.verdict != PROBE_DOWN;
	for (size_t j = 0; j < c->cfg->gw.checks[p->check].nprefixes; j++)
		log_info("prefix %s %s: check %s %s (%s)",
			 rd_prefix_str(&c->cfg->gw.checks[p->check].prefixes[j], pb),
			 p->pr->check_ok[p->check] ? "advertised again" : "withdrawn",
			 p->name, p->pr->check_ok[p->check] ? "up" : "down", why);
	core_schedule(c);
}

static void
result(struct probe *p, bool ok)
{
	char why[64];

	if (probe_fsm_result(&p->fsm, ok, why, sizeof(why)))
		verdict_changed(p, why);
}

static void
send_echo(struct probe *p)
{
	struct prober *pr = p->pr;
	uint8_t pkt[8 + 16];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(p->target) };
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { pkt, sizeof(pkt) };
	struct msghdr msg = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
			      .msg_iovlen = 1 };
	int fd = prober_socket(pr);
	char tb[16];

	uint16_t seq = ++pr->next_seq;
	unsigned slot = p->ring_pos++ % PROBE_RING;

	p->ring_seq[slot] = seq;
	p->ring_ts[slot].tv_sec = 0;    /* not matchable until sent */
	p->fsm.sent++;
	if (fd == -1) {
		snprintf(p->last_error, sizeof(p->last_error), "no ICMP socket");
		return;
	}
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = ICMP_ECHO;
	pkt[4] = (uint8_t)(pr->ident >> 8);
	pkt[5] = (uint8_t)pr->ident;
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	memcpy(pkt + 8, "routerd-probe...", 16);
	{
		uint16_t ck = cksum(pkt, sizeof(pkt));

		memcpy(pkt + 2, &ck, 2);
	}
	if (!p->is_check) {
		char ifname[IF_NAMESIZE];
		struct cmsghdr *cm;
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		snprintf(ifname, sizeof(ifname), "ipsec%u", p->ifnum);
		pi.ipi_ifindex = (int)if_nametoindex(ifname);  /* 0: no XFRM interface */
		pi.ipi_spec_dst.s_addr = htonl(p->source);
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	clock_gettime(CLOCK_MONOTONIC, &p->ring_ts[slot]);
	if (sendmsg(fd, &msg, 0) == -1) {
		if (strcmp(p->last_error, strerror(errno)) != 0)
			log_debug("probe %s: send to %s: %s", p->name,
				  rd_ip_str(p->target, tb), strerror(errno));
		snprintf(p->last_error, sizeof(p->last_error), "%s", strerror(errno));
		return;
	}
	p->last_error[0] = '\0';
}

static void
arm(struct probe *p, uint32_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000 * 1000) };

	event_del(p->timer);
	event_add(p->timer, &tv);
}

/*
 * Every interval: judge the interval that ends (no reply in it is a loss),
 * then send the next echo. Replies already in the socket are read first
 * (the timer may run before the read event of the same loop pass), and an
 * interval in which this host stalled (the tick came a whole interval
 * late: a loaded host, a paused VM) is not judged at all: slow is not dead.
 */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	uint64_t now = core_now_ms(), prev = p->last_tick_ms;
	bool stalled = prev != 0 && now - prev >= 2ull * p->interval_ms;

	(void)fd;
	(void)what;
	p->last_tick_ms = now;
	if (!p->is_check) {
		struct tunnel *t = core_tunnel(p->pr->core, p->ifnum);

		/* No IPsec SA, nothing to probe; a new SA starts a new history
		 * (also when it went down and up again within one interval). */
		if (t == NULL || !t->obs.child_up || t->child_ups != p->child_ups) {
			probe_fsm_reset(&p->fsm);
			p->sent_once = p->replied = false;
			if (t != NULL)
				p->child_ups = t->child_ups;
			if (t == NULL || !t->obs.child_up) {
				if (!p->idle && p->interval_ms < PROBE_IDLE_MS)
					arm(p, PROBE_IDLE_MS);
				p->idle = true;
				return;
			}
		}
		if (p->idle) {
			p->idle = false;
			arm(p, p->interval_ms);
		}
	}
	/* About to call the interval lost: first read what is queued (only
	 * then: a read per tick and probe would be 10,000 reads/s at scale). */
	if (p->sent_once && !p->replied && p->pr->fd != -1)
		read_cb(p->pr->fd, EV_READ, p->pr);
	if (p->sent_once && !p->replied) {
		if (stalled) {
			p->fsm.stalls++;
			log_debug("probe %s: tick %llu ms late (this host stalled): interval "
				  "not judged", p->name,
				  (unsigned long long)(now - prev - p->interval_ms));
		} else {
			result(p, false);
		}
	}
	p->replied = false;
	send_echo(p);
	p->sent_once = true;
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct prober *pr = arg;
	uint8_t buf[1500];
	struct sockaddr_in from;
	socklen_t flen;
	ssize_t n;
	struct timespec now;

	for (;;) {
		const uint8_t *icmp = buf;
		size_t len;
		uint16_t id, seq;
		uint32_t src;

		flen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;         /* EAGAIN, or an error the next read repeats */
		len = (size_t)n;
		if (pr->raw) {
			size_t hl;

			if (len < 20)
				continue;
			hl = (size_t)(buf[0] & 0x0f) * 4;
			if (hl < 20 || len < hl + 8)
				continue;
			icmp = buf + hl;
			len -= hl;
		}
		if (len < 8 || icmp[0] != ICMP_ECHOREPLY || icmp[1] != 0)
			continue;
		id = (uint16_t)(icmp[4] << 8 | icmp[5]);
		seq = (uint16_t)(icmp[6] << 8 | icmp[7]);
		if (pr->raw && id != pr->ident)
			continue;       /* somebody else's ping (a ping socket's id is the kernel's) */
		src = ntohl(from.sin_addr.s_addr);
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (size_t i = 0; i < pr->n; i++) {
			struct probe *p = pr->v[i];
			unsigned k;

			if (p->target != src || !p->sent_once)
				continue;
			for (k = 0; k < PROBE_RING; k++)
				if (p->ring_seq[k] == seq && p->ring_ts[k].tv_sec != 0)
					break;
			if (k == PROBE_RING)
				continue;
			probe_fsm_rtt(&p->fsm, (uint32_t)((now.tv_sec - p->ring_ts[k].tv_sec) * 1000000 +
						  (now.tv_nsec - p->ring_ts[k].tv_nsec) / 1000),
				      p->interval_ms);
			p->ring_ts[k].tv_sec = 0;       /* one reply per echo */
			if (!p->replied) {
				p->replied = true;
				result(p, true);
			}
			break;
		}
	}
}

static struct probe *
probe_new(struct prober *pr, bool is_check, const char *name, uint32_t target, uint32_t source,
	  uint32_t interval_ms, uint32_t rise, uint32_t fall)
{
	struct probe *p = calloc(1, sizeof(*p));
	struct timeval tv;

	if (p == NULL)
		return NULL;
	p->pr = pr;
	p->is_check = is_check;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->target = target;
	p->source = source;
	p->interval_ms = interval_ms ? interval_ms : RD_DEFAULT_PROBE_INTERVAL;
	probe_fsm_init(&p->fsm, rise, fall);
	p->timer = event_new(pr->core->base, -1, EV_PERSIST, tick_cb, p);
	if (p->timer == NULL) {
		free(p);
		return NULL;
	}
	tv.tv_sec = (time_t)(p->interval_ms / 1000);
	tv.tv_usec = (suseconds_t)(p->interval_ms % 1000 * 1000);
	event_add(p->timer, &tv);
	return p;
}

static void
probe_free(struct probe *p)
{
	if (p == NULL)
		return;
	event_free(p->timer);
	free(p);
}

/* Take the probe out of 'old' that matches exactly; NULL when none. */
static struct probe *
take(struct probe **old, size_t nold, bool is_check, const char *name, uint32_t ifnum,
     uint32_t target, uint32_t source, uint32_t interval_ms, uint32_t rise, uint32_t fall)
{
	for (size_t i = 0; i < nold; i++) {
		struct probe *p = old[i];

		if (p == NULL || p->is_check != is_check || strcmp(p->name, name) != 0 ||
		    p->ifnum != ifnum || p->target != target || p->source != source ||
		    p->interval_ms != interval_ms || p->fsm.rise != rise || p->fsm.fall != fall)
			continue;
		old[i] = NULL;
		return p;
	}
	return NULL;
}

void
probe_sync(struct core *c)
{
	struct prober *pr = c->prober;
	const struct rd_config *cfg = c->cfg;
	struct probe **old, **v;
	size_t nold, n = 0, cap = cfg->gw.nchecks;
	bool *ok;

	if (pr == NULL) {
		if ((pr = calloc(1, sizeof(*pr))) == NULL) {
			log_warnx("probe: out of memory");
			return;
		}
		pr->core = c;
		pr->fd = -1;
		pr->ident = (uint16_t)getpid();
		c->prober = pr;
	}
	for (size_t i = 0; i < cfg->nconns; i++)
		cap += cfg->conns[i].ntunnels;
	v = calloc(cap ? cap : 1, sizeof(*v));
	ok = calloc(cfg->gw.nchecks ? cfg->gw.nchecks : 1, sizeof(*ok));
	if (v == NULL || ok == NULL) {
		free(v);
		free(ok);
		log_warnx("probe: out of memory; probes unchanged");
		return;
	}
	old = pr->v;
	nold = pr->n;
	for (size_t i = 0; i < cfg->nconns; i++) {
		for (size_t j = 0; j < cfg->conns[i].ntunnels; j++) {
			const struct rd_tunnel *tc = &cfg->conns[i].tunnels[j];
			const struct rd_health *h = &tc->health;
			struct tunnel *t = &c->tun[i][j];
			struct probe *p = NULL;
			uint32_t src = rd_tunnel_local_inside(tc);

			if (h->probe_target != 0) {
				p = take(old, nold, false, t->name, tc->ifnum, h->probe_target, src,
					 h->probe_interval_ms, h->probe_rise, h->probe_fall);
				if (p == NULL) {
					p = probe_new(pr, false, t->name, h->probe_target, src,
						      h->probe_interval_ms, h->probe_rise,
						      h->probe_fall);
					if (p == NULL) {
						log_warnx("probe: out of memory");
						continue;
					}
					p->ifnum = tc->ifnum;
					char tb[16];

					log_info("tunnel %s: probe %s every %u ms (rise %u, fall %u)",
						 t->name, rd_ip_str(p->target, tb),
						 p->interval_ms, p->fsm.rise, p->fsm.fall);
				} else {
					v[n++] = p;
					continue;
				}
				v[n++] = p;
			}
			/* A new or removed probe starts the tunnel's probe history over. */
			t->probe_seen_up = false;
			if (!t->probe_ok && tunnel_probe(t, true, h->probe_target ?
							 "probe reconfigured" : "probe removed",
							 core_now_ms()))
				core_schedule(c);
			t->probe_seen_up = false;
		}
	}
	for (size_t k = 0; k < cfg->gw.nchecks; k++) {
		const struct rd_check *ck = &cfg->gw.checks[k];
		struct probe *p = take(old, nold, true, ck->name, 0, ck->target, 0, ck->interval_ms,
				       ck->rise, ck->fall);

		char tb[16];

		if (p == NULL) {
			p = probe_new(pr, true, ck->name, ck->target, 0, ck->interval_ms, ck->rise,
				      ck->fall);
			if (p == NULL) {
				log_warnx("probe: out of memory");
				ok[k] = true;
				continue;
			}
			log_info("check %s: ping %s every %u ms (rise %u, fall %u)", ck->name,
				 rd_ip_str(ck->target, tb), p->interval_ms,
				 p->fsm.rise, p->fsm.fall);
		}
		p->check = k;
		ok[k] = p->fsm.verdict != PROBE_DOWN;
		v[n++] = p;
	}
	for (size_t i = 0; i < nold; i++)
		probe_free(old[i]);
	free(old);
	free(pr->check_ok);
	pr->v = v;
	pr->n = n;
	pr->check_ok = ok;
	pr->nchecks = cfg->gw.nchecks;
	if (n > 0)
		prober_socket(pr);
}

void
probe_stop(struct core *c)
{
	struct prober *pr = c->prober;

	if (pr == NULL)
		return;
	for (size_t i = 0; i < pr->n; i++)
		probe_free(pr->v[i]);
	free(pr->v);
	free(pr->check_ok);
	if (pr->rd_ev != NULL)
		event_free(pr->rd_ev);
	if (pr->fd != -1)
		close(pr->fd);
	free(pr);
	c->prober = NULL;
}

const bool *
probe_check_ok(const struct core *c)
{
	const struct prober *pr = c->prober;

	if (pr == NULL || pr->nchecks == 0 || pr->nchecks != c->cfg->gw.nchecks)
		return NULL;
	return pr->check_ok;
}

static void
info(const struct probe *p, struct probe_info *out)
{
	out->target = p->target;
	out->source = p->source;
	out->interval_ms = p->interval_ms;
	out->fsm = &p->fsm;
	out->last_error = p->last_error;
}

bool
probe_tunnel_info(const struct core *c, uint32_t ifnum, struct probe_info *out)
{
	for (size_t i = 0; c->prober != NULL && i < c->prober->n; i++) {
		const struct probe *p = c->prober->v[i];

		if (!p->is_check && p->ifnum == ifnum) {
			info(p, out);
			return true;
		}
	}
	return false;
}

bool
probe_check_info(const struct core *c, size_t check, struct probe_info *out)
{
	for (size_t i = 0; c->prober != NULL && i < c->prober->n; i++) {
		const struct probe *p = c->prober->v[i];

		if (p->is_check && p->check == check) {
			info(p, out);
			return true;
		}
	}
	return false;
}
