#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 60
#
# What an unprivileged user may read: the settings, the counters and the
# per-port view, not other users' connections.
#
#   $CLI: veth0 10.0.1.1  ---- a few SYNs ---->  $SRV: veth0 10.0.1.2, socat
#
# nobody, without capabilities, in $SRV: show, stats and ports top work;
# halfopen (4-tuples, sequence numbers), sources (client addresses),
# backends and monitor (events name clients) are refused, saying that
# CAP_NET_ADMIN is needed. (netlink_userns.sh: in namespaces of its own,
# nobody may.)

source "$(dirname "$0")/lib.sh"

CTL=${SYNGUARD_CTL}
SRV_IP=10.0.1.2
PORT=9300

sg_setup_pair hping3 socat nft setpriv
ip netns exec "$SRV" socat "TCP4-LISTEN:$PORT,bind=$SRV_IP,reuseaddr,fork" PIPE &
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
sg_check "root sees the half-opens" \
	test "$("$CTL" -n "$SRV" halfopen | wc -l)" -ge 1

# nobody CMD...: synguardctl CMD as nobody in $SRV, no capabilities.
nobody()
{
	ip netns exec "$SRV" setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all "$CTL" "$@"
}

for cmd in show stats "ports top" "-j ports top 3"; do
	# shellcheck disable=SC2086 # words
	sg_check "nobody: $cmd works" nobody $cmd
done
sg_check "nobody: stats shows the SYNs" \
	test "$(nobody stats | awk '$1 == "syn_received" { print $2 }')" -ge 5
for cmd in halfopen sources "sources top 3" backends monitor; do
	# shellcheck disable=SC2086 # words
	if out=$(nobody $cmd 2>&1); then
		sg_fail "nobody: $cmd was allowed"
	else
		sg_check "nobody: $cmd refused ($out)" \
			grep -q 'Operation not permitted (needs CAP_NET_ADMIN)' <<<"$out"
	fi
done

exit "$ret"
