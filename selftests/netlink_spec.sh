#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The uAPI header, the YNL spec and the module describe the same family.
#
# tools/check-uapi-spec.py derives the header a YNL generator would write
# from Documentation/netlink/specs/synguard.yaml and compares names,
# values and order with include/uapi/linux/synguard.h; it checks the
# types and per-command attributes drawn in the header's comment, and
# the module's policies, ops and counters against the spec. Needs only
# python3 (with python3-yaml); no module is loaded.

source "$(dirname "$0")/lib.sh"

sg_require_cmd python3

python3 "$SG_LIB_DIR/../tools/check-uapi-spec.py"
rc=$?
((rc == ksft_skip)) && sg_missing "no python3-yaml"
((rc == 0)) || ret=$ksft_fail
exit $ret
