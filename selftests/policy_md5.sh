#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# rules: 1
#
# A TCP-MD5 listener (a BGP speaker) is left to the kernel: only the
# kernel can sign its SYN-ACKs. MD5 clients connect as they do without
# synguard, and clients without the key are refused as they are without
# it.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1   <---->   $SRV: veth0 10.0.1.2 fd00:1::2
#         peer.py connect --md5                    peer.py serve --md5 on
#                                                  179 (IPv4), 1179 (IPv6),
#                                                  an echo server on 9999

source "$(dirname "$0")/lib.sh"

KEY=synguard-bgp-secret

sg_require_config CONFIG_TCP_MD5SIG
sg_setup_pair hping3 python3 insmod

sg_peer_serve "$SRV" 10.0.1.2 179 --md5 "$KEY" --md5-peer 10.0.1.1 ||
	{ echo "FAIL: no IPv4 TCP-MD5 listener"; exit "$ksft_fail"; }
sg_peer_serve "$SRV" fd00:1::2 1179 --md5 "$KEY" --md5-peer fd00:1::1 ||
	{ echo "FAIL: no IPv6 TCP-MD5 listener"; exit "$ksft_fail"; }
sg_echo_server "$SRV" 10.0.1.2 9999 ||
	{ echo "FAIL: no flood target"; exit "$ksft_fail"; }

cases()
{
	sg_case "MD5 client, IPv4" ok kernel "$SRV" \
		sg_probe "$CLI" 10.0.1.2 179 --md5 "$KEY"
	sg_case "client without the key, IPv4" timeout - "$SRV" \
		sg_probe "$CLI" 10.0.1.2 179
	sg_case "MD5 client, IPv6" ok kernel "$SRV" \
		sg_probe "$CLI" fd00:1::2 1179 --md5 "$KEY"
	sg_case "client without the key, IPv6" timeout - "$SRV" \
		sg_probe "$CLI" fd00:1::2 1179
	# The same namespace still gets cookies for a listener without keys.
	sg_case "plain listener beside them" ok cookie "$SRV" \
		sg_probe "$CLI" 10.0.1.2 9999
}

sg_regimes cases "$SRV" "$CLI" 10.0.1.2 9999

exit $ret
