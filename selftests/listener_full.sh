#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
# rules: 4
#
# A listener whose own SYN queue is full, as an operator sees it. The
# kernel alone answers its SYNs with cookies and logs, once for the
# listener, "Possible SYN flooding on port ... Sending cookies.". With
# synguard in `auto`, synguard answers them instead (listener_full): the
# log must have the kernel's line, word for word and once, and
# `synguardctl -j monitor` must tell when synguard started answering for
# the port and, once the flood is over, that it ended. Each family runs
# without the module first, as the reference; during each flood a
# legitimate client gets its line echoed through a cookie.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1  <---->  $SRV: veth0 10.0.1.2 fd00:1::2
#         hping3 --flood (IPv4),              socat, backlog 8, on $PORT
#         tools/synflood (IPv6),              (IPv4, then IPv6)
#         sg_tcp_connect
#
# The listener accepts, so that the client's line can come back: the
# spoofed half-opens never complete, and they alone keep its SYN queue
# full (the kernel's test, inet_csk_reqsk_queue_is_full()). Each case has
# a listener of its own: the kernel logs the line once per listener.

source "$(dirname "$0")/lib.sh"

CTL=$SYNGUARD_CTL
SYNFLOOD=${SYNGUARD_SYNFLOOD:-$SG_LIB_DIR/../tools/synflood}
PORT=8080
BACKLOG=8
COOLDOWN=2
FLOOD6_SRC=fd09::/32
FLOOD6_PPS=20000
LINE='Possible SYN flooding on port'

sg_setup_pair hping3 socat python3 nstat insmod
[[ -x "$SYNFLOOD" ]] || sg_missing "no synflood at '$SYNFLOOD' (make -C tools)"
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1 ||
	{ echo "FAIL: tcp_syncookies"; exit "$ksft_fail"; }
srv_mac=$(ip -n "$SRV" -br link show dev veth0 | awk '{ print $3 }')

declare -A ref_line=()
listener=

# listen ADDR: a new echo server on ADDR:$PORT in $SRV, backlog $BACKLOG.
listen()
{
	ip netns exec "$SRV" socat -t 10 \
		"$(sg_socat_listen "$1" "$PORT"),fork,backlog=$BACKLOG" PIPE &
	listener=$!
	sg_wait_listen "$SRV" "$PORT"
}

not_listening() { ! sg_listening "$SRV" "$PORT"; }

# unlisten: the listener goes, with the request sockets of its queue.
unlisten()
{
	kill "$listener" 2>/dev/null
	wait "$listener" 2>/dev/null
	busywait 10000 not_listening
}

# flood_start ADDR: spoofed SYNs at ADDR:$PORT from $CLI. hping3 has no
# IPv6: tools/synflood sends those.
flood_start()
{
	if [[ "$1" == *:* ]]; then
		ip netns exec "$CLI" "$SYNFLOOD" -i veth0 -m "$srv_mac" \
			-d "$1" -p "$PORT" -s "$FLOOD6_SRC" -r "$FLOOD6_PPS" \
			>/dev/null 2>&1 &
		SG_FLOOD_PID=$!
	else
		sg_flood_start "$CLI" "$1" "$PORT"
	fi
}

# kmsg_mark: how many lines the kernel log holds now.
kmsg_mark() { dmesg | wc -l; }

# flood_lines MARK: the log's SYN flood lines since MARK, without time.
flood_lines() { dmesg -t | tail -n +$(($1 + 1)) | grep -F "$LINE"; }
flood_logged() { [[ -n "$(flood_lines "$1")" ]]; }

nstat_above() { (($(sg_nstat "$SRV" "$1") > $2)); }
ns_counter_above() { (($(sg_ns_counter "$SRV" "$1") > $2)); }

# events KIND FAMILY: monitor's KIND events for $PORT and FAMILY so far.
events()
{
	python3 - "$SG_TMPDIR/events" "$1" "$PORT" "$2" <<-'EOF'
		import json, sys
		path, kind, port, family = sys.argv[1:]
		print(sum(1 for l in open(path)
			  if (e := json.loads(l))["event"] == kind and
			  e.get("port") == int(port) and
			  e.get("family") == family))
	EOF
}
event_seen() { (($(events "$1" "$2") > 0)); }

