// SPDX-License-Identifier: GPL-2.0
/*
 * Gateway mode: services this host forwards to, behind DNAT (Docker's
 * published ports, Kubernetes' NodePorts and ClusterIPs) or a plain
 * route. Their flood SYNs pass through this host's conntrack before any
 * listener sees them, so this is where the table must be kept free, and
 * a cookie the backend made would not help: kube-proxy picks a backend
 * at random for each new conntrack entry, so the returning ACK may go to
 * another pod than the SYN. What works for every backend is what
 * SYNPROXY does, with nf_synproxy_core doing the part that lasts:
 *
 * SYN, at FORWARD after every filter chain and DNAT, before conntrack
 *   confirms its entry at POSTROUTING: tracked and judged exactly as a
 *   SYN to a local listener (hook.c). A cookie SYN-ACK answers it from
 *   the address and port the client addressed, with the options the
 *   destination's backends use (backend.c), and the SYN is consumed: its
 *   unconfirmed entry goes with it.
 * ACK, at PREROUTING before raw: for a destination with cookies out, an
 *   ACK conntrack has no entry for must carry a valid cookie. It is
 *   turned into the client's SYN and given nf_synproxy_core's conntrack
 *   template, and goes on through raw, conntrack, DNAT (where kube-proxy
 *   picks its backend, now), routing and the forward filter. The entry
 *   it creates carries the seqadj and synproxy extensions:
 *   nf_synproxy_core's hooks take the backend's SYN-ACK, acknowledge it,
 *   open the client's window, and translate sequence numbers and
 *   timestamps for the life of the connection.
 * SYN-ACK and RST from a backend, at FORWARD: what the destination's
 *   backends agree to, or that they refuse it.
 *
 * Only the host's published services are answered for: a SYN this host
 * DNATed, or one routed to a prefix the operator named, or one that came
 * in through an interface the operator named, a router's uplink
 * (synguardctl forward, filter.c). Whatever else it forwards, a
 * container's own connection out above all, is between that client and
 * a server elsewhere: a cookie would speak for that server, and a SYN
 * that leaves is never tracked, limited or counted toward cookie mode.
 *
 * A namespace pays for gateway mode only once it forwards a SYN to a
 * published service: the FORWARD hooks are the only ones it has until
 * then. The first such SYN queues gw_work, which pulls in
 * nf_synproxy_core (resolved, not linked: a module linked against it
 * cannot be insmod'ed before it is loaded), registers its hooks and
 * the ACK hooks below, and only then are cookies sent; SYNs pass
 * meanwhile.
 *
 * A segment of the client that arrives before the backend has answered
 * is dropped (acks_unmatched) and sent again: the client's window is
 * zero until then. Its zero-window probe sends the SYN again. Only
 * forwarded traffic that conntrack tracks is handled: without conntrack
 * there is no table to protect, the backend answers its own SYNs, and no
 * sequence numbers could be translated.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kmod.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/sched/mm.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_synproxy.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/netfilter/nf_synproxy.h>
#include <net/tcp.h>

#include "backend.h"
#include "conntrack.h"
#include "cookie.h"
#include "filter.h"
#include "gateway.h"
#include "handoff.h"
#include "hook.h"
#include "policy.h"
#include "portstat.h"
#include "tcpopt.h"

/*
 * nf_synproxy_core's entry points, found by sg_synproxy_get() the first
 * time a namespace needs them and held (symbol_get() pins the module)
 * until synguard is unloaded. Written once under sg_synproxy_lock; read
 * only by namespaces whose gw_state is SG_GW_ACTIVE, which the work
 * that resolved them published with a release store.
 */
static DEFINE_MUTEX(sg_synproxy_lock);
static struct {
	unsigned int *net_id;
	int (*ipv4_init)(struct synproxy_net *snet, struct net *net);
	void (*ipv4_fini)(struct synproxy_net *snet, struct net *net);
	int (*ipv6_init)(struct synproxy_net *snet, struct net *net);
	void (*ipv6_fini)(struct synproxy_net *snet, struct net *net);
} sg_synproxy;

