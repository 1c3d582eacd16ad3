/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_SYNGUARD_H
#define _SG_SYNGUARD_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/synguard.h>

#include "backend.h"
#include "backlog.h"
#include "stats.h"

struct mem_cgroup;
struct sg_backends;
struct sg_halfopen;
struct sg_ports;
struct sg_list;
struct sg_port_cpu;
struct sg_portstat;

/*
 * Settings of one network namespace. The packet path reads each field
 * with READ_ONCE() and never takes a lock; writers hold sg_net.lock and
 * validate a whole new configuration before publishing any field of it.
 */
struct sg_config {
	u32 mode;		/* enum synguard_mode */
	u32 halfopen_high;	/* tracked half-opens that start cookie mode */
	u32 halfopen_low;	/* ...and the count it must fall below to end */
	u32 syn_rate_low;	/* SYNs/s under which cookie mode may end */
	u32 cooldown;		/* calm seconds before cookie mode ends */
	u32 halfopen_timeout;	/* ms before an unanswered SYN is forgotten */
	u32 table_size;		/* half-open slots */
	u32 source_limit;	/* half-opens one source prefix may hold */
	u8 prefix4;		/* source prefix length, IPv4 */
	u8 prefix6;		/* source prefix length, IPv6 */
	u8 gateway;		/* answer for forwarded SYNs (gateway.c) */
	u32 gateway_table;	/* gateway destinations (backend.c) */
};

/* Per network namespace state, allocated by the pernet core. */
struct sg_net {
	struct net *net;
	struct sg_config cfg;
	struct sg_stats __percpu *stats;
	/* Per destination port (portstat.c): made at init, never replaced. */
	struct sg_port_cpu __percpu *port_hits;
	struct sg_portstat *portstat;

	/*
	 * The table is replaced (resize) under @lock and freed after an RCU
	 * grace period; the packet path runs inside the RCU read section
	 * netfilter holds around every hook.
	 */
	struct sg_halfopen __rcu *table;

	/*
	 * Protected ports, allowlisted sources and the destinations gateway
	 * mode protects without DNAT (filter.c): immutable arrays replaced
	 * under @lock and freed after a grace period; NULL means every port
	 * is protected, no source is allowed and no such destination named.
	 * The forward list's interfaces are with the gateway's state below.
	 */
	struct sg_ports __rcu *ports;
	struct sg_list __rcu *allow;
	struct sg_list __rcu *forward;

	/*
	 * Cookie mode. Set from the packet path the moment the evidence is
	 * there, with the reason; cleared only by the policy work. All with
	 * WRITE_ONCE(). halfopen_expected is written by the policy work and
	 * read by every tracked SYN.
	 */
	bool under_attack;
	u8 reason;			/* enum synguard_reason */
	u32 halfopen_expected;		/* see policy.c */
	u32 port_gen;			/* the second, for portstat.c */
	/*
	 * Port slots (sg_port_slot()) exempt from cookie mode because
	 * their cookies come back: set by the policy work, cleared by it
	 * and by the packet path when the evidence returns.
	 */
	unsigned long ports_calm;

	/* Written at most once a jiffy by the CPUs sending cookies. */
	unsigned long last_cookie ____cacheline_aligned_in_smp;
	/*
	 * ...for forwarded SYNs: at most once a second, so a cookie is out
	 * until SG_GW_COOKIE_OUT after it (TCP_SYNCOOKIE_VALID, net/tcp.h).
	 */
	unsigned long last_gw_cookie;
#define SG_GW_COOKIE_OUT	(TCP_SYNCOOKIE_VALID + HZ)
	unsigned long handoff_tracked[2];	/* ...for tracked SYNs, v4, v6 */
	unsigned long handoff_nat[2];	/* ...for DNATed ones (handoff.c) */