# kernel_case NAME ADDR: the reference, without synguard.
kernel_case()
{
	local name=$1 addr=$2 mark q0 r0 lines

	listen "$addr" || { sg_fail "$name: no listener on $addr"; return; }
	mark=$(kmsg_mark)
	q0=$(sg_nstat "$SRV" TcpExtTCPReqQFullDoCookies)
	r0=$(sg_nstat "$SRV" TcpExtSyncookiesRecv)
	flood_start "$addr"
	sg_check "$name: without synguard: the full queue makes the kernel send cookies" \
		busywait 20000 nstat_above TcpExtTCPReqQFullDoCookies "$q0"
	sg_check "$name: without synguard: a client's line comes back during the flood" \
		sg_tcp_connect "$CLI" "$addr" "$PORT"
	sg_check "$name: without synguard: ...through a cookie (SyncookiesRecv)" \
		nstat_above TcpExtSyncookiesRecv "$r0"
	busywait 10000 flood_logged "$mark"
	sg_flood_stop
	unlisten || sg_fail "$name: the listener did not go"
	lines=$(flood_lines "$mark")
	sg_info "$name: without synguard, the log: $lines"
	sg_check "$name: without synguard: the kernel logs one line for the listener" \
		test -n "$lines" -a "$(grep -c . <<<"$lines")" -eq 1
	ref_line[$name]=$lines
}

# synguard_case NAME ADDR FAMILY: the same with synguard in auto.
synguard_case()
{
	local name=$1 addr=$2 family=$3 mark q0 q1 l0 l1 v0 lines

	listen "$addr" || { sg_fail "$name: no listener on $addr"; return; }
	mark=$(kmsg_mark)
	q0=$(sg_nstat "$SRV" TcpExtTCPReqQFullDoCookies)
	l0=$(sg_ns_counter "$SRV" listener_full)
	v0=$(sg_ns_counter "$SRV" cookies_validated)
	flood_start "$addr"
	sg_check "$name: auto: synguard answers for the full listener (listener_full)" \
		busywait 20000 ns_counter_above listener_full "$l0"
	sg_check "$name: auto: a client's line comes back during the flood" \
		sg_tcp_connect "$CLI" "$addr" "$PORT"
	sg_check "$name: auto: ...through synguard's cookie (cookies_validated)" \
		ns_counter_above cookies_validated "$v0"
	sg_check "$name: auto: monitor tells synguard started, port $PORT $family" \
		busywait 10000 event_seen listener_full_started "$family"
	busywait 10000 flood_logged "$mark"
	sg_check "$name: auto: no end told while the flood lasts" \
		test "$(events listener_full_ended "$family")" -eq 0
	sg_flood_stop
	l1=$(sg_ns_counter "$SRV" listener_full)
	q1=$(sg_nstat "$SRV" TcpExtTCPReqQFullDoCookies)
	sg_check "$name: auto: monitor tells it ended, $COOLDOWN s after the flood" \
		busywait $(((COOLDOWN + 5) * 1000)) \
		event_seen listener_full_ended "$family"
	sg_check "$name: auto: TcpExtTCPReqQFullDoCookies counts synguard's cookies ($((q1 - q0)) >= $((l1 - l0)))" \
		test $((q1 - q0)) -ge $((l1 - l0))
	unlisten || sg_fail "$name: the listener did not go"

	lines=$(flood_lines "$mark")
	sg_info "$name: auto, the log: $lines"
	sg_check "$name: auto: the log has the kernel's line, once" \
		test -n "$lines" -a "$lines" == "${ref_line[$name]}"
	sg_check "$name: auto: monitor told one start and one end" \
		test "$(events listener_full_started "$family")" -eq 1 -a \
		"$(events listener_full_ended "$family")" -eq 1
}

kernel_case IPv4 10.0.1.2
kernel_case IPv6 fd00:1::2

sg_load mode=auto || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }
"$CTL" -n "$SRV" set cooldown "$COOLDOWN" || sg_fail "set cooldown"
# Not through a function: $! must be synguardctl's own pid.
"$CTL" -n "$SRV" -j monitor >"$SG_TMPDIR/events" 2>"$SG_TMPDIR/monitor.err" &
monitor=$!
"$CTL" -n "$SRV" monitor >"$SG_TMPDIR/events.txt" 2>&1 &
monitor_text=$!
# The monitors join the group before the first flood.
sg_pause 1

synguard_case IPv4 10.0.1.2 inet
synguard_case IPv6 fd00:1::2 inet6

kill -TERM "$monitor" "$monitor_text"
wait "$monitor"
rc=$?
wait "$monitor_text"
sg_info "events: $(cat "$SG_TMPDIR/events" "$SG_TMPDIR/monitor.err")"
sg_info "events as text: $(cat "$SG_TMPDIR/events.txt")"
sg_check "monitor exits cleanly (status $rc)" test "$rc" -eq 0
for family in inet inet6; do
	sg_check "monitor (text): listener full on port $PORT ($family), started and ended" \
		test "$(grep -c "^listener full on port $PORT ($family): cookies for its SYNs, " \
			"$SG_TMPDIR/events.txt")" -eq 1 -a \
		"$(grep -c "^listener full on port $PORT ($family) ended after [0-9]* s of cookies\$" \
			"$SG_TMPDIR/events.txt")" -eq 1
done
sg_check "auto: cookie mode was never entered: the full listener alone answered" \
	test "$(sg_ns_counter "$SRV" cookie_mode_entries)" -eq 0

exit "$ret"
