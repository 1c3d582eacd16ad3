#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-fuzz.sh FUZZER SECONDS OUT: run the libFuzzer target for SECONDS,
# growing a working corpus in OUT/corpus from the seeds in corpus/ (which
# it never writes), and print one summary line. A crashing input is kept
# as OUT/crash-*; reproduce it with `FUZZER OUT/crash-...`.

set -uo pipefail

fuzzer=$1 secs=$2 out=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log="$out/fuzz.log"

mkdir -p "$out/corpus"
"$fuzzer" -max_total_time="$secs" -max_len=80 -timeout=10 \
	-dict="$here/tcpopt.dict" -print_final_stats=1 \
	-artifact_prefix="$out/" "$out/corpus" "$here/corpus" >"$log" 2>&1
rc=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
if ((rc == 0)); then
	echo "fuzz: ${runs:-?} inputs in ${secs}s, ${cov:-cov: ?}," \
		"$(find "$out/corpus" -type f | wc -l) in the working corpus," \
		"no failure (log: $log)"
else
	grep -E 'tcpopt_fuzz:|ERROR|SUMMARY|^artifact_prefix|Test unit written' \
		"$log" | head -n 20
	echo "fuzz: FAILED after ${runs:-?} inputs (exit $rc; log: $log)"
fi
exit "$rc"
