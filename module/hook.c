// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter hooks: classify each TCP segment at PREROUTING, before
 * conntrack, and decide what becomes of it.
 *
 * SYN to a local listener:  tracked and passed to the kernel, or, in
 *                           cookie mode, answered with a cookie SYN-ACK
 *                           and never seen by conntrack or TCP.
 * ACK matching a half-open: the handshake completed; forget the entry.
 * ACK matching no socket:   while cookies are out, it must carry a valid
 *                           cookie; otherwise it is dropped.
 * RST:                      ends a half-open.
 * Anything else, and everything not addressed to a local listener
 * (forwarded traffic, ports without a listener), passes untouched.
 *
 * Hooks run inside the RCU read section netfilter holds; listener
 * sockets are RCU-freed, so a listener found here stays valid until
 * the hook returns without taking a reference.
 */

#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/addrconf.h>
#include <net/inet6_hashtables.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "cookie.h"
#include "filter.h"
#include "halfopen.h"
#include "hook.h"
#include "policy.h"

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
						 pkt->iif, 0);
	return __inet6_lookup_established(net, h, sg_in6(t->saddr), t->sport,
					  sg_in6(t->daddr), ntohs(t->dport),
					  pkt->iif, 0);
}

/*
 * The listener the kernel would pick. No skb is passed, so a reuseport
 * group selects by hash rather than by a BPF program that expects the
 * skb at the TCP header; the overflow stamp we set is per group anyway.
 */
static struct sock *sg_lookup_listener(struct net *net,
				       const struct sg_pkt *pkt)
{
	struct inet_hashinfo *h = net->ipv4.tcp_death_row.hashinfo;
	const struct sg_tuple *t = &pkt->t;

	if (t->family == AF_INET)
		return __inet_lookup_listener(net, h, NULL, 0, t->saddr[0],
					      t->sport, t->daddr[0],
					      ntohs(t->dport), pkt->iif, 0);
	return inet6_lookup_listener(net, h, NULL, 0, sg_in6(t->saddr),
				     t->sport, sg_in6(t->daddr),
				     ntohs(t->dport), pkt->iif, 0);
}

/*
 * PREROUTING runs before routing: a listener on a wildcard address must
 * not capture traffic this host forwards.
 */
static bool sg_is_local(struct net *net, const struct sk_buff *skb,
			const struct sg_pkt *pkt)
{
	const struct net_device *dev;
	const struct in6_addr *daddr;

	if (pkt->t.family == AF_INET) {
		/* A VRF has local tables of its own: ask as the kernel will. */
		if (netif_is_l3_slave(skb->dev) || netif_is_l3_master(skb->dev))
			return inet_addr_type_dev_table(net, skb->dev,
							pkt->t.daddr[0]) ==
			       RTN_LOCAL;
		/*
		 * Otherwise one probe of the address hash, cheaper than a
		 * FIB lookup per SYN, answers for every configured address;
		 * other local routes (loopback subnets, AnyIP) are looked up
		 * in the local table. An address on a device that is down
		 * has lost its local route.
		 */
		dev = __ip_dev_find(net, pkt->t.daddr[0], false);
		return dev && dev->flags & IFF_UP;
	}
	daddr = sg_in6(pkt->t.daddr);
	return ipv6_chk_addr(net, daddr,
			     ipv6_addr_type(daddr) & IPV6_ADDR_LINKLOCAL ?
			     skb->dev : NULL, 0);
}

/* A local listener for this segment, or NULL. */
static struct sock *sg_local_listener(struct net *net,
				      const struct sk_buff *skb,
				      const struct sg_pkt *pkt)
{
	struct sock *sk = sg_lookup_established(net, pkt);

	if (sk) {
		sock_gen_put(sk);
		return NULL;
	}
	sk = sg_lookup_listener(net, pkt);
	if (!sk || !sg_is_local(net, skb, pkt))
		return NULL;
	return sk;
}

static bool sg_checksum_bad(struct sk_buff *skb, const struct sg_pkt *pkt)
{
	if (pkt->t.family == AF_INET)
		return nf_ip_checksum(skb, NF_INET_PRE_ROUTING, pkt->thoff,
				      IPPROTO_TCP);
	return nf_ip6_checksum(skb, NF_INET_PRE_ROUTING, pkt->thoff,
			       IPPROTO_TCP);
}

/*
 * Tracks a SYN that would go to the kernel. Returns true when it should
 * get a cookie instead: no room in the table, or its source holds too
 * many half-opens already.
 */
static bool sg_track_syn(struct sg_net *sn, const struct sg_pkt *pkt)
{
	switch (sg_halfopen_add(sn, &pkt->t, ntohl(pkt->th->seq))) {
	case SG_HO_ADDED:
		sg_stat_inc(sn, HALFOPEN_ADDED);
		if (sg_halfopen_count(sn) >= READ_ONCE(sn->cfg.halfopen_high))
			sg_policy_enter(sn);
		return false;
	case SG_HO_REFRESHED:
		return false;
	case SG_HO_FULL:
		sg_stat_inc(sn, TABLE_FULL);
		sg_policy_enter(sn);
		return true;
	case SG_HO_SOURCE_LIMIT:
		sg_stat_inc(sn, SOURCE_LIMIT_HITS);
		return true;
	}
	return false;
}

