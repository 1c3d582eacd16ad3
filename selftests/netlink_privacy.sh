#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 60
#
# What an unprivileged user may read: the settings, the counters and the
# per-port view, not other users' connections.
#
#   $CLI: veth0 10.0.1.1  ---- a few SYNs ---->  $SRV: veth0 10.0.1.2, socat
#
# nobody, without capabilities, in $SRV: show, stats, ports top and the
# forward list work; halfopen (4-tuples, sequence numbers), sources
# (client addresses), backends and monitor (events name clients) are
# refused, saying that CAP_NET_ADMIN is needed, and so are changes to
# the forward list; where the kernel cannot refuse monitor, its events
# name no client. (netlink_userns.sh: in namespaces of its own,
# nobody may.)

source "$(dirname "$0")/lib.sh"

CTL=${SYNGUARD_CTL}
SRV_IP=10.0.1.2
PORT=9300

sg_setup_pair hping3 socat nft setpriv python3
ip netns exec "$SRV" socat -t 10 "TCP4-LISTEN:$PORT,bind=$SRV_IP,reuseaddr,fork" PIPE &
sg_wait_listen "$SRV" "$PORT" || { echo "FAIL: no listener"; exit "$ksft_fail"; }
sg_load || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }
"$CTL" -n "$SRV" set mode monitor || { echo "FAIL: set mode"; exit "$ksft_fail"; }
# Half-opens to hide: hping3's SYNs, the client's RSTs to the SYN-ACKs
# dropped.
ip netns exec "$CLI" nft -f - <<EOF || { echo "FAIL: nft"; exit "$ksft_fail"; }
table inet sgp {
	chain out {
		type filter hook output priority 0;
		tcp flags rst drop
	}
}
EOF
ip netns exec "$CLI" hping3 -q -S -p "$PORT" -c 5 -i u10000 "$SRV_IP" \
	>/dev/null 2>&1
# Five SYNs from five source ports; they stay tracked for 5 s
# (halfopen_timeout), long after the veth has delivered them.
halfopens() { "$CTL" -n "$SRV" halfopen | wc -l; }
five_halfopens() { (($(halfopens) == 5)); }
busywait 3000 five_halfopens
n=$(halfopens)
sg_check "root sees the 5 half-opens ($n)" test "$n" -eq 5

# nobody CMD...: synguardctl CMD as nobody in $SRV, no capabilities.
nobody()
{
	ip netns exec "$SRV" setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all "$CTL" "$@"
}

"$CTL" -n "$SRV" forward add 198.51.100.0/24 fd00:7::/64 ||
	{ echo "FAIL: forward add"; exit "$ksft_fail"; }
for cmd in show stats "ports top" "-j ports top 3" "forward list"; do
	# shellcheck disable=SC2086 # words
	sg_check "nobody: $cmd works" nobody $cmd
done
sg_check "nobody: forward list shows the list" \
	test "$(nobody forward list)" == "198.51.100.0/24 fd00:7::/64"
sg_check "nobody: stats shows the 5 SYNs" \
	test "$(nobody stats | awk '$1 == "syn_received" { print $2 }')" -eq 5
for cmd in halfopen sources "sources top 3" backends \
	"forward add 203.0.113.0/24" "forward del fd00:7::/64" "forward flush"; do
	# shellcheck disable=SC2086 # words
	if out=$(nobody $cmd 2>&1); then
		sg_fail "nobody: $cmd was allowed"
	else
		sg_check "nobody: $cmd refused ($out)" \
			grep -q 'Operation not permitted (needs CAP_NET_ADMIN)' <<<"$out"
	fi
done

sg_check "nobody changed no forward prefix" \
	test "$("$CTL" -n "$SRV" forward list)" == "198.51.100.0/24 fd00:7::/64"

# monitor: refused where the kernel can restrict the events group
# (GENL_MCAST_CAP_NET_ADMIN). Where it cannot, anyone may listen, and a
# source at its limit must then not be named: the count alone.
"$CTL" -n "$SRV" set source_limit 2 ||
	{ echo "FAIL: set source_limit"; exit "$ksft_fail"; }
events="$SG_TMPDIR/events"
nobody -j monitor >"$events" 2>"$SG_TMPDIR/monitor.err" &
monitor=$!
exited() { ! kill -0 "$monitor" 2>/dev/null; }
if busywait 5000 exited; then
	wait "$monitor"
	out=$(cat "$SG_TMPDIR/monitor.err")
	sg_check "nobody: monitor refused ($out)" \
		grep -q 'Operation not permitted (needs CAP_NET_ADMIN)' <<<"$out"
else
	sg_info "this kernel lets anyone join the events group"
	ip netns exec "$CLI" hping3 -q -S -p "$PORT" -c 5 -i u10000 \
		-s 2000 "$SRV_IP" >/dev/null 2>&1
	limited() { grep -q '"source_limit"' "$events"; }
	sg_check "nobody: monitor gets the source_limit event" \
		busywait 5000 limited
	kill -TERM "$monitor"
	wait "$monitor"
	sg_info "events: $(cat "$events")"
	sg_check "nobody: no event names a client" \
		python3 -c '
import json, sys
sys.exit(any("source" in json.loads(l) for l in open(sys.argv[1])))' \
		"$events"
fi

exit "$ret"
