#!/bin/bash
# The device cgroup and the default pids limit, seen from inside containers:
# docker's allow-list (a node made with mknod exists but cannot be opened),
# --device and --device-cgroup-rule, --privileged, the same keys in a stack
# file, and pids.max. Every "cannot open" is checked on the open itself
# (exec 3>...), with a device whose driver would let the open through, so
# the EPERM can only come from the device cgroup.
. "$(dirname "$0")/lib.sh"

# /dev/kmsg opened write-only needs no privilege from its driver, and an
# unbound loop device opens read-only for root: without a device cgroup both
# opens succeed (checked on the host first, or the test could not fail).
exec 3>/dev/kmsg || skip "the host cannot open /dev/kmsg write-only"
exec 3>&-
# the host's console (c 5:1) is not docker's either: a container could read
# what is typed there and push input into it. Where the host's opens (as
# root, without a device cgroup), the container's must fail with EPERM.
console=
python3 -c 'import os; os.close(os.open("/dev/console", os.O_RDWR | os.O_NOCTTY))' 2>/dev/null &&
	console='mknod /tmp/console c 5 1 && (exec 3</tmp/console) 2>&1 || echo console-refused'
probe=$console'
mknod /tmp/kmsg c 1 11 && echo made-kmsg
(exec 3>/tmp/kmsg) 2>&1 || echo kmsg-refused
mknod /tmp/loop b 7 0 && echo made-loop
(exec 3</tmp/loop) 2>&1 || echo loop-refused
mknod /tmp/fuse c 10 229 && (exec 3<>/tmp/fuse) 2>&1 || echo fuse-refused
echo x >/dev/null && echo null-ok
[ "$(head -c 4 /dev/zero | wc -c)" = 4 ] && echo zero-ok
[ "$(head -c 16 /dev/urandom | wc -c)" = 16 ] && echo urandom-ok
(echo x >/dev/full) 2>&1 | grep -q "No space left" && echo full-ok
(exec 3>/dev/tty) 2>&1; true'
run run --rm --name "$(cname default)" --network none "$ROOTFS" /bin/sh -c "$probe"
expect_rc 0 "default container"
for l in made-kmsg kmsg-refused made-loop loop-refused fuse-refused null-ok zero-ok urandom-ok full-ok; do
	echo "$OUT" | grep -qx "$l" || fail "default container: no '$l' in: $OUT"
done
[ "$(echo "$OUT" | grep -c "Operation not permitted")" -eq $((3 + ${console:+1})) ] ||
	fail "kmsg, loop, fuse${console:+ and console} opens must fail with EPERM: $OUT"
[ -z "$console" ] || echo "$OUT" | grep -qx console-refused || fail "the host's console opened: $OUT"
# without a terminal the tty driver answers ENXIO; the device cgroup's
# answer would have been EPERM
expect_grep "$OUT" "/dev/tty: No such device or address" "/dev/tty reaches its driver"
pass "mknod of c 1:11, b 7:0, c 10:229${console:+, c 5:1} works, opening them fails with EPERM; null, zero, full, urandom work"

if command -v script >/dev/null; then
	out=$(script -qec "$LXR run --rm -t --name $(cname tty) --network none $ROOTFS /bin/sh -c 'echo hi >/dev/tty && echo tty-ok'" /dev/null </dev/null | tr -d '\r')
	echo "$out" | grep -qx tty-ok || fail "/dev/tty with -t: $out"
	pass "/dev/tty opens with a terminal"
fi

# A device the container is given: the node with the host's numbers, usable.
dev=/dev/fuse
[ -c "$dev" ] || dev=/dev/loop-control
[ -c "$dev" ] || skip "neither /dev/fuse nor /dev/loop-control exists on this host"
numbers="$(stat -c '%t:%T' "$dev")"
run run --rm --name "$(cname device)" --network none --device "$dev" "$ROOTFS" /bin/sh -c \
	"stat -c '%F %t:%T %a' $dev; (exec 3<>$dev) && echo opened"
expect_rc 0 "--device $dev"
expect_out "$(printf 'character special file %s %s\nopened' "$numbers" "$(stat -c %a "$dev")")" "--device $dev"
run run --rm --name "$(cname devro)" --network none --device "$dev:/dev/mine:r" "$ROOTFS" /bin/sh -c \
	"(exec 3</dev/mine) && echo read-ok; (exec 3>/dev/mine) 2>&1 || echo write-refused"
expect_grep "$OUT" "read-ok" "--device HOST:CONTAINER:r reads"
expect_grep "$OUT" "Operation not permitted" "--device :r refuses write"
pass "--device $dev makes the node with the host's numbers and mode and allows it (permissions honoured)"

run run --rm --name "$(cname rule)" --network none --device-cgroup-rule 'c 10:229 rw' "$ROOTFS" /bin/sh -c \
	'mknod /tmp/fuse c 10 229 && (exec 3<>/tmp/fuse) && echo fuse-open'
expect_out "fuse-open" "--device-cgroup-rule 'c 10:229 rw'"
pass "--device-cgroup-rule allows a node the container makes"

