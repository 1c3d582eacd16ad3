// SPDX-License-Identifier: GPL-2.0
/*
 * The half-open table: SYNs that went to the kernel and have not yet been
 * completed by the client's ACK, ended by a RST, or aged out.
 *
 * Memory is bounded and allocated once per namespace (or on resize):
 * a power-of-two array of buckets, each holding SG_WAYS slots of 48 bytes
 * and a spinlock, so a tracked connection costs about 50 bytes. There is
 * no allocation on the packet path, so a flood cannot cause an
 * allocation storm; when a bucket has no free slot, the table counts as
 * full, which alone puts the namespace in cookie mode.
 *
 * Beside it, a fixed array of counters indexed by a hash of the source
 * prefix (/32 and /64 by default) counts the half-opens per source.
 * Collisions can only over-count, and an over-counted source merely gets
 * cookies, which still work.
 */

#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "halfopen.h"

#define SG_WAYS 4

/* 48 bytes: see the comment at the top. family == 0 marks a free slot. */
struct sg_ho_entry {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	u32 isn;		/* the client's initial sequence number */
	u32 stamp;		/* jiffies when the SYN was seen */
	u16 src;		/* index into sg_halfopen.src_count */
	u8 family;
	u8 pad;
};

/*
 * Every slot of a bucket is read and written under its lock, taken with
 * bottom halves off: the hooks also run in process context when an
 * NFQUEUE verdict reinjects a packet, and the RX softirq must not then
 * spin on a lock its own CPU holds.
 */
struct sg_ho_bucket {
	spinlock_t lock;	/* the slots below */
	struct sg_ho_entry e[SG_WAYS];
};

struct sg_halfopen {
	u32 mask;		/* buckets - 1 */
	u32 src_mask;		/* source counters - 1 */
	atomic_t count;		/* live slots, over all buckets */
	atomic_t *src_count;
	siphash_key_t key;
	struct rcu_head rcu;
	struct sg_ho_bucket buckets[];
};

static_assert(sizeof(struct sg_ho_entry) == 48);

int sg_table_size_check(u32 size)
{
	return size < SG_MIN_TABLE_SIZE || size > SG_MAX_TABLE_SIZE ?
	       -ERANGE : 0;
}

/* See sg_ho_alloc(). */
#define SG_TABLE_GFP (GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static struct sg_halfopen *sg_ho_alloc(u32 size)
{
	u32 nbuckets = roundup_pow_of_two(DIV_ROUND_UP(size, SG_WAYS));
	/* The source index is a u16. */
	u32 nsrc = min_t(u32, nbuckets * SG_WAYS, 1U << 16);
	struct sg_halfopen *t;
	u32 i;

	/*
	 * vmalloc, not kvmalloc: kmalloc would round a table of 196-byte
	 * buckets up to a power of two, a quarter more memory for nothing.
	 * An unprivileged user may size the table of a namespace of its
	 * own: charge it to the user's memory cgroup, and fail over the
	 * limit rather than call the OOM killer.
	 */
	t = __vmalloc(struct_size(t, buckets, nbuckets),
		      SG_TABLE_GFP | __GFP_ZERO);
	if (!t)
		return NULL;
	t->src_count = kvcalloc(nsrc, sizeof(*t->src_count), SG_TABLE_GFP);
	if (!t->src_count) {
		vfree(t);
		return NULL;
	}
	t->mask = nbuckets - 1;
	t->src_mask = nsrc - 1;
	get_random_bytes(&t->key, sizeof(t->key));
	for (i = 0; i < nbuckets; i++)
		spin_lock_init(&t->buckets[i].lock);
	return t;
}

static void sg_ho_free(struct sg_halfopen *t)
{
	kvfree(t->src_count);
	vfree(t);
}

static void sg_ho_free_rcu(struct rcu_head *rcu)
{
	sg_ho_free(container_of(rcu, struct sg_halfopen, rcu));
}

int sg_halfopen_init(struct sg_net *sn)
{
	struct sg_halfopen *t = sg_ho_alloc(sn->cfg.table_size);

	if (!t)
		return -ENOMEM;
	RCU_INIT_POINTER(sn->table, t);
	return 0;
}

void sg_halfopen_destroy(struct sg_net *sn)
{
	/* The hooks are gone and their readers too: sg_net_pre_exit(). */
	sg_ho_free(rcu_dereference_protected(sn->table, true));
}

/*
 * Swap in an empty table of the new size. What the old one tracked is
 * forgotten: those connections complete or fail in the kernel as usual,
 * synguard just does not count them.
 */
int sg_halfopen_resize(struct sg_net *sn, u32 size)
{
	struct sg_halfopen *old, *t;

	lockdep_assert_held(&sn->lock);
	t = sg_ho_alloc(size);
	if (!t)
		return -ENOMEM;
	old = rcu_replace_pointer(sn->table, t, lockdep_is_held(&sn->lock));
	call_rcu(&old->rcu, sg_ho_free_rcu);
	return 0;
}

