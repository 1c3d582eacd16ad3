// SPDX-License-Identifier: GPL-2.0
/*
 * synflood: a SYN flood generator for the benchmark (make bench).
 *
 *	synflood { -i DEV | -u SOCKET | -F FD } -m DSTMAC -d DSTADDR -p PORT
 *		 [-s SRCPREFIX] [-r PPS] [-t SECONDS] [-c COUNT] [-n] [-R]
 *		 [-b BATCH] [-U]
 *
 * Sends TCP SYNs to DSTADDR:PORT from random sources inside SRCPREFIX,
 * with random source ports, sequence numbers and IP IDs; IPv4 or IPv6,
 * after DSTADDR. With -U the sources are not drawn at random but taken
 * in turn, the prefix's first address upwards, so that up to the
 * prefix's size every packet comes from a source of its own. Where the
 * Ethernet frames go:
 *
 *   -i DEV     straight to DEV through an AF_PACKET socket
 *              (PACKET_QDISC_BYPASS);
 *   -u SOCKET  one frame a datagram to the AF_UNIX datagram SOCKET of a
 *              QEMU "-netdev dgram" backend;
 *   -F FD      to FD, a connected stream socket of a QEMU "-netdev
 *              stream" backend, each frame after its length (4 bytes,
 *              network order), up to -b BATCH frames a write.
 *
 * The last two let a generator running natively on the host flood a
 * QEMU guest's NIC (make bench does that with -F).
 *
 * -r PPS paces the flood at PPS packets a second; without it (or with
 * -r 0) it sends as fast as it can. It stops after -t SECONDS, after -c
 * COUNT packets, or on SIGINT/SIGTERM, whichever comes first, and prints
 * one JSON object on stdout:
 *
 *	{"sent": N, "seconds": F, "pps": F, "target_pps": N, "errors": N}
 *
 * "sent" counts the frames handed to the kernel: what left the
 * generator, not what the receiver processed. A QEMU socket pushes back
 * when QEMU falls behind; then the generator falls short of -r.
 *
 * SYNs carry the options Linux sends (MSS, SACK permitted, timestamps,
 * window scale) unless -n asks for bare 20-byte headers, as hping3 sends.
 * -R hands frames over through PACKET_TX_RING, up to -b BATCH per
 * send(). Under QEMU TCG that turned out slower than one send() a
 * packet, hence not the default.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "testtool.h"

#define FRAME_SIZE	256
#define RING_FRAMES	4096
#define MAX_BATCH	256

/* The Linux SYN options: MSS, SACK permitted, timestamps, NOP, wscale. */
static const uint8_t syn_opts[] = {
	2, 4, 0x05, 0xb4,		/* MSS 1460 */
	4, 2,				/* SACK permitted */
	8, 10, 0, 0, 0, 0, 0, 0, 0, 0,	/* timestamps, tsval set per packet */
	1,				/* NOP */
	3, 3, 7,			/* window scale 7 */
};
#define TSVAL_OFF	8		/* tsval within syn_opts */

struct flood {
	int family;
	uint8_t dmac[ETH_ALEN], smac[ETH_ALEN];
	uint8_t daddr[16], saddr[16], smask[16];	/* source prefix */
	uint16_t dport;
	bool opts;
	bool unique;			/* -U: sources in turn */
	uint64_t next_src;
	unsigned int l3len, tcplen, len;	/* of the frame */
	uint64_t rng[2];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "synflood: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: synflood { -i DEV | -u SOCKET | -F FD } -m DSTMAC -d DSTADDR -p PORT\n"
		"                [-s SRCPREFIX] [-r PPS] [-t SECONDS] [-c COUNT] [-n]\n"
		"                [-R] [-b BATCH] [-U]\n"
		"  -i DEV      send on DEV through AF_PACKET\n"
		"  -u SOCKET   send to a QEMU -netdev dgram unix SOCKET instead\n"
		"  -F FD       write to FD, a QEMU -netdev stream connection, instead\n"
		"  -s PREFIX   random sources in PREFIX (default 10.128.0.0/9 or fd00:80::/32)\n"
		"  -r PPS      packets a second (0 or none: as fast as possible)\n"
		"  -t SECONDS  stop after SECONDS (may be fractional)\n"
		"  -c COUNT    stop after COUNT packets\n"
		"  -n          no TCP options (bare SYNs, as hping3 sends)\n"
		"  -R          hand frames over through PACKET_TX_RING\n"
		"  -b BATCH    most frames a send() with -R or -F (default 64)\n"
		"  -U          sources in turn, each one once (up to the prefix's size)\n");
}

const struct testtool testtool = { .name = "synflood", .usage = usage };

