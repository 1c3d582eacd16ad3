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
 * Beside it, fixed arrays indexed by a hash of the source prefix (/32
 * and /64 by default) count the half-opens each source holds and the
 * handshakes it recently completed (its credit: see sg_halfopen_add()).
 * Collisions can only over-count half-opens or share credit, and a
 * source that gets cookies for it merely gets cookies, which still work.
 *
 * What the packet path writes, and where, is laid out for many CPUs: the
 * number of live slots is a percpu_counter, and the per-source counts
 * are split into shards, a CPU counting into its own shard, so that one
 * busy source (a load balancer, a NAT gateway) does not make every CPU
 * write one cache line. Documentation/synguard.rst shows the layouts.
 */

#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/percpu_counter.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "halfopen.h"

#define SG_WAYS 4

/* Per-source count shards: up to this many, one per CPU below it. */
#define SG_SRC_SHARDS 8

/* Buckets the expiry visits per RCU read section, and per second. */
#define SG_EXPIRE_BATCH 1024U
#define SG_EXPIRE_BUDGET 65536U

/* 48 bytes: see the comment at the top. family == 0 marks a free slot. */
struct sg_ho_entry {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	u32 isn;		/* the client's initial sequence number */
	u32 stamp;		/* jiffies when the SYN was seen */
	u16 src;		/* index into the per-source arrays */
	u8 family;
	u8 shard;		/* the src_count shard it was counted in */
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

/*
 * The first cache line is read by every segment and written only when
 * the table is made. The live-slot count gets a line of its own: its
 * shared part is written once per batch of per-CPU changes. Buckets
 * start on a line of their own, so bucket 0's lock shares nothing.
 */
struct sg_halfopen {
	u32 mask;		/* buckets - 1 */
	u32 src_mask;		/* per-source entries per shard - 1 */
	u32 src_shards;		/* shards of src_count */
	u32 pad;
	siphash_key_t key;
	/*
	 * src_shards arrays of src_mask + 1 counts, one after the other:
	 * half-opens per source prefix. An entry is counted in the shard
	 * of the CPU that added it and uncounted there.
	 */
	atomic_t *src_count;
	/*
	 * Credit per source prefix for the handshakes it completed,
	 * halved every SG_CREDIT_PERIOD: the low 24 bits count, the high
	 * 8 hold the period (modulo 256) the count is of. Written without
	 * a lock: a race loses a count, which costs a little credit.
	 */
	u32 *src_credit;
	struct rcu_head rcu;

	struct percpu_counter count ____cacheline_aligned_in_smp;

