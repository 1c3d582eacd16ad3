/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_FILTER_H
#define _SG_FILTER_H

#include <linux/if.h>
#include <linux/types.h>

#include "synguard.h"
#include "halfopen.h"

struct net_device;

#define SG_MAX_PORT_RANGES	32
#define SG_MAX_PREFIXES		256	/* in each list of prefixes */
#define SG_MAX_FORWARD_DEVS	16	/* interfaces in the forward list */

struct sg_port_range {
	u16 min;
	u16 max;
};

/* A prefix of one of the lists; host bits of @addr are zero. */
struct sg_prefix {
	__be32 addr[4];
	u16 family;
	u8 len;
};

/* An inbound interface of the forward list: its name, NUL padded. */
struct sg_ifname {
	char name[IFNAMSIZ];
};

/*
 * The lists of prefixes, each at most SG_MAX_PREFIXES long. The forward
 * list names inbound interfaces too, at most SG_MAX_FORWARD_DEVS.
 */
enum sg_plist {
	SG_PLIST_ALLOW,		/* sources never answered nor limited */
	SG_PLIST_FORWARD,	/* forwarded destinations gateway mode protects */
};

void sg_filter_destroy(struct sg_net *sn);

bool sg_port_protected(const struct sg_net *sn, __be16 dport);
bool sg_source_allowed(const struct sg_net *sn, const struct sg_tuple *t);
/*
 * Whether @t's destination is inside a prefix of the forward list: a
 * forwarded SYN not DNATed that gateway mode answers for all the same.
 */
bool sg_forward_protected(const struct sg_net *sn, const struct sg_tuple *t);
/*
 * Whether @dev is an interface of the forward list, by its name: a
 * forwarded SYN that came in through it gateway mode answers for, not
 * DNATed and whatever its destination. @dev may be NULL.
 */
bool sg_forward_dev(const struct sg_net *sn, const struct net_device *dev);

/*
 * Writers, under sn->lock. Each applies all of @n items or none; on
 * failure *@bad is the index of the item at fault.
 */
int sg_ports_change(struct sg_net *sn, const struct sg_port_range *r,
		    unsigned int n, bool add, unsigned int *bad);
/*
 * @n prefixes, and for the forward list @ndev interfaces: *@bad counts
 * the prefixes first, then the interfaces.
 */
int sg_plist_change(struct sg_net *sn, enum sg_plist list,
		    const struct sg_prefix *p, unsigned int n,
		    const struct sg_ifname *dev, unsigned int ndev, bool add,
		    unsigned int *bad);

/* Copy out the current lists, under sn->lock; return the count. */
unsigned int sg_ports_get(struct sg_net *sn, struct sg_port_range *r);
unsigned int sg_plist_get(struct sg_net *sn, enum sg_plist list,
			  struct sg_prefix *p);
unsigned int sg_forward_devs_get(struct sg_net *sn, struct sg_ifname *dev);

bool sg_prefix_valid(const struct sg_prefix *p);
/* Clears the bits of @addr past its first @plen. */
void sg_addr_mask(__be32 *addr, unsigned int plen);

#endif /* _SG_FILTER_H */
