#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 1
#
# synguard answers only what the kernel would: a SYN the host's own
# firewall drops or sends elsewhere gets no cookie from it, and one that
# NAT sends to a local listener gets a SYN-ACK from where the client
# connected to.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1     <---->   $SRV: veth0 10.0.1.2 fd00:1::2
#         10.0.1.3 fd00:1::3 (admin)             input: port 2222 only from
#         10.0.1.4 fd00:1::4 (blocked)                  the admin address
#                                                raw: drop the blocked one
#                                                nat: 80 -> REDIRECT :8080,
#                                                     81 -> DNAT 10.9.9.9:8081
#
# Every case runs without synguard (what the kernel does), with
# mode=always, and with mode=auto under a flood (lib.sh: sg_regimes).

source "$(dirname "$0")/lib.sh"

sg_setup_pair hping3 nft python3 insmod
ip -n "$CLI" -batch - <<EOF || { echo "FAIL: addresses"; exit "$ksft_fail"; }
addr add 10.0.1.3/24 dev veth0
addr add 10.0.1.4/24 dev veth0
addr add fd00:1::3/64 dev veth0 nodad
addr add fd00:1::4/64 dev veth0 nodad
EOF
ip -n "$SRV" addr add 10.9.9.9/32 dev lo || { echo "FAIL: DNAT target"; exit "$ksft_fail"; }

ip netns exec "$SRV" nft -f - <<NFT || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
table inet fw {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 2222 ip saddr != 10.0.1.3 drop
		tcp dport 2222 ip6 saddr != fd00:1::3 drop
	}
}
table inet blocklist {
	chain pre {
		type filter hook prerouting priority raw;
		ip saddr 10.0.1.4 drop
		ip6 saddr fd00:1::4 drop
	}
}
table inet nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		tcp dport 80 redirect to :8080
		ip daddr 10.0.1.2 tcp dport 81 dnat ip to 10.9.9.9:8081
	}
}
NFT

# Dual-stack listeners ("::" takes IPv4 too), one bound to the DNAT target.
for port in 2222 8080; do
	sg_peer_serve "$SRV" :: "$port" ||
		{ echo "FAIL: no listener on $port"; exit "$ksft_fail"; }
done
sg_peer_serve "$SRV" 10.9.9.9 8081 ||
	{ echo "FAIL: no listener on 10.9.9.9:8081"; exit "$ksft_fail"; }
sg_echo_server "$SRV" 10.0.1.2 9999 ||
	{ echo "FAIL: no flood target"; exit "$ksft_fail"; }

cases()
{
	local fam srv cli admin blocked

	# Sources are given: IPv6 source selection may pick any of them.
	for fam in 4 6; do
		if ((fam == 4)); then
			srv=10.0.1.2 cli=10.0.1.1 admin=10.0.1.3 blocked=10.0.1.4
		else
			srv=fd00:1::2 cli=fd00:1::1 admin=fd00:1::3 blocked=fd00:1::4
		fi
		sg_case "filtered port, allowed source, IPv$fam" ok cookie "$SRV" \
			sg_probe "$CLI" "$srv" 2222 --bind "$admin"
		sg_case "filtered port, other source, IPv$fam" timeout - "$SRV" \
			sg_probe "$CLI" "$srv" 2222 --bind "$cli"
		sg_case "raw-table blocklist, IPv$fam" timeout - "$SRV" \
			sg_probe "$CLI" "$srv" 8080 --bind "$blocked"
		sg_case "REDIRECT 80 to 8080, IPv$fam" ok cookie "$SRV" \
			sg_probe "$CLI" "$srv" 80 --bind "$cli"
		sg_case "no listener, IPv$fam" refused - "$SRV" \
			sg_probe "$CLI" "$srv" 7 --bind "$cli"
	done
	sg_case "DNAT to a local address" ok cookie "$SRV" \
		sg_probe "$CLI" 10.0.1.2 81
}

sg_regimes cases "$SRV" "$CLI" 10.0.1.2 9999

exit $ret