static void sg_synproxy_put(void)
{
	if (sg_synproxy.net_id)
		symbol_put(synproxy_net_id);
	if (sg_synproxy.ipv4_init)
		symbol_put(nf_synproxy_ipv4_init);
	if (sg_synproxy.ipv4_fini)
		symbol_put(nf_synproxy_ipv4_fini);
	if (sg_synproxy.ipv6_init)
		symbol_put(nf_synproxy_ipv6_init);
	if (sg_synproxy.ipv6_fini)
		symbol_put(nf_synproxy_ipv6_fini);
	memset(&sg_synproxy, 0, sizeof(sg_synproxy));
}

static int sg_synproxy_get(void)
{
	int ret = 0;

	mutex_lock(&sg_synproxy_lock);
	if (sg_synproxy.net_id)
		goto out;
	/* Fails only where the module is built in or missing. */
	request_module("nf_synproxy_core");
	sg_synproxy.net_id = symbol_get(synproxy_net_id);
	sg_synproxy.ipv4_init = symbol_get(nf_synproxy_ipv4_init);
	sg_synproxy.ipv4_fini = symbol_get(nf_synproxy_ipv4_fini);
	sg_synproxy.ipv6_init = symbol_get(nf_synproxy_ipv6_init);
	sg_synproxy.ipv6_fini = symbol_get(nf_synproxy_ipv6_fini);
	if (!sg_synproxy.net_id || !sg_synproxy.ipv4_init ||
	    !sg_synproxy.ipv4_fini || !sg_synproxy.ipv6_init ||
	    !sg_synproxy.ipv6_fini) {
		sg_synproxy_put();
		ret = -ENOENT;
	}
out:
	mutex_unlock(&sg_synproxy_lock);
	return ret;
}

static struct synproxy_net *sg_synproxy_net(const struct net *net)
{
	return net_generic(net, *sg_synproxy.net_id);
}

static bool sg_gateway_on(const struct sg_net *sn, u32 mode)
{
	return mode != SYNGUARD_MODE_OFF && READ_ONCE(sn->cfg.gateway);
}

/* The connection as the client addresses it: conntrack's original tuple. */
static void sg_gw_view(const struct nf_conn *ct, struct sg_tuple *t)
{
	const struct nf_conntrack_tuple *o =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;

	if (t->family == AF_INET) {
		t->saddr[0] = o->src.u3.ip;
		t->daddr[0] = o->dst.u3.ip;
	} else {
		memcpy(t->saddr, o->src.u3.ip6, sizeof(t->saddr));
		memcpy(t->daddr, o->dst.u3.ip6, sizeof(t->daddr));
	}
	t->sport = o->src.u.tcp.port;
	t->dport = o->dst.u.tcp.port;
}

static void sg_gw_dest(const struct sg_tuple *t, struct sg_dest *d)
{
	memcpy(d->addr, t->daddr, sizeof(d->addr));
	d->port = t->dport;
	d->family = t->family;
}

/*
 * A service this host publishes: its SYN was DNATed here (Docker's
 * published ports, Kubernetes' NodePorts and ClusterIPs), or it is
 * routed to a prefix the operator named, or its client's side is an
 * interface the operator named. @view is the connection as the client
 * addresses it, @cdev the interface of the client's side: where the
 * segment came in from the client, or leaves toward it (a backend's
 * SYN-ACK, learned from, leaves by the interface the SYN came in by
 * where the routes are symmetric).
 */
static bool sg_gw_published(const struct sg_net *sn, const struct nf_conn *ct,
			    const struct sg_tuple *view,
			    const struct net_device *cdev)
{
	return test_bit(IPS_DST_NAT_BIT, &ct->status) ||
	       sg_forward_protected(sn, view) || sg_forward_dev(sn, cdev);
}

static bool sg_gw_active(const struct sg_net *sn)
{
	return atomic_read_acquire(&sn->gw_state) == SG_GW_ACTIVE;
}

/* Every segment of a published service passes here: one shared read. */
static void sg_gw_start(struct sg_net *sn)
{
	if (atomic_read(&sn->gw_state) == SG_GW_IDLE &&
	    atomic_cmpxchg(&sn->gw_state, SG_GW_IDLE,
			   SG_GW_STARTING) == SG_GW_IDLE)
		queue_work(system_unbound_wq, &sn->gw_work);
}

/*
 * A backend's SYN-ACK: what it agrees to. An option it leaves out says
 * "no" only if the SYN it answers offered it, which conntrack recorded
 * (a timestamp or ECN left out says nothing: conntrack keeps no record
 * of them).
 */
