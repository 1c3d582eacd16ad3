// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter hooks: classify each TCP segment the kernel is about to
 * deliver locally, and decide what becomes of it.
 *
 * SYN to a local listener:  tracked and passed to the kernel, or, in
 *                           cookie mode, answered with a cookie SYN-ACK
 *                           and never seen by TCP or confirmed by
 *                           conntrack.
 * ACK matching a half-open: the handshake completed; forget the entry.
 * ACK matching no socket:   while cookies are out, it must carry a valid
 *                           cookie; otherwise it is dropped. One that
 *                           came through conntrack as its SYN
 *                           (handoff.c) is turned back first, and its
 *                           entry made established.
 * RST:                      ends a half-open.
 * Anything else passes untouched, and so does everything the kernel
 * would not deliver to a listener we may answer for: no listener, a
 * listener that signs its segments or filters them, an IPsec policy or
 * a hop limit it refuses.
 *
 * Hooks run inside the RCU read section netfilter holds; listener
 * sockets are RCU-freed, so a listener found here stays valid until
 * the hook returns without taking a reference. They run in softirq
 * context, and in process context with bottom halves enabled when an
 * NFQUEUE verdict reinjects a packet (nf_reinject()).
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/inet6_hashtables.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/xfrm.h>
#include <net/tcp.h>

#include "compat.h"
#include "cookie.h"
#include "filter.h"
#include "gateway.h"
#include "halfopen.h"
#include "handoff.h"
#include "hook.h"
#include "policy.h"
#include "portstat.h"

static const struct in6_addr *sg_in6(const __be32 *a)
{
	return (const struct in6_addr *)a;
}

/* Established, TIME_WAIT and request sockets; takes a reference. */
static struct sock *sg_lookup_established(struct net *net,
					  const struct sg_pkt *pkt)
{
	struct inet_hashinfo *h = net->ipv4.tcp_death_row.hashinfo;
	const struct sg_tuple *t = &pkt->t;

	if (t->family == AF_INET)
		return __inet_lookup_established(net, h, t->saddr[0], t->sport,
						 t->daddr[0], ntohs(t->dport),
						 pkt->dif, pkt->sdif);
	return __inet6_lookup_established(net, h, sg_in6(t->saddr), t->sport,
					  sg_in6(t->daddr), ntohs(t->dport),
					  pkt->dif, pkt->sdif);
}

/*
 * The listener the kernel would pick, with the interfaces it would pass
 * (so a VRF's l3mdev rules and tcp_l3mdev_accept apply as they do to
 * the kernel). No skb is passed, so a reuseport group selects by hash
 * rather than by a BPF program that expects the skb at the TCP header;
 * the overflow stamp we set is per group anyway.
 */
struct sock *sg_lookup_listener(struct net *net, const struct sg_pkt *pkt)
{
	struct inet_hashinfo *h = net->ipv4.tcp_death_row.hashinfo;
	const struct sg_tuple *t = &pkt->t;

	if (t->family == AF_INET)
		return __inet_lookup_listener(net, h, NULL, 0, t->saddr[0],
					      t->sport, t->daddr[0],
					      ntohs(t->dport), pkt->dif,
					      pkt->sdif);
	return inet6_lookup_listener(net, h, NULL, 0, sg_in6(t->saddr),
				     t->sport, sg_in6(t->daddr),
				     ntohs(t->dport), pkt->dif, pkt->sdif);
}

/*
 * What tcp_v4_rcv() and tcp_v6_rcv() check on a segment for a listener
 * before it reaches the listener: the hop limit the socket demands
 * (IP_MINTTL, IPV6_MINHOPCOUNT: GTSM, as BGP speakers use it) and the
 * IPsec policy. A segment that fails either is dropped by the kernel,
 * so it is not ours to answer.
 */
static bool sg_listener_admits(struct sock *lsk, struct sk_buff *skb,
			       const struct sg_pkt *pkt)
{
	if (pkt->t.family == AF_INET) {
		if (ip_hdr(skb)->ttl < READ_ONCE(inet_sk(lsk)->min_ttl))
			return false;
		return xfrm4_policy_check(lsk, XFRM_POLICY_IN, skb);
	}
	if (ipv6_hdr(skb)->hop_limit <
	    READ_ONCE(inet6_sk(lsk)->min_hopcount))
		return false;
	return xfrm6_policy_check(lsk, XFRM_POLICY_IN, skb);
}

