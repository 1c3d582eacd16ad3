#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
#
# Configuration that persists: synguardctl showconf prints a namespace's
# whole configuration, setconf makes it exactly a file's, and the systemd
# units put it back after the module is loaded again.
#
#   $NS: no traffic; the host's namespace for synguard.service
#
# - showconf | setconf round-trips a configuration with every setting
#   off its default, ports, an allowlist and a forward list of prefixes
#   and interfaces; an empty file is the defaults;
# - a file with a bad line (unknown key, bad value, out of the kernel's
#   range, halfopen_low above halfopen_high) changes nothing, and the
#   error names FILE:LINE;
# - a file the kernel refuses midway (33 port ranges) is undone, with
#   the kernel's message;
# - after rmmod and a new load, the units' own command lines (from
#   tools/systemd/, with this tree's paths: the guest runs no systemd)
#   apply the files again, in the host's namespace and in $NS.

source "$(dirname "$0")/lib.sh"

UNITS=$SG_LIB_DIR/../tools/systemd
ETC=$SG_TMPDIR/etc/synguard

sg_require_root
if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi
setup_ns NS || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_load || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }
mkdir -p "$ETC"

ctl() { "$SYNGUARD_CTL" -n "$NS" "$@"; }

# A configuration with nothing at its default.
if ! { ctl set mode always halfopen_high 300 halfopen_low 10 \
	syn_rate_low 50 cooldown 7 halfopen_timeout 2000 table_size 1024 \
	source_limit 16 prefix4 24 prefix6 48 gateway off gateway_table 256 &&
	ctl ports add 22 80 8000-8100 &&
	ctl allow add 192.0.2.0/24 2001:db8::/32 10.1.0.0/16 &&
	ctl forward add 198.51.100.0/24 dev wan0 2001:db8:1::/48 10.2.0.0/16 \
		dev eth9; }; then
	echo "FAIL: setting a configuration up"
	exit "$ksft_fail"
fi
ctl showconf >"$SG_TMPDIR/a.conf"
sg_info "showconf:"$'\n'"$(cat "$SG_TMPDIR/a.conf")"
# has_lines FILE LINE...: FILE has every LINE, whole; says which not.
has_lines()
{
	local file=$1 line rc=0

	shift
	for line in "$@"; do
		grep -q -x -F -e "$line" "$file" && continue
		echo "missing: $line" >&2
		rc=1
	done
	return "$rc"
}
sg_check "showconf: every setting, each with the value set" \
	has_lines "$SG_TMPDIR/a.conf" 'mode = always' 'halfopen_high = 300' \
	'halfopen_low = 10' 'syn_rate_low = 50' 'cooldown = 7' \
	'halfopen_timeout = 2000' 'table_size = 1024' 'source_limit = 16' \
	'prefix4 = 24' 'prefix6 = 48' 'gateway = off' 'gateway_table = 256'
sg_check "showconf: ports, allow and forward" \
	has_lines "$SG_TMPDIR/a.conf" 'ports = 22, 80, 8000-8100' \
	'allow = 10.1.0.0/16, 192.0.2.0/24, 2001:db8::/32' \
	'forward = 10.2.0.0/16, 198.51.100.0/24, 2001:db8:1::/48, dev eth9, dev wan0'

: >"$SG_TMPDIR/empty.conf"
ctl setconf "$SG_TMPDIR/empty.conf"
ctl showconf >"$SG_TMPDIR/defaults.conf"
sg_check "setconf of an empty file: the defaults" \
	has_lines "$SG_TMPDIR/defaults.conf" 'mode = auto' \
	'halfopen_high = 128' 'halfopen_low = 32' 'syn_rate_low = 100' \
	'cooldown = 5' 'halfopen_timeout = 5000' 'table_size = 4096' \
	'source_limit = 64' 'prefix4 = 32' 'prefix6 = 64' 'gateway = on' \
	'gateway_table = 1024' 'ports =' 'allow =' 'forward ='
sg_check "setconf of an empty file: nothing of the old one left" \
	test "$(grep -c -x -F -f <(sed 1d "$SG_TMPDIR/a.conf") \
		<(sed 1d "$SG_TMPDIR/defaults.conf"))" -eq 0
ctl setconf "$SG_TMPDIR/a.conf"
sg_check "showconf | setconf round-trips" \
	diff -u "$SG_TMPDIR/a.conf" <(ctl showconf)
ctl setconf - <"$SG_TMPDIR/empty.conf" && ctl setconf - <"$SG_TMPDIR/a.conf"
sg_check "setconf - reads standard input" \
	diff -u "$SG_TMPDIR/a.conf" <(ctl showconf)

# bad NAME LINE PATTERN TEXT: a file of a.conf's first lines and TEXT as
# line LINE is refused, saying "FILE:LINE: " and PATTERN, and nothing
# changes.
bad()
{
	local name=$1 line=$2 pattern=$3 text=$4 f="$SG_TMPDIR/bad.conf" err

	{ head -n $((line - 1)) "$SG_TMPDIR/a.conf"; echo "$text"; } >"$f"
	sed -i 's/^mode = always$/mode = monitor/' "$f"
	if err=$(ctl setconf "$f" 2>&1); then
		sg_fail "$name: accepted"
		return
	fi
	sg_info "$name: $err"
	sg_check "$name: the error names the line and what is wrong" \
		grep -q -e "$f:$line: .*$pattern" <<<"$err"
	sg_check "$name: nothing changed" \
		diff -u "$SG_TMPDIR/a.conf" <(ctl showconf)
}

