/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_GATEWAY_H
#define _SG_GATEWAY_H

#include <linux/netfilter.h>

#include "backend.h"
#include "synguard.h"

/* sg_net.gw_state: how far gateway mode has come in a namespace. */
enum {
	SG_GW_IDLE,		/* no SYN to a published service seen yet */
	SG_GW_STARTING,		/* gw_work queued to set it up */
	SG_GW_ACTIVE,		/* its hooks and nf_synproxy_core's are in */
	SG_GW_FAILED,		/* could not be set up: SYNs pass */
};

unsigned int sg_gateway_ipv4_forward(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state);
unsigned int sg_gateway_ipv6_forward(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state);

void sg_gateway_init_net(struct sg_net *sn);
void sg_gateway_pre_exit_net(struct sg_net *sn);
void sg_gateway_exit_net(struct sg_net *sn);
int sg_gateway_resize(struct sg_net *sn, u32 slots);
u32 sg_gateway_destinations(struct sg_net *sn);
int sg_gateway_walk(struct sg_net *sn, u32 *pos,
		    int (*fn)(void *arg, const struct sg_backend_view *v),
		    void *arg);
void sg_gateway_exit(void);

#endif /* _SG_GATEWAY_H */
