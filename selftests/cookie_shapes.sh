#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# rules: 2 4
#
# SYNs of every shape a real client sends get a cookie at LOCAL_IN, and
# the connection works as it does without synguard: ECN, TCP Fast Open
# with data in the SYN, IPv4 options, an IPv6 destination options header.
# (hostile_packets.sh sends the shapes no real client does.)
#
#   $CLI: veth0 10.0.1.1 fd00:1::1  <---->  $SRV: veth0 10.0.1.2 fd00:1::2
#         tcp_ecn=1, tcp_fastopen=5          echo server (peer.py --tfo),
#                                            tcp_fastopen=0x203, conntrack

source "$(dirname "$0")/lib.sh"

sg_setup_pair hping3 nft python3 insmod
# The client asks for ECN and sends data in its SYN without a TFO cookie;
# the server takes such data (0x200) when it is not answering with a
# cookie.
ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_ecn=1 net.ipv4.tcp_fastopen=5
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_fastopen=0x203
# A conntrack firewall, as on most servers.
sg_ct_firewall "$SRV" || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }

sg_peer_serve "$SRV" :: 8080 --tfo || { echo "FAIL: no listener"; exit "$ksft_fail"; }
sg_echo_server "$SRV" 10.0.1.2 9999 || { echo "FAIL: no flood target"; exit "$ksft_fail"; }

cases()
{
	local srv fam

	for fam in 4 6; do
		srv=10.0.1.2
		((fam == 6)) && srv=fd00:1::2
		sg_case "plain SYN, IPv$fam" ok cookie "$SRV" \
			sg_probe "$CLI" "$srv" 8080
		sg_case "TCP Fast Open, data in the SYN, IPv$fam" ok cookie "$SRV" \
			sg_probe "$CLI" "$srv" 8080 --tfo
	done
	# ECN: every connection of the client asks for it (tcp_ecn=1).
	sg_case "IPv4 options" ok cookie "$SRV" \
		sg_probe "$CLI" 10.0.1.2 8080 --ip-options
	sg_case "IPv6 destination options header" ok cookie "$SRV" \
		sg_probe "$CLI" fd00:1::2 8080 --dst-options
}

sg_regimes cases "$SRV" "$CLI" 10.0.1.2 9999

exit $ret
