#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck source-path=SCRIPTDIR
# timeout: 3600
#
# bench.sh: `make bench`. Boots a Debian kernel under QEMU (TCG) the way
# check.sh does, runs bench/run.py inside, and turns what it measured into
# bench/results.json, bench/results.md and bench/legit_success.png, and
# rewrites the figures in BENCHMARKS.md. That is for a full run
# (BENCH_RUNS >= 5, every defence, the busy-server rows, the gateway
# rows, the default vCPUs); any other run leaves them alone and reports
# into build/bench/<kver>/report/ (report-smpN/ with BENCH_SMP=N other
# than the default).
#
# The flood comes from the host: tools/synflood.c runs natively, at the
# guest's word (bench/hostflood.py, over a virtio-serial port), and
# writes into a QEMU hub that joins the server's and the client's virtio
# NICs. A generator inside a TCG guest costs as much per SYN as the
# server spends on it, and could never outrun it (BENCH_GEN=guest still
# does that, on veth).
#
# The same file is the guest's payload: check.sh's guest-init.sh runs
# selftests/<name>.sh, so the guest is booted with sg_tests=qemu/bench,
# and sg_bench=1 on its command line tells this script where it is.
#
# Environment (all optional):
#   KVER=6.12                  kernel series (or a full release) to boot
#   BENCH_RUNS=5               repetitions of every measurement
#   BENCH_DEFENCES="a b"       only these defences (names as in results.json,
#                              plus kernel_cookies_2 for tcp_syncookies=2,
#                              and the gateway rows' gw_none,
#                              gw_nft_synproxy, gw_synguard_auto, and,
#                              measured only if named, gw_synguard_always
#                              and gw_synguard_unlearned: always with the
#                              backend silent, so the published
#                              destination stays unlearned; CPU per SYN
#                              only); floor, the reference, is measured
#                              regardless
#   BENCH_SECS=2               seconds of legitimate clients per flood point
#   BENCH_CPU_SECS=3           seconds of flood per CPU-cost point
#   BENCH_LEGIT_RATE=25        legitimate connections a second
#   BENCH_LEGIT_TIMEOUT=2      seconds before a connection counts as failed
#   BENCH_CAPACITY_PPS=N       skip the calibration; take N as the kernel's
#                              capacity
#   BENCH_CPU_FRACTION=0.5     CPU cost is measured at this fraction of it
#   BENCH_CT_MAX=512           nf_conntrack_max for the conntrack variants
#   BENCH_MEMORY=1             measure bytes per half-open (0: skip)
#   BENCH_GEN=host             where the flood comes from: host or guest
#   BENCH_SMP, BENCH_MEM=2G    the guest's vCPUs (2: the server's and the
#                              rest; 3 with BENCH_GEN=guest) and memory.
#                              More vCPUs leave the layout as it is: the
#                              server's NIC (one queue) interrupts CPU 1,
#                              where its softirq time is measured, and
#                              everything the benchmark starts runs on
#                              the housekeeping CPU (0; 2 with
#                              BENCH_GEN=guest); the others only get what
#                              nothing pins. Its report goes to report-smpN/, and
#                              when report/results.json is there (a run
#                              with the default vCPUs) the CPU per SYN of
#                              the rows both have is set beside it
#   BENCH_BUSY=1               busy-server rows (issue 12): time to detect
#                              and recover, cookies under legitimate load
#                              only, for kernel_cookies and synguard_auto;
#                              0: skip them; only: nothing else (no memory,
#                              calibration only if needed for the rates)
#   BENCH_BUSY_RUNS=3          measure them in the first this many runs
#   BENCH_DETECT_RATES="a b"   flood rates (pps) for detect/recover;
#                              default 2000 and the CPU-cost rate
#   BENCH_DETECT_SECS=3        length of each of those floods
#   BENCH_POLL_MS=2            counter sampling period while timing them
#   BENCH_PROBE_MS=100         a probe connection this often after a flood
#   BENCH_RECOVER_MAX=60       seconds to wait for the end of cookie mode
#   BENCH_LOAD_RATE=300, BENCH_LOAD_SECS=8, BENCH_LOAD_DELAY_MS=500
#                              tools/legitload's rate, length and
#                              the client's netem delay (legitimate only)
#   BENCH_GATEWAY=1            gateway rows: a service this host DNATs and
#                              forwards to (a backend namespace, as a
#                              Docker container), the flood at the
#                              published port; CPU per SYN, capacity,
#                              legitimate success and the host's conntrack
#                              peak for no defence, nft synproxy and
#                              synguard's gateway mode (about 2.5 min a
#                              run); 0: skip them; only: nothing else
#                              (the floor apart: no memory, no busy rows,
#                              no other defence). The flood is the
#                              defences': random sources in 10.128.0.0/9,
#                              random source ports, all to the one
#                              published destination
#   BENCH_GW_SYNPROXY_CHAINS="input forward"
#                              the chains of the gateway's synproxy rule.
#                              An untracked SYN is never NATed: for a
#                              DNATed port it arrives at input, and with
#                              "forward" alone the host's own TCP resets
#                              it (every client fails)
#   BENCH_GUEST_SCRIPT=FILE    run this Python script in the guest instead
#                              of bench/run.py (for experiments; it can
#                              import run and reuse its pieces)
#
# Build products go to build/bench/ (apart from check.sh's build/<kver>/,
# so both can run from one tree); the guest's log is
# build/bench/<kver>/results/qemu/bench.log.
#
# The gateway's CPU per SYN for a learned and an unlearned destination,
# with 2 vCPUs and with 4 (the floor, calibration and 3 runs of the two
# rows; no memory, busy or other rows). Run the 2-vCPU one first: the
# 4-vCPU report sets its figures beside the 2-vCPU report's.
#
#   BENCH_GATEWAY=only BENCH_RUNS=3 \
#   BENCH_DEFENCES="gw_synguard_always gw_synguard_unlearned" make bench
#   BENCH_SMP=4 BENCH_GATEWAY=only BENCH_RUNS=3 \
#   BENCH_DEFENCES="gw_synguard_always gw_synguard_unlearned" make bench
#
# (BENCH_CAPACITY_PPS=<the first run's calibrated capacity> on the second
# floods both at the same rate.) Reports: build/bench/<kver>/report/ and
# build/bench/<kver>/report-smp4/ (results.md, results.json, raw.json);
# neither run is a full one, so neither touches BENCHMARKS.md or
# bench/results.json. The 4-vCPU run should have the machine's cores to
# itself: its idle vCPUs take ticks too (nohz=off), and the server's
# vCPU must not wait for them.

