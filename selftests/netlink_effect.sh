#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Settings made with synguardctl take effect on the packet path.
#
#   $CLI: veth0 10.0.1.1  <---->  $SRV: veth0 10.0.1.2, socat on $PORT
#
# pkt.py sends bare SYNs from $CLI (whose RSTs to the SYN-ACKs are dropped,
# so the SYNs stay half-open) and `synguardctl -j stats` in $SRV shows
# what synguard did with them:
#   - auto: with the default halfopen_high, 30 half-opens do not start
#     cookie mode; after `set halfopen_high 20` the next SYNs do;
#   - always: SYNs get cookies, but not from an allowlisted source;
#   - always: SYNs to a port outside the protected ranges get none.

source "$(dirname "$0")/lib.sh"

CTL=${SYNGUARD_CTL}
PORT=9200
SRV_IP=10.0.1.2
SPORT=20000	# pkt.py's first source port, moved on after every burst
HERE=$(dirname "$0")

sg_require_root
sg_require_cmd python3 socat nft

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi
if ! sg_load; then
	echo "FAIL: insmod synguard"
	exit "$ksft_fail"
fi

setup_ns CLI SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }

# The client never answers the SYN-ACKs it did not ask for.
ip netns exec "$CLI" nft -f - <<EOF || { echo "FAIL: nft"; exit "$ksft_fail"; }
table inet sgtest {
	chain out {
		type filter hook output priority 0;
		tcp flags rst drop
	}
}
EOF

ip netns exec "$SRV" socat -t 10 "TCP4-LISTEN:$PORT,bind=$SRV_IP,reuseaddr,fork,backlog=1024" \
	PIPE &
if ! sg_wait_listen "$SRV" "$PORT"; then
	echo "FAIL: listener in $SRV"
	exit "$ksft_fail"
fi
sg_check "connectivity pre-check" sg_tcp_connect "$CLI" "$SRV_IP" "$PORT"

ctl() { "$CTL" -n "$SRV" "$@"; }

# stats KEY...: those counters from `synguardctl -j stats`, space
# separated. The object is flat and all numbers, so bash takes it apart
# (python3 starts slowly under TCG).
stats()
{
	local out k v vals=()

	out=$(ctl -j stats) || return 1
	for k in "$@"; do
		v=${out#*\"$k\":}
		vals+=("${v%%[,\}]*}")
	done
	echo "${vals[*]}"
}

# received_at_least N: synguard has seen N SYNs in $SRV.
received_at_least() { (($(stats syn_received) >= $1)); }

# syns N [DPORT]: N SYNs from the client, each from a new source port;
# returns once synguard has seen them all (the veth delivers them after
# pkt.py returns, and the counts asserted next are exact).
syns()
{
	local r0

	r0=$(stats syn_received)
	ip netns exec "$CLI" python3 "$HERE/pkt.py" syn 10.0.1.1 "$SRV_IP" \
		"${2:-$PORT}" --count "$1" --sport "$SPORT" --interval 0.005 ||
		sg_fail "pkt.py: $1 SYNs"
	SPORT=$((SPORT + $1 + 10))
	busywait 5000 received_at_least $((r0 + $1)) ||
		sg_fail "synguard saw only $(($(stats syn_received) - r0)) of $1 SYNs"
}

# --- a lowered watermark starts cookie mode sooner
ctl set mode auto halfopen_high 1024 halfopen_low 5 cooldown 3600 \
	halfopen_timeout 600000 source_limit 100000 || sg_fail "set auto"
syns 30
read -r entries sent cur <<<"$(stats cookie_mode_entries cookies_sent halfopen_current)"
sg_check "30 half-opens ($cur tracked) under halfopen_high 1024: no cookie mode" \
	test "$entries" -eq 0 -a "$sent" -eq 0
ctl set halfopen_high 20 || sg_fail "set halfopen_high 20"
syns 20
read -r entries sent <<<"$(stats cookie_mode_entries cookies_sent)"
sg_check "after set halfopen_high 20: cookie mode entered, once ($entries)" \
	test "$entries" -eq 1
sg_check "after set halfopen_high 20: cookies sent ($sent of 20)" \
	sg_between "$sent" 1 20
sg_check "show says cookie mode is on" \
	bash -c "'$CTL' -n '$SRV' show | grep -q '^cookie mode: on'"

# --- an allowlisted source never gets a cookie
ctl set mode always || sg_fail "set mode always"
read -r sent0 <<<"$(stats cookies_sent)"
syns 10
read -r sent1 <<<"$(stats cookies_sent)"
sg_check "mode always: SYNs get cookies ($sent0 -> $sent1)" \
	test "$sent1" -eq $((sent0 + 10))

ctl allow add 10.0.1.0/24 || sg_fail "allow add"
read -r sent0 passed0 <<<"$(stats cookies_sent syn_passed)"
syns 10
read -r sent1 passed1 <<<"$(stats cookies_sent syn_passed)"
sg_check "allowlisted source: no cookie ($sent0 -> $sent1)" \
	test "$sent1" -eq "$sent0"
sg_check "allowlisted source: SYNs passed ($passed0 -> $passed1)" \
	test "$passed1" -eq $((passed0 + 10))
sg_check "allowlisted source still connects" \
	sg_tcp_connect "$CLI" "$SRV_IP" "$PORT"
ctl allow del 10.0.1.0/24 || sg_fail "allow del"

# --- a port outside the protected ranges never gets a cookie
ctl ports add 1-100 || sg_fail "ports add"
read -r sent0 <<<"$(stats cookies_sent)"
syns 10
read -r sent1 <<<"$(stats cookies_sent)"
sg_check "unprotected port: no cookie ($sent0 -> $sent1)" \
	test "$sent1" -eq "$sent0"
ctl ports add "$PORT" || sg_fail "ports add $PORT"
syns 10
read -r sent2 <<<"$(stats cookies_sent)"
sg_check "once protected, the port gets cookies ($sent1 -> $sent2)" \
	test "$sent2" -eq $((sent1 + 10))
sg_check "a cookie connection to the protected port works" \
	sg_tcp_connect "$CLI" "$SRV_IP" "$PORT"

exit $ret
