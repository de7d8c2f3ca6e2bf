#!/bin/bash
# Power cuts at random moments in a throw-away VM (tests/vm/power-cut.sh):
# lxr's data, run and log directories on a virtio disk, QEMU SIGKILLed from
# outside or the guest reset without a sync while a stack goes down and up,
# images load, import and build and a volume is written; every boot after
# must find the stack healthy again, its images verified and runnable, and
# `lxr doctor --repair` must leave nothing behind. CI runs a few cuts
# (LXR_POWER_CUTS, default 2: one of each kind); `tests/vm/power-cut.sh 100`
# is the long run. Nothing on this host is touched but the build
# directory's VM cache.
set -u
build=${LXR_BUILD_DIR:?run through ctest (LXR_BUILD_DIR)}
src=${LXR_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

if ! command -v qemu-system-x86_64 >/dev/null || ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
	echo "SKIP: qemu-system-x86_64 or a guest kernel /boot/vmlinuz-* is missing (packaging/setup.sh installs them)"
	exit 77
fi
LXR_BUILD_DIR=$build "$src/tests/vm/power-cut.sh" "${LXR_POWER_CUTS:-2}"
