// SPDX-License-Identifier: GPL-2.0
/*
 * The sources view, for the sources dump: the half-open table summed up
 * by source prefix (prefix4 and prefix6 long), the prefixes that hold
 * the most half-opens first.
 *
 * It reads the table through sg_halfopen_walk() alone, one entry per
 * half-open into an array allocated once, then sorts that array by
 * prefix to merge each prefix into one count, and again by count. The
 * walk is no snapshot: see sg_halfopen_walk().
 */

#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/sort.h>

#include "halfopen.h"
#include "sources.h"

/* Half-opens sg_sources_top() aggregates at most, 24 bytes each. */
#define SG_SRC_DUMP_MAX		65536U

/* What the walk collects into: one entry per half-open. */
struct sg_src_buf {
	struct sg_source *s;
	unsigned int n, cap;
	u8 prefix4, prefix6;
};

static int sg_src_collect(void *arg, const struct sg_ho_view *v)
{
	struct sg_src_buf *d = arg;
	struct sg_source *s;

	if (d->n == d->cap)
		return -ENOSPC;
	s = &d->s[d->n++];
	memset(s, 0, sizeof(*s));
	s->p.family = v->family;
	s->p.len = v->family == AF_INET ? d->prefix4 : d->prefix6;
	memcpy(s->p.addr, v->saddr, sizeof(s->p.addr));
	sg_addr_mask(s->p.addr, s->p.len);
	s->count = 1;
	return 0;
}

static int sg_src_cmp_prefix(const void *a, const void *b)
{
	const struct sg_source *x = a, *y = b;

	if (x->p.family != y->p.family)
		return x->p.family < y->p.family ? -1 : 1;
	return memcmp(x->p.addr, y->p.addr, sizeof(x->p.addr));
}

static int sg_src_cmp_count(const void *a, const void *b)
{
	const struct sg_source *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return sg_src_cmp_prefix(a, b);
}

/*
 * The @limit prefixes that hold the most half-opens, most first: a new
 * array *@out of *@n entries, which the caller frees with kvfree(). In
 * process context: the walk reschedules.
 */
int sg_sources_top(struct sg_net *sn, u32 limit, struct sg_source **out,
		   unsigned int *n)
{
	struct sg_src_buf d = { };
	unsigned int i, m;
	u32 cap, pos = 0;

	/*
	 * Room for what is tracked now and some growth during the walk, up
	 * to SG_SRC_DUMP_MAX: the walk reschedules, and what is sorted
	 * stays a few milliseconds' work.
	 */
	cap = sg_halfopen_count(sn);
	cap = min3(cap + cap / 8 + 64, sg_halfopen_slots(sn), SG_SRC_DUMP_MAX);
	d.s = kvcalloc(cap, sizeof(*d.s), GFP_KERNEL_ACCOUNT);
	if (!d.s)
		return -ENOMEM;
	d.cap = cap;
	d.prefix4 = READ_ONCE(sn->cfg.prefix4);
	d.prefix6 = READ_ONCE(sn->cfg.prefix6);
	/* A table that outgrew the estimate is reported in part. */
	sg_halfopen_walk(sn, &pos, sg_src_collect, &d);

	sort(d.s, d.n, sizeof(*d.s), sg_src_cmp_prefix, NULL);
	for (i = 0, m = 0; i < d.n; i++) {
		if (m && !sg_src_cmp_prefix(&d.s[m - 1], &d.s[i]))
			d.s[m - 1].count++;
		else
			d.s[m++] = d.s[i];
	}
	sort(d.s, m, sizeof(*d.s), sg_src_cmp_count, NULL);
	*out = d.s;
	*n = min(m, limit);
	return 0;
}
