#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh [KVER]: the main job, shown. Boots a Debian kernel (default
# 6.12) under QEMU once and shows two scenes, each without and with
# synguard:
#
#   a server: spoofed SYNs flood a conntrack-firewalled echo server; what
#     legitimate clients saw (the flood_conntrack selftest);
#   a Docker host: spoofed SYNs flood a container's published port, which
#     the host DNATs and forwards; what legitimate clients saw and how
#     full the host's conntrack table got, and gateway mode's counters
#     (the gateway_docker selftest, with and without a userland proxy).
#
# It runs the selftests and reads their figures, so the demo and the
# tests cannot disagree. Without selftests/gateway_docker.sh it shows the
# first scene only.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
kver=${1:-6.12}
build="$repo/build"
out="$build/demo.log"
stamp="$build/.demo.start"

mkdir -p "$build" && : >"$stamp" || exit 1

tests=(flood_conntrack)
[[ -x "$repo/selftests/gateway_docker.sh" ]] && tests+=(gateway_docker)

# check.sh's steps (installing, building, booting) and the tests'
# INFO/PASS/FAIL lines as the guest writes them; everything, apt-get's
# output too, in build/demo.log. One boot runs both tests.
echo "demo: the ${tests[*]} selftest(s) on Debian $kver under QEMU;" \
	"full output in build/demo.log"
TESTS=$(IFS=,; echo "${tests[*]}") SYNGUARD_FOLLOW=1 "$here/check.sh" "$kver" 2>&1 |
	tee "$out" |
	grep --line-buffered -E '^(#|(not )?ok |TAP version|1\.\.|selftests: |check\.sh: )'
status=${PIPESTATUS[0]}
echo

# The kernel release check.sh ran, and its results if this run wrote them.
rel=$(sed -n 's/^# === \(.*\) ===$/\1/p' "$out" | tail -n 1)
res="$build/$rel/results"
log="$res/flood_conntrack.log"
if [[ -z "$rel" || ! -f "$log" || ! "$log" -nt "$stamp" ]]; then
	echo "demo: no result; the end of build/demo.log:" >&2
	tail -n 20 "$out" | sed 's/^/  /' >&2
	exit 1
fi

# test_result NAME: pass, skip or fail, from the guest's TAP.
test_result()
{
	local line

	line=$(grep -E "^(not )?ok [0-9]+ $1( |$)" "$res/tap.txt" 2>/dev/null |
		tail -n 1)
	case "$line" in
	"") echo "fail (no result)" ;;
	"not ok"*) echo fail ;;
	*"# SKIP"*) echo skip ;;
	*) echo pass ;;
	esac
}

# verdict NAME LOG: the test's outcome, and its failures if any.
verdict()
{
	local got

	got=$(test_result "$1")
	case "$got" in
	pass) echo "  every assertion of the $1 selftest passed" ;;
	skip)
		echo "  the $1 selftest was skipped:"
		grep '^SKIP' "$2" 2>/dev/null | sed 's/^/    /'
		;;
	*)
		echo "  the $1 selftest FAILED:"
		grep '^FAIL' "$2" 2>/dev/null | sed 's/^/    /'
		echo "  full log: $2"
		;;
	esac
}

echo "synguard demo: Debian $kver guest under QEMU"
echo
echo "1. A server"
echo "  server: echo service on port 8080 behind an nft 'ct state' firewall,"
echo "          nf_conntrack_max=512, tcp_syncookies=1"
echo "  flood:  hping3 --flood --rand-source (spoofed SYNs)"
echo "  client: 40 sequential connections, each sends and reads back a line"
echo
printf '  %-22s %10s %14s %16s\n' "" "legit ok" "p99 connect" "conntrack peak"
sed -n 's/^INFO: \(.*\): \([0-9]*\/[0-9]*\) legitimate connections, p99 connect \(.*\) ms, conntrack peak \([0-9]*\/[0-9]*\).*$/\1|\2|\3|\4/p' "$log" |
	while IFS='|' read -r what ok p99 peak; do
		printf '  %-22s %10s %11s ms %16s\n' "$what" "$ok" "$p99" "$peak"
	done
echo
sed -n 's/^INFO: \(cookies sent.*\)$/  synguard: \1/p' "$log"
echo
verdict flood_conntrack "$log"

