#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Unloading under a SYN flood is clean and gives back what loading took.
#
#   $CLI: veth0 10.0.1.1  <---->  $SRV: veth0 10.0.1.2, default via 10.0.1.1
#         hping3 --flood --rand-source        listener on 9400
#   plus 8 idle namespaces, each with its own half-open table
#
# Three rounds of: load, flood in auto (cookie mode) and in always,
# rmmod while the flood runs. Afterwards vmalloc, per-CPU and slab usage
# must be back where they started, within noise.

source "$(dirname "$0")/lib.sh"

PORT=9400
ROUNDS=3

sg_require_root
sg_require_cmd hping3 socat insmod rmmod

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI SRV I1 I2 I3 I4 I5 I6 I7 I8 ||
	{ echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
ip -n "$SRV" route add default via 10.0.1.1
ip netns exec "$SRV" socat -t 10 "TCP4-LISTEN:$PORT,bind=10.0.1.2,reuseaddr,fork,backlog=1024" PIPE &
sg_wait_listen "$SRV" "$PORT" || { echo "FAIL: no listener"; exit "$ksft_fail"; }

# rmmod under flood takes the last hooks of a hook point away: see
# sg_keep_hooks.
sg_keep_hooks || { echo "FAIL: nft"; exit "$ksft_fail"; }

meminfo() { sg_meminfo "$1"; }

# Let the first round's one-time allocations (module text, sysfs) happen
# before the baseline: load and unload once.
if ! sg_load || ! sg_unload; then
	echo "FAIL: warm-up load"
	exit "$ksft_fail"
fi
sync
echo 2 >/proc/sys/vm/drop_caches
vm0=$(meminfo VmallocUsed)
pcpu0=$(meminfo Percpu)
slab0=$(meminfo SUnreclaim)

for ((r = 1; r <= ROUNDS; r++)); do
	for mode in auto always; do
		sg_load mode=$mode || { sg_fail "round $r: insmod"; exit $ret; }
		ip netns exec "$CLI" hping3 -q -S -p "$PORT" --flood \
			--rand-source 10.0.1.2 >/dev/null 2>&1 &
		flood=$!
		# A new load starts its counters at zero.
		busywait 10000 sg_counter_above cookies_sent 1000 ||
			sg_fail "round $r, $mode: the flood got no cookies"
		sent=$(sg_counter cookies_sent)
		if rmmod synguard; then
			SG_LOADED=0
			sg_pass "round $r, $mode: rmmod under flood ($sent cookies sent)"
		else
			sg_fail "round $r, $mode: rmmod under flood"
		fi
		kill "$flood"
		wait "$flood" 2>/dev/null
		sg_check "round $r, $mode: sysfs directory gone" \
			test ! -e /sys/kernel/synguard
	done
done

sg_check "after the floods: the listener still serves" \
	busywait 5000 sg_tcp_connect "$CLI" 10.0.1.2 "$PORT"

sync
echo 2 >/proc/sys/vm/drop_caches
# Half-open tables are 50 bytes a slot, 4096 slots per namespace by
# default: a leaked table set would be over 2 MB per round.
check_mem()
{
	local name=$1 before=$2 limit=$3 now

	now=$(meminfo "$name")
	if ((now - before < limit)); then
		sg_pass "$name back to baseline ($before -> $now kB)"
	else
		sg_fail "$name grew from $before to $now kB"
	fi
}
check_mem VmallocUsed "$vm0" 1024
check_mem Percpu "$pcpu0" 256
check_mem SUnreclaim "$slab0" 2048

exit $ret
