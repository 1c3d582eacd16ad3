#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tier: all
#
# Load and unload synguard while traffic flows.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1  <---->  $SRV: veth0 10.0.1.2 fd00:1::2
#
# A client keeps opening short connections to an echo server in $SRV (IPv4
# and IPv6) throughout. synguard is loaded while that loop runs and while a
# slow IPv4 stream is mid-transfer; it is unloaded while a slow IPv6 stream
# is mid-transfer. Both streams must arrive intact (sha256), every short
# connection must succeed, and so must bulk transfers both ways while the
# module is loaded and after it is gone.

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

ECHO_PORT=7000
CHUNKS=20	# 128 KiB each, one every 0.2 s: a stream takes 4 s or more
V4=10.0.1.2
V6=fd00:1::2

sg_require_root
sg_require_cmd socat ip ss sha256sum insmod rmmod python3

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

setup_ns CLI SRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth "$CLI" "$SRV" 1 || { echo "FAIL: veth setup"; exit "$ksft_fail"; }

# Echo servers, and the connectivity pre-check before anything of ours is
# involved.
ip netns exec "$SRV" socat -t 10 "TCP4-LISTEN:$ECHO_PORT,bind=$V4,reuseaddr,fork" PIPE &
ip netns exec "$SRV" socat -t 10 "TCP6-LISTEN:$ECHO_PORT,bind=[$V6],reuseaddr,fork" PIPE &
if ! sg_wait_listen "$SRV" "$ECHO_PORT" ||
	! busywait 5000 sg_tcp_connect "$CLI" "$V4" "$ECHO_PORT" ||
	! busywait 5000 sg_tcp_connect "$CLI" "$V6" "$ECHO_PORT"; then
	echo "FAIL: no connectivity between the namespaces before the test"
	exit "$ksft_fail"
fi
sg_pass "pre-check: TCP over IPv4 and IPv6 without synguard"

# The connection loop tags each attempt with the phase read from $phase.

phase="$SG_TMPDIR/phase"
conns="$SG_TMPDIR/conns"
echo pre >"$phase"
: >"$conns"
connect_loop()
{
	local p addr

	while [[ -s "$phase" ]]; do
		p=$(cat "$phase")
		for addr in "$V4" "$V6"; do
			if sg_tcp_connect "$CLI" "$addr" "$ECHO_PORT"; then
				echo "$p ok $addr" >>"$conns"
			else
				echo "$p fail $addr" >>"$conns"
			fi
		done
		sleep 0.3	# leave the CPU to the rest of the test
	done
}
connect_loop &
loop_pid=$!

count() { grep -c "^$1 $2 " "$conns"; }
has_conns() { (($(count "$1" ok) >= 2)); }

# slow_stream NAME ADDR PORT: start a slow transfer of a fresh file, client
# to server; sets stream_client to the sender's pid and stream_server to
# the receiver's.
slow_stream()
{
	local name=$1 addr=$2 port=$3 src="$SG_TMPDIR/$1" dst="$SG_TMPDIR/$1.got"

	sg_mkdata "$src" $((CHUNKS * 128))
	ip netns exec "$SRV" timeout 120 socat -u -T 30 \
		"$(sg_socat_listen "$addr" "$port")" "CREATE:$dst" &
	stream_server=$!
	sg_wait_listen "$SRV" "$port" || return 1
	# One process paces the chunks: under TCG every exec costs ~0.1 s.
	python3 -c '
import sys, time
with open(sys.argv[1], "rb") as f:
    while chunk := f.read(128 * 1024):
        sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        time.sleep(0.2)
' "$src" | ip netns exec "$CLI" timeout 120 socat -u -T 30 - \
		"$(sg_socat_addr "$addr" "$port")" &
	stream_client=$!
	# Flowing: some, not all, of the data is there.
	busywait 10000 test -s "$dst"
}

# stream_done NAME: wait for the stream, compare checksums.
stream_done()
{
	local name=$1 rc=0

	wait "$stream_client" || rc=1
	wait "$stream_server" || rc=1
	[[ "$(sha256sum <"$SG_TMPDIR/$name")" == \
		"$(sha256sum <"$SG_TMPDIR/$name.got" 2>/dev/null)" ]] || rc=1
	return "$rc"
}

busywait 20000 has_conns pre
sg_check "short connections succeed before load" has_conns pre

# --- load while the loop and an IPv4 stream run
if slow_stream stream4 "$V4" 8001; then
	sg_pass "IPv4 stream flowing before load"
else
	sg_fail "IPv4 stream flowing before load"
fi
if sg_load; then
	sg_pass "insmod synguard under traffic"
else
	sg_fail "insmod synguard under traffic"
	exit "$ret"
fi
echo loaded >"$phase"
sg_check "IPv4 stream still in progress when the module loaded" \
	kill -0 "$stream_client"
sg_check "IPv4 stream across load arrived intact (sha256)" \
	stream_done stream4

busywait 20000 has_conns loaded
sg_check "short connections succeed while loaded" has_conns loaded
sg_check "IPv4 bulk transfer both ways while loaded" \
	sg_tcp_transfer "$SRV" "$CLI" "$V4" 8002 512
sg_check "IPv6 bulk transfer both ways while loaded" \
	sg_tcp_transfer "$SRV" "$CLI" "$V6" 8002 512

# --- unload while the loop and an IPv6 stream run
if slow_stream stream6 "$V6" 8003; then
	sg_pass "IPv6 stream flowing before unload"
else
	sg_fail "IPv6 stream flowing before unload"
fi
if sg_unload; then
	sg_pass "rmmod synguard under traffic"
else
	sg_fail "rmmod synguard under traffic"
fi
echo post >"$phase"
sg_check "IPv6 stream still in progress when the module unloaded" \
	kill -0 "$stream_client"
sg_check "IPv6 stream across unload arrived intact (sha256)" \
	stream_done stream6
sg_check "$SG_SYSFS is gone after unload" test ! -e "$SG_SYSFS"

busywait 20000 has_conns post
sg_check "short connections succeed after unload" has_conns post
sg_check "IPv4 bulk transfer both ways after unload" \
	sg_tcp_transfer "$SRV" "$CLI" "$V4" 8004 256

: >"$phase"
wait "$loop_pid"
fails=$(grep -c ' fail ' "$conns")
total=$(wc -l <"$conns")
if ((fails == 0)); then
	sg_pass "all $total short connections succeeded"
else
	sg_fail "$fails of $total short connections failed:"
	grep ' fail ' "$conns" | sort | uniq -c
fi

exit "$ret"
