/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_SOURCES_H
#define _SG_SOURCES_H

#include <linux/types.h>

#include "synguard.h"
#include "filter.h"

/* One source prefix and the half-opens it holds. */
struct sg_source {
	struct sg_prefix p;
	u32 count;
};

int sg_sources_top(struct sg_net *sn, u32 limit, struct sg_source **out,
		   unsigned int *n);

#endif /* _SG_SOURCES_H */
