#!/bin/bash
# The same cgroup driver as test_cgroup.sh, on a pure cgroup-v2 kernel: most
# users' machines are v2 while CI's host is v1, so the v2 backend runs for
# real in a throw-away VM (tests/vm/run-in-vm.sh). There it also checks
# clone3(CLONE_INTO_CGROUP) with rt_cgroup_v2_fd and the error for a
# controller that cannot be handed down, and the device cgroup as a BPF
# program (v2 has no devices controller). The VM is discarded afterwards, so
# nothing on this host is touched but the build directory's VM cache.
set -u
# After the driver, the same VM runs real containers with lxr
# (tests/vm/containers-check.sh): the device program as a user meets it, the
# default pids limit, --device and --privileged. The rootfs is the
# integration tests' (vm_lib.sh builds it as lib.sh does); the VM sees the
# host's / read-only.
. "$(dirname "$0")/vm_lib.sh"
driver=$build/tests/cgroup_driver
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s.%N)
LXR_BUILD_DIR=$build "$src/tests/vm/run-in-vm.sh" /bin/sh -c \
	'"$1" v2 vmtest; d=$?; "$2" "$3" "$4"; exit $((d + $?))' \
	sh "$driver" "$src/tests/vm/containers-check.sh" "$lxr" "$rootfs" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
end=$(date +%s.%N)
echo "# VM run took $(echo "$end - $start" | bc 2>/dev/null || echo "?") s on the host" \
	"($(grep -o 'VMTEST_START uptime=[0-9.]*s' "$out" | cut -d= -f2) of guest boot)"

if [ "$rc" -eq 77 ]; then
	echo "SKIP: run-in-vm.sh found no VM (see above)"
	exit 77
fi
# A run that printed no verdict did not test anything.
if ! grep -q '^# 0 failed$' "$out"; then
	echo "not ok - the driver did not finish cleanly in the VM (status $rc)"
	exit 1
fi
grep -q '^ok - clone3(CLONE_INTO_CGROUP)' "$out" || { echo "not ok - clone3 check did not run"; exit 1; }
# cgroup v2 has no devices controller: the BPF device program must have been
# attached, enforced (mknod c 1:11 allowed, open EPERM; /dev/null opens) and
# released with the cgroup.
for want in 'devices: one BPF_CGROUP_DEVICE program attached' 'devices: open c 1:11 refused with EPERM' \
	'devices: /dev/null opens' 'devices: program [0-9]* released with the cgroup'; do
	grep -q "^ok - $want" "$out" || { echo "not ok - the VM did not check: $want"; exit 1; }
done
grep -q '^# 0 lxr run checks failed$' "$out" || { echo "not ok - the lxr run checks in the VM failed"; exit 1; }
exit "$rc"
