#!/bin/sh
# usage (inside the test VM): containers-check.sh LXR ROOTFS
#
# Real containers on a pure cgroup-v2 kernel, as a user meets them: the
# device program (mknod of c 1:11 works, opening it fails with EPERM,
# /dev/null works), the default pids limit, --device, --privileged, and no
# cgroup left behind. Prints ok/not ok lines and "# N lxr run checks failed";
# exits with N. Run by tests/integration/test_cgroup_v2_vm.sh after the
# cgroup driver, in the same VM.
LXR=$1
ROOTFS=$2
export LXR_RUN_DIR=/tmp/lxr-run LXR_LOG_DIR=/tmp/lxr-log LXR_DATA_DIR=/tmp/lxr-data
export LXR_CONFIG=/nonexistent
fails=0
say() { # GOT WANT WHAT
	if [ "$1" = "$2" ]; then
		echo "ok - $3"
	else
		echo "not ok - $3: got [$1] want [$2]"
		fails=$((fails + 1))
	fi
}

got=$("$LXR" run --rm --network none "$ROOTFS" /bin/sh -c '
mknod /tmp/kmsg c 1 11 && echo made
(exec 3>/tmp/kmsg) 2>&1 | grep -o "Operation not permitted"
echo x >/dev/null && echo null-ok
cat /sys/fs/cgroup/pids.max' 2>&1 | tr '\n' ' ')
say "$got" "made Operation not permitted null-ok 4096 " \
	"lxr run: mknod c 1 11 works, opening it fails with EPERM, /dev/null works, pids.max 4096"

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

say "$(ls /sys/fs/cgroup/lxr 2>/dev/null)" "" "lxr run: no cgroup left behind"
echo "# $fails lxr run checks failed"
exit $fails