	/*
	 * What the packet path saw for the policy work to send as events
	 * (policy.c), each written at most once a second: table_full_seen
	 * when a SYN found the table full, limited_* one source prefix at
	 * its limit, claimed by moving limited_state from SG_LIMITED_FREE
	 * with cmpxchg and handed over with a release store of
	 * SG_LIMITED_READY; the work frees it once sent.
	 */
	bool table_full_seen;
	u8 limited_family;
	atomic_t limited_state;
	__be32 limited_saddr[4];

	/* Ports whose full listeners get cookies from us (backlog.c). */
	struct sg_backlog backlog;

	/*
	 * SYNs to gateway destinations not learned yet that may still pass
	 * this second (backend.c): refilled by the policy work, taken by
	 * the packet path, so that a flood aimed at many destinations
	 * cannot pass one SYN to each.
	 */
	atomic_t gw_learn_budget;
#define SG_GW_LEARN_PER_SEC 16

	/*
	 * Gateway mode's set-up (gateway.c): gw_state goes from SG_GW_IDLE
	 * to SG_GW_STARTING by cmpxchg on the packet path, which queues
	 * gw_work; the work stores SG_GW_ACTIVE or SG_GW_FAILED with
	 * release semantics once the hooks are in, or could not be.
	 */
	atomic_t gw_state;
	struct work_struct gw_work;

	/*
	 * Gateway destinations (backend.c): made by gw_work, replaced
	 * (resize) under @lock and freed after a grace period, charged to
	 * @memcg, the memory cgroup of the task that made the namespace
	 * (referenced from init to exit).
	 */
	struct sg_backends __rcu *backends;
	struct mem_cgroup *memcg;
	/*
	 * What backends answered while gateway mode was starting, before
	 * @backends was made: the first connection's SYN-ACK, above all.
	 * Under gw_early_lock, which gw_work holds to publish @backends and
	 * learn them.
	 */
	spinlock_t gw_early_lock;
	u8 gw_early_n;
	struct sg_backend_sample gw_early[4];
	/*
	 * The forward list's inbound interfaces, as @forward (filter.c):
	 * read only for forwarded segments not DNATed, so kept here, off
	 * the lines every SYN reads.
	 */
	struct sg_list __rcu *forward_dev;

	/*
	 * Owned by the policy work, which runs once a second, or once every
	 * SG_POLICY_IDLE_PERIOD in a namespace quiet for SG_POLICY_QUIET
	 * runs. policy_idle says it is quiet: set by the work, taken back
	 * with atomic_xchg() by the first SYN, which brings the work
	 * forward (sg_policy_kick()).
	 */
	struct delayed_work policy_work ____cacheline_aligned_in_smp;
	atomic_t policy_idle;
	u32 quiet_runs;
	u64 last[SG_STAT_MAX];		/* the counters a second ago */
	u32 last_port_sent[SG_PORT_SLOTS];
	u32 last_port_validated[SG_PORT_SLOTS];
	u32 legit_x16;			/* legitimate half-opens, x16 */
	u32 syn_rate;			/* SYNs last second (shown) */
	u32 unanswered_rate;		/* cookies not validated (shown) */
	u32 calm_seconds;
	u32 expire_cursor;		/* sg_halfopen_expire() resumes here */
	bool attack_reported;		/* the entered event went out */
	bool attack_logged;		/* ...and its log line: so does the left */
	unsigned long attack_since;	/* jiffies */
	u64 attack_sent;		/* cookies_sent when it began */
	u64 attack_validated;		/* cookies_validated when it began */

	struct mutex lock;		/* config writers, table and filter swaps */
	struct list_head list;		/* on sg_nets, under sg_nets_lock */
};

extern unsigned int sg_net_id;

static inline struct sg_net *sg_net(const struct net *net)
{
	return net_generic(net, sg_net_id);
}

/* Every live namespace's state; sysfs sums over it. */
extern struct list_head sg_nets;
extern struct mutex sg_nets_lock;

u64 sg_stat_sum(const struct sg_net *sn, enum sg_stat idx);
u64 sg_stat_total(enum sg_stat idx);

#endif /* _SG_SYNGUARD_H */
