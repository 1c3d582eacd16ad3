#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 2 4
#
# Gateway mode and the conntrack table's own set-up: a published port
# whose connections the ruleset keeps in conntrack zone 5, and a
# `conntrack -F` in the middle of an attack.
#
#   $CLI: veth0 10.0.1.1  <-->  $HOST: eth0 10.0.1.2          <-->  $SRV: veth0 10.0.2.2
#         the flood (hping3,           srv0 10.0.2.1                    echo on 80, 81
#         to 8080)                     DNAT 8080 -> 10.0.2.2:80
#                                      DNAT 8081 -> 10.0.2.2:81
#                                      raw: 8081 and its replies
#                                      in ct zone 5
#
# The zone: each case without synguard (what the kernel does), in
# `always`, and in `auto` under a flood at 8080 (sg_regimes). The zone's
# SYNs are left to their server (gateway_ct_custom, syn_left_to_kernel),
# whose connections are the kernel's; 8080's get cookies meanwhile.
#
# The flush: a connection to 8080 made before the flood, idle while the
# flood starts cookie mode and `conntrack -F` empties the host's table,
# then a line through it again: it lives on as it does without synguard
# (conntrack picks it up again). A connection a gateway cookie opened
# cannot (its sequence-number translation was in the flushed entry, as
# with nft synproxy), so `always`, where every connection is one, has no
# such case.

source "$(dirname "$0")/lib.sh"

HOST_IP=10.0.1.2

sg_require_root
sg_require_cmd hping3 nft python3 conntrack insmod

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI HOST SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth_as "$CLI" "$HOST" 1 "$HOST" eth0 &&
	sg_veth_as "$HOST" "$SRV" 2 "$HOST" srv0 ||
	{ echo "FAIL: links"; exit "$ksft_fail"; }
ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$HOST" route add default via 10.0.1.1 &&
	ip -n "$SRV" route add default via 10.0.2.1 &&
	ip netns exec "$HOST" nft -f - <<NFT || { echo "FAIL: host"; exit "$ksft_fail"; }
table ip raw {
	chain pre {
		type filter hook prerouting priority raw;
		iifname "eth0" tcp dport 8081 ct zone set 5
		iifname "srv0" tcp sport 81 ct zone set 5
	}
}
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr $HOST_IP tcp dport 8080 dnat to 10.0.2.2:80
		ip daddr $HOST_IP tcp dport 8081 dnat to 10.0.2.2:81
	}
}
NFT
for port in 80 81; do
	sg_peer_serve "$SRV" 0.0.0.0 "$port" ||
		{ echo "FAIL: no listener on $port"; exit "$ksft_fail"; }
done

cases()
{
	local c0

	if [[ "$SG_REGIME" != kernel ]]; then
		sg_check "$SG_REGIME: the gateway learns 8080" \
			sg_gw_warm "$HOST" "$CLI" "$HOST_IP" 8080
		c0=$(sg_ns_counter "$HOST" gateway_ct_custom)
	fi
	sg_case "the published port" ok cookie "$HOST" \
		sg_probe "$CLI" "$HOST_IP" 8080
	sg_case "a published port in conntrack zone 5" ok kernel "$HOST" \
		sg_probe "$CLI" "$HOST_IP" 8081
	if [[ "$SG_REGIME" != kernel ]]; then
		sg_check "$SG_REGIME: its SYN counted in gateway_ct_custom" \
			test "$(sg_ns_counter "$HOST" gateway_ct_custom)" -gt "$c0"
	fi
}

sg_regimes cases "$HOST" "$CLI" "$HOST_IP" 8080

# flushed: a connection to 8080, idle while the flood starts (in auto,
# cookie mode) and conntrack -F empties the host's table; prints the
# outcome of a line sent through it after.
flushed()
{
	local out="$SG_TMPDIR/flushed.$RANDOM" pid rc=ok

	ip netns exec "$CLI" python3 "$SG_LIB_DIR/peer.py" connect \
		"$HOST_IP" 8080 --again 10 --timeout 6 >"$out" &
	pid=$!
	busywait 5000 grep -q '^open' "$out" || rc=no-connection
	sg_flood_start "$CLI" "$HOST_IP" 8080
	if [[ "$SG_REGIME" == auto ]] &&
		! busywait 6000 sg_under_attack "$HOST"; then
		rc=no-cookie-mode
	fi
	sg_ct_flush "$HOST"
	wait "$pid"
	sg_flood_stop
	[[ "$rc" == ok ]] && rc=$(tail -n 1 "$out")
	echo "$rc"
}

SG_REGIME=kernel
sg_case "an established connection, conntrack -F during a flood" ok - \
	"$HOST" flushed
SG_REGIME=auto
if sg_load mode=auto; then
	"$SYNGUARD_CTL" -n "$HOST" set syn_rate_low 1 ||
		sg_fail "auto: set syn_rate_low 1"
	sg_check "auto: the gateway learns 8080" \
		sg_gw_warm "$HOST" "$CLI" "$HOST_IP" 8080
	o0=$(sg_ns_counter "$HOST" gateway_opened)
	sg_case "an established connection, conntrack -F during a flood" ok - \
		"$HOST" flushed
	sg_check "auto: the flood got cookies meanwhile ($(sg_ns_counter "$HOST" gateway_cookies))" \
		test "$(sg_ns_counter "$HOST" gateway_cookies)" -gt 0
	sg_info "auto: gateway_opened $o0, then $(sg_ns_counter "$HOST" gateway_opened)"
	sg_check "rmmod synguard" sg_unload
else
	sg_fail "insmod synguard mode=auto"
fi
SG_REGIME=

exit "$ret"
