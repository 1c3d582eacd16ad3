// SPDX-License-Identifier: GPL-2.0
/*
 * Gateway destinations and what their backends agree to.
 *
 * A cookie SYN-ACK for a forwarded SYN is sent before the backend has
 * seen anything, so the options it advertises must be the backend's:
 * a client told a larger window scale than the backend uses overruns its
 * receive window, silently. They are learned here from the SYN-ACKs the
 * backends send through this host, per destination as the client
 * addresses it (the published port, NodePort or ClusterIP, or the
 * backend itself behind a plain route): that is all the SYN-ACK's
 * author knows when it answers. With several backends behind one
 * destination (a Kubernetes service) the most conservative answer wins:
 * the smallest MSS and window scale, no SACK if one refused it, and a
 * timestamp or ECN only if every one agreed to it. Samples
 * are combined over two windows of SG_BE_WINDOW, so a backend that
 * changes is followed within two windows, and one not heard of for
 * SG_BE_STALE is forgotten.
 *
 * One table serves every namespace: SG_BE_SLOTS entries, direct-mapped
 * by namespace, address and port, bounded whatever the traffic. An entry
 * that is in use (learned recently, or with cookies out) is not evicted
 * by another destination: the newcomer gets conservative defaults.
 *
 * Each entry has its own seqlock. Writers (a SYN-ACK learned, a slot
 * claimed, a namespace forgotten) take it with bottom halves disabled:
 * the hooks also run in process context after an NFQUEUE verdict.
 * Readers on the packet path retry instead of waiting. The times of the
 * last cookie and of the last SYN let through are single words written
 * with WRITE_ONCE() outside the lock: a stale read of one only moves a
 * decision by a second.
 */

#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/seqlock.h>
#include <linux/vmalloc.h>
#include <net/net_namespace.h>
#include <net/tcp.h>

#include "backend.h"

#define SG_BE_SLOTS	4096U
#define SG_BE_WINDOW	(60 * HZ)
#define SG_BE_STALE	(600 * HZ)

struct sg_backend {
	seqlock_t lock;
	const struct net *net;		/* NULL: free */
	struct sg_dest d;
	bool closed;			/* the latest answer was a RST */
	struct sg_backend_opts cur;	/* this window's samples */
	struct sg_backend_opts prev;	/* the window before */
	u32 cur_start;			/* jiffies */
	u32 learned;			/* the last SYN-ACK or RST */
	u32 passed;			/* the last SYN let through to learn */
	u32 cookie;			/* the last cookie sent for it */
};

static struct sg_backend *sg_be;
static u32 sg_be_seed __read_mostly;

int sg_backend_init(void)
{
	u32 i;

	sg_be = vzalloc(array_size(SG_BE_SLOTS, sizeof(*sg_be)));
	if (!sg_be)
		return -ENOMEM;
	for (i = 0; i < SG_BE_SLOTS; i++)
		seqlock_init(&sg_be[i].lock);
	sg_be_seed = get_random_u32();
	return 0;
}

void sg_backend_exit(void)
{
	vfree(sg_be);
}

static struct sg_backend *sg_be_slot(const struct net *net,
				     const struct sg_dest *d)
{
	u32 h = jhash2((const u32 *)d->addr, 4,
		       sg_be_seed ^ net_hash_mix(net));

	h = jhash_2words((__force u32)d->port, d->family, h);
	return &sg_be[h & (SG_BE_SLOTS - 1)];
}

static bool sg_be_match(const struct sg_backend *e, const struct net *net,
			const struct sg_dest *d)
{
	return e->net == net && e->d.port == d->port &&
	       e->d.family == d->family &&
	       !memcmp(e->d.addr, d->addr, sizeof(d->addr));
}

static bool sg_be_learned(const struct sg_backend *e, u32 now)
{
	return (e->cur.mss || e->prev.mss || e->closed) &&
	       now - e->learned < SG_BE_STALE;
}

