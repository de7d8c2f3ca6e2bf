#!/bin/bash
# What a user sees inside: own hostname, PID 1, no host processes, the rootfs
# as /, only loopback, and a writable layer of its own.
. "$(dirname "$0")/lib.sh"

host_hostname=$(hostname)
n=$(cname iso)
run run --rm --name "$n" --hostname box1 "$ROOTFS" hostname
expect_rc 0 "hostname"
expect_out box1 "container hostname"
[ "$(hostname)" = "$host_hostname" ] || fail "host hostname changed"
pass "hostname is the container's; the host's is unchanged"

run run --rm --name "$(cname pid)" "$ROOTFS" /bin/sh -c 'echo $$; ps -o pid,comm | wc -l; ps -o comm'
expect_rc 0 "ps"
lines=$(echo "$OUT" | sed -n 2p)
echo "$OUT" | sed -n 1p | grep -qx 2 || fail "the shell should be PID 2 under lxr-init, got: $OUT"
echo "$OUT" | grep -qx lxr-init || fail "PID 1 should be lxr-init: $OUT"
# header + lxr-init + sh + ps (+ wc): the host's hundreds of processes are absent
[ "$lines" -le 6 ] || fail "container sees $lines processes: $OUT"
echo "$OUT" | grep -q sshd\|systemd\|bash && fail "host processes visible: $OUT"
pass "PID 1 is lxr-init and host PIDs are invisible"

run run --rm --no-init --name "$(cname noinit)" "$ROOTFS" /bin/sh -c 'echo $$'
expect_out 1 "--no-init makes the command PID 1"
pass "--no-init runs the command as PID 1"

run run --rm --name "$(cname ls)" "$ROOTFS" ls /
for d in bin etc proc sys dev tmp; do echo "$OUT" | grep -qx "$d" || fail "ls / lacks $d: $OUT"; done
echo "$OUT" | grep -qx work && fail "host's / visible"
pass "ls / shows the rootfs"

run run --rm --network none --name "$(cname net)" "$ROOTFS" /bin/sh -c 'ls /sys/class/net; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "'
expect_out "$(printf 'lo\nlo')" "network namespace has only lo"
run run --rm --name "$(cname lo)" "$ROOTFS" /bin/sh -c 'ip -o link show lo | grep -q UP && ping -c1 -W1 127.0.0.1 >/dev/null && echo up'
expect_out up "loopback is up"
pass "network namespace has only lo, and it is up"

run run --rm --name "$(cname ipc)" "$ROOTFS" /bin/sh -c 'readlink /proc/self/ns/ipc /proc/self/ns/uts /proc/self/ns/cgroup /proc/self/ns/mnt'
for ns in ipc uts cgroup mnt; do
	host=$(readlink /proc/self/ns/$ns)
	echo "$OUT" | grep -qx "$host" && fail "$ns namespace shared with the host"
done
pass "ipc, uts, cgroup and mount namespaces are new"

# The cgroup namespace is rooted at the container's own cgroups, in every
# hierarchy (on v1 the command's cgroups are joined while its root is
# built, and its namespace made only after that), and the command runs in
# them: from the host, each line of its /proc/PID/cgroup names the
# container's cgroup or a hierarchy lxr does not use.
n=$(cname cg)
run run --rm --name "$n" "$ROOTFS" cat /proc/self/cgroup
expect_rc 0 "cat /proc/self/cgroup"
[ -n "$OUT" ] && ! echo "$OUT" | grep -v ':/$' ||
	fail "the container sees cgroups outside its namespace's root: $OUT"
n=$(cname cgh)
run run -d --name "$n" "$ROOTFS" sleep 30
expect_rc 0 "run -d"
run top "$n"
cmdpid=$(echo "$OUT" | awk '$8 == "sleep" { print $2 }')
[ -n "$cmdpid" ] || fail "no pid for the container's sleep in lxr top: $OUT"
grep -q "/lxr/_run/$n\$" "/proc/$cmdpid/cgroup" ||
	fail "the command is not in the container's cgroup: $(cat "/proc/$cmdpid/cgroup")"
grep -v "/lxr/_run/$n\$" "/proc/$cmdpid/cgroup" | grep -q ":/lxr/" &&
	fail "the command is in another lxr cgroup: $(cat "/proc/$cmdpid/cgroup")"
