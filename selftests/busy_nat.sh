#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 2
#
# A busy NAT gateway is not an attacker: the same load as busy_auto, all
# of it from one address, gets no cookie and no limit in `auto`.
#
#   $CLI: veth0 10.0.1.1, netem --- $GW: veth0 10.0.1.2 | veth1 10.0.2.1
#         clients from 10.0.9.0/24      masquerade out of veth1
#   $SRV: veth0 10.0.2.2, legitload's echo server, backlog 4096
#
# The server sees every connection come from 10.0.2.1, with more
# half-opens in flight than source_limit (64) and halfopen_high (128).
# Without the module the kernel serves them all (the reference); with
# synguard in auto every connection succeeds, no SYN is limited or
# answered with a cookie, on the server or the gateway, and cookie mode
# never starts. The half-opens are counted on the server alone: the
# gateway does not judge what it forwards out.

source "$(dirname "$0")/lib.sh"

PORT=8080
SRV_IP=10.0.2.2
RATE=200
RAMP=5
SECONDS_=10
DELAY=900ms

sg_require_root
sg_require_cmd tc nft nstat
if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi
setup_ns CLI GW SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$GW" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
ip link add sgnat0 netns "$GW" type veth peer name sgnat1 netns "$SRV" &&
ip -n "$GW" -batch - <<EOF2 &&
link set sgnat0 name veth1
addr add 10.0.2.1/24 dev veth1
link set veth1 up
EOF2
ip -n "$SRV" -batch - <<EOF2 &&
link set sgnat1 name veth0
addr add 10.0.2.2/24 dev veth0
link set veth0 up
route add default via 10.0.2.1
EOF2
ip -n "$CLI" route add default via 10.0.1.2 &&
ip -n "$GW" route add "$SG_BUSY_SOURCES" via 10.0.1.1 &&
ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1 &&
ip netns exec "$GW" nft -f - <<EOF2 &&
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "veth1" masquerade
	}
}
EOF2
busywait 5000 sg_link_up "$SRV" veth0 &&
sg_busy_clients "$CLI" veth0 "$DELAY" ||
	{ echo "FAIL: network set-up"; exit "$ksft_fail"; }

# The gateway tracks every connection it translates, closed ones for
# two minutes: room for all of them.
old_ct_max=$(sysctl -n net.netfilter.nf_conntrack_max)
sysctl -qw net.netfilter.nf_conntrack_max=65536
cleanup()
{
	sysctl -qw net.netfilter.nf_conntrack_max="$old_ct_max"
	sg_cleanup
}

ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1
sg_busy_server "$SRV" "$SRV_IP" "$PORT" ||
	{ echo "FAIL: no listener"; exit "$ksft_fail"; }

load=("$CLI" "$SRV_IP" "$PORT" --rate "$RATE" --ramp "$RAMP" \
      --seconds "$SECONDS_")
sg_busy_kernel "$SRV" "${load[@]}"

sg_load || { sg_fail "insmod synguard"; exit "$ret"; }
sg_busy_peak "synguard auto" "${load[@]}"
sg_check "synguard auto: no half-open left tracked on the server" \
	busywait 10000 sg_busy_untracked "$SRV"
declare -A st gst
sg_ns_stats "$SRV" st
sg_ns_stats "$GW" gst
sg_busy_peak_check "synguard auto, from one address"
sg_check "synguard auto: every handshake tracked completed (${st[halfopen_completed]} of ${st[halfopen_added]})" \
	test "${st[halfopen_completed]}" -eq "${st[halfopen_added]}"
sg_check "synguard auto: the address was never limited (${st[source_limit_hits]})" \
	test "${st[source_limit_hits]}" -eq 0
sg_check "synguard auto: no cookie sent (${st[cookies_sent]})" \
	test "${st[cookies_sent]}" -eq 0
sg_check "synguard auto: cookie mode never started (${st[cookie_mode_entries]})" \
	test "${st[cookie_mode_entries]}" -eq 0
# The gateway masquerades these connections out: they are no service
# it publishes, and gateway mode neither judges nor answers them.
sg_check "synguard auto: the gateway judged none of the SYNs it forwarded (${gst[syn_received]}) and sent no cookie (${gst[cookies_sent]}, gateway ${gst[gateway_cookies]})" \
	test "${gst[syn_received]:-x}/${gst[cookies_sent]:-x}/${gst[gateway_cookies]:-x}" = 0/0/0

exit "$ret"
