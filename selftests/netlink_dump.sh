#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink dumps arrive complete with 10 000 half-open entries.
#
#   $CLI: veth0 10.0.1.1 (+ 10.0.1.3)  <---->  $SRV: veth0 10.0.1.2, socat
#
# In monitor mode, with a table, timeout and per-source limit large
# enough, hping3 sends 10 000+ SYNs from distinct source ports of
# 10.0.1.1 and 50 from 10.0.1.3 (the client drops its own RSTs, so they
# stay half-open). `synguardctl -j halfopen` must return every tracked
# entry exactly once, as many as halfopen_current says, over a dump of
# many parts; `sources top 2` must name both sources with their counts.

source "$(dirname "$0")/lib.sh"

CTL=${SYNGUARD_CTL}
PORT=9300
SRV_IP=10.0.1.2
WANT=10000

sg_require_root
sg_require_cmd hping3 socat nft python3

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi
if ! sg_load; then
	echo "FAIL: insmod synguard"
	exit "$ksft_fail"
fi

setup_ns CLI SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
ip -n "$CLI" addr add 10.0.1.3/24 dev veth0

ip netns exec "$CLI" nft -f - <<EOF || { echo "FAIL: nft"; exit "$ksft_fail"; }
table inet sgtest {
	chain out {
		type filter hook output priority 0;
		tcp flags rst drop
	}
}
EOF

ip netns exec "$SRV" socat -t 10 "TCP4-LISTEN:$PORT,bind=$SRV_IP,reuseaddr,fork,backlog=1024" \
	PIPE &
if ! sg_wait_listen "$SRV" "$PORT"; then
	echo "FAIL: listener in $SRV"
	exit "$ksft_fail"
fi

ctl() { "$CTL" -n "$SRV" "$@"; }

current()
{
	ctl stats | awk '$1 == "halfopen_current" { print $2 }'
}

if ! ctl set mode monitor table_size 65536 halfopen_timeout 600000 \
	source_limit 1048576 halfopen_high 1048576; then
	echo "FAIL: synguardctl set"
	exit "$ksft_fail"
fi

# A burst may lose a few SYNs on the way; top up from fresh source ports.
sport=1024
for ((try = 0; try < 4; try++)); do
	have=$(current)
	((have >= WANT)) && break
	n=$((WANT - have + 100))
	ip netns exec "$CLI" hping3 -q -S -p "$PORT" -s "$sport" -c "$n" \
		-i u100 "$SRV_IP" >/dev/null 2>&1
	sport=$((sport + n + 10))
done
have=$(current)
ip netns exec "$CLI" python3 "$(dirname "$0")/pkt.py" syn 10.0.1.3 \
	"$SRV_IP" "$PORT" --count 50 --sport 40000 --interval 0.001 ||
	sg_fail "pkt.py: 50 SYNs from 10.0.1.3"
# The veth delivers them after pkt.py returns: wait until all 50 are
# tracked (5 s at most: one lost on the way shows in the count below).
all_50() { (($(current) >= have + 50)); }
busywait 5000 all_50

total=$(current)
sg_check "$total half-open entries tracked (want $WANT and more)" \
	test "$total" -gt "$WANT"

out="$SG_TMPDIR/halfopen.json"
if ! ctl -j halfopen >"$out"; then
	sg_fail "synguardctl -j halfopen"
	exit $ret
fi
after=$(current)
read -r n uniq from1 from3 <<<"$(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
t = {(x["saddr"], x["sport"], x["daddr"], x["dport"]) for x in e}
print(len(e), len(t), sum(1 for x in e if x["saddr"] == "10.0.1.1"),
      sum(1 for x in e if x["saddr"] == "10.0.1.3"))' "$out")"
sg_check "the dump holds every entry ($n of $total..$after)" \
	test "$n" -ge "$total" -a "$n" -le "$after"
sg_check "no entry twice ($uniq distinct)" test "$uniq" -eq "$n"
# A SYN or two of the 50 may be lost on the way under TCG.
sg_check "both sources in the dump ($from1 + $from3)" \
	test "$from3" -ge 40 -a "$from3" -le 50 -a $((from1 + from3)) -eq "$n"

lines=$(ctl halfopen | wc -l)
sg_check "the text dump has as many lines ($lines)" test "$lines" -eq "$n"

top=$(ctl sources top 2)
echo "$top"
first=$(echo "$top" | awk 'NR == 1 { print $1 " " $2 }')
second=$(echo "$top" | awk 'NR == 2 { print $1 " " $2 }')
sg_check "sources top 2: 10.0.1.1/32 first" test "$first" == "10.0.1.1/32 $from1"
sg_check "sources top 2: 10.0.1.3/32 second" \
	test "$second" == "10.0.1.3/32 $from3"
sg_check "sources top 2 prints two lines" \
	test "$(echo "$top" | wc -l)" -eq 2
sg_check "-j sources parses and sums to the total" \
	test "$(ctl -j sources | python3 -c '
import json, sys
print(sum(x["count"] for x in json.load(sys.stdin)))')" -eq "$n"

ctl set prefix4 24 || sg_fail "set prefix4 24"
sg_check "with prefix4 24 the sources merge into 10.0.1.0/24" \
	test "$(ctl sources | awk '{ print $1, $2 }')" == "10.0.1.0/24 $n"

exit $ret