run run --rm --name "$(cname nodev)" --network none --device /dev/no-such-device "$ROOTFS" true
expect_rc 125 "missing host device"
expect_grep "$ERR" "--device /dev/no-such-device: device /dev/no-such-device: No such file or directory" "missing device named"
run run --rm --name "$(cname notdev)" --network none --device /etc/hostname "$ROOTFS" true
expect_rc 125 "non-device path"
expect_grep "$ERR" "not a character or block device" "non-device path"
run run --rm --name "$(cname badrule)" --network none --device-cgroup-rule 'c 1:3 rwx' "$ROOTFS" true
expect_rc 125 "bad rule"
expect_grep "$ERR" "--device-cgroup-rule \"c 1:3 rwx\": the access must be" "bad rule named"
pass "a missing host device, a non-device path and a bad rule are refused before anything is made"

# privileged: a host device is there and opens; every capability lxr holds;
# no seccomp; /sys writable; /proc/kcore not masked.
own=$(grep '^CapBnd' /proc/self/status | cut -f2)
run run --rm --name "$(cname priv)" --network none --privileged --cap-drop ALL "$ROOTFS" /bin/sh -c \
	"(exec 3<>$dev) && echo host-dev-open; (exec 3>/dev/kmsg) && echo kmsg-open
grep -E '^(CapEff|Seccomp):' /proc/self/status; grep ' /sys ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1
grep -c ' /proc/kcore ' /proc/self/mountinfo; true"
expect_rc 0 "--privileged"
expect_out "$(printf 'host-dev-open\nkmsg-open\nCapEff:\t%s\nSeccomp:\t0\nrw\n0' "$own")" "--privileged"
pass "--privileged: host devices open, every capability (cap-drop ignored), no seccomp, /sys rw, nothing masked"

# The same keys in a stack file.
stack <<EOF
name: t$$-devices
services:
  given:
    image: @ROOTFS@
    devices: ["$dev"]
    command: ["/bin/sh", "-c", "(exec 3<>$dev) && echo given-open"]
  ruled:
    image: @ROOTFS@
    device_cgroup_rules: ["c 10:229 rw"]
    command: ["/bin/sh", "-c", "mknod /tmp/f c 10 229 && (exec 3<>/tmp/f) && echo ruled-open"]
  plain:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "mknod /tmp/f c 10 229 && (exec 3<>/tmp/f) || echo plain-refused"]
EOF
run up -f "$STACK"
expect_rc 0 "stack with devices"
for l in "given-open" "ruled-open" "plain-refused"; do
	expect_grep "$OUT$ERR" "$l" "stack: $l"
done
run down -f "$STACK"
pass "devices and device_cgroup_rules in a stack file"

sed -i "s|\"$dev\"|\"/dev/no-such-device\"|" "$STACK"
run up -f "$STACK"
[ "$RC" -ne 0 ] || fail "a stack with a missing device must not start"
expect_grep "$ERR" "$STACK:5:15: service \"given\": devices: device /dev/no-such-device: No such file or directory" "missing device in a stack"
[ ! -e "$LXR_RUN_DIR/$PROJECT/given-1" ] || fail "a container of the refused stack was made"
pass "a missing device in a stack fails up at its line, before anything starts"

# pids: lxr's default 4096, --pids-limit, -1 = max, lxr.conf [limits].
pids_max() { # NAME -> the container's pids.max, read on the host
	cat /sys/fs/cgroup/pids/lxr/_run/"$1"/pids.max /sys/fs/cgroup/lxr/_run/"$1"/pids.max 2>/dev/null || true
}
check_pids() { # WANT NAME ARGS...
	want=$1 n=$(cname "$2")
	shift 2
	run run -d --rm --name "$n" --network none "$@" "$ROOTFS" sleep 30
	expect_rc 0 "pids: $n"
	got=$(pids_max "$n")
	"$LXR" rm -f "$n" >/dev/null 2>&1
	[ "$got" = "$want" ] || fail "pids.max of $n: [$got], want [$want]"
}
check_pids 4096 pdefault
check_pids 100 plimit --pids-limit 100
check_pids max punlimited --pids-limit -1
check_pids max pzero --pids-limit 0
printf '[limits]\npids = 321\n' >"$LXR_CONFIG"
check_pids 321 pconf
check_pids 100 pconfown --pids-limit 100
pass "pids.max: 4096 by default, --pids-limit N, -1/0 = max, lxr.conf [limits] pids"

# The default is enforced, not just written: with [limits] pids = 25 a
# container cannot have 40 processes.
printf '[limits]\npids = 25\n' >"$LXR_CONFIG"
# The shell prints (a builtin: no fork) after each sleep it started, and
# dies on the first fork the kernel refuses; the sleeps die with the
# container. 25 tasks = lxr-init + sh + 23 sleeps.
run run --rm --name "$(cname forks)" --network none "$ROOTFS" /bin/sh -c \
	'i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i + 1)); echo $i; done'
n=$(echo "$OUT" | tail -n1)
[ "$RC" -ne 0 ] && [ -n "$n" ] && [ "$n" -le 23 ] && [ "$n" -ge 20 ] ||
	fail "with a default of 25 the container started [$n] of 40 sleeps (rc $RC): $ERR"
expect_grep "$ERR" "can't fork" "the refused fork"
rm -f "$LXR_CONFIG"
pass "the default pids limit stops a fork loop ($n of 40 started)"
