#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-all.sh: build the module with W=1 for every Debian 12 kernel ABI
# whose headers the archive still has: the generic amd64 flavour of each
# 6.1 and 6.12 ABI, and the cloud-amd64 and rt-amd64 flavours of the
# oldest and newest of each series. The ABIs are found with apt-cache, not
# listed here: the archive drops old ones and adds new ones.
#
# Nothing is installed. Each headers package, its -common package and the
# linux-kbuild package it depends on are downloaded and unpacked into a
# cache, one tree per ABI; the tree's links to /usr/src are pointed back
# into it. Where the linux-kbuild version an ABI was built with is gone
# from the archive, the closest one its dependency allows is used, and
# said so.
#
# One line per kernel, "ok - build <release>" or "not ok - build
# <release>", then a summary. A build fails on any error, and on any
# warning from the module's own files or from modpost. Exits 1 if any
# failed. Logs go to build/build-all/<release>/build.log.
#
# Environment:
#   SYNGUARD_HEADERS_CACHE=DIR   where the trees live (default:
#                                ${XDG_CACHE_HOME:-~/.cache}/synguard/headers)
#   SYNGUARD_BUILD_JOBS=N        make -j for each build (default: 2)

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${SYNGUARD_HEADERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/synguard/headers}
builds="$repo/build/build-all"
jobs=${SYNGUARD_BUILD_JOBS:-2}
# A headers package: linux-headers-<abi>-<flavour>.
release_re='^(6\.1\.0-[0-9]+|6\.12\.[0-9]+\+deb12)-((cloud-|rt-)?amd64)$'

say() { echo "# $*"; }
die() { echo "build-all.sh: $*" >&2; exit 1; }

# releases: every headers release in the archive, oldest first.
releases()
{
	apt-cache search --names-only \
		"^linux-headers-${release_re#^}" | cut -d' ' -f1 |
		sed 's/^linux-headers-//' | sort -V
}

# select_releases: from releases on stdin, the generic flavour of every
# ABI, and the other flavours of the oldest and newest ABI of a series.
select_releases()
{
	local rel abi flavour key
	local -A first last
	local -a all

	mapfile -t all
	for rel in "${all[@]}"; do
		[[ "$rel" =~ $release_re ]] || continue
		abi=${BASH_REMATCH[1]}
		flavour=${BASH_REMATCH[2]}
		key="${abi%.*} $flavour"	# 6.1 or 6.12, and the flavour
		first[$key]=${first[$key]:-$rel}
		last[$key]=$rel
	done
	for rel in "${all[@]}"; do
		[[ "$rel" =~ $release_re ]] || continue
		abi=${BASH_REMATCH[1]}
		flavour=${BASH_REMATCH[2]}
		key="${abi%.*} $flavour"
		if [[ "$flavour" == amd64 || "$rel" == "${first[$key]}" ||
			"$rel" == "${last[$key]}" ]]; then
			echo "$rel"
		fi
	done
}

# field PKG NAME: a field of the package's candidate version.
field()
{
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		sed -n "s/^$2: //p" | head -n 1
}

# depends PKG NAME_RE: "name op version" (op and version may be empty)
# of the dependency of PKG whose name matches NAME_RE.
depends()
{
	field "$1" Depends | tr ',' '\n' | sed 's/^ *//; s/ *|.*//' |
		sed -nE "s/^($2)( \\(([<>=]+) ([^)]+)\\))?\$/\\1 \\3 \\4/p" |
		head -n 1
}

# kbuild_version NAME OP VERSION WANTED: the version of NAME to use: WANTED
# (the headers' own version) if the archive has it and the dependency
# allows it, else the oldest the archive has that the dependency allows.
kbuild_version()
{
	local name=$1 op=$2 version=$3 wanted=$4 v oldest=

	for v in $(apt-cache madison "$name" |
		awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -uV); do
		if [[ -n "$op" ]] &&
			! dpkg --compare-versions "$v" "$op" "$version"; then
			continue
		fi
		if [[ "$v" == "$wanted" ]]; then
			echo "$v"
			return
		fi
		oldest=${oldest:-$v}
	done
	[[ -n "$oldest" ]] && echo "$oldest"
}

# unpack ROOT NAME VERSION: download NAME=VERSION and unpack it into ROOT,
# once.
unpack()
{
	local root=$1 name=$2 version=$3 stamp tmp deb

	stamp="$root/.unpacked/$name=$version"
	[[ -f "$stamp" ]] && return 0
	tmp=$(mktemp -d)
	if ! (cd "$tmp" && apt-get download "$name=$version") \
		>"$tmp/download.log" 2>&1; then
		sed 's/^/# /' "$tmp/download.log"
		rm -rf "$tmp"
		return 1
	fi
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$root" || { rm -rf "$tmp"; return 1; }
	done
	rm -rf "$tmp"
	mkdir -p "$root/.unpacked"
	touch "$stamp"
}

