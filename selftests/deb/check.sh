#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck source-path=SCRIPTDIR
#
# check.sh [install|remove]: the Debian packages on this machine (make
# deb-check; run as root, after make deb). Installs synguard-dkms and
# synguardctl from build/deb/, checks that DKMS built and installed
# synguard for every kernel under /lib/modules that has its headers (a
# build/ link), and that modinfo finds that module; then removes and
# purges both and checks that nothing they installed, nor anything DKMS
# made, is left. Nothing is loaded and no guest is booted.
#
# "install" stops after the install checks, leaving the packages for a
# guest to modprobe the DKMS-built module (the QEMU harness does); a later
# "remove" runs the removal checks against what "install" recorded.
#
# Environment:
#   SYNGUARD_DEB_KEEP=1   the same as "install"
#
# One TAP-ish line per check ("ok - ...", "not ok - ..."), then
# "deb-check: N passed, N failed"; the exit status is non-zero if a check
# failed. apt-get's output goes to build/deb/install.log and remove.log.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$repo/build/deb"
phase=${1:-all}
[[ -n "${SYNGUARD_DEB_KEEP:-}" && "$phase" == all ]] && phase=install
case "$phase" in
all | install | remove) ;;
*)
	echo "usage: check.sh [install|remove]" >&2
	exit 2
	;;
esac
pkgs=(synguard-dkms synguardctl)

passed=0 failed=0

# ok DESC / not_ok DESC [DETAIL...]: one result line, then each line of
# the details as a comment.
ok()
{
	echo "ok - $1"
	passed=$((passed + 1))
}