/*
 * The listener the kernel will hand this segment to, or NULL: when a
 * socket of the connection exists, no listener matches, or the kernel
 * would drop the segment on the listener's behalf.
 */
static struct sock *sg_local_listener(struct net *net, struct sk_buff *skb,
				      const struct sg_pkt *pkt)
{
	struct sock *sk = sg_lookup_established(net, pkt);

	if (sk) {
		sock_gen_put(sk);
		return NULL;
	}
	sk = sg_lookup_listener(net, pkt);
	if (!sk || !sg_listener_admits(sk, skb, pkt))
		return NULL;
	return sk;
}

/*
 * A listener whose SYN-ACKs we cannot make: the kernel signs them
 * (TCP-MD5, TCP-AO), or a socket filter decides which SYNs it sees.
 */
static bool sg_listener_ours(const struct sock *lsk)
{
	return !sg_tcp_signed(lsk) && !rcu_access_pointer(lsk->sk_filter);
}

/*
 * A SYN tcp_v4_conn_request() or tcp_v6_conn_request() would drop
 * outright: to a broadcast or multicast route, to an IPv6 anycast
 * address, or from a v4-mapped IPv6 source. Local delivery (this hook
 * runs at LOCAL_IN) is otherwise settled: routing, rp_filter, AnyIP.
 */
static bool sg_syn_deliverable(const struct sk_buff *skb,
			       const struct sg_pkt *pkt)
{
	if (pkt->t.family == AF_INET)
		return !(skb_rtable(skb)->rt_flags &
			 (RTCF_BROADCAST | RTCF_MULTICAST));
	return ipv6_unicast_destination(skb) &&
	       !ipv6_addr_v4mapped(sg_in6(pkt->t.saddr));
}

/*
 * The TCP checksum, checked as tcp_v4_rcv() and tcp_v6_rcv() will check
 * it. IPv4 is summed from the TCP header, not over the IP header as
 * nf_ip_checksum() would from here: ip_rcv_options() may have rewritten
 * a record-route pointer without fixing the header checksum. An IPv6
 * header is subtracted explicitly, and its extension headers are left
 * as they came.
 */
bool sg_checksum_bad(struct sk_buff *skb, const struct sg_pkt *pkt,
		     unsigned int hook)
{
	bool bad;

	if (pkt->t.family == AF_INET6)
		return nf_ip6_checksum(skb, hook, pkt->thoff, IPPROTO_TCP);
	__skb_pull(skb, pkt->thoff);
	bad = nf_ip_checksum(skb, hook, 0, IPPROTO_TCP);
	__skb_push(skb, pkt->thoff);
	return bad;
}

/*
 * Tracks a SYN that would go to the kernel. Returns true when it should
 * get a cookie instead: the listener's own SYN queue is full (the kernel
 * would answer with a cookie itself), no room in the table, or its
 * source holds too many half-opens already (policy.c). @lsk is NULL for
 * a SYN this host forwards.
 */
static bool sg_track_syn(struct sg_net *sn, const struct sg_pkt *pkt,
			 const struct sock *lsk, u32 mode)
{
	u32 enter;

	if (lsk && inet_csk_reqsk_queue_is_full(lsk)) {
		sg_stat_inc(sn, LISTENER_FULL);
		if (mode == SYNGUARD_MODE_AUTO) {
			/* What the kernel logs and counts for it (backlog.c). */
			sg_backlog_full(sn, lsk, pkt->t.family);
			return true;
		}
	}

	switch (sg_halfopen_add(sn, &pkt->t, ntohl(pkt->th->seq))) {
	case SG_HO_ADDED:
		sg_stat_inc(sn, HALFOPEN_ADDED);
		enter = sg_halfopen_enter(sn);
		if (!sg_under_attack(sn)) {
			if (sg_halfopen_count_reaches(sn, enter))
				sg_policy_enter(sn, SYNGUARD_REASON_HALFOPENS);
		} else if (sg_halfopen_count_reaches(sn, 2 * enter)) {
			/* Only exempt ports are tracked now (policy.c). */
			sg_policy_rearm(sn);
		}
		return false;
	case SG_HO_REFRESHED:
		return false;
	case SG_HO_FULL:
		sg_stat_inc(sn, TABLE_FULL);
		/*
		 * A bucket holds SG_WAYS entries: with 200 half-opens in 4096
		 * slots, one in about ten busy runs sees a fifth SYN hash to
		 * a full bucket. That is a collision, not a flood: until the
		 * table is half full, leave the SYN to the kernel untracked.
		 */
		if (!sg_halfopen_count_reaches(sn,
					       READ_ONCE(sn->cfg.table_size) / 2))
			return false;
		sg_policy_table_full(sn);
		sg_policy_enter(sn, SYNGUARD_REASON_TABLE_FULL);
		sg_policy_rearm(sn);
		return true;
	case SG_HO_SOURCE_LIMIT:
		sg_stat_inc(sn, SOURCE_LIMIT_HITS);
		sg_policy_source_limited(sn, &pkt->t);
		return true;
	}
	return false;
}

