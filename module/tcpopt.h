/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP option parsing for SYNs and writing for SYN-ACKs, and the option
 * bits a cookie timestamp carries. Pure logic: this file and tcpopt.c
 * build both in the module and in the userspace tests and fuzzer, so
 * they use only <linux/types.h>.
 */
#ifndef _SG_TCPOPT_H
#define _SG_TCPOPT_H

#include <linux/types.h>

/* Which options the namespace's sysctls let the kernel honour. */
#define SG_ALLOW_TS	0x1	/* net.ipv4.tcp_timestamps */
#define SG_ALLOW_SACK	0x2	/* net.ipv4.tcp_sack */
#define SG_ALLOW_WSCALE	0x4	/* net.ipv4.tcp_window_scaling */

#define SG_MAX_WSCALE	14	/* TCP_MAX_WSCALE */
#define SG_TSBITS	6	/* low timestamp bits that carry options */
#define SG_TS_WSCALE_NONE	0xf
#define SG_TS_SACK	0x10
#define SG_TS_ECN	0x20

/* A SYN's options, as tcp_parse_options() would read them. */
struct sg_synopt {
	__u16 mss;		/* 0 when the SYN carried none */
	__u8 wscale;		/* meaningful with wscale_ok */
	__u8 wscale_ok;
	__u8 sack_ok;
	__u8 saw_tstamp;
	__u8 signature;	/* TCP-MD5 or TCP-AO: only the peer can answer */
	__u32 tsval;
	__u32 tsecr;
};

/* What a SYN-ACK advertises. */
struct sg_synack_opt {
	__u16 mss;
	__u8 wscale;		/* with wscale_ok */
	__u8 wscale_ok;
	__u8 sack_ok;
	__u8 tstamp_ok;
	__u32 tsval;
	__u32 tsecr;
};

#define SG_SYNACK_OPT_MAX 20	/* MSS 4, SACK_PERM+TS 12, NOP+WS 4 */

void sg_tcpopt_parse(const __u8 *p, unsigned int len, unsigned int allow,
		     struct sg_synopt *o);
unsigned int sg_tcpopt_write(__u8 *p, const struct sg_synack_opt *o);
int sg_tcpopt_ts_find(const __u8 *p, unsigned int len);
__u32 sg_cookie_ts(__u32 now_ms, const struct sg_synopt *o, int ecn_ok);

#endif /* _SG_TCPOPT_H */