not_ok()
{
	echo "not ok - $1"
	shift
	(($#)) && printf '%s\n' "$@" | sed 's/^/#   /'
	failed=$((failed + 1))
}

# apt_get ARGS...: apt-get, waiting for another apt or dpkg to finish
# rather than failing; niced, as DKMS compiles on the cores QEMU guests
# may be using.
apt_get()
{
	DEBIAN_FRONTEND=noninteractive nice -n 19 \
		apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"
}

# installed PKG: true if dpkg knows PKG in any state but not-installed.
installed()
{
	local status

	status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)
	[[ -n "$status" && "$status" != not-installed ]]
}

# purge_left: purge those of our packages dpkg still knows.
purge_left()
{
	local p left=()

	for p in "${pkgs[@]}"; do
		installed "$p" && left+=("$p")
	done
	((${#left[@]} == 0)) || apt_get purge "${left[@]}"
}

# header_kernels: the releases under /lib/modules whose build/ link leads
# to headers, one a line.
header_kernels()
{
	local d

	for d in /lib/modules/*/; do
		d=${d%/}
		[[ -d "$d/build/include" ]] && echo "${d##*/}"
	done
}

# check_kernel KVER: DKMS says synguard is installed for KVER, and modinfo
# finds it there, built for KVER, at our version.
check_kernel()
{
	local k=$1 status file ver magic

	status=$(dkms status -m synguard -v "$version" -k "$k" 2>&1)
	if [[ "$status" == *": installed"* ]]; then
		ok "dkms: synguard/$version installed for $k"
	else
		not_ok "dkms: synguard/$version installed for $k" \
			"dkms status: ${status:-(nothing)}"
	fi

	file=$(modinfo -k "$k" -F filename synguard 2>/dev/null)
	ver=$(modinfo -k "$k" -F version synguard 2>/dev/null)
	magic=$(modinfo -k "$k" -F vermagic synguard 2>/dev/null)
	if [[ "$file" == "/lib/modules/$k/updates/dkms/synguard.ko"* &&
		"$ver" == "$version" && "$magic" == "$k "* ]]; then
		ok "modinfo -k $k: $file"
	else
		not_ok "modinfo -k $k synguard: the DKMS-built module" \
			"filename: ${file:-(none)}" "version: ${ver:-(none)}" \
			"vermagic: ${magic:-(none)}"
	fi
}

# check_gone LISTFILE: nothing dpkg -L listed is left, but directories
# other packages also own or that still hold others' files (/lib is a
# link to usr/lib on a merged-/usr system, and owned by no package); nor
# DKMS's tree or modules for synguard.
check_gone()
{
	local path left=()

	while IFS= read -r path; do
		[[ -e "$path" || -L "$path" ]] || continue
		if [[ -d "$path" ]] &&
			{ dpkg-query -S "$path" >/dev/null 2>&1 ||
				[[ -n "$(ls -A "$path/")" ]]; }; then
			continue
		fi
		left+=("$path")
	done <"$1"
	if ((${#left[@]} == 0)); then
		ok "every file the packages installed is gone"
	else
		not_ok "every file the packages installed is gone" \
			"${left[@]/#/left: }"
	fi

	left=()
	[[ -e /var/lib/dkms/synguard ]] && left+=(/var/lib/dkms/synguard)
	[[ -e "/usr/src/synguard-$version" ]] && left+=("/usr/src/synguard-$version")
	for path in /lib/modules/*/updates/dkms/synguard.ko*; do
		[[ -e "$path" ]] && left+=("$path")
	done
	if ((${#left[@]} == 0)); then
		ok "DKMS's tree and modules for synguard are gone"
	else
		not_ok "DKMS's tree and modules for synguard are gone" \
			"${left[@]/#/left: }"
	fi
}

if ((EUID != 0)); then
	echo "deb-check: run as root (it installs and removes packages)" >&2
	exit 1
fi

version=$(make -C "$repo" -s --no-print-directory version) || exit 1
list="$out/installed-files.txt"
kernels_file="$out/kernels.txt"

# remove_checks: remove and purge the packages, then check that nothing
# of them is left and no kernel finds the DKMS-built module any more.
remove_checks()
{
	local p k file
	local -a kernels

	mapfile -t kernels <"$kernels_file"
	# Without conffiles, removing leaves nothing to purge: apt-get
	# would not know the packages any more, so purge what is left only.
	if apt_get remove "${pkgs[@]}" >"$out/remove.log" 2>&1 &&
		purge_left >>"$out/remove.log" 2>&1; then
		ok "remove and purge ${pkgs[*]}"
	else
		not_ok "remove and purge ${pkgs[*]}" \
			"see build/deb/remove.log:" \
			"$(tail -n 5 "$out/remove.log")"
	fi
	for p in "${pkgs[@]}"; do
		if installed "$p"; then
			not_ok "$p is purged" \
				"$(dpkg-query -W -f='${db:Status-Abbrev}' "$p")"
		else
			ok "$p is purged"
		fi
	done
	check_gone "$list"
	for k in "${kernels[@]}"; do
		file=$(modinfo -k "$k" -F filename synguard 2>/dev/null)
		if [[ "$file" == */updates/dkms/* ]]; then
			not_ok "modinfo -k $k no longer finds the DKMS module" \
				"filename: $file"
		else
			ok "modinfo -k $k no longer finds the DKMS module"
		fi
	done
}

if [[ "$phase" == remove ]]; then
	if [[ ! -f "$list" || ! -f "$kernels_file" ]]; then
		echo "deb-check: no record of an install: run it with install first" >&2
		exit 1
	fi
	remove_checks
	echo "deb-check: $passed passed, $failed failed"
	((failed == 0))
	exit
fi

arch=$(dpkg --print-architecture)
debs=("$out"/synguard-dkms_"$version"-*_all.deb
	"$out"/synguardctl_"$version"-*_"$arch".deb)
for f in "${debs[@]}"; do
	if [[ ! -f "$f" ]]; then
		echo "deb-check: no ${f##*/} in build/deb: run make deb first" >&2
		exit 1
	fi
done

mapfile -t kernels < <(header_kernels)
printf '%s\n' "${kernels[@]}" >"$kernels_file"
echo "# synguard $version; kernels with headers: ${kernels[*]:-(none)}"
((${#kernels[@]})) ||
	echo "# no kernel has headers: DKMS will have nothing to build"

# Start from nothing: a reinstall would be an upgrade, for which dkms
# builds for the newest kernel only.
if installed synguard-dkms || installed synguardctl; then
	echo "# purging the synguard packages already installed"
	purge_left >"$out/remove.log" 2>&1
fi

# apt-get rather than dpkg -i: it brings dkms if it is missing.
if apt_get install --no-install-recommends "${debs[@]}" \
	>"$out/install.log" 2>&1; then
	ok "install ${debs[*]##*/}"
else
	not_ok "install ${debs[*]##*/}" "see build/deb/install.log:" \
		"$(tail -n 5 "$out/install.log")"
fi

for k in "${kernels[@]}"; do
	check_kernel "$k"
done

if synguardctl -V 2>/dev/null | grep -qx "synguardctl $version"; then
	ok "synguardctl -V: $version"
else
	not_ok "synguardctl -V: $version" \
		"got: $(synguardctl -V 2>&1 | head -n 1)"
fi

# dpkg -L separates packages with a blank line and lists the root as "/.".
dpkg -L "${pkgs[@]}" 2>/dev/null | grep -v -x -e '' -e '/\.' >"$list"
missing=()
while IFS= read -r path; do
	[[ -e "$path" || -L "$path" ]] || missing+=("$path")
done <"$list"
if [[ -s "$list" ]] && ((${#missing[@]} == 0)); then
	ok "every file dpkg -L lists is there ($(wc -l <"$list") paths)"
else
	not_ok "every file dpkg -L lists is there" \
		"${missing[@]/#/missing: }"
fi

if [[ "$phase" == install ]]; then
	echo "# not removed: install only, the packages stay installed"
else
	remove_checks
fi

echo "deb-check: $passed passed, $failed failed"
((failed == 0))
