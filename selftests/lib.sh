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
# The harness exports SYNGUARD_KO (the module for the running kernel, or
# "modprobe" for the one installed under /lib/modules, as a package puts
# it), SYNGUARD_CTL (tools/synguardctl, or the installed one) and, on a
# slow debug kernel, SYNGUARD_TIMEOUT_SCALE (busywait waits that many
# times longer). SYNGUARD_LEGITLOAD, unless set, is tools/legitload and
# SYNGUARD_PEERPROBE tools/peerprobe (as SYNGUARD_SYNFLOOD is
# tools/synflood in the tests that flood with it).

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
: "${SYNGUARD_LEGITLOAD:=$SG_LIB_DIR/../tools/legitload}"
: "${SYNGUARD_PEERPROBE:=$SG_LIB_DIR/../tools/peerprobe}"
SG_SYSFS=/sys/kernel/synguard

NS_LIST=()
SG_LOADED=0
SG_KEEP_HOOKS=
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

# sg_between VALUE LOW HIGH: whether LOW <= VALUE <= HIGH (integers; false
# if HIGH < LOW).
sg_between() { (($1 >= $2 && $1 <= $3)); }

# sg_table_kb_ok SLOTS KB: whether KB is what a half-open table of SLOTS
# slots takes: 49 to 53 bytes a slot (Documentation/synguard.rst), give or
# take 10%. Under lockdep each bucket's lock carries a lockdep_map, up to
# 64 bytes more for a bucket of four slots. Says what it wanted if not.
sg_table_kb_ok()
{
	local slots=$1 kb=$2 lo hi=53

	[[ -e /proc/lockdep ]] && hi=$((hi + 16))
	lo=$((slots * 49 * 9 / 10240))
	hi=$((slots * hi * 11 / 10240))
	sg_between "$kb" "$lo" "$hi" && return 0
	echo "wanted $lo to $hi kB for $slots slots" >&2
	return 1
}

# sg_missing WHAT: end the test for lack of a tool or a helper program.
# Run by hand, that is a skip. In the QEMU harness (SYNGUARD_RESULTS set)
# selftests/qemu/deps.sh installed every tool and check.sh built every
# helper, so a missing one is a failure: a SKIP there would hide it.
sg_missing()
{
	if [[ -n "${SYNGUARD_RESULTS:-}" ]]; then
		echo "FAIL: $* (the harness installs and builds it)"
		exit "$ksft_fail"
	fi
	echo "SKIP: $*"
	exit "$ksft_skip"
}

# sg_require_cmd CMD...: end the test (sg_missing) if a tool is missing.
sg_require_cmd()
{
	local cmd

	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 ||
			sg_missing "$cmd not available"
	done
}

# sg_kconfig: the running kernel's build configuration, on stdout;
# nothing if none can be found (then nothing is skipped for lack of it).
sg_kconfig()
{
	local f

	for f in "/boot/config-$(uname -r)" \
		"${SYNGUARD_REPO:-$SG_LIB_DIR/..}/build/$(uname -r)/config"; do
		[[ -r "$f" ]] && { cat "$f"; return 0; }
	done
	[[ -r /proc/config.gz ]] && zcat /proc/config.gz
}

