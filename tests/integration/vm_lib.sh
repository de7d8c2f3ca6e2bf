# Sourced by the tests that run in the throw-away VM (tests/vm/run-in-vm.sh):
# the build, source and lxr paths, qemu and a guest kernel (installed by
# packaging/setup.sh when missing, as root; else the test skips, exit 77),
# and the integration tests' rootfs, built as lib.sh builds it.
build=${LXR_BUILD_DIR:?run through ctest (LXR_BUILD_DIR)}
src=${LXR_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
lxr=${LXR:-$build/lxr}

have_vm() {
	command -v qemu-system-x86_64 >/dev/null && ls /boot/vmlinuz-* >/dev/null 2>&1
}
if ! have_vm && [ "$(id -u)" -eq 0 ]; then
	echo "# qemu or a guest kernel is missing: running packaging/setup.sh"
	"$src/packaging/setup.sh"
fi
if ! have_vm; then
	echo "SKIP: qemu-system-x86_64 or /boot/vmlinuz-* missing and packaging/setup.sh could not install them"
	exit 77
fi
rootfs=$build/test-rootfs
if [ ! -f "$rootfs/.complete" ]; then
	rm -rf "$rootfs"
	"$src/examples/make-rootfs.sh" "$rootfs" >/dev/null && touch "$rootfs/.complete"
fi
