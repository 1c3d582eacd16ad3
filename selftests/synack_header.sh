#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# rules: 4
#
# A cookie SYN-ACK's IP header is the one the kernel would send: the
# listener's IP_TOS or IPV6_TCLASS, IP_TTL or IPV6_UNICAST_HOPS and
# SO_PRIORITY, and with tcp_reflect_tos the SYN's DSCP.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1  <---->  $SRV: veth0 10.0.1.2 fd00:1::2
#         tcpinfo.py client [--tos]          tcpinfo.py server --tos --ttl
#                                            --priority; nft postrouting
#                                            counts SYN-ACKs by header
#
# Each case connects twice: with synguard in `off` (the kernel's own
# SYN-ACK) and in `always` (synguard's cookie SYN-ACK). In both exactly
# one SYN-ACK leaves the server, and it has the DSCP, TTL or hop limit and
# priority the case expects; only the second costs a cookie.

source "$(dirname "$0")/lib.sh"

PORT=9300
HERE=$(dirname "$0")
CTL=$SYNGUARD_CTL

sg_require_root
sg_require_cmd nft python3 insmod

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
sg_load || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }

# nft_count NAME: packets counted by the server's counter NAME.
nft_count() { sg_nft_counter "$SRV" synack "$1"; }

# expect DSCP TTL PRIORITY: count the server's SYN-ACKs from our ports, every
# one (seen) and those whose header has DSCP, TTL (hop limit) and PRIORITY
# (want).
expect()
{
	ip netns exec "$SRV" nft -f - <<NFT
table inet synack
delete table inet synack
table inet synack {
	counter seen {}
	counter want {}
	chain post {
		type filter hook postrouting priority 0;
		tcp sport $PORT-$((PORT + 99)) tcp flags & (syn | ack) == syn | ack \
			goto synack
	}
	chain synack {
		counter name seen
		ip dscp $1 ip ttl $2 meta priority 0:$3 counter name want
		ip6 dscp $1 ip6 hoplimit $2 meta priority 0:$3 counter name want
	}
}
NFT
}

# connect_case LABEL ADDR "SERVER_ARGS" "CLIENT_ARGS": one connection in
# `off` and one in `always`; each must send one SYN-ACK, the one wanted.
# Each connection has a port of its own, so that nothing one left behind
# (a TIME_WAIT socket, say) decides how the next SYN is handled.
port=$PORT
connect_case()
{
	local label=$1 addr=$2 mode s0 p0 seen0 want0 spid cookies want_cookies

	for mode in off always; do
		want_cookies=0
		[[ $mode == always ]] && want_cookies=1
		"$CTL" -n "$SRV" set mode $mode || sg_fail "set mode $mode"
		s0=$(sg_counter cookies_sent)
		p0=$(sg_counter syn_passed)
		seen0=$(nft_count seen)
		want0=$(nft_count want)
		port=$((port + 1))
		# shellcheck disable=SC2086 # the options are words
		ip netns exec "$SRV" python3 "$HERE/tcpinfo.py" server \
			"$addr" $port $3 >/dev/null &
		spid=$!
		sg_wait_listen "$SRV" $port
		# shellcheck disable=SC2086
		ip netns exec "$CLI" python3 "$HERE/tcpinfo.py" client \
			"$addr" $port $4 >/dev/null ||
			sg_fail "$label, $addr, $mode: connect"
		wait "$spid"
		cookies=$(($(sg_counter cookies_sent) - s0))
		sg_check "$label, $addr, $mode: one SYN-ACK, with the header wanted ($(($(nft_count want) - want0)) of $(($(nft_count seen) - seen0)))" \
			test $(($(nft_count seen) - seen0)) -eq 1 -a \
			$(($(nft_count want) - want0)) -eq 1
		sg_check "$label, $addr, $mode: $cookies cookies ($(($(sg_counter syn_passed) - p0)) SYNs passed)" \
			test "$cookies" -eq $want_cookies
	done
}

for addr in 10.0.1.2 fd00:1::2; do
	ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_reflect_tos=0
	expect 0 64 0
	connect_case "defaults" "$addr" "" ""

	# DSCP AF11 (0x28) on the listener, TTL 33, priority 6.
	expect 10 33 6
	connect_case "listener tos 0x28, ttl 33, priority 6" "$addr" \
		"--tos 0x28 --ttl 33 --priority 6" ""

	# The client's SYN carries EF (0xb8): with tcp_reflect_tos the
	# SYN-ACK does too; without, it has the listener's.
	connect_case "client tos 0xb8, reflect off" "$addr" \
		"--tos 0x28 --ttl 33 --priority 6" "--tos 0xb8"
	# IP_TOS also sets the priority (rt_tos2priority()); set it back.
	ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_reflect_tos=1
	expect 46 64 0
	connect_case "client tos 0xb8, reflect on" "$addr" \
		"--tos 0x28 --priority 0" "--tos 0xb8"
done

exit $ret
