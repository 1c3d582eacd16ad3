#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 2
#
# A flood at one port does not cost a busy port its normal handshakes:
# in cookie mode `auto` exempts the ports whose cookies come back.
#
#   $CLI: veth0 10.0.1.1, netem  <---->  $SRV: veth0 10.0.1.2
#         clients from 10.0.9.0/24          busy: legitload's echo server
#         (AnyIP), $DELAY away               on $BUSY
#         hping3 -S --rand-source            flooded: socat on $FLOODED
#
# The flood starts first and puts the namespace in cookie mode. Then the
# busy load runs ($RATE connections a second, reached over $RAMP s, for
# $SECONDS_ s). Without the module (the reference) the flood fills the
# flooded port's queue, so that the kernel answers it with cookies, and
# goes on throughout, and every busy connection succeeds. With synguard
# in auto every connection succeeds too; the busy port's SYNs get cookies
# only until its cookies are seen to come back, and none in the last
# $TAIL s (timed from the first connection), while every SYN of the
# flood gets one and the namespace stays in cookie mode.

source "$(dirname "$0")/lib.sh"

BUSY=8080
FLOODED=9000
SRV_IP=10.0.1.2
RATE=200
RAMP=5
SECONDS_=12
TAIL=4
DELAY=900ms

sg_setup_pair tc hping3 socat nft nstat
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

# The flood's SYNs as they reach the server, before synguard sees them.
ip netns exec "$SRV" nft -f - <<EOF ||
table inet sg_flood {
	counter syns {}
	chain pre {
		type filter hook prerouting priority -450;
		tcp dport $FLOODED tcp flags & (syn | ack) == syn counter name syns
	}
}
EOF
	{ echo "FAIL: nft counter"; exit "$ksft_fail"; }
flood_syns() { sg_nft_counter "$SRV" sg_flood syns; }

# busy LABEL [ARGS...]: the busy load at $BUSY, with more legitload
# ARGS. The flood's SYNs that reached the server meanwhile in FLOOD_SYNS,
# the seconds it took in FLOOD_SECS.
busy()
{
	local f0 t0=$SECONDS

	f0=$(flood_syns)
	sg_busy_run "$1" "$CLI" "$SRV_IP" "$BUSY" --rate "$RATE" \
		--ramp "$RAMP" --seconds "$SECONDS_" "${@:2}"
	FLOOD_SYNS=$(($(flood_syns) - f0))
	FLOOD_SECS=$((SECONDS - t0 + 1))
}

# kernel_cookies: whether the kernel alone answers the flood with cookies
# (the flooded listener's queue is full): it noticed a flood.
kernel_cookies() { (($(sg_nstat "$SRV" TcpExtSyncookiesSent) > k0)); }

k0=$(sg_nstat "$SRV" TcpExtSyncookiesSent)
flood
sg_check "kernel alone: the flood fills the flooded port's queue (the kernel sends it cookies)" \
	busywait 30000 kernel_cookies
busy "kernel alone, flood at $FLOODED"
# More SYNs to the flooded port than the busy port's, all along; no
# more than hping3's 2000 a second.
sg_check "kernel alone: the flood went on throughout ($FLOOD_SYNS SYNs at $FLOODED in $FLOOD_SECS s, $SG_BUSY_TOTAL busy connections)" \
	sg_between "$FLOOD_SYNS" "$SG_BUSY_TOTAL" $((2000 * FLOOD_SECS))
sg_flood_stop

sg_load || { sg_fail "insmod synguard"; exit "$ret"; }
flood
busywait 20000 sg_under_attack "$SRV" ||
	sg_fail "auto: the flood did not start cookie mode"
# The counters $TAIL s before the load ends, timed from its first
# connection (legitload --started): a cookie comes back a round trip
# after it was sent, and $SECONDS_ - $TAIL s leave time for the port to
# be exempt and its last cookies to return.
started=$SG_TMPDIR/started
sg_pause 0	# its FIFO, for the sampler too
(
	busywait 30000 test -e "$started" || exit 1
	sg_pause $((SECONDS_ - TAIL))
	declare -A t
	sg_ns_stats "$SRV" t
	echo "${t[cookies_validated]} ${t[cookies_sent]} $(flood_syns)" \
		>"$SG_TMPDIR/tail_from"
) &
sampler=$!
busy "synguard auto, flood at $FLOODED" --started "$started"
declare -A st
sg_ns_stats "$SRV" st
f1=$(flood_syns)
sg_check "synguard auto: still in cookie mode for the flood" \
	sg_under_attack "$SRV"
sg_flood_stop
wait "$sampler"
read -r v0 s0 f0 <"$SG_TMPDIR/tail_from"
v1=${st[cookies_validated]} s1=${st[cookies_sent]}
sg_info "$("$SYNGUARD_CTL" -n "$SRV" stats | grep -E 'cookies|halfopen_(added|completed)')"
if [[ -z "$v0" ]]; then
	sg_fail "synguard auto: no count $TAIL s before the end (the clients never started?)"
else
	# Exempt once its cookies came back: for fewer than half the
	# connections, and at least half the evidence a port is judged on.
	sg_check "synguard auto: the busy port got cookies at first ($v0 validated of $SG_BUSY_TOTAL connections)" \
		sg_between "$v0" 8 $((SG_BUSY_TOTAL / 2))
	sg_check "synguard auto: ...and none in the last $TAIL s ($((v1 - v0)) validated)" \
		test "$v1" -eq "$v0"
	# Meanwhile every flood SYN got a cookie: sent as many as arrived,
	# give or take the moments between reading the two.
	sg_check "synguard auto: the flooded port kept getting cookies in the last $TAIL s ($((s1 - s0)) sent for $((f1 - f0)) SYNs)" \
		sg_between $((s1 - s0)) $(((f1 - f0) * 3 / 4)) \
		$(((f1 - f0) * 5 / 4))
fi

exit "$ret"
