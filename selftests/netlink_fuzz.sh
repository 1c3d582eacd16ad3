#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Random netlink requests leave synguard answering and its settings intact.
#
#   $KEEP: settings made here, fuzzed only without privilege
#   $FUZZ: fuzzed with privilege (settings may change, must stay valid)
#
# tools/tests/nlfuzz --oversize first sends every request attribute at a
# wrong size, each of which must be refused with an extack message.
# Then nlfuzz sends random commands (and some that do not exist),
# as do and dump, with random header bytes and attributes of random types,
# sizes, payloads and nesting. Afterwards every namespace still answers
# show, stats and both dumps; $KEEP's settings are what they were; $FUZZ's
# settings still hold together; the module unloads cleanly. The harness
# fails the run on any kernel splat.

source "$(dirname "$0")/lib.sh"

CTL=${SYNGUARD_CTL}
FUZZER=${SYNGUARD_NLFUZZ:-$SG_LIB_DIR/../tools/tests/nlfuzz}
ROUNDS=${NLFUZZ_ROUNDS:-1500}
SEED=${NLFUZZ_SEED:-$RANDOM}

sg_require_root
sg_require_cmd setpriv

if [[ ! -x "$FUZZER" ]]; then
	echo "SKIP: no nlfuzz at '$FUZZER' (make -C tools)"
	exit "$ksft_skip"
fi
if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi
if ! sg_load; then
	echo "FAIL: insmod synguard"
	exit "$ksft_fail"
fi

setup_ns KEEP FUZZ || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }

snapshot()
{
	"$CTL" -n "$1" show |
		grep -v -e '^cookie mode:' -e '^syn rate:' -e '^half-open:'
}

"$CTL" -n "$KEEP" set mode monitor halfopen_high 777 halfopen_low 77 \
	table_size 1024 prefix6 56 &&
	"$CTL" -n "$KEEP" ports add 22 80-90 &&
	"$CTL" -n "$KEEP" allow add 10.0.0.0/8 fd00::/16 ||
	sg_fail "settings in $KEEP"
before=$(snapshot "$KEEP")

# Deterministic first: every request attribute at a wrong size.
fuzz_before=$(snapshot "$FUZZ")
sg_check "attributes of the wrong size refused, with a message" \
	ip netns exec "$FUZZ" "$FUZZER" --oversize
sg_check "...and nothing changed" test "$fuzz_before" == "$(snapshot "$FUZZ")"

sg_info "seed $SEED, $ROUNDS requests per pass"
sg_check "privileged fuzz in $FUZZ" \
	ip netns exec "$FUZZ" "$FUZZER" "$ROUNDS" "$SEED"
sg_check "unprivileged fuzz in $KEEP" \
	ip netns exec "$KEEP" setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all "$FUZZER" "$ROUNDS" $((SEED + 1))

quiet() { "$@" >/dev/null 2>&1; }
for ns in "$KEEP" "$FUZZ"; do
	for args in show stats halfopen sources "ports list" "allow list"; do
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

if sg_unload; then
	sg_pass "rmmod after the fuzz"
else
	sg_fail "rmmod after the fuzz"
fi
exit $ret
