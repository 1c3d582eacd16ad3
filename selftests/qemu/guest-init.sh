#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test guest, after switch_root onto the host's root (read-only
# 9p with a tmpfs overlay). Mounts the usual filesystems and the writable
# results share, runs the selftests named on the kernel command line, each
# under `timeout`, and writes TAP to the console and to results/tap.txt;
# each test's output goes to results/<test>.log, its kernel messages to
# results/<test>.dmesg. On a kernel with kmemleak, a test also fails if
# kmemleak finds new leaks after it (listed in results/<test>.kmemleak).
#
# Kernel command line:
#   sg_repo=DIR       the source tree (same path as on the host)
#   sg_tests=a,b,c    selftests/<name>.sh to run, in order
#   sg_timeout=N      default per-test timeout in seconds (else 300); a test
#                     overrides it with a "# timeout: N" line
#   sg_timeout_scale=N  multiply every test's timeout by N (else 1), and
#                     export it as SYNGUARD_TIMEOUT_SCALE for lib.sh's waits
#   sg_share=9p|virtiofs  how the host's shares come in (else 9p)
#   sg_modprobe=1     load synguard with modprobe, from /lib/modules (a
#                     packaged install), not insmod from the tree's build
#   sg_quick=1        export SYNGUARD_QUICK=1 (check.sh, SYNGUARD_QUICK)

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

console=/dev/console
exec </dev/null >"$console" 2>&1

say() { echo "$*"; }

