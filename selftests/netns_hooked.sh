#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A network namespace created after synguard loads is hooked too.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1  <---->  $SRV: veth0 10.0.1.2 fd00:1::2
#
# Load synguard, then create both namespaces. Every SYN the client sends to
# a listener in $SRV must show in stats/syn_received. Where `nft list hooks`
# works, $SRV's ip and ip6 input (LOCAL_IN) hooks must list synguard's, and none
# may be left after rmmod.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

PORT=9000
CONNS=10	# per address family
V4=10.0.1.2
V6=fd00:1::2

sg_require_root
sg_require_cmd socat ip ss insmod rmmod

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

if ! sg_load; then
	echo "FAIL: insmod synguard"
	exit "$ksft_fail"
fi
sg_pass "insmod synguard"

setup_ns CLI SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }

ip netns exec "$SRV" socat -t 10 "TCP4-LISTEN:$PORT,bind=$V4,reuseaddr,fork" PIPE &
ip netns exec "$SRV" socat -t 10 "TCP6-LISTEN:$PORT,bind=[$V6],reuseaddr,fork" PIPE &
if ! sg_wait_listen "$SRV" "$PORT"; then
	echo "FAIL: listeners in $SRV"
	exit "$ksft_fail"
fi

# --- SYNs into the new namespace are counted
before=$(sg_counter syn_received) || { sg_fail "read syn_received"; exit "$ret"; }
ok=0
for ((i = 0; i < CONNS; i++)); do
	sg_tcp_connect "$CLI" "$V4" "$PORT" && ok=$((ok + 1))
	sg_tcp_connect "$CLI" "$V6" "$PORT" && ok=$((ok + 1))
done
after=$(sg_counter syn_received) || { sg_fail "read syn_received"; exit "$ret"; }

if ((ok == 2 * CONNS)); then
	sg_pass "$ok connections (IPv4 and IPv6) into the new netns"
else
	sg_fail "only $ok of $((2 * CONNS)) connections into the new netns"
fi
# One SYN a connection; two more at most, should a stall of the guest
# make a client retransmit (its first timeout is 1 s).
if ((ok > 0)) && sg_between $((after - before)) "$ok" $((ok + 2)); then
	sg_pass "syn_received grew by $((after - before)) for $ok SYNs"
else
	sg_fail "syn_received grew by $((after - before)) for $ok SYNs"
fi

# --- the hooks themselves, as the kernel lists them

# input_hooked NS FAMILY FUNC: FUNC [synguard] is on FAMILY's
# input (LOCAL_IN) hook in NS ("-" for the initial namespace).
input_hooked()
{
	local -a nsexec=()

	[[ "$1" != - ]] && nsexec=(ip netns exec "$1")
	"${nsexec[@]}" nft list hooks "$2" 2>/dev/null |
		awk -v fam="$2" -v fn="$3" '
			$1 == "family" { f = $2 }
			$1 == "hook" { h = $2 }
			f == fam && h == "input" && index($0, fn) &&
				index($0, "[synguard]") { found = 1 }
			END { exit !found }'
}
not_input_hooked() { ! input_hooked "$@"; }

# nft list hooks needs nfnetlink_hook (CONFIG_NETFILTER_NETLINK_HOOK, not
# set on Debian's 6.1); without it nft prints nothing and still succeeds.
nft_hooks_supported()
{
	command -v nft >/dev/null || return 1
	modprobe -q nfnetlink_hook 2>/dev/null ||
		grep -q '/nfnetlink_hook\.ko' "/lib/modules/$(uname -r)/modules.builtin" ||
		return 1
	ip netns exec "$SRV" nft list hooks >/dev/null 2>&1
}

if ! nft_hooks_supported; then
	sg_skip "nft list hooks: no nfnetlink_hook in this kernel"
else
	sg_check "new netns: ip input lists synguard_ipv4_hook" \
		input_hooked "$SRV" ip synguard_ipv4_hook
	sg_check "new netns: ip6 input lists synguard_ipv6_hook" \
		input_hooked "$SRV" ip6 synguard_ipv6_hook
	sg_check "initial netns: ip input lists synguard_ipv4_hook" \
		input_hooked - ip synguard_ipv4_hook
	sg_check "initial netns: ip6 input lists synguard_ipv6_hook" \
		input_hooked - ip6 synguard_ipv6_hook
	if [[ $ret -ne 0 ]]; then
		echo "nft list hooks in $SRV:"
		ip netns exec "$SRV" nft list hooks
	fi
fi

if ! sg_unload; then
	sg_fail "rmmod synguard"
	exit "$ret"
fi
sg_pass "rmmod synguard"
if nft_hooks_supported; then
	sg_check "after rmmod: no synguard ip hook left in the new netns" \
		not_input_hooked "$SRV" ip synguard_ipv4_hook
	sg_check "after rmmod: no synguard ip6 hook left in the new netns" \
		not_input_hooked "$SRV" ip6 synguard_ipv6_hook
fi
sg_check "after rmmod: connections into the netns still work" \
	sg_tcp_connect "$CLI" "$V4" "$PORT"

exit "$ret"
