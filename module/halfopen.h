/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_HALFOPEN_H
#define _SG_HALFOPEN_H

#include <linux/in6.h>
#include <linux/types.h>

#include "synguard.h"

#define SG_MIN_TABLE_SIZE	64U
#define SG_MAX_TABLE_SIZE	1048576U
#define SG_DEFAULT_TABLE_SIZE	4096U

/*
 * A connection as seen from the client: source is the remote peer.
 * IPv4 addresses sit in the first word; the rest stays zero. Aligned
 * for siphash().
 */
struct sg_tuple {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	u8 family;
	u8 pad[3];
} __aligned(8);

enum sg_ho_result {
	SG_HO_ADDED,		/* tracked as a new half-open */
	SG_HO_REFRESHED,	/* a retransmitted SYN we already track */
	SG_HO_FULL,		/* no free slot for it */
	SG_HO_SOURCE_LIMIT,	/* its source prefix holds too many */
};

int sg_table_size_check(u32 size);
int sg_halfopen_init(struct sg_net *sn);
void sg_halfopen_destroy(struct sg_net *sn);
int sg_halfopen_resize(struct sg_net *sn, u32 size);

enum sg_ho_result sg_halfopen_add(struct sg_net *sn,
				  const struct sg_tuple *t, u32 isn);
bool sg_halfopen_complete(struct sg_net *sn, const struct sg_tuple *t,
			  u32 seq, u32 *ms);
bool sg_halfopen_reset(struct sg_net *sn, const struct sg_tuple *t);
unsigned int sg_halfopen_expire(struct sg_net *sn, u32 *cursor);
u32 sg_halfopen_count(struct sg_net *sn);
bool sg_halfopen_count_reaches(struct sg_net *sn, u32 n);

/* A copy of one tracked entry, for the netlink dumps. */
struct sg_ho_view {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	u32 isn;
	u32 age_ms;		/* since the SYN was seen */
	u8 family;
};

u32 sg_halfopen_slots(struct sg_net *sn);
int sg_halfopen_walk(struct sg_net *sn, u32 *pos,
		     int (*fn)(void *arg, const struct sg_ho_view *v),
		     void *arg);

#endif /* _SG_HALFOPEN_H */