run rm -f "$n"
# with the host's cgroup namespace too: the command's first process is in
# the container's cgroups (on v1, moved there while the root was built)
n=$(cname cgns)
run run --rm --name "$n" --cgroupns host "$ROOTFS" cat /proc/self/cgroup
expect_rc 0 "--cgroupns host"
echo "$OUT" | grep -q "/lxr/_run/$n\$" || fail "--cgroupns host: the command is not in its cgroups: $OUT"
echo "$OUT" | grep -E "^[0-9]+:(pids|memory|cpu|cpu,cpuacct|devices|freezer)?:/\$" &&
	fail "--cgroupns host: the command is in lxr's own cgroups: $OUT"
pass "the cgroup namespace's root is the container's cgroup; the command runs in it"

# Its own limits where tools look for them (a JVM sizes its heap from
# them): on a v1 host its v1 hierarchies at /sys/fs/cgroup/<controllers>,
# read-only, rooted at its own cgroup; on v2 the cgroup2 mount
if [ -d /sys/fs/cgroup/memory ] && mountpoint -q /sys/fs/cgroup/memory; then
	run run --rm --name "$(cname cgv1)" -m 64m "$ROOTFS" sh -c \
		'cat /sys/fs/cgroup/memory/memory.limit_in_bytes
		[ -e /sys/fs/cgroup/memory/release_agent ] && echo release_agent
		echo 1 > /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null && echo written
		grep -c " - cgroup cgroup " /proc/self/mountinfo'
	expect_rc 0 "the container's v1 view"
	[ "$(echo "$OUT" | sed -n 1p)" = 67108864 ] || fail "memory.limit_in_bytes in the container: $OUT"
	echo "$OUT" | grep -qx "release_agent\|written" && fail "the hierarchy's root or a writable knob: $OUT"
	[ "$(echo "$OUT" | tail -n 1)" -ge 2 ] || fail "too few v1 hierarchies mounted: $OUT"
	pass "a v1 host's container sees its own cgroups, read-only, at /sys/fs/cgroup"
fi

# the writable layer: writes stay in the container, the rootfs is untouched
before=$(find "$ROOTFS" -newer "$ROOTFS/.complete" | wc -l)
a=$(cname a)
b=$(cname b)
run run --name "$a" "$ROOTFS" /bin/sh -c 'echo A > /etc/marker; rm /bin/ls; cat /etc/marker'
expect_out A "write in container a"
run run --rm --name "$b" "$ROOTFS" /bin/sh -c 'cat /etc/marker 2>&1; ls /bin/ls'
expect_grep "$OUT" "No such file" "container b must not see a's file"
expect_grep "$OUT" "^/bin/ls$" "container b must still have ls"
[ ! -e "$ROOTFS/etc/marker" ] && [ -e "$ROOTFS/bin/ls" ] || fail "rootfs modified"
after=$(find "$ROOTFS" -newer "$ROOTFS/.complete" | wc -l)
[ "$before" = "$after" ] || fail "rootfs tree changed ($before -> $after newer files)"
[ -f "$LXR_RUN_DIR/_run/$a/upper/etc/marker" ] || fail "a's write is not in its upper dir"
rm -rf "${LXR_RUN_DIR:?}/_run/$a"
pass "two containers from one rootfs never see each other's writes; rootfs untouched"

# mounts: fresh /proc, read-only /sys, private tmpfs /dev, devpts newinstance
run run --rm --name "$(cname mnt)" "$ROOTFS" /bin/sh -c 'touch /sys/x 2>&1; grep -E " /(dev|dev/pts|dev/shm|dev/mqueue|sys|proc) " /proc/self/mounts | cut -d" " -f2,3,4 | cut -d, -f1'
expect_grep "$OUT" "Read-only file system" "/sys must be read-only"
for l in "/proc proc rw" "/dev tmpfs rw" "/dev/pts devpts rw" "/dev/shm tmpfs rw" "/dev/mqueue mqueue rw" "/sys sysfs ro"; do
	echo "$OUT" | grep -qx "$l" || fail "mount missing: $l in: $OUT"
done
run run --rm --name "$(cname dev)" "$ROOTFS" /bin/sh -c 'ls /dev | tr "\n" " "; ls -l /dev/null | cut -c1-10; readlink /dev/ptmx /dev/fd'
for d in null zero full random urandom tty pts shm mqueue ptmx fd stdin stdout stderr; do
	echo "$OUT" | grep -qw "$d" || fail "/dev lacks $d: $OUT"
done
echo "$OUT" | grep -qw sda\|vda\|mem && fail "host devices visible: $OUT"
expect_grep "$OUT" "crw-rw-rw-" "/dev/null mode"
pass "fresh /proc, read-only /sys, private /dev with the standard nodes"
