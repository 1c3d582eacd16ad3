#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck source-path=SCRIPTDIR
#
# check.sh [KVER[:TESTS]...]: build synguard for each Debian kernel named
# (default "6.1 6.12"), boot that kernel under QEMU (TCG) with this
# machine's root shared read-only (over 9p, or virtiofs on the cloud
# kernels, which lack 9p), run the selftests/*.sh inside and report TAP.
# A KVER is an installed release (6.1.0-47-amd64) or a series with an
# optional flavour and age, SERIES[-cloud|-rt][-oldest] (6.1, 6.12-rt,
# 6.1-cloud, 6.12-oldest: the newest installed unless -oldest). A KVER
# that names a directory is a built kernel tree (debug-kernel.sh's): its
# bzImage is booted, with everything the guest needs built in. ":TESTS"
# (comma-separated; @rules, @others and @core as in select_tests) runs only
# those selftests on that kernel. A KVER
# written deb@KVER tests the Debian packages end to end there: make deb,
# install them on this machine (DKMS builds synguard for every kernel with
# headers), boot KVER loading that module with modprobe, then remove them
# and check nothing is left (selftests/deb/).
#
# Environment:
#   TESTS="a b"                 run only these selftests (names, with or
#                               without .sh; spaces or commas)
#   SYNGUARD_QEMU_TIMEOUT=N     seconds one guest may run before it is killed
#                               (default: 20 min, or more if the tests'
#                               timeouts add up to more)
#   SYNGUARD_TEST_TIMEOUT=300   default per-test timeout inside the guest
#                               (a test overrides it with "# timeout: N")
#   SYNGUARD_TIMEOUT_SCALE=1    multiply every test's timeout, and the
#                               waits in lib.sh, by this (for slow debug
#                               kernels)
#   SYNGUARD_QEMU_SMP=2, SYNGUARD_QEMU_MEM=2G
#   SYNGUARD_FOLLOW=1           also show the tests' INFO, PASS, FAIL and
#                               SKIP lines as the guest writes them (as
#                               TAP comments; make demo does)
#   SYNGUARD_MODPROBE=1         build nothing: the guest loads the synguard
#                               installed on this machine (the package's,
#                               built by DKMS) with modprobe
#   SYNGUARD_QUICK=1            tests that repeat a case on a path another
#                               case already takes run it once (make check;
#                               the test says SKIP for the repeat)
#
# Per kernel, everything lands in build/<kver>/: build.log, console.log,
# qemu.log, results/tap.txt, results/<test>.log (its output) and
# results/<test>.dmesg (its kernel messages), and on a kernel with
# kmemleak results/<test>.kmemleak (what it suspects). The last line printed is
# always "selftests: N passed, N failed, N skipped"; the exit status is
# non-zero if anything failed.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build="$repo/build"

qemu_timeout_env=${SYNGUARD_QEMU_TIMEOUT:-}
qemu_timeout=
test_timeout=${SYNGUARD_TEST_TIMEOUT:-300}
timeout_scale=${SYNGUARD_TIMEOUT_SCALE:-1}
qemu_smp=${SYNGUARD_QEMU_SMP:-2}
qemu_mem=${SYNGUARD_QEMU_MEM:-2G}
follow=${SYNGUARD_FOLLOW:-}
modprobe=${SYNGUARD_MODPROBE:-}
quick=${SYNGUARD_QUICK:-}

# Kernel messages that fail a run wherever they appear on the console.
splat_re='WARNING:|BUG:|Oops|Call Trace|general protection|KASAN|UBSAN'
splat_re+='|possible circular locking|lockdep is turned off|refcount_t:'
splat_re+='|kernel BUG|correctness validator'
splat_re+='|Kernel panic|INFO: task .* blocked|RCU stall|rcu_sched self-detected'
splat_re+='|self-detected stall|detected stalls? on CPU|rcu: INFO'
splat_re+='|ODEBUG|non-static key|leak detector disabled'

# Modules the initramfs needs to reach the root over 9p, or over virtiofs
# on kernels without 9p (Debian's cloud flavour); whichever of them (or of
# their dependencies) are built in are left out.
# shellcheck disable=SC2034 # read through module_load_order's nameref
share_mods_9p=(virtio_pci 9pnet_virtio 9p overlay)
# shellcheck disable=SC2034
share_mods_virtiofs=(virtio_pci virtiofs overlay)
virtiofsd=/usr/lib/qemu/virtiofsd

