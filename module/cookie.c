// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies on the kernel's behalf.
 *
 * A cookie SYN-ACK is built exactly as the kernel's own cookie path
 * (tcp_conn_request() with want_cookie) would build it: the sequence
 * number is the kernel's cookie, made with the kernel's secret; the
 * timestamp carries the client's window scale, SACK and ECN in its low
 * bits plus the kernel's per-connection offset; and the window scale
 * advertised is the one cookie_v4_check() and cookie_v6_check() will
 * compute when they turn the returning ACK into a socket. Any mismatch
 * there corrupts flow control silently, so every input of that
 * computation is read from the same place the kernel reads it.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/random.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/tcp.h>

#include "backend.h"
#include "compat.h"
#include "conntrack.h"
#include "cookie.h"
#include "handoff.h"
#include "portstat.h"
#include "tcpopt.h"

/* What one SYN-ACK will carry, worked out before it is built. */
struct sg_synack {
	struct sg_synopt in;		/* the SYN's options */
	struct sg_synack_opt out;	/* ours */
	__be16 sport;			/* the SYN-ACK's ports */
	__be16 dport;
	u32 ack;
	u32 cookie;
	u16 window;
	bool ecn_ok;
	bool rst;			/* a RST for a closed port instead */
};

/*
 * The receive window and window scale for a new connection on @lsk, as
 * cookie_v4_check() derives them from tcp_full_space(), the route's
 * metrics and tcp_select_initial_window(). That function is not
 * exported on every kernel we support, so this mirrors it; the window
 * scale formula is the same on all of them.
 */
static void sg_initial_window(const struct sock *lsk,
			      const struct dst_entry *dst, u32 mss,
			      bool wscale_ok, u32 *rcv_wnd, u8 *rcv_wscale)
{
	const struct net *net = sock_net(lsk);
	int full_space = tcp_full_space(lsk);
	u32 clamp, space, init_rcv_wnd;

	clamp = READ_ONCE(tcp_sk(lsk)->window_clamp) ?:
		dst_metric(dst, RTAX_WINDOW);
	if (lsk->sk_userlocks & SOCK_RCVBUF_LOCK &&
	    (clamp > full_space || clamp == 0))
		clamp = full_space;
	if (!clamp)
		clamp = U16_MAX << TCP_MAX_WSCALE;

	space = min_t(u32, clamp, max(full_space, 0));
	if (space > mss)
		space = rounddown(space, mss);
	*rcv_wnd = space;
	if (READ_ONCE(net->ipv4.sysctl_tcp_workaround_signed_windows))
		*rcv_wnd = min_t(u32, space, MAX_TCP_WINDOW);
	init_rcv_wnd = dst_metric(dst, RTAX_INITRWND);
	if (init_rcv_wnd)
		*rcv_wnd = min(*rcv_wnd, init_rcv_wnd * mss);

	*rcv_wscale = 0;
	if (wscale_ok) {
		space = max_t(u32, space,
			      READ_ONCE(net->ipv4.sysctl_tcp_rmem[2]));
		space = max_t(u32, space, READ_ONCE(sysctl_rmem_max));
		space = min(space, clamp);
		*rcv_wscale = clamp_t(int, ilog2(space) - 15, 0,
				      TCP_MAX_WSCALE);
	}
}

/*
 * The options a cookie SYN-ACK may answer: those the sysctls allow, and a
 * timestamp only where the kernel's offset for it is known (compat.h).
 */
static unsigned int sg_allowed_options(const struct net *net, u8 family)
{
	unsigned int allow = 0;

	if (READ_ONCE(net->ipv4.sysctl_tcp_timestamps) &&
	    sg_cookie_ts_known(family))
		allow |= SG_ALLOW_TS;
	if (READ_ONCE(net->ipv4.sysctl_tcp_sack))
		allow |= SG_ALLOW_SACK;
	if (READ_ONCE(net->ipv4.sysctl_tcp_window_scaling))
		allow |= SG_ALLOW_WSCALE;
	return allow;
}

/*
 * The SYN-ACK's TOS or traffic class, as tcp_v4_send_synack() and
 * tcp_v6_send_synack() choose it: the listener's, or with tcp_reflect_tos
 * the SYN's DSCP and the listener's ECN bits.
 */
static u8 sg_synack_tos(const struct net *net, u8 lsk_tos, u8 syn_dsfield)
{
	if (READ_ONCE(net->ipv4.sysctl_tcp_reflect_tos))
		return (syn_dsfield & ~INET_ECN_MASK) |
		       (lsk_tos & INET_ECN_MASK);
	return lsk_tos;
}

