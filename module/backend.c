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
 * Each namespace has a table of its own (struct sg_backends), made when
 * its gateway mode starts and charged to the memory cgroup of whoever
 * made the namespace: no namespace can evict, fill or slow another's
 * destinations. Entries sit in buckets of SG_BE_WAYS, by address and
 * port. One that is in use (learned lately, or with cookies out) is
 * never taken by another destination.
 *
 * A flood's SYNs only read the table. Entries change under the table's
 * lock, with each entry's seqcount telling readers to retry: on a
 * backend's answer, learned at most once a second per destination
 * unless it says something new, and when a destination not seen before
 * is claimed, which only a SYN the learning budget lets through may do.
 * The times of the last cookie and of the last SYN let through are
 * single words written outside the lock, at most once a second each: a
 * stale read of one only moves a decision by a second.
 *
 * Every cookie SYN-ACK sent leaves a mark its ACK will find
 * (sg_backend_cookies_out()): its destination's entry, or, for one the
 * table had no room for, the table's @unlisted time, which makes every
 * such ACK checked for a while.
 */

#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/tcp.h>

#include "backend.h"

#define SG_BE_WAYS	4U
#define SG_BE_WINDOW	(60 * HZ)
#define SG_BE_STALE	(600 * HZ)
/* Stamped once a second at most: a cookie is out this long after one. */
#define SG_BE_COOKIE_OUT (TCP_SYNCOOKIE_VALID + HZ)

struct sg_backend {
	seqcount_spinlock_t seq;	/* sg_backends.lock */
	bool used;
	bool closed;			/* the latest answer was a RST */
	struct sg_dest d;
	struct sg_backend_opts cur;	/* this window's samples */
	struct sg_backend_opts prev;	/* the window before */
	u32 cur_start;			/* jiffies */
	u32 learned;			/* the last SYN-ACK or RST */
	u32 passed;			/* the last SYN let through to learn */
	u32 cookie;			/* the last cookie sent for it */
};

struct sg_backends {
	spinlock_t lock;		/* every entry's writers */
	u32 seed;
	u32 buckets;			/* a power of two */
	u32 unlisted;			/* the last cookie with no entry */
	struct sg_backend e[];
};

/* A reader's copy of what decides a SYN. */
struct sg_be_snap {
	bool learned;
	bool closed;
	struct sg_backend_opts o;
};

static const struct sg_backend_opts sg_be_none = {
	.wscale = SG_WS_UNKNOWN,
};

u32 sg_backends_round(u32 slots)
{
	return roundup_pow_of_two(clamp(slots, SG_BE_MIN_SLOTS,
					SG_BE_MAX_SLOTS));
}

/*
 * A table for @slots destinations (rounded up to a power of two). Every
 * allocation is __GFP_ACCOUNT: the caller picks the memory cgroup
 * (set_active_memcg()).
 */
struct sg_backends *sg_backends_alloc(u32 slots)
{
	struct sg_backends *t;
	u32 i, n = sg_backends_round(slots);

