#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# verify.sh [SYNGUARDCTL]: systemd-analyze verify on the units here, as
# `make install` installs them (with the synguardctl given, default the
# one built in tools/, in place of /usr/sbin/synguardctl). Prints one TAP
# line, "ok - systemd-units" or "not ok - systemd-units" with what
# systemd-analyze said as comments; any message fails, not only errors
# (an unknown key is only a warning to systemd). The man page is not
# looked for: it is installed with the units, not here.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ctl=${1:-$here/../synguardctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v systemd-analyze >/dev/null; then
	echo "not ok - systemd-units # no systemd-analyze (package systemd)"
	exit 1
fi
if [[ ! -x "$ctl" ]]; then
	echo "not ok - systemd-units # no synguardctl at $ctl: make tools"
	exit 1
fi
ctl=$(cd "$(dirname "$ctl")" && pwd)/$(basename "$ctl")
for unit in "$here"/*.service "$here"/*.timer; do
	sed "s|/usr/sbin/synguardctl|$ctl|g" "$unit" >"$tmp/${unit##*/}"
done
out=$(cd "$tmp" && systemd-analyze verify --man=no ./*.service ./*.timer 2>&1)
rc=$?
if ((rc == 0)) && [[ -z "$out" ]]; then
	echo "ok - systemd-units"
	exit 0
fi
echo "not ok - systemd-units # systemd-analyze verify: exit $rc"
[[ -n "$out" ]] && sed 's/^/#   /' <<<"$out"
exit 1
