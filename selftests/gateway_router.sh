#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 360
# rules: 3
#
# Gateway mode on a router: a server reached only by forwarding, with no
# NAT, behind a router with a conntrack firewall, under a spoofed SYN
# flood.
#
#   $CLI: veth0 10.0.1.1  <-->  $ROUTER: eth0 10.0.1.2        <-->  $SRV: veth0 10.0.2.2
#         hping3 --flood                 veth0 10.0.2.1                   default via 10.0.2.1
#         --rand-source -S               forward: ct state rules,         echo on 80,
#         route 10.0.2.0/24              new only to 10.0.2.2:80-82       nothing on 81,
#         via 10.0.1.2                   nf_conntrack_max=512             tcpinfo.py on 82
#
# Without synguard the flood fills the router's conntrack table and
# legitimate clients fail. With synguard in auto, the router answers the
# flood with cookies at its FORWARD hook: at least 39 of 40 legitimate
# connections succeed and the table stays below 448 entries. Still under
# the flood, in mode always: 2 MiB each way through a connection the
# router opened arrive intact, both ends agree on timestamps, SACK and
# window scaling, and the closed port 81 is still refused. The client's
# window scale (9), the server's (5) and the router's own (7) differ, and
# the tcpinfo.py listener's MSS is 1000, so that a gateway that tells an
# end a wrong factor or MSS shows.

source "$(dirname "$0")/lib.sh"

SRV_IP=10.0.2.2

sg_require_root
sg_require_cmd hping3 nft socat python3 conntrack insmod modinfo

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI ROUTER SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth_as "$CLI" "$ROUTER" 1 "$ROUTER" eth0 ||
	{ echo "FAIL: veth setup"; exit "$ksft_fail"; }
busywait 5000 sg_link_up "$ROUTER" eth0 || { echo "FAIL: eth0 down"; exit "$ksft_fail"; }
sg_veth "$ROUTER" "$SRV" 2 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
# The router's default route leads to $CLI, where SYN-ACKs to the flood's
# spoofed sources go and are dropped.
ip -n "$CLI" route add 10.0.2.0/24 via 10.0.1.2 &&
	ip -n "$ROUTER" route add default via 10.0.1.1 &&
	ip -n "$SRV" route add default via 10.0.2.1 &&
	ip netns exec "$ROUTER" sysctl -qw net.ipv4.ip_forward=1 ||
	{ echo "FAIL: routes"; exit "$ksft_fail"; }
sg_gw_wscales "$CLI" "$SRV" || { echo "FAIL: tcp_rmem"; exit "$ksft_fail"; }

ip netns exec "$ROUTER" nft -f - <<NFT || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
table inet fw {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		ct state invalid drop
		ip daddr $SRV_IP tcp dport { 80, 81, 82 } ct state new accept
		ip saddr 10.0.2.0/24 ct state new accept
	}
}
NFT

sg_gw_ct_max || { echo "FAIL: nf_conntrack_max"; exit "$ksft_fail"; }
cleanup()
{
	sg_gw_ct_restore
	sg_cleanup
}

sg_echo_server "$SRV" "$SRV_IP" 80 || { echo "FAIL: no listener"; exit "$ksft_fail"; }
ECHO_PID=$SG_ECHO_PID

SG_GW=$ROUTER
SG_GW_CLI=$CLI
SG_GW_FLOOD="$SRV_IP 80"
SG_GW_TARGETS=("$SRV_IP:80")

# --- the topology, without synguard and without a flood
sg_check "pre-check: the server answers through the router" \
	sg_tcp_connect "$CLI" "$SRV_IP" 80 || exit $ret
sg_check "pre-check: $SG_GW_BULK_KB KiB each way through the router intact" \
	sg_echo_bulk "$CLI" "$SRV_IP" 80 "$SG_GW_BULK_KB"
sg_gw_tcpinfo "pre-check" "$SRV_IP" 82 82 "$SRV:$SRV_IP"
sg_gw_refuses "pre-check" "$SRV_IP" 81

# --- without synguard: the failure gateway mode exists for
sg_gw_baseline "router"

# A fresh listener: the flood filled the old one's SYN queue.
kill "$ECHO_PID"
wait "$ECHO_PID" 2>/dev/null
sg_echo_server "$SRV" "$SRV_IP" 80 || { sg_fail "no listener"; exit $ret; }

# --- with synguard in auto, the server network named: nothing is
# DNATed here.
sg_load mode=auto || { sg_fail "insmod synguard"; exit $ret; }
sg_check "forward add 10.0.2.0/24" \
	"$SYNGUARD_CTL" -n "$ROUTER" forward add 10.0.2.0/24 || exit $ret

# Connections without a flood, to each destination the checks in mode
# always use, so that synguard has learned their backends' options (and
# that 81 is closed) before.
sg_gw_learn "router, learning" "$SRV_IP" 80 "$SRV"
SG_LISTEN_OPTS="mss=$SG_GW_INFO_MSS" sg_echo_server "$SRV" "$SRV_IP" 82 ||
	sg_fail "no listener on 82"
sg_gw_learn "router, learning" "$SRV_IP" 82 "$SRV"
kill "$SG_ECHO_PID"
wait "$SG_ECHO_PID" 2>/dev/null
sg_gw_refuses "router, learning" "$SRV_IP" 81

sg_gw_protect_start "router, with synguard"
sg_gw_protect_legit "router, with synguard (auto)"
sg_gw_always "router, with synguard"
sg_gw_bulk "router, always" "$SRV_IP" 80
sg_gw_tcpinfo "router, always" "$SRV_IP" 82 82 "$SRV:$SRV_IP"
sg_gw_refuses "router, always" "$SRV_IP" 81 2
sg_gw_refuse_burst "router, always" "$SRV_IP" 81
sg_gw_protect_end "router, with synguard" 2

sg_check "rmmod synguard" sg_unload

exit $ret
