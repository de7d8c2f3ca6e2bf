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

# vm_checks NAME WANT... -- CMD [ARG...]: CMD in the VM (run-in-vm.sh, with
# the caller's LXR_VM_* and VMTIMEOUT), its output shown; skips (77) where
# there is no VM. Fails unless the VM printed "# 0 NAME checks failed" and
# an "ok - WANT" line for each WANT (a run that printed no verdict tested
# nothing); else exits with the VM's status.
vm_checks() {
	local name=$1 out rc want wants=()
	shift
	while [ "$1" != -- ]; do
		wants+=("$1")
		shift
	done
	shift
	out=$(mktemp)
	LXR_BUILD_DIR=$build "$src/tests/vm/run-in-vm.sh" "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 77 ]; then
		rm -f "$out"
		echo "SKIP: run-in-vm.sh found no VM (see above)"
		exit 77
	fi
	if ! grep -q "^# 0 $name checks failed\$" "$out"; then
		rm -f "$out"
		echo "not ok - the checks in the VM failed (status $rc)"
		exit 1
	fi
	for want in "${wants[@]}"; do
		grep -q "^ok - $want" "$out" && continue
		rm -f "$out"
		echo "not ok - the VM did not check: $want"
		exit 1
	done
	rm -f "$out"
	exit "$rc"
}