# Executable selftests/*.sh that are not tests.
not_tests=(lib.sh checkpatch.sh build-all.sh)

passed=0 failed=0 skipped=0
qemu_pid='' tail_pid='' fsd_pid=''
# "SECONDS KVER TEST" for every guest test run, for the summary.
times=()

# Per kernel release: the image to boot, the tree to build against and the
# module directory the initramfs modules come from.
declare -A kimage=() kdir=() kmoddir=()

# Background jobs of a script ignore SIGINT: take the guest down with us.
interrupted()
{
	[[ -n "$qemu_pid" ]] && kill "$qemu_pid" 2>/dev/null
	[[ -n "$tail_pid" ]] && kill "$tail_pid" 2>/dev/null
	pkill -f "^$virtiofsd --socket-path=$build/" 2>/dev/null
	echo "check.sh: interrupted" >&2
	exit 130
}
trap interrupted INT TERM

# The run is over: the slowest tests, then the summary, always the last
# line.
finish()
{
	local t

	if ((${#times[@]})); then
		note "run time of each test, slowest first (s, kernel, test):"
		printf '%s\n' "${times[@]}" | sort -k1,1nr |
			while read -r t; do note "  $t"; done
	fi
	echo "selftests: $passed passed, $failed failed, $skipped skipped"
	((failed == 0))
	exit
}

note() { echo "# $*"; }

# fail_item NAME REASON: a failure that is not a guest test.
fail_item()
{
	echo "not ok - $1 # $2"
	failed=$((failed + 1))
}

# resolve_kver SPEC: print the installed kernel release SPEC names, one
# that has an image, modules and headers. SPEC is a release
# (6.1.0-47-amd64), or a series with an optional flavour and age:
# SERIES[-cloud|-rt][-oldest], e.g. 6.12, 6.1-cloud, 6.12-rt-oldest
# (the newest of that series and flavour unless -oldest).
resolve_kver()
{
	local want=$1 series part flavour='' order=-rV img rel
	local -a parts found=()

	if [[ -e /boot/vmlinuz-$want ]]; then
		found=("$want")
	else
		IFS=- read -r -a parts <<<"$want"
		series=${parts[0]}
		[[ "$series" =~ ^[0-9]+\.[0-9]+$ ]] || return 1
		for part in "${parts[@]:1}"; do
			case "$part" in
			cloud | rt) flavour=$part- ;;
			oldest) order=-V ;;
			newest) order=-rV ;;
			*) return 1 ;;
			esac
		done
		# "6.1.*" cannot match 6.12: the dot after the minor is literal.
		for img in /boot/vmlinuz-"$series".*-"$flavour"amd64; do
			[[ -e "$img" ]] || continue
			rel=${img#/boot/vmlinuz-}
			[[ -z "$flavour" && ("$rel" == *-cloud-* || "$rel" == *-rt-*) ]] &&
				continue
			found+=("$rel")
		done
	fi
	for rel in $(printf '%s\n' "${found[@]}" | sort "$order"); do
		if [[ -d /lib/modules/$rel && -d /usr/src/linux-headers-$rel ]]; then
			echo "$rel"
			return 0
		fi
	done
	return 1
}

# add_release KVER: a Debian kernel release, installed on this machine.
add_release()
{
	kvers+=("$1")
	kimage[$1]=/boot/vmlinuz-$1
	kdir[$1]=/usr/src/linux-headers-$1
	kmoddir[$1]=/lib/modules/$1
}

# add_tree DIR: the kernel built in tree DIR, with everything the guest
# needs built in. It has no /lib/modules/<release>: the guest gets one made
# here from the tree's modules.builtin, indexed by depmod, so that modprobe
# of a built-in module succeeds as it does on Debian's kernels.
add_tree()
{
	local tree kver base

	tree=$(cd "$1" && pwd) || return 1
	kver=$(cat "$tree/include/config/kernel.release" 2>/dev/null) || return 1
	[[ -f "$tree/arch/x86/boot/bzImage" && -f "$tree/modules.builtin" ]] ||
		return 1
	base="$build/$kver/modroot"
	rm -rf "$base"
	mkdir -p "$base/lib/modules/$kver"
	cp "$tree/modules.builtin" "$tree/modules.builtin.modinfo" \
		"$base/lib/modules/$kver/" || return 1
	# The guest's sg_require_config reads the configuration here.
	cp "$tree/.config" "$build/$kver/config" || return 1
	: >"$base/lib/modules/$kver/modules.order"
	depmod -b "$base" "$kver" || return 1

	kvers+=("$kver")
	kimage[$kver]=$tree/arch/x86/boot/bzImage
	kdir[$kver]=$tree
	kmoddir[$kver]=$base/lib/modules/$kver
}

