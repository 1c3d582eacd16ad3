#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Random netlink requests, from privileged and unprivileged callers while
# a SYN flood runs, leave synguard answering and its settings intact.
#
#   $FL1: veth0 10.0.1.1  <---->  $FUZZ: veth0 10.0.1.2, echo server on 8080
#   $FL2: veth0 10.0.2.1  <---->  $KEEP: veth0 10.0.2.2, echo server on 80
#   hping3 --flood --rand-source -S from both $FL1 and $FL2
#
#   $KEEP: settings made here (always, ports 22 and 80-90, an allowlist,
#          a forward list), fuzzed only without privilege
#   $FUZZ: fuzzed with privilege (settings may change, must stay valid)
#   a user namespace of its own with a network namespace in it: fuzzed by
#          an unprivileged user, who holds CAP_NET_ADMIN there only
#
# tools/tests/nlfuzz --oversize first sends every request attribute at a
# wrong size, each of which must be refused with an extack message.
# Then, with both floods running, the three nlfuzz runs send random
# commands (and some that do not exist), as do and dump, with random
# header bytes and attributes of random types, sizes, payloads and
# nesting, all at once. Afterwards every namespace still answers show,
# stats and both dumps; $KEEP's settings are what they were; $FUZZ's
# settings still hold together; clients connect and their data arrives
# intact, in $KEEP with a cookie or, from an allowed source, without;
# the module unloads cleanly. The harness fails the run on any kernel
# splat.

source "$(dirname "$0")/lib.sh"

CTL=${SYNGUARD_CTL}
FUZZER=${SYNGUARD_NLFUZZ:-$SG_LIB_DIR/../tools/tests/nlfuzz}
ROUNDS=${NLFUZZ_ROUNDS:-3000}
SEED=${NLFUZZ_SEED:-$RANDOM}
FUZZ_IP=10.0.1.2
KEEP_IP=10.0.2.2
KEEP_IP6=fd00:2::2
FUZZ_PORT=8080
KEEP_PORT=80

sg_require_root
sg_require_cmd setpriv unshare hping3 socat

if [[ ! -x "$FUZZER" ]]; then
	sg_missing "no nlfuzz at '$FUZZER' (make -C tools)"
fi
if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi
if ! sg_load; then
	echo "FAIL: insmod synguard"
	exit "$ksft_fail"
fi

setup_ns KEEP FUZZ FL1 FL2 || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
if ! sg_veth "$FL1" "$FUZZ" 1 || ! sg_veth "$FL2" "$KEEP" 2; then
	echo "FAIL: veth setup"
	exit "$ksft_fail"
fi
ip -n "$FUZZ" route add default via 10.0.1.1
ip -n "$KEEP" route add default via 10.0.2.1
if ! sg_echo_server "$FUZZ" "$FUZZ_IP" "$FUZZ_PORT" ||
	! sg_echo_server "$KEEP" "$KEEP_IP" "$KEEP_PORT"; then
	echo "FAIL: no listener"
	exit "$ksft_fail"
fi

snapshot()
{
	"$CTL" -n "$1" show |
		grep -v -e '^cookie mode:' -e '^syn rate:' -e '^half-open:'
}

# 10.0.2.1, $FL2's address, is allowed; fd00:2::1, its other, is not.
"$CTL" -n "$KEEP" set mode always halfopen_high 777 halfopen_low 77 \
	table_size 1024 prefix6 56 || sg_fail "settings in $KEEP"
"$CTL" -n "$KEEP" ports add 22 80-90 || sg_fail "ports in $KEEP"
"$CTL" -n "$KEEP" allow add 10.0.2.1/32 fd00:99::/32 ||
	sg_fail "allowlist in $KEEP"
"$CTL" -n "$KEEP" forward add 198.51.100.0/24 fd00:98::/32 ||
	sg_fail "forward list in $KEEP"
before=$(snapshot "$KEEP")

# Deterministic first: every request attribute at a wrong size.
fuzz_before=$(snapshot "$FUZZ")
sg_check "attributes of the wrong size refused, with a message" \
	ip netns exec "$FUZZ" "$FUZZER" --oversize
sg_check "...and nothing changed" test "$fuzz_before" == "$(snapshot "$FUZZ")"

# The floods: $KEEP answers them with cookies, $FUZZ too until the fuzz
# changes its mode.
sg_flood_start "$FL1" "$FUZZ_IP" "$FUZZ_PORT"
flood1=$SG_FLOOD_PID
sg_flood_start "$FL2" "$KEEP_IP" "$KEEP_PORT"
flood2=$SG_FLOOD_PID
sg_check "the floods get cookies" \
	busywait 10000 sg_counter_above cookies_sent 1000
