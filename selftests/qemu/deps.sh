# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The Debian packages the QEMU harness (check, demo, bench) needs, in one
# place. Source this file, then call synguard_install_deps [extra...].
# apt is skipped entirely when everything is already installed.

SYNGUARD_DEPS=(
	# guest kernels and what builds modules for them
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	dwarves make gcc libc6-dev
	# the VM and its initramfs
	qemu-system-x86 busybox-static cpio xz-utils kmod python3 python3-yaml
	# userspace tools, and what the selftests run inside the guest
	libmnl-dev pkg-config
	iproute2 nftables hping3 socat conntrack ethtool procps
	coreutils util-linux psmisc sparse
)

# synguard_missing_deps [extra...]: print the packages not installed.
synguard_missing_deps()
{
	local p status

	for p in "${SYNGUARD_DEPS[@]}" "$@"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || status=
		[[ "$status" == "install ok installed" ]] || echo "$p"
	done
}

# synguard_install_deps [extra...]: install what is missing, idempotently.
synguard_install_deps()
{
	local missing

	missing=$(synguard_missing_deps "$@")
	[[ -z "$missing" ]] && return 0

	echo "# installing:" "${missing//$'\n'/ }" >&2
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # one package per word
	apt-get update -q >&2 &&
		apt-get install -y -q --no-install-recommends $missing >&2
}
