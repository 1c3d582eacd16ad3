/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_BACKLOG_H
#define _SG_BACKLOG_H

#include <linux/cache.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct sg_net;
struct sock;

/* Ports with a full listener told of at once, per namespace. */
#define SG_BACKLOG_PORTS	16

/*
 * The ports whose full listeners synguard answers for (backlog.c), a
 * slot each, keyed by family << 16 | port (never 0: 0 is a free slot).
 * The keys are read by every SYN to a full listener and written only
 * when a slot is claimed or freed; @last is written by those SYNs at
 * most once a jiffy a port: apart, so that the writes do not evict the
 * keys every CPU reads.
 */
struct sg_backlog {
	u32 key[SG_BACKLOG_PORTS] ____cacheline_aligned_in_smp;
	unsigned long last[SG_BACKLOG_PORTS] ____cacheline_aligned_in_smp;

	/* Claims and frees of a slot, and @since, under @lock. */
	spinlock_t lock ____cacheline_aligned_in_smp;
	unsigned long since[SG_BACKLOG_PORTS];	/* its first cookie, jiffies */
	unsigned long told;	/* slots whose start went out: the work's */
};

void sg_backlog_init(struct sg_net *sn);

/* From the packet path: a cookie for @lsk, whose SYN queue is full. */
void sg_backlog_full(struct sg_net *sn, const struct sock *lsk, u8 family);

/* From the policy work, once a second: the events. */
void sg_backlog_second(struct sg_net *sn);
bool sg_backlog_idle(struct sg_net *sn);

#endif /* _SG_BACKLOG_H */