syn0=$(sg_counter syn_received)

sg_info "seed $SEED, $ROUNDS requests per caller, all at once, under flood"
ip netns exec "$FUZZ" "$FUZZER" "$ROUNDS" "$SEED" >"$SG_TMPDIR/fuzz.priv" 2>&1 &
priv=$!
ip netns exec "$KEEP" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all "$FUZZER" "$ROUNDS" $((SEED + 1)) \
	>"$SG_TMPDIR/fuzz.unpriv" 2>&1 &
unpriv=$!
# The user namespace's own network namespace is a new one: synguard's
# defaults there, and its settings are that user's to change.
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	unshare --user --map-root-user --net \
	"$FUZZER" "$ROUNDS" $((SEED + 2)) >"$SG_TMPDIR/fuzz.userns" 2>&1 &
userns=$!
wait "$priv"
sg_check "privileged fuzz in $FUZZ" test $? -eq 0
wait "$unpriv"
sg_check "unprivileged fuzz in $KEEP" test $? -eq 0
if wait "$userns"; then
	sg_pass "fuzz by an unprivileged user in a user namespace of its own"
elif grep -q '^unshare:' "$SG_TMPDIR/fuzz.userns"; then
	sg_skip "no unprivileged user namespaces: $(head -n1 "$SG_TMPDIR/fuzz.userns")"
else
	sg_fail "fuzz by an unprivileged user in a user namespace of its own"
fi
cat "$SG_TMPDIR"/fuzz.*

syns=$(($(sg_counter syn_received) - syn0))
sg_check "the floods went on meanwhile ($syns SYNs)" test $syns -gt 2000
sg_check "...both of them" kill -0 "$flood1" "$flood2"
sg_flood_stop "$flood1"
sg_flood_stop "$flood2"

quiet() { "$@" >/dev/null 2>&1; }
for ns in "$KEEP" "$FUZZ"; do
	for args in show stats halfopen sources "ports list" "allow list" \
		"forward list"; do
		# shellcheck disable=SC2086
		sg_check "after the fuzz, $args answers in ${ns%-*}" \
			quiet "$CTL" -n "$ns" $args
	done
done

after=$(snapshot "$KEEP")
if [[ "$before" == "$after" ]]; then
	sg_pass "settings in $KEEP intact"
else
	sg_fail "settings in $KEEP changed"
	diff <(echo "$before") <(echo "$after")
fi

# Whatever the privileged fuzz set in $FUZZ must still hold together.
low=$("$CTL" -n "$FUZZ" show | sed -n 's/^halfopen_low: //p')
high=$("$CTL" -n "$FUZZ" show | sed -n 's/^halfopen_high: //p')
sg_check "settings in $FUZZ consistent (low $low <= high $high)" \
	test "${low:-1}" -le "${high:-0}"
sg_check "a valid setting still applies in $FUZZ" \
	"$CTL" -n "$FUZZ" set mode auto halfopen_low 0

# Clients: whatever ports and allowlist the fuzz left in $FUZZ, data
# gets through; in $KEEP an unlisted source gets a cookie, the allowed
# one does not.
sg_check "after the fuzz, data arrives intact in $FUZZ" \
	sg_tcp_transfer "$FUZZ" "$FL1" "$FUZZ_IP" $((FUZZ_PORT + 1)) 64 up
declare -A s0 s1
sg_ns_stats "$KEEP" s0
sg_check "after the fuzz, data arrives intact in $KEEP over IPv6" \
	sg_tcp_transfer "$KEEP" "$FL2" "$KEEP_IP6" $((KEEP_PORT + 1)) 64 down
sg_ns_stats "$KEEP" s1
v=$((s1[cookies_validated] - s0[cookies_validated]))
# One connection: 1, or 2 should its ACK and first data both be checked
# before the socket exists (flood_conntrack.sh).
sg_check "...with a cookie, always ($v validated, for one connection)" \
	sg_between "$v" 1 2
sg_check "after the fuzz, the allowed source connects in $KEEP" \
	sg_tcp_connect "$FL2" "$KEEP_IP" "$KEEP_PORT"
sg_ns_stats "$KEEP" s0
c=$((s0[cookies_sent] - s1[cookies_sent]))
sg_check "...without a cookie ($c sent)" test $c -eq 0

if sg_unload; then
	sg_pass "rmmod after the fuzz"
else
	sg_fail "rmmod after the fuzz"
fi
exit $ret
