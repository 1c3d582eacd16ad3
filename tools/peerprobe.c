// SPDX-License-Identifier: GPL-2.0
/*
 * peerprobe: one TCP connection for the policy selftests, and its outcome
 * as a user meets it.
 *
 *	peerprobe ADDR PORT [--md5 KEY] [--bind ADDR] [--timeout S] [--tfo]
 *		  [--ip-options] [--dst-options] [--hold S]
 *
 * Connects to ADDR:PORT (IPv6 if ADDR has a colon, IPv4 otherwise; both
 * numeric), sends the line "synguard policy probe", reads its echo up to
 * the end of the line (256 bytes at most) and prints one word, the
 * outcome:
 *
 *	ok        connected and the line came back intact
 *	ok:NAME   ...after "NAME: " (NAME letters and digits), from a
 *		  server started with --name NAME
 *	refused   a RST answered the SYN
 *	timeout   nothing answered within --timeout seconds (default 3)
 *	reset     connected, then reset, closed or silent for --timeout
 *		  before the whole echo came back, or it came back changed
 *	error:E   anything else: the errno's name as Python's errno.errorcode
 *		  gives it (error:EHOSTUNREACH), or its number
 *
 * It exits 0 whatever the outcome, 2 on bad arguments. --timeout bounds
 * the connect, the send and each read. --md5 KEY signs the connection
 * with a TCP-MD5 key for ADDR (TCP_MD5SIG), --bind ADDR binds its source
 * address. --tfo sends the line in the SYN (TCP Fast Open: a blocking
 * sendto(MSG_FASTOPEN) bounded by SO_SNDTIMEO), --ip-options gives the
 * SYN IPv4 options (three NOPs and an end of list), --dst-options an IPv6
 * destination options header (PadN). --hold S, once the echo came back,
 * prints "OUTCOME LOCALPORT" instead and keeps the connection open S
 * seconds more, idle, for a caller that looks at it meanwhile
 * (conntrack -L).
 *
 * It is selftests/peer.py connect in C, with the same command line, socket
 * options and output (peer.py serve is the server it talks to), for
 * lib.sh's sg_probe. Under QEMU TCG a peer.py connect took 0.77 s, mostly
 * Python's start-up, against about 0.1 s for a C program, and the policy
 * selftests probe hundreds of times. Where it differs: ADDR and --bind
 * must be numeric addresses (of one family), and a bad one, a bad PORT or
 * a --timeout of 0 is a usage error (exit 2), where peer.py printed
 * "error:-2" or a traceback; it takes none of serve's and many's options;
 * and --tfo's SO_SNDTIMEO keeps a fractional --timeout's fraction, which
 * peer.py drops (0.5 s was no bound there).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testtool.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The most of the echo read: a named server's is longer than the line. */
#define ECHO_MAX	256

/* peer.py's MSG, NOPS and PADN6. */
static const char probe_line[] = "synguard policy probe\n";
#define LINE_LEN	(sizeof(probe_line) - 1)
/* IP_OPTIONS: three NOPs and an end of option list. */
static const unsigned char ip_nops[] = { 1, 1, 1, 0 };
/* IPV6_DSTOPTS: next header (the kernel's), length 0, PadN of 4 bytes. */
static const unsigned char dst_padn[] = { 0, 0, 1, 4, 0, 0, 0, 0 };

struct opts {
	const char *addr, *md5, *bind;
	long port;
	double timeout, hold;
	bool tfo, ip_options, dst_options;
};

/* In long_opts[]'s order: main() names an option by its value. */
enum {
	OPT_MD5 = 1,
	OPT_BIND,
	OPT_TIMEOUT,
	OPT_TFO,
	OPT_IP_OPTIONS,
	OPT_DST_OPTIONS,
	OPT_HOLD,
};

