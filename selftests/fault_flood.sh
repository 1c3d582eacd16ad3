#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
# tier: all
#
# Faults under a SYN flood: the settings, the TCP sysctls and the listener
# change underneath the packet path while it answers a flood.
#
#   $CLI: veth0 10.0.1.1  <---->  $SRV: veth0 10.0.1.2, default via 10.0.1.1
#         hping3 --flood --rand-source -S      echo server on 8080
#         legit_client.py
#
# settings: nlfuzz --churn sets the mode (off, monitor, auto, always), the
#           watermarks and the table size every 1-3 ms; each valid set is
#           taken, each invalid one refused, and what is read back is what
#           was set. Legitimate clients keep connecting meanwhile.
# sysctls:  tcp_syncookies (0, 1, 2), tcp_timestamps, tcp_sack and
#           tcp_window_scaling (0, 1) in $SRV change at random every few
#           milliseconds (auto, in cookie mode); while tcp_syncookies is 0
#           the flood's SYNs go to the kernel instead of getting cookies
#           it would reject. Afterwards a cookie connection negotiates
#           every option.
# listener: with the listener closed no cookie is sent for its port; it
#           opens and closes a hundred times in a row; once it is back,
#           cookies resume and clients connect (always).
# After each, clients connect and what they send is echoed intact; at the
# end a bulk transfer arrives intact and every SYN synguard saw is
# accounted for.

source "$(dirname "$0")/lib.sh"

PORT=8080
SRV_IP=10.0.1.2
HERE=$(dirname "$0")
CTL=$SYNGUARD_CTL
FUZZER=${SYNGUARD_NLFUZZ:-$SG_LIB_DIR/../tools/tests/nlfuzz}
SEED=${NLFUZZ_SEED:-$RANDOM}
CHURN_SECS=3
SYSCTL_SECS=3

sg_require_root
sg_require_cmd hping3 socat python3 insmod

if [[ ! -x "$FUZZER" ]]; then
	sg_missing "no nlfuzz at '$FUZZER' (make -C tools)"
fi
if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
ip -n "$SRV" route add default via 10.0.1.1
sg_load mode=auto || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }
sg_echo_server "$SRV" "$SRV_IP" "$PORT" ||
	{ echo "FAIL: no listener"; exit "$ksft_fail"; }
sg_check "pre-check: the echo server answers" \
	sg_tcp_connect "$CLI" "$SRV_IP" "$PORT" || exit $ret

declare -A base
snap() { local c; for c in "$@"; do base[$c]=$(sg_counter "$c"); done; }
moved() { echo $(($(sg_counter "$1") - ${base[$1]})); }

# want NAME OP VALUE DESC: assert on how far counter NAME moved since snap
# (OP as test(1) has it: -eq, -gt, ...).
want()
{
	local got

	got=$(moved "$1")
	if test "$got" "$2" "$3"; then
		sg_pass "$4: $1 +$got"
	else
		sg_fail "$4: $1 +$got, want $2 $3"
	fi
}

# Every SYN synguard saw went to the kernel, got a cookie or was dropped
# for a reason it counts. Only exact once nothing is in flight.
accounted()
{
	local c sum=0

	for c in syn_passed cookies_sent bad_checksum synack_unroutable \
		synack_nomem; do
		sum=$((sum + $(sg_counter "$c")))
	done
	(($(sg_counter syn_received) == sum))
}

# legit_result DESC FILE MIN_PERCENT: how legit_client.py did.
legit_result()
{
	local ok total

	ok=$(sg_json_int ok <"$2")
	total=$(sg_json_int total <"$2")
	if ((total > 0 && ok * 100 >= total * $3)); then
		sg_pass "$1: $ok/$total legitimate connections"
	else
		sg_fail "$1: $ok/${total:-?} legitimate connections, want >= $3%"
	fi
}

# validated_by DESC FILE: in mode always, every legitimate connection of
# legit_client.py's FILE that succeeded came back with a valid cookie,
# and the flood's spoofed SYNs never do: cookies_validated moved by at
# least the client's successes and at most twice its attempts (a
# handshake's ACK and the data behind it may be checked on two CPUs at
# once, before the socket exists: flood_conntrack.sh).
validated_by()
{
	local ok total v

	ok=$(sg_json_int ok <"$2")
	total=$(sg_json_int total <"$2")
	v=$(moved cookies_validated)
	if sg_between "$v" "${ok:-1}" $((2 * ${total:-0})); then
		sg_pass "$1: clients came back with cookies ($v for $ok of $total)"
	else
		sg_fail "$1: cookies_validated +$v for $ok of ${total:-?} connections"
	fi
}

