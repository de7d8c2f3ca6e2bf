#!/bin/bash
# The runtime's cgroup interface on this host's real cgroups, through
# tests/integration/cgroup_driver.c: limits written where the layout says,
# a child moved in, a real OOM kill, a real fork refusal at pids.max,
# destroy killing what is left. Around it, this script checks that nothing
# outside lxr/<group> changed: the top of every hierarchy, the v2 root's
# subtree_control, and this shell's own cgroups.
set -u
build=${LXR_BUILD_DIR:?run through ctest (LXR_BUILD_DIR)}
driver=$build/tests/cgroup_driver
group=itest-$$

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root to create cgroups"
	exit 77
fi
if ! grep -qE ' - cgroup2? ' /proc/self/mountinfo; then
	echo "SKIP: no cgroup filesystem is mounted"
	exit 77
fi
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then mode=v2; else mode=v1; fi

# Mount points of every cgroup hierarchy (mountinfo field 5, before " - cgroup").
mapfile -t hier < <(awk '$0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo)

snapshot() {
	for h in "${hier[@]}"; do
		# top-level cgroups except lxr, which concurrent lxr tests may share
		find "$h" -mindepth 1 -maxdepth 1 -type d ! -name lxr | sort
		[ -f "$h/cgroup.subtree_control" ] && echo "$h: $(cat "$h/cgroup.subtree_control")"
	done
	cat /proc/self/cgroup
}

# If the driver dies half-way its processes and directories must still go.
cleanup() {
	for h in "${hier[@]}"; do
		[ -d "$h/lxr/$group" ] || continue
		for d in $(find "$h/lxr/$group" -mindepth 1 -depth -type d); do
			xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null
			rmdir "$d" 2>/dev/null
		done
		rmdir "$h/lxr/$group" "$h/lxr" 2>/dev/null
	done
}
trap cleanup EXIT

before=$(snapshot)
echo "# mode $mode, group lxr/$group, hierarchies: ${hier[*]}"
"$driver" "$mode" "$group"
rc=$?
after=$(snapshot)

fail=0
if [ "$before" != "$after" ]; then
	echo "not ok - something outside lxr/ changed:"
	diff <(echo "$before") <(echo "$after")
	fail=1
else
	echo "ok - nothing outside lxr/ changed"
fi
for h in "${hier[@]}"; do
	if [ -e "$h/lxr/$group" ]; then
		echo "not ok - $h/lxr/$group is left behind"
		fail=1
	elif [ -d "$h/lxr" ] && [ -z "$(find "$h/lxr" -mindepth 1 -maxdepth 1 -type d)" ]; then
		echo "not ok - $h/lxr is empty but still there"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "ok - every directory the driver made is gone"
[ $rc -eq 0 ] && [ $fail -eq 0 ]
