/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_FILTER_H
#define _SG_FILTER_H

#include <linux/types.h>

#include "synguard.h"
#include "halfopen.h"

#define SG_MAX_PORT_RANGES	32
#define SG_MAX_ALLOW		256

struct sg_port_range {
	u16 min;
	u16 max;
};

/* A source prefix; host bits of @addr are zero. */
struct sg_prefix {
	__be32 addr[4];
	u16 family;
	u8 len;
};

void sg_filter_destroy(struct sg_net *sn);

bool sg_port_protected(const struct sg_net *sn, __be16 dport);
bool sg_source_allowed(const struct sg_net *sn, const struct sg_tuple *t);

/*
 * Writers, under sn->lock. Each applies all of @n items or none; on
 * failure *@bad is the index of the item at fault.
 */
int sg_ports_change(struct sg_net *sn, const struct sg_port_range *r,
		    unsigned int n, bool add, unsigned int *bad);
int sg_allow_change(struct sg_net *sn, const struct sg_prefix *p,
		    unsigned int n, bool add, unsigned int *bad);

/* Copy out the current lists, under sn->lock; return the count. */
unsigned int sg_ports_get(struct sg_net *sn, struct sg_port_range *r);
unsigned int sg_allow_get(struct sg_net *sn, struct sg_prefix *p);

bool sg_prefix_valid(const struct sg_prefix *p);

#endif /* _SG_FILTER_H */
