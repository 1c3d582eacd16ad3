/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_STATS_H
#define _SG_STATS_H

#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/synguard.h>
#include <linux/types.h>
#include <asm/byteorder.h>

/*
 * The one list of counters. sysfs, netlink and the documentation all
 * take their names from here, so they cannot drift apart.
 */
#define SG_STATS(X)						\
	X(SYN_RECEIVED,		syn_received)			\
	X(SYN_PASSED,		syn_passed)			\
	X(SYN_LEFT_TO_KERNEL,	syn_left_to_kernel)		\
	X(COOKIES_SENT,		cookies_sent)			\
	X(COOKIES_VALIDATED,	cookies_validated)		\
	X(COOKIES_REJECTED,	cookies_rejected)		\
	X(ACKS_UNMATCHED,	acks_unmatched)			\
	X(HALFOPEN_ADDED,	halfopen_added)			\
	X(HALFOPEN_COMPLETED,	halfopen_completed)		\
	X(HANDSHAKE_MS,		handshake_ms)			\
	X(HALFOPEN_RESET,	halfopen_reset)			\
	X(HALFOPEN_EXPIRED,	halfopen_expired)		\
	X(TABLE_FULL,		table_full)			\
	X(SOURCE_LIMIT_HITS,	source_limit_hits)		\
	X(LISTENER_FULL,	listener_full)			\
	X(COOKIE_MODE_ENTRIES,	cookie_mode_entries)		\
	X(COOKIE_MODE_EXITS,	cookie_mode_exits)		\
	X(SYNCOOKIES_DISABLED,	syncookies_disabled)		\
	X(BAD_CHECKSUM,		bad_checksum)			\
	X(SYNACK_UNROUTABLE,	synack_unroutable)		\
	X(SYNACK_NOMEM,		synack_nomem)			\
	X(GATEWAY_COOKIES,	gateway_cookies)		\
	X(GATEWAY_OPENED,	gateway_opened)			\
	X(GATEWAY_REFUSED,	gateway_refused)		\
	X(GATEWAY_LEARNED,	gateway_learned)		\
	X(SYN_RELATED,		syn_related)			\
	X(SYN_ASSIGNED,		syn_assigned)			\
	X(GATEWAY_CT_CUSTOM,	gateway_ct_custom)		\
	X(GATEWAY_UNLISTED,	gateway_unlisted)

enum sg_stat {
#define SG_STAT_ENUM(upper, lower) SG_STAT_##upper,
	SG_STATS(SG_STAT_ENUM)
#undef SG_STAT_ENUM
	SG_STAT_MAX
};

extern const char *const sg_stat_names[SG_STAT_MAX];

/*
 * Per-CPU and per-netns. Writers are the packet path on the local CPU
 * only, in softirq context or, after an NFQUEUE verdict, in process
 * context (this_cpu_inc() is one instruction there too); readers sum
 * all CPUs without a lock and accept a slightly stale total. u64
 * increments are single instructions on the 64-bit machines this module
 * is built for.
 */
/*
 * Destination ports share SG_PORT_SLOTS slots by hash; per slot, the
 * cookies sent and validated, which the policy work compares to tell a
 * flooded port from a busy one (policy.c).
 */
#define SG_PORT_SLOTS SYNGUARD_PORT_SLOTS
#define SG_PORT_SLOTS_BITS ilog2(SG_PORT_SLOTS)

struct sg_stats {
	u64 c[SG_STAT_MAX];
	u32 port_sent[SG_PORT_SLOTS];
	u32 port_validated[SG_PORT_SLOTS];
};

static inline u32 sg_port_slot(__be16 port)
{
	return hash_32(ntohs(port), SG_PORT_SLOTS_BITS);
}

#define sg_stat_inc(sn, idx) this_cpu_inc((sn)->stats->c[SG_STAT_##idx])
#define sg_stat_add(sn, idx, n) \
	this_cpu_add((sn)->stats->c[SG_STAT_##idx], (n))

#endif /* _SG_STATS_H */
