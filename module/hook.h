/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_HOOK_H
#define _SG_HOOK_H

#include <linux/skbuff.h>
#include <linux/tcp.h>

#include "halfopen.h"

/* A TCP segment classified at PREROUTING; th points into the linear data. */
struct sg_pkt {
	struct sg_tuple t;
	struct tcphdr *th;
	unsigned int thoff;	/* offset of the TCP header from skb->data */
	int iif;		/* ingress ifindex */
};

int sg_hook_register(struct net *net);
void sg_hook_unregister(struct net *net);

#endif /* _SG_HOOK_H */
