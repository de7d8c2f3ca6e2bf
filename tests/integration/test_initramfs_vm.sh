#!/bin/bash
# lxr on a box that runs from its initramfs, where "/" is rootfs, the
# kernel's first mount, which pivot_root cannot move (every start failed
# there with EINVAL): a throw-away VM (tests/vm/run-in-vm.sh) without the
# host's root runs tests/vm/initramfs-check.sh from its initramfs, with a
# static lxr, the test rootfs and a static chroot-escape program in a
# share of this test's. A container runs on its own root, docker's chroot
# escape stays in it, lxr exec enters it, the host's mounts are gone from
# its namespace; in a user namespace it is refused. Nothing on this host is touched but the build directory's
# VM cache.
set -u
. "$(dirname "$0")/vm_lib.sh"
if readelf -l "$lxr" 2>/dev/null | grep -q INTERP; then
	echo "SKIP: $lxr is linked dynamically (glibc's libc.a missing): the VM's initramfs has no libraries for it"
	exit 77
fi
share=$(mktemp -d "$build/initramfs-share.XXXXXX")
trap 'rm -rf "$share"' EXIT
cp "$lxr" "$share/lxr"
mkdir -p "$share/rootfs" && cp -a "$rootfs/." "$share/rootfs/"
cp "$src/tests/vm/initramfs-check.sh" "$src/tests/vm/check-lib.sh" "$share/"
cc -static -O2 -o "$share/chroot-escape" "$src/tests/vm/chroot-escape.c" ||
	{ echo "not ok - cc -static could not build the chroot escape program"; exit 1; }
VMTIMEOUT=240 LXR_VM_HOSTROOT=0 LXR_VM_SHARE=$share vm_checks initramfs \
	'/ is the initramfs' 'a container runs on its own root' \
	"docker's chroot escape ends in the container's own root" "lxr exec enters the container's root" \
	"no unmasked /proc of the host's is left" 'a container in a user namespace is refused' \
	'lxr doctor says / is the initramfs' \
	-- sh initramfs-check.sh
