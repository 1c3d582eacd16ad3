/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_NETLINK_H
#define _SG_NETLINK_H

int sg_netlink_init(void);
void sg_netlink_exit(void);

#endif /* _SG_NETLINK_H */