# fix_links ROOT: the packages name /usr/src with absolute paths (the
# flavour's Makefile includes the -common one's, lib/modules/*/build links
# there); point them into ROOT instead. The scripts and tools links are
# relative, and find linux-kbuild in ROOT as they are.
fix_links()
{
	local root=$1 link

	rm -rf "$root/lib/modules"
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$root"/usr/src/linux-headers-*/Makefile
	while IFS= read -r -d '' link; do
		ln -sfn "$root$(readlink "$link")" "$link"
	done < <(find "$root/usr" -type l -lname '/usr/*' -print0)
}

# fetch REL: the tree for release REL; prints its KDIR. Notes go to stdout
# prefixed with '#', so the caller reads the last line.
fetch()
{
	local rel=$1 pkg=linux-headers-$1 abi version common kbuild root
	local name op dver kver

	[[ "$rel" =~ $release_re ]] || return 1
	abi=${BASH_REMATCH[1]}
	root="$cache/$abi"
	version=$(field "$pkg" Version)
	[[ -n "$version" ]] || { say "$pkg: not in the archive"; return 1; }

	common=$(depends "$pkg" 'linux-headers-[^ ]*-common[^ ]*')
	kbuild=$(depends "$pkg" 'linux-kbuild-[^ ]*')
	[[ -n "$common" && -n "$kbuild" ]] ||
		{ say "$pkg: no -common or linux-kbuild dependency"; return 1; }

	read -r name op dver <<<"$kbuild"
	kver=$(kbuild_version "$name" "$op" "$dver" "$version")
	[[ -n "$kver" ]] ||
		{ say "$pkg: no $name${op:+ ($op $dver)} in the archive"; return 1; }
	[[ "$kver" == "$version" ]] ||
		say "$rel: $name $version is not in the archive, using $kver"

	mkdir -p "$root"
	unpack "$root" "$pkg" "$version" || return 1
	read -r name op dver <<<"$common"
	unpack "$root" "$name" "${dver:-$version}" || return 1
	read -r name _ <<<"$kbuild"
	unpack "$root" "$name" "$kver" || return 1
	fix_links "$root"
	echo "$root/usr/src/$pkg"
}

# build REL KDIR: prints the problems found, if any; fails on them.
build()
{
	local rel=$1 kdir=$2 out="$builds/$1" log bad

	mkdir -p "$out"
	log="$out/build.log"
	if ! make -C "$repo" -j"$jobs" modules-for KDIR="$kdir" OUT="$out" \
		W=1 >"$log" 2>&1; then
		grep -E 'error|ERROR|\*\*\*' "$log" | head -n 20 | sed 's/^/# /'
		say "make failed, see $log"
		return 1
	fi
	# The module's own files, as the build's copy of the tree names them.
	bad=$(awk -v src="$out/src/" '
		(index($0, src) == 1 && / (warning|error): /) ||
		/^(WARNING|ERROR): modpost/' "$log")
	if [[ -n "$bad" ]]; then
		echo "$bad" | head -n 20 | sed 's/^/# /'
		say "warnings, see $log"
		return 1
	fi
}

# probes REL: the SG_HAVE_* flags the Kbuild probes set for REL.
probes()
{
	grep -ho 'SG_HAVE_[A-Z0-9_]*' "$builds/$1/src/module/.cookie.o.cmd" \
		2>/dev/null | sort -u | tr '\n' ' '
}

main()
{
	local rel kdir n=0 failed=() selected lines

	# Run from make, we do not want its flags in our own makes.
	unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL

	command -v apt-get >/dev/null || die "needs apt-get and dpkg-deb (Debian)"
	selected=$(releases | select_releases)
	[[ -n "$selected" ]] ||
		die "apt-cache knows no Debian 12 linux-headers packages (apt-get update?)"

	mkdir -p "$cache" "$builds"
	exec 8>"$cache/.lock"
	if ! flock -n 8; then
		say "another build-all.sh is using $cache; waiting for it"
		flock 8
	fi

	for rel in $selected; do
		n=$((n + 1))
		if ! lines=$(fetch "$rel"); then
			[[ -n "$lines" ]] && echo "$lines"
			echo "not ok - build $rel (headers not available)"
			failed+=("$rel")
			continue
		fi
		kdir=${lines##*$'\n'}
		[[ "$lines" == *$'\n'* ]] && echo "${lines%$'\n'*}"
		if build "$rel" "$kdir"; then
			echo "ok - build $rel"
			say "  probes: $(probes "$rel" | grep . || echo none)"
		else
			echo "not ok - build $rel"
			failed+=("$rel")
		fi
	done

	say "$n builds: $((n - ${#failed[@]})) ok, ${#failed[@]} not ok"
	if ((${#failed[@]})); then
		say "not ok: ${failed[*]}"
		exit 1
	fi
}

main "$@"
