#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 1
#
# An NFQUEUE rule ahead of synguard's hook: every packet to port 8080
# goes to a userspace program (nfqueue.py) and comes back with its
# verdict, from process context with bottom halves enabled, into the
# hooks after the queue's, synguard's among them. Under a flood to that
# port the half-open table is then used from both contexts on one CPU:
# lockdep (make check-debug) reports any lock taken unsafely.
#
#   $CLI: veth0 10.0.1.1  <---->  $SRV: veth0 10.0.1.2 fd00:1::2
#         hping3 flood             input: tcp dport 8080 queue num 3
#         peer.py connect          nfqueue.py 3 (accept), echo on 8080

source "$(dirname "$0")/lib.sh"

sg_require_config CONFIG_NFT_QUEUE CONFIG_NETFILTER_NETLINK_QUEUE
sg_setup_pair hping3 nft python3 insmod

if ! ip netns exec "$SRV" nft -f - <<NFT; then
table inet q {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 8080 queue num 3
	}
}
NFT
	echo "FAIL: the queue rule"
	exit "$ksft_fail"
fi

coproc NFQ { ip netns exec "$SRV" python3 "$SG_LIB_DIR/nfqueue.py" 3 2>&1; }
read -r -t 20 line <&"${NFQ[0]}"
[[ "$line" == bound ]] || { echo "FAIL: nfqueue.py: ${line:-no answer}"; exit "$ksft_fail"; }

sg_peer_serve "$SRV" :: 8080 || { echo "FAIL: no listener"; exit "$ksft_fail"; }

cases()
{
	sg_case "through NFQUEUE, IPv4" ok cookie "$SRV" \
		sg_probe "$CLI" 10.0.1.2 8080 --timeout 6
	sg_case "through NFQUEUE, IPv6" ok cookie "$SRV" \
		sg_probe "$CLI" fd00:1::2 8080 --timeout 6
}

# The flood goes to the queued port itself.
sg_regimes cases "$SRV" "$CLI" 10.0.1.2 8080

# The queue's own count of the packets it took (id_sequence): the flood
# did go through userspace.
# shellcheck disable=SC2016 # awk's $1 and $8
queued=$(ip netns exec "$SRV" awk '$1 == 3 { print $8 }' /proc/net/netfilter/nfnetlink_queue)
if ((${queued:-0} > 1000)); then
	sg_pass "the flood went through the queue ($queued packets)"
else
	sg_fail "only ${queued:-0} packets went through the queue"
fi

exit $ret