static u32 sg_ho_hash(const struct sg_halfopen *t, const struct sg_tuple *tp)
{
	return siphash(tp, offsetof(struct sg_tuple, pad), &t->key);
}

static u16 sg_ho_src(const struct sg_halfopen *t, const struct sg_net *sn,
		     const struct sg_tuple *tp)
{
	struct {
		__be32 addr[4];
		u64 family;
	} key = { .family = tp->family };
	unsigned int plen, i;

	plen = tp->family == AF_INET ? READ_ONCE(sn->cfg.prefix4) :
				       READ_ONCE(sn->cfg.prefix6);
	for (i = 0; i < 4 && plen; i++, plen -= min(plen, 32U))
		key.addr[i] = tp->saddr[i] &
			      (plen >= 32 ? htonl(~0U) :
			       htonl(~0U << (32 - plen)));
	return siphash(&key, sizeof(key), &t->key) & t->src_mask;
}

static bool sg_ho_match(const struct sg_ho_entry *e, const struct sg_tuple *tp)
{
	return e->family == tp->family && e->sport == tp->sport &&
	       e->dport == tp->dport &&
	       !memcmp(e->saddr, tp->saddr, sizeof(e->saddr)) &&
	       !memcmp(e->daddr, tp->daddr, sizeof(e->daddr));
}

static bool sg_ho_expired(const struct sg_ho_entry *e, u32 now, u32 timeout)
{
	return now - e->stamp > timeout;
}

/* Frees slot @e; the bucket lock is held. */
static void sg_ho_release(struct sg_halfopen *t, struct sg_ho_entry *e)
{
	atomic_dec(&t->src_count[e->src]);
	atomic_dec(&t->count);
	WRITE_ONCE(e->family, 0);
}

enum sg_ho_result sg_halfopen_add(struct sg_net *sn,
				  const struct sg_tuple *tp, u32 isn)
{
	struct sg_halfopen *t = rcu_dereference(sn->table);
	u32 timeout = msecs_to_jiffies(READ_ONCE(sn->cfg.halfopen_timeout));
	u32 limit = READ_ONCE(sn->cfg.source_limit);
	struct sg_ho_bucket *b = &t->buckets[sg_ho_hash(t, tp) & t->mask];
	struct sg_ho_entry *e, *free = NULL;
	u32 now = jiffies;
	u16 src;
	int i;

	spin_lock_bh(&b->lock);
	for (i = 0; i < SG_WAYS; i++) {
		e = &b->e[i];
		if (e->family && sg_ho_expired(e, now, timeout)) {
			sg_ho_release(t, e);
			this_cpu_inc(sn->stats->c[SG_STAT_HALFOPEN_EXPIRED]);
		}
		if (!e->family) {
			free = free ?: e;
			continue;
		}
		if (sg_ho_match(e, tp)) {
			e->isn = isn;
			e->stamp = now;
			spin_unlock_bh(&b->lock);
			return SG_HO_REFRESHED;
		}
	}
	if (!free) {
		spin_unlock_bh(&b->lock);
		return SG_HO_FULL;
	}

	src = sg_ho_src(t, sn, tp);
	if (atomic_read(&t->src_count[src]) >= limit) {
		spin_unlock_bh(&b->lock);
		return SG_HO_SOURCE_LIMIT;
	}
	atomic_inc(&t->src_count[src]);
	atomic_inc(&t->count);
	memcpy(free->saddr, tp->saddr, sizeof(free->saddr));
	memcpy(free->daddr, tp->daddr, sizeof(free->daddr));
	WRITE_ONCE(free->sport, tp->sport);
	WRITE_ONCE(free->dport, tp->dport);
	free->isn = isn;
	free->stamp = now;
	free->src = src;
	WRITE_ONCE(free->family, tp->family);
	spin_unlock_bh(&b->lock);
	return SG_HO_ADDED;
}

/*
 * Finds the entry for @tp; with @seq, only if the client's ACK carries
 * the sequence number that follows its SYN.
 */
static bool sg_ho_remove(struct sg_net *sn, const struct sg_tuple *tp,
			 bool check_seq, u32 seq)
{
	struct sg_halfopen *t = rcu_dereference(sn->table);
	struct sg_ho_bucket *b = &t->buckets[sg_ho_hash(t, tp) & t->mask];
	bool found = false;
	int i;

	/*
	 * Every ACK of every connection comes through here: peek at the
	 * ports without the lock first. An entry being written concurrently
	 * cannot be the one this segment ends, since its SYN came earlier.
	 */
	for (i = 0; i < SG_WAYS; i++)
		if (READ_ONCE(b->e[i].family) &&
		    READ_ONCE(b->e[i].sport) == tp->sport &&
		    READ_ONCE(b->e[i].dport) == tp->dport)
			break;
	if (i == SG_WAYS)
		return false;

	spin_lock_bh(&b->lock);
	for (i = 0; i < SG_WAYS; i++) {
		struct sg_ho_entry *e = &b->e[i];

		if (e->family && sg_ho_match(e, tp) &&
		    (!check_seq || seq == e->isn + 1)) {
			sg_ho_release(t, e);
			found = true;
			break;
		}
	}
	spin_unlock_bh(&b->lock);
	return found;
}

