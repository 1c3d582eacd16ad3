/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * synguard generic netlink family. Documentation/netlink/specs/synguard.yaml
 * describes the same family; `make check` fails when the two disagree.
 *
 * Every operation acts on the network namespace of the sending socket.
 * SET_CONFIG, PORTS_ADD/DEL, ALLOW_ADD/DEL and FORWARD_ADD/DEL need
 * CAP_NET_ADMIN in the user namespace that owns it, and so do the dumps
 * that show other users' connections: GET_SOURCES (client addresses),
 * GET_HALFOPEN (4-tuples and sequence numbers) and GET_BACKENDS. The
 * rest (config, stats, the port and prefix lists, GET_PORT_STATS) is
 * open to any user: each reply is bounded in size, whatever the
 * namespace tracks. Requests are parsed strictly: an attribute an
 * operation does not list is refused.
 *
 * Events go to the multicast group SYNGUARD_MCGRP_EVENTS of the
 * namespace they happened in; joining it needs CAP_NET_ADMIN there too
 * (a source-limit event names a client). The policy work sends them, at
 * most one of each kind a second per namespace; see SYNGUARD_CMD_EVENT.
 *
 * Attribute trees, per command (type, then the request or reply it is in):
 *
 * SYNGUARD_CMD_GET_CONFIG (do)
 *   reply:
 *     SYNGUARD_A_MODE				u32 (enum synguard_mode)
 *     SYNGUARD_A_HALFOPEN_HIGH			u32
 *     SYNGUARD_A_HALFOPEN_LOW			u32
 *     SYNGUARD_A_SYN_RATE_LOW			u32
 *     SYNGUARD_A_COOLDOWN			u32 (seconds)
 *     SYNGUARD_A_HALFOPEN_TIMEOUT		u32 (milliseconds)
 *     SYNGUARD_A_TABLE_SIZE			u32
 *     SYNGUARD_A_SOURCE_LIMIT			u32
 *     SYNGUARD_A_PREFIX4			u8
 *     SYNGUARD_A_PREFIX6			u8
 *     SYNGUARD_A_GATEWAY			u8 (0 off, 1 on)
 *     SYNGUARD_A_GATEWAY_TABLE			u32 (destinations, a power of 2)
 *     SYNGUARD_A_STATE				nest
 *       SYNGUARD_A_STATE_UNDER_ATTACK		u8
 *       SYNGUARD_A_STATE_SYN_RATE		u32
 *       SYNGUARD_A_STATE_HALFOPEN_CURRENT	u32
 *       SYNGUARD_A_STATE_TCP_SYNCOOKIES	u8
 *       SYNGUARD_A_STATE_CT_TCP_LOOSE		u8 (only with nf_conntrack)
 *       SYNGUARD_A_STATE_TABLE_SLOTS		u32
 *       SYNGUARD_A_STATE_REASON		u32 (enum synguard_reason)
 *       SYNGUARD_A_STATE_HALFOPEN_EXPECTED	u32
 *       SYNGUARD_A_STATE_HALFOPEN_ENTER	u32
 *       SYNGUARD_A_STATE_UNANSWERED_RATE	u32
 *       SYNGUARD_A_STATE_PORTS_EXEMPT		u32
 *       SYNGUARD_A_STATE_BACKENDS		u32 (destinations learned)
 *
 * SYNGUARD_CMD_SET_CONFIG (do, admin)
 *   request: any of
 *     SYNGUARD_A_MODE				u32 (enum synguard_mode)
 *     SYNGUARD_A_HALFOPEN_HIGH			u32
 *     SYNGUARD_A_HALFOPEN_LOW			u32
 *     SYNGUARD_A_SYN_RATE_LOW			u32
 *     SYNGUARD_A_COOLDOWN			u32
 *     SYNGUARD_A_HALFOPEN_TIMEOUT		u32
 *     SYNGUARD_A_TABLE_SIZE			u32
 *     SYNGUARD_A_SOURCE_LIMIT			u32
 *     SYNGUARD_A_PREFIX4			u8
 *     SYNGUARD_A_PREFIX6			u8
 *     SYNGUARD_A_GATEWAY			u8
 *     SYNGUARD_A_GATEWAY_TABLE			u32 (rounded up to a power of 2)
 *
 * SYNGUARD_CMD_GET_STATS (do)
 *   reply:
 *     SYNGUARD_A_STATS				nest
 *       SYNGUARD_A_STATS_SYN_RECEIVED		u64
 *       ... one u64 per counter, named as in /sys/kernel/synguard/stats/
 *       SYNGUARD_A_STATS_HALFOPEN_CURRENT	u64
 *       SYNGUARD_A_STATS_SYN_RELATED		u64
 *       ... the counters added since
 *     SYNGUARD_A_STATE				nest (as in GET_CONFIG)
 *
 * SYNGUARD_CMD_GET_SOURCES (dump, admin), largest first; a table holding
 * more than 65536 half-opens is summarised from the first 65536 met
 *   request:
 *     SYNGUARD_A_LIMIT				u32 (optional: top N)
 *   reply, one message per source:
 *     SYNGUARD_A_SOURCE			nest
 *       SYNGUARD_A_PREFIX_FAMILY		u16 (AF_INET or AF_INET6)
 *       SYNGUARD_A_PREFIX_ADDR			binary (4 or 16 bytes)
 *       SYNGUARD_A_PREFIX_LEN			u8
 *       SYNGUARD_A_PREFIX_COUNT		u32
 *
 * SYNGUARD_CMD_GET_HALFOPEN (dump, admin)
 *   reply, one message per connection:
 *     SYNGUARD_A_HALFOPEN			nest
 *       SYNGUARD_A_HALFOPEN_FAMILY		u16
 *       SYNGUARD_A_HALFOPEN_SADDR		binary (4 or 16 bytes)
 *       SYNGUARD_A_HALFOPEN_DADDR		binary (4 or 16 bytes)
 *       SYNGUARD_A_HALFOPEN_SPORT		u16 (big endian)
 *       SYNGUARD_A_HALFOPEN_DPORT		u16 (big endian)
 *       SYNGUARD_A_HALFOPEN_ISN		u32
 *       SYNGUARD_A_HALFOPEN_AGE		u32 (milliseconds)
 *
 * SYNGUARD_CMD_GET_BACKENDS (dump, admin): gateway destinations and the
 * options learned from the SYN-ACKs of the backends behind them
 *   reply, one message per destination:
 *     SYNGUARD_A_BACKEND			nest
 *       SYNGUARD_A_BACKEND_FAMILY		u16
 *       SYNGUARD_A_BACKEND_ADDR		binary (4 or 16 bytes)
 *       SYNGUARD_A_BACKEND_PORT		u16 (big endian)
 *       SYNGUARD_A_BACKEND_MSS			u16 (0 until learned)
 *       SYNGUARD_A_BACKEND_WSCALE		u8 (absent: no window scaling)
 *       SYNGUARD_A_BACKEND_FLAGS		u32 (SYNGUARD_BACKEND_F_*)
 *       SYNGUARD_A_BACKEND_AGE			u32 (ms since last learned)
 *
 * SYNGUARD_CMD_PORTS_ADD, SYNGUARD_CMD_PORTS_DEL (do, admin)
 *   request: one or more
 *     SYNGUARD_A_PORT_RANGE			nest
 *       SYNGUARD_A_PORT_RANGE_FIRST		u16
 *       SYNGUARD_A_PORT_RANGE_LAST		u16
 *
 * SYNGUARD_CMD_PORTS_GET (do)
 *   reply: zero (every port protected) or more
 *     SYNGUARD_A_PORT_RANGE			nest (as above)
 *
 * SYNGUARD_CMD_ALLOW_ADD, SYNGUARD_CMD_ALLOW_DEL (do, admin)
 *   request: one or more
 *     SYNGUARD_A_ALLOW				nest
 *       SYNGUARD_A_PREFIX_FAMILY		u16
 *       SYNGUARD_A_PREFIX_ADDR			binary (4 or 16 bytes)
 *       SYNGUARD_A_PREFIX_LEN			u8
 *
 * SYNGUARD_CMD_ALLOW_GET (do)
 *   reply: zero or more
 *     SYNGUARD_A_ALLOW				nest (as above)
 *
 * SYNGUARD_CMD_FORWARD_ADD, SYNGUARD_CMD_FORWARD_DEL (do, admin): the
 * forward list, what gateway mode protects without DNAT (DNATed
 * destinations it always does): destination prefixes, at most 256, and
 * inbound interfaces, at most 16, named as nft's iifname names them (a
 * SYN that arrives through one, whatever its destination)
 *   request: one or more of either, in any mix
 *     SYNGUARD_A_FORWARD			nest
 *       SYNGUARD_A_PREFIX_FAMILY		u16
 *       SYNGUARD_A_PREFIX_ADDR			binary (4 or 16 bytes)
 *       SYNGUARD_A_PREFIX_LEN			u8
 *     SYNGUARD_A_FORWARD_DEV			string (an interface name, NUL
 *						terminated, at most 15 bytes)
 *
 * SYNGUARD_CMD_FORWARD_GET (do)
 *   reply: zero or more of each
 *     SYNGUARD_A_FORWARD			nest (as above)
 *     SYNGUARD_A_FORWARD_DEV			string
 *
 * SYNGUARD_CMD_GET_PORT_STATS (dump): destination ports by SYNs, busiest
 * first (last second's rate, then total); at most SYNGUARD_PORT_STATS
 * ports are kept per namespace, see Documentation/synguard.rst
 *   request:
 *     SYNGUARD_A_LIMIT				u32 (optional: top N)
 *   reply, one message per port:
 *     SYNGUARD_A_PORT				nest
 *       SYNGUARD_A_PORT_NUM			u16
 *       SYNGUARD_A_PORT_SYN_RATE		u32 (SYNs last second)
 *       SYNGUARD_A_PORT_SENT_RATE		u32 (cookies sent last second)
 *       SYNGUARD_A_PORT_VALIDATED_RATE		u32 (cookies validated)
 *       SYNGUARD_A_PORT_SYNS			u64 (since the port was kept)
 *       SYNGUARD_A_PORT_COOKIES_SENT		u64
 *       SYNGUARD_A_PORT_COOKIES_VALIDATED	u64
 *
 * SYNGUARD_CMD_EVENT (event), to SYNGUARD_MCGRP_EVENTS
 *   message:
 *     SYNGUARD_A_EVENT				nest
 *       SYNGUARD_A_EVENT_TYPE			u32 (enum synguard_event)
 *       SYNGUARD_A_EVENT_REASON		u32 (enum synguard_reason; entered)
 *       SYNGUARD_A_EVENT_SYN_RATE		u32 (SYNs last second)
 *       SYNGUARD_A_EVENT_HALFOPEN		u32 (tracked half-opens)
 *       SYNGUARD_A_EVENT_DURATION		u32 (seconds: in cookie mode, left;
 *						of cookies, listener full ended)
 *       SYNGUARD_A_EVENT_COUNT			u32 (SYNs refused; full, limit)
 *       SYNGUARD_A_EVENT_PORT			u16 (listener full: its port)
 *       SYNGUARD_A_EVENT_FAMILY		u16 (listener full: AF_INET or
 *						AF_INET6, the listener's)
 *     SYNGUARD_A_SOURCE			nest (source limit: the prefix)
 *       SYNGUARD_A_PREFIX_FAMILY		u16
 *       SYNGUARD_A_PREFIX_ADDR			binary (4 or 16 bytes)
 *       SYNGUARD_A_PREFIX_LEN			u8
 *     SYNGUARD_A_PORT				nest (cookie mode: busiest
 *						ports, up to 4, busiest first;
 *						left: SYNS counts the episode)
 *       SYNGUARD_A_PORT_NUM			u16
 *       SYNGUARD_A_PORT_SYN_RATE		u32
 *       SYNGUARD_A_PORT_SENT_RATE		u32
 *       SYNGUARD_A_PORT_VALIDATED_RATE		u32
 *       SYNGUARD_A_PORT_SYNS			u64
 *       SYNGUARD_A_PORT_COOKIES_SENT		u64
 *       SYNGUARD_A_PORT_COOKIES_VALIDATED	u64
 */
#ifndef _UAPI_LINUX_SYNGUARD_H
#define _UAPI_LINUX_SYNGUARD_H

#define SYNGUARD_FAMILY_NAME	"synguard"
#define SYNGUARD_FAMILY_VERSION	1
#define SYNGUARD_MCGRP_EVENTS	"events"

enum synguard_mode {
	SYNGUARD_MODE_OFF,	/* the hook does nothing */
	SYNGUARD_MODE_MONITOR,	/* track and count, never answer */
	SYNGUARD_MODE_AUTO,	/* track; cookies while under attack */
	SYNGUARD_MODE_ALWAYS,	/* cookies for every SYN to a listener */

	__SYNGUARD_MODE_MAX,
	SYNGUARD_MODE_MAX = (__SYNGUARD_MODE_MAX - 1)
};

/*
 * In cookie mode, destination ports are judged apart in this many slots
 * (by hash); SYNGUARD_A_STATE_PORTS_EXEMPT counts the exempt ones.
 */
#define SYNGUARD_PORT_SLOTS	64

/* Why cookie mode is on (SYNGUARD_A_STATE_REASON). */
enum synguard_reason {
	SYNGUARD_REASON_NONE,		/* it is not */
	SYNGUARD_REASON_HALFOPENS,	/* more half-opens than completions explain */
	SYNGUARD_REASON_TABLE_FULL,	/* a SYN found no free slot */

	__SYNGUARD_REASON_MAX,
	SYNGUARD_REASON_MAX = (__SYNGUARD_REASON_MAX - 1)
};

/* Destination ports the per-port counters keep, per namespace. */
#define SYNGUARD_PORT_STATS	64

/* What happened (SYNGUARD_A_EVENT_TYPE). */
enum synguard_event {
	SYNGUARD_EVENT_COOKIE_MODE_ENTERED = 1,
	SYNGUARD_EVENT_COOKIE_MODE_LEFT,
	SYNGUARD_EVENT_TABLE_FULL,	/* SYNs found no slot, table half full */
	SYNGUARD_EVENT_SOURCE_LIMIT,	/* a source prefix reached its limit */
	SYNGUARD_EVENT_LISTENER_FULL_STARTED,	/* cookies for a full listener */
	SYNGUARD_EVENT_LISTENER_FULL_ENDED,	/* ...none for cooldown seconds */

	__SYNGUARD_EVENT_MAX,
	SYNGUARD_EVENT_MAX = (__SYNGUARD_EVENT_MAX - 1)
};

/* What the backends of a gateway destination agreed to (A_BACKEND_FLAGS). */
#define SYNGUARD_BACKEND_F_LEARNED	0x01	/* a SYN-ACK or RST was seen */
#define SYNGUARD_BACKEND_F_SACK		0x02
#define SYNGUARD_BACKEND_F_TIMESTAMPS	0x04
#define SYNGUARD_BACKEND_F_ECN		0x08
#define SYNGUARD_BACKEND_F_CLOSED	0x10	/* the backend refused the port */

enum {
	SYNGUARD_A_MODE = 1,
	SYNGUARD_A_HALFOPEN_HIGH,
	SYNGUARD_A_HALFOPEN_LOW,
	SYNGUARD_A_SYN_RATE_LOW,
	SYNGUARD_A_COOLDOWN,
	SYNGUARD_A_HALFOPEN_TIMEOUT,
	SYNGUARD_A_TABLE_SIZE,
	SYNGUARD_A_SOURCE_LIMIT,
	SYNGUARD_A_PREFIX4,
	SYNGUARD_A_PREFIX6,
	SYNGUARD_A_STATE,
	SYNGUARD_A_STATS,
	SYNGUARD_A_PORT_RANGE,
	SYNGUARD_A_ALLOW,
	SYNGUARD_A_SOURCE,
	SYNGUARD_A_HALFOPEN,
	SYNGUARD_A_LIMIT,
	SYNGUARD_A_GATEWAY,
	SYNGUARD_A_BACKEND,
	SYNGUARD_A_PORT,
	SYNGUARD_A_EVENT,
	SYNGUARD_A_FORWARD,
	SYNGUARD_A_GATEWAY_TABLE,
	SYNGUARD_A_FORWARD_DEV,

	__SYNGUARD_A_MAX,
	SYNGUARD_A_MAX = (__SYNGUARD_A_MAX - 1)
};

enum {
	SYNGUARD_A_STATE_UNDER_ATTACK = 1,
	SYNGUARD_A_STATE_SYN_RATE,
	SYNGUARD_A_STATE_HALFOPEN_CURRENT,
	SYNGUARD_A_STATE_TCP_SYNCOOKIES,
	SYNGUARD_A_STATE_CT_TCP_LOOSE,
	SYNGUARD_A_STATE_TABLE_SLOTS,
	SYNGUARD_A_STATE_REASON,
	SYNGUARD_A_STATE_HALFOPEN_EXPECTED,
	SYNGUARD_A_STATE_HALFOPEN_ENTER,
	SYNGUARD_A_STATE_UNANSWERED_RATE,
	SYNGUARD_A_STATE_PORTS_EXEMPT,
	SYNGUARD_A_STATE_BACKENDS,

	__SYNGUARD_A_STATE_MAX,
	SYNGUARD_A_STATE_MAX = (__SYNGUARD_A_STATE_MAX - 1)
};

/*
 * The counters in the order of module/stats.h, with the gauge where it
 * was first numbered: counters added since follow it, so that no
 * attribute ever changes its number.
 */
enum {
	SYNGUARD_A_STATS_PAD = 1,
	SYNGUARD_A_STATS_SYN_RECEIVED,
	SYNGUARD_A_STATS_SYN_PASSED,
	SYNGUARD_A_STATS_SYN_LEFT_TO_KERNEL,
	SYNGUARD_A_STATS_COOKIES_SENT,
	SYNGUARD_A_STATS_COOKIES_VALIDATED,
	SYNGUARD_A_STATS_COOKIES_REJECTED,
	SYNGUARD_A_STATS_ACKS_UNMATCHED,
	SYNGUARD_A_STATS_HALFOPEN_ADDED,
	SYNGUARD_A_STATS_HALFOPEN_COMPLETED,
	SYNGUARD_A_STATS_HANDSHAKE_MS,
	SYNGUARD_A_STATS_HALFOPEN_RESET,
	SYNGUARD_A_STATS_HALFOPEN_EXPIRED,
	SYNGUARD_A_STATS_TABLE_FULL,
	SYNGUARD_A_STATS_SOURCE_LIMIT_HITS,
	SYNGUARD_A_STATS_LISTENER_FULL,
	SYNGUARD_A_STATS_COOKIE_MODE_ENTRIES,
	SYNGUARD_A_STATS_COOKIE_MODE_EXITS,
	SYNGUARD_A_STATS_SYNCOOKIES_DISABLED,
	SYNGUARD_A_STATS_BAD_CHECKSUM,
	SYNGUARD_A_STATS_SYNACK_UNROUTABLE,
	SYNGUARD_A_STATS_SYNACK_NOMEM,
	SYNGUARD_A_STATS_GATEWAY_COOKIES,
	SYNGUARD_A_STATS_GATEWAY_OPENED,
	SYNGUARD_A_STATS_GATEWAY_REFUSED,
	SYNGUARD_A_STATS_GATEWAY_LEARNED,
	SYNGUARD_A_STATS_HALFOPEN_CURRENT,
	SYNGUARD_A_STATS_SYN_RELATED,
	SYNGUARD_A_STATS_SYN_ASSIGNED,
	SYNGUARD_A_STATS_GATEWAY_CT_CUSTOM,
	SYNGUARD_A_STATS_GATEWAY_UNLISTED,

	__SYNGUARD_A_STATS_MAX,
	SYNGUARD_A_STATS_MAX = (__SYNGUARD_A_STATS_MAX - 1)
};

enum {
	SYNGUARD_A_PORT_RANGE_FIRST = 1,
	SYNGUARD_A_PORT_RANGE_LAST,

	__SYNGUARD_A_PORT_RANGE_MAX,
	SYNGUARD_A_PORT_RANGE_MAX = (__SYNGUARD_A_PORT_RANGE_MAX - 1)
};

enum {
	SYNGUARD_A_PREFIX_FAMILY = 1,
	SYNGUARD_A_PREFIX_ADDR,
	SYNGUARD_A_PREFIX_LEN,
	SYNGUARD_A_PREFIX_COUNT,

	__SYNGUARD_A_PREFIX_MAX,
	SYNGUARD_A_PREFIX_MAX = (__SYNGUARD_A_PREFIX_MAX - 1)
};

enum {
	SYNGUARD_A_HALFOPEN_FAMILY = 1,
	SYNGUARD_A_HALFOPEN_SADDR,
	SYNGUARD_A_HALFOPEN_DADDR,
	SYNGUARD_A_HALFOPEN_SPORT,
	SYNGUARD_A_HALFOPEN_DPORT,
	SYNGUARD_A_HALFOPEN_ISN,
	SYNGUARD_A_HALFOPEN_AGE,

	__SYNGUARD_A_HALFOPEN_MAX,
	SYNGUARD_A_HALFOPEN_MAX = (__SYNGUARD_A_HALFOPEN_MAX - 1)
};

enum {
	SYNGUARD_A_BACKEND_FAMILY = 1,
	SYNGUARD_A_BACKEND_ADDR,
	SYNGUARD_A_BACKEND_PORT,
	SYNGUARD_A_BACKEND_MSS,
	SYNGUARD_A_BACKEND_WSCALE,
	SYNGUARD_A_BACKEND_FLAGS,
	SYNGUARD_A_BACKEND_AGE,

	__SYNGUARD_A_BACKEND_MAX,
	SYNGUARD_A_BACKEND_MAX = (__SYNGUARD_A_BACKEND_MAX - 1)
};

enum {
	SYNGUARD_A_PORT_PAD = 1,
	SYNGUARD_A_PORT_NUM,
	SYNGUARD_A_PORT_SYN_RATE,
	SYNGUARD_A_PORT_SENT_RATE,
	SYNGUARD_A_PORT_VALIDATED_RATE,
	SYNGUARD_A_PORT_SYNS,
	SYNGUARD_A_PORT_COOKIES_SENT,
	SYNGUARD_A_PORT_COOKIES_VALIDATED,

	__SYNGUARD_A_PORT_MAX,
	SYNGUARD_A_PORT_MAX = (__SYNGUARD_A_PORT_MAX - 1)
};

enum {
	SYNGUARD_A_EVENT_TYPE = 1,
	SYNGUARD_A_EVENT_REASON,
	SYNGUARD_A_EVENT_SYN_RATE,
	SYNGUARD_A_EVENT_HALFOPEN,
	SYNGUARD_A_EVENT_DURATION,
	SYNGUARD_A_EVENT_COUNT,
	SYNGUARD_A_EVENT_PORT,
	SYNGUARD_A_EVENT_FAMILY,

	__SYNGUARD_A_EVENT_MAX,
	SYNGUARD_A_EVENT_MAX = (__SYNGUARD_A_EVENT_MAX - 1)
};

enum synguard_cmd {
	SYNGUARD_CMD_GET_CONFIG = 1,
	SYNGUARD_CMD_SET_CONFIG,
	SYNGUARD_CMD_GET_STATS,
	SYNGUARD_CMD_GET_SOURCES,
	SYNGUARD_CMD_GET_HALFOPEN,
	SYNGUARD_CMD_PORTS_ADD,
	SYNGUARD_CMD_PORTS_DEL,
	SYNGUARD_CMD_PORTS_GET,
	SYNGUARD_CMD_ALLOW_ADD,
	SYNGUARD_CMD_ALLOW_DEL,
	SYNGUARD_CMD_ALLOW_GET,
	SYNGUARD_CMD_GET_BACKENDS,
	SYNGUARD_CMD_GET_PORT_STATS,
	SYNGUARD_CMD_EVENT,
	SYNGUARD_CMD_FORWARD_ADD,
	SYNGUARD_CMD_FORWARD_DEL,
	SYNGUARD_CMD_FORWARD_GET,

	__SYNGUARD_CMD_MAX,
	SYNGUARD_CMD_MAX = (__SYNGUARD_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_SYNGUARD_H */
