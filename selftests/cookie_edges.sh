#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 1 2
#
# What synguard in `always` must leave alone or refuse, and what it counts:
# ports without a listener, forged ACKs, SYNs with bad checksums, a netns
# with tcp_syncookies=0, traffic the host only forwards, and what counts
# as local (AnyIP, an address on a device that is down).
#
#   $CLI: veth0 10.0.1.1 fd00:1::1 <--> $SRV: veth0 10.0.1.2 fd00:1::2
#
#   $CLI: c0 10.0.3.1 <--> $RTR: r0 10.0.3.2 | r1 10.0.4.1 <--> $FAR: f0 10.0.4.2
#         ($RTR forwards, and also listens on 0.0.0.0 at the same port)

source "$(dirname "$0")/lib.sh"

PORT=9200
HERE=$(dirname "$0")

sg_require_root
sg_require_cmd socat python3 insmod

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI SRV RTR FAR || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }

# link NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair with IPv4 /24 addresses.
link()
{
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
	ip -n "$1" addr add "$3/24" dev "$2" &&
	ip -n "$4" addr add "$6/24" dev "$5" &&
	ip -n "$1" link set "$2" up &&
	ip -n "$4" link set "$5" up
}
link "$CLI" c0 10.0.3.1 "$RTR" r0 10.0.3.2 &&
link "$RTR" r1 10.0.4.1 "$FAR" f0 10.0.4.2 &&
ip -n "$CLI" route add 10.0.4.0/24 via 10.0.3.2 &&
ip -n "$FAR" route add default via 10.0.4.1 &&
ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1 ||
	{ echo "FAIL: routed topology"; exit "$ksft_fail"; }

sg_load mode=always || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }

for addr in 10.0.1.2 fd00:1::2; do
	ip netns exec "$SRV" socat "$(sg_socat_listen "$addr" "$PORT"),fork" PIPE &
done
sg_wait_listen "$SRV" "$PORT" || { echo "FAIL: no listener"; exit "$ksft_fail"; }
sg_check "pre-check: cookie connections to the listener work" \
	sg_tcp_connect "$CLI" 10.0.1.2 "$PORT"

# expect_delta DESC NAME WANT CMD...: run CMD; counter NAME must move by
# WANT. Packets sent on a veth are handled after the sender returns:
# wait (up to 5 s) for the counter to get there, then read it.
expect_delta()
{
	local desc=$1 name=$2 want=$3 before got

	shift 3
	before=$(sg_counter "$name")
	"$@" >/dev/null 2>&1
	((want)) && busywait 5000 sg_counter_above "$name" $((before + want - 1))
	got=$(($(sg_counter "$name") - before))
	if ((got == want)); then
		sg_pass "$desc: $name +$got"
	else
		sg_fail "$desc: $name +$got, want +$want"
	fi
}

# --- a port without a listener still refuses
refused()
{
	local out

	out=$(ip netns exec "$CLI" socat -T 3 - \
		"$(sg_socat_addr "$1" $((PORT + 1))),connect-timeout=3" \
		</dev/null 2>&1)
	[[ "$out" == *"Connection refused"* ]]
}
for addr in 10.0.1.2 fd00:1::2; do
	sg_check "$addr: a port without a listener refuses" refused "$addr"
	expect_delta "$addr: no cookie for a port without a listener" \
		cookies_sent 0 refused "$addr"
done

# --- forged ACKs are dropped and counted
for pair in "10.0.1.1 10.0.1.2" "fd00:1::1 fd00:1::2"; do
	set -- $pair
	expect_delta "$2: 50 forged ACKs" cookies_rejected 50 \
		ip netns exec "$CLI" python3 "$HERE/pkt.py" ack "$1" "$2" \
		"$PORT" --count 50
done

# --- a SYN with a bad checksum is not answered
for pair in "10.0.1.1 10.0.1.2" "fd00:1::1 fd00:1::2"; do
	set -- $pair
	expect_delta "$2: 20 SYNs with bad checksums" bad_checksum 20 \
		ip netns exec "$CLI" python3 "$HERE/pkt.py" syn "$1" "$2" \
		"$PORT" --count 20 --bad-checksum
	expect_delta "$2: no cookie for a bad checksum" cookies_sent 0 \
		ip netns exec "$CLI" python3 "$HERE/pkt.py" syn "$1" "$2" \
		"$PORT" --count 20 --bad-checksum
