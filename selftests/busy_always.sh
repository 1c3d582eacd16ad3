#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 2
#
# A busy day in `always`: every connection is a cookie connection, and
# completes and exchanges its data; cookies_rejected counts the forged
# ACKs and nothing else.
#
#   $CLI: veth0 10.0.1.1, netem  <---->  $SRV: veth0 10.0.1.2
#         clients from 10.0.9.0/24          legitload's echo server,
#         (AnyIP), $DELAY away with          backlog 4096
#         jitter (segments reordered)
#
# Each of the $RATE connections a second sends $BYTES bytes (several
# segments) and reads them back. The jitter lets a data segment overtake
# the ACK that completes its handshake, and segments of one connection
# may be taken in on both CPUs at once: the kernel alone would reset
# such a connection if it were a cookie connection, synguard drops the
# early segment (acks_unmatched) and TCP sends it again.
#
# The server has a conntrack firewall, as the servers synguard is for
# do: a late ACK of a connection that is gone (a retransmitted FIN's)
# is then known to conntrack, and goes to the kernel as it would without
# synguard. Without the module (the reference) every connection
# succeeds. With synguard in always every connection succeeds through a
# cookie, the load moves cookies_rejected not at all, and $FORGED forged
# ACKs move it by exactly $FORGED.

source "$(dirname "$0")/lib.sh"

PORT=8080
SRV_IP=10.0.1.2
RATE=200
RAMP=5
SECONDS_=10
BYTES=4000
FORGED=200

sg_setup_pair python3 tc nstat nft
DELAY=900ms
sg_busy_clients "$CLI" veth0 "$DELAY" 40ms ||
	{ echo "FAIL: client set-up"; exit "$ksft_fail"; }
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1
sg_ct_firewall "$SRV" || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
sg_busy_server "$SRV" "$SRV_IP" "$PORT" ||
	{ echo "FAIL: no listener"; exit "$ksft_fail"; }

load=("$CLI" "$SRV_IP" "$PORT" --rate "$RATE" --ramp "$RAMP" \
      --seconds "$SECONDS_" --bytes "$BYTES")
sg_busy_run "kernel alone" "${load[@]}"

# The forged ACKs as they reach the server, before synguard sees them.
ip netns exec "$SRV" nft -f - <<EOF ||
table inet sg_forged {
	counter acks {}
	chain pre {
		type filter hook prerouting priority -450;
		ip saddr 10.0.1.1 tcp dport $PORT counter name acks
	}
}
EOF
	{ echo "FAIL: nft counter"; exit "$ksft_fail"; }

sg_load mode=always || { sg_fail "insmod synguard mode=always"; exit "$ret"; }
r0=$(sg_nstat "$SRV" TcpExtSyncookiesRecv)
# sg_busy_run returns once the server has had the load's last segment.
sg_busy_run "synguard always" "${load[@]}"
r1=$(sg_nstat "$SRV" TcpExtSyncookiesRecv)
declare -A st
sg_ns_stats "$SRV" st
ip netns exec "$CLI" python3 "$SG_LIB_DIR/pkt.py" ack 10.0.1.1 "$SRV_IP" \
	"$PORT" --count "$FORGED"
# They are $DELAY on their way, behind netem: wait until all of them
# reached the server, and synguard counted as many.
forged_in() { (($(sg_nft_counter "$SRV" sg_forged acks) >= FORGED)); }
rejected_all()
{
	(($(sg_ns_counter "$SRV" cookies_rejected) >= st[cookies_rejected] + FORGED))
}
sg_check "synguard always: the $FORGED forged ACKs reached the server" \
	busywait 10000 forged_in
busywait 5000 rejected_all
rej1=$(sg_ns_counter "$SRV" cookies_rejected)
sg_info "cookies sent ${st[cookies_sent]}, validated ${st[cookies_validated]} (kernel: $((r1 - r0)) received), unmatched segments dropped ${st[acks_unmatched]}"
# Every SYN, a connection's first or its retransmission, got a cookie.
every_syn_cookie()
{
	((st[cookies_sent] == st[syn_received] &&
	  st[cookies_sent] >= SG_BUSY_TOTAL))
}
sg_check "synguard always: every SYN got a cookie (${st[cookies_sent]} sent for ${st[syn_received]} SYNs, $SG_BUSY_TOTAL connections)" \
	every_syn_cookie
# A segment validated here while the other CPU was creating its socket
# finds the socket in TCP: validated may exceed the kernel's count, by
# the few segments that raced their socket. The kernel checks no cookie
# synguard did not validate.
sg_check "synguard always: the kernel built every connection from a cookie ($SG_BUSY_OK connections, kernel $((r1 - r0)) received, synguard ${st[cookies_validated]} validated)" \
	sg_between "$((r1 - r0))" "$SG_BUSY_OK" "${st[cookies_validated]}"
sg_check "synguard always: ...and validated a few more at most (${st[cookies_validated]} for $SG_BUSY_OK)" \
	sg_between "${st[cookies_validated]}" "$SG_BUSY_OK" \
	$((SG_BUSY_OK + SG_BUSY_OK / 10))
sg_check "synguard always: the load made no cookies_rejected (${st[cookies_rejected]})" \
	test "${st[cookies_rejected]}" -eq 0
sg_check "synguard always: cookies_rejected $rej1, the $FORGED forged ACKs" \
	test "$rej1" -eq "$FORGED"

exit "$ret"