# table_sane DESC: the namespace tracks no more than its table holds.
table_sane()
{
	local cur slots

	read -r cur slots < <("$CTL" -n "$SRV" show |
		sed -n 's/^half-open: \([0-9]*\) tracked, \([0-9]*\) slots$/\1 \2/p')
	sg_check "$1: half-opens within the table ($cur of $slots slots)" \
		test "${cur:-1}" -le "${slots:-0}"
}

sg_flood_start "$CLI" "$SRV_IP" "$PORT"
sg_check "the flood gets cookies" busywait 10000 sg_counter_above cookies_sent 1000
sg_info "flood: $(sg_counter syn_received) SYNs, $(sg_counter cookies_sent) cookies so far"

# ------------------------------------------------------------- settings
snap syn_received
sg_legit "$CLI" "$SRV_IP" "$PORT" "$CHURN_SECS" >"$SG_TMPDIR/legit.churn" &
legit=$!
ip netns exec "$SRV" "$FUZZER" --churn "$CHURN_SECS" "$SEED" \
	>"$SG_TMPDIR/churn" 2>&1
rc=$?
wait "$legit"
cat "$SG_TMPDIR/churn"
sg_check "settings: every set taken or refused as it should be, and read back" \
	test $rc -eq 0
applied=$(sed -n 's/.* \([0-9]*\) applied.*/\1/p' "$SG_TMPDIR/churn")
sg_check "settings: changed often ($applied sets in $CHURN_SECS s)" \
	test "${applied:-0}" -ge $((CHURN_SECS * 25))
want syn_received -gt 2000 "settings: the flood went on"
legit_result "settings" "$SG_TMPDIR/legit.churn" 80

"$CTL" -n "$SRV" set mode always halfopen_high 128 halfopen_low 32 \
	table_size 4096 || sg_fail "settings: back to always"
table_sane "settings"
snap cookies_validated
sg_legit "$CLI" "$SRV_IP" "$PORT" 1 >"$SG_TMPDIR/legit.always"
legit_result "settings, then always" "$SG_TMPDIR/legit.always" 100
validated_by "settings, then always" "$SG_TMPDIR/legit.always"

