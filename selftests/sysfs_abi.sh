#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every file under /sys/kernel/synguard/stats/ is documented in
# Documentation/ABI/testing/sysfs-kernel-synguard, every documented file
# exists, and each holds one decimal value and is read-only.

source "$(dirname "$0")/lib.sh"

ABI="$(dirname "$0")/../Documentation/ABI/testing/sysfs-kernel-synguard"

sg_require_root
[[ -r "$ABI" ]] || { echo "FAIL: no $ABI"; exit "$ksft_fail"; }
if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi
sg_load || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }

documented=$(awk '$1 == "What:" && $2 !~ /\/$/ { print $2 }' "$ABI" | sort)
present=$(find "$SG_SYSFS/stats" -type f | sort)

missing=$(comm -13 <(echo "$documented") <(echo "$present"))
stale=$(comm -23 <(echo "$documented") <(echo "$present"))
sg_check "every stats file is documented${missing:+ (missing: $missing)}" \
	test -z "$missing"
sg_check "every documented file exists${stale:+ (absent: $stale)}" \
	test -z "$stale"

bad=
for f in $present; do
	[[ "$(cat "$f")" =~ ^[0-9]+$ ]] || bad+=" $f"
	[[ "$(stat -c %a "$f")" == 444 ]] || bad+=" $f(mode)"
done
sg_check "each file holds one decimal value, mode 0444${bad:+ (bad:$bad)}" \
	test -z "$bad"

exit $ret
