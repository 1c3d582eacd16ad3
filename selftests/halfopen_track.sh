#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 2
#
# Half-open tracking and the `auto` policy, read from the counters.
#
#   $CLI: veth0 10.0.1.1  <---->  $SRV: veth0 10.0.1.2, listener on 9300
#
# monitor: completed handshakes and RSTs end their entries; SYNs from
#          hosts that never answer age out; nothing gets a cookie.
# auto:    one source over its limit gets cookies alone; crossing the high
#          watermark starts cookie mode for all, and it ends again once
#          the SYNs stop; a listener whose own SYN queue is full gets
#          cookies for the SYNs the kernel alone answers with cookies
#          (measured first, without the module), and nobody else does.

source "$(dirname "$0")/lib.sh"

PORT=9300
HERE=$(dirname "$0")

sg_require_root
sg_require_cmd socat python3 insmod nstat

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
ip netns exec "$SRV" socat -t 10 "TCP4-LISTEN:$PORT,bind=10.0.1.2,reuseaddr,fork,backlog=1024" PIPE &
sg_wait_listen "$SRV" "$PORT" || { echo "FAIL: no listener"; exit "$ksft_fail"; }

declare -A base
snap() { local c; for c in "$@"; do base[$c]=$(sg_counter "$c"); done; }
moved() { echo $(($(sg_counter "$1") - ${base[$1]})); }

# moved_at_least NAME VALUE
moved_at_least() { (($(moved "$1") >= $2)); }

# want NAME OP VALUE DESC: assert on how far counter NAME moved since
# snap. For ==, give the packet path up to 2 s to get there first.
want()
{
	local got

	[[ "$2" == "==" ]] && busywait 2000 moved_at_least "$1" "$3"
	got=$(moved "$1")
	if (("$got" $2 "$3")); then
		sg_pass "$4: $1 +$got"
	else
		sg_fail "$4: $1 +$got, want $2 $3"
	fi
}

current_is() { (($(sg_counter halfopen_current) == $1)); }

# syns COUNT SRC [ARGS...]: raw SYNs from SRC (or --src-net) to the
# listener ($DPORT, or $PORT). With synguard loaded, returns once it has
# seen all COUNT (syn_received moved): the veth delivers them after
# pkt.py returns, and the counts asserted next are exact.
syns()
{
	local n=$1 src=$2 r0=

	shift 2
	sg_loaded && r0=$(sg_counter syn_received)
	ip netns exec "$CLI" python3 "$HERE/pkt.py" syn "$src" 10.0.1.2 \
		"${DPORT:-$PORT}" --count "$n" "$@"
	[[ -z "$r0" ]] && return 0
	busywait 5000 sg_counter_above syn_received $((r0 + n - 1)) ||
		sg_fail "synguard saw $(($(sg_counter syn_received) - r0)) of $n SYNs"
}

# nstat_settled NAME AT_LEAST: $SRV's nstat counter NAME is AT_LEAST and
# held still for half a second: the kernel has dealt with a burst.
nstat_settled()
{
	local a b

	a=$(sg_nstat "$SRV" "$1")
	sg_pause 0.5
	b=$(sg_nstat "$SRV" "$1")
	((a == b && b >= $2))
}

# Two listeners with a SYN queue of 8, one for the kernel alone, one for
# synguard: the kernel's request sockets for unanswered SYNs stay a minute.
SMALL_K=9301
SMALL_SG=9302
for p in $SMALL_K $SMALL_SG; do
	ip netns exec "$SRV" socat -t 10 "TCP4-LISTEN:$p,bind=10.0.1.2,reuseaddr,fork,backlog=8" PIPE &
	sg_wait_listen "$SRV" "$p" || { echo "FAIL: no listener"; exit "$ksft_fail"; }
done

# ---------------------------------------------------------- kernel alone
# 30 unanswered SYNs at a listener whose SYN queue holds 8: the kernel
# answers the ones it has no room for with cookies (the reference for the
# same in auto, at the end).
k0=$(sg_nstat "$SRV" TcpExtSyncookiesSent)
DPORT=$SMALL_K syns 30 10.0.1.1 --src-net 10.0.1.128/25
busywait 10000 nstat_settled TcpExtSyncookiesSent $((k0 + 20))
kernel_cookies=$(($(sg_nstat "$SRV" TcpExtSyncookiesSent) - k0))
sg_check "kernel alone: a full SYN queue of 8 gets cookies for $kernel_cookies of 30 SYNs" \
	test "$kernel_cookies" -ge 20 -a "$kernel_cookies" -le 22

# ---------------------------------------------------------------- monitor
sg_load mode=monitor || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }
COUNTERS=(syn_received syn_passed halfopen_added halfopen_completed
	  halfopen_reset halfopen_expired cookies_sent source_limit_hits
	  cookie_mode_entries cookie_mode_exits)

snap "${COUNTERS[@]}"
ok=0
for ((i = 0; i < 10; i++)); do
	sg_tcp_connect "$CLI" 10.0.1.2 "$PORT" && ok=$((ok + 1))
done
sg_check "monitor: 10 connections succeed" test $ok -eq 10
want halfopen_added == 10 "monitor: 10 handshakes"
want halfopen_completed == 10 "monitor: 10 handshakes"
want syn_passed == 10 "monitor: 10 handshakes"
want cookies_sent == 0 "monitor: 10 handshakes"
sg_check "monitor: nothing left half-open" busywait 3000 current_is 0