# -------------------------------------------------------------- sysctls
"$CTL" -n "$SRV" set mode auto || sg_fail "sysctls: mode auto"
SYSCTLS=(tcp_syncookies tcp_timestamps tcp_sack tcp_window_scaling)
snap syncookies_disabled cookies_sent
sg_legit "$CLI" "$SRV_IP" "$PORT" "$SYSCTL_SECS" >"$SG_TMPDIR/legit.sysctl" &
legit=$!
# Builtins only, and a read on an empty FIFO for a 2 ms pause: under TCG
# every exec costs a tenth of a second.
mkfifo "$SG_TMPDIR/toggle.fifo"
# shellcheck disable=SC2016 # expanded by the inner shell
toggles=$(ip netns exec "$SRV" bash -c '
	exec 3<>"$1"
	shift
	n=0 end=$((SECONDS + $1))
	shift
	while ((SECONDS < end)); do
		echo $((RANDOM % 3)) >/proc/sys/net/ipv4/tcp_syncookies
		for s in "$@"; do
			echo $((RANDOM & 1)) >/proc/sys/net/ipv4/$s
		done
		n=$((n + 1))
		read -r -t 0.002 -u 3
	done
	echo $n
	for s in tcp_syncookies "$@"; do
		echo 1 >/proc/sys/net/ipv4/$s
		read -r v </proc/sys/net/ipv4/$s
		echo "$s $v"
	done' sh "$SG_TMPDIR/toggle.fifo" "$SYSCTL_SECS" "${SYSCTLS[@]:1}")
wait "$legit"
n=$(head -n1 <<<"$toggles")
sg_check "sysctls: changed all four $n times in $SYSCTL_SECS s" \
	test "${n:-0}" -ge $((SYSCTL_SECS * 10))
want syncookies_disabled -gt 0 "sysctls: no cookies while tcp_syncookies was 0"
want cookies_sent -gt 500 "sysctls: cookies while it was on"
# While they flip, a handshake may meet other settings at its ACK than at
# its SYN, and fail (the kernel's own cookies fare no better); few do.
legit_result "sysctls, during" "$SG_TMPDIR/legit.sysctl" 50
for s in "${SYSCTLS[@]}"; do
	sg_check "sysctls: $s back to 1" grep -qx "$s 1" <<<"$toggles"
done

# A cookie connection under flood negotiates every option again.
snap cookies_validated
ip netns exec "$SRV" python3 "$HERE/tcpinfo.py" server "$SRV_IP" \
	$((PORT + 2)) >"$SG_TMPDIR/tcpinfo.srv" &
spid=$!
sg_wait_listen "$SRV" $((PORT + 2))
cli=$(ip netns exec "$CLI" python3 "$HERE/tcpinfo.py" client "$SRV_IP" \
	$((PORT + 2)))
wait "$spid"
srv=$(cat "$SG_TMPDIR/tcpinfo.srv")
# One connection: 1, or 2 (validated_by).
want cookies_validated -ge 1 "sysctls, after: a cookie connection"
want cookies_validated -le 2 "sysctls, after: a cookie connection"
# options JSON: both ends have timestamps, SACK and window scaling on, and
# each sends with the scale the other receives with.
options()
{
	local s=$1 c=$2 k

	for k in ts sack wscale_ok; do
		[[ "$s" == *"\"$k\": true"* && "$c" == *"\"$k\": true"* ]] ||
			return 1
	done
	[[ "$(sg_json_int snd_wscale <<<"$s")" == "$(sg_json_int rcv_wscale <<<"$c")" &&
		"$(sg_json_int rcv_wscale <<<"$s")" == "$(sg_json_int snd_wscale <<<"$c")" ]]
}
if options "$srv" "$cli"; then
	sg_pass "sysctls, after: timestamps, SACK and window scaling agreed"
else
	sg_fail "sysctls, after: options: server $srv, client $cli"
fi

# ------------------------------------------------------------- listener
"$CTL" -n "$SRV" set mode always || sg_fail "listener: mode always"
kill "$SG_ECHO_PID"
wait "$SG_ECHO_PID" 2>/dev/null
closed() { ! sg_listening "$SRV" "$PORT"; }
sg_check "listener: closed" busywait 5000 closed
snap cookies_sent syn_passed
moved_above() { (($(moved "$1") > $2)); }
busywait 10000 moved_above syn_passed 500
want cookies_sent -eq 0 "listener closed: no cookies for its port"
want syn_passed -gt 500 "listener closed: the flood goes to the kernel"

snap cookies_sent
if ip netns exec "$SRV" python3 - "$SRV_IP" "$PORT" <<'PY'; then
import socket, sys, time
for _ in range(100):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(sys.argv[2])))
    s.listen(128)
    time.sleep(0.01)
    s.close()
PY
	sg_pass "listener: opened and closed 100 times under flood"
else
	sg_fail "listener: could not open and close it 100 times"
fi
want cookies_sent -gt 0 "listener: cookies while it was open"

sg_echo_server "$SRV" "$SRV_IP" "$PORT" ||
	sg_fail "listener: cannot listen again"
snap cookies_sent cookies_validated
sg_legit "$CLI" "$SRV_IP" "$PORT" 1 >"$SG_TMPDIR/legit.reopen"
legit_result "listener, reopened" "$SG_TMPDIR/legit.reopen" 100
want cookies_sent -gt 500 "listener, reopened: cookies again"
validated_by "listener, reopened" "$SG_TMPDIR/legit.reopen"

# Up: the server receives with the window scale its cookie announced.
sg_check "at the end, under flood: 256 KiB arrive intact" \
	sg_tcp_transfer "$SRV" "$CLI" "$SRV_IP" $((PORT + 1)) 256 up

sg_flood_stop
sg_check "every SYN accounted for: received = passed + cookies + dropped" \
	busywait 3000 accounted
table_sane "at the end"

exit $ret