	t = kvzalloc(struct_size(t, e, n), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	spin_lock_init(&t->lock);
	for (i = 0; i < n; i++)
		seqcount_spinlock_init(&t->e[i].seq, &t->lock);
	t->seed = get_random_u32();
	t->buckets = n / SG_BE_WAYS;
	t->unlisted = jiffies - SG_BE_COOKIE_OUT;
	return t;
}

void sg_backends_free(struct sg_backends *t)
{
	kvfree(t);
}

u32 sg_backends_slots(const struct sg_backends *t)
{
	return t->buckets * SG_BE_WAYS;
}

static struct sg_backend *sg_be_bucket(struct sg_backends *t,
				       const struct sg_dest *d)
{
	u32 h = jhash2((const u32 *)d->addr, 4, t->seed);

	h = jhash_2words((__force u32)d->port, d->family, h);
	return &t->e[(h & (t->buckets - 1)) * SG_BE_WAYS];
}

static bool sg_be_match(const struct sg_backend *e, const struct sg_dest *d)
{
	return e->used && e->d.port == d->port && e->d.family == d->family &&
	       !memcmp(e->d.addr, d->addr, sizeof(d->addr));
}

static bool sg_be_learned(const struct sg_backend *e, u32 now)
{
	return (e->cur.mss || e->prev.mss || e->closed) &&
	       now - e->learned < SG_BE_STALE;
}

static bool sg_be_cookie_out(u32 stamp, u32 now)
{
	return now - stamp < SG_BE_COOKIE_OUT;
}

/* In use by its destination: not to be taken by another. */
static bool sg_be_busy(const struct sg_backend *e, u32 now)
{
	return e->used && (sg_be_learned(e, now) ||
			   sg_be_cookie_out(READ_ONCE(e->cookie), now) ||
			   now - READ_ONCE(e->passed) < HZ);
}

/* Marks @t as now, if it is not already within the second. */
static void sg_be_stamp(u32 *t, u32 now)
{
	if (now - READ_ONCE(*t) >= HZ)
		WRITE_ONCE(*t, now);
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

static bool sg_be_opts_equal(struct sg_backend_opts a,
			     struct sg_backend_opts b)
{
	return a.mss == b.mss && a.wscale == b.wscale && a.flags == b.flags;
}

/* The entry's options over its two windows. Under a read section. */
static struct sg_backend_opts sg_be_opts(const struct sg_backend *e, u32 now)
{
	if (now - e->cur_start < 2 * SG_BE_WINDOW)
		return sg_be_combine(e->cur, e->prev);
	return e->cur;
}

/*
 * @d's entry, without a lock, and a consistent copy of it in @s; NULL if
 * the table has none.
 */
static struct sg_backend *sg_be_find(struct sg_backends *t,
				     const struct sg_dest *d, u32 now,
				     struct sg_be_snap *s)
{
	struct sg_backend *e = sg_be_bucket(t, d);
	unsigned int i, seq;
	bool match;

	for (i = 0; i < SG_BE_WAYS; i++, e++) {
		do {
			seq = read_seqcount_begin(&e->seq);
			match = sg_be_match(e, d);
			if (match && s) {
				s->learned = sg_be_learned(e, now);
				s->closed = e->closed;
				s->o = sg_be_opts(e, now);
			}
		} while (read_seqcount_retry(&e->seq, seq));
		if (match)
			return e;
	}
	return NULL;
}

/* Under the table's lock: @d's entry, taking a free one if need be. */
static struct sg_backend *sg_be_claim(struct sg_backends *t,
				      const struct sg_dest *d, u32 now)
{
	struct sg_backend *bucket = sg_be_bucket(t, d), *e, *free = NULL;
	unsigned int i;

	lockdep_assert_held(&t->lock);
	for (i = 0, e = bucket; i < SG_BE_WAYS; i++, e++) {
		if (sg_be_match(e, d))
			return e;
		if (!free && !sg_be_busy(e, now))
			free = e;
	}
	e = free;
	if (!e)
		return NULL;
	write_seqcount_begin(&e->seq);
	e->used = true;
	e->d = *d;
	e->closed = false;
	e->cur = sg_be_none;
	e->prev = sg_be_none;
	e->cur_start = now;
	e->learned = now - SG_BE_STALE;
	WRITE_ONCE(e->passed, now - HZ);
	WRITE_ONCE(e->cookie, now - SG_BE_COOKIE_OUT);
	write_seqcount_end(&e->seq);
	return e;
}

/* The one SYN a second @e lets through: true for the CPU that takes it. */
static bool sg_be_take_pass(struct sg_backend *e, u32 now)
{
	u32 last = READ_ONCE(e->passed);

	return now - last >= HZ && cmpxchg(&e->passed, last, now) == last;
}

/*
 * What to do with a SYN to @d that gets no normal handshake. A
 * destination learned and open gets a cookie with its backends'
 * options. One not learned yet, or whose backend refused, lets one SYN
 * a second through to learn from, as long as the namespace's @budget of
 * such SYNs lasts (only such a SYN may claim an entry); the rest get
 * cookies with conservative options, or RSTs.
 */
enum sg_gw_verdict sg_backend_query(struct sg_backends *t,
				    const struct sg_dest *d,
				    struct sg_backend_opts *o, atomic_t *budget)
{
	struct sg_be_snap s = {};
	struct sg_backend *e;
	u32 now = jiffies;

	e = sg_be_find(t, d, now, &s);
	if (e && s.learned && !s.closed) {
		*o = s.o;
		sg_be_stamp(&e->cookie, now);
		return SG_GW_COOKIE;
	}

	if (atomic_read(budget) > 0) {
		if (!e) {
			spin_lock_bh(&t->lock);
			e = sg_be_claim(t, d, now);
			spin_unlock_bh(&t->lock);
		}
		if (e && sg_be_take_pass(e, now) &&
		    atomic_dec_if_positive(budget) >= 0)
			return SG_GW_PASS;
	}
	if (e && s.learned && s.closed)
		return SG_GW_REFUSE;

	*o = sg_be_none;
	if (!e) {
		sg_be_stamp(&t->unlisted, now);
		return SG_GW_UNLISTED;
	}
	sg_be_stamp(&e->cookie, now);
	return SG_GW_COOKIE;
}

/* Whether a cookie an ACK to @d may carry went out within its lifetime. */
bool sg_backend_cookies_out(struct sg_backends *t, const struct sg_dest *d)
{
	u32 now = jiffies;
	struct sg_backend *e;

	if (sg_be_cookie_out(READ_ONCE(t->unlisted), now))
		return true;
	e = sg_be_find(t, d, now, NULL);
	return e && sg_be_cookie_out(READ_ONCE(e->cookie), now);
}

/*
 * A sample that changes nothing the entry holds, a second after the
 * last: a busy destination's every SYN-ACK need not write.
 */
static bool sg_be_news(struct sg_backends *t, const struct sg_dest *d,
		       const struct sg_backend_opts *o, bool closed, u32 now)
{
	struct sg_backend *e = sg_be_bucket(t, d);
	unsigned int i, seq;
	bool match, news;

	for (i = 0; i < SG_BE_WAYS; i++, e++) {
		do {
			seq = read_seqcount_begin(&e->seq);
			match = sg_be_match(e, d);
			news = !match || e->closed != closed ||
			       now - e->learned >= HZ ||
			       (o && (now - e->cur_start >= SG_BE_WINDOW ||
				      !sg_be_opts_equal(sg_be_combine(e->cur, *o),
							e->cur)));
		} while (read_seqcount_retry(&e->seq, seq));
		if (match)
			return news;
	}
	return true;
}

/* A backend's SYN-ACK (@o) or RST that refuses the port (@o NULL). */
void sg_backend_record(struct sg_backends *t, const struct sg_dest *d,
		       const struct sg_backend_opts *o)
{
	struct sg_backend *e;
	u32 now = jiffies;

	if (!sg_be_news(t, d, o, !o, now))
		return;
	spin_lock_bh(&t->lock);
	e = sg_be_claim(t, d, now);
	if (!e)
		goto out_unlock;
	write_seqcount_begin(&e->seq);
	if (!o) {
		e->closed = true;
	} else if (now - e->cur_start >= SG_BE_WINDOW) {
		e->prev = now - e->cur_start < 2 * SG_BE_WINDOW ?
			  e->cur : sg_be_none;
		e->cur = *o;
		e->cur_start = now;
		e->closed = false;
	} else {
		e->cur = sg_be_combine(e->cur, *o);
		e->closed = false;
	}
	e->learned = now;
	write_seqcount_end(&e->seq);
out_unlock:
	spin_unlock_bh(&t->lock);
}

/*
 * Into the unpublished table @to, what @from holds in use: for a resize.
 * Destinations with no room in @to are forgotten; their cookies stay
 * valid through @to's unlisted time.
 */
void sg_backends_copy(struct sg_backends *to, struct sg_backends *from)
{
	u32 i, now = jiffies, n = sg_backends_slots(from);
	bool lost = false;

	spin_lock_bh(&to->lock);
	spin_lock_nested(&from->lock, SINGLE_DEPTH_NESTING);
	for (i = 0; i < n; i++) {
		const struct sg_backend *f = &from->e[i];
		struct sg_backend *e;

		if (!sg_be_busy(f, now))
			continue;
		e = sg_be_claim(to, &f->d, now);
		if (!e) {
			lost |= sg_be_cookie_out(READ_ONCE(f->cookie), now);
			continue;
		}
		write_seqcount_begin(&e->seq);
		e->closed = f->closed;
		e->cur = f->cur;
		e->prev = f->prev;
		e->cur_start = f->cur_start;
		e->learned = f->learned;
		WRITE_ONCE(e->passed, READ_ONCE(f->passed));
		WRITE_ONCE(e->cookie, READ_ONCE(f->cookie));
		write_seqcount_end(&e->seq);
	}
	WRITE_ONCE(to->unlisted, lost ? now : READ_ONCE(from->unlisted));
	spin_unlock(&from->lock);
	spin_unlock_bh(&to->lock);
}

static u32 sg_be_later(u32 a, u32 b)
{
	return (s32)(a - b) > 0 ? a : b;
}

/*
 * After a resize, once no CPU can still be using @from: the cookie
 * times stamped there after sg_backends_copy(), so that every cookie
 * sent meanwhile is found in @to.
 */
void sg_backends_merge_stamps(struct sg_backends *to,
			      struct sg_backends *from)
{
	u32 i, now = jiffies, n = sg_backends_slots(from);
	bool lost = false;

	for (i = 0; i < n; i++) {
		const struct sg_backend *f = &from->e[i];
		struct sg_backend *e;

		if (!f->used || !sg_be_cookie_out(f->cookie, now))
			continue;
		e = sg_be_find(to, &f->d, now, NULL);
		if (e)
			WRITE_ONCE(e->cookie,
				   sg_be_later(READ_ONCE(e->cookie), f->cookie));
		else
			lost = true;
	}
	WRITE_ONCE(to->unlisted, sg_be_later(READ_ONCE(to->unlisted),
					     lost ? now : from->unlisted));
}

/* Copies entry @i into @v if it is in use. */
static bool sg_be_copy(struct sg_backends *t, u32 i, u32 now,
		       struct sg_backend_view *v)
{
	const struct sg_backend *e = &t->e[i];
	unsigned int seq;
	bool mine;

	do {
		seq = read_seqcount_begin(&e->seq);
		mine = e->used;
		if (mine) {
			v->d = e->d;
			v->o = sg_be_opts(e, now);
			v->closed = e->closed;
			v->age_ms = jiffies_to_msecs(now - e->learned);
			mine = sg_be_learned(e, now) ||
			       sg_be_cookie_out(READ_ONCE(e->cookie), now);
		}
	} while (read_seqcount_retry(&e->seq, seq));
	return mine;
}

u32 sg_backend_count(struct sg_backends *t)
{
	struct sg_backend_view v;
	u32 i, n = 0, now = jiffies;

	for (i = 0; i < sg_backends_slots(t); i++)
		n += sg_be_copy(t, i, now, &v);
	return n;
}

/*
 * Calls @fn for each destination from entry *@pos on; stops early when
 * @fn returns non-zero, with *@pos at that entry to resume.
 */
int sg_backend_walk(struct sg_backends *t, u32 *pos,
		    int (*fn)(void *arg, const struct sg_backend_view *v),
		    void *arg)
{
	struct sg_backend_view v;
	u32 now = jiffies;
	int ret;

	for (; *pos < sg_backends_slots(t); (*pos)++) {
		if (!sg_be_copy(t, *pos, now, &v))
			continue;
		ret = fn(arg, &v);
		if (ret)
			return ret;
	}
	return 0;
}
