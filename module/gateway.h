/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_GATEWAY_H
#define _SG_GATEWAY_H

#include <linux/netfilter.h>

unsigned int sg_gateway_ipv4_forward(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state);
unsigned int sg_gateway_ipv6_forward(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state);
unsigned int sg_gateway_ipv4_ack(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state);
unsigned int sg_gateway_ipv6_ack(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state);

unsigned int sg_gateway_ipv4_out(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state);
unsigned int sg_gateway_ipv6_out(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state);

int sg_gateway_init_net(struct net *net);
void sg_gateway_exit_net(struct net *net);

#endif /* _SG_GATEWAY_H */