# docker_scene LOG: the gateway_docker selftest's figures, per case (with
# and without a userland proxy), from its lines
#   INFO: CASE, without synguard: N/M legitimate connections to A:P: JSON
#   INFO: CASE, without synguard: conntrack peak N/M, S s
#   INFO: CASE, with synguard (auto): N/M legitimate connections to A:P: JSON
#   PASS: CASE, with synguard: conntrack peak N/M, below L
#     (FAIL: CASE, with synguard: conntrack reached N/M)
#   INFO: CASE, with synguard: gateway cookies +N, learned +N, ...
# CASE is "docker, <how>". A figure the log lacks shows as "?".
docker_scene()
{
	local log=$1 line c what target json p99 cs
	local -a cases=()
	local -A ok=() p99s=() peak=() counters=() targets=()
	local re_legit='^INFO: (.*), (without synguard|with synguard[^:]*): ([0-9]+/[0-9]+) legitimate connections to ([^ ]+): (.*)$'
	local re_peak0='^INFO: (.*), without synguard: conntrack peak ([0-9]+/[0-9]+)'
	local re_peak1='^(PASS|FAIL): (.*), with synguard: conntrack (peak|reached) ([0-9]+/[0-9]+)'
	local re_count='^INFO: (.*), with synguard: (gateway cookies .*)$'
	local re_opened='^(PASS|FAIL): (.*), with synguard[^:]*: the gateway opened .*\((gateway_opened [^)]*)\)'
	local -A opened=()

	# add_case CASE: remember the cases in the order the test ran them.
	add_case() { [[ " ${cases[*]} " == *" ${1// /_} "* ]] || cases+=("${1// /_}"); }

	while IFS= read -r line; do
		if [[ "$line" =~ $re_legit ]]; then
			c=${BASH_REMATCH[1]// /_}
			what=${BASH_REMATCH[2]%% (*}
			target=${BASH_REMATCH[4]%:}
			json=${BASH_REMATCH[5]}
			add_case "${BASH_REMATCH[1]}"
			# Several targets per case: one row each.
			[[ " ${targets[$c]:-} " == *" $target "* ]] ||
				targets[$c]+=" $target"
			ok[$c,$what,$target]=${BASH_REMATCH[3]}
			p99=-
			[[ "$json" =~ \"p99_ms\":\ *([0-9.]+) ]] && p99=${BASH_REMATCH[1]}
			p99s[$c,$what,$target]=$p99
		elif [[ "$line" =~ $re_peak0 ]]; then
			add_case "${BASH_REMATCH[1]}"
			peak[${BASH_REMATCH[1]// /_},without synguard]=${BASH_REMATCH[2]}
		elif [[ "$line" =~ $re_peak1 ]]; then
			add_case "${BASH_REMATCH[2]}"
			peak[${BASH_REMATCH[2]// /_},with synguard]=${BASH_REMATCH[4]}
		elif [[ "$line" =~ $re_count ]]; then
			add_case "${BASH_REMATCH[1]}"
			counters[${BASH_REMATCH[1]// /_}]=${BASH_REMATCH[2]}
		elif [[ "$line" =~ $re_opened ]]; then
			add_case "${BASH_REMATCH[2]}"
			opened[${BASH_REMATCH[2]// /_}]=${BASH_REMATCH[3]}
		fi
	done <"$log"

	if ((${#cases[@]} == 0)); then
		echo "  (no figures in the log)"
		return
	fi
	printf '  %-34s %10s %14s %16s\n' "" "legit ok" "p99 connect" "conntrack peak"
	for c in "${cases[@]}"; do
		cs=${c//_/ }
		cs=${cs#docker, }
		for what in "without synguard" "with synguard"; do
			for target in ${targets[$c]:-?}; do
				line="$cs, $what"
				[[ "${targets[$c]:-}" == *" "*" "* ]] && line+=" ($target)"
				p99=${p99s[$c,$what,$target]:-?}
				[[ "$p99" =~ ^[0-9] ]] && p99+=" ms"
				printf '  %-34s %10s %14s %16s\n' "$line" \
					"${ok[$c,$what,$target]:-?}" "$p99" \
					"${peak[$c,$what]:-?}"
			done
		done
	done
	echo
	for c in "${cases[@]}"; do
		cs=${c//_/ }
		line=${counters[$c]:-?}
		echo "  gateway counters, ${cs#docker, }:"
		echo "    ${line%%; *}"
		echo "    legitimate clients, in auto: ${opened[$c]:-?}"
		[[ "$line" == *"; "* ]] && echo "    ${line#*; }"
	done
}

if [[ " ${tests[*]} " == *" gateway_docker "* ]]; then
	glog="$res/gateway_docker.log"
	echo
	echo "2. A Docker host"
	echo "  host:   a container's port published as Docker does it: 10.0.1.2:8080"
	echo "          DNATed to the container on a bridge, forwarded through nft"
	echo "          'ct state' rules, nf_conntrack_max=512; once with a userland"
	echo "          proxy on the host port (docker-proxy), once without"
	echo "  flood:  hping3 --flood --rand-source at the published port"
	echo "  client: 40 sequential connections to it, each sends and reads back"
	echo "          a line"
	echo "  synguard: in auto, answers the forwarded SYNs with cookies at the"
	echo "          host's FORWARD hook and opens the container's connection"
	echo "          for each valid cookie (gateway mode); then, still under the"
	echo "          flood, mode always: a 2 MiB transfer, a TCP_INFO check and"
	echo "          a port nothing listens on"
	echo
	if [[ -f "$glog" && "$glog" -nt "$stamp" ]]; then
		docker_scene "$glog"
		echo
		verdict gateway_docker "$glog"
	else
		echo "  no result: the guest did not get to it (build/demo.log)"
	fi
fi
exit "$status"