/* xorshift128+: fast, and random enough to defeat any hash. */
static uint64_t rnd(struct flood *f)
{
	uint64_t s1 = f->rng[0];
	const uint64_t s0 = f->rng[1];

	f->rng[0] = s0;
	s1 ^= s1 << 23;
	f->rng[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
	return f->rng[1] + s0;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static int parse_mac(const char *s, uint8_t mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != ETH_ALEN)
		return -1;
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = b[i];
	}
	return 0;
}

/* ADDR/LEN into addr and a mask of the bits to keep. */
static int parse_prefix(const char *s, int family, uint8_t addr[16],
			uint8_t mask[16])
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	int alen = family == AF_INET ? 4 : 16;
	long len = alen * 8;
	int i;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		len = strtol(slash + 1, NULL, 10);
		if (len < 0 || len > alen * 8)
			return -1;
	}
	if (inet_pton(family, buf, addr) != 1)
		return -1;
	memset(mask, 0, 16);
	for (i = 0; i < alen; i++) {
		long bits = len - i * 8;

		mask[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 :
			  (uint8_t)(0xff << (8 - bits));
		addr[i] &= mask[i];
	}
	return 0;
}

/* The parts of a frame that never change. */
static void frame_template(struct flood *f, uint8_t *p)
{
	uint8_t *l3 = p + ETH_HLEN, *th;
	unsigned int optlen = f->opts ? sizeof(syn_opts) : 0;

	f->tcplen = 20 + optlen;
	memset(p, 0, FRAME_SIZE - TPACKET2_HDRLEN);
	memcpy(p, f->dmac, ETH_ALEN);
	memcpy(p + ETH_ALEN, f->smac, ETH_ALEN);
	if (f->family == AF_INET) {
		f->l3len = 20;
		p[12] = 0x08;
		p[13] = 0x00;
		l3[0] = 0x45;
		*(uint16_t *)(l3 + 2) = htons(20 + f->tcplen);
		*(uint16_t *)(l3 + 6) = htons(0x4000);	/* DF */
		l3[8] = 64;
		l3[9] = IPPROTO_TCP;
		memcpy(l3 + 16, f->daddr, 4);
	} else {
		f->l3len = 40;
		p[12] = 0x86;
		p[13] = 0xdd;
		l3[0] = 0x60;
		*(uint16_t *)(l3 + 4) = htons(f->tcplen);
		l3[6] = IPPROTO_TCP;
		l3[7] = 64;
		memcpy(l3 + 24, f->daddr, 16);
	}
	th = l3 + f->l3len;
	*(uint16_t *)(th + 2) = htons(f->dport);
	th[12] = (f->tcplen / 4) << 4;
	th[13] = 0x02;				/* SYN */
	*(uint16_t *)(th + 14) = htons(64240);
	memcpy(th + 20, syn_opts, optlen);
	f->len = ETH_HLEN + f->l3len + f->tcplen;
}

/* The random parts and the checksums. */
static void frame_randomise(struct flood *f, uint8_t *p)
{
	uint8_t *l3 = p + ETH_HLEN, *th = l3 + f->l3len, *src;
	uint64_t r1 = rnd(f), r2 = rnd(f);
	uint32_t sum;
	int alen, i;

	if (f->family == AF_INET) {
		src = l3 + 12;
		alen = 4;
		*(uint16_t *)(l3 + 4) = (uint16_t)(r2 >> 48);	/* IP ID */
	} else {
		src = l3 + 8;
		alen = 16;
	}
	for (i = 0; i < alen; i++) {
		uint8_t b = i < 8 ? r1 >> (i * 8) : r2 >> ((i - 8) * 8);

		/* -U: the counter, big-endian, in the last eight bytes */
		if (f->unique)
			b = alen - 1 - i < 8 ?
			    f->next_src >> ((alen - 1 - i) * 8) : 0;
		src[i] = f->saddr[i] | (b & ~f->smask[i]);
	}
	f->next_src++;
	/* Source port 1024..65535. */
	*(uint16_t *)th = htons(1024 + (uint16_t)(r2 % 64512));
	*(uint32_t *)(th + 4) = (uint32_t)(r2 >> 16);		/* seq */
	if (f->opts)
		*(uint32_t *)(th + 20 + TSVAL_OFF) = (uint32_t)r1;

	if (f->family == AF_INET) {
		*(uint16_t *)(l3 + 10) = 0;
		*(uint16_t *)(l3 + 10) = csum_fold(csum_add(0, l3, 20));
	}
	*(uint16_t *)(th + 16) = 0;
	sum = csum_add(0, src, alen * 2);	/* source and destination */
	sum += IPPROTO_TCP + f->tcplen;
	*(uint16_t *)(th + 16) = csum_fold(csum_add(sum, th, f->tcplen));
}

