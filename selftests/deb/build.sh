#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck source-path=SCRIPTDIR
#
# build.sh: the Debian packages, synguard-dkms and synguardctl (make deb).
# Installs what building them needs, copies the working tree as git sees
# it (uncommitted changes included, ignored files left out) to
# build/deb/synguard-VERSION, runs dpkg-buildpackage -b there and lintian
# on the result. The working tree is not touched.
#
# Everything lands in build/deb/: the .debs (and the debug symbols'
# -dbgsym .deb), the .changes and .buildinfo, build.log (dpkg-buildpackage)
# and lintian.log. The exit status is non-zero if the build failed, or if
# lintian reports an error or a warning that debian/ does not override.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$repo/build/deb"

# shellcheck source=../qemu/deps.sh
source "$repo/selftests/qemu/deps.sh"

# What building and checking the packages needs, and nothing of the QEMU
# harness's list.
deb_deps=(build-essential dpkg-dev debhelper dh-dkms lintian git libmnl-dev
	pkg-config)

# copy_tree DIR: the files git sees in the working tree (tracked, and
# untracked but not ignored) into DIR; the whole tree but build/ when it is
# not a git checkout.
copy_tree()
{
	local dir=$1

	mkdir -p "$dir" || return 1
	if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# A tracked file deleted in the working tree is left out.
		git -C "$repo" ls-files -z --cached --others --exclude-standard |
			tar -C "$repo" --null -T - --ignore-failed-read -cf - \
				2>/dev/null |
			tar -C "$dir" -xf -
	else
		tar -C "$repo" --exclude=./build --exclude-vcs -cf - . |
			tar -C "$dir" -xf -
	fi
}

# fail MSG [LOG]: say what failed, show the end of LOG, and stop.
fail()
{
	echo "deb: $1" >&2
	if [[ -n "${2:-}" && -f "$2" ]]; then
		tail -n 30 "$2" | sed 's/^/  /' >&2
		echo "deb: full log: ${2#"$repo"/}" >&2
	fi
	exit 1
}

cd "$repo" || exit 1
synguard_install_pkgs "${deb_deps[@]}" || fail "could not install the build dependencies"

# The version is module/version.h's; debian/changelog must agree (this
# fails early what debian/rules would fail after the copy).
debian/check-version || exit 1
version=$(make -s --no-print-directory version) || exit 1
src="$out/synguard-$version"

rm -rf "$out" && mkdir -p "$out" || exit 1
copy_tree "$src" || fail "could not copy the tree to ${src#"$repo"/}"

# -b: binary packages only (no orig tarball); -us -uc: unsigned. Niced:
# QEMU guests may share this machine's cores.
echo "deb: building synguard $version in ${out#"$repo"/}" \
	"(log: ${out#"$repo"/}/build.log)"
(cd "$src" && nice -n 10 dpkg-buildpackage -us -uc -b) \
	>"$out/build.log" 2>&1 ||
	fail "dpkg-buildpackage failed" "$out/build.log"
rm -rf "$src"

changes=("$out"/synguard_"$version"-*.changes)
[[ -f "${changes[0]}" ]] || fail "no .changes file in ${out#"$repo"/}"

# lintian over the .changes checks every .deb and the .buildinfo it lists.
# --info explains each tag; overridden tags are counted, not shown.
echo "deb: lintian (log: ${out#"$repo"/}/lintian.log)"
lintian --info --fail-on error,warning "${changes[0]}" >"$out/lintian.log" 2>&1
lint=$?
sed 's/^/  /' "$out/lintian.log"
((lint == 0)) || fail "lintian: errors or warnings not overridden in debian/"

for f in "$out"/*.deb; do
	echo "deb: ${f#"$repo"/}"
done
