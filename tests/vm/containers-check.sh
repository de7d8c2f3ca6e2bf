#!/bin/sh
# usage (inside the test VM): containers-check.sh LXR ROOTFS
#
# Real containers on a pure cgroup-v2 kernel, as a user meets them: the
# device program (mknod of c 1:11 works, opening it fails with EPERM,
# /dev/null works), the default pids limit, --device, --privileged, and no
# cgroup left behind; compose's cgroup knobs through lxr up. Prints ok/not
# ok lines and "# N lxr run checks failed";
# exits with N. Run by tests/integration/test_cgroup_v2_vm.sh after the
# cgroup driver, in the same VM.
LXR=$1
ROOTFS=$2
export LXR_RUN_DIR=/tmp/lxr-run LXR_LOG_DIR=/tmp/lxr-log LXR_DATA_DIR=/tmp/lxr-data
export LXR_CONFIG=/nonexistent
. "$(dirname "$0")/check-lib.sh"

got=$("$LXR" run --rm --network none "$ROOTFS" /bin/sh -c '
mknod /tmp/kmsg c 1 11 && echo made
(exec 3>/tmp/kmsg) 2>&1 | grep -o "Operation not permitted"
echo x >/dev/null && echo null-ok
cat /sys/fs/cgroup/pids.max' 2>&1 | tr '\n' ' ')
say "$got" "made Operation not permitted null-ok 4096 " \
	"lxr run: mknod c 1 11 works, opening it fails with EPERM, /dev/null works, pids.max 4096"

# lxr run's first process shares lxr's memory and is born in its cgroup
# (clone3 with CLONE_INTO_CGROUP and its cgroup namespace): the namespace's
# root is that cgroup, and the pids limit is already its own
got=$(LXR_DEBUG=1 "$LXR" run --rm --network none "$ROOTFS" /bin/sh -c \
	'cat /proc/self/cgroup /sys/fs/cgroup/pids.max' 2>/tmp/shared.err | tr '\n' ' ')
grep -q "into its cgroup, sharing lxr's memory" /tmp/shared.err && got="$got shared"
say "$got" "0::/ 4096  shared" "lxr run: shares lxr's memory, born in its cgroup, the root of its cgroup namespace"
got=$("$LXR" run --rm --network none --device /dev/kmsg "$ROOTFS" /bin/sh -c \
	'(exec 3>/dev/kmsg) && echo kmsg-open' 2>&1)
say "$got" "kmsg-open" "lxr run --device /dev/kmsg: it opens"

got=$("$LXR" run --rm --network none --pids-limit -1 "$ROOTFS" cat /sys/fs/cgroup/pids.max 2>&1)
say "$got" "max" "lxr run --pids-limit -1: pids.max is max"

got=$("$LXR" run --rm --network none --privileged "$ROOTFS" /bin/sh -c '
(exec 3<>/dev/loop-control) && echo loop-open
grep " /sys/fs/cgroup " /proc/mounts | cut -d" " -f4 | cut -d, -f1' 2>&1 | tr '\n' ' ')
say "$got" "loop-open rw " "lxr run --privileged: a host device opens, /sys/fs/cgroup is rw"

# pause on v2: cgroup.freeze, and cgroup.events says "frozen 1"
"$LXR" run -d --name pz --network none "$ROOTFS" sleep 1000 >/dev/null 2>&1
got=$("$LXR" pause pz 2>&1; grep frozen /sys/fs/cgroup/lxr/_run/pz/cgroup.events)
say "$(echo $got)" "pz frozen 1" "lxr pause: the container's cgroup.events says frozen 1"
got=$("$LXR" exec pz true 2>&1 | grep -o "the container is paused")
say "$got" "the container is paused" "lxr exec into a paused container is refused"
got=$("$LXR" unpause pz 2>&1; grep frozen /sys/fs/cgroup/lxr/_run/pz/cgroup.events)
say "$(echo $got)" "pz frozen 0" "lxr unpause: frozen 0"
"$LXR" pause pz >/dev/null 2>&1
got=$("$LXR" rm -f pz 2>&1)
say "$got" "pz" "lxr rm -f of a paused container"

# compose's cgroup knobs on v2 (lxr up, no network): cpuset.cpus and
# io.max written, mem_swappiness and oom_kill_disable warned about and
# dropped (v2 has no such knob), as docker does.
bdev=""
for d in /sys/block/*; do
	[ -b "/dev/${d##*/}" ] && [ -f "$d/dev" ] && { bdev=/dev/${d##*/}; bnum=$(cat "$d/dev"); break; }
done
mkdir -p /tmp/knobs
{
	echo "name: knobs"
	echo "services:"
	echo "  tuned:"
	echo "    image: $ROOTFS"
	echo "    command: [sleep, \"1000\"]"
	echo "    network_mode: none"
	echo "    cpuset: \"0\""
	echo "    mem_swappiness: 10"
	echo "    oom_kill_disable: true"
	[ -n "$bdev" ] && echo "    blkio_config: {device_read_bps: [{path: $bdev, rate: 1mb}]}"
} >/tmp/knobs/compose.yaml
up=$("$LXR" up -d -f /tmp/knobs/compose.yaml 2>&1)
rc=$?
printf '%s\n' "$up" | sed 's/^/# /'
say "$rc" "0" "lxr up with cpuset, mem_swappiness, oom_kill_disable, blkio_config"
say "$(printf '%s\n' "$up" | grep -c 'has no memory.swappiness\|has no memory.oom_control')" "2" \
	"lxr up: v2 warns that mem_swappiness and oom_kill_disable are dropped"
say "$(cat /sys/fs/cgroup/lxr/knobs/tuned-1/cpuset.cpus 2>&1)" "0" "cpuset: v2 cpuset.cpus"
if [ -n "$bdev" ]; then
	say "$(cat /sys/fs/cgroup/lxr/knobs/tuned-1/io.max 2>&1)" "$bnum rbps=1048576 wbps=max riops=max wiops=max" \
		"blkio_config: v2 io.max for $bdev"
fi
"$LXR" down -f /tmp/knobs/compose.yaml >/dev/null 2>&1
# lxr's own groups (lxr/_run, ...) stay, empty; no container's cgroup does
say "$(find /sys/fs/cgroup/lxr -mindepth 1 -maxdepth 2 -type d ! -name '_*' 2>/dev/null)" "" \
	"lxr run: no cgroup left behind"
# A user namespace per container ([userns] in lxr.conf) on v2: born in its
# cgroup, which is delegated to its root, with cgroup2 mounted inside. Where
# the kernel refuses it (this VM's chroot) or the image's file system takes
# no idmapped mounts (9p, a 6.1 tmpfs), the start fails with that reason
# and leaves no cgroup.
printf '[userns]\nmode = 1400000:65536\n' >/tmp/userns.conf
got=$(LXR_CONFIG=/tmp/userns.conf "$LXR" run --rm --network none "$ROOTFS" /bin/sh -c '
awk "{print \$2}" /proc/self/uid_map; stat -c %u /sys/fs/cgroup/cgroup.procs; cat /sys/fs/cgroup/pids.max' 2>&1)
rc=$?
if [ "$(stat -c %d:%i /)" != "$(stat -c %d:%i /proc/1/root/.)" ]; then
	# the VM runs the checks chrooted into the host's tree, and the kernel
	# refuses a user namespace in a chroot: only the error can be checked
	say "$rc:$(printf '%s' "$got" | grep -c 'refuses a user namespace to a process in a chroot')" \
		"125:1" "userns in a chroot: lxr run fails (exit 125) saying why"
elif printf '%s' "$got" | grep -q "MOUNT_ATTR_IDMAP"; then
	say "$rc" "125" "userns without idmapped mounts: lxr run fails (exit 125) naming them"
else
	say "$(printf '%s' "$got" | tr '\n' ' ')" "1400000 0 4096 " \
		"userns: uid_map, cgroup.procs delegated to container root, pids.max"
fi
say "$(find /sys/fs/cgroup/lxr/_run -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" "" \
	"userns: no container cgroup left behind"

echo "# $fails lxr run checks failed"
exit $fails
