// SPDX-License-Identifier: GPL-2.0
/*
 * Events: what the policy work tells (policy.c, and backlog.c for full
 * listeners), each as one SYNGUARD_CMD_EVENT message to the "events"
 * multicast group of the namespace it happened in. netlink.c registers
 * the family and its group; this file builds the messages and sends
 * them, in process context, only while the family is registered.
 */

#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "events.h"
#include "filter.h"
#include "netlink.h"
#include "portstat.h"

/*
 * Held while an event is sent, and while events start and stop: the
 * policy works of the namespaces still run for a moment after
 * sg_netlink_exit(), and must not multicast to a group id the family
 * gave back.
 */
static DEFINE_MUTEX(sg_event_lock);
static bool sg_event_open;	/* under sg_event_lock */

static int sg_fill_event(struct sk_buff *skb, const struct sg_event *ev)
{
	struct nlattr *nest;
	struct sg_prefix p;
	unsigned int i;

	nest = nla_nest_start(skb, SYNGUARD_A_EVENT);
	if (!nest ||
	    nla_put_u32(skb, SYNGUARD_A_EVENT_TYPE, ev->type) ||
	    (ev->type == SYNGUARD_EVENT_COOKIE_MODE_ENTERED &&
	     nla_put_u32(skb, SYNGUARD_A_EVENT_REASON, ev->reason)) ||
	    nla_put_u32(skb, SYNGUARD_A_EVENT_SYN_RATE, ev->syn_rate) ||
	    nla_put_u32(skb, SYNGUARD_A_EVENT_HALFOPEN, ev->halfopen) ||
	    ((ev->type == SYNGUARD_EVENT_COOKIE_MODE_LEFT ||
	      ev->type == SYNGUARD_EVENT_LISTENER_FULL_ENDED) &&
	     nla_put_u32(skb, SYNGUARD_A_EVENT_DURATION, ev->duration)) ||
	    ((ev->type == SYNGUARD_EVENT_TABLE_FULL ||
	      ev->type == SYNGUARD_EVENT_SOURCE_LIMIT) &&
	     nla_put_u32(skb, SYNGUARD_A_EVENT_COUNT, ev->count)) ||
	    (ev->port &&
	     (nla_put_u16(skb, SYNGUARD_A_EVENT_PORT, ev->port) ||
	      nla_put_u16(skb, SYNGUARD_A_EVENT_FAMILY, ev->family))))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	/* Where anyone may listen, the count alone (compat.h). */
	if (ev->source && sg_mcgrp_admin_only()) {
		p = *ev->source;
		sg_addr_mask(p.addr, p.len);
		if (sg_put_prefix(skb, SYNGUARD_A_SOURCE, &p, NULL))
			return -EMSGSIZE;
	}
	for (i = 0; i < ev->nports; i++)
		if (sg_put_port(skb, &ev->ports[i]))
			return -EMSGSIZE;
	return 0;
}

void sg_event_send(struct sg_net *sn, const struct sg_event *ev)
{
	struct sk_buff *skb;
	void *hdr;

	mutex_lock(&sg_event_lock);
	if (!sg_event_open ||
	    !genl_has_listeners(&sg_genl_family, sn->net, SG_MCGRP_EVENTS))
		goto out;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		goto out;
	hdr = genlmsg_put(skb, 0, 0, &sg_genl_family, 0, SYNGUARD_CMD_EVENT);
	if (!hdr || sg_fill_event(skb, ev)) {
		nlmsg_free(skb);
		goto out;
	}
	genlmsg_end(skb, hdr);
	/* -ESRCH: every listener left meanwhile. */
	genlmsg_multicast_netns(&sg_genl_family, sn->net, skb, 0,
				SG_MCGRP_EVENTS, GFP_KERNEL);
out:
	mutex_unlock(&sg_event_lock);
}

void __init sg_events_start(void)
{
	mutex_lock(&sg_event_lock);
	sg_event_open = true;
	mutex_unlock(&sg_event_lock);
}

void sg_events_stop(void)
{
	mutex_lock(&sg_event_lock);
	sg_event_open = false;
	mutex_unlock(&sg_event_lock);
}