/*
 * Whether the SYN in @pkt gets a cookie rather than a normal handshake,
 * tracking it when it does not: every SYN in `always`; in `auto`, those
 * to a flooded port while under attack, and those the tracking refuses.
 */
bool sg_syn_wants_cookie(struct sg_net *sn, const struct sg_pkt *pkt,
			 const struct sock *lsk, u32 mode)
{
	if (mode == SYNGUARD_MODE_ALWAYS)
		return true;
	if (mode == SYNGUARD_MODE_AUTO && sg_under_attack(sn) &&
	    sg_port_flooded(sn, pkt->t.dport))
		return true;
	return sg_track_syn(sn, pkt, lsk, mode) && mode == SYNGUARD_MODE_AUTO;
}

/*
 * A SYN conntrack expected: the first of a connection that a helper
 * announced (FTP data, SIP media). Conntrack took the expectation when
 * it made this SYN's entry, which stays unconfirmed until LOCAL_IN's
 * last hook: a SYN consumed here frees the entry and the expectation
 * with it, and the ACK that follows starts a connection with no master,
 * helper or NAT binding, which a `ct state related` rule does not admit.
 */
bool sg_syn_related(const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	return ct && (ctinfo == IP_CT_RELATED || ct->master);
}

static unsigned int sg_syn(struct sg_net *sn, struct sk_buff *skb,
			   const struct sg_pkt *pkt, u32 mode)
{
	struct net *net = sn->net;
	struct sock *lsk;

	sg_stat_inc(sn, SYN_RECEIVED);
	sg_policy_kick(sn);
	sg_port_count(sn, pkt->t.dport, SG_PORT_SYN);

	/* Not ours to judge: never tracked, never limited, never a cookie. */
	if (!sg_port_protected(sn, pkt->t.dport) ||
	    sg_source_allowed(sn, &pkt->t))
		goto pass;

	if (sg_syn_related(skb)) {
		sg_stat_inc(sn, SYN_RELATED);
		goto left;
	}
	/*
	 * A listener here was chosen by TPROXY or bpf_sk_assign(): the
	 * kernel delivers the SYN to it, not to the listener our lookup
	 * would find. Any other socket is the one of this 4-tuple that
	 * early demux (or TPROXY) found: an existing connection's.
	 */
	if (skb->sk) {
		if (skb->sk->sk_state != TCP_LISTEN)
			goto pass;
		sg_stat_inc(sn, SYN_ASSIGNED);
		goto left;
	}

	if (!sg_syn_deliverable(skb, pkt))
		goto pass;
	lsk = sg_local_listener(net, skb, pkt);
	if (!lsk)
		goto pass;
	if (!sg_listener_ours(lsk))
		goto left;

	if (!sg_syn_wants_cookie(sn, pkt, lsk, mode))
		goto pass;

	/* The kernel rejects every cookie while this is off. */
	if (!READ_ONCE(net->ipv4.sysctl_tcp_syncookies)) {
		sg_stat_inc(sn, SYNCOOKIES_DISABLED);
		goto pass;
	}
	if (sg_checksum_bad(skb, pkt, NF_INET_LOCAL_IN)) {
		sg_stat_inc(sn, BAD_CHECKSUM);
		return NF_DROP;
	}
	sg_handoff_note_syn(sn, skb, pkt->t.family);
	return sg_cookie_synack(sn, skb, pkt, lsk);

left:
	sg_stat_inc(sn, SYN_LEFT_TO_KERNEL);
pass:
	sg_stat_inc(sn, SYN_PASSED);
	return NF_ACCEPT;
}

