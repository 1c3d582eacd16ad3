#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 400
# rules: 1
#
# Hostile packets against synguard in every mode: truncated IPv4, IPv6
# and TCP headers, bad data offsets, silly TCP option lengths, extreme
# MSS and window scale, SYNs with data, SYN+FIN, SYN+RST, IPv4 options,
# IPv6 extension headers, fragments, bad checksums, martian sources and
# a few thousand random bit flips of valid SYNs and ACKs. The guest
# kernel must stay clean (the harness fails on any splat), every counter
# must move exactly as the packets explain, and afterwards the module
# must still work.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1  <---->  $SRV: veth0 10.0.1.2 fd00:1::2
#         (AF_PACKET: hostile.py)            listener on $PORT, v4 and v6
#         10.9/16, fd09::/16 blackholed      10.9/16, fd09::/16 and
#                                            ::ffff:0:0/96 via $CLI
#
# hostile.py writes whole frames on the client's veth from random sources
# in 10.9.0.0/16 and fd09::/16; the server routes them back to the client,
# which drops them, so nothing answers the server's SYN-ACKs and
# hostile.py sees each one on the wire. Per mode it prints one line per
# case with what each counter did; check_case says what the mode allows.
# In `always` it also completes handshakes by hand with MSS 65535, window
# scale 15, a duplicate MSS 0 and IPv6 extension headers, and sends
# fragmented SYNs with conntrack's defragmentation in front of synguard.
#
# HOSTILE_FLIPS=N sets the bit flips per flip case and family (default
# 250: 2000 per mode).

source "$(dirname "$0")/lib.sh"

PORT=9400
CLOSED=9401
HERE=$(dirname "$0")
FLIPS=${HOSTILE_FLIPS:-250}	# per flip case and family: 8 cases per mode

sg_require_root
sg_require_cmd socat python3 insmod ss

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
if ! { ip -n "$SRV" route add 10.9.0.0/16 via 10.0.1.1 &&
	ip -n "$SRV" -6 route add fd09::/16 via fd00:1::1 &&
	ip -n "$CLI" route add blackhole 10.9.0.0/16 &&
	ip -n "$CLI" -6 route add blackhole fd09::/16 &&
	ip -n "$SRV" -6 route add ::ffff:0.0.0.0/96 via fd00:1::1; }; then
	echo "FAIL: routes"
	exit "$ksft_fail"
fi
SRV_MAC=$(ip -n "$SRV" -br link show dev veth0 | awk '{ print $3 }')

for addr in 10.0.1.2 fd00:1::2; do
	ip netns exec "$SRV" socat "$(sg_socat_listen "$addr" "$PORT"),fork,backlog=1024" PIPE &
done
both_listening()
{
	(($(ip netns exec "$SRV" ss -Hltn "sport = :$PORT" | wc -l) == 2))
}
busywait 5000 both_listening || { echo "FAIL: no listeners"; exit "$ksft_fail"; }
for addr in 10.0.1.2 fd00:1::2; do
	sg_check "pre-check: a connection to $addr without synguard" \
		sg_tcp_connect "$CLI" "$addr" "$PORT" || exit "$ksft_fail"
done

hostile()
{
	ip netns exec "$CLI" python3 "$HERE/hostile.py" "$@" --iface veth0 \
		--dmac "$SRV_MAC"
}

