#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# rules: 2
#
# A published service with two backends that disagree: one agrees to
# timestamps and ECN, the other to neither. A gateway cookie's SYN-ACK
# is sent before a backend is picked, so it may offer only what both
# agree to: the client gets neither, both ends of each connection agree,
# and data flows both ways through the service. Without timestamps a
# cookie carries no SACK or window scale either, as the kernel's own.
#
#   $CLI: veth0 10.0.1.1  <-->  $HOST: eth0 10.0.1.2           <-->  $SRVA: 10.0.2.2, timestamps, ECN
#         asks for ECN              nat: 8080, 8082 -> a backend     $SRVB: 10.0.3.2, neither
#                                   by a hash of the source port
#
# Without synguard (the reference) each client gets what its backend
# agreed to: timestamps and ECN from $SRVA, neither from $SRVB. With
# synguard in `always`, once both backends have answered: neither (nor
# SACK), from both, and 512 KiB each way intact.

source "$(dirname "$0")/lib.sh"

HOST_IP=10.0.1.2

sg_require_root
sg_require_cmd nft socat python3 insmod

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI HOST SRVA SRVB || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
# sg_veth names both ends veth0: the host's are renamed as each is made.
sg_veth_as "$CLI" "$HOST" 1 "$HOST" eth0 ||
	{ echo "FAIL: veth setup"; exit "$ksft_fail"; }
sg_veth_as "$HOST" "$SRVA" 2 "$HOST" srva &&
	sg_veth_as "$HOST" "$SRVB" 3 "$HOST" srvb &&
	ip -n "$HOST" route add default via 10.0.1.1 &&
	ip -n "$SRVA" route add default via 10.0.2.1 &&
	ip -n "$SRVB" route add default via 10.0.3.1 &&
	ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_ecn=1 &&
	ip netns exec "$SRVA" sysctl -qw net.ipv4.tcp_ecn=1 &&
	ip netns exec "$SRVB" sysctl -qw net.ipv4.tcp_ecn=0 \
		net.ipv4.tcp_timestamps=0 ||
	{ echo "FAIL: links and settings"; exit "$ksft_fail"; }
for dev in eth0 srva srvb; do
	busywait 5000 sg_link_up "$HOST" "$dev" ||
		{ echo "FAIL: $dev down"; exit "$ksft_fail"; }
done
ip netns exec "$HOST" nft -f - <<NFT || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr $HOST_IP tcp dport { 8080, 8082 } dnat to jhash tcp sport mod 2 map { 0 : 10.0.2.2, 1 : 10.0.3.2 }
	}
}
NFT
for ns in "$SRVA" "$SRVB"; do
	sg_echo_server "$ns" 0.0.0.0 8080 ||
		{ echo "FAIL: no echo server"; exit "$ksft_fail"; }
done

# info: one connection from $CLI to the service's port 8082, which a
# tcpinfo.py server on each backend waits for; prints the client's view
# and the view of the backend that took it, "CLIENT SERVER", as JSON.
info()
{
	local pids=() ns cli srv=

	for ns in SRVA SRVB; do
		: >"$SG_TMPDIR/ti.$ns"
		ip netns exec "${!ns}" python3 "$SG_LIB_DIR/tcpinfo.py" server \
			0.0.0.0 8082 >"$SG_TMPDIR/ti.$ns" 2>/dev/null &
		pids+=($!)
	done
	for ns in SRVA SRVB; do
		# Python starts slowly under TCG.
		busywait 20000 sg_listening "${!ns}" 8082 || break
	done
	cli=$(ip netns exec "$CLI" timeout 30 python3 "$SG_LIB_DIR/tcpinfo.py" \
		client "$HOST_IP" 8082 2>/dev/null | tr -d ' ')
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	for ns in SRVA SRVB; do
		[[ -s "$SG_TMPDIR/ti.$ns" ]] &&
			srv="$ns:$(tr -d ' ' <"$SG_TMPDIR/ti.$ns")"
	done
	echo "${cli:-none} ${srv:-none}"
}

# opts JSON: the options one end agreed to, as "ts=B,ecn=B,sack=B".
opts()
{
	local k out=

	[[ "$1" == "{"* ]] || { echo none; return; }
	for k in ts ecn sack; do
		if [[ "$1" == *"\"$k\":true"* ]]; then
			out+="$k=1,"
		else
			out+="$k=0,"
		fi
	done
	echo "${out%,}"
}

# connections N: info until each backend took N connections (at most 16
# tries: the hash picks one at random); their "CLIENT/SERVER" options
# (opts) by backend in seen[], how many in tries.
declare -A seen=() took=()
connections()
{
	local cli srv ns

	seen=() took=([SRVA]=0 [SRVB]=0)
	for ((tries = 1; tries <= 16; tries++)); do
		read -r cli srv <<<"$(info)"
		ns=${srv%%:*}
		seen[$ns]+=" $(opts "$cli")/$(opts "${srv#*:}")"
		took[$ns]=$((${took[$ns]:-0} + 1))
		((took[SRVA] >= $1 && took[SRVB] >= $1)) && return 0
	done
	return 1
}

# agreed NS: the distinct "CLIENT/SERVER" options of NS's connections.
agreed() { echo "${seen[$1]:-}" | tr ' ' '\n' | sort -u | grep -v '^$'; }

# --- without synguard: each backend's own answer
sg_check "without synguard: both backends took a connection" connections 1
sg_check "without synguard: SRVA's clients get timestamps and ECN:${seen[SRVA]:- no connection}" \
	test "$(agreed SRVA)" = "ts=1,ecn=1,sack=1/ts=1,ecn=1,sack=1"
sg_check "without synguard: SRVB's clients get neither:${seen[SRVB]:- no connection}" \
	test "$(agreed SRVB)" = "ts=0,ecn=0,sack=1/ts=0,ecn=0,sack=1"

# --- synguard in always: both backends answer, then cookies
sg_load mode=always || { sg_fail "insmod synguard mode=always"; exit "$ret"; }
SG_GW_CLI=$CLI
sg_gw_learn "always" "$HOST_IP" 8080 "$SRVA" "$SRVB"
# The first SYN to a destination not learned yet goes to its backend.
sg_check "always, learning: both backends answered on 8082" connections 1
c0=$(sg_ns_counter "$HOST" cookies_validated)
sg_check "always: both backends took 2 connections" connections 2
c1=$(sg_ns_counter "$HOST" cookies_validated)
sg_check "always: every one of the $tries connections was a cookie connection (cookies_validated $c0, then $c1)" \
	test "$((c1 - c0))" -eq "$tries"
for ns in SRVA SRVB; do
	sg_check "always: $ns's clients and $ns agree to neither timestamps nor ECN:${seen[$ns]:- no connection}" \
		test "$(agreed "$ns")" = "ts=0,ecn=0,sack=0/ts=0,ecn=0,sack=0"
done
for i in 1 2; do
	sg_check "always: 512 KiB each way intact, connection $i" \
		sg_echo_bulk "$CLI" "$HOST_IP" 8080 512
done
sg_check "rmmod synguard" sg_unload

exit "$ret"
