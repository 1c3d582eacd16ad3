# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Helpers for synguard selftests, in the style of the kernel's
# tools/testing/selftests/net/lib.sh. Source it from a test:
#
#	source "$(dirname "$0")/lib.sh"
#
# It sets `trap cleanup EXIT`; a test that needs more cleanup defines its
# own cleanup() after sourcing this file and calls sg_cleanup from it.
#
# The harness exports SYNGUARD_KO (the module for the running kernel) and
# SYNGUARD_CTL (tools/synguardctl).

# kselftest exit codes, and the result variable the tests exit with
ksft_pass=0
ksft_fail=1
ksft_xfail=2
ksft_skip=4

# The test's overall result: sg_fail sets it to ksft_fail. Exit with it.
ret=$ksft_pass

SG_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SYNGUARD_KO:=$SG_LIB_DIR/../build/$(uname -r)/synguard.ko}"
: "${SYNGUARD_CTL:=$SG_LIB_DIR/../tools/synguardctl}"
SG_SYSFS=/sys/kernel/synguard

NS_LIST=()
SG_LOADED=0
SG_TMPDIR=$(mktemp -d -t synguard-test.XXXXXX)

# ---------------------------------------------------------------------------
# Reporting: one PASS/FAIL/SKIP line per assertion.

sg_pass() { echo "PASS: $*"; }
sg_info() { echo "INFO: $*"; }

sg_fail()
{
	echo "FAIL: $*"
	ret=$ksft_fail
}

# sg_skip MSG: note a skipped part; the test as a whole goes on.
sg_skip() { echo "SKIP: $*"; }

# sg_check DESC CMD...: PASS if CMD succeeds, FAIL otherwise.
sg_check()
{
	local desc=$1

	shift
	if "$@"; then
		sg_pass "$desc"
	else
		sg_fail "$desc"
		return 1
	fi
}

# sg_require_cmd CMD...: skip the whole test if a tool is missing.
sg_require_cmd()
{
	local cmd

	for cmd in "$@"; do
		if ! command -v "$cmd" >/dev/null 2>&1; then
			echo "SKIP: $cmd not available"
			exit "$ksft_skip"
		fi
	done
}

# sg_require_root: skip unless we can do netns and module work.
sg_require_root()
{
	if [[ $(id -u) -ne 0 ]]; then
		echo "SKIP: needs root"
		exit "$ksft_skip"
	fi
}

# ---------------------------------------------------------------------------
# Waiting

# busywait TIMEOUT_MS CMD...: run CMD until it succeeds or TIMEOUT_MS
# passes. Returns CMD's last status.
busywait()
{
	local timeout_ms=$1 start now rc

	shift
	start=$(date +%s%3N)
	while :; do
		"$@" && return 0
		rc=$?
		now=$(date +%s%3N)
		((now - start > timeout_ms)) && return "$rc"
		sleep 0.1
	done
}

# ---------------------------------------------------------------------------
# Network namespaces

# setup_ns NAME...: create a namespace per NAME with a unique name, bring lo
# up, and set the variable NAME to it. All are deleted by cleanup_all_ns.
setup_ns()
{
	local name ns

	for name in "$@"; do
		ns="sg-${name,,}-$(mktemp -u XXXXXX)"
		if ! ip netns add "$ns"; then
			echo "setup_ns: cannot create $ns" >&2
			return 1
		fi
		NS_LIST+=("$ns")
		ip -n "$ns" link set lo up || return 1
		printf -v "$name" '%s' "$ns"
	done
}

# cleanup_ns NS...: kill what runs in NS and delete it.
cleanup_ns()
{
	local ns pids

	for ns in "$@"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}

