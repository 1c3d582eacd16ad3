#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 420
# rules: 1 3
#
# Gateway mode against what is not a SYN flood, and taken away under one:
# a port DNATed to a backend behind a conntrack firewall.
#
#   $CLI: veth0 10.0.1.1  <-->  $HOST: eth0 10.0.1.2        <-->  $SRV: veth0 10.0.2.2
#         hping3 --flood              veth0 10.0.2.1                  default via 10.0.2.1
#         --rand-source               DNAT 8080 -> 10.0.2.2:80        echo on 80,
#         -SA, -A or -S               DNAT 8082 -> 10.0.2.2:82        tcpinfo.py on 82,
#                                                                     drops new non-SYNs
#                                     forward: ct state rules
#                                     nf_conntrack_max=512
#
# - A spoofed SYN-ACK flood and a spoofed ACK flood at the proxied port
#   (synguard in mode always) create no conntrack entries: the table
#   stays below 448, and holds little more than the legitimate
#   connections made meanwhile, which succeed. Without synguard the ACK
#   flood fills it: the backend drops new connections' packets that are
#   not SYNs (a common firewall rule) instead of resetting them, so the
#   entries conntrack picks up from the ACKs (nf_conntrack_tcp_loose)
#   stay. After the SYN-ACK flood a connection the gateway opens still
#   agrees with the backend on timestamps, SACK and window scaling.
# - rmmod under a SYN flood at the proxied port: no kernel warning,
#   synguard gone from lsmod and nf_synproxy_core's users back to what
#   they were, no conntrack entry left after a flush, and a fresh load
#   opens connections again.
# - Deleting the gateway's namespace under a SYN flood, with a connection
#   the gateway opened still streaming: no kernel warning, the
#   namespace's conntrack table empties (the namespace that is deleted
#   next goes away too, which it could not while conntrack waits for an
#   entry someone holds), rmmod works, and a new gateway is defended.

source "$(dirname "$0")/lib.sh"

HOST_IP=10.0.1.2
SRV_IP=10.0.2.2
LEGIT=10

sg_require_root
sg_require_cmd hping3 nft socat python3 conntrack insmod rmmod modinfo

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi

dmesg_mark=$(dmesg | wc -l)

# gateway_up: a new $HOST and $SRV, $HOST joined to $CLI, the echo
# server on $SRV. Sets HOST, SRV and SG_GW.
gateway_up()
{
	setup_ns HOST SRV && sg_veth_as "$CLI" "$HOST" 1 "$HOST" eth0 ||
		return 1
	busywait 5000 sg_link_up "$HOST" eth0 && sg_veth "$HOST" "$SRV" 2 &&
		ip -n "$HOST" route add default via 10.0.1.1 &&
		ip -n "$SRV" route add default via 10.0.2.1 &&
		ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1 &&
		sg_gw_wscales "$CLI" "$SRV" || return 1
	ip netns exec "$HOST" nft -f - <<-NFT || return 1
		table ip nat {
			chain pre {
				type nat hook prerouting priority dstnat;
				ip daddr $HOST_IP tcp dport 8080 dnat to $SRV_IP:80
				ip daddr $HOST_IP tcp dport 8082 dnat to $SRV_IP:82
			}
		}
		table ip filter {
			chain forward {
				type filter hook forward priority filter; policy drop;
				ct state established,related accept
				ct state invalid drop
				ip daddr $SRV_IP tcp dport { 80, 82 } ct state new accept
				ip saddr 10.0.2.0/24 ct state new accept
			}
		}
	NFT
	# The backend drops a new connection's packet that is not a SYN, as
	# the classic "! --syn -m state --state NEW -j DROP" does, rather
	# than answer it with a RST that would end the gateway's conntrack
	# entry for it at once.
	ip netns exec "$SRV" nft -f - <<-NFT || return 1
		table inet fw {
			chain input {
				type filter hook input priority filter; policy accept;
				ct state established,related accept
				ct state invalid drop
				tcp flags & (fin | syn | rst | ack) != syn ct state new drop
			}
		}
	NFT
	sg_echo_server "$SRV" "$SRV_IP" 80 || return 1
	SG_GW=$HOST
}

setup_ns CLI || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
gateway_up || { echo "FAIL: gateway set-up"; exit "$ksft_fail"; }
SG_GW_CLI=$CLI
SG_GW_FLOOD="$HOST_IP 8080"

# rmmod and the namespace's deletion take hooks away under flood.
sg_keep_hooks || { echo "FAIL: nft"; exit "$ksft_fail"; }