/*
 * The connection as the client sees it, into @v. At LOCAL_IN a SYN that
 * DNAT or REDIRECT sent to a local listener has been rewritten; the
 * kernel's own SYN-ACK would be rewritten back by conntrack on its way
 * out, but ours leaves untracked (its entry is never confirmed), so it is
 * written with the addresses and ports of the entry's original tuple.
 * The cookie itself is made over the rewritten SYN: the client's ACK is
 * rewritten the same way before the kernel checks it. Returns false for
 * a SYN conntrack saw in the reply direction, which is no new connection.
 */
static bool sg_client_view(const struct sk_buff *skb,
			   const struct sg_pkt *pkt, struct sg_tuple *v)
{
	const struct nf_conntrack_tuple *o;
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct;

	*v = pkt->t;
	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || !(ct->status & IPS_NAT_MASK))
		return true;
	if (CTINFO2DIR(ctinfo) != IP_CT_DIR_ORIGINAL)
		return false;
	o = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	if (v->family == AF_INET) {
		v->saddr[0] = o->src.u3.ip;
		v->daddr[0] = o->dst.u3.ip;
	} else {
		memcpy(v->saddr, o->src.u3.ip6, sizeof(v->saddr));
		memcpy(v->daddr, o->dst.u3.ip6, sizeof(v->daddr));
	}
	v->sport = o->src.u.tcp.port;
	v->dport = o->dst.u.tcp.port;
	return true;
}

/*
 * The device the SYN-ACK is routed by, as the kernel's request socket
 * would hold it in ir_iif: the listener's bound device or, with
 * tcp_l3mdev_accept, the VRF the SYN came in by
 * (inet_request_bound_dev_if()); an IPv6 link-local peer is answered
 * where it was (tcp_v6_init_req()).
 */
static int sg_synack_oif(const struct sock *lsk, struct sk_buff *skb,
			 const struct sg_pkt *pkt)
{
	if (pkt->t.family == AF_INET6 &&
	    (!READ_ONCE(lsk->sk_bound_dev_if) ||
	     ipv6_l3mdev_skb(IP6CB(skb)->flags)) &&
	    ipv6_addr_type((const struct in6_addr *)pkt->t.saddr) &
	    IPV6_ADDR_LINKLOCAL)
		return pkt->dif;
	return inet_request_bound_dev_if(lsk, skb);
}

/*
 * The options and the MSS the cookie will encode. tcp_conn_request()
 * drops window scaling and SACK for a cookie
 * without a timestamp (there is nowhere to keep them), and ECN too.
 */
static void sg_synack_prepare(struct sg_synack *sa, const struct net *net,
			      struct sock *lsk, const struct sg_pkt *pkt,
			      const struct sg_tuple *view,
			      const struct dst_entry *dst, u8 dsfield,
			      u16 *mss)
{
	const struct tcphdr *th = pkt->th;
	u16 user_mss = READ_ONCE(tcp_sk(lsk)->rx_opt.user_mss);
	u32 advmss;

	sg_tcpopt_parse((const u8 *)(th + 1), th->doff * 4 - sizeof(*th),
			sg_allowed_options(net, pkt->t.family), &sa->in);
	if (!sa->in.saw_tstamp) {
		sa->in.wscale_ok = 0;
		sa->in.wscale = 0;
		sa->in.sack_ok = 0;
	}
	if (sa->in.mss)
		*mss = user_mss && user_mss < sa->in.mss ? user_mss :
							 sa->in.mss;

	/* tcp_ecn_create_request() */
	sa->ecn_ok = false;
	if (sa->in.saw_tstamp && th->ece && th->cwr)
		sa->ecn_ok = ((INET_ECN_is_not_ect(dsfield) || th->res1) &&
			      (READ_ONCE(net->ipv4.sysctl_tcp_ecn) ||
			       dst_feature(dst, RTAX_FEATURE_ECN))) ||
			     tcp_ca_needs_ecn(lsk);

	sa->sport = view->dport;
	sa->dport = view->sport;
	sa->ack = ntohl(th->seq) + 1;

	advmss = dst_metric_advmss(dst);
	sa->out = (struct sg_synack_opt) {
		.mss = user_mss && user_mss < advmss ? user_mss : advmss,
		.tstamp_ok = sa->in.saw_tstamp,
		.sack_ok = sa->in.sack_ok,
		.wscale_ok = sa->in.wscale_ok,
		.tsecr = sa->in.tsval,
	};
}