set -uo pipefail

bench_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_repo=$(cd "$bench_here/../.." && pwd)

# --- in the guest ----------------------------------------------------------
if grep -qw 'sg_bench=1' /proc/cmdline 2>/dev/null; then
	# BENCH_GUEST_SCRIPT: run another script instead (when developing).
	script=$(sed -n 's/^BENCH_GUEST_SCRIPT=//p' \
		"${SYNGUARD_RESULTS:-.}/bench.env" 2>/dev/null)
	exec python3 "${script:-$bench_repo/bench/run.py}"
fi

# --- on the host -----------------------------------------------------------

# check.sh's functions (resolve_kver, add_release, build_module,
# build_initramfs, splat_re, and the interrupt trap), without running its
# main.
# shellcheck disable=SC1090
source <(sed '/^main "\$@"$/d' "$bench_here/check.sh")
: "${splat_re:?check.sh no longer defines splat_re}"
here=$bench_here
repo=$bench_repo
build="$repo/build/bench"
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL

want=${KVER:-6.12}
gen=${BENCH_GEN:-host}
case "$gen" in
host) smp_default=2 ;;
guest) smp_default=3 ;;
*) echo "bench: BENCH_GEN is host or guest" >&2; exit 2 ;;
esac
smp=${BENCH_SMP:-$smp_default}
if ! [[ "$smp" =~ ^[1-9][0-9]*$ ]]; then
	echo "bench: BENCH_SMP is a number of vCPUs" >&2
	exit 2