sg_gw_ct_max || { echo "FAIL: nf_conntrack_max"; exit "$ksft_fail"; }
cleanup()
{
	sg_gw_ct_restore
	sg_cleanup
}

# no_splat LABEL: PASS if the kernel logged no warning since the start.
no_splat()
{
	local splat

	splat=$(dmesg | tail -n +$((dmesg_mark + 1)) |
		grep -E 'WARNING:|BUG:|Oops|refcount_t:|Call Trace|general protection')
	if [[ -z "$splat" ]]; then
		sg_pass "$1: no kernel warning"
	else
		sg_fail "$1: the kernel says: $(head -n 3 <<<"$splat")"
	fi
}

# synproxy_users: nf_synproxy_core's users in /proc/modules (0 if it is
# not loaded).
synproxy_users()
{
	awk '$1 == "nf_synproxy_core" { n = $3 } END { print n + 0 }' \
		/proc/modules
}

# not_in_lsmod: synguard is not in lsmod's list.
not_in_lsmod() { ! lsmod | grep -q '^synguard '; }

# learn: connections without a flood to the echo server (8080) and to
# 82, so that synguard has learned the backend's options.
learn()
{
	sg_gw_learn "$1" "$HOST_IP" 8080 "$SRV"
	SG_LISTEN_OPTS="mss=$SG_GW_INFO_MSS" sg_echo_server "$SRV" "$SRV_IP" 82 ||
		sg_fail "$1: no listener on 82"
	sg_gw_learn "$1" "$HOST_IP" 8082 "$SRV"
	kill "$SG_ECHO_PID"
	wait "$SG_ECHO_PID" 2>/dev/null
}

# other_flood LABEL HPING3_FLAGS...: a spoofed flood of those flags at the
# proxied port, with $LEGIT legitimate connections meanwhile. Sets OK and
# PEAK (the conntrack table's).
other_flood()
{
	local label=$1 res

	shift
	sg_ct_flush "$HOST"
	sg_ct_watch "$HOST" "$SG_TMPDIR/peak"
	ip netns exec "$CLI" hping3 -q "$@" -p 8080 --flood --rand-source \
		"$HOST_IP" >/dev/null 2>&1 &
	SG_FLOOD_PID=$!
	sg_pause 3
	res=$(ip netns exec "$CLI" python3 "$SG_LIB_DIR/legit_client.py" \
		"$HOST_IP" 8080 --count "$LEGIT" --timeout 2)
	sg_flood_stop
	kill "$SG_CT_WATCH_PID"
	wait "$SG_CT_WATCH_PID" 2>/dev/null
	PEAK=$(<"$SG_TMPDIR/peak")
	OK=$(sg_json_int ok <<<"$res")
	OK=${OK:-0}
	sg_info "$label: $OK/$LEGIT legitimate connections, conntrack peak $PEAK/$SG_GW_CT_MAX"
}

# flood_checks LABEL: what other_flood measured: the flood left the
# table well below $SG_GW_CT_LIMIT and the legitimate clients connected.
flood_checks()
{
	if ((PEAK < SG_GW_CT_LIMIT)); then
		sg_pass "$1: conntrack peak $PEAK/$SG_GW_CT_MAX, below $SG_GW_CT_LIMIT"
	else
		sg_fail "$1: conntrack reached $PEAK/$SG_GW_CT_MAX"
	fi
	# Each legitimate connection leaves one entry (TIME_WAIT); the
	# flood's packets may hold a few in flight, unconfirmed.
	sg_check "$1: the flood created no conntrack entries (peak $PEAK, $LEGIT legitimate connections)" \
		test "$PEAK" -lt $((LEGIT + 32))
	sg_check "$1: $OK/$LEGIT legitimate connections succeed" \
		test "$OK" -ge $((LEGIT - 1))
}

sg_check "pre-check: the backend answers on $HOST_IP:8080" \
	sg_tcp_connect "$CLI" "$HOST_IP" 8080 || exit $ret

# --- SYN-ACK and ACK floods, without synguard. Conntrack finds a SYN-ACK
# that opens nothing invalid, and the firewall drops it: that flood
# leaves nothing, the kernel alone sees to it (asserted here, so that
# the same checks with synguard say synguard adds nothing). An ACK it
# takes for a connection it missed the start of
# (nf_conntrack_tcp_loose), and the backend, which drops it, never ends
# that entry: that flood fills the table.
other_flood "SYN-ACK flood, without synguard" -S -A
flood_checks "SYN-ACK flood, without synguard"
other_flood "ACK flood, without synguard" -A
if ((PEAK >= SG_GW_CT_LIMIT || OK < LEGIT - 1)); then
	sg_pass "ACK flood, without synguard: the flood wins (conntrack peak $PEAK, $OK/$LEGIT connected)"
