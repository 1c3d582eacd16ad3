#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
# rules: 1 4
#
# TPROXY in front of a transparent listener, as a service mesh intercepts
# a pod's inbound connections (Istio's sidecar on 15006): the application
# listens on 8080, and a TPROXY rule hands the SYN the sidecar's listener
# at PREROUTING. The kernel delivers it there, not to the listener its
# address and port would find. synguard leaves such SYNs to the kernel
# (syn_assigned), so the client talks to the sidecar as it does without
# synguard; and when the kernel sends the sidecar's cookies itself, their
# ACKs are judged for the sidecar.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1   <---->   $SRV: veth0 10.0.1.2 fd00:1::2
#         peer.py connect                          app: peer.py serve on 8080
#                                                  sidecar: peer.py serve
#                                                    --transparent on 15006
#                                                  prerouting: 8080 -> tproxy
#                                                    :15006, mark 1
#                                                  fwmark 1 -> table 100:
#                                                    local default dev lo
#                                                  an echo server on 9999

source "$(dirname "$0")/lib.sh"

sg_require_config CONFIG_NFT_TPROXY
sg_setup_pair hping3 nft python3 insmod

ip -n "$SRV" rule add fwmark 1 lookup 100 &&
	ip -n "$SRV" route add local default dev lo table 100 &&
	ip -n "$SRV" -6 rule add fwmark 1 lookup 100 &&
	ip -n "$SRV" -6 route add local default dev lo table 100 ||
	{ echo "FAIL: policy routing for TPROXY"; exit "$ksft_fail"; }

# The SYNs TPROXY hands the sidecar are counted, to be compared with
# syn_assigned.
ip netns exec "$SRV" nft -f - <<NFT || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
table inet mesh {
	counter tproxy_syns { }
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		tcp dport 8080 tcp flags & (syn | ack) == syn counter name tproxy_syns
		tcp dport 8080 tproxy to :15006 meta mark set 1 accept
	}
}
NFT

# Dual-stack listeners ("::" takes IPv4 too).
sg_peer_serve "$SRV" :: 8080 --name app ||
	{ echo "FAIL: no application listener"; exit "$ksft_fail"; }
sg_peer_serve "$SRV" :: 15006 --transparent --name sidecar ||
	{ echo "FAIL: no sidecar listener"; exit "$ksft_fail"; }
sg_echo_server "$SRV" 10.0.1.2 9999 ||
	{ echo "FAIL: no flood target"; exit "$ksft_fail"; }

# probe_kernel_cookies ADDR: sg_probe to ADDR:8080 while the kernel sends
# a cookie for every SYN it answers itself (tcp_syncookies=2): the
# client's ACK reaches LOCAL_IN carrying the sidecar's listener.
probe_kernel_cookies()
{
	ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=2
	sg_probe "$CLI" "$1" 8080
	ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1
}

# cookies_ok C0 R0: the kernel sent two cookies (one a family) since
# TcpExtSyncookiesSent was C0, and took two back since
# TcpExtSyncookiesRecv was R0; in auto, where the flood's SYNs went to
# the kernel until cookie mode began, at least two.
cookies_ok()
{
	local c r hi=2

	c=$(($(sg_nstat "$SRV" TcpExtSyncookiesSent) - $1))
	r=$(($(sg_nstat "$SRV" TcpExtSyncookiesRecv) - $2))
	[[ "$SG_REGIME" == auto ]] && hi=1000000
	if sg_between "$c" 2 "$hi" && sg_between "$r" 2 "$hi"; then
		sg_pass "$SG_REGIME: the kernel sent the sidecar's cookies ($c) and took them back ($r)"
	else
		sg_fail "$SG_REGIME: the kernel sent $c cookies and took $r back, want 2 of each"
	fi
}

cases()
{
	local fam srv a0 s0 c0 r0 a s

	if [[ "$SG_REGIME" != kernel ]]; then
		a0=$(sg_ns_counter "$SRV" syn_assigned)
		s0=$(sg_nft_counter "$SRV" mesh tproxy_syns)
	fi
	c0=$(sg_nstat "$SRV" TcpExtSyncookiesSent)
	r0=$(sg_nstat "$SRV" TcpExtSyncookiesRecv)
	for fam in 4 6; do
		srv=10.0.1.2
		((fam == 6)) && srv=fd00:1::2
		sg_case "TPROXY to the sidecar, IPv$fam" ok:sidecar kernel "$SRV" \
			sg_probe "$CLI" "$srv" 8080
		sg_case "TPROXY, the kernel's own cookies, IPv$fam" ok:sidecar - \
			"$SRV" probe_kernel_cookies "$srv"
	done
	cookies_ok "$c0" "$r0"
	# The same namespace still gets cookies for a port TPROXY leaves.
	sg_case "plain listener beside it" ok cookie "$SRV" \
		sg_probe "$CLI" 10.0.1.2 9999

	[[ "$SG_REGIME" != kernel ]] || return 0
	a=$(($(sg_ns_counter "$SRV" syn_assigned) - a0))
	s=$(($(sg_nft_counter "$SRV" mesh tproxy_syns) - s0))
	sg_check "$SG_REGIME: syn_assigned +$a, one for each of the $s SYNs TPROXY handed the sidecar" \
		test "$a" -eq "$s" -a "$s" -ge 4
}

sg_regimes cases "$SRV" "$CLI" 10.0.1.2 9999

exit $ret
