/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_POLICY_H
#define _SG_POLICY_H

#include "synguard.h"

void sg_config_defaults(struct sg_config *cfg);
void sg_policy_init(struct sg_net *sn);
void sg_policy_stop(struct sg_net *sn);
void sg_policy_enter(struct sg_net *sn);

static inline bool sg_under_attack(const struct sg_net *sn)
{
	return READ_ONCE(sn->under_attack);
}

int sg_mode_parse(const char *s);

#endif /* _SG_POLICY_H */