# sg_require_config CONFIG_X...: skip the whole test if the kernel was
# built without one of the options (neither =y nor =m). A feature's
# absence is decided from the configuration only: a set-up step that fails
# on a kernel that has the feature is a failure, never a skip.
sg_require_config()
{
	local config opt

	config=$(sg_kconfig)
	[[ -n "$config" ]] || return 0
	for opt in "$@"; do
		if ! grep -q -E "^$opt=(y|m)\$" <<<"$config"; then
			echo "SKIP: the kernel has no $opt"
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
# (times SYNGUARD_TIMEOUT_SCALE) passes. Returns CMD's last status.
busywait()
{
	local timeout_ms=$(($1 * ${SYNGUARD_TIMEOUT_SCALE:-1})) start now rc

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

# sg_veth_as NS1 NS2 N NS DEV: sg_veth NS1 NS2 N, then the end in NS (NS1
# or NS2) renamed DEV, for a namespace with several links (a gateway).
sg_veth_as()
{
	sg_veth "$1" "$2" "$3" || return 1
	# 6.1 renames only a device that is down.
	ip -n "$4" -batch - <<-EOF
		link set veth0 down
		link set veth0 name $5
		link set $5 up
	EOF
}

sg_link_up()
{
	ip -n "$1" link show dev "$2" 2>/dev/null | grep -q 'state UP'
}

# sg_setup_pair CMD...: the opening of a test that loads synguard itself
# between a client and a server: needs root and CMDs, skips if synguard
# is already loaded, and creates $CLI and $SRV joined by sg_veth 1, with
# $SRV's default routes via $CLI (where SYN-ACKs to a flood's spoofed
# sources go). Ends the test if any of it fails.
sg_setup_pair()
{
	sg_require_root
	sg_require_cmd "$@"
	if sg_loaded; then
		echo "SKIP: synguard is already loaded"
		exit "$ksft_skip"
	fi
	setup_ns CLI SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
	sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
	ip -n "$SRV" -batch - <<-EOF || { echo "FAIL: routes"; exit "$ksft_fail"; }
		route add default via 10.0.1.1
		route add default via fd00:1::1
	EOF
}

# ---------------------------------------------------------------------------
# The module

sg_loaded() { [[ -d /sys/module/synguard ]]; }

# sg_load [PARAM=VALUE...]: insmod the module under test, or modprobe the
# installed one.
sg_load()
{
	local deps dep

	if [[ "${SYNGUARD_KO:-}" == modprobe ]]; then
		modprobe synguard "$@" || return 1
		SG_LOADED=1
		return 0
	fi
	if [[ -z "${SYNGUARD_KO:-}" || ! -f "$SYNGUARD_KO" ]]; then
		echo "sg_load: no module at '${SYNGUARD_KO:-}'" >&2
		return 1
	fi
	# insmod loads no dependency (the gateway's nf_synproxy_core, say):
	# modprobe them first, as modprobe would.
	deps=$(modinfo -F depends "$SYNGUARD_KO" 2>/dev/null)
	for dep in ${deps//,/ }; do
		if ! modprobe "$dep"; then
			echo "sg_load: cannot load $dep, which synguard needs" >&2
			return 1
		fi
	done
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
	local f="$SG_SYSFS/stats/$1" v

	if [[ ! -r "$f" ]]; then
		echo "sg_counter: no $f" >&2
		return 1
	fi
	# A builtin, not cat: tests poll counters while floods eat the CPU.
	read -r v <"$f" || return 1
	echo "$v"
}

# sg_counter_above NAME VALUE: whether counter NAME is above VALUE. For
# busywait, which runs its command again each time (a "$(sg_counter ...)"
# in its arguments would be read only once).
sg_counter_above()
{
	local v

	v=$(sg_counter "$1") && ((v > $2))
}

# sg_ns_stats NS ARRAY: the counters of namespace NS (synguardctl stats,
# not the sysfs totals) into the associative array named ARRAY.
sg_ns_stats()
{
	local -n _sg_out=$2
	local k v

	_sg_out=()
	while read -r k v; do
		_sg_out["$k"]=$v
	done < <("$SYNGUARD_CTL" -n "$1" stats)
	((${#_sg_out[@]}))
}

# sg_keep_hooks [TABLE]: a base chain of our own at every hook point
# synguard uses (prerouting, input, forward, output, postrouting; IPv4
# and IPv6), in inet table TABLE (sg_keep_hooks), removed by sg_cleanup
# after the module. Under QEMU's TCG, rewriting
# kernel text while another vCPU runs it can trap on the int3 that
# text_poke_bp() plants (seen as "Oops: int3" in ip_rcv, and in
# hping3's sendto, when the last hook of a hook point went away and its
# nf_hooks_needed static key was patched under flood). Real CPUs are not
# affected. The keys are global, so chains in this namespace suffice: a
# test that takes synguard's hooks away while packets flow (rmmod,
# deleting a namespace) keeps them on with this, so that it exercises
# synguard rather than the emulator.
sg_keep_hooks()
{
	local table=${1:-sg_keep_hooks}

	nft -f - <<-EOF || return 1
		table inet $table {
			chain hook_pre { type filter hook prerouting priority 0; }
			chain hook_in { type filter hook input priority 0; }
			chain hook_fwd { type filter hook forward priority 0; }
			chain hook_out { type filter hook output priority 0; }
			chain hook_post { type filter hook postrouting priority 0; }
		}
	EOF
	SG_KEEP_HOOKS=$table
}

# ---------------------------------------------------------------------------
# Traffic

# sg_wait_listen NS PORT: wait until something listens on TCP PORT in NS.
# A Python server (peer.py) takes seconds to start under TCG while a
# flood runs: give it 30.
sg_wait_listen()
{
	busywait 30000 sg_listening "$1" "$2"
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

# sg_tcp_transfer SRV_NS CLI_NS ADDR PORT [KBYTES [DIRS]]: listen on
# ADDR:PORT in SRV_NS, connect from CLI_NS, and move KBYTES (default 256)
# of random data each way (DIRS "up down", the default) or one way ("up"
# or "down"), one connection per direction; succeed if all arrive intact.
sg_tcp_transfer()
{
	local srv=$1 cli=$2 addr=$3 port=$4 kb=${5:-256} dirs=${6:-up down}
	local f="$SG_TMPDIR/xfer.$port.$RANDOM" rc=0 dir

	sg_mkdata "$f" "$kb"
	for dir in $dirs; do
		sg_tcp_send "$srv" "$cli" "$addr" "$port" "$f" "$dir" || rc=1
	done
	rm -f "$f"
	return "$rc"
}

# sg_tcp_connect CLI_NS ADDR PORT: one short connection to an echo
# server (connect, send a line, read it back, close). Succeeds if the
# line came back: connect() alone returns on a cookie SYN-ACK, whatever
# becomes of the ACK after it. -t 5: socat waits that long for the echo
# once its own input has ended (0.5 s by default, too short under TCG).
sg_tcp_connect()
{
	local line="sg-ping-$RANDOM" got

	got=$(echo "$line" | ip netns exec "$1" timeout 15 socat -t 5 -T 5 - \
		"$(sg_socat_addr "$2" "$3"),connect-timeout=5" 2>/dev/null)
	[[ "$got" == "$line" ]]
}

# sg_echo_server NS ADDR PORT: a forking echo server (socat) on ADDR:PORT
# in NS, in the background, with the options in $SG_LISTEN_OPTS; waits
# until it listens. Its pid is in SG_ECHO_PID.
#
# Blocks of one page (-b 4096): socat echoes through a pipe it both fills
# and drains, and its default 8 KiB write into a pipe with one free page
# blocks for good. Under a bulk transfer both ways (sg_echo_bulk) that
# happened now and then: the connection stalled with the server's
# receive queue full and nothing left to send. -t 10: after the client's
# FIN, socat gives the echo 0.5 s by default to drain back to a client
# that a flood may slow down far more than that.
sg_echo_server()
{
	ip netns exec "$1" socat -t 10 -b 4096 \
		"$(sg_socat_listen "$2" "$3"),fork,backlog=1024" PIPE &
	SG_ECHO_PID=$!
	sg_wait_listen "$1" "$3"
}

# sg_legit NS ADDR PORT SECONDS [TIMEOUT]: a legitimate client
# (legit_client.py) connecting to the echo server at ADDR:PORT from NS,
# one connection after the other for SECONDS, each given TIMEOUT seconds
# (default 2). Prints its JSON summary.
sg_legit()
{
	ip netns exec "$1" python3 "$SG_LIB_DIR/legit_client.py" "$2" "$3" \
		--seconds "$4" --timeout "${5:-2}"
}

# sg_json_int KEY: the integer KEY of the JSON on stdin, where KEY is
# unique (python's or synguardctl -j's spacing).
sg_json_int()
{
	sed -n "s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p"
}

# sg_flood_start NS ADDR PORT [ARGS...]: hping3 --flood --rand-source SYNs
# from NS to ADDR:PORT in the background, with more hping3 ARGS if given.
# Its pid is in SG_FLOOD_PID.
sg_flood_start()
{
	ip netns exec "$1" hping3 -q -S -p "$3" --flood --rand-source \
		"${@:4}" "$2" >/dev/null 2>&1 &
	SG_FLOOD_PID=$!
}

# sg_flood_stop [PID]: stop a flood (default: the last one started).
sg_flood_stop()
{
	local pid=${1:-$SG_FLOOD_PID}

	[[ -n "$pid" ]] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# sg_pause SECONDS: sleep without an exec, which under TCG costs a tenth
# of a second: a read that times out on a FIFO nobody writes to.
sg_pause()
{
	if [[ -z "${SG_PAUSE_FD:-}" ]]; then
		mkfifo "$SG_TMPDIR/pause" || return 1
		exec {SG_PAUSE_FD}<>"$SG_TMPDIR/pause" || return 1
	fi
	read -r -t "$1" -u "$SG_PAUSE_FD"
	return 0
}

# sg_kernel_has FUNC: the running kernel has FUNC, by /proc/kallsyms; how
# a test tells a debug kernel's checks (kasan_quarantine_reduce, say) are on.
sg_kernel_has()
{
	grep -q " $1\$" /proc/kallsyms 2>/dev/null
}

# sg_nft_counter NS TABLE COUNTER: packets the named counter COUNTER of
# the inet table TABLE in NS has counted.
sg_nft_counter()
{
	ip netns exec "$1" nft list counter inet "$2" "$3" |
		awk '$1 == "packets" { print $2 }'
}

# sg_meminfo KEY: KEY's value in /proc/meminfo, in kB.
sg_meminfo()
{
	local k v rest

	while read -r k v rest; do
		[[ "$k" == "$1:" ]] && { echo "$v"; return 0; }
	done </proc/meminfo
	return 1
}

# sg_settle: wait (up to 20 s) until VmallocUsed holds still (within
# 64 kB) for a second. A namespace is freed some time after it is deleted,
# in a workqueue: run this before taking a memory baseline, or the
# namespaces the previous test left may still be going away.
sg_settle()
{
	local a b i

	a=$(sg_meminfo VmallocUsed)
	for ((i = 0; i < 20; i++)); do
		sg_pause 1
		b=$(sg_meminfo VmallocUsed)
		((b - a < 64 && a - b < 64)) && return 0
		a=$b
	done
	return 1
}

# sg_vmalloc_areas: how many vmalloc areas synguard holds now.
sg_vmalloc_areas()
{
	grep -c '\[synguard\]' /proc/vmallocinfo
}

# ---------------------------------------------------------------------------
# The kernel as the reference
#
# A policy test states each case once, in a function of its own that calls
# sg_case for every connection it tries. sg_regimes runs that function
# three times: without synguard (what the kernel alone does), with
# mode=always, and with mode=auto while a flood keeps cookie mode on. A
# case passes when its outcome is the kernel's every time; in the kernel
# run the outcome must also be the one the test expects, so a set-up that
# is broken cannot pass by agreeing with itself.

# sg_require_peerprobe: end the test (sg_missing) if there is no
# peerprobe: make -C tools builds it.
sg_require_peerprobe()
{
	[[ -x "$SYNGUARD_PEERPROBE" ]] ||
		sg_missing "no peerprobe at '$SYNGUARD_PEERPROBE' (make -C tools)"
}

# sg_peer_serve NS ADDR PORT [ARGS...]: peer.py's echo server on ADDR:PORT
# in NS, in the background (ARGS: --md5 KEY --md5-peer ADDR, --dev DEV).
# Ends the test (sg_missing) if there is no peerprobe for sg_probe: here,
# in the test's own shell, where sg_probe's check would only end the
# command substitution most probes run in. Returns once the server says
# it listens: another server on the same port, another address, does not
# tell (peerprobe is quicker than Python's start under TCG).
SG_PEER_SERVERS=0
sg_peer_serve()
{
	local out="$SG_TMPDIR/peer-serve.$((++SG_PEER_SERVERS))"

	sg_require_peerprobe
	ip netns exec "$1" python3 "$SG_LIB_DIR/peer.py" serve "$2" "$3" \
		"${@:4}" >"$out" &
	busywait 30000 grep -q '^listening' "$out"
}

# sg_probe NS ADDR PORT [ARGS...]: one connection from NS (tools/peerprobe,
# peer.py connect in C); prints its outcome: ok, ok:NAME, refused,
# timeout, reset or error:ERRNO (ARGS: --md5 KEY, --bind ADDR,
# --timeout S, --tfo, --ip-options, --dst-options).
sg_probe()
{
	sg_require_peerprobe
	ip netns exec "$1" "$SYNGUARD_PEERPROBE" "$2" "$3" "${@:4}"
}

# The regime sg_regimes is running: kernel, always or auto.
SG_REGIME=
declare -A SG_CASE_REF=()

# sg_ns_counter NS NAME: counter NAME of namespace NS (synguardctl stats).
sg_ns_counter()
{
	local -A st=()

	sg_ns_stats "$1" st || return 1
	echo "${st[$2]:-0}"
}

# sg_case NAME EXPECT VIA SRV_NS CMD...: one case. CMD prints an outcome.
# Without synguard it must print EXPECT; with it, what it printed then.
# VIA says who must have answered a connection that succeeded ("ok", or
# "ok:NAME" when the outcome names the server) with synguard loaded:
# "cookie" (cookies_validated of SRV_NS moved: synguard answered the
# SYN), "kernel" (syn_left_to_kernel moved and no cookie was validated:
# synguard left the SYN alone) or "-" (no check).
sg_case()
{
	local name=$1 expect=$2 via=$3 ns=$4 got want v0 v1 k0 k1 ok

	shift 4
	if [[ "$SG_REGIME" == kernel ]]; then
		got=$("$@")
		SG_CASE_REF[$name]=$got
		if [[ "$got" == "$expect" ]]; then
			sg_pass "$name: without synguard: $got"
		else
			sg_fail "$name: without synguard: $got, the test expects $expect"
		fi
		return
	fi
	want=${SG_CASE_REF[$name]:-$expect}
	v0=$(sg_ns_counter "$ns" cookies_validated)
	k0=$(sg_ns_counter "$ns" syn_left_to_kernel)
	got=$("$@")
	v1=$(sg_ns_counter "$ns" cookies_validated)
	k1=$(sg_ns_counter "$ns" syn_left_to_kernel)
	[[ "$got" == ok || "$got" == ok:* ]] && ok=1
	if [[ "$got" != "$want" ]]; then
		sg_fail "$name: $SG_REGIME: $got, the kernel alone: $want"
	elif [[ -n "$ok" && "$via" == cookie ]] && ((v1 <= v0)); then
		sg_fail "$name: $SG_REGIME: $got, but not through a cookie"
	elif [[ -n "$ok" && "$via" == kernel ]] &&
		((k1 <= k0 || v1 > v0)); then
		sg_fail "$name: $SG_REGIME: $got, but not left to the kernel"
	else
		[[ "$via" == - || -z "$ok" ]] && via=
		sg_pass "$name: $SG_REGIME: $got, as the kernel${via:+ (via $via)}"
	fi
}

# sg_under_attack NS: whether namespace NS is in cookie mode.
sg_under_attack()
{
	"$SYNGUARD_CTL" -j -n "$1" show | grep -q '"under_attack": *true'
}

# sg_regimes FN SRV_NS FLOOD_NS FLOOD_ADDR FLOOD_PORT: run FN without
# synguard, with mode=always, and with mode=auto while FLOOD_NS floods
# FLOOD_ADDR:FLOOD_PORT (a listener in SRV_NS) with spoofed SYNs, once
# SRV_NS is in cookie mode (entered by the flood, as auto enters it).
sg_regimes()
{
	local fn=$1 srv=$2

	SG_REGIME=kernel
	"$fn"

	SG_REGIME=always
	sg_load mode=always || { sg_fail "insmod synguard mode=always"; return 1; }
	"$fn"
	sg_unload

	SG_REGIME=auto
	sg_load mode=auto || { sg_fail "insmod synguard mode=auto"; return 1; }
	# On a debug kernel hping3 floods at a few hundred SYNs a second,
	# calm by the default syn_rate_low: keep cookie mode on while the
	# flood lasts, whatever its rate (when it ends is not the subject).
	"$SYNGUARD_CTL" -n "$srv" set syn_rate_low 1 ||
		sg_fail "auto: set syn_rate_low 1"
	sg_flood_start "$3" "$4" "$5"
	if busywait 20000 sg_under_attack "$srv"; then
		"$fn"
	else
		sg_fail "auto: the flood did not start cookie mode"
	fi
	sg_flood_stop
	sg_unload
	SG_REGIME=
}

# sg_ct_firewall NS: the conntrack firewall most servers run, in NS: an
# input chain that accepts established and related traffic, drops what
# conntrack finds invalid, and accepts the rest.
sg_ct_firewall()
{
	ip netns exec "$1" nft -f - <<-EOF
		table inet fw {
			chain input {
				type filter hook input priority filter; policy accept;
				ct state established,related accept
				ct state invalid drop
			}
		}
	EOF
}

# ---------------------------------------------------------------------------
# A busy day (tools/legitload): many clients far away, no flood

SG_BUSY_SOURCES=10.0.9.0/24
# The server's namespace (sg_busy_server), where sg_busy_run waits for the
# load's last segments and sg_busy_peak watches the half-opens.
SG_BUSY_SRV=

# sg_busy_clients NS DEV DELAY [JITTER]: the clients in NS are DELAY away
# (netem on DEV, with a queue deep enough for a busy day's packets in
# flight; a JITTER reorders segments as they go) and
# may bind any address of $SG_BUSY_SOURCES (AnyIP), whose replies NS's
# peer must route back to NS.
sg_busy_clients()
{
	ip -n "$1" route add local "$SG_BUSY_SOURCES" dev lo &&
		ip netns exec "$1" tc qdisc add dev "$2" root netem \
			delay "${@:3}" limit 100000
}

# sg_busy_load NS ADDR PORT ARGS...: legitload's clients in NS against
# ADDR:PORT (ARGS: --rate R --seconds S ...); prints its JSON.
sg_busy_load()
{
	ip netns exec "$1" "$SYNGUARD_LEGITLOAD" load "$2" "$3" \
		--sources "$SG_BUSY_SOURCES" "${@:4}"
}

# sg_busy_server NS ADDR PORT: legitload's echo server (backlog 4096) on
# ADDR:PORT in NS, in the background, once it listens. Ends the test
# (sg_missing) if there is no legitload: make -C tools builds it.
sg_busy_server()
{
	[[ -x "$SYNGUARD_LEGITLOAD" ]] ||
		sg_missing "no legitload at '$SYNGUARD_LEGITLOAD' (make -C tools)"
	SG_BUSY_SRV=$1
	ip netns exec "$1" "$SYNGUARD_LEGITLOAD" serve "$2" "$3" &
	busywait 20000 sg_listening "$1" "$3"
}

# sg_busy_settled NS PORT: whether NS holds no connection at PORT but in
# TIME-WAIT: the server has had every segment of the load's connections,
# their last ACKs included (still $DELAY on their way when the clients
# are done), and the counters are final.
sg_busy_settled()
{
	! ip netns exec "$1" ss -Htn state connected exclude time-wait \
		"sport = :$2" | grep -q .
}

# sg_busy_run LABEL NS ADDR PORT ARGS...: one busy period (sg_busy_load);
# PASS if every connection succeeded, and if the clients kept up with
# --rate after the ramp (within 10%): a client too slow for it (as the
# Python one was under TCG) would make a lighter load than the test
# states. Then waits until the server has settled (sg_busy_settled).
# Leaves the counts in SG_BUSY_OK and SG_BUSY_TOTAL, the most handshakes
# the clients had waiting at once in SG_BUSY_CONNECTING.
sg_busy_run()
{
	local label=$1 res rate want=0 a prev=

	shift
	for a in "$@"; do
		[[ "$prev" == --rate ]] && want=${a%.*}
		prev=$a
	done
	res=$(sg_busy_load "$@")
	sg_info "$label: $res"
	SG_BUSY_OK=$(sg_json_int ok <<<"$res")
	SG_BUSY_TOTAL=$(sg_json_int total <<<"$res")
	SG_BUSY_CONNECTING=$(sg_json_int max_connecting <<<"$res")
	SG_BUSY_CONNECTING=${SG_BUSY_CONNECTING:-0}
	rate=$(sg_json_int plateau_rate <<<"$res")
	if ((SG_BUSY_TOTAL > 0 && SG_BUSY_OK == SG_BUSY_TOTAL)); then
		sg_pass "$label: $SG_BUSY_OK of $SG_BUSY_TOTAL connections succeeded"
	else
		sg_fail "$label: ${SG_BUSY_OK:-0} of ${SG_BUSY_TOTAL:-0} connections succeeded"
	fi
	sg_check "$label: the clients kept up: ${rate:-no} connections a second after the ramp, of $want" \
		sg_between "${rate:-0}" $((want * 9 / 10)) $((want * 11 / 10))
	[[ -n "$SG_BUSY_SRV" ]] || return 0
	busywait 20000 sg_busy_settled "$SG_BUSY_SRV" "$3" && return 0
	sg_fail "$label: the server still holds connections of the load"
	# Which, and in what state: the clients closed every one of them.
	ip netns exec "$SG_BUSY_SRV" ss -Htn state connected \
		exclude time-wait "sport = :$3" |
		awk '{ n[$1]++ } END { for (s in n) print "INFO:", n[s], s }'
	ip netns exec "$SG_BUSY_SRV" ss -Htno state connected \
		exclude time-wait "sport = :$3" | head -3 | sed 's/^/INFO: /'
}

# sg_busy_kernel SRV_NS ARGS...: sg_busy_run without synguard, the
# reference: every connection succeeds and the kernel sends no cookie.
sg_busy_kernel()
{
	local srv=$1 c0 c1

	shift
	c0=$(sg_nstat "$srv" TcpExtSyncookiesSent)
	sg_busy_run "kernel alone" "$@"
	c1=$(sg_nstat "$srv" TcpExtSyncookiesSent)
	sg_check "kernel alone: no cookie sent ($((c1 - c0)))" \
		test "$c1" -eq "$c0"
}

# sg_busy_peak LABEL ARGS...: sg_busy_run, with the peak of the
# half-opens synguard tracked meanwhile in $SG_BUSY_SRV in SG_BUSY_PEAK.
sg_busy_peak()
{
	local watch

	sg_busy_watch "$SG_BUSY_SRV" "$SG_TMPDIR/peak" &
	watch=$!
	sg_busy_run "$@"
	kill "$watch"
	wait "$watch" 2>/dev/null
	SG_BUSY_PEAK=$(<"$SG_TMPDIR/peak")
}

# sg_busy_peak_check DESC: PASS if SG_BUSY_PEAK reached 140, more than
# the old watermark (128) and source limit (64), and no more than the
# clients had waiting for a SYN-ACK at once (SG_BUSY_CONNECTING, 10% more
# for the server's side of the delay): synguard tracked this load's
# handshakes, each once. Clients that never had 140 waiting cannot make
# the server hold 140: a failure of the test, said as such.
sg_busy_peak_check()
{
	local hi=$((SG_BUSY_CONNECTING * 11 / 10))

	if ((SG_BUSY_CONNECTING < 140)); then
		sg_fail "$1: the clients had at most $SG_BUSY_CONNECTING handshakes waiting at once: too few to show 140 half-opens ($SG_BUSY_PEAK tracked)"
	elif sg_between "$SG_BUSY_PEAK" 140 "$hi"; then
		sg_pass "$1: $SG_BUSY_PEAK half-opens at the peak, 140 to $hi (the clients had $SG_BUSY_CONNECTING waiting)"
	else
		sg_fail "$1: $SG_BUSY_PEAK half-opens at the peak, want 140 to $hi (the clients had $SG_BUSY_CONNECTING waiting)"
	fi
}

# sg_busy_watch NS FILE: the most half-opens synguard tracked in NS
# (synguardctl stats, not the sysfs total, which adds up every namespace:
# a gateway on the way tracks the same handshakes), in FILE, until
# killed. Run it in the background.
sg_busy_watch()
{
	local max=0 v

	echo 0 >"$2"
	while :; do
		v=$(sg_ns_counter "$1" halfopen_current) || return 1
		((v > max)) && max=$v && echo "$max" >"$2"
		sleep 0.1
	done
}

# sg_busy_untracked NS: whether synguard tracks no half-open in NS.
sg_busy_untracked() { (($(sg_ns_counter "$1" halfopen_current) == 0)); }

# sg_nstat NS NAME: the kernel's counter NAME (nstat -a) in namespace NS.
sg_nstat()
{
	ip netns exec "$1" nstat -asz "$2" | awk -v n="$2" '$1 == n { print $2 }'
}

# ---------------------------------------------------------------------------
# Gateway mode (gateway_*.sh): services this host forwards or DNATs to
#
# A gateway test builds its topology, sets the variables below, calls
# sg_gw_ct_max (and sg_gw_ct_restore from its cleanup) and then, for each
# case: sg_gw_baseline without synguard; sg_load, the learning
# connections (sg_gw_learn), sg_gw_protect_start, sg_gw_protect_legit,
# sg_gw_always and its checks in mode always (sg_gw_bulk, sg_gw_tcpinfo,
# sg_gw_refuses), sg_gw_protect_end; sg_unload. All of a case's checks
# with synguard run under one flood.
#
#   SG_GW          the gateway's namespace, whose conntrack table is counted
#   SG_GW_CLI      where the flood and the legitimate clients are
#   SG_GW_FLOOD    "ADDR PORT": what the spoofed SYN flood aims at
#   SG_GW_TARGETS  "ADDR:PORT" words: where the legitimate clients connect,
#                  $SG_GW_LEGIT connections to each, all at once

SG_GW=
SG_GW_CLI=
SG_GW_FLOOD=
SG_GW_TARGETS=()
SG_GW_CT_MAX=512
# The table must stay below this with synguard; without it, reaching it
# is a failure.
SG_GW_CT_LIMIT=448
SG_GW_LEGIT=40
SG_GW_BULK_KB=2048
# The MSS the tcpinfo.py servers behind the gateway advertise (TCP_MAXSEG),
# below what the gateway's own links would give.
SG_GW_INFO_MSS=1000
SG_GW_OLD_CT_MAX=
declare -A SG_GW_C0=()

# sg_gw_ct_max: nf_conntrack_max (global: set from the initial namespace)
# to $SG_GW_CT_MAX; sg_gw_ct_restore puts the old value back.
sg_gw_ct_max()
{
	SG_GW_OLD_CT_MAX=$(sysctl -n net.netfilter.nf_conntrack_max) &&
		sysctl -qw net.netfilter.nf_conntrack_max="$SG_GW_CT_MAX"
}

sg_gw_ct_restore()
{
	[[ -n "$SG_GW_OLD_CT_MAX" ]] &&
		sysctl -qw net.netfilter.nf_conntrack_max="$SG_GW_OLD_CT_MAX"
}

# sg_ct_count NS: the entries in NS's conntrack table.
sg_ct_count()
{
	ip netns exec "$1" cat /proc/sys/net/netfilter/nf_conntrack_count
}

# sg_ct_flush NS: empty NS's conntrack table.
sg_ct_flush()
{
	ip netns exec "$1" conntrack -F >/dev/null 2>&1
}

sg_gw_ct_at_least() { (($(sg_ct_count "$SG_GW") >= $1)); }

# sg_gw_wscales CLI_NS BACKEND_NS...: window scales that differ: the
# client's 9, the backends' 5, the gateway's own the default 7 (by the
# largest receive buffer, tcp_rmem's third field), so that an end told
# the other's factor wrongly, or the gateway's, shows in TCP_INFO.
sg_gw_wscales()
{
	local ns

	ip netns exec "$1" sysctl -qw net.ipv4.tcp_rmem="4096 131072 16777216" ||
		return 1
	shift
	for ns in "$@"; do
		ip netns exec "$ns" sysctl -qw \
			net.ipv4.tcp_rmem="4096 131072 1048576" || return 1
	done
}

# sg_ct_watch NS FILE: the largest conntrack count of NS seen, in FILE,
# every 200 ms until killed; the watcher's pid in SG_CT_WATCH_PID. One
# shell in NS reads it, not an ip netns exec each time.
sg_ct_watch()
{
	echo 0 >"$2"
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec "$1" bash -c '
		max=0
		while :; do
			read -r n </proc/sys/net/netfilter/nf_conntrack_count
			((n > max)) && max=$n && echo "$max" >"$1"
			sleep 0.2
		done' sg_ct_watch "$2" &
	SG_CT_WATCH_PID=$!
}

# sg_gw_snap NAME...: remember sysfs counters NAME, for sg_gw_delta.
sg_gw_snap()
{
	local c

	for c in "$@"; do
		SG_GW_C0[$c]=$(sg_counter "$c" 2>/dev/null)
	done
}

# sg_gw_delta NAME: how far counter NAME moved since sg_gw_snap NAME
# (nothing, and false, if synguard has no such counter).
sg_gw_delta()
{
	local v

	v=$(sg_counter "$1" 2>/dev/null) && [[ -n "${SG_GW_C0[$1]:-}" ]] ||
		return 1
	echo $((v - SG_GW_C0[$1]))
}

# sg_gw_has_counters: whether this synguard has gateway mode's counters.
sg_gw_has_counters() { [[ -r "$SG_SYSFS/stats/gateway_cookies" ]]; }

# sg_gw_flood_on: an empty conntrack table in $SG_GW, its peak watched,
# and the flood at $SG_GW_FLOOD.
sg_gw_flood_on()
{
	local addr port

	read -r addr port <<<"$SG_GW_FLOOD"
	sg_ct_flush "$SG_GW"
	sg_ct_watch "$SG_GW" "$SG_TMPDIR/ctpeak"
	sg_flood_start "$SG_GW_CLI" "$addr" "$port"
}

# sg_gw_flood_off: stop the flood and the watcher; the peak in SG_GW_PEAK.
sg_gw_flood_off()
{
	sg_flood_stop
	kill "$SG_CT_WATCH_PID" 2>/dev/null
	wait "$SG_CT_WATCH_PID" 2>/dev/null
	SG_GW_PEAK=$(<"$SG_TMPDIR/ctpeak")
}

# sg_gw_legit_run: legit_client.py, $SG_GW_LEGIT connections (2 s each at
# most, 8 clients at a time: the run without synguard, where most of them
# time out, takes seconds, not minutes) to each of $SG_GW_TARGETS, all
# targets at once. Each one's
# successes in SG_GW_OK[i], the fewest in SG_GW_MIN_OK, their sum in
# SG_GW_OK_SUM, each one's JSON in SG_GW_RES[i].
sg_gw_legit_run()
{
	local i t pids=()

	for i in "${!SG_GW_TARGETS[@]}"; do
		t=${SG_GW_TARGETS[i]}
		ip netns exec "$SG_GW_CLI" python3 "$SG_LIB_DIR/legit_client.py" \
			"${t%:*}" "${t##*:}" --count "$SG_GW_LEGIT" --timeout 2 \
			--parallel 8 >"$SG_TMPDIR/legit.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	SG_GW_OK=() SG_GW_RES=() SG_GW_MIN_OK=$SG_GW_LEGIT SG_GW_OK_SUM=0
	for i in "${!SG_GW_TARGETS[@]}"; do
		SG_GW_RES[i]=$(<"$SG_TMPDIR/legit.$i")
		SG_GW_OK[i]=$(sg_json_int ok <<<"${SG_GW_RES[i]}")
		SG_GW_OK[i]=${SG_GW_OK[i]:-0}
		((SG_GW_OK[i] < SG_GW_MIN_OK)) && SG_GW_MIN_OK=${SG_GW_OK[i]}
		SG_GW_OK_SUM=$((SG_GW_OK_SUM + SG_GW_OK[i]))
	done
}

# sg_gw_legit_report LABEL: an INFO line per target.
sg_gw_legit_report()
{
	local i

	for i in "${!SG_GW_TARGETS[@]}"; do
		sg_info "$1: ${SG_GW_OK[i]}/$SG_GW_LEGIT legitimate connections to ${SG_GW_TARGETS[i]}: ${SG_GW_RES[i]}"
	done
}

# sg_gw_baseline LABEL: the case without synguard, which must fail: under
# the flood, fewer than $SG_GW_LEGIT - 1 of the legitimate connections to
# some target succeed, or the gateway's conntrack table reaches
# $SG_GW_CT_LIMIT. If neither happens the case measures nothing.
sg_gw_baseline()
{
	local label="$1, without synguard" start=$SECONDS

	if sg_loaded; then
		sg_fail "$label: synguard is loaded"
		return 1
	fi
	sg_gw_flood_on
	# As flood_conntrack: let the flood fill the table first.
	busywait 10000 sg_gw_ct_at_least "$SG_GW_CT_LIMIT"
	sg_pause 2
	sg_gw_legit_run
	sg_gw_flood_off
	sg_gw_legit_report "$label"
	sg_info "$label: conntrack peak $SG_GW_PEAK/$SG_GW_CT_MAX, $((SECONDS - start)) s"
	if ((SG_GW_MIN_OK < SG_GW_LEGIT - 1 || SG_GW_PEAK >= SG_GW_CT_LIMIT)); then
		sg_pass "$label: the flood wins (fewest $SG_GW_MIN_OK/$SG_GW_LEGIT connected, conntrack peak $SG_GW_PEAK)"
	else
		sg_fail "$label: $SG_GW_MIN_OK/$SG_GW_LEGIT connected and conntrack peaked at $SG_GW_PEAK: the case measures nothing"
	fi
	sg_ct_flush "$SG_GW"
	return 0
}

# sg_gw_learn LABEL ADDR PORT NS...: connections from $SG_GW_CLI to
# ADDR:PORT, without a flood, until each backend namespace NS has accepted
# one (TcpPassiveOpens; a DNAT that picks a backend at random needs a few
# rounds), so that synguard has seen every backend's SYN-ACK. The
# listeners on the backends must echo (legit_client.py).
sg_gw_learn()
{
	local label=$1 addr=$2 port=$3 round ns left
	local -A p0=()

	shift 3
	for ns in "$@"; do
		p0[$ns]=$(sg_nstat "$ns" TcpPassiveOpens)
	done
	for ((round = 1; round <= 4; round++)); do
		ip netns exec "$SG_GW_CLI" python3 "$SG_LIB_DIR/legit_client.py" \
			"$addr" "$port" --count $((4 * $#)) --timeout 2 >/dev/null
		left=
		for ns in "$@"; do
			(($(sg_nstat "$ns" TcpPassiveOpens) > p0[$ns])) ||
				left+=" $ns"
		done
		[[ -z "$left" ]] && break
	done
	sg_check "$label: every backend behind $addr:$port served a connection${left:+ (not:$left)}" \
		test -z "$left"
}

# sg_gw_learned GW ADDR PORT: whether namespace GW's gateway has learned
# the destination ADDR:PORT (synguardctl backends shows its MSS).
sg_gw_learned()
{
	"$SYNGUARD_CTL" -n "$1" backends | grep -q "^$2:$3 mss [0-9]"
}

# sg_gw_warm GW CLI ADDR PORT: connections from CLI to the service GW
# publishes at ADDR:PORT until GW's gateway has learned it (the first SYN
# starts gateway mode and passes, as the first a second to a new
# destination does).
sg_gw_warm()
{
	local i

	for ((i = 0; i < 10; i++)); do
		sg_probe "$2" "$3" "$4" >/dev/null
		sg_gw_learned "$1" "$3" "$4" && return 0
		sg_pause 1
	done
	return 1
}

# sg_gw_protect_start LABEL: with synguard loaded in auto: cookie mode
# kept on however slow the flood (syn_rate_low 1, as sg_regimes), the
# counters remembered, the flood on; waits until the gateway answers it.
sg_gw_protect_start()
{
	local label=$1

	SG_GW_START=$SECONDS
	"$SYNGUARD_CTL" -n "$SG_GW" set syn_rate_low 1 ||
		sg_fail "$label: set syn_rate_low 1"
	sg_gw_snap cookies_sent cookies_validated gateway_cookies \
		gateway_opened gateway_refused gateway_learned
	# The SYNs the gateway itself receives, for sg_gw_protect_end.
	SG_GW_SYN0=$(sg_ns_counter "$SG_GW" syn_received)
	if ! sg_gw_has_counters; then
		sg_fail "$label: this synguard has no gateway mode (no $SG_SYSFS/stats/gateway_cookies)"
		sg_gw_flood_on
		sg_pause 3
		return 1
	fi
	sg_gw_flood_on
	sg_check "$label: the gateway answers the flood with cookies" \
		busywait 20000 sg_counter_above gateway_cookies \
		$((SG_GW_C0[gateway_cookies] + 100))
}

# sg_gw_protect_legit LABEL: the legitimate clients under the flood, in
# auto: at least $SG_GW_LEGIT - 1 of each target's connections succeed;
# the gateway opened every one that did to the flood's port, and no more
# than were tried. A target on another port may get its SYNs passed
# again: its cookies all come back, and synguard calls that port calm.
sg_gw_protect_legit()
{
	local label=$1 i opened low=0 tried

	sg_gw_snap gateway_opened
	sg_gw_legit_run
	sg_gw_legit_report "$label"
	for i in "${!SG_GW_TARGETS[@]}"; do
		if ((SG_GW_OK[i] >= SG_GW_LEGIT - 1)); then
			sg_pass "$label: ${SG_GW_OK[i]}/$SG_GW_LEGIT legitimate connections to ${SG_GW_TARGETS[i]} succeed"
		else
			sg_fail "$label: only ${SG_GW_OK[i]}/$SG_GW_LEGIT legitimate connections to ${SG_GW_TARGETS[i]} succeed"
		fi
		[[ "${SG_GW_TARGETS[i]##*:}" == "${SG_GW_FLOOD##* }" ]] &&
			low=$((low + SG_GW_OK[i]))
	done
	tried=$((SG_GW_LEGIT * ${#SG_GW_TARGETS[@]}))
	opened=$(sg_gw_delta gateway_opened)
	sg_check "$label: the gateway opened the legitimate connections (gateway_opened +${opened:-?}, $low to $tried wanted; $SG_GW_OK_SUM of $tried succeeded)" \
		sg_between "${opened:--1}" "$low" "$tried"
}

# sg_gw_always LABEL: mode always in the gateway's namespace, still under
# the flood: from now on every connection to a destination synguard has
# learned is opened by it (sg_gw_protect_end counts them), and
# sg_gw_refuses and sg_gw_refuse_burst count in SG_GW_CLOSED the
# connections to closed ports, and in SG_GW_CLOSED_MIN how many of them
# the gateway must have refused itself.
SG_GW_CLOSED=0
SG_GW_CLOSED_MIN=0
sg_gw_always()
{
	sg_check "$1: set mode always" \
		"$SYNGUARD_CTL" -n "$SG_GW" set mode always
	sg_gw_snap gateway_opened cookies_validated gateway_refused
	SG_GW_CLOSED=0 SG_GW_CLOSED_MIN=0
}

# sg_echo_bulk NS ADDR PORT KBYTES: KBYTES of random data through one
# connection from NS to the echo server at ADDR:PORT, both ways at once;
# succeeds if all of it came back intact.
sg_echo_bulk()
{
	local f="$SG_TMPDIR/bulk.$RANDOM" rc=0

	sg_mkdata "$f" "$4"
	ip netns exec "$1" timeout 120 socat -T 30 -t 30 \
		"OPEN:$f,rdonly!!CREATE:$f.got" "$(sg_socat_addr "$2" "$3")" ||
		rc=1
	cmp -s "$f" "$f.got" || rc=1
	rm -f "$f" "$f.got"
	return "$rc"
}

# sg_gw_br_netfilter NS: br_netfilter loaded, as container hosts have it,
# and bridge-nf-call-iptables on in NS: what crosses a bridge goes
# through the IPv4 hooks there too. BRNF_LOADED=1 if this loaded it.
BRNF_LOADED=0
sg_gw_br_netfilter()
{
	if [[ ! -d /sys/module/br_netfilter ]]; then
		if modprobe br_netfilter 2>/dev/null; then
			BRNF_LOADED=1
		else
			sg_info "no br_netfilter: the bridge's traffic skips the IPv4 hooks"
		fi
	fi
	ip netns exec "$1" sysctl -qw net.bridge.bridge-nf-call-iptables=1 \
		2>/dev/null
}

# sg_gw_bulk LABEL ADDR PORT: $SG_GW_BULK_KB KiB each way through one
# connection to the echo server at ADDR:PORT, intact. The client's side
# of it is captured (tcpdump, the client's address only: the flood's
# spoofed SYNs go the same way); when the transfer fails, its first and
# last segments are shown.
sg_gw_bulk()
{
	local start=$SECONDS pcap="$SG_TMPDIR/bulk.pcap" td= cli

	# The client's address: the flood's spoofed sources never are it.
	cli=$(ip -n "$SG_GW_CLI" route get "$2" 2>/dev/null |
		sed -n 's/.* src \([^ ]*\).*/\1/p')
	if command -v tcpdump >/dev/null && [[ -n "$cli" ]]; then
		ip netns exec "$SG_GW_CLI" tcpdump -ni any -U -s 128 -w "$pcap" \
			"tcp port $3 and host $cli" 2>/dev/null &
		td=$!
		sleep 1
	fi
	sg_check "$1: $SG_GW_BULK_KB KiB each way through $2:$3 intact" \
		sg_echo_bulk "$SG_GW_CLI" "$2" "$3" "$SG_GW_BULK_KB"
	local rc=$?
	sg_info "$1: the transfer took $((SECONDS - start)) s"
	[[ -n "$td" ]] || return "$rc"
	sleep 1
	kill "$td" 2>/dev/null
	wait "$td" 2>/dev/null
	if ((rc)); then
		sg_info "$1: the client's side, first and last segments:"
		tcpdump -nr "$pcap" 2>/dev/null | head -n 12
		echo ...
		tcpdump -nr "$pcap" 2>/dev/null | tail -n 12
	fi
	rm -f "$pcap"
	return "$rc"
}

# sg_tcpinfo_agree SERVER_JSON CLIENT_JSON MSS: whether both ends of a
# connection (tcpinfo.py) use timestamps, SACK and window scaling, each
# scaling the other's window by the factor the other uses, and the
# client sends segments no larger than the server's MSS.
sg_tcpinfo_agree()
{
	python3 - "$1" "$2" "$3" <<-'PY'
		import json, sys
		s, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
		ok = (all(s[k] and c[k] for k in ("ts", "sack", "wscale_ok"))
		      and s["snd_wscale"] == c["rcv_wscale"]
		      and s["rcv_wscale"] == c["snd_wscale"]
		      and c["snd_mss"] <= int(sys.argv[3]))
		sys.exit(0 if ok else 1)
	PY
}

# sg_gw_tcpinfo LABEL ADDR PORT BPORT BACKEND...: a tcpinfo.py server on
# port BPORT of each BACKEND ("NS:ADDR"), with TCP_MAXSEG
# $SG_GW_INFO_MSS, one client from $SG_GW_CLI to ADDR:PORT, which
# reaches one of them; PASS if the two ends agree (sg_tcpinfo_agree).
sg_gw_tcpinfo()
{
	local label=$1 addr=$2 port=$3 bport=$4 b i cli srv='' pids=()

	shift 4
	i=0
	for b in "$@"; do
		: >"$SG_TMPDIR/ti.$i"
		ip netns exec "${b%%:*}" python3 "$SG_LIB_DIR/tcpinfo.py" server \
			"${b#*:}" "$bport" --mss "$SG_GW_INFO_MSS" \
			>"$SG_TMPDIR/ti.$i" 2>/dev/null &
		pids+=($!)
		i=$((i + 1))
	done
	for b in "$@"; do
		# Python starts slowly under TCG.
		busywait 20000 sg_listening "${b%%:*}" "$bport" && continue
		sg_fail "$label: no tcpinfo.py server in ${b%%:*}"
		kill "${pids[@]}" 2>/dev/null
		wait "${pids[@]}" 2>/dev/null
		return 1
	done
	cli=$(ip netns exec "$SG_GW_CLI" timeout 30 python3 \
		"$SG_LIB_DIR/tcpinfo.py" client "$addr" "$port" 2>/dev/null)
	# The server that got the connection printed before it closed it.
	for ((i = 0; i < $#; i++)); do
		[[ -s "$SG_TMPDIR/ti.$i" ]] && srv=$(<"$SG_TMPDIR/ti.$i")
	done
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	if [[ -n "$cli" && -n "$srv" ]] &&
		sg_tcpinfo_agree "$srv" "$cli" "$SG_GW_INFO_MSS"; then
		sg_pass "$label: timestamps, SACK, window scaling and MSS agreed: backend $srv, client $cli"
	else
		sg_fail "$label: the ends disagree: backend ${srv:-none}, client ${cli:-none}"
	fi
}

# sg_gw_refuses LABEL ADDR PORT [N]: N (default 1) connections from
# $SG_GW_CLI, one after the other, to ADDR:PORT, where no backend
# listens, are each refused: not a timeout, not a success.
sg_gw_refuses()
{
	local i got

	for ((i = 1; i <= ${4:-1}; i++)); do
		got=$(sg_probe "$SG_GW_CLI" "$2" "$3")
		sg_check "$1: $2:$3, closed on the backend: $got" \
			test "$got" = refused
		SG_GW_CLOSED=$((SG_GW_CLOSED + 1))
	done
}

# sg_gw_refuse_burst LABEL ADDR PORT: five connections to ADDR:PORT,
# closed on the backend, as fast as one process makes them: none
# succeeds. A gateway that lets one SYN a second through to a closed
# port answers the others itself.
sg_gw_refuse_burst()
{
	local res ok

	res=$(ip netns exec "$SG_GW_CLI" python3 "$SG_LIB_DIR/legit_client.py" \
		"$2" "$3" --count 5 --timeout 2)
	ok=$(sg_json_int ok <<<"$res")
	sg_check "$1: 5 quick connections to $2:$3, none succeeds: $res" \
		test "${ok:-x}" = 0
	# One SYN a second goes to the backend to learn from: five made
	# within two seconds let two through at most.
	SG_GW_CLOSED=$((SG_GW_CLOSED + 5))
	SG_GW_CLOSED_MIN=$((SG_GW_CLOSED_MIN + 3))
}

# sg_gw_protect_end LABEL OPENED: the end of the flood: in mode always
# the gateway opened exactly OPENED connections and refused those to the
# closed port itself (SG_GW_CLOSED_MIN to SG_GW_CLOSED of them), the
# flood got cookies (most of the SYNs the gateway received since
# sg_gw_protect_start: all but those before cookie mode), and the
# conntrack table stayed below $SG_GW_CT_LIMIT throughout.
sg_gw_protect_end()
{
	local label=$1 opened refused validated cookies syns

	opened=$(sg_gw_delta gateway_opened)
	validated=$(sg_gw_delta cookies_validated)
	refused=$(sg_gw_delta gateway_refused)
	sg_gw_flood_off
	cookies=$(sg_gw_delta gateway_cookies)
	syns=$(($(sg_ns_counter "$SG_GW" syn_received) - SG_GW_SYN0))
	sg_info "$label: gateway cookies +${cookies:-?} for $syns SYNs, learned +$(sg_gw_delta gateway_learned), cookies_sent +$(sg_gw_delta cookies_sent); in mode always: opened +${opened:-?}, cookies_validated +${validated:-?}, refused +${refused:-?}"
	sg_check "$label: in mode always the gateway opened $2 connections (+${opened:-?})" \
		test "${opened:-x}" = "$2"
	sg_check "$label: the gateway refused $SG_GW_CLOSED_MIN to $SG_GW_CLOSED connections to closed ports itself (+${refused:-?})" \
		sg_between "${refused:--1}" "$SG_GW_CLOSED_MIN" "$SG_GW_CLOSED"
	sg_check "$label: the flood got gateway cookies (+${cookies:-?}: at least 1000, and half to all of the $syns SYNs the gateway received)" \
		sg_between "${cookies:--1}" $((syns / 2 > 1000 ? syns / 2 : 1000)) "$syns"
	if ((SG_GW_PEAK < SG_GW_CT_LIMIT)); then
		sg_pass "$label: conntrack peak $SG_GW_PEAK/$SG_GW_CT_MAX, below $SG_GW_CT_LIMIT"
	else
		sg_fail "$label: conntrack reached $SG_GW_PEAK/$SG_GW_CT_MAX"
	fi
	sg_info "$label: $((SECONDS - SG_GW_START)) s with synguard"
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
	if [[ -n "$SG_KEEP_HOOKS" ]]; then
		nft delete table inet "$SG_KEEP_HOOKS" 2>/dev/null
		SG_KEEP_HOOKS=
	fi
	rm -rf "$SG_TMPDIR"
}

cleanup() { sg_cleanup; }

trap cleanup EXIT