fi
srv_nic=52:54:00:5b:00:02
cli_nic=52:54:00:5b:00:03
mem=${BENCH_MEM:-2G}
runs=${BENCH_RUNS:-5}
guest_limit=3600
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

flood_pid='' sockdir=''

die()
{
	echo "bench: $*" >&2
	exit 1
}

cleanup()
{
	[[ -n "$flood_pid" ]] && kill "$flood_pid" 2>/dev/null
	[[ -n "$sockdir" ]] && rm -rf "$sockdir"
}
trap cleanup EXIT

# shellcheck source=deps.sh
. "$here/deps.sh"
synguard_install_deps gnuplot-nox ||
	die "cannot install the packages the benchmark needs"

kver=$(resolve_kver "$want") || die "no installed kernel $want with headers"
add_release "$kver"
out="$build/$kver"
res="$out/results"
console="$out/console.log"
mkdir -p "$out"

echo "# bench: kernel $kver, $smp vCPUs, $runs run(s); log: $res/qemu/bench.log"
start=$SECONDS
# What the module under test is: the last commit to it, +dirty if the
# tree differs (the results name it; it may change between runs).
module_rev=$(git -C "$repo" log -1 --format=%h -- module include 2>/dev/null)
[[ -n "$(git -C "$repo" status --porcelain -- module include 2>/dev/null)" ]] &&
	module_rev+=+dirty
build_module "$kver" "$out" || die "module build failed, see $out/build.log"
# The guest reaches the host over 9p (the -virtfs shares below).
build_initramfs "$kver" "$out" 9p || die "cannot build the initramfs"
cc -O2 -Wall -o "$repo/build/synflood" "$repo/tools/synflood.c" \
	"$repo/tools/testtool.c" || die "cannot build tools/synflood.c"
cc -O2 -Wall -o "$repo/build/legitload" "$repo/tools/legitload.c" \
	"$repo/tools/testtool.c" || die "cannot build tools/legitload.c"
# synguardctl (the guest's init names tools/synguardctl): the unlearned
# gateway row reads the gateway's destinations with it. Without it that
# row's check rests on synguard's counters alone.
make -C "$repo/tools" synguardctl >"$out/tools.log" 2>&1 ||
	echo "# cannot build synguardctl (see $out/tools.log); going on without it"
echo "# built in $((SECONDS - start))s"

rm -rf "$res"
mkdir -p "$res/qemu"
# The guest mounts its results share here (guest-init.sh's fixed path).
mkdir -p "$repo/build/$kver/results"
: >"$console"
{
	env | grep -E '^BENCH_[A-Z0-9_]+=' |
		grep -v -E '^BENCH_(GEN|SRV_NIC|CLI_NIC|MODULE_REV)='
	echo "BENCH_GEN=$gen"
	echo "BENCH_MODULE_REV=${module_rev:-unknown}"
	echo "BENCH_SRV_NIC=$srv_nic"
	echo "BENCH_CLI_NIC=$cli_nic"
} | sort >"$res/bench.env"

