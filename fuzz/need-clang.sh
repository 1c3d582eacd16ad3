#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# need-clang.sh [CLANG]: make sure CLANG (default clang) can build a
# libFuzzer target; install clang and libclang-rt-14-dev with apt-get if
# it cannot (CI starts on a fresh Debian 12).

set -uo pipefail

clang=${1:-clang}

can_fuzz()
{
	local dir rc

	command -v "$clang" >/dev/null 2>&1 || return 1
	dir=$(mktemp -d) || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
		'{ (void)d; (void)n; return 0; }' >"$dir/t.c"
	"$clang" -fsanitize=fuzzer,address,undefined -o "$dir/t" "$dir/t.c" \
		>/dev/null 2>&1
	rc=$?
	rm -rf "$dir"
	return "$rc"
}

can_fuzz && exit 0

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
	echo "need-clang.sh: $clang cannot build a libFuzzer target;" \
		"install clang and libclang-rt-14-dev (as root)" >&2
	exit 1
fi
echo "# installing clang libclang-rt-14-dev" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 &&
	apt-get install -y -q --no-install-recommends clang \
		libclang-rt-14-dev >&2 || exit 1
can_fuzz || {
	echo "need-clang.sh: $clang still cannot build a libFuzzer target" >&2
	exit 1
}
