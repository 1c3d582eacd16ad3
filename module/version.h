/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SG_VERSION_H
#define _SG_VERSION_H

#define SYNGUARD_VERSION "0.1.0"

#endif /* _SG_VERSION_H */