else
	sg_fail "ACK flood, without synguard: conntrack peak $PEAK, $OK/$LEGIT connected: the case measures nothing"
fi
# The entries that flood left stay (the backend never ends them), and a
# full table drops most new connections, learning's among them.
sg_ct_flush "$HOST"

# --- and with synguard in auto
# load: synguard in auto, cookie mode kept on however slow a SYN flood
# (as sg_gw_protect_start).
load()
{
	sg_load mode=auto &&
		"$SYNGUARD_CTL" -n "$HOST" set syn_rate_low 1
}

users0=$(synproxy_users)
load || { sg_fail "insmod synguard"; exit $ret; }
learn "learning"
sg_gw_snap cookies_rejected acks_unmatched gateway_cookies gateway_opened \
	gateway_learned

# In mode always, where the port is proxied: every legitimate
# connection meanwhile gets a cookie, and the flood's packets come to a
# destination with cookies out.
# opened_checks LABEL: in mode always the gateway opened every
# legitimate connection that succeeded during other_flood, and no more
# than were tried.
opened_checks()
{
	local opened

	opened=$(sg_gw_delta gateway_opened)
	sg_check "$1: the gateway opened the legitimate connections (gateway_opened +${opened:-?}, $OK to $LEGIT wanted)" \
		sg_between "${opened:--1}" "$OK" "$LEGIT"
}

sg_gw_always "SYN-ACK and ACK floods"
other_flood "SYN-ACK flood, with synguard" -S -A
flood_checks "SYN-ACK flood, with synguard"
opened_checks "SYN-ACK flood, with synguard"
sg_info "SYN-ACK flood: gateway_learned +$(sg_gw_delta gateway_learned), gateway_cookies +$(sg_gw_delta gateway_cookies), gateway_opened +$(sg_gw_delta gateway_opened)"
# The SYN-ACKs came from the client's side: they taught synguard nothing
# about the backend.
sg_gw_snap gateway_opened
sg_gw_tcpinfo "after the SYN-ACK flood" "$HOST_IP" 8082 82 "$SRV:$SRV_IP"
opened=$(sg_gw_delta gateway_opened)
sg_check "after the SYN-ACK flood: the gateway opened that connection (+${opened:-?})" \
	test "${opened:-x}" = 1

sg_gw_snap cookies_rejected acks_unmatched gateway_opened
other_flood "ACK flood, with synguard" -A
flood_checks "ACK flood, with synguard"
opened_checks "ACK flood, with synguard"
sg_info "ACK flood: cookies_rejected +$(sg_gw_delta cookies_rejected), acks_unmatched +$(sg_gw_delta acks_unmatched)"
"$SYNGUARD_CTL" -n "$HOST" set mode auto || sg_fail "set mode auto"

# --- rmmod under a SYN flood at the proxied port
sg_gw_snap gateway_cookies
sg_flood_start "$CLI" "$HOST_IP" 8080
if sg_gw_has_counters; then
	sg_check "unload: the gateway answers the flood" \
		busywait 20000 sg_counter_above gateway_cookies \
		$((SG_GW_C0[gateway_cookies] + 500))
else
	sg_fail "unload: this synguard has no gateway mode (no stats/gateway_cookies)"
	sg_pause 3
fi
sg_check "unload: rmmod under the flood" sg_unload
sg_pause 2
sg_flood_stop
sg_check "unload: the sysfs directory is gone" test ! -e "$SG_SYSFS"
sg_check "unload: synguard is not in lsmod" not_in_lsmod
sg_check "unload: nf_synproxy_core has as many users as before ($users0, now $(synproxy_users))" \
	test "$(synproxy_users)" = "$users0"
# ct_flushed: a flush leaves the gateway's table empty (an entry held by
# a reference nobody drops stays counted).
ct_flushed()
{
	sg_ct_flush "$HOST"
	(($(sg_ct_count "$HOST") == 0))
}
sg_check "unload: no conntrack entry left after a flush" \
	busywait 10000 ct_flushed
no_splat "unload"
# While synguard was gone the flood reached the backend, whose firewall
# tracks connections: its table (nf_conntrack_max is global) is full of
# half-open entries for the next 60 s, and drops most new connections,
# with synguard or without. That is not what this checks.
sg_info "unload: the backend's conntrack table holds $(sg_ct_count "$SRV") entries; flushed"
sg_ct_flush "$SRV"

