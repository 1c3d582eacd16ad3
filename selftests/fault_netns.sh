#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
# tier: all
#
# Deleting the network namespace a SYN flood is hitting.
#
#   $CLI: veth0 10.0.1.1  <---->  $SRV: veth0 10.0.1.2, default via 10.0.1.1
#         hping3 --flood --rand-source -S      echo server on 9600
#
# Each round makes a new $SRV, floods it (auto and always in turn) and
# deletes it while the flood runs, so that synguard's exit for that
# namespace runs with SYNs still arriving on its veth. Afterwards the
# sysfs totals have not gone backwards, synguard still defends a new
# namespace, and what the namespaces took is given back: synguard holds
# as many vmalloc areas as before, and vmalloc, per-CPU and slab usage
# are back where they started.

source "$(dirname "$0")/lib.sh"

PORT=9600
SRV_IP=10.0.1.2
ROUNDS=3
# Tables this big are vmalloc areas however they are allocated, so a
# leaked one shows in VmallocUsed (6 MB) and in /proc/vmallocinfo.
SLOTS=131072
CTL=$SYNGUARD_CTL

sg_require_root
sg_require_cmd hping3 socat nft insmod rmmod

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

# Namespaces are deleted with our hooks in them, under flood.
sg_keep_hooks || { echo "FAIL: nft"; exit "$ksft_fail"; }
sg_load mode=auto table_size=$SLOTS ||
	{ echo "FAIL: insmod synguard"; exit "$ksft_fail"; }

sg_settle || sg_info "VmallocUsed did not settle"
sync
echo 2 >/proc/sys/vm/drop_caches
vm0=$(sg_meminfo VmallocUsed)
pcpu0=$(sg_meminfo Percpu)
slab0=$(sg_meminfo SUnreclaim)
areas0=$(sg_vmalloc_areas)

setup_ns CLI || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
areas1=$(sg_vmalloc_areas)

# server: a new $SRV, joined to $CLI, with the echo server.
server()
{
	setup_ns SRV && sg_veth "$CLI" "$SRV" 1 &&
		ip -n "$SRV" route add default via 10.0.1.1 &&
		sg_echo_server "$SRV" "$SRV_IP" "$PORT"
}

# $SRV's end of the veth is gone with it, and so is $CLI's: by then the
# namespace's exit has run, synguard's included.
veth_gone() { ! ip -n "$CLI" link show dev veth0 >/dev/null 2>&1; }
# areas_at_most N: synguard holds N vmalloc areas or fewer (fewer when
# a namespace from before the baseline went away meanwhile).
areas_at_most() { (($(sg_vmalloc_areas) <= $1)); }

for ((r = 1; r <= ROUNDS; r++)); do
	mode=$( ((r % 2)) && echo auto || echo always)
	server || { sg_fail "round $r: setup"; break; }
	"$CTL" -n "$SRV" set mode "$mode" || sg_fail "round $r: set mode $mode"
	c0=$(sg_counter cookies_sent)
	sg_flood_start "$CLI" "$SRV_IP" "$PORT"
	sg_check "round $r, $mode: the flood gets cookies" \
		busywait 10000 sg_counter_above cookies_sent $((c0 + 500))

	before=$(sg_counter cookies_sent)
	# The namespace goes once nothing holds it: its processes go first.
	kill "$SG_ECHO_PID"
	wait "$SG_ECHO_PID" 2>/dev/null
	cleanup_ns "$SRV"
	if busywait 20000 veth_gone; then
		sg_pass "round $r, $mode: namespace deleted under flood ($((before - c0)) cookies)"
	else
		sg_fail "round $r, $mode: the namespace did not go away"
	fi
	after=$(sg_counter cookies_sent)
	sg_check "round $r: the totals did not go backwards ($before -> $after)" \
		test "$after" -ge "$before"
	sg_flood_stop
done

sg_check "after $ROUNDS deletions: their tables are freed (synguard holds at most $areas1 vmalloc areas)" \
	busywait 20000 areas_at_most "$areas1"

# A new namespace is defended as before: under flood, clients connect
# with cookies and get what they send echoed intact.
server || { sg_fail "after: setup"; exit $ret; }
"$CTL" -n "$SRV" set mode always || sg_fail "after: set mode always"
c0=$(sg_counter cookies_sent)
v0=$(sg_counter cookies_validated)
sg_flood_start "$CLI" "$SRV_IP" "$PORT"
sg_check "after: the flood on a new namespace gets cookies" \
	busywait 10000 sg_counter_above cookies_sent $((c0 + 1000))
res=$(sg_legit "$CLI" "$SRV_IP" "$PORT" 2)
ok=$(sg_json_int ok <<<"$res")
total=$(sg_json_int total <<<"$res")
sg_check "after: $ok/$total legitimate connections under flood" \
	sg_between "${ok:-0}" "${total:-1}" "${total:-0}"
v=$(($(sg_counter cookies_validated) - v0))
sg_check "after: they came back with cookies ($v)" test $v -ge "${ok:-1}"
sg_flood_stop
kill "$SG_ECHO_PID"
wait "$SG_ECHO_PID" 2>/dev/null
cleanup_ns "$SRV" "$CLI"
sg_check "after: the tables are freed, $CLI's too (at most $areas0 areas)" \
	busywait 20000 areas_at_most "$areas0"

# Every SYN counted went to the kernel, got a cookie or was dropped for a
# counted reason. Exactly: a namespace's counters are folded into the
# totals after its hooks are gone (sg_net_exit), so none is in flight,
# and every namespace that saw traffic is gone by now.
sum=0
for c in syn_passed cookies_sent bad_checksum synack_unroutable synack_nomem; do
	sum=$((sum + $(sg_counter $c)))
done
rcvd=$(sg_counter syn_received)
sg_check "counters: $rcvd SYNs received, $sum accounted for" \
	test "$rcvd" -eq "$sum"

sync
echo 2 >/proc/sys/vm/drop_caches
check_mem()
{
	local name=$1 before=$2 limit=$3 now

	now=$(sg_meminfo "$name")
	if ((now - before < limit)); then
		sg_pass "$name back to baseline ($before -> $now kB)"
	else
		sg_fail "$name grew from $before to $now kB"
	fi
}
check_mem VmallocUsed "$vm0" 1024
check_mem Percpu "$pcpu0" 256
check_mem SUnreclaim "$slab0" 2048

sg_check "rmmod after the deletions" sg_unload

exit $ret