/*
 * The window and window scale, from the MSS the cookie encodes: that is
 * the MSS the kernel will compute them with.
 */
static void sg_synack_window(struct sg_synack *sa, const struct sock *lsk,
			     const struct dst_entry *dst, u16 mss)
{
	u32 rcv_wnd;

	sg_initial_window(lsk, dst, mss, sa->in.wscale_ok, &rcv_wnd,
			  &sa->out.wscale);
	sa->window = min(rcv_wnd, 65535U);
}

/*
 * Makes @skb exactly @len bytes long from skb->data, linear and
 * writable: the segment it holds is rewritten in place.
 */
static int sg_skb_resize(struct sk_buff *skb, unsigned int len)
{
	/* At PREROUTING, LOCAL_IN and FORWARD, data is the network header. */
	if (skb->len > len && pskb_trim(skb, len))
		return -ENOMEM;
	/* Linear, and not shared with a clone (a packet socket's). */
	if (skb_ensure_writable(skb, skb->len))
		return -ENOMEM;
	if (skb->len < len) {
		int grow = len - skb->len - skb_tailroom(skb);

		if (grow > 0 && pskb_expand_head(skb, 0, grow, GFP_ATOMIC))
			return -ENOMEM;
		__skb_put(skb, len - skb->len);
	}
	return 0;
}

/*
 * Turns the SYN in @skb into a SYN-ACK of @nhlen + TCP header + options
 * bytes: the SYN is consumed anyway, and reusing it saves an allocation
 * and a free per SYN, the largest single cost of answering one. Every
 * field of the SYN that the reply needs must have been read before this.
 * Returns the TCP header, with the checksum left to the caller.
 */
static struct tcphdr *sg_synack_reuse(struct sk_buff *skb,
				      const struct sg_synack *sa,
				      unsigned int nhlen, bool keep_ct)
{
	struct nf_conn *ct = keep_ct ? sg_handoff_synack_ct(skb) : NULL;
	u8 opts[SG_SYNACK_OPT_MAX];
	unsigned int optlen = sa->rst ? 0 : sg_tcpopt_write(opts, &sa->out);
	unsigned int len = nhlen + sizeof(struct tcphdr) + optlen;
	struct tcphdr *nth;

	if (sg_skb_resize(skb, len)) {
		if (ct)
			sg_ct_put(ct);
		return NULL;
	}

	/*
	 * What the SYN carried as it arrived (route, conntrack entry,
	 * timestamp or a sender's delivery time, a socket assigned by BPF,
	 * hash, checksum state, GSO and VLAN offload state, control block)
	 * means nothing for the reply.
	 */
	skb_scrub_packet(skb, true);
	skb_set_delivery_time(skb, 0, 0);
	skb_orphan(skb);
	skb_clear_hash(skb);
	skb_gso_reset(skb);
	__vlan_hwaccel_clear_tag(skb);
	memset(skb->cb, 0, sizeof(skb->cb));
	skb->ip_summed = CHECKSUM_NONE;
	skb->csum_valid = 0;
	skb->encapsulation = 0;
	/*
	 * The reply must not create a conntrack entry either. It carries
	 * the SYN's, as the kernel's SYN-ACK meets it (handoff.c).
	 */
	if (ct)
		nf_ct_set(skb, ct, IP_CT_ESTABLISHED_REPLY);
	else
		nf_ct_set(skb, NULL, IP_CT_UNTRACKED);

	skb_reset_network_header(skb);
	skb_set_transport_header(skb, nhlen);
	memset(skb->data, 0, nhlen);
	nth = tcp_hdr(skb);
	memset(nth, 0, sizeof(*nth));
	memcpy(nth + 1, opts, optlen);
	nth->source = sa->sport;
	nth->dest = sa->dport;
	nth->seq = htonl(sa->cookie);
	nth->ack_seq = htonl(sa->ack);
	nth->doff = (sizeof(*nth) + optlen) / 4;
	nth->syn = !sa->rst;
	nth->rst = sa->rst;
	nth->ack = 1;
	nth->ece = sa->ecn_ok;
	nth->window = htons(sa->window);
	return nth;
}

/*
 * Fills in the IPv4 header in front of @nth for the reply to the
 * connection @v (as the client sees it), and sends it on @rt.
 */
