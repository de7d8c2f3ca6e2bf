#!/bin/sh
# usage (inside the test VM, from its initramfs): initramfs-check.sh
#
# lxr on a box that runs from its initramfs: "/" is rootfs, the kernel's
# first mount, which pivot_root cannot move. Run from the share, which
# holds a static lxr, the test rootfs (rootfs/), a static program that
# tries docker's chroot escape (chroot-escape) and check-lib.sh. Checks:
# "/" is rootfs here; a container runs, on its own root; the chroot escape
# (CAP_SYS_CHROOT is in docker's default set) stays in it; `lxr exec`
# lands in it; no unmasked /proc of the host's is left for a container to
# mount one of its own; a container in a user namespace is refused.
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

# the host's mounts that hung from rootfs are gone from the container's
# namespace: with a full /proc of the host's anywhere in it, a container
# that may make user namespaces (seccomp=unconfined) could mount a /proc of
# its own without the masks; the container's own /proc is masked, so the
# kernel refuses that, as on any other box
out=$($LXR run --rm --network none --security-opt seccomp=unconfined "$R" sh -c \
	'unshare -Urmpf mount -t proc p /tmp >/dev/null 2>&1 && echo mounted || echo refused' 2>&1)
say "$out" refused "no unmasked /proc of the host's is left in the container's namespace"

# in a user namespace the bind would not be locked by the kernel: refused,
# saying why
echo "lxr:3000000:262144" >/etc/subuid && cp /etc/subuid /etc/subgid
printf '[userns]\nmode = auto\n' >/tmp/ir-userns.conf
out=$(LXR_CONFIG=/tmp/ir-userns.conf $LXR run --rm --network none "$R" true 2>&1)
case $out in
*"initramfs (rootfs) and the container is in a user namespace"*) got=refused ;;
*) got="$out" ;;
esac
say "$got" refused "a container in a user namespace is refused, saying why"

# lxr doctor says so (it warns of other things here too: no nft, ...)
out=$($LXR doctor 2>&1 | grep -c '^warn *root *.* / is the initramfs (rootfs): containers pivot from a bind of it')
say "$out" 1 "lxr doctor says / is the initramfs"

echo "# $fails initramfs checks failed"
exit "$fails"