load || { sg_fail "unload: a fresh insmod"; exit $ret; }
learn "after the unload, learning"
sg_gw_always "after the unload"
got=$(sg_probe "$CLI" "$HOST_IP" 8080)
opened=$(sg_gw_delta gateway_opened)
sg_check "after the unload: a fresh load opens connections ($got, gateway_opened +${opened:-?})" \
	test "$got" = ok -a "${opened:-x}" = 1

# --- deleting the gateway's namespace under a SYN flood, in mode always
# and with a connection the gateway opened streaming through it
sg_gw_snap gateway_opened gateway_cookies
ip netns exec "$CLI" timeout 60 socat -u /dev/zero "TCP4:$HOST_IP:8080" \
	>/dev/null 2>&1 &
stream=$!
sg_flood_start "$CLI" "$HOST_IP" 8080
if sg_gw_has_counters; then
	busywait 20000 sg_counter_above gateway_cookies \
		$((SG_GW_C0[gateway_cookies] + 500)) ||
		sg_fail "netns: the gateway did not answer the flood"
else
	sg_pause 3
fi
opened=$(sg_gw_delta gateway_opened)
sg_check "netns: the gateway opened the streaming connection (+${opened:-?})" \
	test "${opened:-x}" = 1
# cli_veth_gone: $HOST's end of the veth is gone, and so $CLI's.
cli_veth_gone() { ! ip -n "$CLI" link show dev veth0 >/dev/null 2>&1; }
cleanup_ns "$HOST"
sg_check "netns: $HOST deleted under the flood" busywait 20000 cli_veth_gone
sg_flood_stop
kill "$stream" 2>/dev/null
wait "$stream" 2>/dev/null
# Namespaces are dismantled one batch after the other: one deleted now
# goes away only once conntrack has emptied $HOST's table.
setup_ns PROBE || sg_fail "netns: setup_ns"
tmp="sgp$(mktemp -u XXXXXX)"
ip link add "${tmp}a" netns "$PROBE" type veth peer name "${tmp}b" netns "$CLI" ||
	sg_fail "netns: probe veth"
cleanup_ns "$PROBE"
probe_gone() { ! ip -n "$CLI" link show dev "${tmp}b" >/dev/null 2>&1; }
sg_check "netns: $HOST's conntrack table emptied (the next namespace deleted went away)" \
	busywait 30000 probe_gone
no_splat "netns"
sg_check "netns: rmmod after the deletion" sg_unload
sg_check "netns: synguard is not in lsmod" not_in_lsmod
sg_check "netns: nf_synproxy_core has as many users as before ($users0, now $(synproxy_users))" \
	test "$(synproxy_users)" = "$users0"

# --- and a new gateway is defended
cleanup_ns "$SRV"
gateway_up || { sg_fail "a new gateway: set-up"; exit $ret; }
load || { sg_fail "a new gateway: insmod"; exit $ret; }
learn "a new gateway, learning"
sg_gw_always "a new gateway"
sg_gw_snap gateway_cookies
declare -A st0 st
sg_ns_stats "$HOST" st0
sg_flood_start "$CLI" "$HOST_IP" 8080
sg_check "a new gateway: it answers the flood with cookies" \
	busywait 20000 sg_counter_above gateway_cookies \
	$((SG_GW_C0[gateway_cookies] + 500))
got=$(sg_probe "$CLI" "$HOST_IP" 8080)
sg_flood_stop
opened=$(sg_gw_delta gateway_opened)
sg_check "a new gateway: under the flood a connection is opened ($got, gateway_opened +${opened:-?})" \
	test "$got" = ok -a "${opened:-x}" = 1
# all_cookied: in mode always, each SYN the new gateway received (the
# flood's and the probe's) got a cookie, once none is in flight: the
# two counts in st.
all_cookied()
{
	sg_ns_stats "$HOST" st &&
		((st[gateway_cookies] - st0[gateway_cookies] ==
		  st[syn_received] - st0[syn_received]))
}
busywait 5000 all_cookied
cookies=$((st[gateway_cookies] - st0[gateway_cookies]))
syns=$((st[syn_received] - st0[syn_received]))
sg_check "a new gateway: every one of the $syns SYNs it received got a cookie, at least 500 (gateway_cookies +$cookies)" \
	sg_between "$cookies" $((syns > 500 ? syns : 500)) "$syns"
no_splat "the end"

exit $ret
