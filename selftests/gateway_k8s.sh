#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 420
# rules: 3
#
# Gateway mode on a Kubernetes node: a Service of three pods, reached
# through a NodePort and a ClusterIP, DNATed to a pod chosen at random the
# way kube-proxy's iptables mode does, under a spoofed SYN flood at the
# NodePort.
#
#   $CLI: veth0 10.0.1.1  <-->  $HOST: eth0 10.0.1.2 (the node), default via 10.0.1.1
#         hping3 --flood             cni0 10.244.0.1/24  <-->  $POD1: eth0 10.244.0.2
#         --rand-source -S           nat: 10.96.0.10:80, NodePort 30080  $POD2: eth0 10.244.0.3
#         at 10.0.1.2:30080               -> a pod's :80 at random       $POD3: eth0 10.244.0.4
#         route 10.96.0.0/12              :81, 30081 -> :81              each: echo on 80,
#         via 10.0.1.2                    :82, 30082 -> :82              nothing on 81,
#                                         masquerade what is marked      tcpinfo.py on 82
#                                    forward: ct state rules
#                                    nf_conntrack_max=512, br_netfilter
#
# kube-proxy marks NodePort traffic, and ClusterIP traffic from outside
# the cluster's pod range, for masquerade (0x4000), and picks an
# endpoint with "-m statistic --mode random"; here nft's numgen random
# does the same.
#
# Without synguard the flood fills the node's conntrack table and
# legitimate clients fail. With synguard in auto the node answers the
# flood with cookies at its FORWARD hook: at least 39 of 40 legitimate
# connections to the NodePort, and as many to the ClusterIP, succeed (all
# at once), and the table stays below 448 entries. Still under the flood,
# in mode always: 2 MiB each way through a connection the node opened
# arrive intact, both ends agree on timestamps, SACK and window scaling,
# and the closed port is still refused through both. The client's window
# scale (9), the pods' (5) and the node's own (7) differ, and the
# tcpinfo.py listeners' MSS is 1000, so that a gateway that tells an end
# a wrong factor or MSS shows.

source "$(dirname "$0")/lib.sh"

NODE_IP=10.0.1.2
CLUSTER_IP=10.96.0.10
POD_IPS=(10.244.0.2 10.244.0.3 10.244.0.4)

sg_require_root
sg_require_cmd hping3 nft socat python3 conntrack nstat insmod modinfo

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI HOST POD1 POD2 POD3 || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
PODS=("$POD1" "$POD2" "$POD3")
sg_veth "$CLI" "$HOST" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
ip -n "$CLI" route add 10.96.0.0/12 via "$NODE_IP" ||
	{ echo "FAIL: route to the ClusterIP range"; exit "$ksft_fail"; }
# 6.1 renames only a device that is down.
ip -n "$HOST" -batch - <<EOF || { echo "FAIL: node links"; exit "$ksft_fail"; }
link set veth0 down
link set veth0 name eth0
link set eth0 up
route add default via 10.0.1.1
link add cni0 type bridge
addr add 10.244.0.1/24 dev cni0
link set cni0 up
EOF
for i in 0 1 2; do
	tmp="sgk$(mktemp -u XXXXXX)"
	ip link add "${tmp}a" netns "$HOST" type veth peer name "${tmp}b" \
		netns "${PODS[i]}" &&
		ip -n "$HOST" -batch - <<-EOF &&
			link set ${tmp}a master cni0
			link set ${tmp}a up
		EOF
		ip -n "${PODS[i]}" -batch - <<-EOF || { echo "FAIL: pod link"; exit "$ksft_fail"; }
			link set ${tmp}b name eth0
			addr add ${POD_IPS[i]}/24 dev eth0
			link set eth0 up
			route add default via 10.244.0.1
		EOF
	busywait 5000 sg_link_up "${PODS[i]}" eth0 ||
		{ echo "FAIL: pod link down"; exit "$ksft_fail"; }
done
busywait 5000 sg_link_up "$HOST" eth0 && busywait 5000 sg_link_up "$HOST" cni0 ||
	{ echo "FAIL: node links down"; exit "$ksft_fail"; }
ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1 ||
	{ echo "FAIL: ip_forward"; exit "$ksft_fail"; }
sg_gw_wscales "$CLI" "${PODS[@]}" || { echo "FAIL: tcp_rmem"; exit "$ksft_fail"; }

# A node loads br_netfilter; kubeadm requires it (sg_gw_br_netfilter).
sg_gw_br_netfilter "$HOST"

pods="0 : ${POD_IPS[0]}, 1 : ${POD_IPS[1]}, 2 : ${POD_IPS[2]}"
ip netns exec "$HOST" nft -f - <<NFT || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
table ip kube {
	chain svc_web {
		ip saddr != 10.244.0.0/16 meta mark set mark or 0x4000
		meta l4proto tcp dnat to numgen random mod 3 map { $pods } : 80
	}
	chain svc_closed {
		ip saddr != 10.244.0.0/16 meta mark set mark or 0x4000
		meta l4proto tcp dnat to numgen random mod 3 map { $pods } : 81
	}
	chain svc_info {
		ip saddr != 10.244.0.0/16 meta mark set mark or 0x4000
		meta l4proto tcp dnat to numgen random mod 3 map { $pods } : 82
	}
	chain nodeports {
		tcp dport 30080 meta mark set mark or 0x4000 jump svc_web
		tcp dport 30081 meta mark set mark or 0x4000 jump svc_closed
		tcp dport 30082 meta mark set mark or 0x4000 jump svc_info
	}
	chain services {
		ip daddr $CLUSTER_IP tcp dport 80 jump svc_web
		ip daddr $CLUSTER_IP tcp dport 81 jump svc_closed
		ip daddr $CLUSTER_IP tcp dport 82 jump svc_info
		fib daddr type local jump nodeports
	}
	chain prerouting {
		type nat hook prerouting priority dstnat;
		jump services
	}
	chain output {
		type nat hook output priority -100;
		jump services
	}
	chain postrouting {
		type nat hook postrouting priority srcnat;
		meta mark & 0x4000 == 0x4000 masquerade
	}
}
table ip filter {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		ct state invalid drop
		ip daddr 10.244.0.0/24 tcp dport { 80, 81, 82 } ct state new accept
		iifname "cni0" oifname != "cni0" accept
	}
}
NFT