bad "unknown key" 4 "unknown key 'halfopen_hihg'" "halfopen_hihg = 5"
bad "bad value" 5 "'soon' is not a number" "cooldown = soon"
bad "out of the kernel's range" 6 "out of range (100\.\.600000)" \
	"halfopen_timeout = 50"
bad "table too large" 8 "out of range (64\.\.1048576)" "table_size = 2000000"
bad "bad port range" 13 "ends before it starts" "ports = 9000-8000"
bad "bad prefix" 14 "invalid prefix" "allow = 10.0.0.300/8"
bad "bad forward prefix" 15 "invalid prefix" "forward = 10.0.0.300/8"
bad "forward prefix with host bits" 15 \
	"prefix '10.2.0.1/16' has address bits set beyond its length" \
	"forward = 10.2.0.1/16"
bad "forward prefix twice" 15 "prefix 'fd00::/8' given twice" \
	"forward = fd00::/8, 10.2.0.0/16, fd00::/8"
bad "forward interface twice" 15 "interface 'wan0' given twice" \
	"forward = dev wan0, 10.2.0.0/16, dev wan0"
bad "halfopen_low above halfopen_high" 3 \
	"halfopen_low (20) must not exceed halfopen_high (15)" \
	"halfopen_low = 20"$'\nhalfopen_high = 15'

# The kernel takes 32 port ranges: the settings went in, the ports did
# not, and the settings are put back.
{
	echo "mode = off"
	echo "gateway = on"
	echo "ports = $(seq -s ', ' 1001 1033)"
} >"$SG_TMPDIR/refused.conf"
if err=$(ctl setconf "$SG_TMPDIR/refused.conf" 2>&1); then
	sg_fail "33 port ranges: accepted"
else
	sg_info "33 port ranges: $err"
	sg_check "33 port ranges: the kernel's message" \
		grep -q "setconf: ports add: too many entries in one request" <<<"$err"
	sg_check "33 port ranges: the configuration before it is restored" \
		diff -u "$SG_TMPDIR/a.conf" <(ctl showconf)
fi

# The units, as systemd would run them. unit_cmds UNIT KEY [INSTANCE]:
# the KEY= lines of UNIT with this tree's paths, %i expanded.
unit_cmds()
{
	sed -n "s/^$2=//p" "$UNITS/$1" |
		sed -e "s|/usr/sbin/synguardctl|$SYNGUARD_CTL|g" \
		    -e "s|/etc/synguard|$ETC|g" -e "s|%i|${3:-}|g"
}

# run_unit UNIT KEY [INSTANCE]: run them in order; modprobe synguard
# stands for loading the module under test.
run_unit()
{
	local cmd

	while IFS= read -r cmd; do
		if [[ "$cmd" == "/sbin/modprobe synguard" ]]; then
			sg_load || return 1
			continue
		fi
		eval "$cmd" || { echo "$1: '$cmd' failed" >&2; return 1; }
	done < <(unit_cmds "$@")
}

sed 's/^mode = always$/mode = monitor/; s/^table_size = 1024$/table_size = 2048/' \
	"$SG_TMPDIR/a.conf" >"$ETC/synguard.conf"
cp "$SG_TMPDIR/a.conf" "$ETC/$NS.conf"
sg_check "the units name what they run" \
	test "$(unit_cmds synguard.service ExecStart | wc -l)" -eq 2 -a \
	"$(unit_cmds synguard@.service ExecReload "$NS" | wc -l)" -eq 1

sg_unload
sg_check "synguard.service starts: modprobe, setconf" \
	run_unit synguard.service ExecStart
sg_check "synguard.service: the host's namespace is configured" \
	diff -u <(sed 1d "$ETC/synguard.conf") <("$SYNGUARD_CTL" showconf | sed 1d)
sg_check "synguard@$NS starts" run_unit synguard@.service ExecStart "$NS"
sg_check "synguard@$NS: $NS is configured" \
	diff -u "$ETC/$NS.conf" <(ctl showconf)

sg_unload && sg_load
sg_check "after rmmod and insmod: the defaults again" \
	diff -u "$SG_TMPDIR/defaults.conf" <(ctl showconf)
sg_check "systemctl reload synguard" run_unit synguard.service ExecReload
sg_check "systemctl reload synguard@$NS" \
	run_unit synguard@.service ExecReload "$NS"
sg_check "reloaded: the host's namespace as its file says" \
	diff -u <(sed 1d "$ETC/synguard.conf") <("$SYNGUARD_CTL" showconf | sed 1d)
sg_check "reloaded: $NS as its file says" \
	diff -u "$ETC/$NS.conf" <(ctl showconf)

rm "$ETC/synguard.conf"
sg_check "synguard.service without /etc/synguard/synguard.conf: no error" \
	run_unit synguard.service ExecReload

exit "$ret"
