// SPDX-License-Identifier: GPL-2.0
/*
 * Listeners whose own SYN queue is full, made as visible as the kernel
 * makes them.
 *
 * In `auto`, a SYN to a listener whose SYN queue is full gets a cookie
 * from synguard (hook.c, listener_full) where the kernel alone would
 * have sent one itself, from tcp_syn_flood_action(). That function also
 * counts TCPReqQFullDoCookies and logs, once per listener,
 *
 *	TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:8080. Sending cookies.
 *
 * which is what operators watch for. The SYN synguard answers never
 * reaches it, so synguard does the same for it, word for word: the
 * line's prefix is TCP's own (pr_fmt below), so that whatever matches
 * the kernel's line matches this one. The listener's synflood_warned is
 * claimed exactly as the kernel claims it, so the host logs the line
 * once per listener, whether the kernel or synguard answered first.
 *
 * synguard also tells, on the events multicast group, when it starts
 * answering for a port's full listener and when it stops: no such
 * cookie for `cooldown` seconds. The packet path marks the port in a
 * slot of a small table (struct sg_backlog), claimed under a lock the
 * first time and found by a lockless scan of 16 keys after that; the
 * policy work reads the table once a second, sends the events, and
 * frees the slots of the ports that ended. A port that finds every slot
 * taken gets its cookies and its log line, but no event.
 *
 * Locking: slots are claimed and freed under b->lock, by the packet
 * path (bottom halves off) and the policy work. A key is published
 * with a release store after the slot's times, so the work that reads
 * it with an acquire load sees them. @last is written without the lock:
 * a SYN that found its key just before the work freed the slot may
 * write it late, into a free slot or one claimed again; the worst that
 * does is to start or end a port's episode a second early or late.
 */

/* The kernel's words, with TCP's prefix: see above. */
#undef pr_fmt
#define pr_fmt(fmt) "TCP: " fmt

#include <linux/jiffies.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <net/transp_v6.h>

#include "synguard.h"
#include "backlog.h"
#include "compat.h"
#include "events.h"
#include "halfopen.h"

static_assert(SG_BACKLOG_PORTS <= BITS_PER_LONG);	/* sg_backlog.told */

void sg_backlog_init(struct sg_net *sn)
{
	spin_lock_init(&sn->backlog.lock);
}

/*
 * The kernel's line, as tcp_syn_flood_action() prints it. @proto is
 * what the kernel names the SYN's request sock slab after: IPv4 SYNs to
 * a dual-stack IPv6 listener are "request_sock_TCP" too.
 */
static void sg_backlog_log(const struct sock *lsk, u8 family)
{
	const char *proto = family == AF_INET6 ?
			    tcpv6_prot.rsk_prot->slab_name :
			    tcp_prot.rsk_prot->slab_name;

	if (!SG_SYNFLOOD_LINE_ADDR)
		net_info_ratelimited("%s: Possible SYN flooding on port %d. Sending cookies.  Check SNMP counters.\n",
				     proto, lsk->sk_num);
	else if (IS_ENABLED(CONFIG_IPV6) && lsk->sk_family == AF_INET6)
		net_info_ratelimited("%s: Possible SYN flooding on port [%pI6c]:%u. Sending cookies.\n",
				     proto, inet6_rcv_saddr(lsk), lsk->sk_num);
	else
		net_info_ratelimited("%s: Possible SYN flooding on port %pI4:%u. Sending cookies.\n",
				     proto, &lsk->sk_rcv_saddr, lsk->sk_num);
}

/* Notes a cookie for the port of @key now, claiming a slot for it. */
static void sg_backlog_mark(struct sg_backlog *b, u32 key)
{
	unsigned long now = jiffies;
	int i, free = -1;

	for (i = 0; i < SG_BACKLOG_PORTS; i++) {
		u32 k = READ_ONCE(b->key[i]);

		if (k == key) {
			if (READ_ONCE(b->last[i]) != now)
				WRITE_ONCE(b->last[i], now);
			return;
		}
		if (!k && free < 0)
			free = i;
	}
	/* Every slot taken: no lock for this port's SYNs, no event. */
	if (free < 0)
		return;

	spin_lock_bh(&b->lock);
	/* Another CPU may have claimed one for it meanwhile. */
	for (i = 0; i < SG_BACKLOG_PORTS; i++)
		if (b->key[i] == key)
			goto out;
	for (i = 0; i < SG_BACKLOG_PORTS; i++) {
		if (b->key[i])
			continue;
		b->since[i] = now;
		WRITE_ONCE(b->last[i], now);
		/* The times before the key: the work reads them after it. */
		smp_store_release(&b->key[i], key);
		break;
	}
out:
	spin_unlock_bh(&b->lock);
}

void sg_backlog_full(struct sg_net *sn, const struct sock *lsk, u8 family)
{
	/*
	 * sg_track_syn() holds the listener const: nothing else of it is
	 * written on this path. The flag is, as the kernel writes it.
	 */
	u32 *warned = (u32 *)&inet_csk(lsk)->icsk_accept_queue.synflood_warned;
	u8 syncookies = READ_ONCE(sn->net->ipv4.sysctl_tcp_syncookies);

	/*
	 * Off: sg_syn() leaves the SYN to the kernel, which drops it and
	 * says so itself ("Dropping request"): its line, not ours.
	 */
	if (!syncookies)
		return;
	NET_INC_STATS(sn->net, LINUX_MIB_TCPREQQFULLDOCOOKIES);
	/* At 2 the kernel sends cookies for every SYN and logs none. */
	if (!READ_ONCE(*warned) && syncookies != 2 && xchg(warned, 1) == 0)
		sg_backlog_log(lsk, family);
	sg_backlog_mark(&sn->backlog, (u32)lsk->sk_family << 16 | lsk->sk_num);
}

static void sg_backlog_event(struct sg_net *sn, u32 type, u32 key,
			     u32 duration)
{
	struct sg_event ev = {
		.type = type,
		.syn_rate = sn->syn_rate,
		.halfopen = sg_halfopen_count(sn),
		.duration = duration,
		.port = key & 0xffff,
		.family = key >> 16,
	};

	sg_event_send(sn, &ev);
}

/* No full listener's episode open: nothing for sg_backlog_second(). */
bool sg_backlog_idle(struct sg_net *sn)
{
	int i;

	for (i = 0; i < SG_BACKLOG_PORTS; i++)
		if (READ_ONCE(sn->backlog.key[i]))
			return false;
	return true;
}

void sg_backlog_second(struct sg_net *sn)
{
	unsigned long idle = READ_ONCE(sn->cfg.cooldown) * HZ, last, since;
	struct sg_backlog *b = &sn->backlog;
	u32 key;
	int i;

	for (i = 0; i < SG_BACKLOG_PORTS; i++) {
		/* Pairs with the claim's release: its times are set. */
		key = smp_load_acquire(&b->key[i]);
		if (!key)
			continue;
		if (!(b->told & BIT(i))) {
			b->told |= BIT(i);
			sg_backlog_event(sn, SYNGUARD_EVENT_LISTENER_FULL_STARTED,
					 key, 0);
		}
		last = READ_ONCE(b->last[i]);
		if (time_before(jiffies, last + idle))
			continue;
		/* A new claim of the slot rewrites it once it is free. */
		since = b->since[i];
		spin_lock_bh(&b->lock);
		WRITE_ONCE(b->key[i], 0);
		spin_unlock_bh(&b->lock);
		b->told &= ~BIT(i);
		sg_backlog_event(sn, SYNGUARD_EVENT_LISTENER_FULL_ENDED, key,
				 (last - since) / HZ);
	}
}