/* Cookies are valid for two minutes (TCP_SYNCOOKIE_VALID). */
static bool sg_cookies_out(const struct sg_net *sn, u32 mode)
{
	return mode == SYNGUARD_MODE_ALWAYS ||
	       (mode == SYNGUARD_MODE_AUTO &&
		time_before(jiffies, READ_ONCE(sn->last_cookie) +
				     TCP_SYNCOOKIE_VALID));
}

/*
 * A segment conntrack has seen before in this connection: the entry was
 * confirmed by an earlier packet.
 */
static bool sg_conntrack_knows(const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	return ct && nf_ct_is_confirmed(ct);
}

enum sg_ack_verdict {
	SG_ACK_PASS,		/* not ours: the kernel's to handle */
	SG_ACK_COOKIE,		/* a valid cookie: the kernel makes the socket */
	SG_ACK_DROP,
};

/*
 * What becomes of an ACK to this host. A @turned one came through
 * conntrack and the ruleset as its SYN (handoff.c): its cookies may have
 * gone out up to a moment ago.
 */
static enum sg_ack_verdict sg_ack_judge(struct sg_net *sn, struct sk_buff *skb,
					const struct sg_pkt *pkt, u32 mode,
					bool turned)
{
	const struct tcphdr *th = pkt->th;
	struct sock *lsk;
	u32 ms;

	if (mode != SYNGUARD_MODE_ALWAYS &&
	    sg_halfopen_complete(sn, &pkt->t, ntohl(th->seq), &ms)) {
		sg_stat_inc(sn, HALFOPEN_COMPLETED);
		sg_stat_add(sn, HANDSHAKE_MS, ms);
		return SG_ACK_PASS;
	}
	if (!turned && !sg_cookies_out(sn, mode))
		return SG_ACK_PASS;
	/*
	 * Early demux (or TPROXY) found the connection's socket (or request
	 * socket) already, with its reference: the kernel delivers the
	 * segment there, and a second lookup would only cost a get and a
	 * put. A listener there was chosen by TPROXY or bpf_sk_assign(),
	 * and the kernel checks the cookie for that one, whatever listener
	 * our lookup would find: it is the one to judge and to stamp.
	 */
	if (skb->sk && skb->sk->sk_state != TCP_LISTEN)
		return SG_ACK_PASS;

	if (skb->sk)
		lsk = sg_listener_admits(skb->sk, skb, pkt) ? skb->sk : NULL;
	else
		lsk = sg_local_listener(sn->net, skb, pkt);
	if (!lsk || !sg_listener_ours(lsk))
		return SG_ACK_PASS;
	/* The kernel would drop it: neither a valid nor a forged cookie. */
	if (sg_checksum_bad(skb, pkt, NF_INET_LOCAL_IN)) {
		sg_stat_inc(sn, BAD_CHECKSUM);
		return SG_ACK_DROP;
	}
	if (sg_cookie_ack_valid(skb, pkt)) {
		tcp_synq_overflow(lsk);
		sg_stat_inc(sn, COOKIES_VALIDATED);
		sg_port_count(sn, th->dest, SG_PORT_VALIDATED);
		return SG_ACK_COOKIE;
	}
	/*
	 * Data or a FIN without a socket: most likely a segment of a cookie
	 * connection that overtook the ACK completing it (on another CPU,
	 * or reordered on the way). The kernel would reset the connection;
	 * dropped, it is sent again once the connection exists. Conntrack
	 * may know the connection already, from that very ACK: no reason
	 * to let the kernel reset it.
	 */
	if (th->fin || skb->len > pkt->thoff + th->doff * 4) {
		sg_stat_inc(sn, ACKS_UNMATCHED);
		return SG_ACK_DROP;
	}
	/*
	 * A bare ACK: a client sends none before its connection exists but
	 * the one that carries the cookie. One conntrack has seen before is
	 * a late ACK of a connection that is gone, for the kernel to reset;
	 * any other is a forged cookie.
	 */
	if (!turned && sg_conntrack_knows(skb))
		return SG_ACK_PASS;
	sg_stat_inc(sn, COOKIES_REJECTED);
	return SG_ACK_DROP;
}

static unsigned int sg_ack(struct sg_net *sn, struct sk_buff *skb,
			   const struct sg_pkt *pkt, u32 mode)
{
	if (sg_ack_judge(sn, skb, pkt, mode, false) == SG_ACK_DROP)
		return NF_DROP;
	return NF_ACCEPT;
}