/* In use by its destination: not to be taken by another. */
static bool sg_be_busy(const struct sg_backend *e, u32 now)
{
	return e->net && (sg_be_learned(e, now) ||
			  now - READ_ONCE(e->cookie) < TCP_SYNCOOKIE_VALID ||
			  now - READ_ONCE(e->passed) < HZ);
}

static const struct sg_backend_opts sg_be_none = {
	.wscale = SG_WS_UNKNOWN,
};

/* Under the entry's write lock. */
static bool sg_be_claim(struct sg_backend *e, const struct net *net,
			const struct sg_dest *d, u32 now)
{
	if (sg_be_match(e, net, d))
		return true;
	if (sg_be_busy(e, now))
		return false;
	e->net = net;
	e->d = *d;
	e->closed = false;
	e->cur = sg_be_none;
	e->prev = sg_be_none;
	e->cur_start = now;
	e->learned = now - SG_BE_STALE;
	WRITE_ONCE(e->passed, now - HZ);
	WRITE_ONCE(e->cookie, now - TCP_SYNCOOKIE_VALID);
	return true;
}

static u8 sg_be_wscale(u8 a, u8 b)
{
	if (a == SG_WS_UNKNOWN)
		return b;
	if (b == SG_WS_UNKNOWN)
		return a;
	if (a == SG_WS_NONE || b == SG_WS_NONE)
		return SG_WS_NONE;
	return min(a, b);
}

/*
 * What two samples agree to: the smaller of each, no beats yes, and a
 * timestamp or ECN only if both agreed to it. An empty sample (no
 * SYN-ACK seen) says nothing.
 */
static struct sg_backend_opts sg_be_combine(struct sg_backend_opts a,
					    struct sg_backend_opts b)
{
	struct sg_backend_opts o;

	if (!a.mss)
		return b;
	if (!b.mss)
		return a;
	o.mss = min(a.mss, b.mss);
	o.wscale = sg_be_wscale(a.wscale, b.wscale);
	o.flags = ((a.flags | b.flags) & (SG_BE_SACK_YES | SG_BE_SACK_NO)) |
		  (a.flags & b.flags & (SG_BE_TS | SG_BE_ECN));
	return o;
}

/* The entry's options over its two windows. Under a read section. */
static struct sg_backend_opts sg_be_opts(const struct sg_backend *e, u32 now)
{
	if (now - e->cur_start < 2 * SG_BE_WINDOW)
		return sg_be_combine(e->cur, e->prev);
	return e->cur;
}

static void sg_be_stamp(u32 *t, u32 now)
{
	if (READ_ONCE(*t) != now)
		WRITE_ONCE(*t, now);
}

/*
 * What to do with a SYN to @d that gets no normal handshake. A
 * destination not learned yet, or one whose backend refused, lets one
 * SYN a second through to learn from, as long as the namespace's
 * @budget of such SYNs lasts; the rest get cookies with conservative
 * options, or RSTs.
 */
enum sg_gw_verdict sg_backend_query(const struct net *net,
				    const struct sg_dest *d,
				    struct sg_backend_opts *o, atomic_t *budget)
{
	struct sg_backend *e = sg_be_slot(net, d);
	u32 now = jiffies;
	bool match, learned, closed;
	unsigned int seq;

	do {
		seq = read_seqbegin(&e->lock);
		match = sg_be_match(e, net, d);
		learned = match && sg_be_learned(e, now);
		closed = match && e->closed;
		*o = match ? sg_be_opts(e, now) : sg_be_none;
	} while (read_seqretry(&e->lock, seq));

	if (!learned || closed) {
		bool pass = false;

		if ((!match || now - READ_ONCE(e->passed) >= HZ) &&
		    atomic_read(budget) > 0) {
			write_seqlock_bh(&e->lock);
			if (sg_be_claim(e, net, d, now) &&
			    now - e->passed >= HZ &&
			    atomic_dec_if_positive(budget) >= 0) {
				WRITE_ONCE(e->passed, now);
				pass = true;
			}
			match = sg_be_match(e, net, d);
			write_sequnlock_bh(&e->lock);
		}
		if (pass)
			return SG_GW_PASS;
		if (closed)
			return SG_GW_REFUSE;
		if (!learned)
			*o = sg_be_none;
	}
	/* An entry taken by another destination cannot vouch for the ACK. */
	if (match)
		sg_be_stamp(&e->cookie, now);
	return SG_GW_COOKIE;
}

