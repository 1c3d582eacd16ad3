#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# /init of the test initramfs. Loads the few modules needed to reach the
# host's root (list in /etc/modules, dependencies first), stacks a tmpfs
# overlay on it and switch_roots to the guest runner of the tree named by
# sg_repo= on the kernel command line. The root comes over 9p, or over
# virtiofs with sg_share=virtiofs (Debian's cloud kernels have no 9p).

/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev
/bin/busybox --install -s

die()
{
	echo "initramfs: $*" >/dev/console
	echo "SYNGUARD-INITRAMFS-FAILED" >/dev/console
	poweroff -f
	sleep 10
	reboot -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

while read -r m; do
	insmod "/lib/modules/$m" || die "insmod $m failed"
done </etc/modules

repo= share=9p
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case "$arg" in
	sg_repo=*) repo=${arg#sg_repo=} ;;
	sg_share=*) share=${arg#sg_share=} ;;
	esac
done
[ -n "$repo" ] || die "no sg_repo= on the kernel command line"

mkdir -p /lower /rw /newroot
if [ "$share" = virtiofs ]; then
	mount -t virtiofs -o ro hostroot /lower
else
	mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144,cache=loose \
		hostroot /lower
fi || die "cannot mount the host root over $share"
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work \
	overlay /newroot || die "cannot mount the overlay root"

runner="$repo/selftests/qemu/guest-init.sh"
[ -f "/newroot$runner" ] || die "$runner not found in the guest root"

mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /bin/bash "$runner"
