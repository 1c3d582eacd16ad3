/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_NETLINK_H
#define _SG_NETLINK_H

#include <net/genetlink.h>

struct sg_prefix;
struct sg_port_view;

/* The family, and its multicast groups by index: events.c sends on them. */
extern struct genl_family sg_genl_family;

enum {
	SG_MCGRP_EVENTS,
};

/* Nests the replies and the events share. */
int sg_put_prefix(struct sk_buff *skb, int type, const struct sg_prefix *p,
		  const u32 *count);
int sg_put_port(struct sk_buff *skb, const struct sg_port_view *v);

int sg_netlink_init(void);
void sg_netlink_exit(void);

#endif /* _SG_NETLINK_H */
