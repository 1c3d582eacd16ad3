#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 1 3
#
# Gateway mode answers only for the services the host publishes: a SYN
# it DNATs, or one routed to a prefix named with `synguardctl forward`,
# or one that came in through an interface named there.
# A container's own connections out, through the host's masquerade, are
# between the container and the server it calls: synguard neither
# answers nor judges them, so a dead server stays dead and a refusing
# one refuses.
#
#   $CTR: veth0 10.0.2.2      <-->  $HOST: ctr0 10.0.2.1     <-->  $NET: veth0 10.0.1.1, 10.0.1.3
#         default via 10.0.2.1         eth0 10.0.1.2                    echo on 80 (both), nothing
#         echo on 80                   srv0 10.0.3.1                    on 81; 10.0.1.3 answers
#                                      nat: 8080 -> 10.0.2.2:80         400 ms late; 198.51.100.0/24
#   $SRV: veth0 10.0.3.2 <-->          masquerade 10.0.2.0/24           goes nowhere; the flood
#         echo on 80 (82 at the end)   out of eth0                      (hping3, to 10.0.1.2:8080)
#
# Each case runs without synguard (what the kernel does), in `always`,
# and in `auto` under a flood at the published port (sg_regimes), and
# must give the kernel's outcome. In `always`, where no flood moves the
# counters, synguard must not even have counted the container's SYNs
# or those to the routed server. Then the routed server's prefix is
# added to the forward list, and synguard judges its SYNs. Then, in its
# place, the host's uplink eth0: synguard judges what comes in through
# it whatever its destination, learns the routed server's port from its
# SYN-ACK as that leaves through eth0, and opens the next connection with
# a cookie; what comes in through ctr0 it does not judge, nor learn from
# the answers to the container's connections out that come in through
# eth0.

source "$(dirname "$0")/lib.sh"

HOST_IP=10.0.1.2
FAR_IP=10.0.1.3

sg_require_root
sg_require_cmd hping3 nft python3 tc insmod modinfo

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns NET HOST CTR SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
# sg_veth names both ends veth0: the host's are renamed as each is made.
sg_veth_as "$NET" "$HOST" 1 "$HOST" eth0 &&
	sg_veth_as "$HOST" "$CTR" 2 "$HOST" ctr0 &&
	sg_veth_as "$HOST" "$SRV" 3 "$HOST" srv0 ||
	{ echo "FAIL: links"; exit "$ksft_fail"; }
ip -n "$HOST" route add default via 10.0.1.1 &&
	ip -n "$NET" addr add "$FAR_IP/24" dev veth0 &&
	ip -n "$NET" route add 10.0.3.0/24 via "$HOST_IP" &&
	ip -n "$CTR" route add default via 10.0.2.1 &&
	ip -n "$SRV" route add default via 10.0.3.1 &&
	ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1 ||
	{ echo "FAIL: routes"; exit "$ksft_fail"; }
for dev in eth0 ctr0 srv0; do
	busywait 5000 sg_link_up "$HOST" "$dev" ||
		{ echo "FAIL: $dev down"; exit "$ksft_fail"; }
done

# 10.0.1.3 is a server 400 ms away: only what it sends is delayed.
ip netns exec "$NET" tc -batch - <<EOF || { echo "FAIL: netem"; exit "$ksft_fail"; }
qdisc add dev veth0 root handle 1: prio
qdisc add dev veth0 parent 1:3 handle 30: netem delay 400ms limit 10000
filter add dev veth0 parent 1: protocol ip u32 match ip src $FAR_IP/32 flowid 1:3
EOF

# As Docker publishes a port and lets its containers out.
ip netns exec "$HOST" nft -f - <<NFT || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr $HOST_IP tcp dport 8080 dnat to 10.0.2.2:80
	}
	chain post {
		type nat hook postrouting priority srcnat;
		ip saddr 10.0.2.0/24 oifname "eth0" masquerade
	}
}
NFT

for ns in "$NET" "$CTR" "$SRV"; do
	sg_peer_serve "$ns" 0.0.0.0 80 ||
		{ echo "FAIL: no listener in $ns"; exit "$ksft_fail"; }
done

DEAD=$(printf '198.51.100.%d,' {1..40})
DEAD=${DEAD%,}

# many NS ADDRS PORT [ARGS...]: peer.py many, from NS.
many()
{
	ip netns exec "$1" python3 "$SG_LIB_DIR/peer.py" many "$2" "$3" \
		"${@:4}"
}

judged() { sg_ns_counter "$HOST" syn_received; }

