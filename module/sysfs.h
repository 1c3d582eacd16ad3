/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_SYSFS_H
#define _SG_SYSFS_H

#include "synguard.h"

int sg_sysfs_init(void);
void sg_sysfs_exit(void);
void sg_stats_retire(struct sg_net *sn);

#endif /* _SG_SYSFS_H */