struct sender {
	int fd;
	bool ring;
	bool stream;			/* length-prefixed frames, -F */
	uint8_t *sbuf;
	uint8_t *map;
	unsigned int next;		/* ring slot */
	uint8_t frame[FRAME_SIZE];	/* sendto() mode */
	struct sockaddr_ll sll;
	uint64_t errors;
};

static uint8_t *slot_data(struct sender *s, unsigned int i)
{
	return s->map + (size_t)i * FRAME_SIZE + TPACKET2_HDRLEN -
	       sizeof(struct sockaddr_ll);
}

/* A QEMU "-netdev dgram" unix socket: one Ethernet frame a datagram. */
static void sender_open_unix(struct sender *s, struct flood *f,
			     const char *path)
{
	static const uint8_t smac[ETH_ALEN] = { 0x02, 0x00, 0x5e, 0x10, 0, 1 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		die(path);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	s->fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s->fd < 0)
		die("socket(AF_UNIX)");
	if (connect(s->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die(path);
	memcpy(f->smac, smac, ETH_ALEN);
	s->ring = false;
	frame_template(f, s->frame);
}

/* A connected "-netdev stream" socket, inherited as fd. */
static void sender_open_stream(struct sender *s, struct flood *f, int fd)
{
	static const uint8_t smac[ETH_ALEN] = { 0x02, 0x00, 0x5e, 0x10, 0, 1 };

	s->fd = fd;
	s->stream = true;
	s->ring = false;
	s->sbuf = malloc(MAX_BATCH * (4 + FRAME_SIZE));
	if (!s->sbuf)
		die("malloc");
	memcpy(f->smac, smac, ETH_ALEN);
	frame_template(f, s->frame);
}

/* All of buf, whatever signals come: a short write would break framing. */
static void write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("write");
		buf += n;
		len -= n;
	}
}

