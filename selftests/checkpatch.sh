#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh (make style): the kernel's checkpatch.pl --strict over the
# module's sources. checkpatch.pl comes from Debian's linux-source-6.12,
# installed if missing and unpacked once into a cache outside the tree.
# Exits non-zero on any report but the few listed in known[] below.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/synguard/checkpatch

# Reports checkpatch makes of the X-macros that keep the counters, their
# sysfs names and their uAPI attributes in one list (stats.h): a table of
# X(upper, lower) expansions is not a statement-like macro.
known=(
	"module/stats.h:COMPLEX_MACRO"
	"module/stats.h:MACRO_ARG_REUSE"
	"module/stats.h:MACRO_ARG_UNUSED"
	"module/sysfs.c:BRACKET_SPACE"
	"module/netlink.c:TRAILING_SEMICOLON"
)

# fetch: scripts/checkpatch.pl and the files it reads, into the cache.
fetch()
{
	local tarball=/usr/src/linux-source-6.12.tar.xz

	[[ -x "$cache/scripts/checkpatch.pl" ]] && return 0
	# shellcheck source=qemu/deps.sh
	source "$here/qemu/deps.sh"
	synguard_install_pkgs linux-source-6.12 || return 1
	mkdir -p "$cache" &&
		tar -C "$cache" --strip-components=1 -xJf "$tarball" \
			--wildcards '*/scripts/checkpatch.pl' \
			'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
}

fetch || { echo "checkpatch.sh: cannot get checkpatch.pl" >&2; exit 1; }

cd "$repo" || exit 1
reports=0
while IFS= read -r line; do
	# module/x.c:12: WARNING:TYPE: message
	file=${line%%:*}
	type=${line#*: }
	type=${type#*:}
	type=${type%%:*}
	[[ " ${known[*]} " == *" $file:$type "* ]] && continue
	echo "$line"
	reports=$((reports + 1))
done < <("$cache/scripts/checkpatch.pl" --no-tree --strict --terse \
	--show-types -f module/*.c module/*.h 2>&1 | grep -E '^[^ ]+:[0-9]+: ')

echo "checkpatch: $reports report(s) beyond the ${#known[@]} known kinds"
((reports == 0))
