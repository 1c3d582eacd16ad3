// SPDX-License-Identifier: GPL-2.0
/*
 * Which SYNs synguard may act on: the protected destination ports, the
 * allowlist of source prefixes and the forward list of destination
 * prefixes. A SYN to an unprotected port, or from an allowlisted source,
 * goes to the kernel untouched: it is never answered with a cookie and
 * never limited. Gateway mode answers a forwarded SYN whose destination
 * was DNATed, or else lies inside a prefix of the forward list.
 *
 * The lists are immutable arrays published with RCU. A writer holds
 * sn->lock, builds a new array from the old one and its change, swaps
 * the pointer and frees the old array after a grace period. The packet
 * path reads them in the RCU read section netfilter holds around every
 * hook, without a lock. No array at all means the default: every port
 * protected, no source allowed, no forward prefix.
 */

#include <linux/bitmap.h>
#include <linux/inetdevice.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/ipv6.h>

#include "filter.h"

/* The ranges as configured, and a bitmap of every port they cover. */
struct sg_ports {
	struct rcu_head rcu;
	unsigned int n;
	struct sg_port_range r[SG_MAX_PORT_RANGES];
	DECLARE_BITMAP(map, 1 << 16);
};

/* The allowlist, or the forward list. */
struct sg_prefix_list {
	struct rcu_head rcu;
	unsigned int n;
	struct sg_prefix p[];
};

static struct sg_prefix_list __rcu **sg_plist(struct sg_net *sn,
					      enum sg_plist list)
{
	return list == SG_PLIST_FORWARD ? &sn->forward : &sn->allow;
}

void sg_filter_destroy(struct sg_net *sn)
{
	/* The hooks are gone and their readers too: sg_net_pre_exit(). */
	kvfree(rcu_dereference_protected(sn->ports, true));
	kvfree(rcu_dereference_protected(sn->allow, true));
	kvfree(rcu_dereference_protected(sn->forward, true));
}

bool sg_port_protected(const struct sg_net *sn, __be16 dport)
{
	const struct sg_ports *ports = rcu_dereference(sn->ports);

	return !ports || test_bit(ntohs(dport), ports->map);
}

static bool sg_prefix_match(const struct sg_prefix *p, const __be32 *addr)
{
	if (p->family == AF_INET)
		return !((addr[0] ^ p->addr[0]) & inet_make_mask(p->len));
	return ipv6_prefix_equal((const struct in6_addr *)addr,
				 (const struct in6_addr *)p->addr, p->len);
}

/*
 * Whether @addr of @family is inside a prefix of @l. A linear scan: the
 * list is short (SG_MAX_PREFIXES) and only SYNs ask, and only when the
 * list is configured at all.
 */
static bool sg_plist_match(const struct sg_prefix_list *l, u8 family,
			   const __be32 *addr)
{
	unsigned int i;

	if (!l)
		return false;
	for (i = 0; i < l->n; i++)
		if (l->p[i].family == family &&
		    sg_prefix_match(&l->p[i], addr))
			return true;
	return false;
}

bool sg_source_allowed(const struct sg_net *sn, const struct sg_tuple *t)
{
	return sg_plist_match(rcu_dereference(sn->allow), t->family, t->saddr);
}

bool sg_forward_protected(const struct sg_net *sn, const struct sg_tuple *t)
{
	return sg_plist_match(rcu_dereference(sn->forward), t->family,
			      t->daddr);
}

/* Family known, length within it, no host bits set. */
bool sg_prefix_valid(const struct sg_prefix *p)
{
	unsigned int bits = p->family == AF_INET ? 32 : 128;
	unsigned int i, plen = p->len;
	__be32 mask;

	if ((p->family != AF_INET && p->family != AF_INET6) || p->len > bits)
		return false;
	for (i = 0; i < bits / 32; i++, plen -= min(plen, 32U)) {
		mask = plen >= 32 ? htonl(~0U) :
		       plen ? htonl(~0U << (32 - plen)) : 0;
		if (p->addr[i] & ~mask)
			return false;
	}
	for (; i < 4; i++)
		if (p->addr[i])
			return false;
	return true;
}

void sg_addr_mask(__be32 *addr, unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < 4; i++, plen -= min(plen, 32U))
		addr[i] &= plen >= 32 ? htonl(~0U) :
			   plen ? htonl(~0U << (32 - plen)) : 0;
}

/* What the lists' writers share: their kind of item, and its rules. */
struct sg_list_type {
	size_t size;
	unsigned int max;
	bool (*valid)(const void *item);
	bool (*same)(const void *a, const void *b);
};

/*
 * Applies @n additions or deletions from @change to the @*len items in
 * @items (which has room for every addition), all of them or, on an
 * error, any number: the caller then discards @items. *@bad is the index
 * of the change at fault.
 */