/*
 * A backend's answer, @o or a refusal (NULL), into the namespace's table,
 * or kept for gw_work while gateway mode starts.
 */
static void sg_gw_record(struct sg_net *sn, const struct sg_dest *d,
			 const struct sg_backend_opts *o)
{
	struct sg_backend_sample *s;
	struct sg_backends *t;

	t = rcu_dereference(sn->backends);
	if (likely(t))
		goto record;
	spin_lock_bh(&sn->gw_early_lock);
	t = rcu_dereference(sn->backends);
	if (!t && sn->gw_early_n < ARRAY_SIZE(sn->gw_early)) {
		s = &sn->gw_early[sn->gw_early_n++];
		s->d = *d;
		s->refused = !o;
		if (o)
			s->o = *o;
	}
	spin_unlock_bh(&sn->gw_early_lock);
	if (!t)
		return;
record:
	sg_backend_record(t, d, o);
}

static void sg_gw_learn(struct sg_net *sn, const struct sg_pkt *pkt,
			const struct nf_conn *ct)
{
	u8 syn_flags = ct->proto.tcp.seen[IP_CT_DIR_ORIGINAL].flags;
	const struct tcphdr *th = pkt->th;
	struct sg_backend_opts o = {};
	struct sg_synopt in;
	struct sg_dest d;

	sg_tcpopt_parse((const u8 *)(th + 1), th->doff * 4 - sizeof(*th),
			SG_ALLOW_TS | SG_ALLOW_SACK | SG_ALLOW_WSCALE, &in);
	/* RFC 9293: without the option, the default MSS. */
	o.mss = in.mss ?: (pkt->t.family == AF_INET ? TCP_MSS_DEFAULT :
			   IPV6_MIN_MTU - sizeof(struct ipv6hdr) -
			   sizeof(struct tcphdr));
	if (in.wscale_ok)
		o.wscale = in.wscale;
	else if (syn_flags & IP_CT_TCP_FLAG_WINDOW_SCALE)
		o.wscale = SG_WS_NONE;
	else
		o.wscale = SG_WS_UNKNOWN;
	if (in.sack_ok)
		o.flags |= SG_BE_SACK_YES;
	else if (syn_flags & IP_CT_TCP_FLAG_SACK_PERM)
		o.flags |= SG_BE_SACK_NO;
	if (in.saw_tstamp)
		o.flags |= SG_BE_TS;
	if (th->ece && !th->cwr)
		o.flags |= SG_BE_ECN;

	sg_gw_dest(&pkt->t, &d);
	sg_gw_record(sn, &d, &o);
	sg_stat_inc(sn, GATEWAY_LEARNED);
}

/*
 * A backend's RST. One that answers the SYN itself (it acknowledges
 * exactly the SYN, and the connection never got established) says the
 * port is closed.
 */
static void sg_gw_reset(struct sg_net *sn, const struct sg_pkt *pkt,
			const struct nf_conn *ct)
{
	const struct tcphdr *th = pkt->th;
	struct sg_dest d;

	if (!th->ack || test_bit(IPS_ASSURED_BIT, &ct->status) ||
	    ntohl(th->ack_seq) !=
	    READ_ONCE(ct->proto.tcp.seen[IP_CT_DIR_ORIGINAL].td_end))
		return;
	sg_gw_dest(&pkt->t, &d);
	sg_gw_record(sn, &d, NULL);
	sg_stat_inc(sn, GATEWAY_LEARNED);
	if (sg_halfopen_reset(sn, &pkt->t))
		sg_stat_inc(sn, HALFOPEN_RESET);
}

/*
 * A SYN signed with TCP-MD5 or TCP-AO (a BGP session through a router):
 * only the backend holds the key to answer it.
 */
static bool sg_gw_signed(const struct tcphdr *th)
{
	struct sg_synopt o;

	sg_tcpopt_parse((const u8 *)(th + 1), th->doff * 4 - sizeof(*th), 0,
			&o);
	return o.signature;
}

/*
 * An entry the ruleset set up its own way: a conntrack zone other than
 * the default (raw's "ct zone set"), a helper or a timeout policy. The
 * entry the cookie's ACK would make takes nf_synproxy_core's template
 * instead of raw's, and would lose them: such a SYN is its server's.
 */
