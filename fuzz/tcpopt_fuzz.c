// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over module/tcpopt.c, compiled from that very file
 * with AddressSanitizer and UndefinedBehaviorSanitizer.
 *
 * Input: byte 0 is the allow mask (its low three bits: timestamps, SACK,
 * window scaling), byte 1 the ECN flag and the SYN-ACK's own wscale
 * (for the writer), bytes 2-9 a clock, the rest the SYN's option block,
 * any length. Invariants, each an abort on failure:
 *
 *  - the parser reads only the block (it is handed libFuzzer's buffer,
 *    sized exactly, so AddressSanitizer catches a read past it);
 *  - it finds what the kernel's tcp_parse_options() finds (kernel_ref.h),
 *    honours the allow mask and never yields a window scale above 14;
 *  - the SYN-ACK options written from it fit SG_SYNACK_OPT_MAX, are laid
 *    out byte for byte as tcp_options_write() would, and parse back to
 *    the options written (the round trip);
 *  - the cookie timestamp equals cookie_init_timestamp(), is never ahead
 *    of the clock nor 64 ms behind, and cookie_timestamp_decode() gets
 *    the options back from it.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpopt.h"
#include "kernel_ref.h"

#define ALLOW_ALL	(SG_ALLOW_TS | SG_ALLOW_SACK | SG_ALLOW_WSCALE)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "tcpopt_fuzz: %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void check_parse(const uint8_t *p, size_t len, unsigned int allow,
			struct sg_synopt *o)
{
	struct kref_sysctl net = {
		.tcp_timestamps = !!(allow & SG_ALLOW_TS),
		.tcp_sack = !!(allow & SG_ALLOW_SACK),
		.tcp_window_scaling = !!(allow & SG_ALLOW_WSCALE),
	};
	struct kref_rx rx = { 0 };

	sg_tcpopt_parse(p, len, allow, o);
	kref_parse_options(&net, p, (int)len, &rx);

	CHECK(o->wscale <= SG_MAX_WSCALE);
	CHECK(o->wscale_ok || !o->wscale);
	CHECK(o->saw_tstamp || (!o->tsval && !o->tsecr));
	CHECK(!o->saw_tstamp || (allow & SG_ALLOW_TS));
	CHECK(!o->sack_ok || (allow & SG_ALLOW_SACK));
	CHECK(!o->wscale_ok || (allow & SG_ALLOW_WSCALE));

	CHECK(o->mss == rx.mss_clamp);
	CHECK(o->wscale_ok == rx.wscale_ok);
	CHECK(!o->wscale_ok || o->wscale == rx.snd_wscale);
	CHECK(o->sack_ok == rx.sack_ok);
	CHECK(o->saw_tstamp == rx.saw_tstamp);
	CHECK(!o->saw_tstamp ||
	      (o->tsval == rx.rcv_tsval && o->tsecr == rx.rcv_tsecr));
}

static void check_write(const struct sg_synack_opt *sa)
{
	struct kref_out_options k = {
		.mss = sa->mss,
		.ws = sa->wscale,
		.tsval = sa->tsval,
		.tsecr = sa->tsecr,
	};
	uint8_t kern[40], *buf;
	struct sg_synopt back;
	unsigned int len, klen;

	/* Exactly the promised maximum, so an overflow is caught. */
	buf = malloc(SG_SYNACK_OPT_MAX);
	CHECK(buf);
	len = sg_tcpopt_write(buf, sa);
	CHECK(len <= SG_SYNACK_OPT_MAX && len % 4 == 0);

	if (sa->tstamp_ok)
		k.options |= KREF_OPTION_TS;
	if (sa->sack_ok)
		k.options |= KREF_OPTION_SACK_ADVERTISE;
	if (sa->wscale_ok)
		k.options |= KREF_OPTION_WSCALE;
	klen = kref_options_write(kern, &k);
	/* The kernel leaves out an MSS of 0; a SYN-ACK always has one. */
	if (sa->mss) {
		CHECK(len == klen);
		CHECK(!memcmp(buf, kern, len));
	}

	sg_tcpopt_parse(buf, len, ALLOW_ALL, &back);
	CHECK(back.mss == sa->mss);
	CHECK(back.saw_tstamp == sa->tstamp_ok);
	CHECK(!sa->tstamp_ok ||
	      (back.tsval == sa->tsval && back.tsecr == sa->tsecr));
	CHECK(back.sack_ok == sa->sack_ok);
	CHECK(back.wscale_ok == sa->wscale_ok);
	CHECK(!sa->wscale_ok ||
	      back.wscale == (sa->wscale > SG_MAX_WSCALE ? SG_MAX_WSCALE :
							   sa->wscale));
	free(buf);
}

static void check_cookie_ts(uint64_t now64, const struct sg_synopt *o,
			    int ecn)
{
	uint32_t now = (uint32_t)now64, ts = sg_cookie_ts(now, o, ecn);
	struct kref_sysctl net = { 1, 1, 1 };
	struct kref_rx rx = { 0 };
	int ecn_back;

	CHECK(ts == (uint32_t)kref_cookie_init_ts(now64, o->wscale_ok,
						  o->wscale, o->sack_ok,
						  ecn));
	CHECK((int32_t)(now - ts) >= 0);
	CHECK(now - ts < 1U << SG_TSBITS);
	CHECK(kref_cookie_ts_decode(&net, ts, &rx, &ecn_back));
	CHECK(rx.wscale_ok == o->wscale_ok);
	CHECK(!o->wscale_ok || rx.snd_wscale == o->wscale);
	CHECK(rx.sack_ok == o->sack_ok);
	CHECK(ecn_back == !!ecn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_synack_opt sa;
	struct sg_synopt o;
	unsigned int allow;
	uint64_t now;
	int ecn;

	if (size < 10)
		return 0;
	allow = data[0] & ALLOW_ALL;
	ecn = data[1] & 1;
	now = get64(data + 2);

	check_parse(data + 10, size - 10, allow, &o);

	/* The SYN-ACK a cookie would carry for this SYN... */
	sa = (struct sg_synack_opt){
		.mss = o.mss ? o.mss : 536,
		.tstamp_ok = o.saw_tstamp,
		.sack_ok = o.sack_ok,
		.wscale_ok = o.wscale_ok,
		.wscale = o.wscale_ok ? data[1] >> 4 : 0,
		.tsval = (uint32_t)now,
		.tsecr = o.tsval,
	};
	if (sa.wscale > SG_MAX_WSCALE)
		sa.wscale = SG_MAX_WSCALE;
	check_write(&sa);

	/* ...and any other combination the writer might be handed. */
	sa.tstamp_ok = data[1] >> 1 & 1;
	sa.sack_ok = data[1] >> 2 & 1;
	sa.wscale_ok = data[1] >> 3 & 1;
	sa.wscale = data[1] >> 4;
	sa.mss = (uint16_t)(now >> 32);
	check_write(&sa);

	if (o.saw_tstamp)
		check_cookie_ts(now, &o, ecn);
	return 0;
}