# field LINE KEY: the value of KEY=VALUE in LINE, a leading + dropped.
field()
{
	local kv

	for kv in $1; do
		if [[ "$kv" == "$2="* ]]; then
			kv=${kv#*=}
			echo "${kv#+}"
			return
		fi
	done
	echo "?"
}

# A per case in mode off, which runs first.
declare -A OFF_A=()

# check_case MODE LINE: what one case's counters must show in MODE. The
# line's fields become variables, read by name in each relation wanted:
#   S syn_received, P syn_passed, C cookies_sent, B bad_checksum,
#   H halfopen_added, V cookies_validated, R cookies_rejected,
#   U synack_unroutable,
#   A SYN-ACKs seen on the wire (a retransmission counted once),
#   X TCP frames sent to a broadcast MAC,
#   n packets sent, pred_syn and pred_cookie (bit flips, see hostile.py),
#   settled 1 if the server had dealt with all of them when counted,
#   A_off what A was for the same case in mode off: what the kernel
#   alone does, the reference for the cases left to it.
# (No subshells: under TCG each fork costs.)
# shellcheck disable=SC2034
check_case()
{
	local mode=$1 line=$2 name klass kv w want=()
	local n S P C B H V R U A X pred_syn pred_cookie settled A_off
	local -A f=()

	read -r _ name _ <<<"$line"
	for kv in $line; do
		[[ "$kv" == *=* ]] || continue
		kv=${kv/=+/=}
		f[${kv%%=*}]=${kv#*=}
	done
	klass=${f[class]} n=${f[n]} A=${f[synacks]} X=${f[bcast]}
	S=${f[syn_received]} P=${f[syn_passed]} C=${f[cookies_sent]}
	B=${f[bad_checksum]} H=${f[halfopen_added]}
	V=${f[cookies_validated]} R=${f[cookies_rejected]}
	U=${f[synack_unroutable]}
	pred_syn=${f[pred_syn]:-0} pred_cookie=${f[pred_cookie]:-0}
	settled=${f[settled]:-0}
	if [[ $mode == off ]]; then
		OFF_A[$name]=$A
	elif [[ -z "${OFF_A[$name]:-}" ]]; then
		sg_fail "$mode: $name: mode off printed no such case: $line"
		return
	fi
	A_off=${OFF_A[$name]}

	# Every case: counted once all was dealt with, nothing broadcast,
	# and off means untouched.
	want+=("settled == 1" "X == 0")
	[[ $mode == off ]] && want+=("S == 0" "C == 0" "B == 0" "H == 0"
				     "V == 0" "R == 0")
	case "$klass" in
	invisible)
		# Dropped by IP before PREROUTING, or a TCP header synguard
		# cannot read: never classified, never answered.
		want+=("S == 0" "P == 0" "C == 0" "B == 0" "H == 0" "A == 0")
		;;
	frag)
		# IPv4 is reassembled before LOCAL_IN: two fragments make
		# one SYN, answered like any other. IPv6 fragments reach
		# LOCAL_IN as they came (no conntrack here): the kernel's.
		# Either way every SYN is answered, an atomic fragment
		# being a SYN of its own.
		if [[ $name == frag_atomic* ]]; then
			want+=("A == n")
		else
			want+=("A == n / 2")
		fi
		if [[ $name == *4 ]]; then
			case $mode in
			monitor) want+=("S == n / 2" "C == 0" "H == n / 2") ;;
			auto) want+=("S == n / 2" "P + C == n / 2") ;;
			always) want+=("S == n / 2" "C == n / 2" "A == n / 2") ;;
			esac
		else
			want+=("S == 0" "C == 0" "H == 0")
		fi
		;;
	notsyn)
		want+=("S == 0" "C == 0" "H == 0" "A == 0")
		;;
	nolistener)
		[[ $mode != off ]] && want+=("S == n" "P == n")
		want+=("C == 0" "H == 0" "A == 0")
		;;
	validsyn)
		case $mode in
		monitor) want+=("S == n" "P == n" "C == 0" "H == n") ;;
		auto) want+=("S == n" "P + C == n" "B == 0") ;;
		always) want+=("S == n" "P == 0" "C == n" "B == 0" "H == 0") ;;
		esac
		# Answered, by the kernel or a cookie; random options may
		# make the kernel drop a few (in always synguard answers
		# them all: C == n).
		if [[ $mode == always || $name != opt_random* ]]; then
			want+=("A == n")
		else
			want+=("A <= n")
		fi
		;;
	badcsum)
		case $mode in
		monitor) want+=("S == n" "P == n" "C == 0" "B == 0") ;;
		auto) want+=("S == n" "C == 0" "P + B == n") ;;
		always) want+=("S == n" "P == 0" "C == 0" "B == n") ;;
		esac
		want+=("A == 0")
		;;
	badcsum_ack)
		# A handshake's ACK with a bad checksum: never a cookie the
		# kernel accepts, whatever its cookie says.
		[[ $mode == always ]] && want+=("B == n" "R == 0")
		want+=("n > 0" "V == 0" "S == 0" "C == 0")
		;;
	martian)
		# Sources input routing drops as martians never reach
		# LOCAL_IN; what does (IPv6 ::, its own address, v4-mapped,
		# which tcp_v6_conn_request() drops: it has a route back
		# here, so only that check keeps it from a cookie) is left to
		# the kernel or has no route back, and is never answered.
		want+=("P + U == S" "C == 0" "A == 0")
		;;
	kernel_drops)
		# Valid SYNs the kernel rejects after PREROUTING: malformed
		# IPv4 options in ip_rcv_options(), before LOCAL_IN; a type 0
		# routing header with segments left after it, as it walks
		# the extension headers. Off shows they go unanswered; in
		# every mode synguard answers none and the wire shows what
		# the kernel alone did.
		want+=("C == 0" "A == A_off" "A == 0" "P == S" "B == 0"
		       "V == 0" "R == 0")
		[[ $name == ip_options_bad* ]] && want+=("S == 0" "H == 0")
		;;
	flip_raw)
		# One flipped bit under a checksum: bad, whatever it hit.
		want+=("n > 0" "C == 0" "V == 0")
		[[ $name == flip_syn* ]] && want+=("A == 0")
		;;
	flip_fixed)
		# Valid checksums: exactly the predicted SYNs are counted.
		# A SYN made from an ACK shares its connection with the ACKs
		# flipped before it; once one of those was still a valid
		# cookie, the kernel holds a socket of that connection and
		# gets the SYN, as it would without synguard (its answer is
		# a challenge ACK).
		# The kernel or synguard answers a SYN once at most.
		want+=("n > 0")
		[[ $name == flip_syn* ]] && want+=("A <= pred_cookie")
		case $mode in
		monitor) want+=("S == pred_syn" "C == 0") ;;
		auto) want+=("S == pred_syn" "C <= pred_cookie") ;;
		always)
			want+=("S == pred_syn" "B == 0")
			if [[ $name == flip_ack* ]]; then
				want+=("C <= pred_cookie"
				       "C == pred_cookie || V > 0")
			else
				want+=("C == pred_cookie" "A == C")
			fi
			;;
		esac
		;;
	*)
		sg_fail "$mode: unknown case line: $line"
		return
		;;
	esac

	for w in "${want[@]}"; do
		# shellcheck disable=SC2004 # $w is an expression, not a name
		if ! (($w)); then
			sg_fail "$mode: $name ($klass, $n sent): want $w" \
				"(A_off=$A_off): $line"
			return
		fi
	done
	sg_pass "$mode: $name ($klass, $n sent): ${want[*]}"
}

