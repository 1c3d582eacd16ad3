/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_COOKIE_H
#define _SG_COOKIE_H

#include "hook.h"

void sg_cookie_init(void);
unsigned int sg_cookie_synack(struct sg_net *sn, struct sk_buff *skb,
			      const struct sg_pkt *pkt, struct sock *lsk);
bool sg_cookie_ack_valid(struct sk_buff *skb, const struct sg_pkt *pkt);

struct sg_backend_opts;
unsigned int sg_cookie_gateway(struct sg_net *sn, struct sk_buff *skb,
			       const struct sg_pkt *pkt,
			       const struct sg_backend_opts *be, bool refuse);
int sg_cookie_gateway_open(struct sk_buff *skb, const struct sg_pkt *pkt,
			   bool probe);

#endif /* _SG_COOKIE_H */
