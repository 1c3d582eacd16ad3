// SPDX-License-Identifier: GPL-2.0
/*
 * TCP options for cookie SYN-ACKs. Everything here mirrors what the
 * kernel's own SYN path (tcp_parse_options, tcp_options_write,
 * cookie_init_timestamp) does, because the kernel later rebuilds the
 * connection from the cookie and must arrive at the same options.
 */

#include "tcpopt.h"

#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MSS		2
#define TCPOPT_WINDOW		3
#define TCPOPT_SACK_PERM	4
#define TCPOPT_TIMESTAMP	8
#define TCPOPT_MD5SIG		19
#define TCPOPT_AO		29
#define TCPOLEN_MSS		4
#define TCPOLEN_WINDOW		3
#define TCPOLEN_SACK_PERM	2
#define TCPOLEN_TIMESTAMP	10

static __u16 sg_get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 sg_get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static void sg_put32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * Reads options the way tcp_parse_options() does for a SYN on a
 * listener: unknown options are skipped, a length below two or past the
 * end stops parsing, and options the sysctls disable are ignored.
 */
void sg_tcpopt_parse(const __u8 *p, unsigned int len, unsigned int allow,
		     struct sg_synopt *o)
{
	*o = (struct sg_synopt){ 0 };

	while (len > 0) {
		unsigned int opcode = *p++;
		unsigned int opsize;

		len--;
		if (opcode == TCPOPT_EOL)
			return;
		if (opcode == TCPOPT_NOP)
			continue;
		if (len < 1)
			return;
		opsize = *p++;
		if (opsize < 2 || opsize - 1 > len)
			return;
		switch (opcode) {
		case TCPOPT_MSS:
			/* An MSS of 0 is ignored: it leaves an earlier one. */
			if (opsize == TCPOLEN_MSS && sg_get16(p))
				o->mss = sg_get16(p);
			break;
		case TCPOPT_WINDOW:
			if (opsize == TCPOLEN_WINDOW &&
			    (allow & SG_ALLOW_WSCALE)) {
				o->wscale_ok = 1;
				o->wscale = *p > SG_MAX_WSCALE ? SG_MAX_WSCALE
							       : *p;
			}
			break;
		case TCPOPT_TIMESTAMP:
			if (opsize == TCPOLEN_TIMESTAMP &&
			    (allow & SG_ALLOW_TS)) {
				o->saw_tstamp = 1;
				o->tsval = sg_get32(p);
				o->tsecr = sg_get32(p + 4);
			}
			break;
		case TCPOPT_SACK_PERM:
			if (opsize == TCPOLEN_SACK_PERM &&
			    (allow & SG_ALLOW_SACK))
				o->sack_ok = 1;
			break;
		case TCPOPT_MD5SIG:
		case TCPOPT_AO:
			o->signature = 1;
			break;
		}
		p += opsize - 2;
		len -= opsize - 1;
	}
}

/*
 * Where the timestamp option's value starts within the @len bytes of
 * options at @p (TSval, then TSecr), or -1 when there is none.
 */
int sg_tcpopt_ts_find(const __u8 *p, unsigned int len)
{
	unsigned int off = 0;

	while (off < len) {
		unsigned int opcode = p[off], opsize;

		if (opcode == TCPOPT_EOL)
			return -1;
		if (opcode == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= len)
			return -1;
		opsize = p[off + 1];
		if (opsize < 2 || off + opsize > len)
			return -1;
		if (opcode == TCPOPT_TIMESTAMP && opsize == TCPOLEN_TIMESTAMP)
			return off + 2;
		off += opsize;
	}
	return -1;
}

/*
 * Writes the options in tcp_options_write() order and layout, so that
 * a cookie SYN-ACK is indistinguishable from the kernel's. Returns the
 * length, a multiple of four and at most SG_SYNACK_OPT_MAX.
 */
unsigned int sg_tcpopt_write(__u8 *p, const struct sg_synack_opt *o)
{
	__u8 *start = p;

	*p++ = TCPOPT_MSS;
	*p++ = TCPOLEN_MSS;
	*p++ = o->mss >> 8;
	*p++ = o->mss & 0xff;

	if (o->tstamp_ok) {
		if (o->sack_ok) {
			*p++ = TCPOPT_SACK_PERM;
			*p++ = TCPOLEN_SACK_PERM;
		} else {
			*p++ = TCPOPT_NOP;
			*p++ = TCPOPT_NOP;
		}
		*p++ = TCPOPT_TIMESTAMP;
		*p++ = TCPOLEN_TIMESTAMP;
		sg_put32(p, o->tsval);
		sg_put32(p + 4, o->tsecr);
		p += 8;
	} else if (o->sack_ok) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_SACK_PERM;
		*p++ = TCPOLEN_SACK_PERM;
	}

	if (o->wscale_ok) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_WINDOW;
		*p++ = TCPOLEN_WINDOW;
		*p++ = o->wscale;
	}
	return p - start;
}

/*
 * The timestamp a cookie SYN-ACK sends, before the per-connection
 * offset: the millisecond clock with its low bits replaced by the
 * client's window scale, SACK and ECN, never ahead of the clock. This is
 * cookie_init_timestamp(); cookie_timestamp_decode() reads it back.
 */
__u32 sg_cookie_ts(__u32 now_ms, const struct sg_synopt *o, int ecn_ok)
{
	__u32 options, ts;

	options = o->wscale_ok ? o->wscale : SG_TS_WSCALE_NONE;
	if (o->sack_ok)
		options |= SG_TS_SACK;
	if (ecn_ok)
		options |= SG_TS_ECN;

	ts = (now_ms >> SG_TSBITS) << SG_TSBITS;
	ts |= options;
	if (ts > now_ms)
		ts -= 1U << SG_TSBITS;
	return ts;
}
