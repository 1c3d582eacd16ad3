#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 400
# rules: 2
#
# Bulk data through cookie connections arrives intact in both directions,
# over IPv4 and IPv6, with window scaling, SACK and timestamps on, and
# again with each turned off by sysctl on the server.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1  <---->  $SRV: veth0 10.0.1.2 fd00:1::2
#                                            synguard mode=always
#
# A window scale the kernel does not expect corrupts flow control
# silently, which is why every transfer is several megabytes and compared
# byte for byte. Each connection must cost exactly one cookie sent and one
# validated, and the kernel must count each as a cookie it accepted.

source "$(dirname "$0")/lib.sh"

PORT=9100
HERE=$(dirname "$0")
KB=2048

sg_require_root
sg_require_cmd socat nstat python3 insmod

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }
sg_load mode=always || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }

# kstat NAME: the server's TcpExt counter NAME (absolute).
kstat() { sg_nstat "$SRV" "$1"; }

# transfer_case LABEL SYSCTL=VALUE...: set the server sysctls, then move
# data both ways over IPv4 and IPv6 through cookie connections.
transfer_case()
{
	local label=$1 addr s0 v0 p0 r0 f0 sent valid recv failed tw

	shift
	ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_window_scaling=1 \
		net.ipv4.tcp_sack=1 net.ipv4.tcp_timestamps=1 "$@"
	for addr in 10.0.1.2 fd00:1::2; do
		s0=$(sg_counter cookies_sent)
		v0=$(sg_counter cookies_validated)
		p0=$(sg_counter syn_passed)
		r0=$(kstat TcpExtSyncookiesRecv)
		f0=$(kstat TcpExtSyncookiesFailed)
		sg_check "$label, $addr: ${KB} KiB each way intact" \
			sg_tcp_transfer "$SRV" "$CLI" "$addr" "$PORT" "$KB"
		sent=$(($(sg_counter cookies_sent) - s0))
		valid=$(($(sg_counter cookies_validated) - v0))
		recv=$(($(kstat TcpExtSyncookiesRecv) - r0))
		failed=$(($(kstat TcpExtSyncookiesFailed) - f0))
		# Two connections, one per direction. The handshake's ACK and
		# the first data segment both carry the cookie; when they are
		# processed on two CPUs at once, both find no socket yet and
		# both are checked, by synguard and by the kernel alike.
		if ((sent == 2 && valid >= 2 && valid <= 4)); then
			sg_pass "$label, $addr: 2 cookies sent, $valid validated"
		else
			# What synguard left to the kernel, and the server's
			# TIME_WAIT sockets a reused client port would meet.
			tw=$(ip netns exec "$SRV" ss -Htn state time-wait \
				"( sport = :$PORT )" | awk '{ printf " %s", $4 }')
			sg_fail "$label, $addr: $sent cookies sent, $valid validated (want 2, 2..4); syn_passed +$(($(sg_counter syn_passed) - p0)), TIME_WAIT from:${tw:- none}"
		fi
		if ((recv == valid && failed == 0)); then
			sg_pass "$label, $addr: the kernel accepted both cookies"
		else
			sg_fail "$label, $addr: kernel SyncookiesRecv +$recv, SyncookiesFailed +$failed"
		fi
	done
}

# Debian's 6.1 kernels before 6.1.0-55 do not export the IPv4 timestamp
# offset their cookie check subtracts (secure_tcp_ts_off()): there an IPv4
# cookie SYN-ACK carries no timestamp, and so, as the kernel's own cookie
# for a client that sends none, no window scaling, SACK or ECN either.
if grep -qw secure_tcp_seq_and_ts_off /proc/kallsyms; then
	V4_TS=1
else
	V4_TS=0
	sg_info "this kernel lacks secure_tcp_seq_and_ts_off(): IPv4 cookies go without timestamps"
fi

# options_agree LABEL ADDR [SERVER_ARGS...]: make one cookie connection
# and compare what both ends agreed on (TCP_INFO): each side must scale
# the other's window by the factor the other uses, timestamps, SACK and
# ECN (the client asks for it) must be on at both ends (off at both for
# IPv4 where V4_TS is 0), and the client must send segments no larger
# than the listener's MSS.
options_agree()
{
	local label=$1 addr=$2 s0 srv cli spid out="$SG_TMPDIR/srv.json"
	local ts=1

	[[ $addr == *.* ]] && ts=$V4_TS

	shift 2
	s0=$(sg_counter cookies_sent)
	ip netns exec "$SRV" python3 "$HERE/tcpinfo.py" server "$addr" \
		$((PORT + 1)) "$@" >"$out" &
	spid=$!
	sg_wait_listen "$SRV" $((PORT + 1))
	cli=$(ip netns exec "$CLI" python3 "$HERE/tcpinfo.py" client "$addr" \
		$((PORT + 1)))
	wait "$spid"
	srv=$(cat "$out")
	sg_check "$label, $addr: it is a cookie connection" \
		test $(($(sg_counter cookies_sent) - s0)) -eq 1
	if python3 - "$srv" "$cli" "${WANT_MSS:-0}" "$ts" <<'PY'; then
import json, sys
s, c, mss = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
ts = sys.argv[4] == "1"
ok = (s["snd_wscale"] == c["rcv_wscale"] and s["rcv_wscale"] == c["snd_wscale"]
      and s["wscale_ok"] == c["wscale_ok"]
      and all(bool(s[k]) == ts and bool(c[k]) == ts
              for k in ("ts", "sack", "ecn"))
      and (ts or not s["wscale_ok"])
      and (mss == 0 or c["snd_mss"] <= mss))
sys.exit(0 if ok else 1)
PY
		sg_pass "$label, $addr: both ends agree: server $srv, client $cli"
	else
		sg_fail "$label, $addr: the ends disagree: server $srv, client $cli"
	fi
}

ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_ecn=1
for addr in 10.0.1.2 fd00:1::2; do
	options_agree "defaults" "$addr"
	WANT_MSS=1000 options_agree \
		"listener with TCP_MAXSEG 1000, locked 32 KiB SO_RCVBUF" \
		"$addr" --mss 1000 --rcvbuf 32768
done

transfer_case "all options on"
SG_LISTEN_OPTS="mss=1000,rcvbuf=65536" \
	transfer_case "listener with TCP_MAXSEG 1000, locked 64 KiB SO_RCVBUF"
transfer_case "tcp_window_scaling=0" net.ipv4.tcp_window_scaling=0
transfer_case "tcp_sack=0" net.ipv4.tcp_sack=0
transfer_case "tcp_timestamps=0" net.ipv4.tcp_timestamps=0

exit $ret
