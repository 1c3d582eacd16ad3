/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_HANDOFF_H
#define _SG_HANDOFF_H

#include <linux/netfilter.h>
#include <net/netfilter/nf_conntrack_tuple.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "hook.h"
#include "synguard.h"

void sg_handoff_init(void);
void sg_handoff_note_syn(struct sg_net *sn, const struct sk_buff *skb,
			 u8 family);
bool sg_handoff_armed(struct sg_net *sn, u8 family);
bool sg_handoff_nat_armed(struct sg_net *sn, u8 family);
bool sg_handoff_turned(const struct tcphdr *th);
int sg_handoff_unturn(struct sk_buff *skb, struct sg_pkt *pkt);
void sg_handoff_established(struct sk_buff *skb, const struct sg_pkt *pkt);
struct nf_conn *sg_handoff_synack_ct(const struct sk_buff *skb);
void sg_handoff_abandon(struct sk_buff *skb);
bool sg_handoff_forwarded(struct sk_buff *skb, struct sg_pkt *pkt);

unsigned int sg_handoff_ipv4_in(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state);
unsigned int sg_handoff_ipv6_in(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state);

#endif /* _SG_HANDOFF_H */