static int sg_list_apply(const struct sg_list_type *type, void *items,
			 unsigned int *len, const void *change,
			 unsigned int n, bool add, unsigned int *bad)
{
	size_t size = type->size;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		const void *c = change + i * size;

		*bad = i;
		for (j = 0; j < *len; j++)
			if (type->same(items + j * size, c))
				break;
		if (!add) {
			if (j == *len)
				return -ENOENT;
			/* The order is of no consequence: fill the hole. */
			memcpy(items + j * size, items + --*len * size, size);
			continue;
		}
		if (!type->valid(c))
			return -EINVAL;
		if (j < *len)
			return -EEXIST;
		if (*len == type->max)
			return -ENOSPC;
		memcpy(items + (*len)++ * size, c, size);
	}
	return 0;
}

static bool sg_range_valid(const void *item)
{
	const struct sg_port_range *r = item;

	return r->min && r->min <= r->max;
}

static bool sg_range_same(const void *a, const void *b)
{
	const struct sg_port_range *x = a, *y = b;

	return x->min == y->min && x->max == y->max;
}

static const struct sg_list_type sg_ranges = {
	.size = sizeof(struct sg_port_range),
	.max = SG_MAX_PORT_RANGES,
	.valid = sg_range_valid,
	.same = sg_range_same,
};

static bool sg_prefix_valid_item(const void *item)
{
	return sg_prefix_valid(item);
}

static bool sg_prefix_same(const void *a, const void *b)
{
	const struct sg_prefix *x = a, *y = b;

	return x->family == y->family && x->len == y->len &&
	       !memcmp(x->addr, y->addr, sizeof(x->addr));
}

static const struct sg_list_type sg_prefixes = {
	.size = sizeof(struct sg_prefix),
	.max = SG_MAX_PREFIXES,
	.valid = sg_prefix_valid_item,
	.same = sg_prefix_same,
};

int sg_ports_change(struct sg_net *sn, const struct sg_port_range *r,
		    unsigned int n, bool add, unsigned int *bad)
{
	struct sg_ports *old, *new;
	unsigned int i;
	int ret;

	lockdep_assert_held(&sn->lock);
	old = rcu_dereference_protected(sn->ports, lockdep_is_held(&sn->lock));

	new = kvzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	if (old) {
		new->n = old->n;
		memcpy(new->r, old->r, sizeof(new->r));
	}
	ret = sg_list_apply(&sg_ranges, new->r, &new->n, r, n, add, bad);
	if (ret) {
		kvfree(new);
		return ret;
	}

	for (i = 0; i < new->n; i++)
		bitmap_set(new->map, new->r[i].min,
			   new->r[i].max - new->r[i].min + 1);
	if (!new->n) {
		kvfree(new);
		new = NULL;
	}
	rcu_assign_pointer(sn->ports, new);
	if (old)
		kvfree_rcu(old, rcu);
	return 0;
}

int sg_plist_change(struct sg_net *sn, enum sg_plist list,
		    const struct sg_prefix *p, unsigned int n, bool add,
		    unsigned int *bad)
{
	struct sg_prefix_list __rcu **l = sg_plist(sn, list);
	struct sg_prefix_list *old, *new;
	unsigned int have;
	int ret;

	lockdep_assert_held(&sn->lock);
	old = rcu_dereference_protected(*l, lockdep_is_held(&sn->lock));
	have = old ? old->n : 0;

	new = kvzalloc(struct_size(new, p, have + (add ? n : 0)),
		       GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->n = have;
	if (old)
		memcpy(new->p, old->p, have * sizeof(*new->p));
	ret = sg_list_apply(&sg_prefixes, new->p, &new->n, p, n, add, bad);
	if (ret) {
		kvfree(new);
		return ret;
	}

	if (!new->n) {
		kvfree(new);
		new = NULL;
	}
	rcu_assign_pointer(*l, new);
	if (old)
		kvfree_rcu(old, rcu);
	return 0;
}

unsigned int sg_ports_get(struct sg_net *sn, struct sg_port_range *r)
{
	struct sg_ports *ports;

	lockdep_assert_held(&sn->lock);
	ports = rcu_dereference_protected(sn->ports, lockdep_is_held(&sn->lock));
	if (!ports)
		return 0;
	memcpy(r, ports->r, ports->n * sizeof(*r));
	return ports->n;
}

unsigned int sg_plist_get(struct sg_net *sn, enum sg_plist list,
			  struct sg_prefix *p)
{
	struct sg_prefix_list *l;

	lockdep_assert_held(&sn->lock);
	l = rcu_dereference_protected(*sg_plist(sn, list),
				      lockdep_is_held(&sn->lock));
	if (!l)
		return 0;
	memcpy(p, l->p, l->n * sizeof(*p));
	return l->n;
}
