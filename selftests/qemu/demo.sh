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
build="$repo/build"
out="$build/demo.log"
stamp="$build/.demo.start"

mkdir -p "$build" && : >"$stamp" || exit 1

# check.sh's steps (installing, building, booting) and the test's
# INFO/PASS/FAIL lines as the guest writes them; everything, apt-get's
# output too, in build/demo.log.
echo "demo: the flood_conntrack selftest on Debian $kver under QEMU;" \
	"full output in build/demo.log"
TESTS=flood_conntrack SYNGUARD_FOLLOW=1 "$here/check.sh" "$kver" 2>&1 |
	tee "$out" |
	grep --line-buffered -E '^(#|(not )?ok |TAP version|1\.\.|selftests: |check\.sh: )'
status=${PIPESTATUS[0]}
echo

# The kernel release check.sh ran, and its log if this run wrote one.
rel=$(sed -n 's/^# === \(.*\) ===$/\1/p' "$out" | tail -n 1)
log="$build/$rel/results/flood_conntrack.log"
if [[ -z "$rel" || ! -f "$log" || ! "$log" -nt "$stamp" ]]; then
	echo "demo: no result; the end of build/demo.log:" >&2
	tail -n 20 "$out" | sed 's/^/  /' >&2
	exit 1
fi

echo "synguard demo: Debian $kver guest under QEMU"
echo "  server: echo service on port 8080 behind an nft 'ct state' firewall,"
echo "          nf_conntrack_max=512, tcp_syncookies=1"
echo "  flood:  hping3 --flood --rand-source (spoofed SYNs)"
echo "  client: 40 sequential connections, each sends and reads back a line"
echo
printf '  %-22s %10s %14s %16s\n' "" "legit ok" "p99 connect" "conntrack peak"
sed -n 's/^INFO: \(.*\): \([0-9]*\/[0-9]*\) legitimate connections, p99 connect \(.*\) ms, conntrack peak \([0-9]*\/[0-9]*\).*$/\1|\2|\3|\4/p' "$log" |
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
