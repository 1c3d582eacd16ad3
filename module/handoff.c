// SPDX-License-Identifier: GPL-2.0
/*
 * Handing a cookie connection to conntrack as the kernel's own.
 *
 * Without synguard, the SYN's conntrack entry is confirmed at LOCAL_IN,
 * the kernel's SYN-ACK leaves through it, and the client's ACK meets an
 * entry that every rule sees as established, with the zone, marks,
 * labels, helper and NAT binding the ruleset gave the SYN. A SYN that
 * synguard answers takes its unconfirmed entry with it, or the flood
 * would fill the table; so when the client's ACK comes, conntrack has
 * nothing, and without help it meets the ACK as a new connection that
 * starts without a SYN: the "new, not SYN" hardening rule drops it, and
 * so does nf_conntrack_tcp_loose=0.
 *
 * So the ACK travels as the SYN it answers:
 *
 * PREROUTING, after raw and before conntrack (NF_IP_PRI_CONNTRACK - 1):
 *   while cookies synguard answered for tracked SYNs are out, a bare ACK
 *   that conntrack has no entry for (in the zone raw gave it), and that
 *   carries a valid cookie, is turned into the client's SYN in place:
 *   SYN instead of ACK, the sequence number one lower, and a reserved
 *   header bit and a keyed tag that say so (SG_HANDOFF_MARK). Conntrack, mangle, nat
 *   and every filter chain then meet the connection's first packet once,
 *   as they met the SYN: the entry is made as the kernel makes it, from
 *   the same rules. When a SYN synguard answered was DNATed, the ACK
 *   cannot be checked before nat has run (the cookie covers the address
 *   the listener has), and every bare ACK without an entry is turned.
 * LOCAL_IN, where synguard answers SYNs (hook.c): the segment is turned
 *   back into the ACK and its cookie checked at the listener, as TCP will.
 *   A valid cookie makes the entry what the SYN, the SYN-ACK and this
 *   ACK would have made of it: established and assured, with liberal
 *   window tracking as conntrack uses for connections it picks up (the
 *   SYN's window is not known). Conntrack confirms it right after, and
 *   the kernel makes the socket. Anything else is the ACK it was,
 *   without the entry its disguise made.
 * FORWARD: a turned ACK whose destination nat moved off this host is
 *   turned back and goes on untracked.
 *
 * The cost: a conntrack lookup for each bare ACK while cookies are out
 * (conntrack makes the same one right after), and for a cookie
 * connection one more pass of the SYN through the ruleset: counters and
 * `limit` count its SYN twice.
 */

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_l4proto.h>
#include <net/netfilter/nf_conntrack_synproxy.h>
#include <net/netfilter/nf_conntrack_timeout.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/tcp.h>

#include "conntrack.h"
#include "cookie.h"
#include "handoff.h"
#include "hook.h"

/*
 * A turned ACK says so twice: with the highest of the four reserved bits
 * of the TCP header (the lowest is AccECN's AE), and with a tag in the
 * urgent pointer, which a segment without URG leaves unused, keyed with
 * a secret of this module's. A SYN from outside with that bit set is a
 * SYN: it cannot carry the tag.
 */
#define SG_HANDOFF_MARK		cpu_to_be32(0x08000000)

static siphash_key_t sg_handoff_key __read_mostly;

void __init sg_handoff_init(void)
{
	get_random_bytes(&sg_handoff_key, sizeof(sg_handoff_key));
}

/* The tag of the ACK with sequence number @seq in @th: never zero. */
static __be16 sg_handoff_tag(const struct tcphdr *th, u32 seq)
{
	return htons(siphash_2u32(seq, ntohl(th->ack_seq),
				  &sg_handoff_key) | 1);
}

static int sg_family_slot(u8 family)
{
	return family == AF_INET6;
}

static void sg_touch(unsigned long *stamp, unsigned long now)
{
	/* Shared by every CPU: written once a tick, not once a SYN. */
	if (READ_ONCE(*stamp) != now)
		WRITE_ONCE(*stamp, now);
}

void sg_handoff_note_syn(struct sg_net *sn, const struct sk_buff *skb,
			 u8 family)
{
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);
	unsigned long now = jiffies;
	int f = sg_family_slot(family);

	if (!ct || nf_ct_is_template(ct))
		return;
	sg_touch(&sn->handoff_tracked[f], now);
	if (ct->status & IPS_DST_NAT)
		sg_touch(&sn->handoff_nat[f], now);
}

static bool sg_recent(const unsigned long *stamp)
{
	return time_before(jiffies, READ_ONCE(*stamp) + TCP_SYNCOOKIE_VALID);
}