# guards_rules NAME: whether selftest NAME guards one of the four rules
# of the project (a "# rules: N..." line at its top): what `make check`
# runs on every generic kernel.
guards_rules()
{
	grep -q -m1 '^#[[:space:]]*rules:[[:space:]]*[1-4]' "$repo/selftests/$1.sh"
}

# all_tier NAME: whether selftest NAME runs only in `make check-all` (a
# "# tier: all" line at its top): a slow one that guards no rule.
all_tier()
{
	grep -q -m1 '^#[[:space:]]*tier:[[:space:]]*all' "$repo/selftests/$1.sh"
}

# select_tests [LIST]: fill the array tests with selftest names: LIST's
# (names, with or without .sh; spaces or commas), or all of them, sorted.
# In LIST, @rules stands for every selftest that guards a rule
# (guards_rules), @others for every one that does not, @core for every
# one but the slow ones left to check-all (all_tier) that guard none.
select_tests()
{
	local f name skip want list=${1:-}
	local -a all=() wanted=()

	for f in "$repo"/selftests/*.sh; do
		[[ -f "$f" && -x "$f" ]] || continue
		name=${f##*/}
		skip=
		for want in "${not_tests[@]}"; do
			[[ "$name" == "$want" ]] && skip=1
		done
		[[ -n "$skip" ]] || all+=("${name%.sh}")
	done

	tests=()
	if [[ -z "$list" ]]; then
		tests=("${all[@]}")
		return 0
	fi
	read -r -a wanted <<<"${list//,/ }"
	for want in "${wanted[@]}"; do
		if [[ "$want" == @core ]]; then
			for name in "${all[@]}"; do
				if guards_rules "$name" || ! all_tier "$name"; then
					tests+=("$name")
				fi
			done
			continue
		fi
		if [[ "$want" == @rules || "$want" == @others ]]; then
			for name in "${all[@]}"; do
				if guards_rules "$name"; then
					[[ "$want" == @rules ]] && tests+=("$name")
				else
					[[ "$want" == @others ]] && tests+=("$name")
				fi
			done
			continue
		fi
		want=${want##*/}
		want=${want%.sh}
		if [[ " ${all[*]} " != *" $want "* ]]; then
			echo "check.sh: no executable selftests/$want.sh" >&2
			return 1
		fi
		tests+=("$want")
	done
}

# kernel_has KVER MODULE: whether the kernel has MODULE, built in or not.
kernel_has()
{
	local moddir=${kmoddir[$1]} re="/${2//_/[-_]}\.ko"

	grep -q "$re" "$moddir/modules.builtin" ||
		grep -q "${re}[^:]*:" "$moddir/modules.dep"
}

# kernel_share KVER: how the guest reaches the host's files: 9p where the
# kernel has it, else virtiofs.
kernel_share()
{
	if kernel_has "$1" 9p; then
		echo 9p
	elif kernel_has "$1" virtiofs; then
		echo virtiofs
	else
		echo "check.sh: $1 has neither 9p nor virtiofs" >&2
		return 1
	fi
}

