#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# synguardctl against the generic netlink family: configuration.
#
#   $CLI: veth0 10.0.1.1  <---->  $NSA: veth0 10.0.1.2 (listener)
#   $NSB: no links, its own settings
#
# Every setting round-trips (set, then show -j), alone and several at
# once; mode names; port ranges, the allowlist and the forward list,
# which are apart. Bad input is refused with one clear line on stderr
# and changes nothing: out-of-range numbers, unknown modes and settings,
# malformed prefixes and ranges, a prefix or interface twice or missing,
# an interface name too long, halfopen_low above halfopen_high. The
# forward list holds 256 prefixes and 16 interfaces and refuses a 257th
# and a 17th. An unprivileged user reads but cannot change anything. Two
# namespaces keep their own settings and counters. Every -j output
# parses as JSON. show warns about tcp_syncookies=0 and
# nf_conntrack_tcp_loose=0.

source "$(dirname "$0")/lib.sh"

CTL=${SYNGUARD_CTL}
PORT=9100

sg_require_root
sg_require_cmd python3 ip setpriv socat

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi
if [[ ! -x "$CTL" ]]; then
	echo "FAIL: no synguardctl at '$CTL'"
	exit "$ksft_fail"
fi
if ! sg_load; then
	echo "FAIL: insmod synguard"
	exit "$ksft_fail"
fi

setup_ns NSA NSB CLI || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$NSA" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }

# field NS KEY: KEY of `synguardctl show` in NS. Text rather than -j:
# python3 starts slowly under TCG, so it only checks the JSON outputs.
field()
{
	"$CTL" -n "$1" show | sed -n "s/^$2: //p"
}

# field NS KEY: KEY of `synguardctl -j show` in NS.
jfield()
{
	"$CTL" -n "$1" -j show |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}

# stat NS NAME: counter NAME of `synguardctl stats` in NS.
stat()
{
	"$CTL" -n "$1" stats | awk -v k="$2" '$1 == k { print $2 }'
}

# snapshot NS: every setting and list of NS, not the live state.
snapshot()
{
	"$CTL" -n "$1" show |
		grep -v -e '^cookie mode:' -e '^syn rate:' -e '^half-open:'
}

# --- round trips

# Each setting alone, then one show to read them all back.
declare -A want=([halfopen_high]=2000 [halfopen_low]=100 [syn_rate_low]=500
	[cooldown]=7 [halfopen_timeout]=3000 [table_size]=8192
	[source_limit]=16 [prefix4]=24 [prefix6]=48 [gateway_table]=4096
	[mode]=always)
for key in "${!want[@]}"; do
	"$CTL" -n "$NSA" set "$key" "${want[$key]}" || sg_fail "set $key ${want[$key]}"
done
shown=$("$CTL" -n "$NSA" show)
for key in "${!want[@]}"; do
	got=$(sed -n "s/^$key: //p" <<<"$shown")
	if [[ "$got" == "${want[$key]}" ]]; then
		sg_pass "set $key ${want[$key]} round-trips"
	else
		sg_fail "set $key ${want[$key]}: show says '$got'"
	fi
done
"$CTL" -n "$NSA" set gateway_table 1000 || sg_fail "set gateway_table 1000"
sg_check "gateway_table 1000 is rounded up to 1024" \
	test "$(field "$NSA" gateway_table)" == 1024
for m in off monitor auto; do
	"$CTL" -n "$NSA" set mode "$m" || sg_fail "set mode $m"
	sg_check "set mode $m round-trips" test "$(field "$NSA" mode)" == "$m"
done

if "$CTL" -n "$NSA" set halfopen_high 3000 halfopen-low 300 cooldown 9 \
	mode monitor; then
	got="$(field "$NSA" halfopen_high) $(field "$NSA" halfopen_low)"
	got+=" $(field "$NSA" cooldown) $(field "$NSA" mode)"
	sg_check "several settings at once: $got" \
		test "$got" == "3000 300 9 monitor"
else
	sg_fail "set several settings at once"
fi

sg_check "text show names the mode" \
	bash -c "'$CTL' -n '$NSA' show | grep -q '^mode: monitor$'"