/* Rewrites one 32-bit word of the TCP header, keeping the checksum. */
static void sg_tcp_word_set(struct sk_buff *skb, struct tcphdr *th,
			    __be32 *word, __be32 val)
{
	inet_proto_csum_replace4(&th->check, skb, *word, val, false);
	*word = val;
}

/* Flips the segment in @pkt between the ACK and the SYN it answers. */
static int sg_handoff_turn(struct sk_buff *skb, struct sg_pkt *pkt,
			   bool to_syn)
{
	__be32 flags, seq;
	__be16 urg;
	struct tcphdr *th;

	if (skb_ensure_writable(skb, pkt->thoff + sizeof(*th)))
		return -ENOMEM;
	th = (struct tcphdr *)(skb->data + pkt->thoff);
	pkt->th = th;

	flags = tcp_flag_word(th);
	if (to_syn) {
		flags = (flags & ~TCP_FLAG_ACK) | TCP_FLAG_SYN |
			SG_HANDOFF_MARK;
		seq = htonl(ntohl(th->seq) - 1);
		urg = sg_handoff_tag(th, ntohl(th->seq));
	} else {
		flags = (flags & ~(TCP_FLAG_SYN | SG_HANDOFF_MARK)) |
			TCP_FLAG_ACK;
		seq = htonl(ntohl(th->seq) + 1);
		urg = 0;
	}
	sg_tcp_word_set(skb, th, &tcp_flag_word(th), flags);
	sg_tcp_word_set(skb, th, &th->seq, seq);
	inet_proto_csum_replace2(&th->check, skb, th->urg_ptr, urg, false);
	th->urg_ptr = urg;
	return 0;
}

bool sg_handoff_turned(const struct tcphdr *th)
{
	if ((tcp_flag_word(th) & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_URG |
				  SG_HANDOFF_MARK)) !=
	    (TCP_FLAG_SYN | SG_HANDOFF_MARK))
		return false;
	return th->urg_ptr == sg_handoff_tag(th, ntohl(th->seq) + 1);
}

int sg_handoff_unturn(struct sk_buff *skb, struct sg_pkt *pkt)
{
	return sg_handoff_turn(skb, pkt, false);
}

/*
 * A bare ACK that may carry a cookie synguard sent for a tracked SYN,
 * with no entry in conntrack: the ACK of a cookie handshake.
 */
static unsigned int sg_handoff_ack(struct sg_net *sn, struct sk_buff *skb,
				   struct sg_pkt *pkt)
{
	const struct tcphdr *th = pkt->th;
	struct nf_conntrack_tuple_hash *h;
	const struct nf_conntrack_zone *zone;
	struct nf_conntrack_zone tmp;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *tmpl;
	struct sock *lsk;

	if ((tcp_flag_word(th) & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST |
				  TCP_FLAG_FIN | TCP_FLAG_URG |
				  SG_HANDOFF_MARK)) != TCP_FLAG_ACK ||
	    th->urg_ptr || skb->len != pkt->thoff + th->doff * 4)
		return NF_ACCEPT;

	/*
	 * Untracked, seen already (loopback), or a gateway cookie's ACK
	 * (gateway.c gives it nf_synproxy_core's template before raw).
	 */
	tmpl = nf_ct_get(skb, &ctinfo);
	if (tmpl ? !nf_ct_is_template(tmpl) || sg_ct_synproxy(tmpl) :
		   ctinfo == IP_CT_UNTRACKED)
		return NF_ACCEPT;

	zone = sg_ct_zone_tmpl(tmpl, skb, &tmp);
	h = sg_ct_find(sn->net, zone, pkt);
	if (h) {
		sg_ct_put(nf_ct_tuplehash_to_ctrack(h));
		return NF_ACCEPT;
	}

	if (!sg_handoff_nat_armed(sn, pkt->t.family)) {
		lsk = sg_lookup_listener(sn->net, pkt);
		if (!lsk || !sg_cookie_ack_valid(skb, pkt))
			return NF_ACCEPT;
	}
	sg_handoff_turn(skb, pkt, true);
	return NF_ACCEPT;
}

/* Whether cookies for tracked SYNs of @family may still come back. */
bool sg_handoff_armed(struct sg_net *sn, u8 family)
{
	return sg_recent(&sn->handoff_tracked[sg_family_slot(family)]);
}

/* ...and whether some were DNATed: their ACKs may be forwarded. */
bool sg_handoff_nat_armed(struct sg_net *sn, u8 family)
{
	return sg_recent(&sn->handoff_nat[sg_family_slot(family)]);
}

