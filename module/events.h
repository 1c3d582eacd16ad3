/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_EVENTS_H
#define _SG_EVENTS_H

#include <linux/types.h>

#include "synguard.h"

struct sg_prefix;
struct sg_port_view;

/* One event for the "events" multicast group (SYNGUARD_CMD_EVENT). */
struct sg_event {
	u32 type;			/* enum synguard_event */
	u32 reason;			/* entered */
	u32 syn_rate;
	u32 halfopen;
	u32 duration;			/* seconds: left, listener full ended */
	u32 count;			/* table full, source limit */
	u16 port;			/* listener full; 0 for the others */
	u16 family;			/* listener full: the listener's */
	const struct sg_prefix *source;	/* source limit; host bits set */
	const struct sg_port_view *ports;
	unsigned int nports;
};

/* From the policy work: sends @ev to the namespace's listeners. */
void sg_event_send(struct sg_net *sn, const struct sg_event *ev);

/*
 * Events go out only between these two: main.c starts them once the
 * family is registered and stops them before it goes.
 */
void sg_events_start(void);
void sg_events_stop(void);

#endif /* _SG_EVENTS_H */
