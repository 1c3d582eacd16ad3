// SPDX-License-Identifier: GPL-2.0
/*
 * legitload: a busy day, many legitimate clients at once, and the server
 * they use.
 *
 *	legitload serve ADDR PORT [--backlog N]
 *	legitload load ADDR PORT --rate R --seconds S [--ramp S]
 *		  [--sources CIDR] [--timeout S] [--bytes N] [--started FILE]
 *
 * serve: an echo server (backlog 4096 by default). Each connection gets
 * back what it sends, until the client closes. It runs until killed.
 *
 * load: opens R connections a second for S seconds (reaching R over the
 * first --ramp seconds, linearly, as a busy day's load arrives), each
 * from the next host address of CIDR (bound before connect; the
 * namespace routes CIDR to lo, AnyIP), so that the server sees a few
 * hundred sources. Each connection sends N bytes (64 by default, the
 * same random ones for all), reads them back, checks them, and closes.
 * Connections overlap freely: their number in flight is the rate times
 * the round trip. --timeout S (10 by default) bounds each wait: for the
 * connect, for the send, and for each read. --started FILE: FILE is
 * created when the first connection starts, for a caller that times
 * something from then. Prints one JSON object when the last one ended:
 *
 *	{"ok": N, "failed": N, "timeouts": N, "total": N, "rate": F,
 *	 "plateau_rate": F, "max_connecting": N, "errors": {"ERR": N},
 *	 "p50_ms": F, "p99_ms": F, "max_inflight": N}
 *
 * "rate" is connections scheduled over the whole run, ramp included.
 * "plateau_rate" is the rate after the ramp that connect() was really
 * called at: a client too slow for R falls behind there. "max_connecting"
 * is the most connections that were waiting for their SYN-ACK at once:
 * the server cannot have held more of this load's half-opens. A timeout
 * counts in "timeouts" and "failed"; any other failure in "failed" and
 * in "errors", under the name of the Python exception its errno raises
 * (ConnectionRefusedError, ConnectionResetError, OSError...), and
 * ConnectionError for an echo that differs or ends early. p50/p99 are
 * connect times of the successful ones, null if none succeeded.
 *
 * It replaces selftests/legit_load.py, the same in Python asyncio, with
 * the same command line and output. Under QEMU TCG Python's cost per
 * connection took most of a 2-vCPU guest at 200 connections a second,
 * and on a contended host the clients fell behind the rate a test stated.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testtool.h"

#define MAX_EVENTS	256
/* The scheduling loop's longest sleep: connections start in 5 ms batches. */
#define TICK_MS		5
/* What the server reads at once, as Python's reader.read(65536). */
#define ECHO_BUF	65536
/* asyncio's pause in accepting when out of file descriptors. */
#define ACCEPT_RETRY_S	1.0
/* Distinct error names: bounded by exc_name()'s table. */
#define MAX_ERRORS	16

struct opts {
	const char *cmd, *addr, *sources, *started;
	long port, backlog, bytes;
	double rate, seconds, ramp, timeout;
};

/* In long_opts[]'s order: main() names an option by its value. */
enum {
	OPT_BACKLOG = 1,
	OPT_RATE,
	OPT_SECONDS,
	OPT_RAMP,
	OPT_SOURCES,
	OPT_TIMEOUT,
	OPT_BYTES,
	OPT_STARTED,
};

static const struct option long_opts[] = {
	{ "backlog", required_argument, NULL, OPT_BACKLOG },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "ramp", required_argument, NULL, OPT_RAMP },
	{ "sources", required_argument, NULL, OPT_SOURCES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "bytes", required_argument, NULL, OPT_BYTES },
	{ "started", required_argument, NULL, OPT_STARTED },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: legitload serve ADDR PORT [--backlog N]\n"
		"       legitload load ADDR PORT --rate R --seconds S [--ramp S]\n"
		"                 [--sources CIDR] [--timeout S] [--bytes N] [--started FILE]\n"
		"  serve          echo server on ADDR:PORT until killed\n"
		"  --backlog N    listen() backlog (default 4096)\n"
		"  load           clients of the echo server at ADDR:PORT; prints JSON\n"
		"  --rate R       connections a second (may be fractional)\n"
		"  --seconds S    for S seconds, then waits for those in flight\n"
		"  --ramp S       reach R linearly over the first S seconds (default 0)\n"
		"  --sources CIDR bind each connection to the next host of CIDR\n"
		"  --timeout S    give up on a connect, send or read after S (default 10)\n"
		"  --bytes N      bytes each connection sends and checks (default 64)\n"
		"  --started FILE create FILE when the first connection starts\n"
		"ADDR is IPv6 if it has a colon, IPv4 otherwise.\n");
}

