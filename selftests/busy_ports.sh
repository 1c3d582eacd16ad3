#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# A flood at one port does not cost a busy port its normal handshakes:
# in cookie mode `auto` exempts the ports whose cookies come back.
#
#   $CLI: veth0 10.0.1.1, netem  <---->  $SRV: veth0 10.0.1.2
#         clients from 10.0.9.0/24          busy: asyncio echo server
#         (AnyIP), $DELAY away               on $BUSY
#         hping3 -S --rand-source            flooded: socat on $FLOODED
#
# The flood starts first and puts the namespace in cookie mode. Then the
# busy load runs ($RATE connections a second, reached over $RAMP s, for
# $SECONDS_ s). Without the module every connection succeeds (the
# reference). With synguard in auto every connection succeeds too; the
# busy port's SYNs get cookies only until its cookies are seen to come
# back, and none in the last $TAIL s, while the flooded port's keep
# getting them and the namespace stays in cookie mode.

source "$(dirname "$0")/lib.sh"

BUSY=8080
FLOODED=9000
SRV_IP=10.0.1.2
RATE=200
RAMP=5
SECONDS_=12
TAIL=4
DELAY=900ms

sg_setup_pair python3 tc hping3 socat
sg_busy_clients "$CLI" veth0 "$DELAY" ||
	{ echo "FAIL: client set-up"; exit "$ksft_fail"; }
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1
sg_busy_server "$SRV" "$SRV_IP" "$BUSY" ||
	{ echo "FAIL: no listener"; exit "$ksft_fail"; }
# A SYN queue the flood does not fill: the namespace's watermark trips,
# not the listener's own queue (halfopen_track tests that).
ip netns exec "$SRV" socat \
	"TCP4-LISTEN:$FLOODED,bind=$SRV_IP,reuseaddr,fork,backlog=4096" PIPE &
sg_wait_listen "$SRV" "$FLOODED" ||
	{ echo "FAIL: no listener"; exit "$ksft_fail"; }

# flood: 2000 spoofed SYNs a second at the flooded port, in the background.
# At a set interval hping3 sends from its SIGALRM handler, and now and then
# aborts when a reply comes in at the same moment: the flood must last the
# whole test, so it is restarted.
flood()
{
	(
		trap 'kill "$child" 2>/dev/null; exit 0' TERM
		while :; do
			ip netns exec "$CLI" hping3 -q -S -p "$FLOODED" -i u500 \
				--rand-source "$SRV_IP" >/dev/null 2>&1 &
			child=$!
			wait "$child"
		done
	) &
	SG_FLOOD_PID=$!
}

# busy LABEL: the busy load at $BUSY.
busy()
{
	sg_busy_run "$1" "$CLI" "$SRV_IP" "$BUSY" --rate "$RATE" \
		--ramp "$RAMP" --seconds "$SECONDS_"
}

flood
busy "kernel alone, flood at $FLOODED"
sg_flood_stop

sg_load || { sg_fail "insmod synguard"; exit "$ret"; }
flood
busywait 20000 sg_under_attack "$SRV" ||
	sg_fail "auto: the flood did not start cookie mode"
# The cookies validated $TAIL s before the load ends. A cookie comes back
# a round trip after it was sent, and the clients start a second or two
# after this: $SECONDS_ - $TAIL s leaves time for the port to be exempt
# and its last cookies to return.
( sg_pause $((SECONDS_ - TAIL))
  sg_ns_counter "$SRV" cookies_validated >"$SG_TMPDIR/tail_from" ) &
busy "synguard auto, flood at $FLOODED"
v1=$(sg_ns_counter "$SRV" cookies_validated)
v0=$(<"$SG_TMPDIR/tail_from")
sg_check "synguard auto: still in cookie mode for the flood" \
	sg_under_attack "$SRV"
sg_flood_stop
sg_info "$("$SYNGUARD_CTL" -n "$SRV" stats | grep -E 'cookies|halfopen_(added|completed)')"
sg_check "synguard auto: the busy port got cookies at first ($v0 validated)" \
	test "$v0" -gt 0
sg_check "synguard auto: ...and none in the last $TAIL s ($((v1 - v0)) validated)" \
	test "$v1" -eq "$v0"

exit "$ret"
