/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_COOKIE_H
#define _SG_COOKIE_H

#include "hook.h"

unsigned int sg_cookie_synack(struct sg_net *sn, struct sk_buff *skb,
			      const struct sg_pkt *pkt, struct sock *lsk);
bool sg_cookie_ack_valid(struct sk_buff *skb, const struct sg_pkt *pkt);

#endif /* _SG_COOKIE_H */