const struct testtool testtool = { .name = "legitload", .usage = usage };

/* A socket per connection in flight: a busy day needs more than 1024. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		perror("legitload: setrlimit(RLIMIT_NOFILE)");
}

static void epoll_set(int ep, int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	if (epoll_ctl(ep, op, fd, &ev) && op != EPOLL_CTL_DEL) {
		/* Only ENOMEM or ENOSPC can get here: out of memory, give up. */
		perror("legitload: epoll_ctl");
		exit(1);
	}
}

/* ---------------------------------------------------------------------------
 * serve
 */

struct echo {
	int fd;
	/* What the client sent that its socket did not take yet. */
	char *pend;
	size_t plen, poff;
};

static void echo_close(struct echo *c)
{
	close(c->fd);
	free(c->pend);
	free(c);
}

/*
 * A connection is readable or writable. Like Python's writer.drain(), it
 * reads nothing more while part of what it read is still to be echoed:
 * a client that does not read cannot make the server buffer without end.
 */
static void echo_event(int ep, struct echo *c)
{
	static char buf[ECHO_BUF];
	ssize_t n, s;

	if (c->pend) {
		s = send(c->fd, c->pend + c->poff, c->plen - c->poff,
			 MSG_NOSIGNAL);
		if (s < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (s < 0)
			goto close;
		c->poff += s;
		if (c->poff < c->plen)
			return;
		free(c->pend);
		c->pend = NULL;
		epoll_set(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
		return;
	}

	n = recv(c->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* The client closed (or failed): nothing is left to echo. */
	if (n <= 0)
		goto close;
	s = send(c->fd, buf, n, MSG_NOSIGNAL);
	if (s < 0 && errno != EAGAIN && errno != EINTR)
		goto close;
	if (s < 0)
		s = 0;
	if (s == n)
		return;
	c->plen = n - s;
	c->poff = 0;
	c->pend = malloc(c->plen);
	if (!c->pend)
		goto close;
	memcpy(c->pend, buf + s, c->plen);
	epoll_set(ep, EPOLL_CTL_MOD, c->fd, EPOLLOUT, c);
	return;

close:
	echo_close(c);
}

/*
 * Every connection waiting. Returns whether the listener must pause: out
 * of file descriptors or memory, the pending connection would wake us at
 * once again; asyncio waits a second then, and so do we (for any error
 * but a connection gone before it was taken).
 */
static bool echo_accept(int ep, int lfd)
{
	struct echo *c;
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && errno == EAGAIN)
			return false;
		/* That one is gone; the next may be fine. */
		if (fd < 0 && (errno == ECONNABORTED || errno == EINTR))
			continue;
		if (fd < 0) {
			perror("legitload: accept");
			return true;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return true;
		}
		c->fd = fd;
		epoll_set(ep, EPOLL_CTL_ADD, fd, EPOLLIN, c);
	}
}

static int serve(const struct opts *o)
{
	struct epoll_event evs[MAX_EVENTS];
	struct sockaddr_storage ss;
	double paused_until = 0;
	int lfd, ep, one = 1, n, i;
	socklen_t len;

	if (parse_addr(o->addr, addr_family(o->addr), o->port, &ss, &len)) {
		fprintf(stderr, "legitload: bad address '%s'\n", o->addr);
		return 2;
	}
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		     0);
	if (lfd < 0) {
		perror("legitload: socket");
		return 1;
	}
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&ss, len) ||
	    listen(lfd, o->backlog)) {
		fprintf(stderr, "legitload: %s port %ld: %s\n", o->addr,
			o->port, strerror(errno));
		goto err_close;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("legitload: epoll_create1");
		goto err_close;
	}
	/* The listener is the one entry without a connection. */
	epoll_set(ep, EPOLL_CTL_ADD, lfd, EPOLLIN, NULL);

	for (;;) {
		int ms = -1;

		if (paused_until > 0) {
			double left = paused_until - now_s();

			ms = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		n = epoll_wait(ep, evs, MAX_EVENTS, ms);
		if (n < 0 && errno != EINTR) {
			perror("legitload: epoll_wait");
			break;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr) {
				echo_event(ep, evs[i].data.ptr);
			} else if (echo_accept(ep, lfd)) {
				paused_until = now_s() + ACCEPT_RETRY_S;
				epoll_set(ep, EPOLL_CTL_MOD, lfd, 0, NULL);
			}
		}
		if (paused_until > 0 && now_s() >= paused_until) {
			paused_until = 0;
			epoll_set(ep, EPOLL_CTL_MOD, lfd, EPOLLIN, NULL);
		}
	}
	close(ep);