# module_load_order KVER SHARE: the order in which to insmod the modules
# the initramfs needs to mount the root over SHARE, dependencies first, as
# paths relative to the kernel's module directory.
module_load_order()
{
	local kver=$1 moddir=${kmoddir[$1]} line file deps name d i
	local -A path=() depends=() seen=()
	local -a order=() list
	local -n initramfs_mods=share_mods_$2

	while IFS= read -r line; do
		file=${line%%:*}
		deps=${line#*:}
		name=${file##*/}
		name=${name%%.ko*}
		name=${name//-/_}
		path[$name]=$file
		depends[$name]=$deps
	done <"$moddir/modules.dep"

	for name in "${initramfs_mods[@]}"; do
		if [[ -z "${path[$name]:-}" ]]; then
			if ! grep -q "/${name//_/[-_]}\.ko" \
				"$moddir/modules.builtin"; then
				echo "check.sh: module $name missing for $kver" >&2
				return 1
			fi
			continue
		fi
		# modules.dep lists the whole closure; load it from the end.
		read -r -a list <<<"${depends[$name]} ${path[$name]}"
		for ((i = ${#list[@]} - 2; i >= -1; i--)); do
			if ((i < 0)); then
				d=${list[-1]}
			else
				d=${list[i]}
			fi
			[[ -n "${seen[$d]:-}" ]] && continue
			seen[$d]=1
			order+=("$d")
		done
	done
	printf '%s\n' "${order[@]}"
}

# test_limit NAME: the test's timeout in seconds ("# timeout: N" line).
test_limit()
{
	local limit

	limit=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9][0-9]*\).*/\1/p' \
		"$repo/selftests/$1.sh" | head -n1)
	echo $((${limit:-$test_timeout} * timeout_scale))
}

# guest_budget: how long a guest may run. Every test is bounded by its own
# timeout inside the guest; this catches a guest that hangs between tests.
guest_budget()
{
	local name sum=240

	if [[ -n "$qemu_timeout_env" ]]; then
		echo "$qemu_timeout_env"
		return
	fi
	for name in "${tests[@]}"; do
		sum=$((sum + $(test_limit "$name") + 20 * timeout_scale))
	done
	echo $((sum > 1200 ? sum : 1200))
}

# build_initramfs KVER OUT SHARE: busybox, the modules to mount the root
# over SHARE and the overlay, and our /init, cached under OUT keyed by
# everything that goes in.
build_initramfs()
{
	local kver=$1 out=$2 moddir=${kmoddir[$1]} busybox key stage m base
	local -a mods

	busybox=$(command -v busybox) || {
		echo "check.sh: busybox not found" >&2
		return 1
	}
	m=$(module_load_order "$kver" "$3") || return 1
	mapfile -t mods < <(printf '%s' "$m" | grep .)

	key=$(
		{
			cat "$busybox" "$here/initramfs-init.sh" "$here/check.sh"
			printf '%s\n' "${mods[@]}"
			for m in "${mods[@]}"; do
				cat "$moddir/$m"
			done
		} | sha256sum | cut -d' ' -f1
	)
	if [[ -f "$out/initramfs.cpio" && -f "$out/initramfs.key" &&
		"$(cat "$out/initramfs.key")" == "$key" ]]; then
		return 0
	fi

	stage="$out/initramfs.d"
	rm -rf "$stage"
	mkdir -p "$stage/bin" "$stage/etc" "$stage/lib/modules" "$stage/dev" \
		"$stage/proc" "$stage/sys"
	cp "$busybox" "$stage/bin/busybox"
	cp "$here/initramfs-init.sh" "$stage/init"
	chmod 0755 "$stage/init" "$stage/bin/busybox"
	: >"$stage/etc/modules"
	for m in "${mods[@]}"; do
		base=${m##*/}
		base=${base%%.ko*}.ko
		case "$m" in
		*.ko.xz) xz -dc "$moddir/$m" >"$stage/lib/modules/$base" ;;
		*.ko.zst) zstd -qdc "$moddir/$m" >"$stage/lib/modules/$base" ;;
		*.ko.gz) gzip -dc "$moddir/$m" >"$stage/lib/modules/$base" ;;
		*) cp "$moddir/$m" "$stage/lib/modules/$base" ;;
		esac || return 1
		echo "$base" >>"$stage/etc/modules"
	done
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) >"$out/initramfs.cpio.tmp" ||
		return 1
	mv "$out/initramfs.cpio.tmp" "$out/initramfs.cpio"
	echo "$key" >"$out/initramfs.key"
	rm -rf "$stage"
}

# build_tools: the userspace tools, once for all kernels.
build_tools()
{
	mkdir -p "$build"
	note "building the tools"
	if [[ ! -f "$repo/tools/Makefile" ]]; then
		note "WARNING: no tools/Makefile yet; not building the tools"
		return 0
	fi
	if ! make -C "$repo" tools >"$build/tools.log" 2>&1; then
		tail -n 30 "$build/tools.log" | sed 's/^/# /'
		fail_item build-tools "make tools failed, see $build/tools.log"
		return 1
	fi
}

