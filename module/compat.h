/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels synguard supports, in one place.
 * The SG_HAVE_* flags come from header probes in Kbuild, not from
 * LINUX_VERSION_CODE: Debian backports networking changes.
 */
#ifndef _SG_COMPAT_H
#define _SG_COMPAT_H

#include <net/genetlink.h>
#include <net/tcp.h>

/* 6.6 made __cookie_v[46]_check() read the cookie from the header. */
static inline int sg_cookie_v4_check(const struct iphdr *iph,
				     const struct tcphdr *th)
{
#ifdef SG_HAVE_COOKIE_CHECK_2ARG
	return __cookie_v4_check(iph, th);
#else
	return __cookie_v4_check(iph, th, ntohl(th->ack_seq) - 1);
#endif
}

static inline int sg_cookie_v6_check(const struct ipv6hdr *iph,
				     const struct tcphdr *th)
{
#ifdef SG_HAVE_COOKIE_CHECK_2ARG
	return __cookie_v6_check(iph, th);
#else
	return __cookie_v6_check(iph, th, ntohl(th->ack_seq) - 1);
#endif
}

/* The millisecond clock TCP timestamps use. */
static inline u32 sg_tcp_ms(void)
{
#ifdef SG_HAVE_TCP_CLOCK_MS
	return tcp_clock_ms();
#else
	return tcp_time_stamp_raw();
#endif
}

/*
 * Whether the kernel signs @sk's segments: TCP-MD5 keys, or TCP-AO keys
 * (from 6.7, where CONFIG_TCP_AO exists; Debian's kernels leave it off).
 */
static inline bool sg_tcp_signed(const struct sock *sk)
{
#ifdef CONFIG_TCP_MD5SIG
	if (rcu_access_pointer(tcp_sk(sk)->md5sig_info))
		return true;
#endif
#ifdef CONFIG_TCP_AO
	if (rcu_access_pointer(tcp_sk(sk)->ao_info))
		return true;
#endif
	return false;
}

/*
 * The attributes genetlink parsed for a dump with the op's policy. 6.2
 * turned genl_dumpit_info's op into a split op and moved them into an
 * embedded genl_info.
 */
static inline struct nlattr **sg_genl_dump_attrs(struct netlink_callback *cb)
{
#ifdef SG_HAVE_GENL_SPLIT_OPS
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _SG_COMPAT_H */