static void sg_send_v4(struct net *net, struct sk_buff *skb,
		       struct tcphdr *nth, const struct sg_tuple *v, u8 tos,
		       int ttl, struct rtable *rt)
{
	struct iphdr *niph = ip_hdr(skb);
	unsigned int len;

	niph->version = 4;
	niph->ihl = sizeof(*niph) / 4;
	niph->tos = tos;
	niph->frag_off = htons(IP_DF);
	niph->ttl = ttl;
	niph->protocol = IPPROTO_TCP;
	niph->saddr = v->daddr[0];
	niph->daddr = v->saddr[0];

	len = skb->len - sizeof(*niph);
	nth->check = tcp_v4_check(len, niph->saddr, niph->daddr,
				  csum_partial(nth, len, 0));
	skb->protocol = htons(ETH_P_IP);
	skb_dst_set(skb, &rt->dst);
	ip_local_out(net, NULL, skb);
}

static void sg_send_v6(struct net *net, struct sk_buff *skb,
		       struct tcphdr *nth, const struct sg_tuple *v,
		       u8 tclass, int hlimit, struct dst_entry *dst)
{
	struct ipv6hdr *nip6h = ipv6_hdr(skb);
	unsigned int len;

	ip6_flow_hdr(nip6h, tclass, 0);
	nip6h->nexthdr = IPPROTO_TCP;
	nip6h->hop_limit = hlimit;
	memcpy(&nip6h->saddr, v->daddr, sizeof(nip6h->saddr));
	memcpy(&nip6h->daddr, v->saddr, sizeof(nip6h->daddr));

	len = skb->len - sizeof(*nip6h);
	nth->check = tcp_v6_check(len, &nip6h->saddr, &nip6h->daddr,
				  csum_partial(nth, len, 0));
	skb->protocol = htons(ETH_P_IPV6);
	skb_dst_set(skb, dst);
	ip6_local_out(net, NULL, skb);
}

static int sg_synack_v4(struct sg_net *sn, struct sk_buff *skb,
			const struct sg_pkt *pkt, struct sock *lsk)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = pkt->th;
	struct net *net = sn->net;
	struct sg_tuple view;
	struct sg_synack sa = {};
	struct tcphdr *nth;
	struct flowi4 fl4;
	struct rtable *rt;
	u16 mss = TCP_MSS_DEFAULT;
	int ttl;
	u8 tos;

	if (!sg_client_view(skb, pkt, &view))
		return -EADDRNOTAVAIL;

	/* Routed as the kernel routes its own: from the listener's address. */
	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = view.saddr[0];
	fl4.saddr = iph->daddr;
	fl4.flowi4_oif = sg_synack_oif(lsk, skb, pkt);
	fl4.flowi4_mark = inet_request_mark(lsk, skb);
	fl4.flowi4_proto = IPPROTO_TCP;
	fl4.fl4_sport = th->dest;
	fl4.fl4_dport = th->source;
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt)) {
		sg_stat_inc(sn, SYNACK_UNROUTABLE);
		return -EHOSTUNREACH;
	}
	/*
	 * Input routing dropped martian sources before LOCAL_IN; what is
	 * left to refuse is a reply that would go out broadcast, or back
	 * into this host for a SYN that did not come in over loopback
	 * (accept_local).
	 */
	if (rt->rt_type != RTN_UNICAST &&
	    (rt->rt_type != RTN_LOCAL || !(skb->dev->flags & IFF_LOOPBACK))) {
		ip_rt_put(rt);
		return -EADDRNOTAVAIL;
	}

	sg_synack_prepare(&sa, net, lsk, pkt, &view, &rt->dst,
			  ipv4_get_dsfield(iph), &mss);
	sa.cookie = __cookie_v4_init_sequence(iph, th, &mss);
	if (sa.in.saw_tstamp)
		sa.out.tsval = sg_cookie_ts(sg_tcp_ms(), &sa.in, sa.ecn_ok) +
			       sg_cookie_ts_off_v4(net, iph, th);
	sg_synack_window(&sa, lsk, &rt->dst, mss);
	tos = sg_synack_tos(net, READ_ONCE(inet_sk(lsk)->tos),
			    ipv4_get_dsfield(iph));
	/* ip_select_ttl(): the listener's IP_TTL, else the route's. */
	ttl = READ_ONCE(inet_sk(lsk)->uc_ttl);
	if (ttl < 0)
		ttl = ip4_dst_hoplimit(&rt->dst);

	/* From here on the SYN's headers are gone. */
	nth = sg_synack_reuse(skb, &sa, sizeof(struct iphdr), true);
	if (!nth) {
		ip_rt_put(rt);
		sg_stat_inc(sn, SYNACK_NOMEM);
		return -ENOMEM;
	}
	skb->mark = fl4.flowi4_mark;
	skb->priority = READ_ONCE(lsk->sk_priority);
	tcp_synq_overflow(lsk);
	sg_send_v4(net, skb, nth, &view, tos, ttl, rt);
	return 0;
}

