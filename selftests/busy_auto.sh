#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 2
#
# A busy day is not a flood: `auto` sends no cookie to legitimate load
# that today's watermark alone would have taken for one.
#
#   $CLI: veth0 10.0.1.1, netem  <---->  $SRV: veth0 10.0.1.2
#         clients from 10.0.9.0/24          legitload's echo server,
#         (AnyIP), $DELAY away               backlog 4096
#
# tools/legitload opens $RATE connections a second (reached over $RAMP s)
# for $SECONDS s, each from the next of 254 sources, each exchanging
# data. At that rate and round trip the server holds more than
# halfopen_high (128) half-opens without any attack.
#
# Without the module: the kernel serves every connection without a
# cookie (the reference). With synguard in auto: every connection
# succeeds, no cookie is sent, cookie mode never starts, and the
# half-opens tracked did reach 140 or more, and no more than the clients
# had waiting for a SYN-ACK at once.

source "$(dirname "$0")/lib.sh"

PORT=8080
SRV_IP=10.0.1.2
RATE=200
RAMP=5
SECONDS_=10
DELAY=900ms

sg_setup_pair tc nstat
sg_busy_clients "$CLI" veth0 "$DELAY" ||
	{ echo "FAIL: client set-up"; exit "$ksft_fail"; }
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1
sg_busy_server "$SRV" "$SRV_IP" "$PORT" ||
	{ echo "FAIL: no listener"; exit "$ksft_fail"; }

# trace: a line every half second, shown if cookie mode started.
trace()
{
	local c v

	while :; do
		echo -n "$EPOCHREALTIME:"
		for c in halfopen_current halfopen_completed handshake_ms \
			 cookies_sent; do
			read -r v <"$SG_SYSFS/stats/$c"
			echo -n " $c $v"
		done
		echo
		sleep 0.5
	done >"$SG_TMPDIR/trace"
}

load=("$CLI" "$SRV_IP" "$PORT" --rate "$RATE" --ramp "$RAMP" \
      --seconds "$SECONDS_")
sg_busy_kernel "$SRV" "${load[@]}"

sg_load || { sg_fail "insmod synguard"; exit "$ret"; }
trace &
tracer=$!
sg_busy_peak "synguard auto" "${load[@]}"
kill "$tracer"
# The counts below are exact: every handshake tracked must be over.
sg_check "synguard auto: no half-open left tracked" \
	busywait 10000 sg_busy_untracked "$SRV"
declare -A st
sg_ns_stats "$SRV" st
sg_info "$("$SYNGUARD_CTL" -n "$SRV" show | grep -E 'cookie mode|half-open')"
sg_busy_peak_check "synguard auto"
sg_check "synguard auto: no cookie sent (${st[cookies_sent]})" \
	test "${st[cookies_sent]}" -eq 0
sg_check "synguard auto: cookie mode never started (${st[cookie_mode_entries]})" \
	test "${st[cookie_mode_entries]}" -eq 0 || cat "$SG_TMPDIR/trace"
sg_check "synguard auto: every handshake tracked completed (${st[halfopen_completed]} of ${st[halfopen_added]})" \
	test "${st[halfopen_completed]}" -eq "${st[halfopen_added]}" ||
	sg_info "$(for c in syn_received syn_passed halfopen_added \
		halfopen_completed halfopen_expired halfopen_reset table_full \
		source_limit_hits listener_full acks_unmatched; do
		echo -n "$c ${st[$c]} "; done)"

exit "$ret"
