#!/bin/sh
# usage: KVER=<kernel version> mkinitramfs.sh <init-script> <out.cpio.gz>
# A busybox initramfs for the cgroup-v2 test VM: busybox and its applets, the
# init script, and the modules Debian's kernel builds as .ko that the VM needs
# (9p over virtio for the shared directories, overlay, veth, bridge; tun,
# for /dev/net/tun, which rootless lxr's pasta and slirp4netns open; softdog,
# a watchdog to test lxr's petting with; ext4 on virtio-blk for the power-cut
# test).
set -eu
: "${KVER:?set KVER to the guest kernel version (a directory in /lib/modules)}"
M=/lib/modules/$KVER/kernel
R=$(mktemp -d "${TMPDIR:-/tmp}/lxr-initramfs.XXXXXX")
trap 'rm -rf "$R"' EXIT
mkdir -p "$R/bin" "$R/sbin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/mnt" "$R/share" \
	"$R/host" "$R/lib/modules" "$R/etc" "$R/root"
cp /bin/busybox "$R/bin/busybox"
# Applets as links, but never a "busybox" self-link: /init then fails with ELOOP.
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"
done
# Load order is dependency order; init-runner loads them in the same order.
for m in fs/netfs/netfs fs/fscache/fscache net/9p/9pnet fs/9p/9p \
	drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \
	drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/virtio/virtio_mmio \
	net/9p/9pnet_virtio fs/overlayfs/overlay drivers/net/veth net/llc/llc net/802/stp \
	net/bridge/bridge drivers/net/tun drivers/watchdog/watchdog drivers/watchdog/softdog \
	drivers/net/macvlan drivers/net/ipvlan/ipvlan drivers/net/dummy net/802/garp net/802/mrp \
	net/8021q/8021q \
	lib/crc16 crypto/crc32c_generic fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4 \
	drivers/block/virtio_blk; do
	if [ ! -f "$M/$m.ko" ]; then
		echo "mkinitramfs: $M/$m.ko is missing (this recipe expects Debian 12's uncompressed modules)" >&2
		exit 1
	fi
	cp "$M/$m.ko" "$R/lib/modules/"
done
cp "$1" "$R/init"
chmod +x "$R/init"
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
(cd "$R" && find . | cpio -o -H newc --quiet) | gzip -1 >"$2"