cases()
{
	local s0

	s0=$(judged)
	sg_case "container out, a listening server" ok - "$HOST" \
		sg_probe "$CTR" 10.0.1.1 80
	sg_case "container out, a closed port" refused - "$HOST" \
		sg_probe "$CTR" 10.0.1.1 81
	sg_case "container out, an address with no host" timeout - "$HOST" \
		sg_probe "$CTR" 198.51.100.1 80
	sg_case "container out, 40 at once to 40 dead addresses" timeout=40 - \
		"$HOST" many "$CTR" "$DEAD" 80
	sg_case "container out, 150 at once to a server 400 ms away" ok=150 - \
		"$HOST" many "$CTR" "$FAR_IP" 80 --count 150 --timeout 10
	sg_case "a routed server, its prefix not named" ok - "$HOST" \
		sg_probe "$NET" 10.0.3.2 80
	if [[ "$SG_REGIME" == always ]]; then
		sg_check "always: synguard judged none of those SYNs (syn_received $s0, then $(judged))" \
			test "$(judged)" -eq "$s0"
	fi
	sg_case "the published port" ok - "$HOST" sg_probe "$NET" "$HOST_IP" 8080
}

sg_regimes cases "$HOST" "$NET" "$HOST_IP" 8080

# judges LABEL NS ADDR PORT: a connection from NS to ADDR:PORT succeeds,
# and synguard judged its SYN.
judges()
{
	local s0 s1 got

	s0=$(judged)
	got=$(sg_probe "$2" "$3" "$4")
	s1=$(judged)
	sg_check "$1: $3:$4 answers $2 ($got)" test "$got" = ok
	sg_check "$1: synguard judged its SYN (syn_received $s0, then $s1)" \
		test "$s1" -gt "$s0"
}

# unjudged LABEL NS ADDR PORT: ...succeeds, and synguard did not judge it.
unjudged()
{
	local s0 got

	s0=$(judged)
	got=$(sg_probe "$2" "$3" "$4")
	sg_check "$1: $3:$4 answers $2 ($got), unjudged (syn_received $s0, then $(judged))" \
		test "$got/$(judged)" = "ok/$s0"
}

# --- the routed server's prefix named
sg_load mode=always || { sg_fail "insmod synguard mode=always"; exit "$ret"; }
sg_check "forward add 10.0.3.0/24" \
	"$SYNGUARD_CTL" -n "$HOST" forward add 10.0.3.0/24
judges "always, prefix named" "$NET" 10.0.3.2 80
unjudged "always, prefix named: the container gets out" "$CTR" 10.0.1.1 80

# --- the uplink named instead, and port 82, which nothing has learned
# learned ADDR:PORT: the host's gateway learned the destination (an MSS).
learned() { "$SYNGUARD_CTL" -n "$HOST" backends | grep -q "^$1 mss [0-9]"; }
# unlisted ADDR: the host's gateway holds no destination of ADDR.
unlisted()
{
	local b

	b=$("$SYNGUARD_CTL" -n "$HOST" backends) && [[ "$b" != *"$1:"* ]]
}
sg_peer_serve "$SRV" 0.0.0.0 82 || sg_fail "no listener on 82 in $SRV"
sg_check "forward del 10.0.3.0/24" \
	"$SYNGUARD_CTL" -n "$HOST" forward del 10.0.3.0/24
unjudged "always, nothing named" "$NET" 10.0.3.2 82
sg_check "forward add dev eth0" \
	"$SYNGUARD_CTL" -n "$HOST" forward add dev eth0
# The first SYN to a destination passes, to be learned from.
judges "always, eth0 named" "$NET" 10.0.3.2 82
sg_check "always, eth0 named: its SYN-ACK, out through eth0, learned" \
	busywait 2000 learned 10.0.3.2:82
v0=$(sg_ns_counter "$HOST" cookies_validated)
got=$(sg_probe "$NET" 10.0.3.2 82)
v1=$(sg_ns_counter "$HOST" cookies_validated)
sg_check "always, eth0 named, learned: the next connection succeeds ($got)" \
	test "$got" = ok
sg_check "always, eth0 named, learned: ...opened by a cookie (cookies_validated $v0, then $v1)" \
	test "$v1" -gt "$v0"
unjudged "always, eth0 named: in through ctr0" "$CTR" 10.0.3.2 82
unjudged "always, eth0 named: the container gets out" "$CTR" 10.0.1.1 80
sg_check "always, eth0 named: its server's answers, in through eth0, not learned from" \
	unlisted 10.0.1.1
sg_check "rmmod synguard" sg_unload

exit "$ret"
