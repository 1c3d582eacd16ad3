#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 420
# rules: 2 4
#
# A cookie connection is the kernel's connection: the firewalls servers
# run meet the client's ACK as an established connection, with the zone
# and mark the SYN got, as they do without synguard. Each ruleset is
# loaded in the server's namespace in turn, and a client connects over
# IPv4 and IPv6 and has a line echoed: without synguard, with
# mode=always, and with mode=auto while a flood at the same port keeps
# cookie mode on. With synguard every connection must have gone through
# a cookie (cookies_validated moved).
#
#   $CLI: veth0 10.0.1.1 fd00:1::1   <---->   $SRV: veth0 10.0.1.2 fd00:1::2
#         peerprobe, hping3                       peer.py serve on 8080

source "$(dirname "$0")/lib.sh"

sg_setup_pair hping3 python3 conntrack nft insmod

sg_peer_serve "$SRV" 10.0.1.2 8080 &&
	sg_peer_serve "$SRV" fd00:1::2 8080 ||
	{ echo "FAIL: no listeners"; exit "$ksft_fail"; }

# The rulesets, as their guides write them. Every one accepts the
# neighbour discovery that IPv6 needs under a policy of drop.
ruleset()
{
	case $1 in
	new-not-syn)
		# "Drop new connections that do not start with a SYN."
		cat <<-EOF
			table inet t {
				chain input {
					type filter hook input priority filter;
					tcp flags & (fin|syn|rst|ack) != syn ct state new drop
				}
			}
		EOF
		;;
	tcp-loose-0)
		# With net.netfilter.nf_conntrack_tcp_loose=0 (below).
		cat <<-EOF
			table inet t {
				chain input {
					type filter hook input priority filter;
					ct state invalid drop
				}
			}
		EOF
		;;
	ufw)
		cat <<-EOF
			table inet t {
				chain input {
					type filter hook input priority filter; policy drop;
					iif lo accept
					ct state invalid drop
					ct state related,established accept
					icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
					icmp type echo-request accept
					tcp dport 8080 accept
				}
			}
		EOF
		;;
	firewalld)
		# The shape of firewalld's own: zone dispatch, the public
		# zone with 8080/tcp added, reject for the rest.
		cat <<-EOF
			table inet t {
				chain filter_INPUT {
					type filter hook input priority filter + 10; policy accept;
					ct state { established, related } accept
					ct status dnat accept
					iifname "lo" accept
					ct state invalid drop
					jump filter_INPUT_ZONES
					reject with icmpx admin-prohibited
				}
				chain filter_INPUT_ZONES {
					goto filter_IN_public
				}
				chain filter_IN_public {
					jump filter_IN_public_pre
					jump filter_IN_public_allow
					meta l4proto { icmp, ipv6-icmp } accept
				}
				chain filter_IN_public_pre {
				}
				chain filter_IN_public_allow {
					tcp dport 22 ct state { new, untracked } accept
					tcp dport 8080 ct state { new, untracked } accept
				}
			}
		EOF
		;;
	limit)
		# The flood's sources are let in by a rule of their own: the
		# limit is the client network's.
		cat <<-EOF
			table inet t {
				chain input {
					type filter hook input priority filter; policy drop;
					ct state established,related accept
					icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
					ip saddr != 10.0.1.0/24 tcp dport 8080 accept
					tcp dport 8080 ct state new limit rate 50/second burst 20 packets accept
				}
			}
		EOF
		;;
	zone-mark)
		# A zone set in the raw table for the service, both ways, and
		# a connection mark; the new-not-SYN rule on top.
		cat <<-EOF
			table inet t {
				chain pre {
					type filter hook prerouting priority raw;
					tcp dport 8080 ct zone set 5
				}
				chain out {
					type filter hook output priority raw;
					tcp sport 8080 ct zone set 5
				}
				chain connmark {
					type filter hook prerouting priority mangle;
					tcp dport 8080 ct state new ct mark set 42
				}
				chain input {
					type filter hook input priority filter;
					ct state invalid drop
					tcp flags & (fin|syn|rst|ack) != syn ct state new drop
					ct zone != 5 tcp dport 8080 drop
				}
			}
		EOF
		;;
	esac
}

RULESETS="new-not-syn tcp-loose-0 ufw firewalld limit zone-mark"

# entry NS ADDR: one connection that stays up after its echo, and the
# conntrack entry the server's namespace holds for it: state, zone, mark
# and [ASSURED], or the probe's outcome if it failed.
entry()
{
	local out port e pid

	coproc PROBE { ip netns exec "$CLI" "$SYNGUARD_PEERPROBE" "$1" 8080 \
		--hold 5; }
	pid=$PROBE_PID
	read -r -t 10 out port <&"${PROBE[0]}"
	if [[ "$out" != ok ]]; then
		echo "${out:-timeout}"
		wait "$pid" 2>/dev/null
		return
	fi
	e=$(ip netns exec "$SRV" conntrack -L -p tcp --sport "$port" \
		--dport 8080 -f "$2" 2>/dev/null)
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[[ -n "$e" ]] || { echo "no-entry"; return; }
	echo "$(awk '{ print $4 }' <<<"$e")" \
		"$(grep -o 'zone=[0-9]*' <<<"$e" | head -1)" \
		"$(grep -o 'mark=[0-9]*' <<<"$e")" \
		"$(grep -o '\[ASSURED\]' <<<"$e")"
}

cases()
{
	local r

	for r in $RULESETS; do
		ruleset "$r" | ip netns exec "$SRV" nft -f - ||
			{ sg_fail "$r: nft"; continue; }
		[[ "$r" == tcp-loose-0 ]] && ip netns exec "$SRV" sysctl -qw \
			net.netfilter.nf_conntrack_tcp_loose=0
		sg_case "$r, IPv4" ok cookie "$SRV" \
			sg_probe "$CLI" 10.0.1.2 8080
		sg_case "$r, IPv6" ok cookie "$SRV" \
			sg_probe "$CLI" fd00:1::2 8080
		if [[ "$r" == zone-mark ]]; then
			sg_case "conntrack entry, IPv4" \
				"ESTABLISHED zone=5 mark=42 [ASSURED]" cookie \
				"$SRV" entry 10.0.1.2 ipv4
			sg_case "conntrack entry, IPv6" \
				"ESTABLISHED zone=5 mark=42 [ASSURED]" cookie \
				"$SRV" entry fd00:1::2 ipv6
		fi
		ip netns exec "$SRV" sysctl -qw \
			net.netfilter.nf_conntrack_tcp_loose=1
		ip netns exec "$SRV" nft flush ruleset
	done
}

sg_regimes cases "$SRV" "$CLI" 10.0.1.2 8080

exit $ret