static bool sg_gw_ct_custom(const struct nf_conn *ct)
{
#ifdef CONFIG_NF_CONNTRACK_ZONES
	if (ct->zone.id != NF_CT_DEFAULT_ZONE_ID)
		return true;
#endif
	return sg_ct_ext_find(ct, NF_CT_EXT_HELPER) || sg_ct_timeouts(ct);
}

static unsigned int sg_gw_syn(struct sg_net *sn, struct sk_buff *skb,
			      struct sg_pkt *pkt, const struct nf_conn *ct,
			      u32 mode)
{
	struct sg_backend_opts o;
	struct sg_dest d;

	/*
	 * Our own SYN to a backend (or SYNPROXY's), or one conntrack
	 * already confirmed: a retransmission the backend will answer.
	 */
	if (sg_ct_synproxy(ct) || nf_ct_is_confirmed(ct))
		return NF_ACCEPT;

	sg_stat_inc(sn, SYN_RECEIVED);
	sg_policy_kick(sn);
	sg_port_count(sn, pkt->t.dport, SG_PORT_SYN);
	if (!sg_port_protected(sn, pkt->t.dport) ||
	    sg_source_allowed(sn, &pkt->t))
		goto pass;
	/* One a helper expected (FTP data): as at LOCAL_IN (hook.c). */
	if (sg_syn_related(skb)) {
		sg_stat_inc(sn, SYN_RELATED);
		goto left;
	}
	if (sg_gw_signed(pkt->th))
		goto left;
	if (sg_gw_ct_custom(ct)) {
		sg_stat_inc(sn, GATEWAY_CT_CUSTOM);
		goto left;
	}
	if (!sg_syn_wants_cookie(sn, pkt, NULL, mode) || !sg_gw_active(sn))
		goto pass;
	if (sg_checksum_bad(skb, pkt, NF_INET_FORWARD)) {
		sg_stat_inc(sn, BAD_CHECKSUM);
		return NF_DROP;
	}

	sg_gw_dest(&pkt->t, &d);
	switch (sg_backend_query(rcu_dereference(sn->backends), &d, &o,
				 &sn->gw_learn_budget)) {
	case SG_GW_UNLISTED:
		sg_stat_inc(sn, GATEWAY_UNLISTED);
		fallthrough;
	case SG_GW_COOKIE:
		return sg_cookie_gateway(sn, skb, pkt, &o, false);
	case SG_GW_REFUSE:
		return sg_cookie_gateway(sn, skb, pkt, &o, true);
	case SG_GW_PASS:
		break;
	}
	goto pass;
left:
	sg_stat_inc(sn, SYN_LEFT_TO_KERNEL);
pass:
	sg_stat_inc(sn, SYN_PASSED);
	return NF_ACCEPT;
}

/* A segment with no payload and no FIN. */
static bool sg_bare(const struct sk_buff *skb, const struct sg_pkt *pkt)
{
	return !pkt->th->fin && skb->len == pkt->thoff + pkt->th->doff * 4;
}

static unsigned int sg_gw_forward(struct sg_net *sn, struct sk_buff *skb,
				  struct sg_pkt *pkt,
				  const struct nf_hook_state *state, u32 mode)
{
	const struct tcphdr *th = pkt->th;
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct;
	bool reply;
	u32 ms;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct)
		return NF_ACCEPT;
	reply = CTINFO2DIR(ctinfo) == IP_CT_DIR_REPLY;
	sg_gw_view(ct, &pkt->t);
	if (!sg_gw_published(sn, ct, &pkt->t, reply ? state->out : state->in))
		return NF_ACCEPT;
	sg_gw_start(sn);

	if (reply) {
		if (th->syn && th->ack)
			sg_gw_learn(sn, pkt, ct);
		else if (th->rst)
			sg_gw_reset(sn, pkt, ct);
		return NF_ACCEPT;
	}

	if (th->rst) {
		sg_rst(sn, &pkt->t, mode);
		return NF_ACCEPT;
	}
	if (th->syn && !th->ack && !th->fin)
		return sg_gw_syn(sn, skb, pkt, ct, mode);
	/* The handshake's ACK carries nothing more. */
	if (th->ack && !th->syn && mode != SYNGUARD_MODE_ALWAYS &&
	    sg_bare(skb, pkt) &&
	    sg_halfopen_complete(sn, &pkt->t, ntohl(th->seq), &ms)) {
		sg_stat_inc(sn, HALFOPEN_COMPLETED);
		sg_stat_add(sn, HANDSHAKE_MS, ms);
	}
	return NF_ACCEPT;
}

