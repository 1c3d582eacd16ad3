// SPDX-License-Identifier: GPL-2.0
/*
 * Which SYNs synguard may act on: the protected destination ports, the
 * allowlist of source prefixes and the forward list of destination
 * prefixes and inbound interfaces. A SYN to an unprotected port, or from
 * an allowlisted source, goes to the kernel untouched: it is never
 * answered with a cookie and never limited. Gateway mode answers a
 * forwarded SYN whose destination was DNATed, or else lies inside a
 * prefix of the forward list, or that came in through one of its
 * interfaces.
 *
 * The lists are immutable arrays published with RCU. A writer holds
 * sn->lock, builds a new array from the old one and its change, swaps
 * the pointer and frees the old array after a grace period. The packet
 * path reads them in the RCU read section netfilter holds around every
 * hook, without a lock. No array at all means the default: every port
 * protected, no source allowed, no forward prefix or interface.
 *
 * Interfaces are named, as nft's iifname and iptables' -i name them: an
 * interface renamed away stops matching, and one made, or renamed, under
 * a listed name matches. Nothing follows the interfaces themselves, so
 * nothing needs a notifier.
 */

#include <linux/bitmap.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
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

/*
 * The allowlist, the forward list's prefixes or its interfaces: @n items
 * of one kind (struct sg_list_type below).
 */
struct sg_list {
	struct rcu_head rcu;
	unsigned int n;
	union {
		DECLARE_FLEX_ARRAY(u8, items);	/* as the writers see them */
		DECLARE_FLEX_ARRAY(struct sg_prefix, p);
		DECLARE_FLEX_ARRAY(struct sg_ifname, dev);
	};
};

static struct sg_list __rcu **sg_plist(struct sg_net *sn, enum sg_plist list)
{
	return list == SG_PLIST_FORWARD ? &sn->forward : &sn->allow;
}

void sg_filter_destroy(struct sg_net *sn)
{
	/* The hooks are gone and their readers too: sg_net_pre_exit(). */
	kvfree(rcu_dereference_protected(sn->ports, true));
	kvfree(rcu_dereference_protected(sn->allow, true));
	kvfree(rcu_dereference_protected(sn->forward, true));
	kvfree(rcu_dereference_protected(sn->forward_dev, true));
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
static bool sg_plist_match(const struct sg_list *l, u8 family,
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

/*
 * As nft's iifname: the name as it is now. A rename races with this
 * read as it does with nft's, and a SYN that meets one is judged by
 * either name.
 */
bool sg_forward_dev(const struct sg_net *sn, const struct net_device *dev)
{
	const struct sg_list *l = rcu_dereference(sn->forward_dev);
	unsigned int i;

	if (!l || !dev)
		return false;
	for (i = 0; i < l->n; i++)
		if (!strncmp(l->dev[i].name, dev->name, IFNAMSIZ))
			return true;
	return false;
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

/* A name an interface could have (NUL padded: netlink.c made it so). */
static bool sg_ifname_valid(const void *item)
{
	const struct sg_ifname *d = item;

	return dev_valid_name(d->name);
}

static bool sg_ifname_same(const void *a, const void *b)
{
	const struct sg_ifname *x = a, *y = b;

	return !strncmp(x->name, y->name, IFNAMSIZ);
}

static const struct sg_list_type sg_ifnames = {
	.size = sizeof(struct sg_ifname),
	.max = SG_MAX_FORWARD_DEVS,
	.valid = sg_ifname_valid,
	.same = sg_ifname_same,
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

/*
 * *@l with @n changes from @change applied, into *@out: NULL when no
 * item is left. Nothing is published; under sn->lock.
 */
static int sg_list_build(struct sg_net *sn, const struct sg_list_type *type,
			 struct sg_list __rcu **l, const void *change,
			 unsigned int n, bool add, unsigned int *bad,
			 struct sg_list **out)
{
	const struct sg_list *old;
	struct sg_list *new;
	unsigned int have;
	int ret;

	old = rcu_dereference_protected(*l, lockdep_is_held(&sn->lock));
	have = old ? old->n : 0;
	new = kvzalloc(struct_size(new, items,
				   (have + (add ? n : 0)) * type->size),
		       GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->n = have;
	if (old)
		memcpy(new->items, old->items, have * type->size);
	ret = sg_list_apply(type, new->items, &new->n, change, n, add, bad);
	if (ret || !new->n) {
		kvfree(new);
		new = NULL;
	}
	*out = new;
	return ret;
}

/*
 * @new in the place of *@l, under sn->lock; the old array is freed after
 * a grace period.
 */
static void sg_list_publish(struct sg_net *sn, struct sg_list __rcu **l,
			    struct sg_list *new)
{
	struct sg_list *old;

	old = rcu_dereference_protected(*l, lockdep_is_held(&sn->lock));
	rcu_assign_pointer(*l, new);
	if (old)
		kvfree_rcu(old, rcu);
}

/*
 * Both of the forward list's arrays are built before either is
 * published: a change is all or nothing. A SYN may meet the new prefixes
 * with the old interfaces, as it may meet either change alone.
 */
int sg_plist_change(struct sg_net *sn, enum sg_plist list,
		    const struct sg_prefix *p, unsigned int n,
		    const struct sg_ifname *dev, unsigned int ndev, bool add,
		    unsigned int *bad)
{
	struct sg_list *newp = NULL, *newdev = NULL;
	int ret = 0;

	lockdep_assert_held(&sn->lock);
	if (WARN_ON_ONCE(ndev && list != SG_PLIST_FORWARD))
		return -EINVAL;
	if (n)
		ret = sg_list_build(sn, &sg_prefixes, sg_plist(sn, list), p, n,
				    add, bad, &newp);
	if (!ret && ndev) {
		ret = sg_list_build(sn, &sg_ifnames, &sn->forward_dev, dev,
				    ndev, add, bad, &newdev);
		if (ret)
			*bad += n;
	}
	if (ret) {
		kvfree(newp);
		return ret;
	}
	if (n)
		sg_list_publish(sn, sg_plist(sn, list), newp);
	if (ndev)
		sg_list_publish(sn, &sn->forward_dev, newdev);
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

/* Copies out the items of *@l, @size bytes each; under sn->lock. */
static unsigned int sg_list_get(struct sg_net *sn, struct sg_list __rcu **l,
				size_t size, void *items)
{
	const struct sg_list *cur;

	lockdep_assert_held(&sn->lock);
	cur = rcu_dereference_protected(*l, lockdep_is_held(&sn->lock));
	if (!cur)
		return 0;
	memcpy(items, cur->items, cur->n * size);
	return cur->n;
}

unsigned int sg_plist_get(struct sg_net *sn, enum sg_plist list,
			  struct sg_prefix *p)
{
	return sg_list_get(sn, sg_plist(sn, list), sizeof(*p), p);
}

unsigned int sg_forward_devs_get(struct sg_net *sn, struct sg_ifname *dev)
{
	return sg_list_get(sn, &sn->forward_dev, sizeof(*dev), dev);
}