/* Whether cookies went out for @d within their lifetime. */
bool sg_backend_cookies_out(const struct net *net, const struct sg_dest *d)
{
	struct sg_backend *e = sg_be_slot(net, d);
	u32 now = jiffies;
	unsigned int seq;
	bool out;

	do {
		seq = read_seqbegin(&e->lock);
		out = sg_be_match(e, net, d) &&
		      now - READ_ONCE(e->cookie) < TCP_SYNCOOKIE_VALID;
	} while (read_seqretry(&e->lock, seq));
	return out;
}

void sg_backend_learn(const struct net *net, const struct sg_dest *d,
		      const struct sg_backend_opts *o)
{
	struct sg_backend *e = sg_be_slot(net, d);
	u32 now = jiffies;

	write_seqlock_bh(&e->lock);
	if (sg_be_claim(e, net, d, now)) {
		if (now - e->cur_start >= SG_BE_WINDOW) {
			e->prev = now - e->cur_start < 2 * SG_BE_WINDOW ?
				  e->cur : sg_be_none;
			e->cur = *o;
			e->cur_start = now;
		} else {
			e->cur = sg_be_combine(e->cur, *o);
		}
		e->closed = false;
		e->learned = now;
	}
	write_sequnlock_bh(&e->lock);
}

void sg_backend_refused(const struct net *net, const struct sg_dest *d)
{
	struct sg_backend *e = sg_be_slot(net, d);
	u32 now = jiffies;

	write_seqlock_bh(&e->lock);
	if (sg_be_claim(e, net, d, now)) {
		e->closed = true;
		e->learned = now;
	}
	write_sequnlock_bh(&e->lock);
}

/* A namespace going away: its entries must not outlive it. */
void sg_backend_forget(const struct net *net)
{
	u32 i;

	for (i = 0; i < SG_BE_SLOTS; i++) {
		struct sg_backend *e = &sg_be[i];

		if (READ_ONCE(e->net) != net)
			continue;
		write_seqlock_bh(&e->lock);
		if (e->net == net)
			e->net = NULL;
		write_sequnlock_bh(&e->lock);
		cond_resched();
	}
}

/* Copies slot @i into @v if it belongs to @net. */
static bool sg_be_copy(u32 i, const struct net *net, u32 now,
		       struct sg_backend_view *v)
{
	const struct sg_backend *e = &sg_be[i];
	unsigned int seq;
	bool mine;

	do {
		seq = read_seqbegin(&e->lock);
		mine = e->net == net;
		if (mine) {
			v->d = e->d;
			v->o = sg_be_opts(e, now);
			v->closed = e->closed;
			v->age_ms = jiffies_to_msecs(now - e->learned);
			mine = sg_be_learned(e, now) ||
			       now - READ_ONCE(e->cookie) < TCP_SYNCOOKIE_VALID;
		}
	} while (read_seqretry(&e->lock, seq));
	return mine;
}

u32 sg_backend_count(const struct net *net)
{
	struct sg_backend_view v;
	u32 i, n = 0, now = jiffies;

	for (i = 0; i < SG_BE_SLOTS; i++)
		n += sg_be_copy(i, net, now, &v);
	return n;
}

/*
 * Calls @fn for each of @net's destinations from slot *@pos on; stops
 * early when @fn returns non-zero, with *@pos at that slot to resume.
 */
int sg_backend_walk(const struct net *net, u32 *pos,
		    int (*fn)(void *arg, const struct sg_backend_view *v),
		    void *arg)
{
	struct sg_backend_view v;
	u32 now = jiffies;
	int ret;

	for (; *pos < SG_BE_SLOTS; (*pos)++) {
		if (!sg_be_copy(*pos, net, now, &v))
			continue;
		ret = fn(arg, &v);
		if (ret)
			return ret;
	}
	return 0;
}