/*
 * Routed traffic only: a frame bridged between two ports of a bridge
 * (br_netfilter hands it to FORWARD) belongs to the bridge.
 */
static bool sg_gw_routed(const struct nf_hook_state *state)
{
	return !(state->in && netif_is_bridge_port(state->in));
}

unsigned int sg_gateway_ipv4_forward(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct sg_net *sn = sg_net(state->net);
	u32 mode = READ_ONCE(sn->cfg.mode);
	struct sg_pkt pkt;

	if (!sg_gateway_on(sn, mode) && !sg_handoff_nat_armed(sn, AF_INET))
		return NF_ACCEPT;
	if (sg_pkt_v4(skb, &pkt) || sg_handoff_forwarded(skb, &pkt) ||
	    !sg_gateway_on(sn, mode) || !sg_gw_routed(state))
		return NF_ACCEPT;
	return sg_gw_forward(sn, skb, &pkt, state, mode);
}

unsigned int sg_gateway_ipv6_forward(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct sg_net *sn = sg_net(state->net);
	u32 mode = READ_ONCE(sn->cfg.mode);
	struct sg_pkt pkt;

	if (!sg_gateway_on(sn, mode) && !sg_handoff_nat_armed(sn, AF_INET6))
		return NF_ACCEPT;
	if (sg_pkt_v6(skb, &pkt) || sg_handoff_forwarded(skb, &pkt) ||
	    !sg_gateway_on(sn, mode) || !sg_gw_routed(state))
		return NF_ACCEPT;
	return sg_gw_forward(sn, skb, &pkt, state, mode);
}

enum sg_gw_ct {
	SG_GW_CT_NONE,		/* conntrack has no entry */
	SG_GW_CT_KNOWN,		/* an entry to leave to conntrack */
	SG_GW_CT_OPENING,	/* ours, waiting for the backend's SYN-ACK */
};

/* What conntrack holds for the ACK in @pkt, before it has seen it. */
static enum sg_gw_ct sg_gw_conntrack(struct net *net, const struct sg_pkt *pkt)
{
	struct nf_conntrack_tuple_hash *h;
	enum sg_gw_ct ret = SG_GW_CT_KNOWN;
	struct nf_conn *ct;

	h = sg_ct_find(net, &sg_ct_zone_dflt, pkt);
	if (!h)
		return SG_GW_CT_NONE;
	ct = nf_ct_tuplehash_to_ctrack(h);
	if (NF_CT_DIRECTION(h) == IP_CT_DIR_ORIGINAL && sg_ct_synproxy(ct) &&
	    !test_bit(IPS_SEEN_REPLY_BIT, &ct->status))
		ret = SG_GW_CT_OPENING;
	sg_ct_put(ct);
	return ret;
}

