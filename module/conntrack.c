// SPDX-License-Identifier: GPL-2.0
/*
 * nf_conntrack, found at load rather than linked. A module linked
 * against nf_conntrack (or nf_synproxy_core, gateway.c) cannot be
 * insmod'ed on a server that has not loaded it yet, one without a
 * firewall say: the loader refuses its unknown symbols before its init
 * could load them. The few functions of nf_conntrack synguard calls are
 * resolved here with symbol_get(), after request_module(), and held
 * (which pins nf_conntrack) until synguard is unloaded. Loading
 * nf_conntrack tracks nothing by itself: it registers its hooks in a
 * namespace only when a ruleset there asks for them.
 *
 * Everything else synguard uses of conntrack is inline in the kernel's
 * headers, or in the kernel proper; conntrack.h replaces the inline
 * helpers that call into the module.
 */

#include <linux/kmod.h>
#include <linux/module.h>
#include <net/netfilter/nf_conntrack_core.h>

#include "conntrack.h"
#include "hook.h"

/* Written once by sg_conntrack_init(), before any hook is registered. */
static typeof(nf_conntrack_find_get) *sg_ct_find_get __read_mostly;

const struct nf_conntrack_zone sg_ct_zone_dflt = {
	.id = NF_CT_DEFAULT_ZONE_ID,
	.dir = NF_CT_DEFAULT_ZONE_DIR,
};

void sg_conntrack_exit(void)
{
	if (sg_ct_find_get)
		symbol_put(nf_conntrack_find_get);
}

int __init sg_conntrack_init(void)
{
	/* Fails only where it is built in, or missing. */
	request_module("nf_conntrack");
	sg_ct_find_get = symbol_get(nf_conntrack_find_get);
	if (sg_ct_find_get)
		return 0;
	pr_err("needs nf_conntrack, which cannot be loaded\n");
	return -ENOENT;
}

/*
 * nf_ct_zone_tmpl(): the zone of a segment that raw gave @tmpl (or
 * none), without the kernel's default zone, which is nf_conntrack's.
 */
const struct nf_conntrack_zone *
sg_ct_zone_tmpl(const struct nf_conn *tmpl, const struct sk_buff *skb,
		struct nf_conntrack_zone *tmp)
{
	if (!tmpl)
		return &sg_ct_zone_dflt;
	if (tmpl->zone.flags & NF_CT_FLAG_MARK)
		return nf_ct_zone_init(tmp, skb->mark, tmpl->zone.dir, 0);
	return nf_ct_zone(tmpl);
}

/*
 * The entry conntrack holds for the segment in @pkt, in @zone, before
 * conntrack has seen the segment; with a reference, or NULL.
 */
struct nf_conntrack_tuple_hash *
sg_ct_find(struct net *net, const struct nf_conntrack_zone *zone,
	   const struct sg_pkt *pkt)
{
	struct nf_conntrack_tuple tuple = {};

	tuple.src.l3num = pkt->t.family;
	memcpy(tuple.src.u3.all, pkt->t.saddr, sizeof(tuple.src.u3.all));
	memcpy(tuple.dst.u3.all, pkt->t.daddr, sizeof(tuple.dst.u3.all));
	tuple.src.u.tcp.port = pkt->t.sport;
	tuple.dst.u.tcp.port = pkt->t.dport;
	tuple.dst.protonum = IPPROTO_TCP;
	tuple.dst.dir = IP_CT_DIR_ORIGINAL;
	return sg_ct_find_get(net, zone, &tuple);
}