static int sg_synack_v6(struct sg_net *sn, struct sk_buff *skb,
			const struct sg_pkt *pkt, struct sock *lsk)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	const struct tcphdr *th = pkt->th;
	struct net *net = sn->net;
	struct dst_entry *dst;
	struct sg_tuple view;
	struct sg_synack sa = {};
	struct tcphdr *nth;
	struct flowi6 fl6;
	u16 mss = IPV6_MIN_MTU - sizeof(struct tcphdr) -
		  sizeof(struct ipv6hdr);
	int hlimit;
	u8 tclass;

	if (!sg_client_view(skb, pkt, &view))
		return -EADDRNOTAVAIL;

	memset(&fl6, 0, sizeof(fl6));
	fl6.daddr = *(const struct in6_addr *)view.saddr;
	fl6.saddr = ip6h->daddr;
	fl6.flowi6_oif = sg_synack_oif(lsk, skb, pkt);
	fl6.flowi6_mark = inet_request_mark(lsk, skb);
	fl6.flowi6_proto = IPPROTO_TCP;
	fl6.fl6_sport = th->dest;
	fl6.fl6_dport = th->source;
	/* As inet6_csk_route_req(): with the IPsec lookup, for the listener. */
	dst = ip6_dst_lookup_flow(net, lsk, &fl6, NULL);
	if (IS_ERR(dst)) {
		sg_stat_inc(sn, SYNACK_UNROUTABLE);
		return -EHOSTUNREACH;
	}
	/* As for IPv4: never answer from outside back into this host. */
	if (dst->dev->flags & IFF_LOOPBACK &&
	    !(skb->dev->flags & IFF_LOOPBACK)) {
		dst_release(dst);
		return -EADDRNOTAVAIL;
	}

	sg_synack_prepare(&sa, net, lsk, pkt, &view, dst,
			  ipv6_get_dsfield(ip6h), &mss);
	sa.cookie = __cookie_v6_init_sequence(ip6h, th, &mss);
	if (sa.in.saw_tstamp)
		sa.out.tsval = sg_cookie_ts(sg_tcp_ms(), &sa.in, sa.ecn_ok) +
			       sg_cookie_ts_off_v6(net, ip6h, th);
	sg_synack_window(&sa, lsk, dst, mss);
	tclass = sg_synack_tos(net, READ_ONCE(inet6_sk(lsk)->tclass),
			       ipv6_get_dsfield(ip6h));
	hlimit = ip6_sk_dst_hoplimit(inet6_sk(lsk), &fl6, dst);

	/* From here on the SYN's headers are gone. */
	nth = sg_synack_reuse(skb, &sa, sizeof(struct ipv6hdr), true);
	if (!nth) {
		dst_release(dst);
		sg_stat_inc(sn, SYNACK_NOMEM);
		return -ENOMEM;
	}
	skb->mark = fl6.flowi6_mark;
	skb->priority = READ_ONCE(lsk->sk_priority);
	tcp_synq_overflow(lsk);
	sg_send_v6(net, skb, nth, &view, tclass, hlimit, dst);
	return 0;
}

/*
 * Answers the SYN in @skb with a cookie SYN-ACK on behalf of listener
 * @lsk, turning the SYN itself into the reply. The listener is stamped
 * as overflowing, because the kernel only validates cookies at a
 * listener that overflowed within the last two minutes.
 */
unsigned int sg_cookie_synack(struct sg_net *sn, struct sk_buff *skb,
			      const struct sg_pkt *pkt, struct sock *lsk)
{
	unsigned long now;
	int ret;

	if (pkt->t.family == AF_INET)
		ret = sg_synack_v4(sn, skb, pkt, lsk);
	else
		ret = sg_synack_v6(sn, skb, pkt, lsk);
	if (ret == -EADDRNOTAVAIL) {
		/* Not ours to answer: the kernel decides. */
		sg_stat_inc(sn, SYN_PASSED);
		return NF_ACCEPT;
	}
	if (ret)
		return NF_DROP;

	sg_stat_inc(sn, COOKIES_SENT);
	sg_port_count(sn, pkt->t.dport, SG_PORT_SENT);
	/* Shared by every CPU: write it once a tick, not once a SYN. */
	now = jiffies;
	if (READ_ONCE(sn->last_cookie) != now)
		WRITE_ONCE(sn->last_cookie, now);
	/* The SYN went out as the SYN-ACK. */
	return NF_STOLEN;
}