/*
 * The ACK of a cookie handshake that conntrack and the ruleset met as
 * its SYN (handoff.c), with the entry they made of it: the ACK again,
 * with that entry established if its cookie is valid.
 */
static unsigned int sg_turned_ack(struct sg_net *sn, struct sk_buff *skb,
				  struct sg_pkt *pkt, u32 mode)
{
	enum sg_ack_verdict v;

	if (sg_handoff_unturn(skb, pkt))
		return NF_DROP;
	v = sg_ack_judge(sn, skb, pkt, mode, true);
	if (v == SG_ACK_COOKIE)
		sg_handoff_established(skb, pkt);
	else
		sg_handoff_abandon(skb);
	return v == SG_ACK_DROP ? NF_DROP : NF_ACCEPT;
}

/* A RST from the client ends its half-open, if one is tracked. */
void sg_rst(struct sg_net *sn, const struct sg_tuple *t, u32 mode)
{
	if (mode != SYNGUARD_MODE_ALWAYS && sg_halfopen_reset(sn, t))
		sg_stat_inc(sn, HALFOPEN_RESET);
}

static unsigned int sg_classify(struct sg_net *sn, struct sk_buff *skb,
				struct sg_pkt *pkt, u32 mode)
{
	const struct tcphdr *th = pkt->th;

	/* Even with synguard just turned off: it must not reach TCP so. */
	if (sg_handoff_turned(th))
		return sg_turned_ack(sn, skb, pkt, mode);
	if (mode == SYNGUARD_MODE_OFF)
		return NF_ACCEPT;
	if (th->rst) {
		sg_rst(sn, &pkt->t, mode);
		return NF_ACCEPT;
	}
	/* SYN+FIN and friends are the kernel's to discard. */
	if (th->syn && !th->ack && !th->fin)
		return sg_syn(sn, skb, pkt, mode);
	if (th->ack && !th->syn)
		return sg_ack(sn, skb, pkt, mode);
	return NF_ACCEPT;
}

/* Makes the TCP header and its options linear; fills pkt->th. */
static int sg_pull_tcp(struct sk_buff *skb, struct sg_pkt *pkt)
{
	unsigned int doff;

	if (!pskb_may_pull(skb, pkt->thoff + sizeof(struct tcphdr)))
		return -EINVAL;
	doff = ((struct tcphdr *)(skb->data + pkt->thoff))->doff * 4;
	if (doff < sizeof(struct tcphdr) ||
	    !pskb_may_pull(skb, pkt->thoff + doff))
		return -EINVAL;
	pkt->th = (struct tcphdr *)(skb->data + pkt->thoff);
	pkt->t.sport = pkt->th->source;
	pkt->t.dport = pkt->th->dest;
	return 0;
}

/*
 * Fills @pkt from a TCP segment to this host, whose data starts at the
 * IPv4 header (past defragmentation: conntrack's at PREROUTING, or
 * ip_local_deliver()'s before LOCAL_IN). Non-zero for anything else.
 */
int sg_pkt_v4(struct sk_buff *skb, struct sg_pkt *pkt)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (skb->pkt_type != PACKET_HOST || iph->protocol != IPPROTO_TCP ||
	    ip_is_fragment(iph))
		return -EINVAL;
	memset(pkt, 0, sizeof(*pkt));
	pkt->thoff = skb_network_offset(skb) + ip_hdrlen(skb);
	if (sg_pull_tcp(skb, pkt))
		return -EINVAL;
	iph = ip_hdr(skb);
	pkt->t.family = AF_INET;
	pkt->t.saddr[0] = iph->saddr;
	pkt->t.daddr[0] = iph->daddr;
	pkt->dif = inet_iif(skb);
	pkt->sdif = inet_sdif(skb);
	return 0;
}

