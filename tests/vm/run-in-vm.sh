#!/bin/bash
# usage: tests/vm/run-in-vm.sh CMD [ARG...]
#
# Runs CMD as root inside a throw-away VM whose only cgroup filesystem is
# cgroup2 at /sys/fs/cgroup (what most users' machines have, unlike CI's v1
# hosts), and exits with CMD's status. The guest chroots into the host's /,
# shared read-only, so the host's built binaries and tools work at their usual
# paths; CMD's working directory is a fresh scratch directory shared
# read-write (removed afterwards). The guest kernel is Debian's packaged one
# (linux-image-amd64), under QEMU's TCG emulation.
#
# Exit status: CMD's, 77 when QEMU or a guest kernel is not installed
# (packaging/setup.sh installs both), 125 when the VM gave no result.
# The guest's /tmp and /run are fresh tmpfs; the source and build
# directories (and LXR_VM_KEEP, comma-separated) stay visible even when they
# live under /tmp or /run, so a checkout there works like one anywhere else.
# Environment: LXR_VM_CACHE (kernel + initramfs cache; default
# $LXR_BUILD_DIR/vm or <source>/build/vm), VMTIMEOUT (seconds, default 300),
# LXR_VM_ACCEL (default tcg: KVM does not work on the CI hosts).
# LXR_VM_DISK=FILE attaches FILE (a raw ext4 image) as the guest's
# /dev/vda, with cache=writethrough so every write the guest was told is
# done is in FILE even when QEMU is killed (a power cut is then the loss of
# what the guest had not yet written); vmdisk=1 on the kernel command line
# makes init-runner load ext4 and virtio-blk. LXR_VM_PIDFILE=FILE gets
# QEMU's pid (to cut the power: kill -KILL).
# LXR_VM_HOSTROOT=0 leaves the host's / out: CMD then runs from the guest's
# initramfs itself ("/" is rootfs, busybox on PATH), as on a box that never
# leaves it; what it needs (static binaries) comes in the share
# (LXR_VM_SHARE).
# LXR_VM_INIT=PATH boots PATH as the guest's init on the host's root instead
# of running CMD (init-runner hands over with switch_root), with
# LXR_VM_APPEND added to the kernel command line (KEY=VALUE words there are
# init's environment) and LXR_VM_SHARE as the shared directory (kept; CMD is
# ignored); the exit status is then QEMU's (124: VMTIMEOUT passed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd -P)
cache=${LXR_VM_CACHE:-${LXR_BUILD_DIR:-$src/build}/vm}

if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "run-in-vm: qemu-system-x86_64 is not installed (packaging/setup.sh installs qemu-system-x86)" >&2
	exit 77
fi

# The newest packaged kernel that has its modules: the initramfs needs them.
kver=""
for k in $(ls /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V); do
	[ -d "/lib/modules/$k/kernel" ] && kver=$k
done
if [ -z "$kver" ]; then
	echo "run-in-vm: no /boot/vmlinuz-* with modules in /lib/modules (packaging/setup.sh installs linux-image-amd64)" >&2
	exit 77
fi

# Booting the xz-compressed bzImage under emulation costs seconds of
# decompression per boot; decompress once into an ELF vmlinux (QEMU boots it
# through its PVH entry point).
prepare() {
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9 # parallel runs must not half-write the cache for each other
	local vmlinux=$cache/vmlinux-$kver initrd=$cache/initrd-$kver.gz
	if [ ! -s "$vmlinux" ]; then
		python3 - "/boot/vmlinuz-$kver" "$vmlinux.tmp" <<'PY'
import lzma, sys
data = open(sys.argv[1], "rb").read()
at = data.find(b"\xfd7zXZ\x00")
if at < 0:
    sys.exit("run-in-vm: no xz stream in " + sys.argv[1])
# The decompressor stops at the end of the xz stream; what follows is ignored.
open(sys.argv[2], "wb").write(lzma.LZMADecompressor().decompress(data[at:]))
PY
		mv "$vmlinux.tmp" "$vmlinux"
	fi
	if [ ! -s "$initrd" ] || [ "$here/init-runner" -nt "$initrd" ] ||
		[ "$here/mkinitramfs.sh" -nt "$initrd" ]; then
		KVER=$kver sh "$here/mkinitramfs.sh" "$here/init-runner" "$initrd.tmp"
		mv "$initrd.tmp" "$initrd"
	fi
	exec 9>&-
	VMLINUX=$vmlinux
	INITRD=$initrd
}
prepare