# host_tests: what runs on the host rather than in a guest: the unit
# tests and a short fuzz run over the code the module shares with
# userspace, and systemd-analyze verify on the systemd units. Skipped
# when TESTS picks guest tests (make fuzz runs them).
host_tests()
{
	[[ -n "${TESTS:-}" ]] && return 0
	host_items "$repo/tools/systemd/verify.sh"
	if make -C "$repo/fuzz" smoke >"$build/fuzz.log" 2>&1; then
		grep -E '^(unit|fuzz)' "$build/fuzz.log" | sed 's/^/# /'
		echo "ok - fuzz-smoke"
		passed=$((passed + 1))
	else
		tail -n 30 "$build/fuzz.log" | sed 's/^/# /'
		fail_item fuzz-smoke "unit tests or fuzzing failed, see $build/fuzz.log"
	fi
}

# build_module KVER OUT
build_module()
{
	local kver=$1 out=$2

	rm -f "$out/synguard.ko"
	if [[ ! -f "$repo/module/Kbuild" && ! -f "$repo/module/Makefile" ]]; then
		note "WARNING: no module/Kbuild yet; tests that load synguard will fail"
		return 0
	fi
	if ! make -C "$repo" -j"$(nproc)" modules-for \
		KDIR="${kdir[$kver]}" OUT="$out" \
		>"$out/build.log" 2>&1; then
		tail -n 30 "$out/build.log" | sed 's/^/# /'
		fail_item "build-$kver" "module build failed, see $out/build.log"
		return 1
	fi
}

# follow_guest PID RES: until PID exits, print RES/tap.txt and the tests'
# INFO, PASS, FAIL and SKIP lines (as TAP comments) as the guest writes
# them. One tail a file: tail's "==> FILE <==" headers do not tell which
# file a line came from when the file appeared empty.
follow_guest()
{
	local pid=$1 res=$2 name

	for name in "${tests[@]}"; do
		tail -n +1 -F --pid="$pid" "$res/$name.log" 2>/dev/null |
			sed -u -n 's/^\(INFO\|PASS\|FAIL\|SKIP\):/#   &/p' &
	done
	tail -n +1 -F --pid="$pid" "$res/tap.txt" 2>/dev/null
	wait
}

# start_virtiofsd OUT TAG DIR: serve DIR to the guest as virtiofs TAG, on
# the socket OUT/TAG.sock; its pid in fsd_pid. The guest mounts the root
# read-only under a tmpfs overlay, as with 9p.
start_virtiofsd()
{
	local sock="$1/$2.sock" i

	rm -f "$sock"
	"$virtiofsd" --socket-path="$sock" -o source="$3" -o sandbox=chroot \
		-o cache=always -o xattr --rlimit-nofile=0 \
		>"$1/virtiofsd-$2.log" 2>&1 &
	fsd_pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ -S "$sock" ]] && return 0
		kill -0 "$fsd_pid" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 5 "$1/virtiofsd-$2.log" | sed 's/^/# /'
	return 1
}

