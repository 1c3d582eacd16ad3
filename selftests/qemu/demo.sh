#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh [KVER]: the main job, shown. Boots a Debian kernel (default
# 6.12) under QEMU, floods a conntrack-firewalled echo server with
# spoofed SYNs, and prints what legitimate clients saw without and with
# synguard. It runs the flood_conntrack selftest and reads its figures,
# so the demo and the test cannot disagree.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
kver=${1:-6.12}

TESTS=flood_conntrack "$here/check.sh" "$kver" >"$repo/build/demo.log" 2>&1
status=$?

log=$(ls -t "$repo"/build/"$kver".*/results/flood_conntrack.log 2>/dev/null | head -1)
if [[ -z "$log" ]]; then
	cat "$repo/build/demo.log"
	echo "demo: no result; see build/demo.log" >&2
	exit 1
fi

echo "synguard demo: Debian $kver guest under QEMU"
echo "  server: echo service on port 8080 behind an nft 'ct state' firewall,"
echo "          nf_conntrack_max=512, tcp_syncookies=1"
echo "  flood:  hping3 --flood --rand-source (spoofed SYNs)"
echo "  client: 40 sequential connections, each sends and reads back a line"
echo
printf '  %-22s %10s %14s %16s\n' "" "legit ok" "p99 connect" "conntrack peak"
sed -n 's/^INFO: \(.*\): \([0-9]*\/[0-9]*\) legitimate connections, p99 connect \(.*\) ms, conntrack peak \(.*\)$/\1|\2|\3|\4/p' "$log" |
	while IFS='|' read -r what ok p99 peak; do
		printf '  %-22s %10s %11s ms %16s\n' "$what" "$ok" "$p99" "$peak"
	done
echo
sed -n 's/^INFO: \(cookies sent.*\)$/  synguard: \1/p' "$log"
echo
if ((status == 0)); then
	echo "  every assertion of the flood_conntrack selftest passed"
else
	echo "  the flood_conntrack selftest FAILED:"
	grep '^FAIL' "$log" | sed 's/^/    /'
	echo "  full log: $log"
fi
exit "$status"