# Directories the guest must still see where its tmpfs covers the host's.
keep=$src
[ -n "${LXR_BUILD_DIR:-}" ] && keep=$keep,$(cd "$LXR_BUILD_DIR" && pwd -P)
[ -n "${LXR_VM_KEEP:-}" ] && keep=$keep,$LXR_VM_KEEP
case $keep in *[[:space:]]*)
	echo "run-in-vm: a directory the VM must see has white space in its path: $keep" >&2
	exit 125;;
esac

if [ -n "${LXR_VM_SHARE:-}" ]; then
	share=$LXR_VM_SHARE
else
	share=$(mktemp -d "$cache/run.XXXXXX")
	trap 'rm -rf "$share"' EXIT
fi
append="console=ttyS0 quiet panic=-1 vmshare=$share vmkeep=$keep"
if [ "${LXR_VM_HOSTROOT:-1}" = 0 ] && [ -n "${LXR_VM_INIT:-}" ]; then
	echo "run-in-vm: LXR_VM_INIT boots an init on the host's root, which LXR_VM_HOSTROOT=0 leaves out" >&2
	exit 125
fi
# devices beyond the kernel and the share: the host's root (unless
# LXR_VM_HOSTROOT=0), a disk, the pid file
disk=()
[ "${LXR_VM_HOSTROOT:-1}" = 0 ] ||
	disk+=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap,id=hostroot)
if [ -n "${LXR_VM_DISK:-}" ]; then
	disk+=(-drive "file=$LXR_VM_DISK,format=raw,if=virtio,cache=writethrough")
	append="$append vmdisk=1"
fi
[ -n "${LXR_VM_PIDFILE:-}" ] && disk+=(-pidfile "$LXR_VM_PIDFILE")
[ -n "${LXR_VM_INIT:-}" ] && append="$append init=$LXR_VM_INIT ${LXR_VM_APPEND:-}"
printf 'cd %q && exec' "$share" >"$share/.vmtest-cmd"
printf ' %q' "$@" >>"$share/.vmtest-cmd"
echo >>"$share/.vmtest-cmd"

# -M microvm hangs in about 30 % of boots (TSC calibration): use the pc machine
# with qboot. The guest writes its status into the share; isa-debug-exit only
# makes QEMU quit at once. The console goes out line by line, so a caller
# can act on what the guest says while it runs.
set +e
timeout "${VMTIMEOUT:-300}" qemu-system-x86_64 -accel "${LXR_VM_ACCEL:-tcg}" -m 512 -smp 2 \
	-nographic -no-reboot -bios /usr/share/qemu/qboot.rom \
	-kernel "$VMLINUX" -initrd "$INITRD" \
	-device isa-debug-exit,iobase=0xf4,iosize=4 ${disk[@]+"${disk[@]}"} \
	-virtfs "local,path=$share,mount_tag=share,security_model=none,id=share" \
	-append "$append" </dev/null | stdbuf -oL tr -d '\r'
qrc=${PIPESTATUS[0]}
set -e
if [ -n "${LXR_VM_INIT:-}" ]; then
	exit "$qrc"
fi
if [ -f "$share/.vmtest-rc" ]; then
	exit "$(cat "$share/.vmtest-rc")"
fi
echo "run-in-vm: the VM gave no result (qemu/timeout status $qrc)" >&2
exit 125
