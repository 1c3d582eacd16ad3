#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 1
#
# A server whose interface is in a VRF: synguard finds the listener the
# kernel would find, under both settings of tcp_l3mdev_accept, and routes
# its SYN-ACK in the VRF.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1  <---->  $SRV: vrf-blue (table 10)
#                                                 veth0 10.0.1.2 fd00:1::2
#                                           port 7001: bound to vrf-blue
#                                           port 7002: bound to no device
#
# With tcp_l3mdev_accept=0 only the VRF's own listener takes connections
# that arrive in the VRF (the other one is refused); with 1 both do.

source "$(dirname "$0")/lib.sh"

sg_require_config CONFIG_NET_VRF
sg_setup_pair hping3 python3 insmod
if ! ip -n "$SRV" link add vrf-blue type vrf table 10; then
	echo "FAIL: no VRF device"
	exit "$ksft_fail"
fi
# Enslaving cycles the device, which takes IPv6 addresses with it.
ip -n "$SRV" -batch - <<EOF || { echo "FAIL: VRF set-up"; exit "$ksft_fail"; }
link set vrf-blue up
link set veth0 master vrf-blue
addr replace 10.0.1.2/24 dev veth0
addr replace fd00:1::2/64 dev veth0 nodad
route add vrf vrf-blue default via 10.0.1.1
EOF
busywait 5000 sg_link_up "$SRV" veth0 || { echo "FAIL: veth0 down"; exit "$ksft_fail"; }

sg_peer_serve "$SRV" :: 7001 --dev vrf-blue || { echo "FAIL: no VRF listener"; exit "$ksft_fail"; }
sg_peer_serve "$SRV" :: 7002 || { echo "FAIL: no unbound listener"; exit "$ksft_fail"; }
sg_peer_serve "$SRV" 10.0.1.2 9999 --dev vrf-blue || { echo "FAIL: no flood target"; exit "$ksft_fail"; }

cases()
{
	local acc srv fam unbound

	for acc in 0 1; do
		ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_l3mdev_accept="$acc"
		unbound=refused
		((acc)) && unbound=ok
		for fam in 4 6; do
			srv=10.0.1.2
			((fam == 6)) && srv=fd00:1::2
			sg_case "VRF listener, tcp_l3mdev_accept=$acc, IPv$fam" \
				ok cookie "$SRV" sg_probe "$CLI" "$srv" 7001
			sg_case "unbound listener, tcp_l3mdev_accept=$acc, IPv$fam" \
				"$unbound" cookie "$SRV" sg_probe "$CLI" "$srv" 7002
		done
	done
}

sg_regimes cases "$SRV" "$CLI" 10.0.1.2 9999

exit $ret