slots=$("$CTL" -n "$NSA" show | sed -n 's/^half-open: .*, \([0-9]*\) slots$/\1/p')
sg_check "the table has table_size slots ($slots)" test "${slots:-0}" -ge 8192

# ports and allowlist
"$CTL" -n "$NSA" ports add 80 443 8000-8100 || sg_fail "ports add"
sg_check "ports list after add" \
	test "$("$CTL" -n "$NSA" ports list)" == "80 443 8000-8100"
"$CTL" -n "$NSA" ports del 443 || sg_fail "ports del 443"
sg_check "ports list after del" \
	test "$("$CTL" -n "$NSA" ports list)" == "80 8000-8100"
"$CTL" -n "$NSA" allow add 10.0.0.0/8 fd00:1::/64 192.0.2.1 ||
	sg_fail "allow add"
sg_check "allow list after add" \
	test "$("$CTL" -n "$NSA" allow list)" == "10.0.0.0/8 fd00:1::/64 192.0.2.1/32"
"$CTL" -n "$NSA" allow del fd00:1::/64 || sg_fail "allow del"
sg_check "allow list after del" \
	test "$("$CTL" -n "$NSA" allow list)" == "10.0.0.0/8 192.0.2.1/32"

# forward list: the same prefixes as the allowlist's are no duplicates.
"$CTL" -n "$NSA" forward add 10.0.0.0/8 fd00:1::/64 192.0.2.1 \
	2001:db8::/32 || sg_fail "forward add"
sg_check "forward list after add" \
	test "$("$CTL" -n "$NSA" forward list)" == \
	"10.0.0.0/8 fd00:1::/64 192.0.2.1/32 2001:db8::/32"
"$CTL" -n "$NSA" forward del fd00:1::/64 || sg_fail "forward del"
sg_check "forward list after del" \
	test "$("$CTL" -n "$NSA" forward list)" == \
	"10.0.0.0/8 2001:db8::/32 192.0.2.1/32"
sg_check "show prints the forward list" \
	test "$(field "$NSA" forward)" == "10.0.0.0/8 2001:db8::/32 192.0.2.1/32"
sg_check "the allowlist is apart from it" \
	test "$("$CTL" -n "$NSA" allow list)" == "10.0.0.0/8 192.0.2.1/32"
# Its interfaces, by name (none need exist), mixed with prefixes in one
# request, listed after them one a line.
"$CTL" -n "$NSA" forward add dev eth0 10.9.0.0/16 dev wan1 ||
	sg_fail "forward add dev"
sg_check "forward list with interfaces" \
	test "$("$CTL" -n "$NSA" forward list)" == \
	$'10.0.0.0/8 2001:db8::/32 192.0.2.1/32 10.9.0.0/16\ndev eth0\ndev wan1'
"$CTL" -n "$NSA" forward del 10.9.0.0/16 dev wan1 || sg_fail "forward del dev"
sg_check "show prints them on the forward line" \
	test "$(field "$NSA" forward)" == \
	"10.0.0.0/8 2001:db8::/32 192.0.2.1/32 dev eth0"

# --- bad input

# refused DESC PATTERN ARGS...: synguardctl ARGS fails with one line on
# stderr (or a usage text) that matches PATTERN. That none of them
# changed a setting is checked once, after all of them.
refused()
{
	local desc=$1 pat=$2 rc msg first

	shift 2
	# Builtins only past this point: every process costs under TCG.
	msg=$("$CTL" -n "$NSA" "$@" 2>&1 >/dev/null)
	rc=$?
	first=${msg%%$'\n'*}
	if ((rc == 0)); then
		sg_fail "$desc: accepted"
	elif [[ ! "$msg" =~ $pat ]]; then
		sg_fail "$desc: message '$first' lacks /$pat/"
	elif [[ "$msg" != *Usage:* && "$msg" == *$'\n'* ]]; then
		sg_fail "$desc: more than one line on stderr"
	else
		sg_pass "$desc: refused ($first)"
	fi
}

baseline=$(snapshot "$NSA")
refused "halfopen_timeout below range" \
	'^synguardctl: set: halfopen_timeout: .*range' set halfopen_timeout 50
