#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
# rules: 3
#
# Gateway mode on a Docker host: a container's port published on the
# host, the way Docker does it, under a spoofed SYN flood at the published
# port; once with a userland proxy on the host port (docker-proxy) and once
# without.
#
#   $CLI: veth0 10.0.1.1  <-->  $HOST: eth0 10.0.1.2, default via 10.0.1.1
#         hping3 --flood             br0 172.31.0.1/24  <-->  $CTR: eth0 172.31.0.2
#         --rand-source -S           nat: DNAT 8080 -> 172.31.0.2:80   default via 172.31.0.1
#                                         8081 -> :81, 8082 -> :82     echo on 80,
#                                         masquerade 172.31.0.0/24     nothing on 81,
#                                    forward: ct state rules           tcpinfo.py on 82
#                                    nf_conntrack_max=512, br_netfilter
#                                    (socat proxies on 8080-8082)
#
# As Docker: DNAT in nat prerouting for local destinations, and in nat
# output for local destinations but 127.0.0.0/8; with the proxy, not for
# what comes from the bridge, and the proxy serves the host's own
# connections to 127.0.0.1; without it, hairpin masquerade instead.
#
# Each case: without synguard the flood fills the host's conntrack table
# and legitimate clients fail. With synguard in auto the host answers the
# flood with cookies at its FORWARD hook: at least 39 of 40 legitimate
# connections succeed and the table stays below 448 entries. Still under
# the flood, in mode always: 2 MiB each way through a connection the
# host opened arrive intact, also when the container answers the host's
# SYN with a SYN cookie of its own, both ends agree on timestamps, SACK
# and window scaling, and 8081 (nothing listens on 81) is still
# refused. The client's window scale (9), the container's (5) and the
# host's own (7) differ, and the tcpinfo.py listener's MSS is 1000, so
# that a gateway that tells an end a wrong factor or MSS shows.

source "$(dirname "$0")/lib.sh"

HOST_IP=10.0.1.2
CTR_IP=172.31.0.2

sg_require_root
sg_require_cmd hping3 nft socat python3 conntrack insmod modinfo

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI HOST CTR || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth_as "$CLI" "$HOST" 1 "$HOST" eth0 ||
	{ echo "FAIL: veth setup"; exit "$ksft_fail"; }
ip -n "$HOST" -batch - <<EOF || { echo "FAIL: host links"; exit "$ksft_fail"; }
route add default via 10.0.1.1
link add br0 type bridge
addr add 172.31.0.1/24 dev br0
link set br0 up
EOF
tmp="sgd$(mktemp -u XXXXXX)"
ip link add "${tmp}a" netns "$HOST" type veth peer name "${tmp}b" netns "$CTR" &&
	ip -n "$HOST" -batch - <<EOF &&
link set ${tmp}a master br0
link set ${tmp}a up
EOF
	ip -n "$CTR" -batch - <<EOF || { echo "FAIL: container link"; exit "$ksft_fail"; }
link set ${tmp}b name eth0
addr add $CTR_IP/24 dev eth0
link set eth0 up
route add default via 172.31.0.1
EOF
busywait 5000 sg_link_up "$HOST" eth0 && busywait 5000 sg_link_up "$HOST" br0 &&
	busywait 5000 sg_link_up "$CTR" eth0 ||
	{ echo "FAIL: links down"; exit "$ksft_fail"; }
ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1 ||
	{ echo "FAIL: ip_forward"; exit "$ksft_fail"; }
sg_gw_wscales "$CLI" "$CTR" || { echo "FAIL: tcp_rmem"; exit "$ksft_fail"; }

# Docker loads br_netfilter (sg_gw_br_netfilter).
sg_gw_br_netfilter "$HOST"

# The filter table, as Docker's FORWARD with the conntrack rules.
ip netns exec "$HOST" nft -f - <<NFT || { echo "FAIL: nft filter"; exit "$ksft_fail"; }
table ip filter {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		ct state invalid drop
		ip daddr $CTR_IP tcp dport { 80, 81, 82 } ct state new accept
		iifname "br0" oifname != "br0" accept
	}
}
NFT

# docker_nat PROXY: Docker's nat table for the three published ports,
# with a userland proxy (PROXY=1) or without.
docker_nat()
{
	local ret_br='' hairpin=''

	if (($1)); then
		ret_br='iifname "br0" return'
	else
		hairpin="ip saddr $CTR_IP ip daddr $CTR_IP tcp dport { 80, 81, 82 } masquerade"
	fi
	ip netns exec "$HOST" nft delete table ip docker 2>/dev/null
	ip netns exec "$HOST" nft -f - <<-NFT
		table ip docker {
			chain docker {
				$ret_br
				tcp dport 8080 dnat to $CTR_IP:80
				tcp dport 8081 dnat to $CTR_IP:81
				tcp dport 8082 dnat to $CTR_IP:82
			}
			chain prerouting {
				type nat hook prerouting priority dstnat;
				fib daddr type local jump docker
			}
			chain output {
				type nat hook output priority -100;
				ip daddr != 127.0.0.0/8 fib daddr type local jump docker
			}
			chain postrouting {
				type nat hook postrouting priority srcnat;
				ip saddr 172.31.0.0/24 oifname != "br0" masquerade
				$hairpin
			}
		}
	NFT
}

PROXY_PIDS=()
proxies_start()
{
	local p

	for p in 80 81 82; do
		ip netns exec "$HOST" socat \
			"TCP4-LISTEN:80$p,reuseaddr,fork,backlog=1024" \
			"TCP4:$CTR_IP:$p" &
		PROXY_PIDS+=($!)
	done
	sg_wait_listen "$HOST" 8080 && sg_wait_listen "$HOST" 8082
}

