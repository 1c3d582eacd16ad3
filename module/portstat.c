// SPDX-License-Identifier: GPL-2.0
/*
 * Per destination port: SYNs, cookies sent and cookies validated, per
 * network namespace, in bounded memory and with no shared write on the
 * packet path.
 *
 * The packet path counts into a small table of its own CPU, one for the
 * current second: SG_PORTSTAT_WAYS entries kept by space-saving. A port
 * not in the table takes the place of the entry counted least and
 * inherits its count as a weight, so that a port with more than one
 * SG_PORTSTAT_WAYS-th of a CPU's counts in a second is always in it
 * (Metwally et al., "Efficient computation of frequent and top-k
 * elements in data streams"). The counts an entry shows are its own,
 * never the inherited weight: a port is never shown more than it got.
 *
 * Each CPU has two such tables. Once a second the policy work moves
 * sn->port_gen on, so that the packet path turns to the other table,
 * and folds the table of the second that ended, over all CPUs, into the
 * namespace's list of SG_PORTSTAT_KEPT ports: totals, the last second's
 * rates, the SYNs since cookie mode began, and a score (SYNs a second,
 * decaying by an eighth a second) by which a newcomer busier than the
 * quietest kept port replaces it. The list is then sorted busiest first,
 * so that a dump or an event only copies its head.
 *
 * Memory: 2 x SG_PORTSTAT_WAYS x 24 bytes = 768 bytes per CPU and
 * namespace, and about 6 KB per namespace (the kept list and the
 * work's scratch). Per SYN: one scan of 16 entries in one CPU's table.
 *
 * Locking: a CPU's tables are written by that CPU only, with bottom
 * halves off (the hooks also run in process context after an NFQUEUE
 * verdict, where the RX softirq may interrupt them). The work reads the
 * tables of the second that ended on every CPU without a lock: a packet
 * that read port_gen just before it moved may still count into the old
 * table while the work reads it, and be counted or lost; statistics can
 * afford one packet. The kept list is written by the work and read by
 * the dumps, both in process context, under ps->lock.
 */

#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "portstat.h"

#define SG_PORTSTAT_WAYS	16
#define SG_PORTSTAT_SCRATCH	(2 * SG_PORTSTAT_KEPT)

/* 24 bytes. gen != the current second marks a free entry. */
struct sg_port_hit {
	u32 gen;		/* the second it counts in */
	__be16 port;
	u16 pad;
	u32 weight;		/* counted, plus what it inherited */
	u32 c[SG_PORT_COUNT_MAX];
};

struct sg_port_cpu {
	struct sg_port_hit h[2][SG_PORTSTAT_WAYS];
};

struct sg_port_kept {
	struct sg_port_view v;
	u32 score;		/* SYNs a second, decaying */
};

struct sg_port_second {
	__be16 port;
	bool kept;		/* folded into a kept entry already */
	u32 c[SG_PORT_COUNT_MAX];
};

static_assert(SG_PORTSTAT_KEPT <= 64);	/* sg_portstat_top()'s bitmap */

struct sg_portstat {
	struct mutex lock;	/* n and kept[] */
	unsigned int n;
	struct sg_port_kept kept[SG_PORTSTAT_KEPT];

	/* The second that ended, over all CPUs: the work's alone. */
	unsigned int nsec;
	struct sg_port_second sec[SG_PORTSTAT_SCRATCH];
};

int sg_portstat_init(struct sg_net *sn)
{
	sn->port_hits = alloc_percpu(struct sg_port_cpu);
	if (!sn->port_hits)
		return -ENOMEM;
	sn->portstat = kzalloc(sizeof(*sn->portstat), GFP_KERNEL_ACCOUNT);
	if (!sn->portstat) {
		free_percpu(sn->port_hits);
		return -ENOMEM;
	}
	mutex_init(&sn->portstat->lock);
	/* Zeroed entries are of second 0: start at 1, all of them free. */
	sn->port_gen = 1;
	return 0;
}