# The client's kernel answers each SYN-ACK to a raw SYN with a RST.
snap "${COUNTERS[@]}"
syns 20 10.0.1.1
sg_check "monitor: 20 raw SYNs, reset by the client, leave nothing" \
	busywait 5000 current_is 0
want halfopen_added == 20 "monitor: 20 raw SYNs"
want halfopen_reset == 20 "monitor: 20 raw SYNs"

# Nobody answers SYN-ACKs sent to 10.0.1.200..: those SYNs age out (5 s).
snap "${COUNTERS[@]}"
syns 30 10.0.1.1 --src-net 10.0.1.128/25
sg_check "monitor: 30 unanswered SYNs are tracked" \
	busywait 3000 current_is 30
sg_check "monitor: and age out" busywait 12000 current_is 0
want halfopen_expired == 30 "monitor: 30 unanswered SYNs"
want cookies_sent == 0 "monitor: 30 unanswered SYNs"
sg_unload

# ------------------------------------------------------------------- auto
sg_load mode=auto || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }

# One host over the per-source limit (64) gets cookies; the rest do not.
snap "${COUNTERS[@]}"
syns 80 10.0.1.99
want halfopen_added == 64 "auto: 80 SYNs from one source"
want source_limit_hits == 16 "auto: 80 SYNs from one source"
want cookies_sent == 16 "auto: 80 SYNs from one source"
want cookie_mode_entries == 0 "auto: 80 SYNs from one source"
sg_check "auto: other hosts still reach the kernel" \
	sg_tcp_connect "$CLI" 10.0.1.2 "$PORT"
busywait 12000 current_is 0

# 200 sources cross the high watermark (128): cookie mode for everyone.
snap "${COUNTERS[@]}"
syns 200 10.0.1.1 --src-net 10.0.1.128/25
want cookie_mode_entries == 1 "auto: 200 SYNs from many sources"
want halfopen_added == 128 "auto: 200 SYNs from many sources"
want cookies_sent == 72 "auto: 200 SYNs from many sources"
snap cookies_sent
sg_check "auto: in cookie mode, a client connects with a cookie" \
	sg_tcp_connect "$CLI" 10.0.1.2 "$PORT"
want cookies_sent == 1 "auto: a client in cookie mode"

# The SYNs stopped: after the half-opens age out and a calm cooldown,
# cookie mode ends.
exited() { (($(moved cookie_mode_exits) == 1)); }
snap cookie_mode_exits
sg_check "auto: cookie mode ends once the SYNs stop" busywait 20000 exited
snap cookies_sent halfopen_added
sg_check "auto: after cookie mode, connections work" \
	sg_tcp_connect "$CLI" 10.0.1.2 "$PORT"
want cookies_sent == 0 "auto: after cookie mode"
want halfopen_added == 1 "auto: after cookie mode"

# A listener's own full SYN queue: synguard answers with a cookie exactly
# the SYNs the kernel would have, and the namespace stays out of cookie
# mode.
snap cookies_sent listener_full cookie_mode_entries
k0=$(sg_nstat "$SRV" TcpExtSyncookiesSent)
DPORT=$SMALL_SG syns 30 10.0.1.1 --src-net 10.0.1.128/25
want listener_full == "$kernel_cookies" "auto: 30 SYNs at a full SYN queue of 8"
want cookies_sent == "$kernel_cookies" "auto: 30 SYNs at a full SYN queue of 8"
want cookie_mode_entries == 0 "auto: 30 SYNs at a full SYN queue of 8"
k1=$(sg_nstat "$SRV" TcpExtSyncookiesSent)
sg_check "auto: the kernel sent none of those cookies itself ($((k1 - k0)))" \
	test "$k1" -eq "$k0"

# A bucket holds 4 entries: 127 SYNs in a table of 256 slots fill some
# buckets (in 97 of 100 runs), but the table is not half full, so a SYN
# that finds its bucket full is a collision and goes to the kernel
# untracked. Once the table is half full, a full bucket starts cookie
# mode (the watermark is out of reach here).
"$SYNGUARD_CTL" -n "$SRV" set table_size 256 halfopen_high 1000000 ||
	sg_fail "set table_size 256"
snap syn_passed halfopen_added table_full cookies_sent cookie_mode_entries
syns 127 10.0.1.1 --src-net 10.0.1.128/25
sg_info "auto: 127 SYNs in 256 slots: $(moved table_full) found their bucket full"
want cookie_mode_entries == 0 "auto: 127 SYNs in a table of 256"
want cookies_sent == 0 "auto: 127 SYNs in a table of 256"
want syn_passed == 127 "auto: 127 SYNs in a table of 256"
sg_check "auto: 127 SYNs in a table of 256: each tracked or a collision" \
	test $(($(moved halfopen_added) + $(moved table_full))) -eq 127
syns 200 10.0.1.1 --src-net 10.0.1.128/25
want cookie_mode_entries == 1 "auto: 200 more SYNs fill the table"
reason=$("$SYNGUARD_CTL" -n "$SRV" -j show | python3 -c \
	'import json, sys; print(json.load(sys.stdin)["reason"])')
sg_check "auto: the reason is the full table ($reason)" \
	test "$reason" == "flood detected: the half-open table filled up"

exit $ret
