// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of module/tcpopt.c, compiled from that very file: the SYN
 * option parser against hand-made option blocks, the SYN-ACK option
 * writer byte for byte, and the cookie timestamp bits; each also against
 * the kernel's own code as transcribed in kernel_ref.h. TAP output; the
 * exit status is non-zero if anything failed.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpopt.h"
#include "kernel_ref.h"

#define ALLOW_ALL	(SG_ALLOW_TS | SG_ALLOW_SACK | SG_ALLOW_WSCALE)

static int tests, failures;

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!ok)
		failures++;
	printf("%sok %d - ", ok ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void print_synopt(const char *who, const struct sg_synopt *o)
{
	diag("%s: mss %u wscale_ok %u wscale %u sack_ok %u saw_tstamp %u tsval %u tsecr %u",
	     who, o->mss, o->wscale_ok, o->wscale, o->sack_ok, o->saw_tstamp,
	     (unsigned int)o->tsval, (unsigned int)o->tsecr);
}

/* The kernel model's view of a SYN's options, in sg_synopt's terms. */
static void kernel_parse(const uint8_t *p, unsigned int len,
			 unsigned int allow, struct sg_synopt *o)
{
	struct kref_sysctl net = {
		.tcp_timestamps = !!(allow & SG_ALLOW_TS),
		.tcp_sack = !!(allow & SG_ALLOW_SACK),
		.tcp_window_scaling = !!(allow & SG_ALLOW_WSCALE),
	};
	struct kref_rx rx = { 0 };

	kref_parse_options(&net, p, (int)len, &rx);
	*o = (struct sg_synopt){
		.mss = rx.mss_clamp,
		.wscale_ok = rx.wscale_ok,
		.wscale = rx.wscale_ok ? rx.snd_wscale : 0,
		.sack_ok = rx.sack_ok,
		.saw_tstamp = rx.saw_tstamp,
		.tsval = rx.saw_tstamp ? rx.rcv_tsval : 0,
		.tsecr = rx.saw_tstamp ? rx.rcv_tsecr : 0,
	};
}

static int synopt_eq(const struct sg_synopt *a, const struct sg_synopt *b)
{
	return a->mss == b->mss && a->wscale_ok == b->wscale_ok &&
	       (!a->wscale_ok || a->wscale == b->wscale) &&
	       a->sack_ok == b->sack_ok && a->saw_tstamp == b->saw_tstamp &&
	       (!a->saw_tstamp ||
		(a->tsval == b->tsval && a->tsecr == b->tsecr));
}

/*
 * Parses @len bytes at @p with @allow, and checks the result both against
 * @want and against the kernel model. The block is copied to a buffer of
 * exactly @len bytes so that AddressSanitizer sees any read past it.
 */
static void check_parse(const char *desc, const uint8_t *p, unsigned int len,
			unsigned int allow, const struct sg_synopt *want)
{
	uint8_t *buf = malloc(len ? len : 1);
	struct sg_synopt got, kern;

	if (!buf)
		abort();
	if (len)
		memcpy(buf, p, len);
	sg_tcpopt_parse(buf, len, allow, &got);
	kernel_parse(buf, len, allow, &kern);
	free(buf);

	result(synopt_eq(&got, want), "parse: %s", desc);
	if (!synopt_eq(&got, want)) {
		print_synopt("got ", &got);
		print_synopt("want", want);
	}
	result(synopt_eq(&got, &kern), "parse: %s: as tcp_parse_options", desc);
	if (!synopt_eq(&got, &kern)) {
		print_synopt("got   ", &got);
		print_synopt("kernel", &kern);
	}
}

#define PARSE(desc, allow, want, ...)					\
	do {								\
		static const uint8_t blk[] = { __VA_ARGS__ };		\
		struct sg_synopt w = want;				\
		check_parse(desc, blk, sizeof(blk), allow, &w);	\
	} while (0)

#define OPTS(...)	((struct sg_synopt){ __VA_ARGS__ })

/* Option bytes of a typical Linux SYN. */
#define B_MSS(hi, lo)		2, 4, hi, lo
#define B_SACKPERM		4, 2
#define B_TS(a, b, c, d)	8, 10, a, b, c, d, 0, 0, 0, 0
#define B_WS(s)			3, 3, s
#define B_NOP			1
#define B_EOL			0

static void test_parse(void)
{
	check_parse("no options", NULL, 0, ALLOW_ALL, &OPTS(0));

	PARSE("a Linux SYN: MSS 1460, SACK_PERM, TS, NOP, WS 7", ALLOW_ALL,
	      OPTS(.mss = 1460, .sack_ok = 1, .saw_tstamp = 1,
		   .tsval = 0x01020304, .wscale_ok = 1, .wscale = 7),
	      B_MSS(0x05, 0xb4), B_SACKPERM, B_TS(1, 2, 3, 4), B_NOP,
	      B_WS(7));
	PARSE("NOPs are skipped", ALLOW_ALL,
	      OPTS(.mss = 1000, .wscale_ok = 1, .wscale = 2),
	      B_NOP, B_NOP, B_MSS(0x03, 0xe8), B_NOP, B_NOP, B_NOP, B_WS(2));
	PARSE("forty NOPs", ALLOW_ALL, OPTS(0),
	      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);

	/* What ends parsing. */
	PARSE("EOL ends the options", ALLOW_ALL, OPTS(.mss = 1460),
	      B_MSS(0x05, 0xb4), B_EOL, B_WS(7), B_SACKPERM);
	PARSE("EOL first: nothing", ALLOW_ALL, OPTS(0),
	      B_EOL, B_MSS(0x05, 0xb4));
	PARSE("length 0 stops parsing", ALLOW_ALL, OPTS(.mss = 1460),
	      B_MSS(0x05, 0xb4), 3, 0, 7, B_SACKPERM);
	PARSE("length 1 stops parsing", ALLOW_ALL, OPTS(.mss = 1460),
	      B_MSS(0x05, 0xb4), 30, 1, B_SACKPERM, B_WS(7));
	PARSE("length 0 of an unknown option stops parsing", ALLOW_ALL,
	      OPTS(0), 0xfe, 0, B_MSS(0x05, 0xb4));
	PARSE("a timestamp cut short by the end is not read", ALLOW_ALL,
	      OPTS(.mss = 1460), B_MSS(0x05, 0xb4), 8, 10, 1, 2, 3, 4);
	PARSE("a length past the end stops parsing", ALLOW_ALL,
	      OPTS(.sack_ok = 1), B_SACKPERM, 30, 40, 0, 0);
	PARSE("a length one past the end stops parsing", ALLOW_ALL,
	      OPTS(.sack_ok = 1), B_SACKPERM, 3, 4, 7);
	PARSE("an option that exactly fills the block is read", ALLOW_ALL,
	      OPTS(.saw_tstamp = 1, .tsval = 5, .tsecr = 6),
	      8, 10, 0, 0, 0, 5, 0, 0, 0, 6);
	PARSE("a kind byte alone at the end stops parsing", ALLOW_ALL,
	      OPTS(.mss = 536), B_MSS(0x02, 0x18), 3);
	PARSE("a kind byte alone: MSS", ALLOW_ALL, OPTS(0), 2);
	PARSE("MSS with only its length byte", ALLOW_ALL, OPTS(0), 2, 4);
	PARSE("MSS with one byte of value", ALLOW_ALL, OPTS(0), 2, 4, 5);

	/* Values. */
	PARSE("MSS 0 is ignored", ALLOW_ALL, OPTS(.wscale_ok = 1, .wscale = 7),
	      B_MSS(0, 0), B_NOP, B_WS(7));
	PARSE("MSS 65535", ALLOW_ALL, OPTS(.mss = 65535),
	      B_MSS(0xff, 0xff));
	PARSE("window scale 14", ALLOW_ALL, OPTS(.wscale_ok = 1, .wscale = 14),
	      B_WS(14));
	PARSE("window scale 15 is clamped to 14", ALLOW_ALL,
	      OPTS(.wscale_ok = 1, .wscale = 14), B_WS(15));
	PARSE("window scale 255 is clamped to 14", ALLOW_ALL,
	      OPTS(.wscale_ok = 1, .wscale = 14), B_WS(255));
	PARSE("window scale 0", ALLOW_ALL, OPTS(.wscale_ok = 1, .wscale = 0),
	      B_WS(0));
	PARSE("timestamp values", ALLOW_ALL,
	      OPTS(.saw_tstamp = 1, .tsval = 0xdeadbeef, .tsecr = 0x01020304),
	      B_NOP, B_NOP, 8, 10, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4);

	/* Known kinds with the wrong length are skipped, not obeyed. */
	PARSE("MSS of length 3 is skipped", ALLOW_ALL,
	      OPTS(.wscale_ok = 1, .wscale = 3), 2, 3, 5, B_WS(3));
	PARSE("MSS of length 6 is skipped", ALLOW_ALL, OPTS(.sack_ok = 1),
	      2, 6, 5, 0xb4, 0, 0, B_SACKPERM);
	PARSE("window scale of length 4 is skipped", ALLOW_ALL,
	      OPTS(.mss = 1460), 3, 4, 7, 7, B_MSS(0x05, 0xb4));
	PARSE("timestamp of length 8 is skipped", ALLOW_ALL,
	      OPTS(.wscale_ok = 1, .wscale = 1),
	      8, 8, 1, 2, 3, 4, 5, 6, B_WS(1));
	PARSE("SACK_PERM of length 3 is skipped", ALLOW_ALL,
	      OPTS(.mss = 1460), 4, 3, 0, B_MSS(0x05, 0xb4));
	PARSE("unknown kinds are skipped", ALLOW_ALL,
	      OPTS(.mss = 1460, .sack_ok = 1),
	      34, 6, 1, 2, 3, 4, 0xfe, 4, 0xf9, 0x89, B_MSS(0x05, 0xb4),
	      5, 10, 0, 0, 0, 0, 0, 0, 0, 0, B_SACKPERM);

	/* The namespace's sysctls. */
	PARSE("tcp_timestamps=0: timestamp ignored", SG_ALLOW_SACK |
	      SG_ALLOW_WSCALE, OPTS(.mss = 1460, .sack_ok = 1, .wscale_ok = 1,
				    .wscale = 7),
	      B_MSS(0x05, 0xb4), B_SACKPERM, B_TS(1, 2, 3, 4), B_NOP,
	      B_WS(7));
	PARSE("tcp_sack=0: SACK_PERM ignored", SG_ALLOW_TS | SG_ALLOW_WSCALE,
	      OPTS(.mss = 1460, .saw_tstamp = 1, .tsval = 0x01020304,
		   .wscale_ok = 1, .wscale = 7),
	      B_MSS(0x05, 0xb4), B_SACKPERM, B_TS(1, 2, 3, 4), B_NOP,
	      B_WS(7));
	PARSE("tcp_window_scaling=0: window scale ignored",
	      SG_ALLOW_TS | SG_ALLOW_SACK,
	      OPTS(.mss = 1460, .sack_ok = 1, .saw_tstamp = 1,
		   .tsval = 0x01020304),
	      B_MSS(0x05, 0xb4), B_SACKPERM, B_TS(1, 2, 3, 4), B_NOP,
	      B_WS(7));
	PARSE("nothing allowed: only the MSS", 0, OPTS(.mss = 1460),
	      B_MSS(0x05, 0xb4), B_SACKPERM, B_TS(1, 2, 3, 4), B_NOP,
	      B_WS(7));

	/* Duplicates: the kernel keeps the last one it accepted. */
	PARSE("two window scales: the last counts", ALLOW_ALL,
	      OPTS(.wscale_ok = 1, .wscale = 9), B_WS(3), B_WS(9));
	PARSE("two timestamps: the last counts", ALLOW_ALL,
	      OPTS(.saw_tstamp = 1, .tsval = 0x05060708),
	      B_TS(1, 2, 3, 4), B_TS(5, 6, 7, 8));
	PARSE("two MSS options: the last counts", ALLOW_ALL, OPTS(.mss = 1460),
	      B_MSS(0x03, 0xe8), B_MSS(0x05, 0xb4));
	PARSE("MSS 1460 then MSS 0: 1460 stands", ALLOW_ALL, OPTS(.mss = 1460),
	      B_MSS(0x05, 0xb4), B_MSS(0, 0));
	PARSE("window scale, then one of the wrong length: the first stands",
	      ALLOW_ALL, OPTS(.wscale_ok = 1, .wscale = 5),
	      B_WS(5), 3, 4, 9, 9);
	PARSE("SACK_PERM twice", ALLOW_ALL, OPTS(.sack_ok = 1),
	      B_SACKPERM, B_SACKPERM);
}

/* The kernel model's layout for @o. */
static unsigned int kernel_write(uint8_t *out, const struct sg_synack_opt *o)
{
	struct kref_out_options k = {
		.mss = o->mss,
		.ws = o->wscale,
		.tsval = o->tsval,
		.tsecr = o->tsecr,
	};

	if (o->tstamp_ok)
		k.options |= KREF_OPTION_TS;
	if (o->sack_ok)
		k.options |= KREF_OPTION_SACK_ADVERTISE;
	if (o->wscale_ok)
		k.options |= KREF_OPTION_WSCALE;
	return kref_options_write(out, &k);
}

static void hexdump(const char *who, const uint8_t *p, unsigned int len)
{
	char line[3 * 64 + 1] = "";
	unsigned int i;

	for (i = 0; i < len && i < 64; i++)
		sprintf(line + 3 * i, " %02x", p[i]);
	diag("%s:%s", who, line);
}

static void check_write(const char *desc, const struct sg_synack_opt *o,
			const uint8_t *want, unsigned int want_len)
{
	uint8_t *buf = malloc(SG_SYNACK_OPT_MAX), kern[40];
	unsigned int len, klen;
	struct sg_synopt back;
	int ok;

	if (!buf)
		abort();
	len = sg_tcpopt_write(buf, o);
	klen = kernel_write(kern, o);

	ok = len == want_len && !memcmp(buf, want, len);
	result(ok, "write: %s", desc);
	if (!ok) {
		hexdump("got ", buf, len);
		hexdump("want", want, want_len);
	}
	ok = len == klen && !memcmp(buf, kern, len);
	result(ok, "write: %s: as tcp_options_write", desc);
	if (!ok) {
		hexdump("got   ", buf, len);
		hexdump("kernel", kern, klen);
	}
	result(len % 4 == 0 && len <= SG_SYNACK_OPT_MAX,
	       "write: %s: %u bytes, a multiple of 4, at most %d", desc, len,
	       SG_SYNACK_OPT_MAX);

	/* What the client's kernel reads back. */
	sg_tcpopt_parse(buf, len, ALLOW_ALL, &back);
	ok = back.mss == o->mss && back.saw_tstamp == o->tstamp_ok &&
	     back.sack_ok == o->sack_ok && back.wscale_ok == o->wscale_ok &&
	     (!o->wscale_ok || back.wscale == o->wscale) &&
	     (!o->tstamp_ok ||
	      (back.tsval == o->tsval && back.tsecr == o->tsecr));
	result(ok, "write: %s: parses back to the same options", desc);
	free(buf);
}

#define WRITE(desc, opt, ...)						\
	do {								\
		static const uint8_t want[] = { __VA_ARGS__ };		\
		struct sg_synack_opt o = opt;				\
		check_write(desc, &o, want, sizeof(want));		\
	} while (0)

#define SYNACK(...)	((struct sg_synack_opt){ __VA_ARGS__ })
#define TSV		0x11, 0x22, 0x33, 0x44, 0xa1, 0xb2, 0xc3, 0xd4

static void test_write(void)
{
	WRITE("MSS only", SYNACK(.mss = 1460), B_MSS(0x05, 0xb4));
	WRITE("MSS, SACK_PERM+TS, NOP WS",
	      SYNACK(.mss = 1460, .tstamp_ok = 1, .sack_ok = 1,
		     .wscale_ok = 1, .wscale = 7, .tsval = 0x11223344,
		     .tsecr = 0xa1b2c3d4),
	      B_MSS(0x05, 0xb4), 4, 2, 8, 10, TSV, 1, 3, 3, 7);
	WRITE("MSS, NOP NOP TS",
	      SYNACK(.mss = 1440, .tstamp_ok = 1, .tsval = 0x11223344,
		     .tsecr = 0xa1b2c3d4),
	      B_MSS(0x05, 0xa0), 1, 1, 8, 10, TSV);
	WRITE("MSS, NOP NOP TS, NOP WS",
	      SYNACK(.mss = 1440, .tstamp_ok = 1, .wscale_ok = 1,
		     .wscale = 14, .tsval = 0x11223344, .tsecr = 0xa1b2c3d4),
	      B_MSS(0x05, 0xa0), 1, 1, 8, 10, TSV, 1, 3, 3, 14);
	WRITE("MSS, SACK_PERM+TS",
	      SYNACK(.mss = 536, .tstamp_ok = 1, .sack_ok = 1,
		     .tsval = 0x11223344, .tsecr = 0xa1b2c3d4),
	      B_MSS(0x02, 0x18), 4, 2, 8, 10, TSV);
	WRITE("MSS, NOP NOP SACK_PERM (no timestamp)",
	      SYNACK(.mss = 1460, .sack_ok = 1),
	      B_MSS(0x05, 0xb4), 1, 1, 4, 2);
	WRITE("MSS, NOP NOP SACK_PERM, NOP WS (no timestamp)",
	      SYNACK(.mss = 1460, .sack_ok = 1, .wscale_ok = 1, .wscale = 0),
	      B_MSS(0x05, 0xb4), 1, 1, 4, 2, 1, 3, 3, 0);
	WRITE("MSS, NOP WS (no timestamp)",
	      SYNACK(.mss = 65535, .wscale_ok = 1, .wscale = 9),
	      B_MSS(0xff, 0xff), 1, 3, 3, 9);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: the same sequence on every run. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void test_cookie_ts(void)
{
	struct sg_synopt o = { 0 };
	int bad_bits = 0, ahead = 0, stale = 0, differ = 0, undecoded = 0;
	uint32_t ts;
	int i;

	o = OPTS(.wscale_ok = 1, .wscale = 7, .sack_ok = 1, .saw_tstamp = 1);
	ts = sg_cookie_ts(1000000, &o, 1);
	result((ts & 0x3f) == (7 | SG_TS_SACK | SG_TS_ECN),
	       "cookie ts: wscale 7, SACK, ECN in the low 6 bits (%#x)",
	       ts & 0x3f);
	o = OPTS(.saw_tstamp = 1);
	ts = sg_cookie_ts(1000000, &o, 0);
	result((ts & 0x3f) == SG_TS_WSCALE_NONE,
	       "cookie ts: no window scale is 0xf (%#x)", ts & 0x3f);
	o = OPTS(.wscale_ok = 1, .wscale = 0, .saw_tstamp = 1);
	ts = sg_cookie_ts(1000000, &o, 0);
	result((ts & 0x3f) == 0, "cookie ts: window scale 0 is 0 (%#x)",
	       ts & 0x3f);
	o = OPTS(.wscale_ok = 1, .wscale = 14, .sack_ok = 1, .saw_tstamp = 1);
	ts = sg_cookie_ts(0x12345640, &o, 0);
	result(ts == 0x12345600 + 14 + SG_TS_SACK,
	       "cookie ts: options above the clock's low bits step back 64 ms");
	ts = sg_cookie_ts(0x1234567f, &o, 0);
	result(ts == 0x12345640 + 14 + SG_TS_SACK,
	       "cookie ts: options below the clock's low bits keep its high bits");
	ts = sg_cookie_ts(5, &o, 1);
	result(ts == (uint32_t)(0 + 14 + SG_TS_SACK + SG_TS_ECN - 64),
	       "cookie ts: near zero it wraps back, as the kernel's u64 does in its low 32 bits");

	/*
	 * Every option combination at clocks all over the range, including
	 * the 32-bit wrap, against cookie_init_timestamp() and back through
	 * cookie_timestamp_decode().
	 */
	for (i = 0; i < 200000; i++) {
		uint64_t now64 = i < 100 ? (uint64_t)i :
				 i < 200 ? 0xffffffffULL - (i - 100) :
				 rnd() >> (rnd() & 31);
		uint32_t now = (uint32_t)now64;
		int ws_ok = rnd() & 1, sack = rnd() & 1, ecn = rnd() & 1;
		uint8_t ws = rnd() % 15;
		struct kref_sysctl net = { 1, 1, 1 };
		struct kref_rx rx = { 0 };
		int ecn_back;

		o = OPTS(.wscale_ok = ws_ok, .wscale = ws_ok ? ws : 0,
			 .sack_ok = sack, .saw_tstamp = 1);
		ts = sg_cookie_ts(now, &o, ecn);
		if (ts != (uint32_t)kref_cookie_init_ts(now64, ws_ok, ws, sack,
							 ecn))
			differ++;
		if ((ts & 0xf) != (ws_ok ? ws : 0xf) ||
		    !!(ts & SG_TS_SACK) != sack || !!(ts & SG_TS_ECN) != ecn)
			bad_bits++;
		/* Modulo 2^32, as TCP compares timestamps. */
		if ((int32_t)(now - ts) < 0)
			ahead++;
		if (now - ts >= 64)
			stale++;
		if (!kref_cookie_ts_decode(&net, ts, &rx, &ecn_back) ||
		    rx.wscale_ok != ws_ok || (ws_ok && rx.snd_wscale != ws) ||
		    rx.sack_ok != sack || ecn_back != ecn)
			undecoded++;
	}
	result(!differ, "cookie ts: 200000 clocks and options as cookie_init_timestamp (%d differ)",
	       differ);
	result(!bad_bits, "cookie ts: low bits carry wscale/0xf, SACK bit 4, ECN bit 5 (%d wrong)",
	       bad_bits);
	result(!ahead, "cookie ts: never ahead of the clock (%d ahead)", ahead);
	result(!stale, "cookie ts: less than 64 ms behind the clock (%d more)",
	       stale);
	result(!undecoded, "cookie ts: cookie_timestamp_decode gets the options back (%d not)",
	       undecoded);
}

/*
 * Random option blocks, biased towards the kinds and lengths that matter,
 * parsed by tcpopt.c and by the kernel model: a deterministic miniature of
 * the fuzzer, so the plain gcc build checks the same property.
 */
static void test_parse_random(void)
{
	static const uint8_t kinds[] = { 0, 1, 1, 2, 2, 3, 3, 4, 8, 8, 5, 30,
					 34, 254 };
	int i, differ = 0, bad_ws = 0;

	for (i = 0; i < 200000; i++) {
		uint8_t blk[64];
		unsigned int len = rnd() % (sizeof(blk) + 1), n = 0;
		unsigned int allow = rnd() & 7;
		struct sg_synopt got, kern;

		while (n < len) {
			uint64_t r = rnd();

			blk[n++] = r & 1 ? kinds[(r >> 1) % sizeof(kinds)] :
					   (uint8_t)(r >> 8);
			if (n < len)
				blk[n++] = r & 2 ? (r >> 16) % 12 :
						   (uint8_t)(r >> 24);
			while (n < len && (r = rnd()) & 1)
				blk[n++] = (uint8_t)(r >> 8);
		}
		sg_tcpopt_parse(blk, len, allow, &got);
		kernel_parse(blk, len, allow, &kern);
		if (!synopt_eq(&got, &kern)) {
			if (!differ)
				hexdump("first difference, block", blk, len);
			differ++;
		}
		if (got.wscale_ok && got.wscale > SG_MAX_WSCALE)
			bad_ws++;
	}
	result(!differ, "parse: 200000 random blocks as tcp_parse_options (%d differ)",
	       differ);
	result(!bad_ws, "parse: window scale never above 14 (%d above)", bad_ws);
}

/* A TCP-MD5 or TCP-AO option marks the SYN signed; parsing goes on. */
static void test_signature(void)
{
	static const uint8_t md5[] = { 19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
				       11, 12, 13, 14, 15, 16, B_MSS(5, 180) };
	static const uint8_t ao[] = { 29, 4, 1, 2, B_MSS(5, 180), B_NOP,
				      B_NOP };
	static const uint8_t plain[] = { B_MSS(5, 180), B_SACKPERM, B_NOP,
					 B_NOP };
	struct sg_synopt o;

	sg_tcpopt_parse(md5, sizeof(md5), ALLOW_ALL, &o);
	result(o.signature && o.mss == 1460,
	       "parse: a TCP-MD5 option marks the SYN signed, MSS after it read");
	sg_tcpopt_parse(ao, sizeof(ao), 0, &o);
	result(o.signature && o.mss == 1460,
	       "parse: a TCP-AO option marks the SYN signed, whatever the sysctls");
	sg_tcpopt_parse(plain, sizeof(plain), ALLOW_ALL, &o);
	result(!o.signature, "parse: a SYN without either is not signed");
}

int main(void)
{
	/* Keep every line when a sanitizer ends the run. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	test_parse();
	test_signature();
	test_write();
	test_cookie_ts();
	test_parse_random();
	printf("1..%d\n", tests);
	printf("# unit: %d passed, %d failed\n", tests - failures, failures);
	return failures ? 1 : 0;
}