static const struct option long_opts[] = {
	{ "md5", required_argument, NULL, OPT_MD5 },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "tfo", no_argument, NULL, OPT_TFO },
	{ "ip-options", no_argument, NULL, OPT_IP_OPTIONS },
	{ "dst-options", no_argument, NULL, OPT_DST_OPTIONS },
	{ "hold", required_argument, NULL, OPT_HOLD },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: peerprobe ADDR PORT [--md5 KEY] [--bind ADDR] [--timeout S] [--tfo]\n"
		"                 [--ip-options] [--dst-options] [--hold S]\n"
		"  one connection to ADDR:PORT that sends a line and reads its echo;\n"
		"  prints ok, ok:NAME, refused, timeout, reset or error:ERRNO\n"
		"  --md5 KEY      TCP-MD5 key for ADDR (TCP_MD5SIG)\n"
		"  --bind ADDR    bind the source address\n"
		"  --timeout S    bound of the connect, the send and each read (default 3)\n"
		"  --tfo          send the line in the SYN (TCP Fast Open)\n"
		"  --ip-options   IPv4 options (NOPs) in the SYN\n"
		"  --dst-options  an IPv6 destination options header (PadN)\n"
		"  --hold S       once ok, print \"OUTCOME LOCALPORT\" and stay S seconds more\n"
		"ADDR is IPv6 if it has a colon, IPv4 otherwise.\n");
}

const struct testtool testtool = { .name = "peerprobe", .usage = usage };

/* Python's errno.errorcode names, for the errors a probe may meet. */
static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" },
	{ ENOENT, "ENOENT" },
	{ EINTR, "EINTR" },
	{ EBADF, "EBADF" },
	{ EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" },
	{ EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" },
	{ ENODEV, "ENODEV" },
	{ EINVAL, "EINVAL" },
	{ ENFILE, "ENFILE" },
	{ EMFILE, "EMFILE" },
	{ ENOSPC, "ENOSPC" },
	{ EPIPE, "EPIPE" },
	{ ENOKEY, "ENOKEY" },
	{ EPROTO, "EPROTO" },
	{ EMSGSIZE, "EMSGSIZE" },
	{ ENOPROTOOPT, "ENOPROTOOPT" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" },
	/* Python names 95 so, not EOPNOTSUPP. */
	{ EOPNOTSUPP, "ENOTSUP" },
	{ EAFNOSUPPORT, "EAFNOSUPPORT" },
	{ EADDRINUSE, "EADDRINUSE" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" },
	{ ENETDOWN, "ENETDOWN" },
	{ ENETUNREACH, "ENETUNREACH" },
	{ ENETRESET, "ENETRESET" },
	{ ECONNABORTED, "ECONNABORTED" },
	{ ECONNRESET, "ECONNRESET" },
	{ ENOBUFS, "ENOBUFS" },
	{ EISCONN, "EISCONN" },
	{ ENOTCONN, "ENOTCONN" },
	{ ETIMEDOUT, "ETIMEDOUT" },
	{ ECONNREFUSED, "ECONNREFUSED" },
	{ EHOSTDOWN, "EHOSTDOWN" },
	{ EHOSTUNREACH, "EHOSTUNREACH" },
	{ EALREADY, "EALREADY" },
	{ EINPROGRESS, "EINPROGRESS" },
};

/* "error:NAME", or "error:NUMBER" for an errno not in the table. */
static const char *error_outcome(int err)
{
	static char buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errno_names); i++) {
		if (errno_names[i].err == err) {
			snprintf(buf, sizeof(buf), "error:%s",
				 errno_names[i].name);
			return buf;
		}
	}
	snprintf(buf, sizeof(buf), "error:%d", err);
	return buf;
}

/*
 * Helpers return 0 or -errno; -ETIMEDOUT too for a wait that ran out, as
 * Python's socket.timeout and its TimeoutError (ETIMEDOUT) lead to the
 * same outcome wherever peer.py catches them.
 *
 * Wait until fd is ready for events, up to deadline. As Python's socket
 * timeout, it waits before the call it guards, and leaves the error, if
 * any, to that call.
 */
static int wait_ready(int fd, short events, double deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	double left;
	int n, ms;

	for (;;) {
		left = (deadline - now_s()) * 1000;
		if (left < 0)
			left = 0;
		if (left > INT_MAX - 1)
			left = INT_MAX - 1;
		/* Rounded up: a poll() that returns early would only repeat. */
		ms = (int)left;
		n = poll(&pfd, 1, ms < left ? ms + 1 : ms);
		if (n > 0)
			return 0;
		if (!n)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) ? -errno : 0;
}

/* TCP_MD5SIG for the peer: its address without port (nor scope), KEY. */
static int set_md5(int fd, const struct sockaddr_storage *dst, const char *key)
{
	struct tcp_md5sig sig = { 0 };
	size_t len = strlen(key);

	sig.tcpm_addr.ss_family = dst->ss_family;
	if (dst->ss_family == AF_INET)
		((struct sockaddr_in *)&sig.tcpm_addr)->sin_addr =
			((const struct sockaddr_in *)dst)->sin_addr;
	else
		((struct sockaddr_in6 *)&sig.tcpm_addr)->sin6_addr =
			((const struct sockaddr_in6 *)dst)->sin6_addr;
	/* A longer key is the kernel's to refuse (EINVAL), as for peer.py. */
	sig.tcpm_keylen = len;
	memcpy(sig.tcpm_key, key,
	       len < sizeof(sig.tcpm_key) ? len : sizeof(sig.tcpm_key));
	return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)) ?
	       -errno : 0;
}