# run_kernel KVER: build, boot, report.
run_kernel()
{
	local kver=$1
	local out="$build/$kver" res console qemu_rc i line
	local n=${#tests[@]} start status name got reason share secs
	local -a cmdline qemu fsd_pids=()
	local -A result=()

	res="$out/results"
	console="$out/console.log"
	mkdir -p "$out"

	echo "# === $kver ==="
	start=$SECONDS
	if [[ -n "$modprobe" ]]; then
		note "the guest loads the installed synguard with modprobe"
	else
		note "building the module for $kver"
		build_module "$kver" "$out" || return 0
		note "module built in $((SECONDS - start))s"
	fi
	if ! share=$(kernel_share "$kver") ||
		! build_initramfs "$kver" "$out" "$share"; then
		fail_item "initramfs-$kver" "cannot build the initramfs"
		return 0
	fi

	rm -rf "$res"
	mkdir -p "$res"
	: >"$res/tap.txt"
	: >"$console"

	cmdline=(
		console=ttyS0 panic_on_warn=1 oops=panic panic=-1
		hung_task_panic=1 softlockup_panic=1
		sysctl.kernel.panic_on_rcu_stall=1
		mitigations=off 8250.nr_uarts=1 rdinit=/init
		"sg_repo=$repo" "sg_tests=$(IFS=,; echo "${tests[*]}")"
		"sg_timeout=$test_timeout" "sg_timeout_scale=$timeout_scale"
		"sg_share=$share" ${modprobe:+sg_modprobe=1} ${quick:+sg_quick=1}
	)
	# shellcheck disable=SC2054 # commas inside QEMU option values
	qemu=(
		qemu-system-x86_64 -accel tcg,thread=multi -cpu max
		-smp "$qemu_smp" -m "$qemu_mem"
		-nographic -nodefaults -no-user-config -no-reboot
		-monitor none -serial "file:$console"
		-kernel "${kimage[$kver]}" -initrd "$out/initramfs.cpio"
		-append "${cmdline[*]}"
		-device virtio-rng-pci
	)
	if [[ "$share" == 9p ]]; then
		qemu+=(
			-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
			-virtfs "local,path=$res,mount_tag=results,security_model=none,multidevs=remap"
		)
	else
		# vhost-user needs the guest's RAM in shared memory.
		# shellcheck disable=SC2054 # commas inside QEMU option values
		qemu+=(
			-object "memory-backend-memfd,id=mem,size=$qemu_mem,share=on"
			-numa node,memdev=mem
		)
		for name in hostroot:/ "results:$res"; do
			start_virtiofsd "$out" "${name%%:*}" "${name#*:}" ||
				{ fail_item "virtiofs-$kver" "virtiofsd failed"; return 0; }
			fsd_pids+=("$fsd_pid")
			qemu+=(
				-chardev "socket,id=${name%%:*},path=$out/${name%%:*}.sock"
				-device "vhost-user-fs-pci,queue-size=1024,chardev=${name%%:*},tag=${name%%:*}"
			)
		done
	fi

	echo "TAP version 13"
	echo "1..$((n + 1))"
	note "booting $kver under QEMU"
	start=$SECONDS
	timeout -k 10 "$qemu_timeout" "${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 &
	qemu_pid=$!
	# Show results as the guest writes them.
	if [[ -n "$follow" ]]; then
		follow_guest "$qemu_pid" "$res" &
	else
		tail -n +1 -F --pid="$qemu_pid" "$res/tap.txt" 2>/dev/null &
	fi
	tail_pid=$!
	wait "$qemu_pid"
	qemu_rc=$?
	wait "$tail_pid"
	qemu_pid='' tail_pid=''
	((${#fsd_pids[@]})) && kill "${fsd_pids[@]}" 2>/dev/null

	while IFS= read -r line; do
		if [[ "$line" =~ ^(not\ )?ok\ ([0-9]+)\ ([^ ]+)(.*)$ ]]; then
			i=${BASH_REMATCH[2]}
			if [[ -n "${BASH_REMATCH[1]}" ]]; then
				result[$i]=fail
			elif [[ "${BASH_REMATCH[4]}" == *"# SKIP"* ]]; then
				result[$i]=skip
			else
				result[$i]=pass
			fi
		fi
	done <"$res/tap.txt"

	if [[ -f "$res/times" ]]; then
		while read -r name secs; do
			times+=("$secs $kver $name")
		done <"$res/times"
	fi

	for ((i = 1; i <= n; i++)); do
		name=${tests[i - 1]}
		got=${result[$i]:-}
		case "$got" in
		pass) passed=$((passed + 1)) ;;
		skip) skipped=$((skipped + 1)) ;;
		fail)
			failed=$((failed + 1))
			note "--- tail of $res/$name.log"
			tail -n 25 "$res/$name.log" 2>/dev/null | sed 's/^/#   /'
			if [[ -s "$res/$name.kmemleak" ]]; then
				note "--- head of $res/$name.kmemleak"
				head -n 40 "$res/$name.kmemleak" | sed 's/^/#   /'
			fi
			;;
		*)
			failed=$((failed + 1))
			if grep -a -q "^# run $i $name " "$console"; then
				echo "not ok $i $name # no result: the guest died or hung in it"
			else
				echo "not ok $i $name # not run: the guest died or hung before"
			fi
			;;
		esac
	done

	# The whole-run check: no kernel splat, and the guest got to the end.
	reason=
	if grep -a -q -E "$splat_re" "$console"; then
		reason="kernel splat on the console"
		grep -a -n -E "$splat_re" "$console" | head -n 20 | sed 's/^/#   /'
	fi
	status=$(cat "$res/done" 2>/dev/null)
	if ((qemu_rc == 124 || qemu_rc == 137)); then
		reason+="${reason:+; }guest killed after ${qemu_timeout}s"
	elif [[ -z "$status" ]]; then
		reason+="${reason:+; }no end-of-run marker (guest crashed?)"
		grep -q SYNGUARD-INITRAMFS-FAILED "$console" &&
			reason+=" - the initramfs failed"
	elif [[ "$status" != clean ]]; then
		reason+="${reason:+; }end of run: $status"
	fi
	if [[ -n "$reason" ]]; then
		echo "not ok $((n + 1)) kernel-log-$kver # $reason"
		failed=$((failed + 1))
		tail -n 40 "$console" | sed 's/^/#   /'
	else
		echo "ok $((n + 1)) kernel-log-$kver"
		passed=$((passed + 1))
	fi
	note "$kver: $((SECONDS - start))s in the guest; logs: $out/console.log, $res/"
}

