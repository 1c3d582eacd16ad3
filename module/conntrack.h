/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_CONNTRACK_H
#define _SG_CONNTRACK_H

#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_extend.h>
#include <net/netfilter/nf_conntrack_synproxy.h>
#include <net/netfilter/nf_conntrack_timeout.h>
#include <net/netfilter/nf_conntrack_zones.h>

struct sg_pkt;

int sg_conntrack_init(void);
void sg_conntrack_exit(void);

extern const struct nf_conntrack_zone sg_ct_zone_dflt;

const struct nf_conntrack_zone *
sg_ct_zone_tmpl(const struct nf_conn *tmpl, const struct sk_buff *skb,
		struct nf_conntrack_zone *tmp);
struct nf_conntrack_tuple_hash *
sg_ct_find(struct net *net, const struct nf_conntrack_zone *zone,
	   const struct sg_pkt *pkt);

/*
 * The header's inline helpers below, each without the call into
 * nf_conntrack that would link synguard to it (conntrack.c).
 */

/*
 * nf_ct_ext_find(). On 6.1 the kernel's also hides the extensions of an
 * unconfirmed entry made before a module with extensions went away
 * (ext->gen_id): only nf_conntrack can tell, and it does not export how.
 * Such an entry's packet is dropped when conntrack confirms it, and the
 * module's data stays until every RCU reader, this hook's caller
 * included, is done (nf_ct_iterate_destroy()): reading it here is safe.
 */
static inline void *sg_ct_ext_find(const struct nf_conn *ct, u8 id)
{
	struct nf_ct_ext *ext = ct->ext;

	if (!ext || !__nf_ct_ext_exist(ext, id))
		return NULL;
	return (void *)ext + ext->offset[id];
}

/* nfct_synproxy() */
static inline struct nf_conn_synproxy *sg_ct_synproxy(const struct nf_conn *ct)
{
#if IS_ENABLED(CONFIG_NETFILTER_SYNPROXY)
	return sg_ct_ext_find(ct, NF_CT_EXT_SYNPROXY);
#else
	return NULL;
#endif
}

/* nf_ct_timeout_lookup() */
static inline unsigned int *sg_ct_timeouts(const struct nf_conn *ct)
{
#ifdef CONFIG_NF_CONNTRACK_TIMEOUT
	struct nf_conn_timeout *t = sg_ct_ext_find(ct, NF_CT_EXT_TIMEOUT);

	if (t && rcu_access_pointer(t->timeout))
		return nf_ct_timeout_data(t);
#endif
	return NULL;
}

/* nf_ct_put(), through the core's nf_conntrack_destroy() */
static inline void sg_ct_put(struct nf_conn *ct)
{
	nf_conntrack_put(&ct->ct_general);
}

#endif /* _SG_CONNTRACK_H */