static unsigned int sg_gw_ack(struct sg_net *sn, struct sk_buff *skb,
			      const struct sg_pkt *pkt)
{
	struct synproxy_net *snet = sg_synproxy_net(sn->net);
	const struct tcphdr *th = pkt->th;
	struct sg_backends *t;
	enum sg_gw_ct state;
	struct sg_dest d;
	int ret;

	/*
	 * Untracked, seen already (loopback), or given a template by raw:
	 * a zone, helper or timeout policy of the ruleset's, whose SYNs
	 * are left to their servers (sg_gw_ct_custom()).
	 */
	if (th->syn || th->rst || !th->ack || skb_nfct(skb))
		return NF_ACCEPT;
	sg_gw_dest(&pkt->t, &d);
	t = rcu_dereference(sn->backends);
	if (!sg_backend_cookies_out(t, &d))
		return NF_ACCEPT;

	state = sg_gw_conntrack(sn->net, pkt);
	if (state == SG_GW_CT_KNOWN)
		return NF_ACCEPT;
	if (sg_checksum_bad(skb, pkt, NF_INET_PRE_ROUTING)) {
		sg_stat_inc(sn, BAD_CHECKSUM);
		return NF_DROP;
	}
	if (state == SG_GW_CT_OPENING) {
		/*
		 * The client waits for the backend with its window shut:
		 * only its zero-window probe is worth anything, as the SYN
		 * once more. The rest is sent again later.
		 */
		if (sg_bare(skb, pkt) &&
		    sg_cookie_gateway_open(skb, pkt, true) == 1)
			return NF_ACCEPT;
		sg_stat_inc(sn, ACKS_UNMATCHED);
		return NF_DROP;
	}
	/*
	 * Data or a FIN: no handshake's last ACK, but a connection
	 * conntrack has lost (conntrack -F) or never saw. Conntrack picks
	 * it up or not (nf_conntrack_tcp_loose), as without synguard.
	 */
	if (!sg_bare(skb, pkt))
		return NF_ACCEPT;

	ret = sg_cookie_gateway_open(skb, pkt, false);
	if (ret < 0) {
		sg_stat_inc(sn, SYNACK_NOMEM);
		return NF_DROP;
	}
	if (!ret) {
		sg_stat_inc(sn, COOKIES_REJECTED);
		return NF_DROP;
	}
	sg_stat_inc(sn, COOKIES_VALIDATED);
	sg_stat_inc(sn, GATEWAY_OPENED);
	sg_port_count(sn, d.port, SG_PORT_VALIDATED);

	/* Conntrack creates the entry from the template, with its extensions. */
	nf_conntrack_get(&snet->tmpl->ct_general);
	nf_ct_set(skb, snet->tmpl, IP_CT_NEW);
	return NF_ACCEPT;
}

/*
 * Every segment this host receives passes here: nothing is parsed unless
 * gateway cookies went out in the last two minutes.
 */
static bool sg_gw_cookies_out(const struct sg_net *sn, u32 mode)
{
	return sg_gateway_on(sn, mode) &&
	       time_before(jiffies, READ_ONCE(sn->last_gw_cookie) +
				    SG_GW_COOKIE_OUT);
}

static unsigned int sg_gateway_ipv4_ack(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	struct sg_net *sn = sg_net(state->net);
	u32 mode = READ_ONCE(sn->cfg.mode);
	struct sg_pkt pkt;

	if (!sg_gw_cookies_out(sn, mode) || sg_pkt_v4(skb, &pkt))
		return NF_ACCEPT;
	return sg_gw_ack(sn, skb, &pkt);
}

static unsigned int sg_gateway_ipv6_ack(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	struct sg_net *sn = sg_net(state->net);
	u32 mode = READ_ONCE(sn->cfg.mode);
	struct sg_pkt pkt;

	if (!sg_gw_cookies_out(sn, mode) || sg_pkt_v6(skb, &pkt))
		return NF_ACCEPT;
	return sg_gw_ack(sn, skb, &pkt);
}

/*
 * nf_synproxy_core acknowledges the backend's SYN-ACK with an ACK that
 * echoes the backend's own timestamp, then its POSTROUTING hook
 * translates that echo as if the client had sent it: the backend gets
 * its timestamp plus the offset. A backend that answered with a SYN
 * cookie of its own (its listener's queue overflowed) decodes window
 * scale, SACK and ECN from that echo, and gets them wrong. This runs just
 * before that hook and takes the offset off first. That ACK is the only
 * segment of such a connection this host makes in the client's
 * direction: the client's own are forwarded.
 */
static unsigned int sg_gw_server_ack(struct sk_buff *skb,
				     unsigned int thoff)
{
	const struct nf_conn_synproxy *synproxy;
	enum ip_conntrack_info ctinfo;
	unsigned int optlen;
	struct nf_conn *ct;
	struct tcphdr *th;
	u32 old, new;
	int ts;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || CTINFO2DIR(ctinfo) != IP_CT_DIR_ORIGINAL ||
	    nf_ct_protonum(ct) != IPPROTO_TCP)
		return NF_ACCEPT;
	synproxy = sg_ct_synproxy(ct);
	if (!synproxy || !synproxy->tsoff)
		return NF_ACCEPT;

	if (skb_ensure_writable(skb, thoff + sizeof(*th)))
		return NF_DROP;
	th = (struct tcphdr *)(skb->data + thoff);
	if (th->syn || !th->ack || th->doff * 4 < sizeof(*th))
		return NF_ACCEPT;
	optlen = th->doff * 4 - sizeof(*th);
	if (skb_ensure_writable(skb, thoff + sizeof(*th) + optlen))
		return NF_DROP;
	th = (struct tcphdr *)(skb->data + thoff);
	ts = sg_tcpopt_ts_find((u8 *)(th + 1), optlen);
	if (ts < 0)
		return NF_ACCEPT;
	old = get_unaligned_be32((u8 *)(th + 1) + ts + 4);
	new = old - synproxy->tsoff;
	put_unaligned_be32(new, (u8 *)(th + 1) + ts + 4);
	inet_proto_csum_replace4(&th->check, skb, htonl(old), htonl(new),
				 false);
	return NF_ACCEPT;
}

