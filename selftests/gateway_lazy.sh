#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# `insmod synguard.ko` on a server that has not loaded nf_synproxy_core,
# and a namespace that publishes nothing pays nothing for gateway mode.
#
#   $CLI: veth0 10.0.1.1  <-->  $HOST: eth0 10.0.1.2       <-->  $SRV: veth0 10.0.2.2
#         hping3 --flood              veth0 10.0.2.1                  echo on 80
#                                     nat: 8080 -> 10.0.2.2:80
#   $IDLE: forwards nothing
#
# nf_synproxy_core is unloaded first, and synguard loaded with a plain
# insmod, as a user does it: it loads, and nf_synproxy_core stays out
# until a namespace forwards a SYN to a published service. Where `nft
# list hooks` works (6.12), $HOST has none of gateway mode's ACK hooks
# nor nf_synproxy_core's before that SYN, and has them after; $IDLE never
# has them. Then a flood at the published port, in mode always, is
# answered with cookies and leaves the host's conntrack table empty of
# it, while a client still connects. After rmmod, nf_synproxy_core has
# no user left and unloads.
#
# Nor does a quiet namespace pay for synguard's per-namespace work: once
# no SYN has come for a few seconds, the work that runs once a second
# (the workqueue_execute_start tracepoint counts it) runs at most once
# more in every namespace over 8 s, and a SYN brings it back.

source "$(dirname "$0")/lib.sh"

HOST_IP=10.0.1.2

sg_require_root
sg_require_cmd hping3 nft insmod rmmod conntrack

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

synproxy_loaded() { grep -q '^nf_synproxy_core ' /proc/modules; }
synproxy_users()
{
	awk '$1 == "nf_synproxy_core" { n = $3 } END { print n + 0 }' \
		/proc/modules
}

if synproxy_loaded; then
	sg_check "nf_synproxy_core unloads before the test ($(synproxy_users) users)" \
		rmmod nf_synproxy_core || exit "$ret"
fi

setup_ns CLI HOST SRV IDLE || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth_as "$CLI" "$HOST" 1 "$HOST" eth0 ||
	{ echo "FAIL: veth setup"; exit "$ksft_fail"; }
sg_veth "$HOST" "$SRV" 2 &&
	ip -n "$HOST" route add default via 10.0.1.1 &&
	ip -n "$SRV" route add default via 10.0.2.1 &&
	ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1 ||
	{ echo "FAIL: routes"; exit "$ksft_fail"; }
busywait 5000 sg_link_up "$HOST" eth0 || { echo "FAIL: eth0 down"; exit "$ksft_fail"; }
ip netns exec "$HOST" nft -f - <<NFT || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr $HOST_IP tcp dport 8080 dnat to 10.0.2.2:80
	}
}
NFT
sg_echo_server "$SRV" 10.0.2.2 80 || { echo "FAIL: no listener"; exit "$ksft_fail"; }

# A plain insmod, without modprobe's dependencies.
sg_check "insmod synguard.ko, nf_synproxy_core not loaded" \
	insmod "$SYNGUARD_KO" mode=always || exit "$ret"
SG_LOADED=1
sg_check "nf_synproxy_core is still not loaded" eval '! synproxy_loaded'

# hooked NS FUNC: FUNC is on one of NS's ip hooks (nft list hooks).
hooked()
{
	ip netns exec "$1" nft list hooks ip 2>/dev/null | grep -q "$2"
}
unhooked() { ! hooked "$@"; }
nft_hooks=
if modprobe -q nfnetlink_hook 2>/dev/null &&
	ip netns exec "$HOST" nft list hooks ip 2>/dev/null |
	grep -q synguard_ipv4_hook; then
	nft_hooks=1
	for ns in HOST IDLE; do
		sg_check "$ns before a published SYN: no gateway ACK hook" \
			unhooked "${!ns}" sg_gateway_ipv4_ack
		sg_check "$ns before a published SYN: no nf_synproxy_core hook" \
			unhooked "${!ns}" ipv4_synproxy_hook
	done
else
	sg_skip "nft list hooks: no nfnetlink_hook in this kernel"
fi

# The first SYN to the published port passes while gateway mode starts.
sg_check "a client connects to the published port" \
	sg_tcp_connect "$CLI" "$HOST_IP" 8080
sg_check "nf_synproxy_core is loaded, and used by synguard" \
	busywait 5000 eval '(($(synproxy_users) > 0))'
if [[ -n "$nft_hooks" ]]; then
	sg_check "HOST after a published SYN: the gateway ACK hook" \
		busywait 5000 hooked "$HOST" sg_gateway_ipv4_ack
	sg_check "HOST after a published SYN: nf_synproxy_core's hook" \
		hooked "$HOST" ipv4_synproxy_hook
	sg_check "IDLE: still no gateway ACK hook" \
		unhooked "$IDLE" sg_gateway_ipv4_ack
	sg_check "IDLE: still no nf_synproxy_core hook" \
		unhooked "$IDLE" ipv4_synproxy_hook
fi

# --- quiet namespaces' work
TR=/sys/kernel/tracing
# policy_runs SECONDS: how often synguard's per-namespace work ran, in
# every namespace, over SECONDS.
policy_runs()
{
	local ev=$TR/events/workqueue/workqueue_execute_start/enable

	: >"$TR/trace" && echo 1 >"$ev" || return 1
	sg_pause "$1"
	echo 0 >"$ev"
	grep -c sg_policy_work "$TR/trace"
}
mountpoint -q "$TR" || mount -t tracefs nodev "$TR" 2>/dev/null
if [[ -w "$TR/events/workqueue/workqueue_execute_start/enable" ]]; then
	nets=$(($(ip netns list | wc -l) + 1))
	sg_pause 10
	runs=$(policy_runs 8)
	sg_check "quiet: the work ran ${runs:-?} times in 8 s in $nets namespaces, at most once each" \
		test "${runs:-999}" -le "$nets"
	sg_tcp_connect "$CLI" "$HOST_IP" 8080 || sg_fail "a client connects again"
	runs=$(policy_runs 3)
	sg_check "a SYN brings the work back (${runs:-?} runs in 3 s)" \
		test "${runs:-0}" -ge 2
else
	sg_skip "no tracefs: the quiet work is not measured"
fi

# --- a flood at the published port, answered
c0=$(sg_ns_counter "$HOST" gateway_cookies)
ip netns exec "$HOST" conntrack -F 2>/dev/null
sg_flood_start "$CLI" "$HOST_IP" 8080
sleep 3
sg_check "under the flood, a client connects to the published port" \
	sg_tcp_connect "$CLI" "$HOST_IP" 8080
ct=$(sg_ct_count "$HOST")
sg_flood_stop
c1=$(sg_ns_counter "$HOST" gateway_cookies)
sg_check "the flood was answered with cookies (gateway_cookies $c0, then $c1)" \
	test "$((c1 - c0))" -gt 100
sg_check "the host's conntrack table holds $ct entries under the flood, at most 10" \
	test "$ct" -le 10

sg_check "rmmod synguard" sg_unload
sg_check "nf_synproxy_core has no user left ($(synproxy_users))" \
	test "$(synproxy_users)" -eq 0
sg_check "nf_synproxy_core unloads" rmmod nf_synproxy_core

exit "$ret"
