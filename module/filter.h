/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_FILTER_H
#define _SG_FILTER_H

#include <linux/types.h>

#include "synguard.h"
#include "halfopen.h"

#define SG_MAX_PORT_RANGES	32
#define SG_MAX_PREFIXES		256	/* in each list of prefixes */

struct sg_port_range {
	u16 min;
	u16 max;
};

/* A prefix of one of the lists; host bits of @addr are zero. */
struct sg_prefix {
	__be32 addr[4];
	u16 family;
	u8 len;
};

/* The lists of prefixes, each at most SG_MAX_PREFIXES long. */
enum sg_plist {
	SG_PLIST_ALLOW,		/* sources never answered nor limited */
	SG_PLIST_FORWARD,	/* forwarded destinations gateway mode protects */
};

void sg_filter_destroy(struct sg_net *sn);

bool sg_port_protected(const struct sg_net *sn, __be16 dport);
bool sg_source_allowed(const struct sg_net *sn, const struct sg_tuple *t);
/*
 * Whether @t's destination is inside a prefix of the forward list: a
 * forwarded SYN not DNATed that gateway mode answers for all the same.
 */
bool sg_forward_protected(const struct sg_net *sn, const struct sg_tuple *t);

/*
 * Writers, under sn->lock. Each applies all of @n items or none; on
 * failure *@bad is the index of the item at fault.
 */
int sg_ports_change(struct sg_net *sn, const struct sg_port_range *r,
		    unsigned int n, bool add, unsigned int *bad);
int sg_plist_change(struct sg_net *sn, enum sg_plist list,
		    const struct sg_prefix *p, unsigned int n, bool add,
		    unsigned int *bad);

/* Copy out the current lists, under sn->lock; return the count. */
unsigned int sg_ports_get(struct sg_net *sn, struct sg_port_range *r);
unsigned int sg_plist_get(struct sg_net *sn, enum sg_plist list,
			  struct sg_prefix *p);

bool sg_prefix_valid(const struct sg_prefix *p);
/* Clears the bits of @addr past its first @plen. */
void sg_addr_mask(__be32 *addr, unsigned int plen);

#endif /* _SG_FILTER_H */
