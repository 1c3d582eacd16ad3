#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 120
#
# An unprivileged user with a user and a network namespace of its own
# configures synguard there, and what its half-open tables take is
# charged to its memory cgroup.
#
#   nobody, in memory cgroup $CG (memory.max 32 MB):
#     unshare --user --map-root-user --net: CAP_NET_ADMIN over that
#     network namespace, and over nothing else
#
# In its namespace it changes the mode, the watermarks, the table size
# and the forward list, and as that namespace's admin dumps its
# half-opens and sources and joins its events group (elsewhere these need
# CAP_NET_ADMIN: netlink_privacy.sh); a table of 1048576 slots (about 51 MB) does not fit in its 32 MB,
# and is refused with ENOMEM, leaving the old table and settings as they
# were (rather than memory no limit accounts for: any user could pin 51
# MB of kernel memory per namespace it creates). Without the user
# namespace it cannot change the initial namespace's settings nor its
# forward list. Root, with no limit, gets the big table.

source "$(dirname "$0")/lib.sh"

CTL=${SYNGUARD_CTL}
CGROOT=/sys/fs/cgroup
CG=$CGROOT/sg-userns-$$
BIG=1048576

sg_require_root
sg_require_config CONFIG_USER_NS CONFIG_MEMCG
sg_require_cmd setpriv unshare timeout

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi
if ! grep -qw memory "$CGROOT/cgroup.controllers" 2>/dev/null; then
	echo "FAIL: no cgroup v2 memory controller at $CGROOT"
	exit "$ksft_fail"
fi
# Can nobody have a user namespace at all? Debian's kernels allow it
# (kernel.unprivileged_userns_clone=1); a host that turned it off is
# not what this test is about.
if [[ "$(sysctl -n kernel.unprivileged_userns_clone 2>/dev/null)" == 0 ]]; then
	echo "SKIP: unprivileged user namespaces are turned off"
	exit "$ksft_skip"
fi
if ! setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	unshare --user --map-root-user --net true; then
	echo "FAIL: nobody cannot create a user namespace"
	exit "$ksft_fail"
fi
if ! sg_load; then
	echo "FAIL: insmod synguard"
	exit "$ksft_fail"
fi

cleanup()
{
	rmdir "$CG" 2>/dev/null
	sg_cleanup
}

echo +memory >"$CGROOT/cgroup.subtree_control" 2>/dev/null
if ! mkdir "$CG" || ! echo 32M >"$CG/memory.max"; then
	echo "FAIL: memory cgroup $CG"
	exit "$ksft_fail"
fi

# as_nobody CMD...: CMD as nobody, no capabilities, in $CG.
as_nobody()
{
	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$@"
}

# In its own namespaces: settings, then the big table, then what is left.
# shellcheck disable=SC2016 # expanded by the inner shell
out=$(as_nobody unshare --user --map-root-user --net sh -c '
	c=$1 big=$2
	"$c" set mode always halfopen_high 200 halfopen_low 20 table_size 8192 &&
		echo "set: ok"
	"$c" set table_size "$big" 2>&1 && echo "big: ok"
	"$c" forward add 198.51.100.0/24 fd00:5::/64 && echo "forward add: ok"
	"$c" halfopen && echo "halfopen: ok"
	"$c" sources && echo "sources: ok"
	timeout -s TERM 3 "$c" monitor; echo "monitor: $?"
	"$c" show
' sh "$CTL" "$BIG" 2>&1)
echo "$out"
field() { sed -n "s/^$1: //p" <<<"$out"; }

sg_check "nobody sets mode, watermarks, table size in its own namespace" \
	grep -q '^set: ok$' <<<"$out"
sg_check "...and they hold (mode $(field mode))" test "$(field mode)" == always
sg_check "...and they hold (halfopen_high $(field halfopen_high))" \
	test "$(field halfopen_high)" == 200
if grep -q '^big: ok$' <<<"$out"; then
	sg_fail "a table of $BIG slots outside its memory cgroup's 32 MB was allowed"
else
	sg_pass "a table of $BIG slots does not fit in its memory cgroup's 32 MB"
fi
sg_check "...refused as such" grep -q 'cannot allocate a table that size' <<<"$out"
sg_check "...and the old table stays ($(field table_size))" \
	test "$(field table_size)" == 8192
sg_info "$CG: $(tr '\n' ' ' <"$CG/memory.events")"
sg_check "nobody dumps the half-opens of its own namespace" \
	grep -q '^halfopen: ok$' <<<"$out"
sg_check "...and its sources" grep -q '^sources: ok$' <<<"$out"
sg_check "...and monitors its events until SIGTERM (124: timeout's)" \
	grep -q '^monitor: 124$' <<<"$out"
sg_check "nobody adds to the forward list of its own namespace" \
	grep -q '^forward add: ok$' <<<"$out"
sg_check "...which holds them ($(field forward))" \
	test "$(field forward)" == "198.51.100.0/24 fd00:5::/64"

# Without a user namespace: the initial namespace is not nobody's.
mode0=$("$CTL" show | sed -n 's/^mode: //p')
if msg=$(as_nobody "$CTL" set mode off 2>&1); then
	sg_fail "nobody changed the initial namespace's mode"
else
	sg_check "nobody cannot change the initial namespace ($msg)" \
		grep -q 'Operation not permitted' <<<"$msg"
fi
sg_check "...whose mode is still $mode0" \
	test "$("$CTL" show | sed -n 's/^mode: //p')" == "$mode0"
if msg=$(as_nobody "$CTL" halfopen 2>&1); then
	sg_fail "nobody dumped the initial namespace's half-opens"
else
	sg_check "...nor dump its half-opens ($msg)" \
		grep -q 'Operation not permitted' <<<"$msg"
fi
fwd0=$("$CTL" forward list)
if msg=$(as_nobody "$CTL" forward add 203.0.113.0/24 2>&1); then
	sg_fail "nobody added to the initial namespace's forward list"
else
	sg_check "...nor add to its forward list ($msg)" \
		grep -q 'Operation not permitted' <<<"$msg"
fi
sg_check "...whose forward list is still '$fwd0'" \
	test "$("$CTL" forward list)" == "$fwd0"

# Root, with no limit, may have the big table.
setup_ns BIGNS || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
vm0=$(sg_meminfo VmallocUsed)
sg_check "root sets a table of $BIG slots" "$CTL" -n "$BIGNS" set table_size $BIG
grew=$(($(sg_meminfo VmallocUsed) - vm0))
sg_check "...which takes about 51 MB ($grew kB)" sg_table_kb_ok $BIG $grew

exit $ret