/* Whether the ACK in @skb carries a cookie made with the kernel's secret. */
bool sg_cookie_ack_valid(struct sk_buff *skb, const struct sg_pkt *pkt)
{
	if (pkt->t.family == AF_INET)
		return sg_cookie_v4_check(ip_hdr(skb), pkt->th) != 0;
	return sg_cookie_v6_check(ipv6_hdr(skb), pkt->th) != 0;
}

/*
 * Gateway cookies (gateway.c) answer for a backend on another host or in
 * another namespace, and only synguard checks them: the cookie is the
 * kernel's, over the connection as the client addresses it, and the
 * timestamp carries the client's options as the kernel's does, offset by
 * a secret of our own so that it does not tell this host's uptime.
 */
static u32 sg_gw_tsoff __read_mostly;

/*
 * Drawn at load rather than with net_get_random_once(): that flips a
 * static key in this module's text on the first gateway cookie, under
 * flood, and every load would do it again.
 */
void __init sg_cookie_init(void)
{
	sg_gw_tsoff = get_random_u32();
}

/*
 * The options of a gateway SYN-ACK: the client's, as far as the
 * destination's backends agree to them (backend.c), and the backends'
 * MSS and window scale, which the client will see on the connection.
 * The window stays shut until the backend has answered, as SYNPROXY's
 * does: nothing the client sends before that could be delivered.
 */
static void sg_gw_prepare(struct sg_synack *sa, const struct sg_pkt *pkt,
			  const struct sg_backend_opts *be, u16 mss_dflt)
{
	const struct tcphdr *th = pkt->th;
	unsigned int allow = 0;

	if (be->flags & SG_BE_TS)
		allow |= SG_ALLOW_TS;
	if ((be->flags & (SG_BE_SACK_YES | SG_BE_SACK_NO)) == SG_BE_SACK_YES)
		allow |= SG_ALLOW_SACK;
	if (be->wscale <= SG_MAX_WSCALE)
		allow |= SG_ALLOW_WSCALE;
	sg_tcpopt_parse((const u8 *)(th + 1), th->doff * 4 - sizeof(*th),
			allow, &sa->in);
	if (!sa->in.saw_tstamp) {
		sa->in.wscale_ok = 0;
		sa->in.wscale = 0;
		sa->in.sack_ok = 0;
	}
	sa->ecn_ok = sa->in.saw_tstamp && th->ece && th->cwr &&
		     be->flags & SG_BE_ECN;
	sa->out = (struct sg_synack_opt) {
		.mss = be->mss ?: mss_dflt,
		.tstamp_ok = sa->in.saw_tstamp,
		.sack_ok = sa->in.sack_ok,
		.wscale_ok = sa->in.wscale_ok,
		.wscale = be->wscale,
		.tsecr = sa->in.tsval,
	};
	if (sa->in.saw_tstamp)
		sa->out.tsval = sg_cookie_ts(sg_tcp_ms(), &sa->in, sa->ecn_ok) +
				sg_gw_tsoff;
	sa->window = 0;
}

static int sg_gw_reply_v4(struct sg_net *sn, struct sk_buff *skb,
			  const struct sg_pkt *pkt,
			  const struct sg_backend_opts *be, bool rst)
{
	const struct sg_tuple *v = &pkt->t;
	const struct tcphdr *th = pkt->th;
	struct sg_synack sa = { .rst = rst };
	struct net *net = sn->net;
	struct tcphdr *nth;
	struct flowi4 fl4;
	struct rtable *rt;

	/* From the address the client addressed, which may be another's. */
	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = v->saddr[0];
	fl4.saddr = v->daddr[0];
	fl4.flowi4_flags = FLOWI_FLAG_ANYSRC;
	fl4.flowi4_proto = IPPROTO_TCP;
	fl4.fl4_sport = v->dport;
	fl4.fl4_dport = v->sport;
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt)) {
		sg_stat_inc(sn, SYNACK_UNROUTABLE);
		return -EHOSTUNREACH;
	}
	if (rt->rt_type != RTN_UNICAST) {
		ip_rt_put(rt);
		return -EADDRNOTAVAIL;
	}

	sa.sport = v->dport;
	sa.dport = v->sport;
	sa.ack = ntohl(th->seq) + 1;
	if (!rst) {
		const struct iphdr fiph = {
			.saddr = v->saddr[0],
			.daddr = v->daddr[0],
		};
		const struct tcphdr fth = {
			.source = v->sport,
			.dest = v->dport,
			.seq = th->seq,
		};
		u16 mss;

		/* The MSS of the route to the backend, until it is known. */
		sg_gw_prepare(&sa, pkt, be, dst_mtu(skb_dst(skb)) -
			      sizeof(struct iphdr) - sizeof(struct tcphdr));
		mss = sa.in.mss ?: TCP_MSS_DEFAULT;
		sa.cookie = __cookie_v4_init_sequence(&fiph, &fth, &mss);
	}

	nth = sg_synack_reuse(skb, &sa, sizeof(struct iphdr), false);
	if (!nth) {
		ip_rt_put(rt);
		sg_stat_inc(sn, SYNACK_NOMEM);
		return -ENOMEM;
	}
	sg_send_v4(net, skb, nth, v, 0, ip4_dst_hoplimit(&rt->dst), rt);
	return 0;
}