done
expect_delta "20 good SYNs" cookies_sent 20 \
	ip netns exec "$CLI" python3 "$HERE/pkt.py" syn 10.0.1.1 10.0.1.2 \
	"$PORT" --count 20

# --- tcp_syncookies=0: no cookies, the kernel handles the SYN itself
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=0
expect_delta "tcp_syncookies=0" syncookies_disabled 1 \
	sg_tcp_connect "$CLI" 10.0.1.2 "$PORT"
expect_delta "tcp_syncookies=0" cookies_sent 0 \
	sg_tcp_connect "$CLI" 10.0.1.2 "$PORT"
sg_check "tcp_syncookies=0: connections still work" \
	sg_tcp_connect "$CLI" 10.0.1.2 "$PORT"
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1

# --- a SO_REUSEPORT group: the overflow stamp the kernel checks is the
# group's, so cookies validate whichever member the ACK lands on
RP=$((PORT + 2))
for i in 1 2; do
	ip netns exec "$SRV" socat -t 10 "TCP4-LISTEN:$RP,bind=10.0.1.2,reuseaddr,reuseport,fork" PIPE &
done
sg_wait_listen "$SRV" "$RP"
reuseport_conns()
{
	local i ok=0

	for ((i = 0; i < 20; i++)); do
		sg_tcp_connect "$CLI" 10.0.1.2 "$RP" && ok=$((ok + 1))
	done
	((ok == 20))
}
s0=$(sg_counter cookies_sent)
v0=$(sg_counter cookies_validated)
sg_check "reuseport group: 20 of 20 connections" reuseport_conns
sg_check "reuseport group: each got a cookie" \
	test $(($(sg_counter cookies_sent) - s0)) -eq 20
# 20 to 40: a handshake's ACK and the data behind it may both be checked
# before the socket exists (flood_conntrack.sh).
sg_check "reuseport group: the kernel took every cookie" \
	sg_between $(($(sg_counter cookies_validated) - v0)) 20 40

# --- forwarded traffic is never answered, even with a wildcard listener
# -t 10: socat's default 0.5 s after the client's FIN can end the
# connection before the forked echo has written, under TCG.
ip netns exec "$RTR" socat -t 10 "TCP4-LISTEN:$PORT,reuseaddr,fork" SYSTEM:'echo router' &
ip netns exec "$FAR" socat -t 10 "TCP4-LISTEN:$PORT,reuseaddr,fork" SYSTEM:'echo far' &
sg_wait_listen "$RTR" "$PORT" && sg_wait_listen "$FAR" "$PORT"
who()
{
	ip netns exec "$CLI" socat -t 10 -T 5 - "TCP4:$1:$PORT,connect-timeout=3" </dev/null 2>/dev/null
}
sg_check "the router's own wildcard listener gets cookie connections" \
	test "$(who 10.0.3.2)" = router
sg_check "a connection through the router reaches the far host" \
	test "$(who 10.0.4.2)" = far
# synguard runs in $FAR too, so exactly one cookie is sent: by $FAR's own
# listener. Had the router answered, the reply would have said "router".
expect_delta "through the router: only the far host's cookie" cookies_sent 1 \
	who 10.0.4.2

# --- which destinations are local is the kernel's routing decision, made
# before LOCAL_IN: a local route that is not an address (AnyIP), and an
# address on a device that is down, which the kernel still delivers to
# (its local route stays): both are answered, and reach the router.
ip -n "$RTR" route add local 10.0.9.0/24 dev lo &&
ip -n "$RTR" link add sgdown type dummy &&
ip -n "$RTR" addr add 10.0.8.1/24 dev sgdown &&
ip -n "$CLI" route add 10.0.8.0/24 via 10.0.3.2 &&
ip -n "$CLI" route add 10.0.9.0/24 via 10.0.3.2 ||
	sg_fail "local-route and down-device set-up"
expect_delta "an AnyIP address of the router gets a cookie" cookies_sent 1 \
	who 10.0.9.7
sg_check "and the connection reaches the router" \
	test "$(who 10.0.9.7)" = router
expect_delta "an address on a device that is down gets a cookie" cookies_sent 1 \
	who 10.0.8.1
sg_check "and the connection reaches the router" \
	test "$(who 10.0.8.1)" = router

exit $ret