cmdline=(
	console=ttyS0 panic_on_warn=1 oops=panic panic=-1
	hung_task_panic=1 softlockup_panic=1
	sysctl.kernel.panic_on_rcu_stall=1
	mitigations=off 8250.nr_uarts=1 rdinit=/init
	"sg_repo=$repo" sg_tests=qemu/bench "sg_timeout=$guest_limit" sg_bench=1
	# Ticks on idle CPUs too: /proc/stat then samples every state fairly.
	nohz=off
)
# shellcheck disable=SC2054 # commas inside QEMU option values
qemu=(
	qemu-system-x86_64 -accel tcg,thread=multi -cpu max
	-smp "$smp" -m "$mem"
	-nographic -nodefaults -no-user-config -no-reboot
	-monitor none -serial "file:$console"
	-kernel "/boot/vmlinuz-$kver" -initrd "$out/initramfs.cpio"
	-append "${cmdline[*]}"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$res,mount_tag=results,security_model=none,multidevs=remap"
	-device virtio-rng-pci
)
if [[ "$gen" == host ]]; then
	# Unix socket paths must be short: a private directory under /tmp.
	sockdir=$(mktemp -d "${TMPDIR:-/tmp}/sg-bench.XXXXXX")
	# shellcheck disable=SC2054
	qemu+=(
		-netdev "stream,id=gen,server=on,addr.type=unix,addr.path=$sockdir/qemu"
		-netdev hubport,id=hubgen,hubid=0,netdev=gen
		-netdev hubport,id=hubsrv,hubid=0
		-netdev hubport,id=hubcli,hubid=0
		-device "virtio-net-pci,netdev=hubsrv,mac=$srv_nic,rx_queue_size=1024"
		-device "virtio-net-pci,netdev=hubcli,mac=$cli_nic"
		-chardev "socket,id=ctl,path=$sockdir/ctl,server=on,wait=off"
		-device virtio-serial-pci
		-device virtserialport,chardev=ctl,name=synflood
	)
fi

start=$SECONDS
timeout -k 10 $((guest_limit + 300)) "${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 &
qemu_pid=$!
if [[ "$gen" == host ]]; then
	python3 "$repo/bench/hostflood.py" "$sockdir/ctl" "$sockdir/qemu" \
		"$repo/build/synflood" >"$out/hostflood.log" 2>&1 &
	flood_pid=$!
fi
tail -n +1 -F --pid="$qemu_pid" "$res/qemu/bench.log" 2>/dev/null &
tail_pid=$!
wait "$qemu_pid"
qemu_rc=$?
wait "$tail_pid"
qemu_pid='' tail_pid=''
[[ -n "$flood_pid" ]] && kill "$flood_pid" 2>/dev/null
echo "# guest: $((SECONDS - start))s"

status=0
if grep -a -q -E "$splat_re" "$console"; then
	echo "bench: kernel splat on the console:" >&2
	grep -a -n -E "$splat_re" "$console" | head -n 20 | sed 's/^/#   /' >&2
	status=1
fi
if ! grep -q '^ok 1 qemu/bench' "$res/tap.txt" 2>/dev/null; then
	echo "bench: the guest run failed (qemu exit $qemu_rc): $(cat "$res/tap.txt" 2>/dev/null)" >&2
	tail -n 20 "$console" | sed 's/^/#   /' >&2
	status=1
fi
[[ -f "$res/raw.json" ]] || die "no measurements (see $res/qemu/bench.log)"

# Only a full run replaces the recorded figures; any other goes to build/,
# one with other vCPUs than the default beside the default's.
report="$out/report"
against=()
if ((smp != smp_default)); then
	report="$out/report-smp$smp"
	[[ -f "$out/report/results.json" ]] &&
		against=(--against "$out/report/results.json")
elif ((runs >= 5)) && [[ -z "${BENCH_DEFENCES:-}" &&
	"${BENCH_BUSY:-1}" == 1 && "${BENCH_GATEWAY:-1}" == 1 &&
	-z "${BENCH_GW_SYNPROXY_CHAINS:-}" ]]; then
	report="$repo/bench"
fi
mkdir -p "$report"
cp "$res/raw.json" "$report/raw.json"
echo "# report in $report"
python3 "$repo/bench/report.py" "$res/raw.json" \
	--out "$report" --benchmarks "$repo/BENCHMARKS.md" "${against[@]}" \
	--smp "$smp" --load-start "$load_start" \
	--command "$(env | grep -E '^BENCH_[A-Z0-9_]+=' | sort | tr '\n' ' ')make bench${KVER:+ KVER=$KVER}" ||
	status=1
exit "$status"
