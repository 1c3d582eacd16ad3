// SPDX-License-Identifier: GPL-2.0
/*
 * top: a live view of one namespace, redrawn once a second as top(1)
 * and iftop(8) do: SYN, cookie and validated-cookie rates (from the
 * counters' deltas), the half-opens, cookie mode and why, the
 * destination ports with the most SYNs and the sources holding the most
 * half-opens.
 *
 * Plain ANSI escapes on the alternate screen and a termios mode without
 * echo or line editing; no curses. Every row is positioned, cut to the
 * terminal's width and drawn only if the terminal has it, so a resize
 * (SIGWINCH) just redraws. 'q' quits; so do SIGINT, SIGTERM and SIGHUP;
 * the terminal is restored on every way out.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "synguardctl.h"

#define TOP_INTERVAL_MS	1000
/* Rows above the ports: header, state, blank, rates (2), blank. */
#define TOP_HEAD_ROWS	6
/* The busiest ports shown; the sources get the rows left. */
#define TOP_PORTS	5

static volatile sig_atomic_t top_resized, top_signal;

static void top_on_signal(int sig)
{
	if (sig == SIGWINCH)
		top_resized = 1;
	else
		top_signal = sig;
}

/* One reading of the namespace. */
struct top_sample {
	struct sg_stats s;
	struct sg_config c;
	struct timespec t;
};

/* The busiest ports, from the kernel's per-port view. */
struct top_ports {
	struct sg_port_stat p[TOP_PORTS];
	int n;
	int err;		/* -errno of the dump, 0 if it worked */
};

/* The sources dump's parts, as many as fit. */
struct top_sources {
	struct sg_prefix *p;
	int n, max;
	int err;		/* -errno of the dump, 0 if it worked */
};

struct top {
	struct sg_nl *nl;
	struct top_sample cur, prev;
	bool have_prev;
	struct top_ports ports;
	struct top_sources src;
	int w, h, row;
	char *line;		/* one row, w + 1 bytes */
};

static int top_sources_cb(const struct nlmsghdr *nlh, void *data)
{
	struct top_sources *t = data;

	if (t->n == t->max)
		return MNL_CB_OK;
	return sg_source_parse(nlh, &t->p[t->n]) ? MNL_CB_ERROR :
	       (t->n++, MNL_CB_OK);
}

static void top_fetch_ports(struct top *t)
{
	int n = port_stats_fetch(t->nl, t->ports.p, TOP_PORTS, NULL);

	t->ports.n = n > 0 ? n : 0;
	t->ports.err = n < 0 ? n : 0;
}

/*
 * The rows the sources may have: what the head and the ports' block
 * (title, a row each or one saying why none, blank) leave, less the
 * sources' title.
 */
static int top_source_rows(const struct top *t)
{
	int ports = t->ports.n ? t->ports.n : 1;

	return t->h - TOP_HEAD_ROWS - (ports + 2) - 1;
}

/*
 * The sources with the most half-opens, as many as fit. A refusal is
 * shown, not fatal: the dump may need privileges the rest does not.
 */
static void top_fetch_sources(struct top *t)
{
	int max = top_source_rows(t);
	struct nlmsghdr *nlh;

	t->src.n = 0;
	t->src.err = 0;
	if (max <= 0)
		return;
	if (max > t->src.max) {
		struct sg_prefix *p = realloc(t->src.p, max * sizeof(*p));

		if (!p) {
			t->src.err = -ENOMEM;
			return;
		}
		t->src.p = p;
		t->src.max = max;
	}
	nlh = sg_nl_request(t->nl, SYNGUARD_CMD_GET_SOURCES, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, SYNGUARD_A_LIMIT, max);
	t->src.err = sg_nl_run(t->nl, nlh, top_sources_cb, &t->src, NULL);
}

/* Errors are printed after "@what: ", or only returned (-errno). */
static int top_sample(struct top *t, const char *what)
{
	int ret;

	t->prev = t->cur;
	t->have_prev = t->cur.t.tv_sec != 0;
	clock_gettime(CLOCK_MONOTONIC, &t->cur.t);
	ret = sg_stats_fetch(t->nl, &t->cur.s, what);
	ret = ret ?: sg_config_fetch(t->nl, &t->cur.c, what);
	if (ret)
		return ret;
	top_fetch_ports(t);
	top_fetch_sources(t);
	return 0;
}

static void top_size(struct top *t)
{
	struct winsize ws;
	char *line;

	t->w = 80;
	t->h = 24;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		t->w = ws.ws_col;
		t->h = ws.ws_row;
	}
	line = realloc(t->line, t->w + 1);
	if (line)
		t->line = line;
	else
		t->w = 0;
}

/* The next row, cut to the width; nothing below the last row. */
static void __attribute__((format(printf, 2, 3)))
top_row(struct top *t, const char *fmt, ...)
{
	va_list ap;

	if (t->row >= t->h || !t->w)
		return;
	va_start(ap, fmt);
	vsnprintf(t->line, t->w + 1, fmt, ap);
	va_end(ap);
	printf("\033[%d;1H%s\033[K", ++t->row, t->line);
}

