#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 1
#
# Gateway mode keeps what synguard offers for local listeners: the
# switch, the allowlist, the protected ports, the per-source limit; it
# leaves signed (TCP-MD5) SYNs to the backend; it works over IPv6; and
# `synguardctl backends` shows what it learned. No flood: mode always
# and a small source limit decide instead.
#
#   $CLI: veth0 10.0.1.1  <-->  $ROUTER: 10.0.1.2 | 10.0.2.1  <-->  $SRV: 10.0.2.2
#         fd00:1::1                     fd00:1::2 | fd00:2::1          fd00:2::2
#                                       forward: ct state rules        echo on 80,
#                                                                      MD5 peer on 179

source "$(dirname "$0")/lib.sh"

SRV4=10.0.2.2
SRV6=fd00:2::2
KEY=synguard-gw-md5

sg_require_root
sg_require_cmd nft socat python3 insmod
sg_require_config CONFIG_TCP_MD5SIG

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI ROUTER SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth_as "$CLI" "$ROUTER" 1 "$ROUTER" eth0 ||
	{ echo "FAIL: veth setup"; exit "$ksft_fail"; }
# The rename's down took eth0's IPv6 address.
ip -n "$ROUTER" addr replace fd00:1::2/64 dev eth0 nodad ||
	{ echo "FAIL: rename"; exit "$ksft_fail"; }
busywait 5000 sg_link_up "$ROUTER" eth0 || { echo "FAIL: eth0 down"; exit "$ksft_fail"; }
sg_veth "$ROUTER" "$SRV" 2 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
ip -n "$CLI" route add 10.0.2.0/24 via 10.0.1.2 &&
	ip -n "$CLI" -6 route add fd00:2::/64 via fd00:1::2 &&
	ip -n "$SRV" route add default via 10.0.2.1 &&
	ip -n "$SRV" -6 route add default via fd00:2::1 &&
	ip netns exec "$ROUTER" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 ||
	{ echo "FAIL: routes"; exit "$ksft_fail"; }
ip netns exec "$ROUTER" nft -f - <<NFT || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
table inet fw {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ct state established,related accept
		ct state invalid drop
	}
}
NFT

sg_echo_server "$SRV" "$SRV4" 80 && sg_echo_server "$SRV" "$SRV6" 80 ||
	{ echo "FAIL: no echo server"; exit "$ksft_fail"; }
sg_peer_serve "$SRV" "$SRV4" 179 --md5 "$KEY" --md5-peer 10.0.1.1 ||
	{ echo "FAIL: no TCP-MD5 listener"; exit "$ksft_fail"; }

sg_load mode=auto || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }

ctl() { "$SYNGUARD_CTL" -n "$ROUTER" "$@"; }
stat() { sg_ns_counter "$ROUTER" "$1"; }

# Nothing is DNATed here: the server network is named.
sg_check "forward add the server network" \
	ctl forward add 10.0.2.0/24 fd00:2::/64 || exit "$ret"

# opened_by LABEL N CMD...: CMD succeeds, and the gateway opened N
# connections for it (gateway_opened moved by N).
opened_by()
{
	local label=$1 want=$2 before after

	shift 2
	before=$(stat gateway_opened)
	if ! "$@"; then
		sg_fail "$label: the connection failed"
		return
	fi
	after=$(stat gateway_opened)
	if ((after - before == want)); then
		sg_pass "$label (gateway_opened +$want)"
	else
		sg_fail "$label: gateway_opened moved by $((after - before)), not $want"
	fi
}

# Learn both destinations the normal way first.
sg_check "learning: 10.0.2.2:80 through the router" \
	sg_tcp_connect "$CLI" "$SRV4" 80
sg_check "learning: [fd00:2::2]:80 through the router" \
	sg_tcp_connect "$CLI" "$SRV6" 80

sg_check "set mode always" ctl set mode always

opened_by "always: IPv4 connections are opened by the gateway" 1 \
	sg_tcp_connect "$CLI" "$SRV4" 80
