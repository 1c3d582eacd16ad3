/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference models of the kernel code module/tcpopt.c mirrors, for the
 * unit tests and the fuzzer to compare it against. Each is transcribed
 * from Linux 6.12 (the 6.1 versions agree on everything kept here) with
 * only the paths a SYN on a listener takes:
 *
 *   kref_parse_options()     net/ipv4/tcp_input.c   tcp_parse_options()
 *   kref_options_write()     net/ipv4/tcp_output.c  tcp_options_write()
 *   kref_cookie_init_ts()    net/ipv4/syncookies.c  cookie_init_timestamp()
 *   kref_cookie_ts_decode()  net/ipv4/syncookies.c  cookie_timestamp_decode()
 *
 * Keep them as close to the kernel's text as the userspace setting
 * allows: they are the specification, tcpopt.c is the implementation.
 */
#ifndef _SG_KERNEL_REF_H
#define _SG_KERNEL_REF_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define KREF_TCP_MAX_WSCALE	14
#define KREF_TSBITS		6
#define KREF_TS_OPT_WSCALE_MASK	0xf
#define KREF_TS_OPT_SACK	(1 << 4)
#define KREF_TS_OPT_ECN		(1 << 5)

/* The fields of struct tcp_options_received a SYN can set. */
struct kref_rx {
	/* 0 here: no MSS option (the kernel's af_ops->mss_clamp stands) */
	uint16_t mss_clamp;
	uint16_t user_mss;	/* the listener's TCP_MAXSEG, 0 if unset */
	uint8_t saw_tstamp;
	uint8_t wscale_ok;
	uint8_t snd_wscale;
	uint8_t sack_ok;
	uint32_t rcv_tsval;
	uint32_t rcv_tsecr;
};

/* The namespace sysctls tcp_parse_options() reads. */
struct kref_sysctl {
	int tcp_timestamps;
	int tcp_sack;
	int tcp_window_scaling;
};

static inline uint16_t kref_get_be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t kref_get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * tcp_parse_options() for a SYN (th->syn set) on a listener (estab 0);
 * ptr is the first option byte, length th->doff * 4 - 20. The caller
 * zeroes opt_rx first, as tcp_clear_options() does.
 */
static inline void kref_parse_options(const struct kref_sysctl *net,
				      const unsigned char *ptr, int length,
				      struct kref_rx *opt_rx)
{
	opt_rx->saw_tstamp = 0;

	while (length > 0) {
		int opcode = *ptr++;
		int opsize;

		switch (opcode) {
		case 0:		/* TCPOPT_EOL */
			return;
		case 1:		/* TCPOPT_NOP */
			length--;
			continue;
		default:
			if (length < 2)
				return;
			opsize = *ptr++;
			if (opsize < 2) /* "silly options" */
				return;
			if (opsize > length)
				return;	/* don't parse partial options */
			switch (opcode) {
			case 2:		/* TCPOPT_MSS */
				if (opsize == 4) {
					uint16_t in_mss = kref_get_be16(ptr);

					if (in_mss) {
						if (opt_rx->user_mss &&
						    opt_rx->user_mss < in_mss)
							in_mss = opt_rx->user_mss;
						opt_rx->mss_clamp = in_mss;
					}
				}
				break;
			case 3:		/* TCPOPT_WINDOW */
				if (opsize == 3 && net->tcp_window_scaling) {
					uint8_t snd_wscale = *ptr;

					opt_rx->wscale_ok = 1;
					if (snd_wscale > KREF_TCP_MAX_WSCALE)
						snd_wscale = KREF_TCP_MAX_WSCALE;
					opt_rx->snd_wscale = snd_wscale;
				}
				break;
			case 8:		/* TCPOPT_TIMESTAMP */
				if (opsize == 10 && net->tcp_timestamps) {
					opt_rx->saw_tstamp = 1;
					opt_rx->rcv_tsval = kref_get_be32(ptr);
					opt_rx->rcv_tsecr = kref_get_be32(ptr + 4);
				}
				break;
			case 4:		/* TCPOPT_SACK_PERM */
				if (opsize == 2 && net->tcp_sack)
					opt_rx->sack_ok = 1;
				break;
			default:	/* SACK, MD5, AO, Fast Open, EXP... */
				break;
			}
			ptr += opsize - 2;
			length -= opsize;
		}
	}
}