sg_gw_ct_max || { echo "FAIL: nf_conntrack_max"; exit "$ksft_fail"; }
cleanup()
{
	sg_gw_ct_restore
	sg_cleanup
	((BRNF_LOADED)) && rmmod br_netfilter 2>/dev/null
}

# pods_echo PORT: an echo server on PORT in every pod; their pids in
# ECHO_PIDS.
pods_echo()
{
	local i

	ECHO_PIDS=()
	for i in 0 1 2; do
		sg_echo_server "${PODS[i]}" "${POD_IPS[i]}" "$1" || return 1
		ECHO_PIDS+=("$SG_ECHO_PID")
	done
}

pods_echo_stop()
{
	kill "${ECHO_PIDS[@]}" 2>/dev/null
	wait "${ECHO_PIDS[@]}" 2>/dev/null
}

# passive_opens: each pod's TcpPassiveOpens, for an INFO line.
passive_opens()
{
	local i out=''

	for i in 0 1 2; do
		out+=" pod$((i + 1)) $(sg_nstat "${PODS[i]}" TcpPassiveOpens)"
	done
	echo "${out# }"
}

BACKENDS=("$POD1:${POD_IPS[0]}" "$POD2:${POD_IPS[1]}" "$POD3:${POD_IPS[2]}")
SG_GW=$HOST
SG_GW_CLI=$CLI
SG_GW_FLOOD="$NODE_IP 30080"
SG_GW_TARGETS=("$NODE_IP:30080" "$CLUSTER_IP:80")

pods_echo 80 || { echo "FAIL: no listener"; exit "$ksft_fail"; }

# --- the topology, without synguard and without a flood
sg_check "pre-check: the NodePort answers" \
	sg_tcp_connect "$CLI" "$NODE_IP" 30080 || exit $ret
sg_check "pre-check: the ClusterIP answers" \
	sg_tcp_connect "$CLI" "$CLUSTER_IP" 80 || exit $ret
sg_check "pre-check: the node reaches the ClusterIP (nat output)" \
	sg_tcp_connect "$HOST" "$CLUSTER_IP" 80
# Both ways in, connections go to every pod.
sg_gw_learn "pre-check, NodePort" "$NODE_IP" 30080 "${PODS[@]}"
sg_gw_learn "pre-check, ClusterIP" "$CLUSTER_IP" 80 "${PODS[@]}"
sg_info "pre-check: passive opens: $(passive_opens)"
sg_check "pre-check: $SG_GW_BULK_KB KiB each way through the NodePort intact" \
	sg_echo_bulk "$CLI" "$NODE_IP" 30080 "$SG_GW_BULK_KB"
sg_gw_tcpinfo "pre-check" "$CLUSTER_IP" 82 82 "${BACKENDS[@]}"
sg_gw_refuses "pre-check, NodePort" "$NODE_IP" 30081
sg_gw_refuses "pre-check, ClusterIP" "$CLUSTER_IP" 81

# --- without synguard: the failure gateway mode exists for
sg_gw_baseline "k8s"
sg_info "passive opens: $(passive_opens)"

# Fresh listeners: the flood filled the old ones' SYN queues.
pods_echo_stop
pods_echo 80 || { sg_fail "no listener"; exit $ret; }

# --- with synguard in auto
sg_load mode=auto || { sg_fail "insmod synguard"; exit $ret; }

# Connections without a flood to every pod behind each destination the
# checks in mode always use, as the client addresses it (NodePort and
# ClusterIP apart), so that synguard has learned their backends' options
# before; and one to the closed port.
sg_gw_learn "k8s, learning" "$NODE_IP" 30080 "${PODS[@]}"
echo_80=("${ECHO_PIDS[@]}")
SG_LISTEN_OPTS="mss=$SG_GW_INFO_MSS" pods_echo 82 || sg_fail "no listener on 82"
sg_gw_learn "k8s, learning" "$CLUSTER_IP" 82 "${PODS[@]}"
sg_gw_learn "k8s, learning" "$NODE_IP" 30082 "${PODS[@]}"
pods_echo_stop
ECHO_PIDS=("${echo_80[@]}")
sg_gw_refuses "k8s, learning, NodePort" "$NODE_IP" 30081

sg_gw_protect_start "k8s, with synguard"
sg_gw_protect_legit "k8s, with synguard (auto)"
sg_info "passive opens: $(passive_opens)"
sg_gw_always "k8s, with synguard"
sg_gw_bulk "k8s, always, NodePort" "$NODE_IP" 30080
sg_gw_tcpinfo "k8s, always, ClusterIP" "$CLUSTER_IP" 82 82 "${BACKENDS[@]}"
sg_gw_tcpinfo "k8s, always, NodePort" "$NODE_IP" 30082 82 "${BACKENDS[@]}"
sg_gw_refuses "k8s, always, NodePort" "$NODE_IP" 30081 2
sg_gw_refuses "k8s, always, ClusterIP" "$CLUSTER_IP" 81 2
sg_gw_refuse_burst "k8s, always, NodePort" "$NODE_IP" 30081
sg_gw_protect_end "k8s, with synguard" 3

sg_check "rmmod synguard" sg_unload

exit $ret