# host_items CMD...: run CMD, pass its "ok - " and "not ok - " lines (and
# comments) through as results of this run; fails if CMD fails.
host_items()
{
	local line last=''

	while IFS= read -r line; do
		last=$line
		case "$line" in
		"ok - "*) passed=$((passed + 1)) ;;
		"not ok - "*) failed=$((failed + 1)) ;;
		"#"*) ;;
		*) line="# $line" ;;
		esac
		echo "$line"
	done < <("$@" 2>&1; echo "# exit $?")
	[[ "$last" == "# exit 0" ]]
}

# deb_run_kernel KVER: the packages end to end, with the guest on KVER.
deb_run_kernel()
{
	local kver=$1

	echo "# === Debian packages, guest $kver ==="
	if make -C "$repo" -s deb >"$build/deb.log" 2>&1; then
		echo "ok - make deb"
		passed=$((passed + 1))
	else
		tail -n 20 "$build/deb.log" | sed 's/^/# /'
		fail_item "make deb" "see $build/deb.log"
		return 0
	fi
	if host_items "$repo/selftests/deb/check.sh" install; then
		modprobe=1 run_kernel "$kver"
	else
		fail_item "deb-guest-$kver" "not booted: the install failed"
	fi
	host_items "$repo/selftests/deb/check.sh" remove
}

main()
{
	local v kver list
	local -a want=("$@") kvers=()
	local -A klist=() kdeb=()

	# Run from make, we do not want its flags in our own makes.
	unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL

	((${#want[@]})) || want=(6.1 6.12)

	# Two runs in one tree would share build/<kver>/: take turns.
	mkdir -p "$build"
	exec 9>"$build/.check.lock"
	if ! flock -n 9; then
		note "another check.sh is running in $repo; waiting for it"
		flock 9
	fi

	# shellcheck source=deps.sh
	. "$here/deps.sh"
	# shellcheck disable=SC2046 # one package per word
	if ! synguard_install_deps $(synguard_kernel_pkgs "${want[@]}"); then
		fail_item deps "cannot install the packages the harness needs"
		finish
	fi

	select_tests "${TESTS:-}" ||
		{ fail_item tests "bad TESTS=${TESTS:-}"; finish; }
	note "tests: ${tests[*]:-(none)}"

	for v in "${want[@]}"; do
		list='' deb=''
		if [[ "$v" == deb@* ]]; then
			deb=1
			v=${v#deb@}
		fi
		if [[ "$v" == *:* ]]; then
			list=${v#*:}
			v=${v%%:*}
			select_tests "$list" ||
				{ fail_item "tests-$v" "bad test list $list"; continue; }
		fi
		if [[ -d "$v" ]]; then
			if ! add_tree "$v"; then
				fail_item "kernel-$v" "no built kernel in $v"
				continue
			fi
		elif kver=$(resolve_kver "$v"); then
			add_release "$kver"
		else
			fail_item "kernel-$v" "no installed kernel $v with headers"
			continue
		fi
		klist[${kvers[-1]}]=$list
		kdeb[${kvers[-1]}]=$deb
	done

	build_tools
	host_tests
	for kver in "${kvers[@]}"; do
		select_tests "${klist[$kver]:-${TESTS:-}}"
		[[ -n "${klist[$kver]}" ]] && note "tests on $kver: ${tests[*]}"
		qemu_timeout=$(guest_budget)
		if [[ -n "${kdeb[$kver]}" ]]; then
			deb_run_kernel "$kver"
		else
			run_kernel "$kver"
		fi
	done
	finish
}

main "$@"