proxies_stop()
{
	((${#PROXY_PIDS[@]})) || return 0
	kill "${PROXY_PIDS[@]}" 2>/dev/null
	wait "${PROXY_PIDS[@]}" 2>/dev/null
	PROXY_PIDS=()
}

sg_gw_ct_max || { echo "FAIL: nf_conntrack_max"; exit "$ksft_fail"; }
cleanup()
{
	sg_gw_ct_restore
	sg_cleanup
	((BRNF_LOADED)) && rmmod br_netfilter 2>/dev/null
}

SG_GW=$HOST
SG_GW_CLI=$CLI
SG_GW_FLOOD="$HOST_IP 8080"
SG_GW_TARGETS=("$HOST_IP:8080")

# backend_cookies LABEL: the container answers the SYN the host sends it
# with a SYN cookie of its own (tcp_syncookies=2), as it does when its
# listener's queue overflowed or its own synguard is in cookie mode: the
# host's ACK must carry the container's timestamp back untranslated, for
# the container decodes the client's options from it.
backend_cookies()
{
	local r0 r1

	r0=$(sg_nstat "$CTR" TcpExtSyncookiesRecv)
	ip netns exec "$CTR" sysctl -qw net.ipv4.tcp_syncookies=2
	sg_gw_bulk "$1, the container's own cookie" "$HOST_IP" 8080
	ip netns exec "$CTR" sysctl -qw net.ipv4.tcp_syncookies=1
	r1=$(sg_nstat "$CTR" TcpExtSyncookiesRecv)
	# One connection: the host's ACK (or, were it lost, the first data
	# segment) is the one cookie the container checks.
	sg_check "$1: the container opened it from its own cookie (SyncookiesRecv +$((r1 - r0)))" \
		test $((r1 - r0)) -eq 1
}

# docker_case PROXY LABEL: one case, from the topology checks to the
# flood with synguard.
docker_case()
{
	local proxy=$1 label=$2 echo_pid

	docker_nat "$proxy" || { sg_fail "$label: nft nat"; return 1; }
	if ((proxy)); then
		proxies_start || { sg_fail "$label: no userland proxy"; return 1; }
	fi
	sg_echo_server "$CTR" "$CTR_IP" 80 || { sg_fail "$label: no listener"; return 1; }
	echo_pid=$SG_ECHO_PID

	# --- the topology, without synguard and without a flood
	sg_check "$label, pre-check: the container answers on $HOST_IP:8080" \
		sg_tcp_connect "$CLI" "$HOST_IP" 8080 || return 1
	sg_check "$label, pre-check: the host reaches it on $HOST_IP:8080 (nat output)" \
		sg_tcp_connect "$HOST" "$HOST_IP" 8080
	if ((proxy)); then
		sg_check "$label, pre-check: the proxy serves 127.0.0.1:8080" \
			sg_tcp_connect "$HOST" 127.0.0.1 8080
	fi
	sg_check "$label, pre-check: $SG_GW_BULK_KB KiB each way intact" \
		sg_echo_bulk "$CLI" "$HOST_IP" 8080 "$SG_GW_BULK_KB"
	sg_gw_tcpinfo "$label, pre-check" "$HOST_IP" 8082 82 "$CTR:$CTR_IP"
	sg_gw_refuses "$label, pre-check" "$HOST_IP" 8081

	# --- without synguard: the failure gateway mode exists for
	sg_gw_baseline "$label"

	# A fresh listener: the flood filled the old one's SYN queue.
	kill "$echo_pid"
	wait "$echo_pid" 2>/dev/null
	sg_echo_server "$CTR" "$CTR_IP" 80 || { sg_fail "$label: no listener"; return 1; }
	echo_pid=$SG_ECHO_PID

	# --- with synguard in auto
	sg_load mode=auto || { sg_fail "$label: insmod synguard"; return 1; }

	# Connections without a flood, to each destination the checks in
	# mode always use, so that synguard has learned their backends'
	# options (and that 81 is closed) before.
	sg_gw_learn "$label, learning" "$HOST_IP" 8080 "$CTR"
	SG_LISTEN_OPTS="mss=$SG_GW_INFO_MSS" sg_echo_server "$CTR" "$CTR_IP" 82 ||
		sg_fail "$label: no listener on 82"
	sg_gw_learn "$label, learning" "$HOST_IP" 8082 "$CTR"
	kill "$SG_ECHO_PID"
	wait "$SG_ECHO_PID" 2>/dev/null
	sg_gw_refuses "$label, learning" "$HOST_IP" 8081

	sg_gw_protect_start "$label, with synguard"
	sg_gw_protect_legit "$label, with synguard (auto)"
	sg_gw_always "$label, with synguard"
	sg_gw_bulk "$label, always" "$HOST_IP" 8080
	backend_cookies "$label, always"
	sg_gw_tcpinfo "$label, always" "$HOST_IP" 8082 82 "$CTR:$CTR_IP"
	sg_gw_refuses "$label, always" "$HOST_IP" 8081 2
	sg_gw_refuse_burst "$label, always" "$HOST_IP" 8081
	sg_gw_protect_end "$label, with synguard" 3

	sg_check "$label: rmmod synguard" sg_unload
	kill "$echo_pid"
	wait "$echo_pid" 2>/dev/null
	proxies_stop
}

docker_case 1 "docker, userland proxy"
# The flood meets the same path without the proxy: make check-all only.
if [[ -n "${SYNGUARD_QUICK:-}" ]]; then
	sg_skip "docker, no proxy: SYNGUARD_QUICK (make check-all runs it)"
else
	docker_case 0 "docker, no proxy"
fi

exit $ret
