/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * synguard generic netlink family. Documentation/netlink/specs/synguard.yaml
 * describes the same family; `make check` fails when the two disagree.
 */
#ifndef _UAPI_LINUX_SYNGUARD_H
#define _UAPI_LINUX_SYNGUARD_H

#define SYNGUARD_FAMILY_NAME	"synguard"
#define SYNGUARD_FAMILY_VERSION	1

enum synguard_mode {
	SYNGUARD_MODE_OFF,	/* the hook does nothing */
	SYNGUARD_MODE_MONITOR,	/* track and count, never answer */
	SYNGUARD_MODE_AUTO,	/* track; cookies while under attack */
	SYNGUARD_MODE_ALWAYS,	/* cookies for every SYN to a listener */

	__SYNGUARD_MODE_MAX,
	SYNGUARD_MODE_MAX = (__SYNGUARD_MODE_MAX - 1)
};

#endif /* _UAPI_LINUX_SYNGUARD_H */
