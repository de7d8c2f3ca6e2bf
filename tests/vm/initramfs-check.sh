#!/bin/sh
# usage (inside the test VM, from its initramfs): initramfs-check.sh
#
# lxr on a box that runs from its initramfs: "/" is rootfs, the kernel's
# first mount, which pivot_root cannot move. Run from the share, which
# holds a static lxr, the test rootfs (rootfs/), a static program that
# tries docker's chroot escape (chroot-escape) and check-lib.sh. Checks:
# "/" is rootfs here; a container runs, on its own root; the chroot escape
# (CAP_SYS_CHROOT is in docker's default set) stays in it; `lxr exec`
# lands in it; nothing of lxr's is left mounted but its run directory.
# Prints ok/not ok lines and "# N initramfs checks failed"; exits with N.
# Run by tests/integration/test_initramfs_vm.sh.
export PATH=/bin:/sbin
export LXR_RUN_DIR=/run/ir-run LXR_LOG_DIR=/tmp/ir-log LXR_DATA_DIR=/tmp/ir-data
export LXR_CONFIG=/nonexistent
. ./check-lib.sh

# the root filesystem's lower layer on the initramfs too (a tmpfs here)
mkdir -p /run /tmp/ir-rootfs
cp -a rootfs/. /tmp/ir-rootfs/ && cp chroot-escape /tmp/ir-rootfs/chroot-escape
echo only-in-the-container >/tmp/ir-rootfs/marker
cp lxr /tmp/lxr
LXR=/tmp/lxr
R=/tmp/ir-rootfs

# mountinfo: ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - TYPE ...
say "$(awk '$5 == "/" && $1 == $2 {for (i = 6; i < NF; i++) if ($i == "-") print $(i + 1)}' \
	/proc/self/mountinfo)" rootfs "/ is the initramfs (rootfs, its own parent)"

out=$($LXR run --rm --network none "$R" sh -c 'cat /marker; [ -e /init ] || echo no-init' 2>&1)
say "$out" "$(printf 'only-in-the-container\nno-init')" \
	"a container runs on its own root, the initramfs out of sight"

# chroot into a directory, climb out with .., chroot there: the root of
# the container, not the initramfs under it
out=$($LXR run --rm --network none "$R" /chroot-escape 2>&1)
case $out in
*marker*) case $out in *init*) got=initramfs ;; *) got=container ;; esac ;;
*) got="$out" ;;
esac
say "$got" container "docker's chroot escape ends in the container's own root"

$LXR run -d --name irc --network none "$R" sleep 300 >/dev/null 2>/tmp/ir.err ||
	cat /tmp/ir.err
out=$($LXR exec irc sh -c 'cat /marker; [ -e /init ] || echo no-init' 2>&1)
say "$out" "$(printf 'only-in-the-container\nno-init')" "lxr exec enters the container's root"
$LXR rm -f irc >/dev/null 2>&1

# the removal's unmounts are the detached cleaner's: a moment to finish
for _ in 1 2 3 4 5 6 7 8 9 10; do
	left=$(grep -c " $LXR_RUN_DIR/" /proc/mounts)
	[ "$left" = 0 ] && break
	sleep 0.2
done
say "$left" 0 "nothing is left mounted under the run directory"

echo "# $fails initramfs checks failed"
exit "$fails"
