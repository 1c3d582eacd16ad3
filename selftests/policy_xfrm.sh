#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 1
#
# IPsec: the server requires ESP (transport mode, null encryption) for TCP
# from its subnet. A peer with a security association connects, and its
# cookie SYN-ACK must leave through the SA as well; a source without one
# is dropped by the kernel's policy check, and so gets no cookie either.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1 (SAs with $SRV)  <---->  $SRV: 10.0.1.2
#         10.0.1.3 fd00:1::3 (no SA, plain TCP)                   fd00:1::2

source "$(dirname "$0")/lib.sh"

sg_require_config CONFIG_XFRM_USER CONFIG_INET_ESP CONFIG_INET6_ESP \
	CONFIG_CRYPTO_NULL
sg_setup_pair hping3 python3 insmod
ip -n "$CLI" -batch - <<EOF || { echo "FAIL: addresses"; exit "$ksft_fail"; }
addr add 10.0.1.3/24 dev veth0
addr add fd00:1::3/64 dev veth0 nodad
EOF

# sas NS: the same four security associations on both ends.
sas()
{
	ip -n "$1" -batch - <<-EOF
		xfrm state add src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x100 mode transport enc cipher_null ""
		xfrm state add src 10.0.1.2 dst 10.0.1.1 proto esp spi 0x101 mode transport enc cipher_null ""
		xfrm state add src fd00:1::1 dst fd00:1::2 proto esp spi 0x200 mode transport enc cipher_null ""
		xfrm state add src fd00:1::2 dst fd00:1::1 proto esp spi 0x201 mode transport enc cipher_null ""
	EOF
}
if ! sas "$CLI" || ! sas "$SRV"; then
	echo "FAIL: security associations"
	exit "$ksft_fail"
fi
ip -n "$CLI" -batch - <<EOF || { echo "FAIL: client policies"; exit "$ksft_fail"; }
xfrm policy add src 10.0.1.1 dst 10.0.1.2 proto tcp dir out tmpl proto esp mode transport
xfrm policy add src 10.0.1.2 dst 10.0.1.1 proto tcp dir in tmpl proto esp mode transport
xfrm policy add src fd00:1::1 dst fd00:1::2 proto tcp dir out tmpl proto esp mode transport
xfrm policy add src fd00:1::2 dst fd00:1::1 proto tcp dir in tmpl proto esp mode transport
EOF
ip -n "$SRV" -batch - <<EOF || { echo "FAIL: server policies"; exit "$ksft_fail"; }
xfrm policy add src 10.0.1.2 dst 10.0.1.1 proto tcp dir out tmpl proto esp mode transport
xfrm policy add src 10.0.1.0/24 dst 10.0.1.2 proto tcp dir in tmpl proto esp mode transport
xfrm policy add src fd00:1::2 dst fd00:1::1 proto tcp dir out tmpl proto esp mode transport
xfrm policy add src fd00:1::/64 dst fd00:1::2 proto tcp dir in tmpl proto esp mode transport
EOF

sg_peer_serve "$SRV" :: 8080 || { echo "FAIL: no listener"; exit "$ksft_fail"; }
sg_echo_server "$SRV" 10.0.1.2 9999 || { echo "FAIL: no flood target"; exit "$ksft_fail"; }

cases()
{
	sg_case "peer with an SA, IPv4" ok cookie "$SRV" \
		sg_probe "$CLI" 10.0.1.2 8080 --bind 10.0.1.1
	sg_case "plain TCP where ESP is required, IPv4" timeout - "$SRV" \
		sg_probe "$CLI" 10.0.1.2 8080 --bind 10.0.1.3
	sg_case "peer with an SA, IPv6" ok cookie "$SRV" \
		sg_probe "$CLI" fd00:1::2 8080 --bind fd00:1::1
	sg_case "plain TCP where ESP is required, IPv6" timeout - "$SRV" \
		sg_probe "$CLI" fd00:1::2 8080 --bind fd00:1::3
}

sg_regimes cases "$SRV" "$CLI" 10.0.1.2 9999

exit $ret
