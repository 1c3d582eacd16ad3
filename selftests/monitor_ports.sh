#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 120
#
# A flood as an operator sees it: `synguardctl -j monitor` tells cookie
# mode entered and left with the flooded port first, the kernel log has
# exactly one line for each, and `ports top` ranks the flooded port
# above one serving legitimate clients at the same time, for any user.
#
#   $CLI: veth0 10.0.1.1  <---->  $SRV: veth0 10.0.1.2
#         hping3 --flood at $FLOODED       socat on $FLOODED and $LEGIT
#         legitimate clients to $LEGIT

source "$(dirname "$0")/lib.sh"

CTL=${SYNGUARD_CTL}
SRV_IP=10.0.1.2
FLOODED=9000
LEGIT=8080

sg_setup_pair hping3 socat python3 setpriv
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1
for port in $FLOODED $LEGIT; do
	ip netns exec "$SRV" socat -t 10 \
		"TCP4-LISTEN:$port,bind=$SRV_IP,reuseaddr,fork,backlog=1024" PIPE &
	sg_wait_listen "$SRV" "$port" ||
		{ echo "FAIL: no listener on $port"; exit "$ksft_fail"; }
done
sg_load || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }
ctl() { "$CTL" -n "$SRV" "$@"; }
ctl set cooldown 2 || { echo "FAIL: set cooldown"; exit "$ksft_fail"; }
# How the kernel log names the namespace.
nsname=$(ip netns exec "$SRV" readlink /proc/self/ns/net)

events="$SG_TMPDIR/events"
# Not through ctl(): $! must be synguardctl's own pid.
"$CTL" -n "$SRV" -j monitor >"$events" 2>"$SG_TMPDIR/monitor.err" &
monitor=$!

sg_legit "$CLI" "$SRV_IP" "$LEGIT" 9 >"$SG_TMPDIR/legit" 2>&1 &
legit=$!
sg_pause 2
sg_flood_start "$CLI" "$SRV_IP" "$FLOODED"
busywait 20000 sg_under_attack "$SRV" ||
	sg_fail "the flood did not start cookie mode"
sg_pause 3

# Any user may see the ports, busiest first.
top=$(ip netns exec "$SRV" setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$CTL" -j ports top 4)
sg_info "ports top 4: $top"
read -r first legit_syns <<<"$(python3 -c '
import json, sys
p = json.loads(sys.argv[1])
print(p[0]["port"], sum(x["syns"] for x in p if x["port"] == int(sys.argv[2])))
' "$top" "$LEGIT")"
sg_check "ports top: the flooded port $FLOODED first ($first)" \
	test "$first" == "$FLOODED"
sg_check "ports top: the legitimate port $LEGIT has its SYNs too ($legit_syns)" \
	test "${legit_syns:-0}" -gt 0
sg_check "ports top (text) has a header and the flooded port first" \
	test "$(ctl ports top 2 | awk 'NR == 2 { print $1 }')" == "$FLOODED"

sg_flood_stop
wait "$legit"
calm() { ! sg_under_attack "$SRV"; }
busywait 30000 calm ||
	sg_fail "cookie mode did not end after the flood"
sg_pause 1.5

kill -TERM "$monitor"
wait "$monitor"
rc=$?
sg_check "monitor exits cleanly on SIGTERM (status $rc)" test "$rc" -eq 0
sg_info "events: $(cat "$events" "$SG_TMPDIR/monitor.err")"

# kind PORT: the number of events of kind $1 whose first port is $2.
count()
{
	python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == sys.argv[2] and e["ports"] and \
       e["ports"][0]["port"] == int(sys.argv[3]):
        n += 1
print(n)' "$events" "$1" "$2"
}
sg_check "monitor: one cookie_mode_entered, port $FLOODED first" \
	test "$(count cookie_mode_entered "$FLOODED")" -eq 1
sg_check "monitor: one cookie_mode_left, port $FLOODED first" \
	test "$(count cookie_mode_left "$FLOODED")" -eq 1
sg_check "monitor: every line is one JSON object" \
	python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' \
	"$events"

log=$(dmesg | grep -F "synguard: $nsname: cookie mode")
sg_info "kernel log: $log"
sg_check "kernel log: one 'cookie mode entered' line naming port $FLOODED" \
	test "$(grep -c "cookie mode entered.*busiest ports: $FLOODED " <<<"$log")" -eq 1 -a \
	"$(grep -c 'cookie mode entered' <<<"$log")" -eq 1
sg_check "kernel log: one 'cookie mode left' line" \
	test "$(grep -c 'cookie mode left' <<<"$log")" -eq 1
sg_info "legitimate clients: $(tail -n 2 "$SG_TMPDIR/legit" | tr '\n' ' ')"

exit "$ret"