refused "table_size below range" 'table_size: .*range' set table_size 1
refused "table_size above range" 'table_size: .*range' \
	set table_size 99999999
refused "halfopen_high 0" 'halfopen_high: .*range' set halfopen_high 0
refused "gateway_table below range" 'gateway_table: .*range' \
	set gateway_table 8
refused "gateway_table above range" 'gateway_table: .*range' \
	set gateway_table 131072
refused "cooldown 0" 'cooldown: .*range' set cooldown 0
refused "prefix4 33" 'prefix4: .*range' set prefix4 33
refused "prefix6 129" 'prefix6: .*range' set prefix6 129
refused "prefix4 300" 'prefix4' set prefix4 300
refused "negative number" 'not a number' set halfopen_timeout -1
refused "not a number" 'not a number' set source_limit lots
refused "unknown mode" "unknown mode 'bogus'" set mode bogus
refused "unknown setting" "unknown setting 'colour'" set colour blue
refused "halfopen_low above halfopen_high" \
	'halfopen_low must not exceed halfopen_high' set halfopen_low 5000
refused "one bad value spoils the set" 'syn_rate_low: .*range' \
	set halfopen_high 10 halfopen_low 5 syn_rate_low 0
refused "prefix with host bits" 'bits set beyond the prefix' \
	allow add 10.0.0.1/8
refused "IPv4 prefix length 33" 'invalid prefix' allow add 10.0.0.0/33
refused "IPv6 prefix length 129" 'invalid prefix' allow add fd00::/129
refused "prefix that is no address" 'invalid prefix' allow add 10.0.0.256
refused "duplicate prefix" 'already in the allowlist' allow add 10.0.0.0/8
refused "deleting an absent prefix" 'not in the allowlist' \
	allow del 10.9.0.0/16
refused "forward: prefix with host bits" 'bits set beyond the prefix' \
	forward add 10.0.0.1/8
refused "forward: IPv6 prefix length 129" 'invalid prefix' \
	forward add fd00::/129
refused "forward: duplicate prefix" \
	'^synguardctl: forward add: prefix: prefix already in the forward list' \
	forward add 10.0.0.0/8
refused "forward: duplicate IPv6 prefix" 'already in the forward list' \
	forward add 2001:db8::/32
refused "forward: duplicate among new ones" 'already in the forward list' \
	forward add 10.7.0.0/16 10.7.0.0/16
refused "forward: deleting an absent prefix" \
	'^synguardctl: forward del: prefix: prefix not in the forward list' \
	forward del 10.9.0.0/16
refused "forward: deleting an absent IPv6 prefix" 'not in the forward list' \
	forward del fd00:1::/64
refused "unknown forward command" "unknown command 'zap'" \
	forward zap 10.0.0.0/8
refused "forward: interface name too long" \
	"interface name 'abcdefghijklmnop' too long \\(at most 15 bytes\\)" \
	forward add dev abcdefghijklmnop
refused "forward: duplicate interface" \
	'^synguardctl: forward add: dev: interface already in the forward list' \
	forward add dev eth0
refused "forward: deleting an absent interface" \
	'^synguardctl: forward del: dev: interface not in the forward list' \
	forward del dev wan1
refused "forward: a duplicate interface spoils its prefix" \
	'already in the forward list' forward add 10.8.0.0/16 dev eth0
refused "port 0" 'ports add: first port: .*range' ports add 0
refused "reversed port range" 'ends before it starts' ports add 100-50
refused "port above 65535" 'invalid port range' ports add 70000
refused "deleting an absent range" 'no such port range' ports del 1234
refused "33rd port range" 'too many port ranges' \
	ports add $(seq 1001 1031)
refused "unknown object" 'unknown object' frobnicate
refused "unknown ports command" "unknown command 'zap'" ports zap 80
sg_check "no refused request changed a setting" \
	test "$baseline" == "$(snapshot "$NSA")"

