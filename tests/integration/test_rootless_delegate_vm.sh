#!/bin/bash
# Rootless limits through a delegated cgroup v2 subtree (docs/rootless.md),
# on a pure cgroup v2 box (tests/vm/run-in-vm.sh: this CI host is hybrid and
# has no systemd). The default VM mode runs its command in a chroot, where
# the kernel refuses CLONE_NEWUSER, so the guest boots this test's own init
# (LXR_VM_INIT: switch_root, no chroot). systemd's user@UID.service is
# emulated: a cgroup d-user.service owned by the user, marked user.delegate=1,
# with only memory and pids handed down (systemd's default), the user's
# commands in a child of it. An ordinary user (its passwd, group and
# subordinate ranges bound over the read-only host's /etc) then runs
# `lxr run --rm -m 64m`, sees the limit in the container, is refused
# --cpus naming the cpu controller and the drop-in that delegates it,
# sees that container root cannot lift it, and that the containers'
# cgroups go when they end while the user's stay. (Detached containers and
# stacks are not covered: pasta and slirp4netns fail in this guest.)
set -u
build=${LXR_BUILD_DIR:?run through ctest (LXR_BUILD_DIR)}
src=${LXR_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
lxr=${LXR:-$build/lxr}

command -v newuidmap >/dev/null && command -v newgidmap >/dev/null ||
	{ echo "SKIP: newuidmap/newgidmap are not installed (Debian's uidmap; packaging/setup.sh)"; exit 77; }
[ -e /etc/subuid ] && [ -e /etc/subgid ] ||
	{ echo "SKIP: no /etc/subuid or /etc/subgid to bind the guest's over"; exit 77; }
rootfs=$build/test-rootfs
if [ ! -f "$rootfs/.complete" ]; then
	rm -rf "$rootfs"
	"$src/examples/make-rootfs.sh" "$rootfs" >/dev/null && touch "$rootfs/.complete"
fi
mkdir -p "$build/vm"
share=$(mktemp -d "$build/vm/ddel.XXXXXX")
chmod 0755 "$share"
out=$share.console
trap 'rm -rf "$share" "$out"' EXIT

# PID 1 of the guest: the mounts an init makes, the test, its status in the
# share, power off (sysrq: no init system to ask)
cat >"$share/init.sh" <<S
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "VMTEST_START"
/bin/sh $share/in-vm.sh "$lxr" "$rootfs" "$share" >$share/log 2>&1
echo \$? >$share/rc
sync
echo o >/proc/sysrq-trigger
sleep 60
S
chmod 0755 "$share/init.sh"
cat >"$share/in-vm.sh" <<'S'
# runs as root in the VM, as PID 1's child; prints "ok - ..." / "not ok - ..." lines
lxr=$1 rootfs=$2 share=$3
U=dlxr N=2917 H=/tmp/dhome
cg=/sys/fs/cgroup unit=/sys/fs/cgroup/d-user.service
fails=0
ok() { echo "ok - $*"; }
no() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { # NAME COMMAND...
	n=$1; shift
	if "$@"; then ok "$n"; else no "$n"; fi
}
# the user: /etc is the host's, read-only: bind copies over it
mkdir -p /tmp/detc
for f in passwd group subuid subgid; do cp /etc/$f /tmp/detc/$f; done
echo "$U:x:$N:$N::$H:/bin/sh" >>/tmp/detc/passwd
echo "$U:x:$N:" >>/tmp/detc/group
echo "$U:300000:65536" >>/tmp/detc/subuid
echo "$U:300000:65536" >>/tmp/detc/subgid
for f in passwd group subuid subgid; do mount --bind /tmp/detc/$f /etc/$f || no "bind /etc/$f"; done
mkdir -p $H/bin $H/run
cp "$lxr" "$(dirname "$lxr")/lxr-image" $H/bin/
cp -a "$rootfs" $H/rootfs
chown -R $N:$N $H
chmod 0700 $H/run

# what systemd does for user@UID.service (Delegate=yes): memory and pids
# handed down, the cgroup and its delegation files the user's, the xattr
echo "+memory +pids" >$cg/cgroup.subtree_control
mkdir $unit $unit/shell.scope
chown $N:$N $unit $unit/cgroup.procs $unit/cgroup.subtree_control $unit/cgroup.threads \
	$unit/shell.scope $unit/shell.scope/cgroup.procs
/usr/bin/python3 -c 'import os; os.setxattr("/sys/fs/cgroup/d-user.service", "user.delegate", b"1")' ||
	no "set user.delegate"

# the user's command, from a shell in the user's delegated cgroup, with
# nothing of root's environment
urun() {
	OUT=$(cd $H && sh -c 'echo $$ >/sys/fs/cgroup/d-user.service/shell.scope/cgroup.procs &&
		exec setpriv --reuid '$N' --regid '$N' --clear-groups env -i HOME='$H' \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR='$H'/run '$H'/bin/lxr "$@"' \
		urun "$@" 2>/tmp/derr)
	RC=$?
	ERR=$(cat /tmp/derr)
}

urun run --rm --network none -m 64m $H/rootfs cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
check "lxr run --rm -m 64m as the user: rc $RC $ERR" [ "$RC" = 0 ]
check "the container's memory.max is 64m: $OUT" [ "$(echo "$OUT" | head -1)" = 67108864 ]
check "lxr's default pids limit holds where pids is delegated: $OUT" [ "$(echo "$OUT" | sed -n 2p)" = 4096 ]
check "its cgroup is below the delegated one" [ -d $unit/lxr ]
# the cgroup is the user's, and so is container root: the limit must still
# be out of the container's reach
urun run --rm --network none -m 64m $H/rootfs sh -c \
	'echo max >/sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/memory.max'
check "container root cannot lift its own limit: $OUT" [ "$OUT" = 67108864 ]
check "no lxr/ at the root" [ ! -e $cg/lxr ]

urun run --rm --network none --cpus 0.5 $H/rootfs true
check "--cpus without a delegated cpu controller is refused: rc $RC" [ "$RC" != 0 ]
check "the error names the controller: $ERR" sh -c 'echo "$1" | grep -q "needs the cpu controller"' - "$ERR"
check "the hint names the drop-in" sh -c 'echo "$1" | grep -q "user@.service.d/delegate.conf"' - "$ERR"

# run --rm returns before its cleaner is done: wait for it (bounded)
for _ in $(seq 100); do [ -z "$(ls -d $unit/lxr/_run/*/ 2>/dev/null)" ] && break; sleep 0.1; done
check "the containers' cgroups are gone: $(ls -d $unit/lxr/_run/*/ 2>/dev/null)" \
	[ -z "$(ls -d $unit/lxr/_run/*/ 2>/dev/null)" ]
check "and the user's cgroups stay" [ -d $unit/shell.scope ]
# A detached container or a stack needs pasta (or slirp4netns), and both
# fail in this guest (EIO starting them) before any cgroup is made: that
# path is not covered here.
exit $fails
S
start=$(date +%s)
LXR_BUILD_DIR=$build LXR_VM_SHARE=$share LXR_VM_INIT=$share/init.sh VMTIMEOUT=200 \
	"$src/tests/vm/run-in-vm.sh" true >"$out" 2>&1
rc=$?
echo "# the VM ran $(($(date +%s) - start)) s (status $rc)"
[ "$rc" -eq 77 ] && { cat "$out"; echo "SKIP: run-in-vm.sh found no VM (qemu or a guest kernel missing)"; exit 77; }
[ -f "$share/log" ] && grep -E '^(not )?ok - ' "$share/log"
if [ "$(cat "$share/rc" 2>/dev/null)" != 0 ]; then
	echo "# guest log:"
	sed 's/^/#   /' "$share/log" 2>/dev/null
	echo "# console:"
	sed 's/^/#   /' "$out"
	exit 1
fi
echo "PASS: rootless limits through a delegated cgroup v2 subtree"