int sg_pkt_v6(struct sk_buff *skb, struct sg_pkt *pkt)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	unsigned int rhoff = 0;
	int flags = 0;

	if (skb->pkt_type != PACKET_HOST)
		return -EINVAL;
	memset(pkt, 0, sizeof(*pkt));
	if (likely(ip6h->nexthdr == IPPROTO_TCP)) {
		pkt->thoff = skb_network_offset(skb) + sizeof(*ip6h);
	} else {
		/*
		 * Extension headers. Conntrack reassembles IPv6 before
		 * PREROUTING; without it a fragment reaches LOCAL_IN as it
		 * came, and is the kernel's to reassemble and answer.
		 */
		if (ipv6_find_hdr(skb, &pkt->thoff, IPPROTO_TCP, NULL,
				  &flags) != IPPROTO_TCP ||
		    flags & IP6_FH_F_FRAG)
			return -EINVAL;
		/*
		 * A routing header with segments left is never delivered
		 * to TCP as it is: ipv6_rthdr_rcv() sends it on to its next
		 * segment, or drops it (type 0, or an unknown type). Its
		 * fate is the kernel's, after LOCAL_IN: never answer it.
		 */
		flags = IP6_FH_F_SKIP_RH;
		if (ipv6_find_hdr(skb, &rhoff, NEXTHDR_ROUTING, NULL,
				  &flags) == NEXTHDR_ROUTING)
			return -EINVAL;
	}
	if (sg_pull_tcp(skb, pkt))
		return -EINVAL;
	ip6h = ipv6_hdr(skb);
	pkt->t.family = AF_INET6;
	memcpy(pkt->t.saddr, &ip6h->saddr, sizeof(pkt->t.saddr));
	memcpy(pkt->t.daddr, &ip6h->daddr, sizeof(pkt->t.daddr));
	pkt->dif = inet6_iif(skb);
	pkt->sdif = inet6_sdif(skb);
	return 0;
}

static unsigned int synguard_ipv4_hook(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	struct sg_net *sn = sg_net(state->net);
	u32 mode = READ_ONCE(sn->cfg.mode);
	struct sg_pkt pkt;

	if ((mode == SYNGUARD_MODE_OFF && !sg_handoff_armed(sn, AF_INET)) ||
	    sg_pkt_v4(skb, &pkt))
		return NF_ACCEPT;
	return sg_classify(sn, skb, &pkt, mode);
}

static unsigned int synguard_ipv6_hook(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	struct sg_net *sn = sg_net(state->net);
	u32 mode = READ_ONCE(sn->cfg.mode);
	struct sg_pkt pkt;

	if ((mode == SYNGUARD_MODE_OFF && !sg_handoff_armed(sn, AF_INET6)) ||
	    sg_pkt_v6(skb, &pkt))
		return NF_ACCEPT;
	return sg_classify(sn, skb, &pkt, mode);
}

/*
 * Where the kernel itself decides: at LOCAL_IN, after raw, mangle, DNAT
 * and REDIRECT, routing and rp_filter, and every filter, security and
 * SELinux chain, with only conntrack's confirmation left. A SYN that any
 * of them drops never reaches us, and one we answer is consumed before
 * its conntrack entry is confirmed: the unconfirmed entry goes with the
 * packet and never occupies the table (Documentation/synguard.rst,
 * "Where synguard answers").
 */
static const struct nf_hook_ops sg_hook_ops[] = {
	{
		.hook = synguard_ipv4_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = NF_IP_PRI_CONNTRACK_CONFIRM - 1,
	},
	{
		.hook = synguard_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_IN,
		/*
		 * IPv6 conntrack confirms at LOCAL_IN at NF_IP6_PRI_LAST - 1,
		 * not LAST: a hook of the same priority runs before or after
		 * it by the order they were registered in.
		 */
		.priority = NF_IP6_PRI_LAST - 2,
	},
	/* A cookie's ACK, through conntrack as its SYN (handoff.c). */
	{
		.hook = sg_handoff_ipv4_in,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK - 1,
	},
	{
		.hook = sg_handoff_ipv6_in,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_CONNTRACK - 1,
	},
	/* Gateway mode (gateway.c): the same decision for forwarded SYNs. */
	{
		.hook = sg_gateway_ipv4_forward,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_FORWARD,
		.priority = NF_IP_PRI_LAST - 1,
	},
	{
		.hook = sg_gateway_ipv6_forward,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_FORWARD,
		.priority = NF_IP6_PRI_LAST - 1,
	},
};

int sg_hook_register(struct net *net)
{
	return nf_register_net_hooks(net, sg_hook_ops,
				     ARRAY_SIZE(sg_hook_ops));
}

void sg_hook_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, sg_hook_ops, ARRAY_SIZE(sg_hook_ops));
}