void sg_portstat_destroy(struct sg_net *sn)
{
	kfree(sn->portstat);
	free_percpu(sn->port_hits);
}

/*
 * Counts one @what for destination port @port: in the slots the policy
 * work judges ports by (stats.h), and in this CPU's table.
 */
void sg_port_count(struct sg_net *sn, __be16 port, enum sg_port_count what)
{
	u32 gen = READ_ONCE(sn->port_gen), low_w = U32_MAX;
	struct sg_port_hit *h, *low = NULL;
	unsigned int i;

	if (what == SG_PORT_SENT)
		this_cpu_inc(sn->stats->port_sent[sg_port_slot(port)]);
	else if (what == SG_PORT_VALIDATED)
		this_cpu_inc(sn->stats->port_validated[sg_port_slot(port)]);

	local_bh_disable();
	h = this_cpu_ptr(sn->port_hits)->h[gen & 1];
	for (i = 0; i < SG_PORTSTAT_WAYS; i++, h++) {
		if (h->gen != gen) {
			if (low_w) {
				low = h;
				low_w = 0;
			}
			continue;
		}
		if (h->port == port)
			goto count;
		if (h->weight < low_w) {
			low = h;
			low_w = h->weight;
		}
	}
	h = low;
	h->port = port;
	h->weight = low_w;
	memset(h->c, 0, sizeof(h->c));
	h->gen = gen;
count:
	h->weight++;
	h->c[what]++;
	local_bh_enable();
}

/* Adds one CPU's counts of @port in the second that ended. */
static void sg_portstat_sec_add(struct sg_portstat *ps, __be16 port,
				const u32 *c)
{
	struct sg_port_second *s, *low = NULL;
	unsigned int i;

	for (i = 0; i < ps->nsec; i++) {
		s = &ps->sec[i];
		if (s->port == port)
			goto add;
		if (!low || s->c[SG_PORT_SYN] < low->c[SG_PORT_SYN])
			low = s;
	}
	if (ps->nsec < SG_PORTSTAT_SCRATCH) {
		s = &ps->sec[ps->nsec++];
	} else {
		/* More ports than room: the busiest stay. */
		if (low->c[SG_PORT_SYN] >= c[SG_PORT_SYN])
			return;
		s = low;
	}
	memset(s, 0, sizeof(*s));
	s->port = port;
add:
	for (i = 0; i < SG_PORT_COUNT_MAX; i++)
		s->c[i] += c[i];
}

static struct sg_port_kept *sg_portstat_find(struct sg_portstat *ps, u16 port)
{
	unsigned int i;

	for (i = 0; i < ps->n; i++)
		if (ps->kept[i].v.port == port)
			return &ps->kept[i];
	return NULL;
}

static void sg_portstat_fold(struct sg_port_kept *k,
			     const struct sg_port_second *s, bool episode)
{
	unsigned int i;

	for (i = 0; i < SG_PORT_COUNT_MAX; i++) {
		k->v.rate[i] += s->c[i];
		k->v.total[i] += s->c[i];
	}
	k->score += s->c[SG_PORT_SYN];
	if (episode)
		k->v.episode += s->c[SG_PORT_SYN];
}