/* Counter @a's rate between the last two samples, as text. */
static void top_rate(const struct top *t, int a, char *out, size_t size)
{
	double dt;

	if (!t->have_prev || !t->cur.s.have[a]) {
		snprintf(out, size, "-");
		return;
	}
	dt = (t->cur.t.tv_sec - t->prev.t.tv_sec) +
	     (t->cur.t.tv_nsec - t->prev.t.tv_nsec) / 1e9;
	snprintf(out, size, "%.0f", dt > 0 ?
		 (double)(t->cur.s.v[a] - t->prev.s.v[a]) / dt : 0);
}

static void top_draw(struct top *t)
{
	const struct sg_config *c = &t->cur.c;
	char syn[24], cookies[24], valid[24], when[16], addr[INET6_ADDRSTRLEN + 8];
	const char *why;
	time_t now = time(NULL);
	bool on;
	int i;

	t->row = 0;
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	on = sg_cookie_mode(c, &why);
	top_rate(t, SYNGUARD_A_STATS_SYN_RECEIVED, syn, sizeof(syn));
	top_rate(t, SYNGUARD_A_STATS_COOKIES_SENT, cookies, sizeof(cookies));
	top_rate(t, SYNGUARD_A_STATS_COOKIES_VALIDATED, valid, sizeof(valid));

	top_row(t, "synguard %s%s%s  mode %s  %s  (q: quit)",
		SYNGUARD_VERSION, sg_netns ? "  netns " : "",
		sg_netns ? sg_netns : "", sg_mode_name(c->mode), when);
	top_row(t, "cookie mode: %s (%s)", on ? "ON" : "off", why);
	top_row(t, "%s", "");
	top_row(t, "%10s %10s %12s %11s %10s", "SYN/s", "cookies/s",
		"validated/s", "half-open", "slots");
	top_row(t, "%10s %10s %12s %11u %10u", syn, cookies, valid,
		c->halfopen_current, c->table_slots);
	top_row(t, "%s", "");
	if (t->ports.err)
		top_row(t, "ports: %s", strerror(-t->ports.err));
	else if (!t->ports.n)
		top_row(t, "ports: no SYNs seen");
	else
		top_row(t, "%-10s %10s %10s %12s %14s", "PORT", "SYN/s",
			"cookies/s", "validated/s", "SYNs");
	for (i = 0; i < t->ports.n; i++) {
		const struct sg_port_stat *p = &t->ports.p[i];

		top_row(t, "%-10u %10u %10u %12u %14llu", p->port, p->syn_rate,
			p->sent_rate, p->validated_rate,
			(unsigned long long)p->syns);
	}
	top_row(t, "%s", "");
	if (t->src.err == -EPERM)
		top_row(t, "sources: need CAP_NET_ADMIN");
	else if (t->src.err)
		top_row(t, "sources: %s", strerror(-t->src.err));
	else if (!t->src.n)
		top_row(t, "sources: none holds a half-open connection");
	else
		top_row(t, "%-43s %11s", "SOURCE", "HALF-OPEN");
	for (i = 0; !t->src.err && i < t->src.n; i++) {
		const struct sg_prefix *p = &t->src.p[i];

		sg_format_addr(addr, sizeof(addr), p->family, p->addr, p->len);
		top_row(t, "%-43s %11u", addr, p->count);
	}
	fputs("\033[J", stdout);
	fflush(stdout);
}

static int top_ms_since(const struct timespec *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - a->tv_sec) * 1000 +
	       (now.tv_nsec - a->tv_nsec) / 1000000;
}

/*
 * Until 'q' or a signal; redraws on a resize, samples once a second.
 * Returns 0 or -errno; prints nothing, the screen is not the terminal's.
 */
static int top_loop(struct top *t)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char keys[16];
	int left, n, i, ret;

	top_draw(t);
	while (!top_signal) {
		if (top_resized) {
			top_resized = 0;
			top_size(t);
			top_fetch_sources(t);
			top_draw(t);
		}
		left = TOP_INTERVAL_MS - top_ms_since(&t->cur.t);
		if (left <= 0) {
			ret = top_sample(t, NULL);
			if (ret)
				return ret;
			top_draw(t);
			continue;
		}
		n = poll(&pfd, 1, left);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		if (pfd.revents & (POLLHUP | POLLERR))
			return 0;
		n = read(STDIN_FILENO, keys, sizeof(keys));
		if (n == 0)
			return 0;
		for (i = 0; i < n; i++)
			if (keys[i] == 'q' || keys[i] == 'Q')
				return 0;
	}
	return 0;
}

int top_main(struct sg_nl *nl, int argc, char **argv)
{
	static const int sigs[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = top_on_signal };
	struct termios saved, raw;
	struct top t = { .nl = nl };
	size_t i;
	int ret;

	if (argc > 1) {
		sg_err("top: unexpected '%s'", argv[1]);
		return sg_usage("top");
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		sg_err("top: needs a terminal (use stats or sources in scripts)");
		return 1;
	}
	if (sg_nl_ready(nl))
		return 1;
	top_size(&t);
	if (top_sample(&t, "top"))
		return 1;
	if (tcgetattr(STDIN_FILENO, &saved)) {
		sg_err("top: %s", strerror(errno));
		return 1;
	}
	/* No SA_RESTART: a signal ends the wait in poll(). */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	raw = saved;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	/* A frame is written at once; the alternate screen, no cursor. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	fputs("\033[?1049h\033[?25l\033[H\033[2J", stdout);

	ret = top_loop(&t);

	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	if (ret)
		sg_err("top: %s", strerror(-ret));
	free(t.src.p);
	free(t.line);
	return ret ? 1 : 0;
}