# normal_connections MODE: the module still works after the onslaught,
# with a cookie in always, none in off and monitor, at most one in auto
# (which may still think itself under attack).
normal_connections()
{
	local mode=$1 addr c0 c lo=0 hi=0

	case $mode in
	always) lo=1 hi=1 ;;
	auto) hi=1 ;;
	esac
	for addr in 10.0.1.2 fd00:1::2; do
		c0=$(sg_counter cookies_sent)
		sg_check "$mode: a normal connection to $addr works afterwards" \
			sg_tcp_connect "$CLI" "$addr" "$PORT"
		c=$(($(sg_counter cookies_sent) - c0))
		sg_check "$mode: ... and it got $lo to $hi cookies (+$c)" \
			sg_between "$c" "$lo" "$hi"
	done
}

# Connections made by hand with unusual SYN options, each "DESC|MSS|WSCALE|
# HOSTILE.PY ARGS": each must cost one cookie and be accepted with the MSS
# and window scale the kernel derives from its options (a cookie encodes
# the largest MSS of its table not above the client's: 1460 for IPv4,
# 1440 for IPv6; the server's MSS is that less 12 for timestamps).
HANDSHAKES=(
	"MSS 65535, wscale 15, SACK, TS|1448|14|--dst 10.0.1.2 --src 10.9.200.0/24 --opts mss=65535,ws=15,sack,ts"
	"MSS 1460 then MSS 0, wscale 3, TS|1448|3|--dst 10.0.1.2 --src 10.9.201.0/24 --opts mss=1460,mss=0,ws=3,ts"
	"IPv6 behind hop-by-hop, destination and routing headers|1428|14|--dst fd00:1::2 --src fd09:1::/64 --opts mss=1440,ws=15,sack,ts --ext hbh,dst,rt0"
)

