#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load and unload synguard a few times. Each time: the module shows in
# lsmod, /sys/kernel/synguard/ and its stats/ subdirectory appear with a
# readable syn_received counter, and after rmmod all of it is gone.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

ROUNDS=3

sg_require_root
sg_require_cmd insmod rmmod lsmod

in_lsmod() { lsmod | grep -q '^synguard[[:space:]]'; }
not_in_lsmod() { ! in_lsmod; }
sysfs_gone() { [[ ! -e "$SG_SYSFS" ]]; }
counter_is_number() { [[ "$(sg_counter syn_received)" =~ ^[0-9]+$ ]]; }

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

for ((i = 1; i <= ROUNDS; i++)); do
	if ! sg_load; then
		sg_fail "round $i: insmod synguard"
		break
	fi
	sg_pass "round $i: insmod synguard"
	sg_check "round $i: lsmod lists synguard" in_lsmod
	sg_check "round $i: $SG_SYSFS is a directory" test -d "$SG_SYSFS"
	sg_check "round $i: $SG_SYSFS/stats is a directory" \
		test -d "$SG_SYSFS/stats"
	sg_check "round $i: stats/syn_received reads as a number" \
		counter_is_number

	if ! sg_unload; then
		sg_fail "round $i: rmmod synguard"
		break
	fi
	sg_pass "round $i: rmmod synguard"
	sg_check "round $i: lsmod no longer lists synguard" not_in_lsmod
	sg_check "round $i: $SG_SYSFS is gone" sysfs_gone
done

exit "$ret"