	struct sg_ho_bucket buckets[] ____cacheline_aligned_in_smp;
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
	u32 shards = min_t(u32, nr_cpu_ids, SG_SRC_SHARDS);
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
	t->src_count = kvcalloc(nsrc * shards, sizeof(*t->src_count),
				SG_TABLE_GFP);
	if (!t->src_count)
		goto err_free_table;
	t->src_credit = kvcalloc(nsrc, sizeof(*t->src_credit), SG_TABLE_GFP);
	if (!t->src_credit)
		goto err_free_src_count;
	if (percpu_counter_init(&t->count, 0, GFP_KERNEL_ACCOUNT))
		goto err_free_src_credit;
	t->mask = nbuckets - 1;
	t->src_mask = nsrc - 1;
	t->src_shards = shards;
	get_random_bytes(&t->key, sizeof(t->key));
	for (i = 0; i < nbuckets; i++)
		spin_lock_init(&t->buckets[i].lock);
	return t;

err_free_src_credit:
	kvfree(t->src_credit);
err_free_src_count:
	kvfree(t->src_count);
err_free_table:
	vfree(t);
	return NULL;
}

static void sg_ho_free(struct sg_halfopen *t)
{
	percpu_counter_destroy(&t->count);
	kvfree(t->src_credit);
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

/* Live slots change by one at a time; the shared sum every this many. */
#define SG_COUNT_BATCH 16

static atomic_t *sg_ho_src_count(const struct sg_halfopen *t, u32 shard,
				 u16 src)
{
	return &t->src_count[shard * (t->src_mask + 1) + src];
}

/* Half-opens source @src holds, over all shards. */
static u32 sg_ho_src_held(const struct sg_halfopen *t, u16 src)
{
	u32 shard, n = 0;

	for (shard = 0; shard < t->src_shards; shard++)
		n += atomic_read(sg_ho_src_count(t, shard, src));
	return n;
}

#define SG_CREDIT_BITS 24
#define SG_CREDIT_MASK ((1U << SG_CREDIT_BITS) - 1)

/* The credit of @src now: its count, halved for every period since. */
static u32 sg_ho_credit(const struct sg_halfopen *t, u16 src, u32 period)
{
	u32 v = READ_ONCE(t->src_credit[src]);
	u32 age = (period - (v >> SG_CREDIT_BITS)) & 0xff;

	return age >= SG_CREDIT_BITS ? 0 : (v & SG_CREDIT_MASK) >> age;
}

/*
 * Credit halves every SG_CREDIT_PERIOD seconds, and each completed
 * handshake earns SG_CREDIT_EARNED: a source completing N handshakes a
 * second then holds at least 16N of credit, room for its clients'
 * half-opens with handshakes up to 16 s long, and while its load grows
 * it earns room ahead of it.
 */
#define SG_CREDIT_PERIOD 4
#define SG_CREDIT_EARNED 4

static u32 sg_credit_period(void)
{
	return (jiffies / (SG_CREDIT_PERIOD * HZ)) & 0xff;
}

/* Frees slot @e; the bucket lock is held. */
static void sg_ho_release(struct sg_halfopen *t, struct sg_ho_entry *e)
{
	atomic_dec(sg_ho_src_count(t, e->shard, e->src));
	percpu_counter_add_batch(&t->count, -1, SG_COUNT_BATCH);
	WRITE_ONCE(e->family, 0);
}

/*
 * Tracks a SYN. A source prefix may hold source_limit half-opens, plus
 * its credit for the handshakes it completed lately: a NAT gateway or
 * load balancer whose clients complete their handshakes is not held to
 * the limit of a stranger, while a source that only sends SYNs is.
 */
enum sg_ho_result sg_halfopen_add(struct sg_net *sn,
				  const struct sg_tuple *tp, u32 isn)
{
	struct sg_halfopen *t = rcu_dereference(sn->table);
	u32 timeout = msecs_to_jiffies(READ_ONCE(sn->cfg.halfopen_timeout));
	u32 limit = READ_ONCE(sn->cfg.source_limit);
	struct sg_ho_bucket *b = &t->buckets[sg_ho_hash(t, tp) & t->mask];
	struct sg_ho_entry *e, *free = NULL;
	u32 now = jiffies, held, shard;
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
	held = sg_ho_src_held(t, src);
	if (held >= limit &&
	    held - limit >= sg_ho_credit(t, src, sg_credit_period())) {
		spin_unlock_bh(&b->lock);
		return SG_HO_SOURCE_LIMIT;
	}
	/* Any shard will do to uncount it; the local one spreads writes. */
	shard = raw_smp_processor_id() % t->src_shards;
	atomic_inc(sg_ho_src_count(t, shard, src));
	percpu_counter_add_batch(&t->count, 1, SG_COUNT_BATCH);
	memcpy(free->saddr, tp->saddr, sizeof(free->saddr));
	memcpy(free->daddr, tp->daddr, sizeof(free->daddr));
	WRITE_ONCE(free->sport, tp->sport);
	WRITE_ONCE(free->dport, tp->dport);
	free->isn = isn;
	free->stamp = now;
	free->src = src;
	free->shard = shard;
	WRITE_ONCE(free->family, tp->family);
	spin_unlock_bh(&b->lock);
	return SG_HO_ADDED;
}

/* One more completed handshake to the credit of source @src. */
static void sg_ho_credit_add(struct sg_halfopen *t, u16 src)
{
	u32 period = sg_credit_period();
	u32 n = min(sg_ho_credit(t, src, period) + SG_CREDIT_EARNED,
		    SG_CREDIT_MASK);

	WRITE_ONCE(t->src_credit[src], period << SG_CREDIT_BITS | n);
}

/*
 * Finds the entry for @tp; with @seq, only if the client's ACK carries
 * the sequence number that follows its SYN. Returns the entry's age in
 * jiffies, or -1 when there is none.
 */
static long sg_ho_remove(struct sg_net *sn, const struct sg_tuple *tp,
			 bool check_seq, u32 seq)
{
	struct sg_halfopen *t = rcu_dereference(sn->table);
	struct sg_ho_bucket *b = &t->buckets[sg_ho_hash(t, tp) & t->mask];
	long age = -1;
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
		return -1;

	spin_lock_bh(&b->lock);
	for (i = 0; i < SG_WAYS; i++) {
		struct sg_ho_entry *e = &b->e[i];

		if (e->family && sg_ho_match(e, tp) &&
		    (!check_seq || seq == e->isn + 1)) {
			age = (u32)jiffies - e->stamp;
			if (check_seq)
				sg_ho_credit_add(t, e->src);
			sg_ho_release(t, e);
			break;
		}
	}
	spin_unlock_bh(&b->lock);
	return age;
}

/*
 * The handshake of @tp completed: forget it, credit its source and add
 * how long it took, in milliseconds, to *@ms. Returns whether it was
 * tracked.
 */
bool sg_halfopen_complete(struct sg_net *sn, const struct sg_tuple *tp,
			  u32 seq, u32 *ms)
{
	long age = sg_ho_remove(sn, tp, true, seq);

	if (age < 0)
		return false;
	*ms = jiffies_to_msecs(age);
	return true;
}

bool sg_halfopen_reset(struct sg_net *sn, const struct sg_tuple *tp)
{
	return sg_ho_remove(sn, tp, false, 0) >= 0;
}

/*
 * Ages out forgotten SYNs; called from the policy work once a second,
 * in process context. Visits at most SG_EXPIRE_BUDGET buckets a call,
 * resuming at *@cursor, and reschedules between batches; a table that
 * holds nothing is not visited at all. What it misses meanwhile the
 * packet path expires as it meets it (sg_halfopen_add()).
 */
unsigned int sg_halfopen_expire(struct sg_net *sn, u32 *cursor)
{
	u32 timeout = msecs_to_jiffies(READ_ONCE(sn->cfg.halfopen_timeout));
	u32 now = jiffies, visited = 0, nbuckets, n, i, j;
	unsigned int expired = 0;
	struct sg_halfopen *t;

	for (;;) {
		rcu_read_lock();
		t = rcu_dereference(sn->table);
		nbuckets = min(t->mask + 1, SG_EXPIRE_BUDGET);
		if (visited >= nbuckets || percpu_counter_sum(&t->count) <= 0) {
			rcu_read_unlock();
			break;
		}
		n = min(nbuckets - visited, SG_EXPIRE_BATCH);
		for (i = 0; i < n; i++) {
			struct sg_ho_bucket *b;

			*cursor &= t->mask;
			b = &t->buckets[*cursor];
			spin_lock_bh(&b->lock);
			for (j = 0; j < SG_WAYS; j++) {
				struct sg_ho_entry *e = &b->e[j];

				if (e->family &&
				    sg_ho_expired(e, now, timeout)) {
					sg_ho_release(t, e);
					expired++;
				}
			}
			spin_unlock_bh(&b->lock);
			++*cursor;
		}
		visited += n;
		rcu_read_unlock();
		cond_resched();
	}
	return expired;
}

/* Live slots, exactly: sums every CPU's share. For slow paths. */
u32 sg_halfopen_count(struct sg_net *sn)
{
	s64 n;

	rcu_read_lock();
	n = percpu_counter_sum(&rcu_dereference(sn->table)->count);
	rcu_read_unlock();
	return max_t(s64, n, 0);
}

/*
 * Whether the table holds at least @n live slots. From the packet path:
 * it adds up every CPU's share only when the running total is too close
 * to @n to tell.
 */
bool sg_halfopen_count_reaches(struct sg_net *sn, u32 n)
{
	struct sg_halfopen *t = rcu_dereference(sn->table);

	return __percpu_counter_compare(&t->count, n, SG_COUNT_BATCH) >= 0;
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
