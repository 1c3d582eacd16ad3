/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_POLICY_H
#define _SG_POLICY_H

#include "synguard.h"
#include "halfopen.h"

void sg_config_defaults(struct sg_config *cfg);
void sg_policy_init(struct sg_net *sn);
void sg_policy_stop(struct sg_net *sn);
void sg_policy_enter(struct sg_net *sn, u8 reason);
void sg_policy_rearm(struct sg_net *sn);
void sg_policy_source_limited(struct sg_net *sn, const struct sg_tuple *t);

/* sg_net.limited_state */
enum {
	SG_LIMITED_FREE,
	SG_LIMITED_WRITING,
	SG_LIMITED_READY,
};

/* From the packet path: a SYN found the table full (not a collision). */
static inline void sg_policy_table_full(struct sg_net *sn)
{
	if (!READ_ONCE(sn->table_full_seen))
		WRITE_ONCE(sn->table_full_seen, true);
}

/*
 * From the packet path, for every SYN: a namespace whose work has gone
 * quiet (sg_net.policy_idle) gets it back within the second.
 */
static inline void sg_policy_kick(struct sg_net *sn)
{
	if (unlikely(atomic_read(&sn->policy_idle)) &&
	    atomic_xchg(&sn->policy_idle, 0))
		mod_delayed_work(system_power_efficient_wq, &sn->policy_work,
				 HZ);
}

static inline bool sg_under_attack(const struct sg_net *sn)
{
	return READ_ONCE(sn->under_attack);
}

/* Tracked half-opens at which cookie mode starts: see policy.c. */
static inline u32 sg_halfopen_enter(const struct sg_net *sn)
{
	return READ_ONCE(sn->cfg.halfopen_high) +
	       READ_ONCE(sn->halfopen_expected);
}

/* Whether a SYN to @port gets a cookie in cookie mode: see policy.c. */
static inline bool sg_port_flooded(const struct sg_net *sn, __be16 port)
{
	return !(READ_ONCE(sn->ports_calm) & BIT(sg_port_slot(port)));
}

int sg_mode_parse(const char *s);

#endif /* _SG_POLICY_H */