/* connect(), bounded by the timeout. */
static int open_plain(int fd, const struct sockaddr_storage *dst,
		      socklen_t dlen, double timeout)
{
	socklen_t len = sizeof(int);
	int err;

	err = set_nonblock(fd);
	if (err)
		return err;
	if (!connect(fd, (const struct sockaddr *)dst, dlen))
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return -errno;
	err = wait_ready(fd, POLLOUT, now_s() + timeout);
	if (err)
		return err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -errno;
	return -err;
}

/*
 * The line in the SYN. Blocking, bounded by SO_SNDTIMEO: a non-blocking
 * sendto() would only start the handshake. Where the handshake does not
 * end in time, the kernel's answer is EINPROGRESS.
 */
static int open_tfo(int fd, const struct sockaddr_storage *dst,
		    socklen_t dlen, double timeout)
{
	struct timeval tv = { .tv_sec = (time_t)timeout };
	ssize_t n;

	tv.tv_usec = (suseconds_t)((timeout - tv.tv_sec) * 1e6);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;
	do {
		n = sendto(fd, probe_line, LINE_LEN,
			   MSG_FASTOPEN | MSG_NOSIGNAL,
			   (const struct sockaddr *)dst, dlen);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return set_nonblock(fd);
}

/* All of buf, within the timeout. */
static int send_all(int fd, const char *buf, size_t len, double timeout)
{
	double deadline = now_s() + timeout;
	ssize_t n;
	int err;

	while (len) {
		err = wait_ready(fd, POLLOUT, deadline);
		if (err)
			return err;
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/* One read of up to len, within the timeout: its length, or -errno. */
static ssize_t recv_some(int fd, char *buf, size_t len, double timeout)
{
	double deadline = now_s() + timeout;
	ssize_t n;
	int err;

	for (;;) {
		err = wait_ready(fd, POLLIN, deadline);
		if (err)
			return -err;
		n = recv(fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

/* Letters and digits only, at least one: Python's bytes.isalnum(). */
static bool is_alnum(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9'))
			return false;
	}
	return len > 0;
}

/* Sleep S seconds, whatever interrupts it, as Python's time.sleep(). */
static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s };

	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * The connection, on the socket fd, and its outcome; NULL once --hold
 * printed it. The steps and their order are peer.py's connect().
 */
static const char *probe(const struct opts *o, int fd,
			 const struct sockaddr_storage *dst, socklen_t dlen,
			 const struct sockaddr_storage *src, socklen_t slen)
{
	static char named[sizeof("ok:") + ECHO_MAX];
	char got[ECHO_MAX], *sep, *echo;
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	const char *outcome = "ok";
	size_t len = 0, elen;
	ssize_t n;
	int err;

	if (o->md5) {
		err = set_md5(fd, dst, o->md5);
		if (err)
			return error_outcome(-err);
	}
	if (o->bind && bind(fd, (const struct sockaddr *)src, slen))
		return error_outcome(errno);
	if (o->ip_options &&
	    setsockopt(fd, IPPROTO_IP, IP_OPTIONS, ip_nops, sizeof(ip_nops)))
		return error_outcome(errno);
	if (o->dst_options &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_DSTOPTS, dst_padn,
		       sizeof(dst_padn)))
		return error_outcome(errno);

	if (o->tfo)
		err = open_tfo(fd, dst, dlen, o->timeout);
	else
		err = open_plain(fd, dst, dlen, o->timeout);
	if (err == -ECONNREFUSED)
		return "refused";
	/* ETIMEDOUT: ours or the kernel's; EINPROGRESS: SO_SNDTIMEO's. */
	if (err == -ETIMEDOUT || err == -EINPROGRESS)
		return "timeout";
	if (err)
		return error_outcome(-err);

	err = o->tfo ? 0 : send_all(fd, probe_line, LINE_LEN, o->timeout);
	/* Up to the end of the line: a named server's echo is longer. */
	while (!err && len < sizeof(got) && (!len || got[len - 1] != '\n')) {
		n = recv_some(fd, got + len, sizeof(got) - len, o->timeout);
		if (!n)
			break;
		if (n < 0)
			err = n;
		else
			len += n;
	}
	if (err == -ECONNRESET || err == -ETIMEDOUT)
		return "reset";
	if (err)
		return error_outcome(-err);

	echo = got;
	elen = len;
	sep = memmem(got, len, ": ", 2);
	if (sep && got + len - (sep + 2) == LINE_LEN &&
	    !memcmp(sep + 2, probe_line, LINE_LEN) &&
	    is_alnum(got, sep - got)) {
		snprintf(named, sizeof(named), "ok:%.*s", (int)(sep - got),
			 got);
		outcome = named;
		echo = sep + 2;
		elen = LINE_LEN;
	}
	if (elen != LINE_LEN || memcmp(echo, probe_line, LINE_LEN))
		return "reset";

	if (o->hold > 0) {
		/* The connection stays up, idle: the outcome goes out first. */
		if (getsockname(fd, (struct sockaddr *)&local, &llen))
			return error_outcome(errno);
		printf("%s %u\n", outcome, ntohs(local.ss_family == AF_INET ?
		       ((struct sockaddr_in *)&local)->sin_port :
		       ((struct sockaddr_in6 *)&local)->sin6_port));
		fflush(stdout);
		sleep_s(o->hold);
		return NULL;
	}
	return outcome;
}

int main(int argc, char **argv)
{
	struct opts o = { .timeout = 3 };
	struct sockaddr_storage dst, src;
	socklen_t dlen, slen = 0;
	const char *outcome;
	int c, fd, family, bad = 0;

	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_MD5:
			o.md5 = optarg;
			break;
		case OPT_BIND:
			o.bind = optarg;
			break;
		case OPT_TIMEOUT:
			bad |= parse_double(optarg, 0, &o.timeout);
			bad |= o.timeout <= 0;
			break;
		case OPT_TFO:
			o.tfo = true;
			break;
		case OPT_IP_OPTIONS:
			o.ip_options = true;
			break;
		case OPT_DST_OPTIONS:
			o.dst_options = true;
			break;
		case OPT_HOLD:
			bad |= parse_double(optarg, 0, &o.hold);
			break;
		default:
			return help_or_usage(c);
		}
		if (bad)
			return bad_value(optarg, long_opts[c - 1].name);
	}
	if (argc - optind != 2)
		return bad_usage("want ADDR and PORT", "");
	o.addr = argv[optind];
	if (parse_long(argv[optind + 1], 0, 65535, &o.port))
		return bad_usage("bad PORT: ", argv[optind + 1]);
	family = addr_family(o.addr);
	if (parse_addr(o.addr, family, o.port, &dst, &dlen))
		return bad_usage("bad ADDR: ", o.addr);
	if (o.bind && parse_addr(o.bind, family, 0, &src, &slen))
		return bad_usage("bad --bind (an address of ADDR's family): ",
				 o.bind);

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		outcome = error_outcome(errno);
	} else {
		outcome = probe(&o, fd, &dst, dlen, &src, slen);
		close(fd);
	}
	if (outcome)
		printf("%s\n", outcome);
	return 0;
}
