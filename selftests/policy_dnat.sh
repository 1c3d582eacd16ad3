#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# rules: 1
#
# Docker's default publishing: host port 8080 DNATed to a container's
# port 80, with a userland proxy listening on host:8080 as well (Docker's
# docker-proxy), and port 8081 DNATed without one. The SYN is forwarded
# to the container, so the host's synguard must not answer it for the
# proxy; the container's own answers it like any local listener.
#
#   $CLI: veth0 10.0.1.1  <-->  $HOST: eth0 10.0.1.2  veth0 10.0.2.1  <-->  $CTR: 10.0.2.2
#                               DNAT 8080, 8081 -> 10.0.2.2:80             echo on 80
#                               socat proxy on 8080, echo on 9999
#                               forward: ct state rules, as Docker's

source "$(dirname "$0")/lib.sh"

sg_require_root
sg_require_cmd hping3 nft socat python3 insmod

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI HOST CTR || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth_as "$CLI" "$HOST" 1 "$HOST" eth0 ||
	{ echo "FAIL: veth setup"; exit "$ksft_fail"; }
busywait 5000 sg_link_up "$HOST" eth0 || { echo "FAIL: eth0 down"; exit "$ksft_fail"; }
sg_veth "$HOST" "$CTR" 2 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
ip -n "$HOST" route add default via 10.0.1.1
ip -n "$CTR" route add default via 10.0.2.1
ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1

ip netns exec "$HOST" nft -f - <<NFT || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr 10.0.1.2 tcp dport { 8080, 8081 } dnat to 10.0.2.2:80
	}
	chain post {
		type nat hook postrouting priority srcnat;
		ip saddr 10.0.2.0/24 oifname "eth0" masquerade
	}
}
table ip filter {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		ct state invalid drop
		ip daddr 10.0.2.2 tcp dport 80 ct state new accept
		ip saddr 10.0.2.0/24 accept
	}
}
NFT

sg_peer_serve "$CTR" 10.0.2.2 80 || { echo "FAIL: no container listener"; exit "$ksft_fail"; }
# docker-proxy: on the host port too, relaying to the container.
ip netns exec "$HOST" socat TCP4-LISTEN:8080,reuseaddr,fork TCP4:10.0.2.2:80 &
sg_wait_listen "$HOST" 8080 || { echo "FAIL: no proxy"; exit "$ksft_fail"; }
sg_echo_server "$HOST" 10.0.1.2 9999 || { echo "FAIL: no flood target"; exit "$ksft_fail"; }

cases()
{
	sg_case "DNAT to a container, proxy on the host port" ok - "$CTR" \
		sg_probe "$CLI" 10.0.1.2 8080
	sg_case "DNAT to a container, no proxy" ok - "$CTR" \
		sg_probe "$CLI" 10.0.1.2 8081
	sg_case "the host's own listener" ok cookie "$HOST" \
		sg_probe "$CLI" 10.0.1.2 9999
}

sg_regimes cases "$HOST" "$CLI" 10.0.1.2 9999

exit $ret
