# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The Debian packages the QEMU harness (check, demo, bench) needs, in one
# place. Source this file, then call synguard_install_deps [extra...].
# apt is skipped entirely when everything is already installed.

SYNGUARD_DEPS=(
	# guest kernels, the newest generic one of each series, and what
	# builds modules for them (the flavours and the oldest ABIs, when a
	# run names them: synguard_kernel_pkgs)
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	dwarves make gcc libc6-dev
	# the VM and its initramfs
	qemu-system-x86 busybox-static cpio xz-utils kmod python3 python3-yaml
	# userspace tools, and what the selftests run inside the guest
	libmnl-dev pkg-config
	iproute2 nftables hping3 socat conntrack ethtool procps tcpdump
	coreutils util-linux psmisc sparse
	# policy_ftp: a real FTP server and client
	vsftpd curl
	# synguardctl top under a terminal, the Prometheus output's parser,
	# and systemd-analyze for the units
	tmux python3-prometheus-client systemd
)

# synguard_missing PKG...: print those of the packages not installed.
synguard_missing()
{
	local p status

	for p in "$@"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || status=
		[[ "$status" == "install ok installed" ]] || echo "$p"
	done
}

# synguard_missing_deps [extra...]: print the harness's packages, and the
# extra ones, not installed.
synguard_missing_deps() { synguard_missing "${SYNGUARD_DEPS[@]}" "$@"; }

# synguard_install_pkgs PKG...: install those of the packages that are
# missing (apt-get update first), waiting for another apt or dpkg to end.
synguard_install_pkgs()
{
	local missing

	missing=$(synguard_missing "$@")
	[[ -z "$missing" ]] && return 0

	echo "# installing:" "${missing//$'\n'/ }" >&2
	export DEBIAN_FRONTEND=noninteractive
	# The guests boot our own initramfs. On a machine with no boot
	# loader (a container, a CI worker) nothing boots the host's
	# initrd either, and building one per kernel takes minutes.
	# shellcheck disable=SC2086 # one package per word
	apt-get update -q >&2 &&
		INITRD=$(synguard_host_initrd) \
		apt-get -o DPkg::Lock::Timeout=600 install -y -q \
			--no-install-recommends $missing >&2
}

# synguard_oldest_kernel SERIES: the image and headers packages of the
# oldest generic kernel of SERIES (6.1 or 6.12) that the archive still
# has both of: the oldest ABI a Debian 12 server may run. Found, not
# listed: the archive drops old ABIs.
synguard_oldest_kernel()
{
	local re rel

	case "$1" in
	6.1) re='6\.1\.0-[0-9]+' ;;
	6.12) re='6\.12\.[0-9]+\+deb12' ;;
	*) return 0 ;;
	esac
	# Without package lists (a fresh machine) there is nothing to search.
	apt-cache search --names-only "^linux-headers-$re-amd64\$" | grep -q . ||
		apt-get update -q >&2 || return 1
	for rel in $(apt-cache search --names-only \
		"^linux-headers-$re-amd64\$" | cut -d' ' -f1 |
		sed 's/^linux-headers-//' | sort -V); do
		if apt-cache show "linux-image-$rel" >/dev/null 2>&1; then
			echo "linux-image-$rel linux-headers-$rel"
			return 0
		fi
	done
}

# synguard_kernel_pkgs KVER...: the packages of the kernels that
# check.sh's KVER specs name beyond the newest generic ones (which
# SYNGUARD_DEPS has): SERIES-cloud, SERIES-rt, SERIES-oldest. A deb@
# prefix and a :TESTS suffix are ignored, and so are releases and kernel
# trees (installed already, or built here).
synguard_kernel_pkgs()
{
	local spec series part v

	for spec in "$@"; do
		spec=${spec#deb@}
		spec=${spec%%:*}
		series=${spec%%-*}
		[[ "$series" == 6.1 || "$series" == 6.12 ]] || continue
		v=
		[[ "$series" == 6.12 ]] && v=6.12-
		for part in ${spec#"$series"}; do
			case "$part" in
			*-cloud*) echo "linux-image-${v}cloud-amd64 linux-headers-${v}cloud-amd64" ;;&
			*-rt*) echo "linux-image-${v}rt-amd64 linux-headers-${v}rt-amd64" ;;&
			*-oldest*) synguard_oldest_kernel "$series" ;;
			esac
		done
	done
}

# synguard_install_deps [extra...]: install what the harness needs, and
# the extra packages (synguard_kernel_pkgs's among them), idempotently.
synguard_install_deps()
{
	synguard_install_pkgs "${SYNGUARD_DEPS[@]}" "$@"
}

# synguard_host_initrd: "No" when no boot loader is installed, so that
# kernel packages skip update-initramfs; else "Yes" (the kernel hooks'
# default).
synguard_host_initrd()
{
	local p

	for p in grub-common systemd-boot shim-signed extlinux; do
		if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == \
			"install ok installed" ]]; then
			echo Yes
			return
		fi
	done
	echo No
}