static int sg_gw_reply_v6(struct sg_net *sn, struct sk_buff *skb,
			  const struct sg_pkt *pkt,
			  const struct sg_backend_opts *be, bool rst)
{
	const struct sg_tuple *v = &pkt->t;
	const struct tcphdr *th = pkt->th;
	struct sg_synack sa = { .rst = rst };
	struct net *net = sn->net;
	struct dst_entry *dst;
	struct tcphdr *nth;
	struct flowi6 fl6;

	memset(&fl6, 0, sizeof(fl6));
	memcpy(&fl6.daddr, v->saddr, sizeof(fl6.daddr));
	memcpy(&fl6.saddr, v->daddr, sizeof(fl6.saddr));
	fl6.flowi6_proto = IPPROTO_TCP;
	fl6.fl6_sport = v->dport;
	fl6.fl6_dport = v->sport;
	dst = ip6_dst_lookup_flow(net, NULL, &fl6, NULL);
	if (IS_ERR(dst)) {
		sg_stat_inc(sn, SYNACK_UNROUTABLE);
		return -EHOSTUNREACH;
	}
	if (dst->dev->flags & IFF_LOOPBACK) {
		dst_release(dst);
		return -EADDRNOTAVAIL;
	}

	sa.sport = v->dport;
	sa.dport = v->sport;
	sa.ack = ntohl(th->seq) + 1;
	if (!rst) {
		struct ipv6hdr fip6h = {};
		const struct tcphdr fth = {
			.source = v->sport,
			.dest = v->dport,
			.seq = th->seq,
		};
		u16 mss;

		memcpy(&fip6h.saddr, v->saddr, sizeof(fip6h.saddr));
		memcpy(&fip6h.daddr, v->daddr, sizeof(fip6h.daddr));
		sg_gw_prepare(&sa, pkt, be, dst_mtu(skb_dst(skb)) -
			      sizeof(struct ipv6hdr) - sizeof(struct tcphdr));
		mss = sa.in.mss ?: IPV6_MIN_MTU - sizeof(struct ipv6hdr) -
				   sizeof(struct tcphdr);
		sa.cookie = __cookie_v6_init_sequence(&fip6h, &fth, &mss);
	}

	nth = sg_synack_reuse(skb, &sa, sizeof(struct ipv6hdr), false);
	if (!nth) {
		dst_release(dst);
		sg_stat_inc(sn, SYNACK_NOMEM);
		return -ENOMEM;
	}
	sg_send_v6(net, skb, nth, v, 0, ip6_dst_hoplimit(dst), dst);
	return 0;
}

/*
 * Answers the forwarded SYN in @skb on its backend's behalf, as the
 * client addressed it (@pkt->t): with a cookie SYN-ACK carrying the
 * options @be allows, or with the RST of a closed port (@refuse).
 */
unsigned int sg_cookie_gateway(struct sg_net *sn, struct sk_buff *skb,
			       const struct sg_pkt *pkt,
			       const struct sg_backend_opts *be, bool refuse)
{
	__be16 dport = pkt->t.dport;
	unsigned long now;
	int ret;

	if (pkt->t.family == AF_INET)
		ret = sg_gw_reply_v4(sn, skb, pkt, be, refuse);
	else
		ret = sg_gw_reply_v6(sn, skb, pkt, be, refuse);
	if (ret == -EADDRNOTAVAIL) {
		sg_stat_inc(sn, SYN_PASSED);
		return NF_ACCEPT;
	}
	if (ret)
		return NF_DROP;
	if (refuse) {
		sg_stat_inc(sn, GATEWAY_REFUSED);
		return NF_STOLEN;
	}

	sg_stat_inc(sn, COOKIES_SENT);
	sg_stat_inc(sn, GATEWAY_COOKIES);
	sg_port_count(sn, dport, SG_PORT_SENT);
	now = jiffies;
	if (now - READ_ONCE(sn->last_gw_cookie) >= HZ)
		WRITE_ONCE(sn->last_gw_cookie, now);
	return NF_STOLEN;
}

