/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_PORTSTAT_H
#define _SG_PORTSTAT_H

#include <linux/types.h>

#include "synguard.h"

/* What is counted per destination port. */
enum sg_port_count {
	SG_PORT_SYN,
	SG_PORT_SENT,		/* cookies sent */
	SG_PORT_VALIDATED,	/* cookies that came back valid */
	SG_PORT_COUNT_MAX
};

/* Destination ports kept per namespace: see portstat.c. */
#define SG_PORTSTAT_KEPT	SYNGUARD_PORT_STATS

/* One destination port, as the dump and the events show it. */
struct sg_port_view {
	u16 port;			/* host order */
	u32 rate[SG_PORT_COUNT_MAX];	/* in the last second */
	u64 total[SG_PORT_COUNT_MAX];	/* since the port was kept */
	u64 episode;			/* SYNs since cookie mode began */
};

int sg_portstat_init(struct sg_net *sn);
void sg_portstat_destroy(struct sg_net *sn);

void sg_port_count(struct sg_net *sn, __be16 port, enum sg_port_count what);

/* From the policy work, once a second. */
void sg_portstat_second(struct sg_net *sn, bool episode);
void sg_portstat_episode_start(struct sg_net *sn);

/* The @max busiest ports into @v, busiest first; returns how many. */
unsigned int sg_portstat_top(struct sg_net *sn, struct sg_port_view *v,
			     unsigned int max, bool by_episode);

#endif /* _SG_PORTSTAT_H */