cleanup_all_ns()
{
	((${#NS_LIST[@]})) && cleanup_ns "${NS_LIST[@]}"
	NS_LIST=()
}

# sg_veth NS1 NS2 [N]: join NS1 and NS2 with a veth pair, "veth0" in both.
# NS1 gets 10.0.N.1/24 and fd00:N::1/64, NS2 gets .2 and ::2 (N defaults
# to 1). Use these addresses only inside namespaces the test created.
sg_veth()
{
	local ns1=$1 ns2=$2 n=${3:-1} tmp

	tmp="sgv$(mktemp -u XXXXXX)"
	ip link add "${tmp}a" netns "$ns1" type veth peer name "${tmp}b" \
		netns "$ns2" || return 1
	# One ip per namespace: under TCG every exec costs ~0.1 s.
	ip -n "$ns1" -batch - <<-EOF || return 1
		link set ${tmp}a name veth0
		addr add 10.0.$n.1/24 dev veth0
		addr add fd00:$n::1/64 dev veth0 nodad
		link set veth0 up
	EOF
	ip -n "$ns2" -batch - <<-EOF || return 1
		link set ${tmp}b name veth0
		addr add 10.0.$n.2/24 dev veth0
		addr add fd00:$n::2/64 dev veth0 nodad
		link set veth0 up
	EOF
	# Both ends report carrier once both are up.
	busywait 5000 sg_link_up "$ns1" veth0 &&
		busywait 5000 sg_link_up "$ns2" veth0
}

sg_link_up()
{
	ip -n "$1" link show dev "$2" 2>/dev/null | grep -q 'state UP'
}

# ---------------------------------------------------------------------------
# The module

sg_loaded() { [[ -d /sys/module/synguard ]]; }

# sg_load [PARAM=VALUE...]: insmod the module under test.
sg_load()
{
	if [[ -z "${SYNGUARD_KO:-}" || ! -f "$SYNGUARD_KO" ]]; then
		echo "sg_load: no module at '${SYNGUARD_KO:-}'" >&2
		return 1
	fi
	insmod "$SYNGUARD_KO" "$@" || return 1
	SG_LOADED=1
}

sg_unload()
{
	rmmod synguard || return 1
	SG_LOADED=0
}

# sg_counter NAME: print /sys/kernel/synguard/stats/NAME.
sg_counter()
{
	local f="$SG_SYSFS/stats/$1"

	if [[ ! -r "$f" ]]; then
		echo "sg_counter: no $f" >&2
		return 1
	fi
	cat "$f"
}

# ---------------------------------------------------------------------------
# Traffic

# sg_wait_listen NS PORT: wait until something listens on TCP PORT in NS.
sg_wait_listen()
{
	busywait 5000 sg_listening "$1" "$2"
}

sg_listening()
{
	ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q .
}

# sg_socat_addr ADDR PORT: socat's connect address for ADDR (4 or 6).
sg_socat_addr()
{
	if [[ "$1" == *:* ]]; then
		echo "TCP6:[$1]:$2"
	else
		echo "TCP4:$1:$2"
	fi
}

# sg_socat_listen ADDR PORT: socat's listen address bound to ADDR, with
# the socket options in $SG_LISTEN_OPTS (socat syntax, e.g. "mss=1000").
sg_socat_listen()
{
	if [[ "$1" == *:* ]]; then
		echo "TCP6-LISTEN:$2,bind=[$1],reuseaddr${SG_LISTEN_OPTS:+,$SG_LISTEN_OPTS}"
	else
		echo "TCP4-LISTEN:$2,bind=$1,reuseaddr${SG_LISTEN_OPTS:+,$SG_LISTEN_OPTS}"
	fi
}

# sg_mkdata FILE KBYTES: a file of random data.
sg_mkdata()
{
	head -c "$(($2 * 1024))" /dev/urandom >"$1"
}

# sg_tcp_send SRV_NS CLI_NS ADDR PORT FILE DIR: copy FILE over one TCP
# connection, client to server (DIR=up) or server to client (DIR=down), and
# check it arrived intact.
sg_tcp_send()
{
	local srv=$1 cli=$2 addr=$3 port=$4 file=$5 dir=$6
	local got="$file.got" spid rc=0 listen conn

	listen=$(sg_socat_listen "$addr" "$port")
	conn=$(sg_socat_addr "$addr" "$port")
	rm -f "$got"
	if [[ "$dir" == up ]]; then
		ip netns exec "$srv" timeout 60 socat -T 20 -u "$listen" \
			"CREATE:$got" &
	else
		ip netns exec "$srv" timeout 60 socat -T 20 -u "OPEN:$file" \
			"$listen" &
	fi
	spid=$!
	if ! sg_wait_listen "$srv" "$port"; then
		echo "sg_tcp_send: no listener on $addr port $port" >&2
		kill "$spid" 2>/dev/null
		return 1
	fi
	if [[ "$dir" == up ]]; then
		ip netns exec "$cli" timeout 60 socat -T 20 -u "OPEN:$file" \
			"$conn" || rc=1
	else
		ip netns exec "$cli" timeout 60 socat -T 20 -u "$conn" \
			"CREATE:$got" || rc=1
	fi
	wait "$spid" || rc=1
	cmp -s "$file" "$got" || rc=1
	rm -f "$got"
	return "$rc"
}

# sg_tcp_transfer SRV_NS CLI_NS ADDR PORT [KBYTES]: listen on ADDR:PORT in
# SRV_NS, connect from CLI_NS, and move KBYTES (default 256) of random data
# each way, one connection per direction; succeed if both arrive intact.
sg_tcp_transfer()
{
	local srv=$1 cli=$2 addr=$3 port=$4 kb=${5:-256}
	local f="$SG_TMPDIR/xfer.$port.$RANDOM" rc=0

	sg_mkdata "$f" "$kb"
	sg_tcp_send "$srv" "$cli" "$addr" "$port" "$f" up || rc=1
	sg_tcp_send "$srv" "$cli" "$addr" "$port" "$f" down || rc=1
	rm -f "$f"
	return "$rc"
}

# sg_tcp_connect CLI_NS ADDR PORT: one short connection (connect, send a
# line, close). Succeeds if the connection was established.
sg_tcp_connect()
{
	echo ping | ip netns exec "$1" timeout 10 socat -T 5 - \
		"$(sg_socat_addr "$2" "$3"),connect-timeout=5" >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# Cleanup

# sg_cleanup: stop background jobs, delete namespaces, unload the module if
# this test loaded it, remove temporary files.
sg_cleanup()
{
	local pids

	pids=$(jobs -p)
	# shellcheck disable=SC2086
	[[ -n "$pids" ]] && kill $pids 2>/dev/null
	cleanup_all_ns
	if ((SG_LOADED)) && sg_loaded; then
		rmmod synguard 2>/dev/null
	fi
	rm -rf "$SG_TMPDIR"
}

cleanup() { sg_cleanup; }

trap cleanup EXIT