static void sender_open(struct sender *s, struct flood *f, const char *dev)
{
	struct tpacket_req req = {
		.tp_block_size = 1 << 16,
		.tp_frame_size = FRAME_SIZE,
		.tp_block_nr = RING_FRAMES * FRAME_SIZE / (1 << 16),
		.tp_frame_nr = RING_FRAMES,
	};
	int one = 1, ver = TPACKET_V2;
	struct ifreq ifr = { 0 };
	unsigned int i;

	s->fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: send only */
	if (s->fd < 0)
		die("socket(AF_PACKET)");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(s->fd, SIOCGIFINDEX, &ifr) < 0)
		die(dev);
	s->sll.sll_family = AF_PACKET;
	s->sll.sll_ifindex = ifr.ifr_ifindex;
	s->sll.sll_halen = ETH_ALEN;
	memcpy(s->sll.sll_addr, f->dmac, ETH_ALEN);
	if (ioctl(s->fd, SIOCGIFHWADDR, &ifr) < 0)
		die(dev);
	memcpy(f->smac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	if (bind(s->fd, (struct sockaddr *)&s->sll, sizeof(s->sll)) < 0)
		die("bind");
	if (setsockopt(s->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one)) < 0)
		die("PACKET_QDISC_BYPASS");

	if (!s->ring) {
		frame_template(f, s->frame);
		return;
	}
	if (setsockopt(s->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) < 0)
		die("PACKET_VERSION");
	if (setsockopt(s->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0)
		die("PACKET_TX_RING");
	s->map = mmap(NULL, (size_t)RING_FRAMES * FRAME_SIZE,
		      PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (s->map == MAP_FAILED)
		die("mmap");
	for (i = 0; i < RING_FRAMES; i++)
		frame_template(f, slot_data(s, i));
}

/* Sends n frames; returns how many the kernel took. */
static unsigned int sender_send(struct sender *s, struct flood *f,
				unsigned int n)
{
	unsigned int i, sent = 0;

	if (s->stream) {
		uint8_t *p = s->sbuf;

		for (i = 0; i < n; i++) {
			uint32_t len = htonl(f->len);

			frame_randomise(f, s->frame);
			memcpy(p, &len, 4);
			memcpy(p + 4, s->frame, f->len);
			p += 4 + f->len;
		}
		write_all(s->fd, s->sbuf, p - s->sbuf);
		return n;
	}
	if (!s->ring) {
		for (i = 0; i < n; i++) {
			frame_randomise(f, s->frame);
			if (send(s->fd, s->frame, f->len, 0) == (ssize_t)f->len)
				sent++;
			else if (errno == EINTR)
				break;		/* a signal: we are stopping */
			else if (errno == ENOBUFS || errno == EAGAIN)
				s->errors++;
			else
				die("send");
		}
		return sent;
	}

	for (i = 0; i < n; i++) {
		unsigned int slot = (s->next + i) % RING_FRAMES;
		struct tpacket2_hdr *h = (void *)(s->map + (size_t)slot * FRAME_SIZE);

		/* A blocking send() below returns every frame it took. */
		if (h->tp_status != TP_STATUS_AVAILABLE) {
			n = i;
			break;
		}
		frame_randomise(f, slot_data(s, slot));
		h->tp_len = f->len;
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
	}
	if (send(s->fd, NULL, 0, 0) < 0 && errno != ENOBUFS && errno != EINTR)
		die("send(TX_RING)");
	for (i = 0; i < n; i++) {
		unsigned int slot = (s->next + i) % RING_FRAMES;
		struct tpacket2_hdr *h = (void *)(s->map + (size_t)slot * FRAME_SIZE);
		uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);

		if (st == TP_STATUS_AVAILABLE) {
			sent++;
		} else if (st & TP_STATUS_WRONG_FORMAT) {
			s->errors++;
			h->tp_status = TP_STATUS_AVAILABLE;
		}
		/* Still pending: counted when it comes back. Rare. */
	}
	s->next = (s->next + n) % RING_FRAMES;
	return sent;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *sock = NULL, *dst = NULL, *src = NULL;
	const char *mac = NULL;
	int stream_fd = -1;
	struct flood f = { .opts = true };
	struct sender s = { .ring = false };
	unsigned long long count = 0, sent = 0;
	double rate = 0, duration = 0, start, now, elapsed, last;
	unsigned int batch = 64, quantum;
	struct sigaction sa = { .sa_handler = on_signal };
	int c;

	while ((c = getopt(argc, argv, "i:u:F:m:d:p:s:r:t:c:nb:RUh")) != -1) {
		switch (c) {
		case 'i':
			dev = optarg;
			break;
		case 'u':
			sock = optarg;
			break;
		case 'F':
			stream_fd = atoi(optarg);
			break;
		case 'm':
			mac = optarg;
			break;
		case 'd':
			dst = optarg;
			break;
		case 'p':
			f.dport = atoi(optarg);
			break;
		case 's':
			src = optarg;
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 't':
			duration = atof(optarg);
			break;
		case 'c':
			count = strtoull(optarg, NULL, 10);
			break;
		case 'n':
			f.opts = false;
			break;
		case 'b':
			batch = atoi(optarg);
			break;
		case 'R':
			s.ring = true;
			break;
		case 'U':
			f.unique = true;
			break;
		default:
			return help_or_usage(c);
		}
	}
	if (!!dev + !!sock + (stream_fd >= 0) != 1 || !dst || !mac ||
	    !f.dport || optind != argc) {
		usage(stderr);
		return 2;
	}
	f.family = addr_family(dst);
	if (inet_pton(f.family, dst, f.daddr) != 1 || parse_mac(mac, f.dmac) ||
	    parse_prefix(src ? src : f.family == AF_INET ? "10.128.0.0/9" :
			 "fd00:80::/32", f.family, f.saddr, f.smask)) {
		fprintf(stderr, "synflood: bad address, prefix or MAC\n");
		return 2;
	}
	if (batch < 1 || batch > MAX_BATCH)
		batch = 64;
	if (getrandom(f.rng, sizeof(f.rng), 0) != sizeof(f.rng) ||
	    !(f.rng[0] | f.rng[1]))
		f.rng[0] = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (stream_fd >= 0)
		sender_open_stream(&s, &f, stream_fd);
	else if (sock)
		sender_open_unix(&s, &f, sock);
	else
		sender_open(&s, &f, dev);

	/* Paced: send in quanta of about half a millisecond's worth. */
	quantum = rate > 0 ? (unsigned int)(rate / 2000) : batch;
	if (quantum < 1)
		quantum = 1;
	if (quantum > batch)
		quantum = batch;

	start = last = now_s();
	while (!stop) {
		unsigned long long want = batch;

		now = now_s();
		elapsed = now - start;
		if (duration > 0 && elapsed >= duration)
			break;
		if (count && sent >= count)
			break;
		if (rate > 0) {
			unsigned long long due = (unsigned long long)(elapsed * rate);

			if (due < sent + quantum) {
				sleep_s((sent + quantum - due) / rate);
				continue;
			}
			want = due - sent;
			if (want > batch)
				want = batch;
		}
		if (count && want > count - sent)
			want = count - sent;
		sent += sender_send(&s, &f, want);
		last = now_s();
	}
	/* Up to the last frame sent: a final oversleep is not sending time. */
	elapsed = last - start;
	printf("{\"sent\": %llu, \"seconds\": %.3f, \"pps\": %.0f, "
	       "\"target_pps\": %.0f, \"errors\": %llu}\n",
	       sent, elapsed, elapsed > 0 ? sent / elapsed : 0.0, rate,
	       (unsigned long long)s.errors);
	return 0;
}
