#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# rules: 1 4
#
# Passive FTP through nf_conntrack_ftp behind a policy-drop firewall that
# admits the data connection as `ct state related` only. The helper reads
# the server's 227 (PASV) or 229 (EPSV) reply on the control connection
# and expects the data connection; its SYN is IP_CT_RELATED, and its
# unconfirmed entry holds the expectation it consumed. synguard leaves
# such a SYN to the kernel (syn_related): a cookie would free the entry
# and the expectation with it. The control connection is answered as any
# other, and must still get the helper.
#
#   $CLI: veth0 10.0.1.1 fd00:1::1   <---->   $SRV: veth0 10.0.1.2 fd00:1::2
#         curl (PASV over IPv4,                    vsftpd on 21 (anonymous,
#         EPSV over IPv6)                            passive 30000-30009)
#                                                  prerouting: ct helper
#                                                    "ftp" for port 21
#                                                  input, policy drop:
#                                                    established, related,
#                                                    ports 21 and 9999,
#                                                    ICMP
#                                                  an echo server on 9999
#
# The flood in auto aims at 9999: vsftpd's own backlog (32) would fill at
# once, and synguard answers a listener with a full queue without
# entering cookie mode. In cookie mode the control connection gets a
# cookie, as every port whose cookies are not known to come back does.

source "$(dirname "$0")/lib.sh"

sg_require_config CONFIG_NF_CONNTRACK_FTP CONFIG_NFT_CT
sg_setup_pair hping3 nft python3 insmod curl cmp
sg_require_cmd vsftpd
id ftp >/dev/null 2>&1 || sg_missing "no user ftp (the vsftpd package makes it)"
[[ -d /sys/module/nf_conntrack_ftp ]] || modprobe nf_conntrack_ftp ||
	{ echo "FAIL: modprobe nf_conntrack_ftp"; exit "$ksft_fail"; }

ip netns exec "$SRV" nft -f - <<NFT || { echo "FAIL: nft ruleset"; exit "$ksft_fail"; }
table inet fw {
	ct helper ftp-standard {
		type "ftp" protocol tcp
	}
	counter related_syns { }
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		tcp dport 21 ct helper set "ftp-standard"
	}
	chain input {
		type filter hook input priority filter; policy drop;
		ct state related tcp flags & (syn | ack) == syn counter name related_syns accept
		ct state established,related accept
		ct state invalid drop
		iif lo accept
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport { 21, 9999 } accept
	}
}
NFT

# vsftpd, standalone, dual-stack ("::" takes IPv4 too), anonymous
# download only, from a root of its own. A network namespace for each
# session (isolate_network) costs a lot under TCG and tells nothing here.
FTP_ROOT=$SG_TMPDIR/ftp
DATA=$FTP_ROOT/data
mkdir -p "$FTP_ROOT" "$SG_TMPDIR/empty" && sg_mkdata "$DATA" 256 &&
	chmod 755 "$FTP_ROOT" && chmod 644 "$DATA" ||
	{ echo "FAIL: the FTP root"; exit "$ksft_fail"; }
cat >"$SG_TMPDIR/vsftpd.conf" <<EOF
listen=NO
listen_ipv6=YES
listen_port=21
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$FTP_ROOT
local_enable=NO
write_enable=NO
port_enable=NO
pasv_enable=YES
pasv_min_port=30000
pasv_max_port=30009
connect_from_port_20=NO
secure_chroot_dir=$SG_TMPDIR/empty
isolate_network=NO
seccomp_sandbox=NO
xferlog_enable=NO
dirmessage_enable=NO
EOF
ip netns exec "$SRV" vsftpd "$SG_TMPDIR/vsftpd.conf" &
sg_wait_listen "$SRV" 21 || { echo "FAIL: vsftpd does not listen"; exit "$ksft_fail"; }
sg_echo_server "$SRV" 10.0.1.2 9999 ||
	{ echo "FAIL: no flood target"; exit "$ksft_fail"; }

# ftp_get ADDR [CURL_ARGS...]: one passive download of the file from the
# server at ADDR. Prints ok if it arrived intact, timeout, or error:RC
# (curl's exit status).
ftp_get()
{
	local got="$SG_TMPDIR/got.$RANDOM" rc

	ip netns exec "$CLI" curl -s --connect-timeout 5 --max-time 10 \
		"${@:2}" -o "$got" "ftp://$1/data"
	rc=$?
	if ((rc == 0)) && cmp -s "$DATA" "$got"; then
		echo ok
	elif ((rc == 28)); then
		echo timeout
	else
		echo "error:$rc"
	fi
	rm -f "$got"
}

cases()
{
	local r0 s0 r s

	if [[ "$SG_REGIME" != kernel ]]; then
		r0=$(sg_ns_counter "$SRV" syn_related)
		s0=$(sg_nft_counter "$SRV" fw related_syns)
	fi
	sg_case "passive FTP (PASV), IPv4" ok cookie "$SRV" \
		ftp_get 10.0.1.2 --disable-epsv
	sg_case "passive FTP (EPSV), IPv6" ok cookie "$SRV" \
		ftp_get "[fd00:1::2]"

	[[ "$SG_REGIME" != kernel ]] || return 0
	r=$(($(sg_ns_counter "$SRV" syn_related) - r0))
	s=$(($(sg_nft_counter "$SRV" fw related_syns) - s0))
	sg_check "$SG_REGIME: syn_related +$r, one for each of the $s data connection SYNs the firewall admitted as related" \
		test "$r" -eq "$s" -a "$s" -ge 2
}

sg_regimes cases "$SRV" "$CLI" 10.0.1.2 9999

exit $ret