err_close:
	close(lfd);
	return 1;
}

/* ---------------------------------------------------------------------------
 * load
 */

/* Python's exception for an errno: what legit_load.py's "errors" said. */
static const char *exc_name(int err)
{
	switch (err) {
	case EAGAIN:
	case EALREADY:
	case EINPROGRESS:
		return "BlockingIOError";
	case EPIPE:
	case ESHUTDOWN:
		return "BrokenPipeError";
	case ECONNABORTED:
		return "ConnectionAbortedError";
	case ECONNREFUSED:
		return "ConnectionRefusedError";
	case ECONNRESET:
		return "ConnectionResetError";
	case EEXIST:
		return "FileExistsError";
	case ENOENT:
		return "FileNotFoundError";
	case EINTR:
		return "InterruptedError";
	case EISDIR:
		return "IsADirectoryError";
	case ENOTDIR:
		return "NotADirectoryError";
	case EACCES:
	case EPERM:
		return "PermissionError";
	default:
		return "OSError";
	}
}

/* The hosts of a prefix, as Python's net.hosts() or [network address]. */
struct sources {
	int family;
	uint8_t first[16];
	uint64_t count;		/* 0: more than any run can start */
};

static int parse_sources(const char *s, int family, struct sources *src)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	int alen = family == AF_INET ? 4 : 16, bits, i;
	long plen = alen * 8;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (parse_long(slash + 1, 0, alen * 8, &plen))
			return -1;
	}
	src->family = family;
	if (inet_pton(family, buf, src->first) != 1)
		return -1;
	/* Not strict, as the Python: host bits set are cleared. */
	for (i = 0; i < alen; i++) {
		bits = plen - i * 8;
		if (bits <= 0)
			src->first[i] = 0;
		else if (bits < 8)
			src->first[i] &= (uint8_t)(0xff << (8 - bits));
	}
	bits = alen * 8 - plen;
	if (bits <= 1) {
		/* /32 and /128 the address, /31 and /127 both (RFC 3021) */
		src->count = 1u << bits;
		return 0;
	}
	/*
	 * The network address is no host; nor is IPv4's broadcast address,
	 * while IPv6's last address is (Python's hosts() of each).
	 */
	src->count = bits >= 64 ? 0 : (1ull << bits) - (family == AF_INET ? 2 : 1);
	for (i = alen - 1; i >= 0 && ++src->first[i] == 0; i--)
		;
	return 0;
}

/* The i-th connection's source: the first host plus i, modulo the hosts. */
static socklen_t source_addr(const struct sources *src, uint64_t i,
			     struct sockaddr_storage *ss)
{
	uint8_t *a;
	int alen, k;

	memset(ss, 0, sizeof(*ss));
	ss->ss_family = src->family;
	if (src->family == AF_INET) {
		a = (uint8_t *)&((struct sockaddr_in *)ss)->sin_addr;
		alen = 4;
	} else {
		a = (uint8_t *)&((struct sockaddr_in6 *)ss)->sin6_addr;
		alen = 16;
	}
	memcpy(a, src->first, alen);
	if (src->count)
		i %= src->count;
	for (k = alen - 1; k >= 0 && i; k--) {
		i += a[k];
		a[k] = i & 0xff;
		i >>= 8;
	}
	return src->family == AF_INET ? sizeof(struct sockaddr_in) :
	       sizeof(struct sockaddr_in6);
}

enum phase { SETUP, CONNECTING, SENDING, RECEIVING };

struct conn {
	int fd;
	enum phase phase;
	uint32_t events;	/* as registered with epoll; 0: not yet */
	bool mismatch;
	size_t off;		/* bytes sent, then bytes received */
	double t0, connect_ms;
	/* Deadline order: every deadline is now plus the same timeout. */
	double deadline;
	struct conn *prev, *next;
};

struct load {
	const struct opts *o;
	struct sockaddr_storage dst;
	socklen_t dstlen;
	struct sources src;
	bool have_src, started_done;
	uint8_t *payload, *scratch;
	size_t len, scratch_len;	/* of the payload, of scratch */
	int ep;
	double p0, end;
	struct conn *head, *tail;
	unsigned long ok, failed, timeouts, plateau;
	unsigned long inflight, max_inflight, connecting, max_connecting;
	struct {
		const char *name;
		unsigned long n;
	} errors[MAX_ERRORS];
	int nerrors;
	double *lat;
	size_t nlat, lat_cap;
};