# full DESC MSG ARGS...: synguardctl -n $NSB ARGS, one more than the
# list holds, is refused with MSG.
full()
{
	local desc=$1 expect=$2 msg

	shift 2
	if msg=$("$CTL" -n "$NSB" "$@" 2>&1 >/dev/null); then
		sg_fail "$desc accepted"
	elif [[ "$msg" == *"$expect"* ]]; then
		sg_pass "$desc refused ($msg)"
	else
		sg_fail "$desc: '$msg'"
	fi
}

# A full forward list, in $NSB: 256 prefixes in one request, then a
# 257th, which the kernel refuses, leaving the 256.
mapfile -t many < <(seq -f '10.1.%g.0/24' 0 255)
"$CTL" -n "$NSB" forward add "${many[@]}" ||
	sg_fail "forward add of 256 prefixes"
sg_check "the forward list holds 256 prefixes" \
	test "$("$CTL" -n "$NSB" forward list | wc -w)" -eq 256
full "a 257th forward prefix" \
	"forward add: prefix: forward list full (at most 256 prefixes)" \
	forward add 10.2.0.0/24
sg_check "...leaving the 256" \
	test "$("$CTL" -n "$NSB" forward list | wc -w)" -eq 256
# ...and 16 interfaces besides, then a 17th; flush takes all of them.
mapfile -t many < <(printf 'dev\nif%d\n' {1..16})
"$CTL" -n "$NSB" forward add "${many[@]}" ||
	sg_fail "forward add of 16 interfaces"
full "a 17th forward interface" \
	"forward add: dev: forward list full (at most 16 interfaces)" \
	forward add dev if17
sg_check "...leaving the 256 prefixes and 16 interfaces" \
	test "$("$CTL" -n "$NSB" forward list | wc -l)" -eq 17
"$CTL" -n "$NSB" forward flush || sg_fail "forward flush of 256 prefixes"
sg_check "forward flush empties the list" \
	test "$("$CTL" -n "$NSB" forward list)" == none

# --- privilege

# as_nobody NS ARGS...: synguardctl ARGS in NS as an unprivileged user.
as_nobody()
{
	local ns=$1

	shift
	ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all "$CTL" "$@"
}

before=$(snapshot "$NSA")
for args in "set mode off" "set table_size 64" "ports add 22" \
	"ports del 80" "allow add 198.51.100.0/24" "allow del 10.0.0.0/8" \
	"forward add 198.51.100.0/24" "forward del 10.0.0.0/8" \
	"forward add dev eth1" "forward del dev eth0" "forward flush"; do
	# shellcheck disable=SC2086
	if msg=$(as_nobody "$NSA" $args 2>&1 >/dev/null); then
		sg_fail "unprivileged '$args' accepted"
	elif [[ "$msg" == *"Operation not permitted"* ]]; then
		sg_pass "unprivileged '$args' refused ($msg)"
	else
		sg_fail "unprivileged '$args': '$msg'"
	fi
done
sg_check "unprivileged attempts changed nothing" \
	test "$before" == "$(snapshot "$NSA")"
quiet() { "$@" >/dev/null 2>&1; }
sg_check "unprivileged show works" quiet as_nobody "$NSA" show
sg_check "unprivileged stats work" quiet as_nobody "$NSA" -j stats
sg_check "unprivileged forward list works" \
	test "$(as_nobody "$NSA" forward list)" == "$("$CTL" -n "$NSA" forward list)"

# --- two namespaces

"$CTL" -n "$NSA" set mode monitor halfopen_high 3000 &&
	"$CTL" -n "$NSB" set mode always halfopen_high 1500 ||
	sg_fail "set in two namespaces"
# settings NS: "MODE HALFOPEN_HIGH" of NS.
settings()
{
	"$CTL" -n "$1" show |
		awk '/^mode:/ { m = $2 } /^halfopen_high:/ { h = $2 } END { print m, h }'
}
sg_check "namespace A keeps its settings" \
	test "$(settings "$NSA")" == "monitor 3000"
sg_check "namespace B keeps its settings" \
	test "$(settings "$NSB")" == "always 1500"
sg_check "namespace B has no port ranges, allowlist or forward list" \
	test "$("$CTL" -n "$NSB" ports list) $("$CTL" -n "$NSB" allow list) $("$CTL" -n "$NSB" forward list)" == "all none none"

