#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck source-path=SCRIPTDIR
#
# debug-kernel.sh: build the debug guest kernel of `make check-debug` from
# Debian's linux-source-6.12: tinyconfig plus selftests/qemu/debug.config
# (KASAN, kmemleak, lockdep, atomic-sleep and debug-objects checks, and
# everything the selftests use built in). Prints the kernel tree on stdout,
# to hand to check.sh; the rest goes to stderr.
#
# The tree is cached and rebuilt only when the source package or the
# config fragment changes.
#
# Environment:
#   SYNGUARD_DEBUG_KERNEL_CACHE=DIR   where the tree lives (default:
#                                     ${XDG_CACHE_HOME:-~/.cache}/synguard/debug-kernel)

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SYNGUARD_DEBUG_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/synguard/debug-kernel}
fragment="$here/debug.config"
tarball=/usr/src/linux-source-6.12.tar.xz
tree="$cache/linux-source-6.12"
image="$tree/arch/x86/boot/bzImage"

say() { echo "# $*" >&2; }
die() { echo "debug-kernel.sh: $*" >&2; exit 1; }

# check_config: every line of the fragment must have come out as written.
check_config()
{
	local line opt bad=0

	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) opt=${line%%=*} ;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% *}
			;;
		*) continue ;;
		esac
		# An option whose dependencies are unmet is as good as unset.
		if [[ "$line" == "#"* ]]; then
			grep -q "^$opt=" "$tree/.config" || continue
		else
			grep -qxF "$line" "$tree/.config" && continue
		fi
		echo "debug-kernel.sh: wanted '$line', got:" \
			"'$(grep -E "^$opt=|^# $opt is not set" "$tree/.config" ||
				echo "$opt absent")'" >&2
		bad=1
	done <"$fragment"
	return "$bad"
}

main()
{
	local version key start elapsed

	# Run from make, we do not want its flags in our own makes.
	unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL

	# shellcheck source=deps.sh
	. "$here/deps.sh"
	synguard_install_deps linux-source-6.12 flex bison bc libelf-dev \
		libssl-dev ||
		die "cannot install the packages the kernel build needs"

	mkdir -p "$cache"
	exec 8>"$cache/.lock"
	if ! flock -n 8; then
		say "another debug-kernel.sh is building in $cache; waiting for it"
		flock 8
	fi

	version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	key="linux-source-6.12 $version, fragment $(sha256sum <"$fragment" |
		cut -d' ' -f1)"
	if [[ -f "$image" && -f "$cache/build.stamp" &&
		"$(cat "$cache/build.stamp")" == "$key" ]]; then
		say "debug kernel up to date: $tree"
		echo "$tree"
		return 0
	fi
	rm -f "$cache/build.stamp"

	start=$SECONDS
	if [[ "$(cat "$cache/source.stamp" 2>/dev/null)" != "$version" ]]; then
		say "extracting linux-source-6.12 $version into $cache"
		rm -rf "$tree" "$cache/source.stamp"
		tar -xJf "$tarball" -C "$cache"
		echo "$version" >"$cache/source.stamp"
	fi

	say "configuring: tinyconfig + $fragment"
	make -C "$tree" -s tinyconfig >"$cache/config.log" 2>&1 ||
		die "make tinyconfig failed, see $cache/config.log"
	(cd "$tree" && scripts/kconfig/merge_config.sh -m .config "$fragment") \
		>>"$cache/config.log" 2>&1 ||
		die "merge_config.sh failed, see $cache/config.log"
	make -C "$tree" -s olddefconfig >>"$cache/config.log" 2>&1 ||
		die "make olddefconfig failed, see $cache/config.log"
	check_config || die "$fragment does not apply to this source"

	say "building with $(nproc) jobs (log: $cache/build.log)"
	if ! make -C "$tree" -j"$(nproc)" all >"$cache/build.log" 2>&1; then
		tail -n 30 "$cache/build.log" >&2
		die "kernel build failed, see $cache/build.log"
	fi
	echo "$key" >"$cache/build.stamp"
	elapsed=$((SECONDS - start))
	say "debug kernel $(cat "$tree/include/config/kernel.release") built" \
		"in $((elapsed / 60))m$((elapsed % 60))s: $tree"
	echo "$tree"
}

main "$@"