/* Connections started by time t: the integral of the rate. */
static double due(const struct opts *o, double t)
{
	if (t < o->ramp)
		return o->rate * t * t / (2 * o->ramp);
	return o->rate * (t - o->ramp / 2);
}

static void unlink_conn(struct load *l, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else if (l->head == c)
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else if (l->tail == c)
		l->tail = c->prev;
	c->prev = NULL;
	c->next = NULL;
}

/* A new wait begins: the deadline moves to the end of the list. */
static void arm(struct load *l, struct conn *c)
{
	unlink_conn(l, c);
	c->deadline = now_s() + l->o->timeout;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

static void want(struct load *l, struct conn *c, uint32_t events)
{
	if (c->events == events)
		return;
	epoll_set(l->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd,
		  events, c);
	c->events = events;
}

static void conn_end(struct load *l, struct conn *c)
{
	unlink_conn(l, c);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	l->inflight--;
}

/* name NULL: a timeout. */
static void conn_fail(struct load *l, struct conn *c, const char *name)
{
	int i;

	if (c->phase == CONNECTING)
		l->connecting--;
	l->failed++;
	if (!name) {
		l->timeouts++;
		goto out;
	}
	for (i = 0; i < l->nerrors; i++)
		if (!strcmp(l->errors[i].name, name))
			break;
	if (i == l->nerrors) {
		l->errors[i].name = name;
		l->errors[i].n = 0;
		l->nerrors++;
	}
	l->errors[i].n++;
out:
	conn_end(l, c);
}

/*
 * Python 3.11's asyncio.TimeoutError is TimeoutError, which ETIMEDOUT
 * raises: legit_load.py counted the kernel's giving up as a timeout.
 */
static void conn_fail_errno(struct load *l, struct conn *c, int err)
{
	conn_fail(l, c, err == ETIMEDOUT ? NULL : exc_name(err));
}

static void conn_ok(struct load *l, struct conn *c)
{
	if (l->nlat == l->lat_cap) {
		size_t cap = l->lat_cap ? 2 * l->lat_cap : 1024;
		double *lat = realloc(l->lat, cap * sizeof(*lat));

		if (!lat) {
			perror("legitload: realloc");
			exit(1);
		}
		l->lat = lat;
		l->lat_cap = cap;
	}
	l->lat[l->nlat++] = c->connect_ms;
	l->ok++;
	conn_end(l, c);
}

static void conn_send(struct load *l, struct conn *c)
{
	size_t len = l->len;
	ssize_t n;

	while (c->off < len) {
		n = send(c->fd, l->payload + c->off, len - c->off,
			 MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			want(l, c, EPOLLOUT);
			return;
		}
		if (n < 0) {
			conn_fail_errno(l, c, errno);
			return;
		}
		c->off += n;
	}
	if (!len) {
		conn_ok(l, c);
		return;
	}
	/* Sent: read the echo back, as the Python did, only then. */
	c->phase = RECEIVING;
	c->off = 0;
	arm(l, c);
	want(l, c, EPOLLIN);
}

/* One read a wakeup: the echo comes a round trip later anyway. */
static void conn_recv(struct load *l, struct conn *c)
{
	size_t left = l->len - c->off;
	ssize_t n;

	n = recv(c->fd, l->scratch, left < l->scratch_len ? left :
		 l->scratch_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		conn_fail_errno(l, c, errno);
		return;
	}
	/* An early end is a short echo: a mismatch, as for the Python. */
	if (n == 0) {
		conn_fail(l, c, "ConnectionError");
		return;
	}
	/* Read to the end before judging: the Python compared it all. */
	if (memcmp(l->scratch, l->payload + c->off, n))
		c->mismatch = true;
	c->off += n;
	if (c->off < l->len) {
		arm(l, c);
		return;
	}
	if (c->mismatch)
		conn_fail(l, c, "ConnectionError");
	else
		conn_ok(l, c);
}

static void conn_connected(struct load *l, struct conn *c)
{
	c->connect_ms = (now_s() - c->t0) * 1000.0;
	l->connecting--;
	c->phase = SENDING;
	c->off = 0;
	arm(l, c);
	conn_send(l, c);
}

static void conn_event(struct load *l, struct conn *c)
{
	socklen_t len = sizeof(int);
	int err = 0;

	switch (c->phase) {
	case CONNECTING:
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
		if (err)
			conn_fail_errno(l, c, err);
		else
			conn_connected(l, c);
		break;
	case SENDING:
		conn_send(l, c);
		break;
	case RECEIVING:
		conn_recv(l, c);
		break;
	case SETUP:
		break;
	}
}

/* The first connection is starting: tell the caller that asked. */
static void mark_started(struct load *l)
{
	int fd;

	l->started_done = true;
	if (!l->o->started)
		return;
	fd = open(l->o->started, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0666);
	if (fd < 0) {
		fprintf(stderr, "legitload: %s: %s\n", l->o->started,
			strerror(errno));
		return;
	}
	close(fd);
}

static void conn_start(struct load *l, uint64_t i)
{
	struct sockaddr_storage ss;
	struct conn *c;
	socklen_t len;

	c = calloc(1, sizeof(*c));
	if (!c) {
		perror("legitload: calloc");
		exit(1);
	}
	c->phase = SETUP;
	l->inflight++;
	if (l->inflight > l->max_inflight)
		l->max_inflight = l->inflight;
	c->fd = socket(l->dst.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	if (l->have_src) {
		len = source_addr(&l->src, i, &ss);
		if (bind(c->fd, (struct sockaddr *)&ss, len))
			goto fail;
	}
	c->t0 = now_s();
	if (!l->started_done)
		mark_started(l);
	if (c->t0 >= l->p0 && c->t0 < l->end)
		l->plateau++;
	/* From before the SYN to after its SYN-ACK: never shorter than it. */
	c->phase = CONNECTING;
	l->connecting++;
	if (l->connecting > l->max_connecting)
		l->max_connecting = l->connecting;
	arm(l, c);
	if (!connect(c->fd, (struct sockaddr *)&l->dst, l->dstlen)) {
		conn_connected(l, c);
		return;
	}
	if (errno != EINPROGRESS)
		goto fail;
	want(l, c, EPOLLOUT);
	return;

fail:
	conn_fail_errno(l, c, errno);
}

/* Events for up to ms, then the waits that ran out. */
static void load_poll(struct load *l, int ms)
{
	struct epoll_event evs[MAX_EVENTS];
	double now;
	int n, i;

	n = epoll_wait(l->ep, evs, MAX_EVENTS, ms);
	if (n < 0 && errno != EINTR) {
		perror("legitload: epoll_wait");
		exit(1);
	}
	for (i = 0; i < n; i++)
		conn_event(l, evs[i].data.ptr);
	now = now_s();
	while (l->head && l->head->deadline <= now)
		conn_fail(l, l->head, NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Python's pct(): no interpolation, rounded to 0.1 ms; null if none. */
static void print_pct(const struct load *l, double p)
{
	size_t k;

	if (!l->nlat) {
		printf("null");
		return;
	}
	k = (size_t)(p / 100 * l->nlat);
	if (k > l->nlat - 1)
		k = l->nlat - 1;
	printf("%.1f", l->lat[k]);
}

static void load_report(const struct load *l, uint64_t total, double secs)
{
	double plateau_s = l->end - l->p0;
	int i;

	/* json.dump's layout and key order, which the selftests parse. */
	printf("{\"ok\": %lu, \"failed\": %lu, \"timeouts\": %lu, ",
	       l->ok, l->failed, l->timeouts);
	printf("\"total\": %llu, \"rate\": %.1f, \"plateau_rate\": %.1f, ",
	       (unsigned long long)total, secs > 0 ? total / secs : 0.0,
	       plateau_s > 0 ? l->plateau / plateau_s : 0.0);
	printf("\"max_connecting\": %lu, \"errors\": {", l->max_connecting);
	for (i = 0; i < l->nerrors; i++)
		printf("%s\"%s\": %lu", i ? ", " : "", l->errors[i].name,
		       l->errors[i].n);
	printf("}, \"p50_ms\": ");
	print_pct(l, 50);
	printf(", \"p99_ms\": ");
	print_pct(l, 99);
	printf(", \"max_inflight\": %lu}\n", l->max_inflight);
	fflush(stdout);
}

static int load(const struct opts *o)
{
	struct load l = { .o = o };
	double start, now, secs;
	uint64_t i = 0, n;
	size_t got;
	ssize_t r;
	int ret = 1;

	if (parse_addr(o->addr, addr_family(o->addr), o->port, &l.dst,
		       &l.dstlen)) {
		fprintf(stderr, "legitload: bad address '%s'\n", o->addr);
		return 2;
	}
	if (o->sources) {
		if (addr_family(o->sources) != l.dst.ss_family ||
		    parse_sources(o->sources, l.dst.ss_family, &l.src)) {
			fprintf(stderr,
				"legitload: bad --sources '%s' (a prefix of ADDR's family)\n",
				o->sources);
			return 2;
		}
		l.have_src = true;
	}
	/* One random payload for the run, as the Python's os.urandom(). */
	l.len = o->bytes;
	l.payload = malloc(l.len ? l.len : 1);
	l.scratch_len = l.len < ECHO_BUF ? l.len : ECHO_BUF;
	l.scratch = malloc(l.scratch_len ? l.scratch_len : 1);
	if (!l.payload || !l.scratch) {
		perror("legitload: malloc");
		goto out;
	}
	for (got = 0; got < l.len; got += r) {
		r = getrandom(l.payload + got, l.len - got, 0);
		if (r < 0 && errno == EINTR)
			r = 0;
		if (r < 0) {
			perror("legitload: getrandom");
			goto out;
		}
	}
	l.ep = epoll_create1(EPOLL_CLOEXEC);
	if (l.ep < 0) {
		perror("legitload: epoll_create1");
		goto out;
	}

	start = now_s();
	l.end = start + o->seconds;
	/* The plateau: from the end of the ramp to the end of the run. */
	l.p0 = start + (o->ramp < o->seconds ? o->ramp : o->seconds);
	for (;;) {
		now = now_s();
		if (now >= l.end)
			break;
		n = (uint64_t)due(o, now - start);
		while (i < n)
			conn_start(&l, i++);
		load_poll(&l, TICK_MS);
	}
	secs = now_s() - start;
	/* Those in flight end, each within its timeouts. */
	while (l.head) {
		double left = l.head->deadline - now_s();

		load_poll(&l, left > 0 ? (int)(left * 1000) + 1 : 0);
	}
	if (l.nlat)
		qsort(l.lat, l.nlat, sizeof(*l.lat), cmp_double);
	load_report(&l, i, secs);
	ret = 0;
	close(l.ep);
out:
	free(l.lat);
	free(l.scratch);
	free(l.payload);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = { .backlog = 4096, .timeout = 10, .bytes = 64 };
	unsigned int given = 0, need;
	bool is_serve;
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_BACKLOG:
			bad |= parse_long(optarg, 0, INT32_MAX, &o.backlog);
			break;
		case OPT_RATE:
			bad |= parse_double(optarg, 0, &o.rate);
			break;
		case OPT_SECONDS:
			bad |= parse_double(optarg, 0, &o.seconds);
			break;
		case OPT_RAMP:
			bad |= parse_double(optarg, 0, &o.ramp);
			break;
		case OPT_SOURCES:
			o.sources = optarg;
			break;
		case OPT_TIMEOUT:
			bad |= parse_double(optarg, 0, &o.timeout);
			bad |= o.timeout <= 0;
			break;
		case OPT_BYTES:
			bad |= parse_long(optarg, 0, INT32_MAX, &o.bytes);
			break;
		case OPT_STARTED:
			o.started = optarg;
			break;
		default:
			return help_or_usage(c);
		}
		if (bad)
			return bad_value(optarg, long_opts[c - 1].name);
		given |= 1u << c;
	}
	if (argc - optind < 1)
		return bad_usage("no command", "");
	o.cmd = argv[optind];
	is_serve = !strcmp(o.cmd, "serve");
	if (!is_serve && strcmp(o.cmd, "load"))
		return bad_usage("no such command: ", o.cmd);
	if (argc - optind != 3)
		return bad_usage("want ADDR and PORT after ", o.cmd);
	o.addr = argv[optind + 1];
	if (parse_long(argv[optind + 2], 0, 65535, &o.port))
		return bad_usage("bad PORT: ", argv[optind + 2]);
	/* serve takes --backlog only; load needs --rate and --seconds. */
	need = 1u << OPT_RATE | 1u << OPT_SECONDS;
	if (is_serve && given & ~(1u << OPT_BACKLOG))
		return bad_usage("serve takes --backlog only", "");
	if (!is_serve && given & 1u << OPT_BACKLOG)
		return bad_usage("--backlog is for serve", "");
	if (!is_serve && (given & need) != need)
		return bad_usage("load needs --rate and --seconds", "");

	raise_nofile();
	return is_serve ? serve(&o) : load(&o);
}