"$CTL" -n "$NSA" ports flush && "$CTL" -n "$NSA" allow flush &&
	"$CTL" -n "$NSA" forward flush || sg_fail "flush"
sg_check "forward flush in namespace A" \
	test "$("$CTL" -n "$NSA" forward list)" == none
ip netns exec "$NSA" socat -t 10 "TCP4-LISTEN:$PORT,bind=10.0.1.2,reuseaddr,fork" \
	PIPE &
sg_wait_listen "$NSA" "$PORT" || sg_fail "listener in $NSA"
a0=$(stat "$NSA" syn_received)
b0=$(stat "$NSB" syn_received)
for i in 1 2 3; do
	sg_tcp_connect "$CLI" 10.0.1.2 "$PORT" || sg_fail "connection $i"
done
a1=$(stat "$NSA" syn_received)
b1=$(stat "$NSB" syn_received)
sg_check "namespace A counted its SYNs ($a0 -> $a1)" test $((a1 - a0)) -ge 3
sg_check "namespace B did not ($b0 -> $b1)" test "$b1" -eq "$b0"

# --- JSON

# One python3 for every -j output: it starts slowly under TCG.
"$CTL" -n "$NSA" forward add 192.0.2.0/24 dev eth0 fd00:2::/64 ||
	sg_fail "forward add, for -j"
if python3 - "$CTL" "$NSA" "$SG_SYSFS/stats" <<'PY'; then
import json, os, subprocess, sys

ctl, ns, sysfs = sys.argv[1:4]
ok = True
out = {}
for args in ("show", "stats", "sources", "sources top 3", "halfopen",
             "ports list", "allow list", "forward list"):
    p = subprocess.run([ctl, "-n", ns, "-j"] + args.split(),
                       capture_output=True, text=True)
    try:
        out[args] = json.loads(p.stdout)
        print("PASS: -j %s parses as JSON" % args)
    except ValueError as e:
        print("FAIL: -j %s: %s: %r" % (args, e, p.stdout[:200]))
        ok = False
if "mode" not in out.get("show", {}):
    print("FAIL: -j show has no mode")
    ok = False
want = ["192.0.2.0/24", "fd00:2::/64", "dev eth0"]
for got in (out.get("show", {}).get("forward"), out.get("forward list")):
    if got != want:
        print("FAIL: -j show or forward list has forward %r, not %r" % (got, want))
        ok = False
stats = set(out.get("stats", {})) - {"under_attack", "syn_rate"}
names = set(os.listdir(sysfs))
if stats == names and {"syn_received", "cookies_sent", "halfopen_current"} <= stats:
    print("PASS: -j stats is keyed by the sysfs counter names")
else:
    print("FAIL: -j stats keys %s differ from sysfs %s" % (sorted(stats), sorted(names)))
    ok = False
sys.exit(0 if ok else 1)
PY
	:
else
	ret=$ksft_fail
fi

# --- warnings

ip netns exec "$NSA" sysctl -qw net.ipv4.tcp_syncookies=0
sg_check "show warns about tcp_syncookies=0" \
	bash -c "'$CTL' -n '$NSA' show | grep -q '^warning: net.ipv4.tcp_syncookies is 0'"
ip netns exec "$NSA" sysctl -qw net.ipv4.tcp_syncookies=1
if modprobe nf_conntrack 2>/dev/null &&
	ip netns exec "$NSA" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0; then
	sg_check "show warns about nf_conntrack_tcp_loose=0" \
		bash -c "'$CTL' -n '$NSA' show | grep -q '^warning: net.netfilter.nf_conntrack_tcp_loose is 0'"
	sg_check "-j show reports nf_conntrack_tcp_loose" \
		test "$(jfield "$NSA" nf_conntrack_tcp_loose)" == 0
	ip netns exec "$NSA" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=1
	sg_check "no warning with the defaults" \
		bash -c "! '$CTL' -n '$NSA' show | grep -q '^warning'"
else
	sg_skip "nf_conntrack not available: no tcp_loose warning check"
fi

exit $ret
