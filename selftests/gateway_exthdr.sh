#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
# rules: 3
#
# A spoofed ACK flood over IPv6 with a destination options header before
# TCP, at a published port while gateway cookies are out, is checked
# like any other ACK: it leaves no conntrack entry on the host.
#
#   $CLI: veth0 fd00:1::1  <-->  $HOST: fd00:1::2 | fd00:2::1  <-->  $SRV: fd00:2::2
#         pkt.py ack                   nat: 8080 -> [fd00:2::2]:80        echo on 80
#         --dst-options
#
# Without synguard (the reference) conntrack takes up each ACK
# (nf_conntrack_tcp_loose): $N entries. With synguard in always, after a
# client's cookie connection: none, and cookies_rejected counts all $N.

source "$(dirname "$0")/lib.sh"

HOST6=fd00:1::2
N=200

sg_require_root
sg_require_cmd nft socat python3 insmod conntrack

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI HOST SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth_as "$CLI" "$HOST" 1 "$HOST" eth0 ||
	{ echo "FAIL: veth setup"; exit "$ksft_fail"; }
# The rename's down took eth0's IPv6 address.
ip -n "$HOST" addr replace "$HOST6/64" dev eth0 nodad ||
	{ echo "FAIL: rename"; exit "$ksft_fail"; }
sg_veth "$HOST" "$SRV" 2 &&
	ip -n "$HOST" -6 route add default via fd00:1::1 &&
	ip -n "$SRV" -6 route add default via fd00:2::1 &&
	ip netns exec "$HOST" sysctl -qw net.ipv6.conf.all.forwarding=1 ||
	{ echo "FAIL: routes"; exit "$ksft_fail"; }
busywait 5000 sg_link_up "$HOST" eth0 || { echo "FAIL: eth0 down"; exit "$ksft_fail"; }
ip netns exec "$HOST" nft -f - <<NFT || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
table ip6 nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip6 daddr $HOST6 tcp dport 8080 dnat to [fd00:2::2]:80
	}
}
table ip6 fw {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ct state established,related accept
	}
}
NFT
sg_echo_server "$SRV" fd00:2::2 80 || { echo "FAIL: no listener"; exit "$ksft_fail"; }

ct_empty() { (($(sg_ct_count "$HOST") == 0)); }

# flood LABEL: $N spoofed ACKs with a destination options header at the
# published port; prints the conntrack entries they left.
flood()
{
	local c0

	# 6.1 counts flushed entries until they are freed.
	ip netns exec "$HOST" conntrack -F >/dev/null 2>&1
	busywait 5000 ct_empty
	c0=$(sg_ct_count "$HOST")
	ip netns exec "$CLI" python3 "$SG_LIB_DIR/pkt.py" ack fd00:1::1 \
		"$HOST6" 8080 --count "$N" --dst-options --src-net fd00:1::/64
	sleep 1
	echo $(($(sg_ct_count "$HOST") - c0))
}

got=$(flood)
sg_check "without synguard: conntrack took up the $N ACKs ($got entries)" \
	test "$got" -ge "$N"

sg_load mode=always || { sg_fail "insmod synguard mode=always"; exit "$ret"; }
# Cookies out for the published port: one connection, and another once
# the first SYN (learning the backend) has passed.
for i in 1 2 3; do
	sg_check "always: a client connects to the published port ($i)" \
		sg_tcp_connect "$CLI" "$HOST6" 8080
done
sg_check "always: gateway cookies went out ($(sg_ns_counter "$HOST" gateway_cookies))" \
	test "$(sg_ns_counter "$HOST" gateway_cookies)" -gt 0
r0=$(sg_ns_counter "$HOST" cookies_rejected)
got=$(flood)
r1=$(sg_ns_counter "$HOST" cookies_rejected)
sg_check "always: the $N ACKs left no conntrack entry ($got)" test "$got" -eq 0
sg_check "always: cookies_rejected counted the $N ACKs ($r0, then $r1)" \
	test "$((r1 - r0))" -eq "$N"
sg_check "rmmod synguard" sg_unload

exit "$ret"