/* Busiest first: last second's SYNs, then all of them, then by number. */
static int sg_portstat_cmp(const void *a, const void *b)
{
	const struct sg_port_view *x = a, *y = b;

	if (x->rate[SG_PORT_SYN] != y->rate[SG_PORT_SYN])
		return x->rate[SG_PORT_SYN] > y->rate[SG_PORT_SYN] ? -1 : 1;
	if (x->total[SG_PORT_SYN] != y->total[SG_PORT_SYN])
		return x->total[SG_PORT_SYN] > y->total[SG_PORT_SYN] ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

/*
 * Ends the second: the packet path turns to the other table, and the
 * one it leaves is folded into the kept list. @episode: cookie mode is
 * on, the SYNs count in its episode too.
 */
void sg_portstat_second(struct sg_net *sn, bool episode)
{
	struct sg_portstat *ps = sn->portstat;
	u32 gen = sn->port_gen;		/* the work alone writes it */
	struct sg_port_kept *k, *low;
	struct sg_port_second *s;
	unsigned int i;
	int cpu;

	WRITE_ONCE(sn->port_gen, gen + 1);

	ps->nsec = 0;
	for_each_possible_cpu(cpu) {
		const struct sg_port_hit *h =
			per_cpu_ptr(sn->port_hits, cpu)->h[gen & 1];
		u32 c[SG_PORT_COUNT_MAX];
		unsigned int j;

		for (i = 0; i < SG_PORTSTAT_WAYS; i++) {
			if (READ_ONCE(h[i].gen) != gen || !READ_ONCE(h[i].weight))
				continue;
			for (j = 0; j < SG_PORT_COUNT_MAX; j++)
				c[j] = READ_ONCE(h[i].c[j]);
			sg_portstat_sec_add(ps, READ_ONCE(h[i].port), c);
		}
		cond_resched();
	}

	mutex_lock(&ps->lock);
	for (i = 0; i < ps->n; i++) {
		k = &ps->kept[i];
		memset(k->v.rate, 0, sizeof(k->v.rate));
		k->score -= (k->score + 7) / 8;
	}
	/* The kept ports first, so that a newcomer is judged on today. */
	for (i = 0; i < ps->nsec; i++) {
		s = &ps->sec[i];
		k = sg_portstat_find(ps, ntohs(s->port));
		s->kept = !!k;
		if (k)
			sg_portstat_fold(k, s, episode);
	}
	for (i = 0; i < ps->nsec; i++) {
		s = &ps->sec[i];
		if (s->kept)
			continue;
		if (ps->n < SG_PORTSTAT_KEPT) {
			k = &ps->kept[ps->n++];
		} else {
			low = &ps->kept[0];
			for (k = low + 1; k < ps->kept + ps->n; k++)
				if (k->score < low->score)
					low = k;
			if (low->score >= s->c[SG_PORT_SYN])
				continue;
			k = low;
		}
		memset(k, 0, sizeof(*k));
		k->v.port = ntohs(s->port);
		sg_portstat_fold(k, s, episode);
	}
	/* v is the first member: the comparator sees a view. */
	sort(ps->kept, ps->n, sizeof(*ps->kept), sg_portstat_cmp, NULL);
	mutex_unlock(&ps->lock);
}

/* Cookie mode began: every port's episode starts at zero. */
void sg_portstat_episode_start(struct sg_net *sn)
{
	struct sg_portstat *ps = sn->portstat;
	unsigned int i;

	mutex_lock(&ps->lock);
	for (i = 0; i < ps->n; i++)
		ps->kept[i].v.episode = 0;
	mutex_unlock(&ps->lock);
}

/*
 * Copies the @max busiest kept ports into @v, busiest first: by the
 * last second, or @by_episode by their SYNs since cookie mode began
 * (ports without any are left out). Returns how many it copied.
 */
unsigned int sg_portstat_top(struct sg_net *sn, struct sg_port_view *v,
			     unsigned int max, bool by_episode)
{
	struct sg_portstat *ps = sn->portstat;
	u64 taken = 0;	/* kept entries copied, by index */
	unsigned int i, j, n = 0;

	mutex_lock(&ps->lock);
	if (!by_episode) {
		n = min(max, ps->n);
		for (i = 0; i < n; i++)
			v[i] = ps->kept[i].v;
		goto out;
	}
	/* A few of at most SG_PORTSTAT_KEPT: select, do not sort. */
	for (; n < max; n++) {
		for (i = 0, j = ps->n; i < ps->n; i++)
			if (!(taken & BIT_ULL(i)) && ps->kept[i].v.episode &&
			    (j == ps->n ||
			     ps->kept[i].v.episode > ps->kept[j].v.episode))
				j = i;
		if (j == ps->n)
			break;
		taken |= BIT_ULL(j);
		v[n] = ps->kept[j].v;
	}
out:
	mutex_unlock(&ps->lock);
	return n;
}
