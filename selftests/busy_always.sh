#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# A busy day in `always`: every connection is a cookie connection, and
# completes and exchanges its data; cookies_rejected counts the forged
# ACKs and nothing else.
#
#   $CLI: veth0 10.0.1.1, netem  <---->  $SRV: veth0 10.0.1.2
#         clients from 10.0.9.0/24          asyncio echo server,
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

sg_load mode=always || { sg_fail "insmod synguard mode=always"; exit "$ret"; }
r0=$(sg_nstat "$SRV" TcpExtSyncookiesRecv)
sg_busy_run "synguard always" "${load[@]}"
rej0=$(sg_ns_counter "$SRV" cookies_rejected)
ip netns exec "$CLI" python3 "$SG_LIB_DIR/pkt.py" ack 10.0.1.1 "$SRV_IP" \
	"$PORT" --count "$FORGED"
# They are $DELAY on their way, behind netem.
rejected_all() { (($(sg_ns_counter "$SRV" cookies_rejected) >= rej0 + FORGED)); }
busywait 10000 rejected_all
sleep 1
r1=$(sg_nstat "$SRV" TcpExtSyncookiesRecv)
declare -A st
sg_ns_stats "$SRV" st
sg_info "cookies sent ${st[cookies_sent]}, validated ${st[cookies_validated]} (kernel: $((r1 - r0)) received), unmatched segments dropped ${st[acks_unmatched]}"
sg_check "synguard always: every connection went through a cookie (${st[cookies_validated]} validated, $SG_BUSY_OK connections)" \
	test "${st[cookies_validated]}" -ge "$SG_BUSY_OK"
# A segment validated here while the other CPU was creating its socket
# finds the socket in TCP: validated may exceed the kernel's count.
sg_check "synguard always: the kernel built every connection from a cookie ($((r1 - r0)) received)" \
	test "$((r1 - r0))" -ge "$SG_BUSY_OK"
sg_check "synguard always: the load made no cookies_rejected ($rej0)" \
	test "$rej0" -eq 0
sg_check "synguard always: cookies_rejected ${st[cookies_rejected]}, the $FORGED forged ACKs" \
	test "${st[cookies_rejected]}" -eq "$FORGED"

exit "$ret"