halt_guest()
{
	sync
	poweroff -f
	sleep 5
	echo o >/proc/sysrq-trigger
	sleep 60
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts 2>/dev/null ||
	{ mkdir -p /dev/pts && mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts; }
mkdir -p /dev/shm && mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mount --make-rprivate /
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr

hostname synguard-guest
ip link set lo up
modprobe -q virtio-rng 2>/dev/null

repo='' tests='' def_timeout=300 scale=1 share=9p modprobe='' quick=''
read -r -a cmdline </proc/cmdline
for arg in "${cmdline[@]}"; do
	case "$arg" in
	sg_repo=*) repo=${arg#sg_repo=} ;;
	sg_tests=*) tests=${arg#sg_tests=} ;;
	sg_timeout=*) def_timeout=${arg#sg_timeout=} ;;
	sg_timeout_scale=*) scale=${arg#sg_timeout_scale=} ;;
	sg_share=*) share=${arg#sg_share=} ;;
	sg_modprobe=*) modprobe=${arg#sg_modprobe=} ;;
	sg_quick=*) quick=${arg#sg_quick=} ;;
	esac
done

# Fresh /run, /tmp and /var/tmp, unless that would hide the tree under test
# (the overlay keeps them writable either way).
for d in /run:0755 /tmp:1777 /var/tmp:1777; do
	case "$repo/" in
	"${d%:*}"/*) continue ;;
	esac
	mount -t tmpfs -o "mode=${d#*:}" tmpfs "${d%:*}"
done

kver=$(uname -r)
results="$repo/build/$kver/results"
# A kernel built from a tree has no /lib/modules/<kver> on the host;
# check.sh made one for its built-in modules.
modroot="$repo/build/$kver/modroot/lib/modules/$kver"
if [[ ! -e /lib/modules/$kver && -d "$modroot" ]]; then
	ln -s "$modroot" "/lib/modules/$kver"
fi
if [[ $share == virtiofs ]]; then
	mount -t virtiofs results "$results"
else
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none \
		results "$results"
fi
if (($?)); then
	say "guest: cannot mount the results share on $results"
	halt_guest
fi

export SYNGUARD_REPO="$repo"
if [[ -n $modprobe ]]; then
	export SYNGUARD_KO=modprobe
	say "# synguard from modprobe: $(modinfo -n synguard 2>&1)," \
		"version $(modinfo -F version synguard 2>&1)"
	SYNGUARD_CTL=$(command -v synguardctl) ||
		say "# no synguardctl installed"
else
	export SYNGUARD_KO="$repo/build/$kver/synguard.ko"
	SYNGUARD_CTL="$repo/tools/synguardctl"
fi
export SYNGUARD_CTL
export SYNGUARD_RESULTS="$results"
export SYNGUARD_TIMEOUT_SCALE="$scale"
export SYNGUARD_QUICK="$quick"

tap="$results/tap.txt"
: >"$tap"
: >"$results/times"

emit()
{
	say "$*"
	echo "$*" >>"$tap"
}

unload_module()
{
	[[ -d /sys/module/synguard ]] || return 0
	timeout 60 rmmod synguard && return 0
	say "# rmmod synguard failed"
	return 1
}

kmemleak=/sys/kernel/debug/kmemleak

# kmemleak_new FILE: scan for leaks, move what kmemleak suspects to FILE
# (removed if there is none) and print how many. An object is reported
# once it has been unreferenced for two scans and is at least 5 s old.
kmemleak_new()
{
	local n

	sleep 5
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	cat "$kmemleak" >"$1"
	echo clear >"$kmemleak"
	n=$(grep -c '^unreferenced object' "$1")
	((n)) || rm -f "$1"
	echo "$n"
}

IFS=, read -r -a names <<<"$tests"
say "# guest up: kernel $kver, ${#names[@]} test(s), $(nproc) CPU(s)"

# A base chain at every hook point synguard uses, for the whole run, so
# that no test's rmmod or namespace deletion takes the last hook of a
# hook point away while packets flow. That patches the nf_hooks_needed
# static key, and under TCG a vCPU running the patched code can trap on
# text_poke_bp()'s int3 ("Oops: int3" in ip_local_deliver, seen when
# busy_ports unloaded synguard with its load's last packets in flight).
# Real CPUs are not affected. This is lib.sh's sg_keep_hooks, in a table
# of the runner's own that no test's sg_cleanup deletes; the subshell
# forgets it made it, so that its own exit (lib.sh's trap) leaves it.
(source "$repo/selftests/lib.sh" && sg_keep_hooks sg_harness_hooks &&
	SG_KEEP_HOOKS=) || say "# guest: cannot add the sg_harness_hooks table"

# Settings of the initial namespace that tests change and that every
# namespace shares (nf_conntrack_max is global): put back after each
# test by the runner, since a test killed at its timeout runs no trap.
modprobe -q nf_conntrack
shared_sysctls=(
	net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_loose
	net.ipv4.tcp_syncookies net.ipv4.ip_forward
	net.ipv6.conf.all.forwarding
)
declare -A sysctl_boot=()
for s in "${shared_sysctls[@]}"; do
	sysctl_boot[$s]=$(sysctl -n "$s")
done

# restore_sysctls TEST: put back what TEST left changed, and say so.
restore_sysctls()
{
	local s v

	for s in "${shared_sysctls[@]}"; do
		v=$(sysctl -n "$s")
		[[ "$v" == "${sysctl_boot[$s]}" ]] && continue
		say "# $1 left $s = $v; restored to ${sysctl_boot[$s]}"
		sysctl -qw "$s=${sysctl_boot[$s]}"
	done
}

# Only leaks that appear during a test count against it.
if [[ -e "$kmemleak" ]]; then
	leaks=$(kmemleak_new "$results/boot.kmemleak")
	say "# kmemleak: $leaks suspected leak(s) before the tests, ignored"
fi

# Each test's kernel messages also go to results/<test>.dmesg.
dmesg -C
n=0
for name in "${names[@]}"; do
	n=$((n + 1))
	script="$repo/selftests/$name.sh"
	log="$results/$name.log"

	unload_module
	limit=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9][0-9]*\).*/\1/p' \
		"$script" 2>/dev/null | head -n1)
	limit=$((${limit:-$def_timeout} * scale))

	say "# run $n $name (timeout ${limit}s)"
	start=$SECONDS
	(cd "$repo/selftests" && exec timeout -k 10 "$limit" "$script") \
		>"$log" 2>&1 &
	pid=$!
	wait "$pid"
	rc=$?
	secs=$((SECONDS - start))
	# Kill whatever the test left behind in its process group, then
	# anything it left in named namespaces.
	pkill -KILL -g "$pid" 2>/dev/null
	for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	restore_sysctls "$name"
	echo "$name $secs" >>"$results/times"

	leaks=0
	if [[ -e "$kmemleak" ]]; then
		unload_module
		leaks=$(kmemleak_new "$results/$name.kmemleak")
	fi

	dmesg -c >"$results/$name.dmesg" 2>&1
	say "# $name: exit $rc after ${secs}s"
	if ((leaks)); then
		emit "not ok $n $name # kmemleak: $leaks suspected leak(s) (exit $rc)"
		continue
	fi
	case $rc in
	0) emit "ok $n $name" ;;
	4) emit "ok $n $name # SKIP" ;;
	124 | 137) emit "not ok $n $name # TIMEOUT after ${limit}s" ;;
	*) emit "not ok $n $name # exit $rc" ;;
	esac
done

state=clean
unload_module || state=synguard-stuck

# Leave the end-of-run marker last: the host treats its absence as a crash.
say "SYNGUARD-SELFTESTS-DONE $state"
echo "$state" >"$results/done"
halt_guest