bool sg_halfopen_complete(struct sg_net *sn, const struct sg_tuple *tp,
			  u32 seq)
{
	return sg_ho_remove(sn, tp, true, seq);
}

bool sg_halfopen_reset(struct sg_net *sn, const struct sg_tuple *tp)
{
	return sg_ho_remove(sn, tp, false, 0);
}

/* Ages out forgotten SYNs; called from the policy work once a second. */
unsigned int sg_halfopen_expire(struct sg_net *sn)
{
	u32 timeout = msecs_to_jiffies(READ_ONCE(sn->cfg.halfopen_timeout));
	unsigned int expired = 0;
	struct sg_halfopen *t;
	u32 now = jiffies;
	u32 i, j;

	rcu_read_lock();
	t = rcu_dereference(sn->table);
	for (i = 0; i <= t->mask; i++) {
		struct sg_ho_bucket *b = &t->buckets[i];

		spin_lock_bh(&b->lock);
		for (j = 0; j < SG_WAYS; j++) {
			struct sg_ho_entry *e = &b->e[j];

			if (e->family && sg_ho_expired(e, now, timeout)) {
				sg_ho_release(t, e);
				expired++;
			}
		}
		spin_unlock_bh(&b->lock);
	}
	rcu_read_unlock();
	return expired;
}

u32 sg_halfopen_count(struct sg_net *sn)
{
	u32 n;

	rcu_read_lock();
	n = atomic_read(&rcu_dereference(sn->table)->count);
	rcu_read_unlock();
	return n;
}

/* The number of slots the table really has: table_size rounded up. */
u32 sg_halfopen_slots(struct sg_net *sn)
{
	u32 n;

	rcu_read_lock();
	n = (rcu_dereference(sn->table)->mask + 1) * SG_WAYS;
	rcu_read_unlock();
	return n;
}

/* Buckets walked per RCU read section before the walker may reschedule. */
#define SG_WALK_BATCH 256

/*
 * Calls @fn on a copy of every live entry, from slot *@pos on, in process
 * context. @fn runs inside an RCU read section without the bucket lock
 * and must not sleep; when it returns non-zero the walk stops, *@pos
 * names the entry it refused (so that a dump can resume there) and the
 * value is returned. A finished walk returns 0 with *@pos past the end.
 *
 * The walk is not a snapshot: entries that come and go meanwhile may be
 * seen or not, and a resize in between restarts the positions in the
 * new (empty) table.
 */
int sg_halfopen_walk(struct sg_net *sn, u32 *pos,
		     int (*fn)(void *arg, const struct sg_ho_view *v),
		     void *arg)
{
	u32 timeout = msecs_to_jiffies(READ_ONCE(sn->cfg.halfopen_timeout));
	struct sg_ho_view v[SG_WAYS];
	u32 slot[SG_WAYS];
	u32 b = *pos / SG_WAYS, batch, now, i, n;
	struct sg_halfopen *t;
	int ret;

	for (;;) {
		rcu_read_lock();
		t = rcu_dereference(sn->table);
		for (batch = 0; batch < SG_WALK_BATCH; batch++, b++) {
			struct sg_ho_bucket *bk;

			if (b > t->mask) {
				*pos = (t->mask + 1) * SG_WAYS;
				rcu_read_unlock();
				return 0;
			}
			bk = &t->buckets[b];
			now = jiffies;
			n = 0;
			spin_lock_bh(&bk->lock);
			for (i = 0; i < SG_WAYS; i++) {
				const struct sg_ho_entry *e = &bk->e[i];

				if (!e->family || b * SG_WAYS + i < *pos ||
				    sg_ho_expired(e, now, timeout))
					continue;
				memcpy(v[n].saddr, e->saddr, sizeof(v[n].saddr));
				memcpy(v[n].daddr, e->daddr, sizeof(v[n].daddr));
				v[n].sport = e->sport;
				v[n].dport = e->dport;
				v[n].isn = e->isn;
				v[n].age_ms = jiffies_to_msecs(now - e->stamp);
				v[n].family = e->family;
				slot[n++] = b * SG_WAYS + i;
			}
			spin_unlock_bh(&bk->lock);

			for (i = 0; i < n; i++) {
				ret = fn(arg, &v[i]);
				if (ret) {
					*pos = slot[i];
					rcu_read_unlock();
					return ret;
				}
			}
		}
		*pos = b * SG_WAYS;
		rcu_read_unlock();
		cond_resched();
	}
}