/*
 * Checks the gateway cookie the ACK in @skb carries and, when it is
 * valid, rewrites the ACK in place into the SYN the client sent: its
 * sequence number, and the options the cookie kept (the MSS in the
 * cookie; window scale, SACK and ECN in the timestamp). The
 * acknowledgment field carries our cookie to nf_synproxy_core's hook,
 * which translates sequence numbers from it once the backend answers;
 * the timestamp echo carries our clock the same way. Any data is cut:
 * the window was shut.
 *
 * A @probe is the client's zero-window probe, which TCP sends one below
 * the next sequence number: while the backend has not answered, it
 * becomes the SYN again, sent once more in case the first was lost.
 * Returns 1 when rewritten, 0 for an invalid cookie, a negative error
 * when the ACK could not be rewritten.
 */
int sg_cookie_gateway_open(struct sk_buff *skb, const struct sg_pkt *pkt,
			   bool probe)
{
	const struct tcphdr *th = pkt->th;
	struct sg_synack_opt o = {};
	u8 opts[SG_SYNACK_OPT_MAX];
	unsigned int optlen, len;
	u32 seq, ack, bits;
	__be16 window, sport, dport;
	struct sg_synopt in;
	struct tcphdr *nth;
	struct tcphdr cth;
	bool ecn = false;
	int mss;

	/* The cookie is checked against the SYN's sequence number + 1. */
	cth = *th;
	if (probe)
		cth.seq = htonl(ntohl(th->seq) + 1);
	if (pkt->t.family == AF_INET)
		mss = sg_cookie_v4_check(ip_hdr(skb), &cth);
	else
		mss = sg_cookie_v6_check(ipv6_hdr(skb), &cth);
	if (!mss)
		return 0;

	sg_tcpopt_parse((const u8 *)(th + 1), th->doff * 4 - sizeof(*th),
			SG_ALLOW_TS, &in);
	o.mss = mss;
	if (in.saw_tstamp) {
		bits = (in.tsecr - sg_gw_tsoff) &
		       ((1U << SG_TSBITS) - 1);
		o.tstamp_ok = 1;
		o.tsval = in.tsval;
		o.tsecr = in.tsecr;
		if ((bits & SG_TS_WSCALE_NONE) != SG_TS_WSCALE_NONE) {
			o.wscale_ok = 1;
			o.wscale = min_t(u32, bits & SG_TS_WSCALE_NONE,
					 SG_MAX_WSCALE);
		}
		o.sack_ok = !!(bits & SG_TS_SACK);
		ecn = bits & SG_TS_ECN;
	}
	optlen = sg_tcpopt_write(opts, &o);
	seq = ntohl(cth.seq) - 1;
	ack = ntohl(th->ack_seq) - 1;
	window = th->window;
	sport = th->source;
	dport = th->dest;

	/* From here on the ACK's header is gone. */
	len = pkt->thoff + sizeof(*nth) + optlen;
	if (sg_skb_resize(skb, len))
		return -ENOMEM;
	nth = (struct tcphdr *)(skb->data + pkt->thoff);
	memset(nth, 0, sizeof(*nth));
	memcpy(nth + 1, opts, optlen);
	nth->source = sport;
	nth->dest = dport;
	nth->seq = htonl(seq);
	nth->ack_seq = htonl(ack);
	nth->doff = (sizeof(*nth) + optlen) / 4;
	nth->syn = 1;
	nth->ece = ecn;
	nth->cwr = ecn;
	nth->window = window;

	len = skb->len - pkt->thoff;
	if (pkt->t.family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tot_len = htons(skb->len - skb_network_offset(skb));
		ip_send_check(iph);
		nth->check = tcp_v4_check(len, iph->saddr, iph->daddr,
					  csum_partial(nth, len, 0));
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6h->payload_len = htons(skb->len - skb_network_offset(skb) -
					  sizeof(*ip6h));
		nth->check = tcp_v6_check(len, &ip6h->saddr, &ip6h->daddr,
					  csum_partial(nth, len, 0));
	}
	skb->ip_summed = CHECKSUM_NONE;
	skb->csum_valid = 0;
	skb_set_transport_header(skb, pkt->thoff);
	return 1;
}
