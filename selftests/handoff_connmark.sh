#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# rules: 2 4
#
# A server with two uplinks routes each connection back by the one it
# came in by: a connection mark set on the way in (ct mark set) is
# restored on the way out (meta mark set ct mark, in a route chain) and
# picks the routing table (ip rule fwmark). The client's network takes
# nothing from the server over the first uplink, so a connection that
# came in by the second works only if its SYN-ACK and its data leave by
# the second, as the kernel sends them.
#
#   $CLI: up1 10.0.1.1 fd00:1::1  <---->  $SRV: up1 10.0.1.2 fd00:1::2 (main table)
#         up2 10.0.2.1 fd00:2::1  <---->        up2 10.0.2.2 fd00:2::2 (table 2)
#         lo  10.9.0.1 fd00:9::1 (the client)    peer.py serve on 8080

source "$(dirname "$0")/lib.sh"

sg_setup_pair hping3 python3 nft insmod

# sg_setup_pair's link (veth0) is up1, with the server's default routes:
# the main table's way back to the client. up2 is veth1.
ip link add sgup2a netns "$CLI" type veth peer name sgup2b netns "$SRV" ||
	{ echo "FAIL: veth setup"; exit "$ksft_fail"; }
ip -n "$CLI" -batch - <<EOF || { echo "FAIL: client set-up"; exit "$ksft_fail"; }
link set sgup2a name veth1
addr add 10.0.2.1/24 dev veth1
addr add fd00:2::1/64 dev veth1 nodad
link set veth1 up
addr add 10.9.0.1/32 dev lo
addr add fd00:9::1/128 dev lo
EOF
ip -n "$SRV" -batch - <<EOF || { echo "FAIL: server routes"; exit "$ksft_fail"; }
link set sgup2b name veth1
addr add 10.0.2.2/24 dev veth1
addr add fd00:2::2/64 dev veth1 nodad
link set veth1 up
rule add fwmark 2 table 2
route add default via 10.0.2.1 table 2
route add default via fd00:2::1 table 2
EOF
ip -n "$SRV" -6 rule add fwmark 2 table 2 ||
	{ echo "FAIL: server IPv6 rule"; exit "$ksft_fail"; }
ip netns exec "$CLI" nft -f - <<EOF || { echo "FAIL: client nft"; exit "$ksft_fail"; }
table inet c {
	chain input {
		type filter hook input priority filter;
		iifname "veth0" tcp sport 8080 counter drop
	}
}
EOF
ip netns exec "$SRV" nft -f - <<EOF || { echo "FAIL: server nft"; exit "$ksft_fail"; }
table inet t {
	chain pre {
		type filter hook prerouting priority mangle;
		iifname "veth1" ct state new ct mark set 2
	}
	chain out {
		type route hook output priority mangle;
		meta mark set ct mark
	}
}
EOF

busywait 5000 sg_link_up "$SRV" veth1 ||
	{ echo "FAIL: up2 down"; exit "$ksft_fail"; }
# One listener for both families.
sg_peer_serve "$SRV" :: 8080 || { echo "FAIL: no listener"; exit "$ksft_fail"; }

cases()
{
	sg_case "in by the second uplink, IPv4" ok cookie "$SRV" \
		sg_probe "$CLI" 10.0.2.2 8080 --bind 10.9.0.1
	sg_case "in by the second uplink, IPv6" ok cookie "$SRV" \
		sg_probe "$CLI" fd00:2::2 8080 --bind fd00:9::1
}

sg_regimes cases "$SRV" "$CLI" 10.0.2.2 8080

exit $ret