/* What tcp_synack_options() hands tcp_options_write() for a SYN-ACK. */
#define KREF_OPTION_SACK_ADVERTISE	(1 << 0)
#define KREF_OPTION_TS			(1 << 1)
#define KREF_OPTION_WSCALE		(1 << 3)

struct kref_out_options {
	uint16_t options;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
};

/*
 * tcp_options_write() without MD5/AO, SACK blocks, Fast Open, SMC and
 * MPTCP, none of which a cookie SYN-ACK carries. Returns the length.
 */
static inline unsigned int kref_options_write(unsigned char *out,
					      const struct kref_out_options *opts)
{
	uint32_t words[10], *ptr = words;
	uint16_t options = opts->options;	/* mungable copy */

	if (opts->mss)
		*ptr++ = htonl((2 << 24) | (4 << 16) | opts->mss);

	if (options & KREF_OPTION_TS) {
		if (options & KREF_OPTION_SACK_ADVERTISE) {
			*ptr++ = htonl((4 << 24) | (2 << 16) | (8 << 8) | 10);
			options &= ~KREF_OPTION_SACK_ADVERTISE;
		} else {
			*ptr++ = htonl((1 << 24) | (1 << 16) | (8 << 8) | 10);
		}
		*ptr++ = htonl(opts->tsval);
		*ptr++ = htonl(opts->tsecr);
	}

	if (options & KREF_OPTION_SACK_ADVERTISE)
		*ptr++ = htonl((1 << 24) | (1 << 16) | (4 << 8) | 2);

	if (options & KREF_OPTION_WSCALE)
		*ptr++ = htonl((1 << 24) | (3 << 16) | (3 << 8) | opts->ws);

	memcpy(out, words, (ptr - words) * 4);
	return (ptr - words) * 4;
}

/*
 * cookie_init_timestamp() in milliseconds: ts_now is the 64-bit TCP
 * millisecond clock; the SYN-ACK carries the low 32 bits of the result
 * (plus the connection's offset).
 */
static inline uint64_t kref_cookie_init_ts(uint64_t ts_now, int wscale_ok,
					   uint8_t snd_wscale, int sack_ok,
					   int ecn_ok)
{
	uint64_t ts;
	uint32_t options = 0;

	options = wscale_ok ? snd_wscale : KREF_TS_OPT_WSCALE_MASK;
	if (sack_ok)
		options |= KREF_TS_OPT_SACK;
	if (ecn_ok)
		options |= KREF_TS_OPT_ECN;

	ts = (ts_now >> KREF_TSBITS) << KREF_TSBITS;
	ts |= options;
	if (ts > ts_now)
		ts -= (1UL << KREF_TSBITS);

	return ts;
}

/*
 * cookie_timestamp_decode() plus cookie_ecn_ok()'s read of the ECN bit:
 * what the kernel rebuilds from the tsecr of a cookie ACK (the offset
 * already taken off). Returns 0 where the kernel rejects the cookie.
 */
static inline int kref_cookie_ts_decode(const struct kref_sysctl *net,
					uint32_t tsecr, struct kref_rx *rx,
					int *ecn_ok)
{
	uint32_t options = tsecr;

	*ecn_ok = !!(options & KREF_TS_OPT_ECN);
	if (!net->tcp_timestamps)
		return 0;
	rx->sack_ok = (options & KREF_TS_OPT_SACK) ? 1 : 0;
	if (rx->sack_ok && !net->tcp_sack)
		return 0;
	if ((options & KREF_TS_OPT_WSCALE_MASK) == KREF_TS_OPT_WSCALE_MASK)
		return 1; /* no window scaling */
	rx->wscale_ok = 1;
	rx->snd_wscale = options & KREF_TS_OPT_WSCALE_MASK;
	return net->tcp_window_scaling != 0;
}

#endif /* _SG_KERNEL_REF_H */