# handshakes: run HANDSHAKES all at once (a python start costs seconds
# under TCG), then check each.
handshakes()
{
	local i desc mss ws args c0 v0 out src sport info
	local -a pids=()

	c0=$(sg_counter cookies_sent)
	v0=$(sg_counter cookies_validated)
	for i in "${!HANDSHAKES[@]}"; do
		IFS='|' read -r desc mss ws args <<<"${HANDSHAKES[i]}"
		# shellcheck disable=SC2086 # args are words
		hostile handshake --port "$PORT" $args >"$SG_TMPDIR/hs.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in "${!HANDSHAKES[@]}"; do
		IFS='|' read -r desc mss ws args <<<"${HANDSHAKES[i]}"
		out=$(<"$SG_TMPDIR/hs.$i")
		sg_info "$desc: $out"
		if [[ "$out" != *'"data_acked": true'* ]]; then
			sg_fail "$desc: handshake and data: $out"
			continue
		fi
		sg_pass "$desc: handshake done, data acknowledged"
		[[ "$out" =~ \"src\":\ \"([^\"]+)\".*\"sport\":\ ([0-9]+) ]]
		src=${BASH_REMATCH[1]} sport=${BASH_REMATCH[2]}
		[[ $src == *:* ]] && src="[$src]"
		info=$(ip netns exec "$SRV" ss -Htni state established \
			"( sport = :$PORT and dst $src:$sport )" | tr '\n' ' ')
		if [[ "$info" == *" wscale:$ws,"* && "$info" == *" mss:$mss "* ]]; then
			sg_pass "$desc: server socket has wscale:$ws and mss:$mss"
		else
			sg_fail "$desc: server socket wants wscale:$ws mss:$mss, has: $info"
		fi
	done
	# Each sends two segments that may carry the cookie back: its
	# ACK, and its data should the ACK not have made the socket yet.
	c0=$(($(sg_counter cookies_sent) - c0))
	v0=$(($(sg_counter cookies_validated) - v0))
	sg_check "handshakes: ${#HANDSHAKES[@]} cookies sent (+$c0)" \
		test "$c0" -eq ${#HANDSHAKES[@]}
	sg_check "handshakes: each validated, at most twice (+$v0)" \
		sg_between "$v0" ${#HANDSHAKES[@]} $((2 * ${#HANDSHAKES[@]}))
}

# frag_with_conntrack: with conntrack in the server's namespace, its
# defragmentation runs before synguard, which then answers the whole SYN.
frag_with_conntrack()
{
	local line name n S C A want rc names=
	local out="$SG_TMPDIR/cases.conntrack"

	ip netns exec "$SRV" nft -f - <<-EOF || { sg_fail "nft ct table"; return; }
	table inet sg_hostile {
		chain in {
			type filter hook input priority 0;
			ct state invalid counter
		}
	}
	EOF
	hostile cases --port "$PORT" --closed-port "$CLOSED" \
		--dst4 10.0.1.2 --dst6 fd00:1::2 --src4 10.9.0.0/16 \
		--src6 fd09::/16 --only frag,frag_atomic >"$out"
	rc=$?
	sg_check "always + conntrack: hostile.py cases exited $rc" test $rc -eq 0
	while read -r line; do
		read -r _ name _ <<<"$line"
		names+=" $name"
		n=$(field "$line" n)
		S=$(field "$line" syn_received)
		C=$(field "$line" cookies_sent)
		A=$(field "$line" synacks)
		# Two fragments per SYN; an atomic fragment is a whole SYN.
		want=$((n / 2))
		[[ $name == frag_atomic* ]] && want=$n
		if [[ $(field "$line" settled) == 1 ]] && ((n > 0 &&
		      S == want && C == want && A == want)); then
			sg_pass "always + conntrack: $name: defragmented first, a cookie per SYN (+$C)"
		else
			sg_fail "always + conntrack: $name: want $want SYNs, cookies and SYN-ACKs: $line"
		fi
	done < <(grep '^case ' "$out")
	sg_check "always + conntrack: cases frag4 frag6 frag_atomic6 (had:$names)" \
		test "$names" == " frag4 frag6 frag_atomic6"
	ip netns exec "$SRV" nft delete table inet sg_hostile
}

# Off first: what the kernel alone does, which the other modes must match
# where synguard leaves a SYN to it.
for mode in off monitor auto always; do
	sg_load mode="$mode" || { sg_fail "insmod synguard mode=$mode"; continue; }
	start=$SECONDS
	out="$SG_TMPDIR/cases.$mode"
	hostile cases --port "$PORT" --closed-port "$CLOSED" \
		--dst4 10.0.1.2 --dst6 fd00:1::2 --src4 10.9.0.0/16 \
		--src6 fd09::/16 --flips "$FLIPS" >"$out" ||
		sg_fail "$mode: hostile.py cases exited $?"
	[[ -d "${SYNGUARD_RESULTS:-}" ]] &&
		cp "$out" "$SYNGUARD_RESULTS/hostile_packets.$mode.cases"
	sg_info "$mode: $(grep -c '^case ' "$out") cases," \
		"$(awk '{ sub("n=", "", $4); s += $4 } END { print s }' "$out")" \
		"packets in $((SECONDS - start))s"
	while read -r line; do
		check_case "$mode" "$line"
	done < <(grep '^case ' "$out")

	normal_connections "$mode"
	sg_info "$mode: connections done after $((SECONDS - start))s"
	if [[ $mode == always ]]; then
		handshakes
		sg_info "always: handshakes done after $((SECONDS - start))s"
		frag_with_conntrack
	fi
	sg_unload || sg_fail "rmmod synguard after mode=$mode"
	sg_info "$mode: done in $((SECONDS - start))s"
done

exit $ret