static unsigned int sg_syn(struct sg_net *sn, struct sk_buff *skb,
			   const struct sg_pkt *pkt, u32 mode)
{
	struct net *net = sn->net;
	struct sock *lsk;
	bool cookie;

	sg_stat_inc(sn, SYN_RECEIVED);

	/* Not ours to judge: never tracked, never limited, never a cookie. */
	if (!sg_port_protected(sn, pkt->t.dport) ||
	    sg_source_allowed(sn, &pkt->t))
		goto pass;

	lsk = sg_local_listener(net, skb, pkt);
	if (!lsk)
		goto pass;

	if (mode == SYNGUARD_MODE_ALWAYS)
		cookie = true;
	else if (mode == SYNGUARD_MODE_AUTO && sg_under_attack(sn))
		cookie = true;
	else
		cookie = sg_track_syn(sn, pkt) && mode == SYNGUARD_MODE_AUTO;
	if (!cookie)
		goto pass;

	/* The kernel rejects every cookie while this is off. */
	if (!READ_ONCE(net->ipv4.sysctl_tcp_syncookies)) {
		sg_stat_inc(sn, SYNCOOKIES_DISABLED);
		goto pass;
	}
	if (sg_checksum_bad(skb, pkt)) {
		sg_stat_inc(sn, BAD_CHECKSUM);
		return NF_DROP;
	}
	return sg_cookie_synack(sn, skb, pkt, lsk);

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

static unsigned int sg_ack(struct sg_net *sn, struct sk_buff *skb,
			   const struct sg_pkt *pkt, u32 mode)
{
	struct sock *lsk;

	if (mode != SYNGUARD_MODE_ALWAYS &&
	    sg_halfopen_complete(sn, &pkt->t, ntohl(pkt->th->seq))) {
		sg_stat_inc(sn, HALFOPEN_COMPLETED);
		return NF_ACCEPT;
	}
	if (!sg_cookies_out(sn, mode))
		return NF_ACCEPT;

	lsk = sg_local_listener(sn->net, skb, pkt);
	if (!lsk)
		return NF_ACCEPT;
	/* The kernel would drop it: neither a valid nor a forged cookie. */
	if (sg_checksum_bad(skb, pkt)) {
		sg_stat_inc(sn, BAD_CHECKSUM);
		return NF_DROP;
	}
	if (!sg_cookie_ack_valid(skb, pkt)) {
		sg_stat_inc(sn, COOKIES_REJECTED);
		return NF_DROP;
	}
	tcp_synq_overflow(lsk);
	sg_stat_inc(sn, COOKIES_VALIDATED);
	return NF_ACCEPT;
}

static unsigned int sg_classify(struct sg_net *sn, struct sk_buff *skb,
				const struct sg_pkt *pkt, u32 mode)
{
	const struct tcphdr *th = pkt->th;

	if (th->rst) {
		if (mode != SYNGUARD_MODE_ALWAYS &&
		    sg_halfopen_reset(sn, &pkt->t))
			sg_stat_inc(sn, HALFOPEN_RESET);
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

static unsigned int synguard_ipv4_hook(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	struct sg_net *sn = sg_net(state->net);
	u32 mode = READ_ONCE(sn->cfg.mode);
	const struct iphdr *iph;
	struct sg_pkt pkt;

	if (mode == SYNGUARD_MODE_OFF || skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	if (iph->protocol != IPPROTO_TCP || ip_is_fragment(iph))
		return NF_ACCEPT;

	memset(&pkt, 0, sizeof(pkt));
	pkt.thoff = skb_network_offset(skb) + ip_hdrlen(skb);
	if (sg_pull_tcp(skb, &pkt))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	pkt.t.family = AF_INET;
	pkt.t.saddr[0] = iph->saddr;
	pkt.t.daddr[0] = iph->daddr;
	pkt.iif = state->in->ifindex;
	return sg_classify(sn, skb, &pkt, mode);
}

static unsigned int synguard_ipv6_hook(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	struct sg_net *sn = sg_net(state->net);
	u32 mode = READ_ONCE(sn->cfg.mode);
	const struct ipv6hdr *ip6h;
	struct sg_pkt pkt;
	int flags = 0;

	if (mode == SYNGUARD_MODE_OFF || skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;

	memset(&pkt, 0, sizeof(pkt));
	ip6h = ipv6_hdr(skb);
	if (likely(ip6h->nexthdr == IPPROTO_TCP)) {
		pkt.thoff = skb_network_offset(skb) + sizeof(*ip6h);
	} else {
		/* Extension headers; a fragment is the kernel's business. */
		if (ipv6_find_hdr(skb, &pkt.thoff, IPPROTO_TCP, NULL,
				  &flags) != IPPROTO_TCP ||
		    flags & IP6_FH_F_FRAG)
			return NF_ACCEPT;
	}
	if (sg_pull_tcp(skb, &pkt))
		return NF_ACCEPT;
	ip6h = ipv6_hdr(skb);
	pkt.t.family = AF_INET6;
	memcpy(pkt.t.saddr, &ip6h->saddr, sizeof(pkt.t.saddr));
	memcpy(pkt.t.daddr, &ip6h->daddr, sizeof(pkt.t.daddr));
	pkt.iif = state->in->ifindex;
	return sg_classify(sn, skb, &pkt, mode);
}

/*
 * Just before the raw table (and so before conntrack at -200): flood
 * SYNs answered here never create conntrack entries, and notrack rules
 * still apply to what we pass.
 */
static const struct nf_hook_ops sg_hook_ops[] = {
	{
		.hook = synguard_ipv4_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_RAW - 1,
	},
	{
		.hook = synguard_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_RAW - 1,
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