unsigned int sg_handoff_ipv4_in(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct sg_net *sn = sg_net(state->net);
	struct sg_pkt pkt;

	if (READ_ONCE(sn->cfg.mode) == SYNGUARD_MODE_OFF ||
	    !sg_handoff_armed(sn, AF_INET) || sg_pkt_v4(skb, &pkt))
		return NF_ACCEPT;
	return sg_handoff_ack(sn, skb, &pkt);
}

unsigned int sg_handoff_ipv6_in(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct sg_net *sn = sg_net(state->net);
	struct sg_pkt pkt;

	if (READ_ONCE(sn->cfg.mode) == SYNGUARD_MODE_OFF ||
	    !sg_handoff_armed(sn, AF_INET6) || sg_pkt_v6(skb, &pkt))
		return NF_ACCEPT;
	return sg_handoff_ack(sn, skb, &pkt);
}

/*
 * The entry the turned ACK in @skb made, as the SYN, the SYN-ACK and
 * this ACK would have left it. Not confirmed yet: nobody else sees it.
 */
void sg_handoff_established(struct sk_buff *skb, const struct sg_pkt *pkt)
{
	const struct tcphdr *th = pkt->th;
	enum ip_conntrack_info ctinfo;
	struct ip_ct_tcp_state *c, *s;
	unsigned int *timeouts;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || nf_ct_is_template(ct) || nf_ct_is_confirmed(ct) ||
	    nf_ct_protonum(ct) != IPPROTO_TCP)
		return;

	memset(&ct->proto.tcp, 0, sizeof(ct->proto.tcp));
	c = &ct->proto.tcp.seen[IP_CT_DIR_ORIGINAL];
	s = &ct->proto.tcp.seen[IP_CT_DIR_REPLY];
	c->td_end = ntohl(th->seq);
	c->td_maxwin = max_t(u32, ntohs(th->window), 1);
	c->td_maxend = c->td_end + c->td_maxwin;
	s->td_end = ntohl(th->ack_seq);
	s->td_maxwin = 1;
	s->td_maxend = s->td_end + c->td_maxwin;
	c->flags = IP_CT_TCP_FLAG_SACK_PERM | IP_CT_TCP_FLAG_BE_LIBERAL;
	s->flags = c->flags;
	ct->proto.tcp.state = TCP_CONNTRACK_ESTABLISHED;
	ct->proto.tcp.last_dir = IP_CT_DIR_ORIGINAL;
	ct->proto.tcp.last_seq = ntohl(th->seq);
	ct->proto.tcp.last_ack = ntohl(th->ack_seq);
	ct->proto.tcp.last_end = ntohl(th->seq);
	ct->proto.tcp.last_win = ntohs(th->window);

	timeouts = sg_ct_timeouts(ct);
	if (!timeouts)
		timeouts = nf_tcp_pernet(nf_ct_net(ct))->timeouts;
	/* Relative until confirmed (__nf_conntrack_confirm() adds now). */
	WRITE_ONCE(ct->timeout, timeouts[TCP_CONNTRACK_ESTABLISHED]);
	set_bit(IPS_SEEN_REPLY_BIT, &ct->status);
	set_bit(IPS_ASSURED_BIT, &ct->status);
}

/*
 * The entry the SYN-ACK made of the SYN in @skb carries, with a
 * reference: the SYN's own, unconfirmed, which the SYN-ACK carries as
 * the reply (never confirmed so), for the output ruleset and routing to
 * see the connection's marks as they see them on the kernel's SYN-ACK.
 * NULL, for an untracked reply, when the SYN has no entry of its own
 * or one confirmed already (a copy of it went to the kernel before).
 */
struct nf_conn *sg_handoff_synack_ct(const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	if (!ct || nf_ct_is_template(ct) || nf_ct_is_confirmed(ct))
		return NULL;
	nf_conntrack_get(&ct->ct_general);
	return ct;
}

/* The turned ACK in @skb goes on as the ACK, without its entry. */
void sg_handoff_abandon(struct sk_buff *skb)
{
	nf_reset_ct(skb);
}

/*
 * At FORWARD: a turned ACK that nat sent to another host is not ours;
 * it goes on as it came. Returns true when @pkt was one.
 */
bool sg_handoff_forwarded(struct sk_buff *skb, struct sg_pkt *pkt)
{
	if (!sg_handoff_turned(pkt->th))
		return false;
	if (!sg_handoff_unturn(skb, pkt))
		sg_handoff_abandon(skb);
	return true;
}
