/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels synguard supports, in one place.
 * The SG_HAVE_* flags come from header probes in Kbuild, not from
 * LINUX_VERSION_CODE: Debian backports networking changes.
 */
#ifndef _SG_COMPAT_H
#define _SG_COMPAT_H

#include <linux/ipv6.h>
#include <net/genetlink.h>
#include <net/secure_seq.h>
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

/*
 * The offset the kernel's own cookie check, cookie_v4_check() or
 * cookie_v6_check(), subtracts from the timestamp an ACK echoes, and so
 * the one a cookie SYN-ACK adds to its own. Upstream stable 6.1.191 and
 * 6.12.94 hash the ports into it, with secure_tcp_seq_and_ts_off() and
 * secure_tcpv6_seq_and_ts_off(); Debian 12 has those from 6.1.0-55 and in
 * every 6.12. Older 6.1 kernels hash the addresses alone, with
 * secure_tcp_ts_off() and secure_tcpv6_ts_off(), and export only the
 * IPv6 one. There the IPv4 offset cannot be known, so an IPv4 cookie
 * SYN-ACK goes without a timestamp, as the kernel's own does for a client
 * that sends none: the connection loses window scaling, SACK and ECN.
 */
static inline bool sg_cookie_ts_known(u8 family)
{
#ifdef SG_HAVE_SEQ_AND_TS_OFF
	return true;
#else
	return family == AF_INET6;
#endif
}

static inline u32 sg_cookie_ts_off_v4(const struct net *net,
				      const struct iphdr *iph,
				      const struct tcphdr *th)
{
#ifdef SG_HAVE_SEQ_AND_TS_OFF
	return secure_tcp_seq_and_ts_off(net, iph->daddr, iph->saddr,
					 th->dest, th->source).ts_off;
#else
	/* Not reached: sg_cookie_ts_known(AF_INET) is false. */
	WARN_ON_ONCE(1);
	return 0;
#endif
}

static inline u32 sg_cookie_ts_off_v6(const struct net *net,
				      const struct ipv6hdr *ip6h,
				      const struct tcphdr *th)
{
#ifdef SG_HAVE_SEQ_AND_TS_OFF
	return secure_tcpv6_seq_and_ts_off(net, ip6h->daddr.s6_addr32,
					   ip6h->saddr.s6_addr32,
					   th->dest, th->source).ts_off;
#else
	return secure_tcpv6_ts_off(net, ip6h->daddr.s6_addr32,
				   ip6h->saddr.s6_addr32);
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
 * Whether the line the kernel logs when a full SYN queue makes it send
 * cookies (tcp_syn_flood_action()) names the listener's address: from
 * 6.2 on; Debian's 6.1 has the older line. The change is in
 * tcp_input.c alone, with no header to probe: Kbuild sets the flag from
 * the version.
 */
#ifdef SG_HAVE_SYNFLOOD_LINE_ADDR
#define SG_SYNFLOOD_LINE_ADDR	true
#else
#define SG_SYNFLOOD_LINE_ADDR	false
#endif

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

/*
 * Who may join the events multicast group. Kernels with
 * GENL_MCAST_CAP_NET_ADMIN (6.7, and the stable kernels that took it:
 * Debian 12's 6.1.0-57 has it, 6.1.0-47 not) refuse a socket without
 * CAP_NET_ADMIN over the namespace. Older ones have neither the flag nor
 * an mcast_bind callback to check it ourselves: there anyone in the
 * namespace may join, so an event carries nothing that names a client.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define SG_MCGRP_ADMIN_FLAGS	GENL_MCAST_CAP_NET_ADMIN
#else
#define SG_MCGRP_ADMIN_FLAGS	0
#endif

static inline bool sg_mcgrp_admin_only(void)
{
	return SG_MCGRP_ADMIN_FLAGS != 0;
}

#endif /* _SG_COMPAT_H */
