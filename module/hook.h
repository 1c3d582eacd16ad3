/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_HOOK_H
#define _SG_HOOK_H

#include <linux/skbuff.h>
#include <linux/tcp.h>

#include "halfopen.h"

/*
 * A TCP segment classified at LOCAL_IN, as TCP will see it: after DNAT
 * or REDIRECT; or, in gateway mode, as the client addressed it.
 * th points into the linear data.
 */
struct sg_pkt {
	struct sg_tuple t;
	struct tcphdr *th;
	unsigned int thoff;	/* offset of the TCP header from skb->data */
	int dif;		/* the ifindex and l3mdev slave ifindex the */
	int sdif;		/* kernel's socket lookups use */
};

int sg_pkt_v4(struct sk_buff *skb, struct sg_pkt *pkt);
int sg_pkt_v6(struct sk_buff *skb, struct sg_pkt *pkt);
bool sg_checksum_bad(struct sk_buff *skb, const struct sg_pkt *pkt,
		     unsigned int hook);
struct sock *sg_lookup_listener(struct net *net, const struct sg_pkt *pkt);
void sg_rst(struct sg_net *sn, const struct sg_tuple *t, u32 mode);
bool sg_syn_related(const struct sk_buff *skb);
bool sg_syn_wants_cookie(struct sg_net *sn, const struct sg_pkt *pkt,
			 const struct sock *lsk, u32 mode);

int sg_hook_register(struct net *net);
void sg_hook_unregister(struct net *net);

#endif /* _SG_HOOK_H */