opened_by "always: IPv6 connections are opened by the gateway" 1 \
	sg_tcp_connect "$CLI" "$SRV6" 80
opened_by "always: 1 MiB each way over IPv6 through the gateway intact" 1 \
	sg_echo_bulk "$CLI" "$SRV6" 80 1024

# backends: both destinations, learned, with the echo server's options.
out=$(ctl -j backends)
if python3 - "$out" <<'EOF'
import json, sys
d = {(b["addr"], b["port"]): b for b in json.loads(sys.argv[1])}
ok = all(k in d and d[k]["learned"] and d[k]["mss"] and d[k]["timestamps"]
         and d[k]["sack"] and d[k]["wscale"] is not None
         for k in (("10.0.2.2", 80), ("fd00:2::2", 80)))
sys.exit(0 if ok else 1)
EOF
then
	sg_pass "backends -j: both destinations learned with MSS, window scale, SACK and timestamps"
else
	sg_fail "backends -j: $out"
fi
sg_check "show: the gateway switch is on" \
	grep -q '"gateway": *true' <<<"$(ctl -j show)"

sg_check "set gateway off" ctl set gateway off
opened_by "gateway off: the router forwards the SYN untouched" 0 \
	sg_tcp_connect "$CLI" "$SRV4" 80
sg_check "set gateway on" ctl set gateway on

sg_check "allow add 10.0.1.1" ctl allow add 10.0.1.1
opened_by "allowlisted source: no gateway cookie" 0 \
	sg_tcp_connect "$CLI" "$SRV4" 80
sg_check "allow del 10.0.1.1" ctl allow del 10.0.1.1

sg_check "ports add 9999 (only that port protected)" ctl ports add 9999
opened_by "unprotected port: no gateway cookie" 0 \
	sg_tcp_connect "$CLI" "$SRV4" 80
sg_check "ports del 9999" ctl ports del 9999
opened_by "every port protected again: a gateway cookie" 1 \
	sg_tcp_connect "$CLI" "$SRV4" 80

# A BGP session through the router: only the peer holds the key. One
# SYN: a retransmission meets the entry conntrack confirmed for the
# first and is not counted again.
left=$(stat syn_left_to_kernel)
res=$(sg_probe "$CLI" "$SRV4" 179 --md5 "$KEY")
d_left=$(($(stat syn_left_to_kernel) - left))
if [[ "$res" == ok ]] && ((d_left == 1)); then
	sg_pass "always: a TCP-MD5 SYN goes to the backend, which answers it (syn_left_to_kernel +1)"
else
	sg_fail "always: TCP-MD5 client: $res, syn_left_to_kernel +$d_left (want ok and +1)"
fi

# auto: a source past its limit gets gateway cookies, as for a listener.
# The source is one nobody answers for, so no RST ends its half-opens.
sg_check "set mode auto, source_limit 4" \
	ctl set mode auto source_limit 4
declare -A st0 st
sg_ns_stats "$ROUTER" st0
# decided: the router has passed or answered all 10 SYNs (each counted
# last, once the SYN's fate is settled); their counts in st.
decided()
{
	sg_ns_stats "$ROUTER" st &&
		((st[syn_passed] - st0[syn_passed] +
		  st[gateway_cookies] - st0[gateway_cookies] >= 10))
}
ip netns exec "$CLI" python3 "$SG_LIB_DIR/pkt.py" syn 10.0.1.50 "$SRV4" 80 \
	--count 10 --sport 40000 ||
	sg_fail "pkt.py: 10 SYNs"
busywait 5000 decided
d_hits=$((st[source_limit_hits] - st0[source_limit_hits]))
d_cookies=$((st[gateway_cookies] - st0[gateway_cookies]))
if ((d_hits == 6 && d_cookies == 6)); then
	sg_pass "auto, source_limit 4: 10 SYNs from one silent source, the 6 over the limit get gateway cookies"
else
	sg_fail "auto, source_limit 4: source_limit_hits +$d_hits, gateway_cookies +$d_cookies (want 6 and 6)"
fi

sg_check "rmmod synguard" sg_unload
exit $ret