/* Only the ACKs this host makes: nothing forwarded passes unseen. */
static unsigned int sg_gateway_ipv4_out(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	if (skb->skb_iif || ip_hdr(skb)->protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	return sg_gw_server_ack(skb, skb_network_offset(skb) + ip_hdrlen(skb));
}

static unsigned int sg_gateway_ipv6_out(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	/* nf_synproxy_core's segments carry no extension headers. */
	if (skb->skb_iif || ipv6_hdr(skb)->nexthdr != IPPROTO_TCP)
		return NF_ACCEPT;
	return sg_gw_server_ack(skb, skb_network_offset(skb) +
				sizeof(struct ipv6hdr));
}

/* The hooks a namespace gets once it forwards to a published service. */
static const struct nf_hook_ops sg_gw_ops[] = {
	/*
	 * The cookies' ACKs, after raw (whose templates, zones above all,
	 * decide which entry an ACK belongs to) and before conntrack...
	 */
	{
		.hook = sg_gateway_ipv4_ack,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_RAW + 1,
	},
	{
		.hook = sg_gateway_ipv6_ack,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_RAW + 1,
	},
	/* ...and our ACK to the backend, just before nf_synproxy_core's. */
	{
		.hook = sg_gateway_ipv4_out,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK_CONFIRM - 2,
	},
	{
		.hook = sg_gateway_ipv6_out,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP6_PRI_LAST - 2,
	},
};

/*
 * nf_synproxy_core's hooks finish what a gateway cookie starts; they
 * count references, so a SYNPROXY rule of the administrator's shares
 * them.
 */
static int sg_gw_synproxy_init(struct net *net)
{
	struct synproxy_net *snet = sg_synproxy_net(net);
	int ret;

	ret = sg_synproxy.ipv4_init(snet, net);
	if (ret)
		return ret;
	ret = sg_synproxy.ipv6_init(snet, net);
	if (ret)
		sg_synproxy.ipv4_fini(snet, net);
	return ret;
}

static void sg_gw_synproxy_fini(struct net *net)
{
	struct synproxy_net *snet = sg_synproxy_net(net);

	sg_synproxy.ipv6_fini(snet, net);
	sg_synproxy.ipv4_fini(snet, net);
}

/* A table for @slots destinations, charged to the namespace's memcg. */
static struct sg_backends *sg_gw_table_alloc(struct sg_net *sn, u32 slots)
{
	struct mem_cgroup *old = set_active_memcg(sn->memcg);
	struct sg_backends *t = sg_backends_alloc(slots);

	set_active_memcg(old);
	return t;
}

/* The new table, and what backends told while it was being made. */
static void sg_gw_publish(struct sg_net *sn, struct sg_backends *t)
{
	const struct sg_backend_sample *s;
	unsigned int i;

	spin_lock_bh(&sn->gw_early_lock);
	rcu_assign_pointer(sn->backends, t);
	for (i = 0; i < sn->gw_early_n; i++) {
		s = &sn->gw_early[i];
		sg_backend_record(t, &s->d, s->refused ? NULL : &s->o);
	}
	sn->gw_early_n = 0;
	spin_unlock_bh(&sn->gw_early_lock);
}

static void sg_gw_work(struct work_struct *work)
{
	struct sg_net *sn = container_of(work, struct sg_net, gw_work);
	struct sg_backends *t;
	int ret;

	ret = sg_synproxy_get();
	if (ret) {
		pr_warn_once("gateway mode needs nf_synproxy_core, which cannot be loaded: forwarded SYNs are left to their servers\n");
		goto fail;
	}
	mutex_lock(&sn->lock);
	t = sg_gw_table_alloc(sn, sn->cfg.gateway_table);
	if (t)
		sg_gw_publish(sn, t);
	mutex_unlock(&sn->lock);
	if (!t) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = sg_gw_synproxy_init(sn->net);
	if (ret)
		goto fail;
	ret = nf_register_net_hooks(sn->net, sg_gw_ops, ARRAY_SIZE(sg_gw_ops));
	if (ret)
		goto err_synproxy;
	atomic_set_release(&sn->gw_state, SG_GW_ACTIVE);
	return;

err_synproxy:
	sg_gw_synproxy_fini(sn->net);
fail:
	pr_warn_ratelimited("gateway mode could not start in a namespace (%d)\n",
			    ret);
	atomic_set_release(&sn->gw_state, SG_GW_FAILED);
}

/*
 * Runs as the task that makes the namespace (or loads synguard, for the
 * namespaces that were there before): its memory cgroup pays for the
 * namespace's gateway destinations.
 */
void sg_gateway_init_net(struct sg_net *sn)
{
	atomic_set(&sn->gw_state, SG_GW_IDLE);
	INIT_WORK(&sn->gw_work, sg_gw_work);
	RCU_INIT_POINTER(sn->backends, NULL);
	spin_lock_init(&sn->gw_early_lock);
	sn->gw_early_n = 0;
	sn->memcg = get_mem_cgroup_from_mm(current->mm);
}

/*
 * The gateway_table setting, under sn->lock. A table already made is
 * replaced by one of the new size holding what the old one had in use;
 * cookies stamped on the old one while it is being replaced are carried
 * over once no CPU can be stamping it any more.
 */
int sg_gateway_resize(struct sg_net *sn, u32 slots)
{
	struct sg_backends *old, *t;

	lockdep_assert_held(&sn->lock);
	old = rcu_dereference_protected(sn->backends,
					lockdep_is_held(&sn->lock));
	if (!old || sg_backends_slots(old) == sg_backends_round(slots))
		return 0;
	t = sg_gw_table_alloc(sn, slots);
	if (!t)
		return -ENOMEM;
	sg_backends_copy(t, old);
	rcu_assign_pointer(sn->backends, t);
	synchronize_rcu();
	sg_backends_merge_stamps(t, old);
	sg_backends_free(old);
	return 0;
}

/*
 * After the namespace's own hooks are gone (no packet queues gw_work any
 * more), and before the grace period that sg_gateway_exit_net() follows.
 */
void sg_gateway_pre_exit_net(struct sg_net *sn)
{
	cancel_work_sync(&sn->gw_work);
	if (atomic_read(&sn->gw_state) == SG_GW_ACTIVE)
		nf_unregister_net_hooks(sn->net, sg_gw_ops,
					ARRAY_SIZE(sg_gw_ops));
}

void sg_gateway_exit_net(struct sg_net *sn)
{
	if (atomic_read(&sn->gw_state) == SG_GW_ACTIVE)
		sg_gw_synproxy_fini(sn->net);
	sg_backends_free(rcu_dereference_protected(sn->backends, true));
	mem_cgroup_put(sn->memcg);
}

/* The destinations the namespace's table holds in use, for netlink. */
u32 sg_gateway_destinations(struct sg_net *sn)
{
	struct sg_backends *t;
	u32 n = 0;

	rcu_read_lock();
	t = rcu_dereference(sn->backends);
	if (t)
		n = sg_backend_count(t);
	rcu_read_unlock();
	return n;
}

/* sg_backend_walk() over the namespace's table, if it has one yet. */
int sg_gateway_walk(struct sg_net *sn, u32 *pos,
		    int (*fn)(void *arg, const struct sg_backend_view *v),
		    void *arg)
{
	struct sg_backends *t;
	int ret = 0;

	rcu_read_lock();
	t = rcu_dereference(sn->backends);
	if (t)
		ret = sg_backend_walk(t, pos, fn, arg);
	rcu_read_unlock();
	return ret;
}

/* Every namespace is gone: nf_synproxy_core may go too. */
void sg_gateway_exit(void)
{
	sg_synproxy_put();
}
