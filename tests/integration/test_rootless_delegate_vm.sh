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
# cgroups go when they end while the user's stay. Then, with pasta
# connecting each network namespace to the box (the initramfs loads tun;
# this init makes /dev/net/tun 0666, as udev does, and a veth gives pasta
# the default route it copies), a `run -d -m 48m` container and a two-service
# stack brought up with `up -d` (mem_limit, deploy.resources.limits.memory):
# memory.max in the user's cgroups, `exec` in there, `pause` freezing and
# `unpause` thawing (cgroup.freeze, cgroup.events, `lxr ps`), `stats
# --no-stream` with memory figures against the limits, and `rm -f` and
# `down` leaving no container's cgroup behind.
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
# what udev's 50-udev-default.rules does: devtmpfs makes /dev/net/tun (the
# initramfs loads tun) root's, 0600; an ordinary user's pasta needs 0666
chmod 0666 /dev/net/tun
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
# nothing of root's environment; its stdin is not the console (a terminal:
# `lxr exec SERVICE` would give the command one, and its output CRLFs)
urun() {
	OUT=$(cd $H && sh -c 'echo $$ >/sys/fs/cgroup/d-user.service/shell.scope/cgroup.procs &&
		exec setpriv --reuid '$N' --regid '$N' --clear-groups env -i HOME='$H' \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR='$H'/run '$H'/bin/lxr "$@"' \
		urun "$@" </dev/null 2>/tmp/derr)
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

# A detached container or a stack has a network namespace of its own, which
# pasta connects to the box: it opens /dev/net/tun (the initramfs loads tun)
# and copies the addresses of the interface with the default route (a veth
# here: the guest has only lo).
check "/dev/net/tun is there for pasta: $(ls -l /dev/net/tun 2>&1)" [ -c /dev/net/tun ]
ip link add dv0 type veth peer name dv1 && ip addr add 10.77.0.2/24 dev dv0 &&
	ip link set dv0 up && ip link set dv1 up && ip route add default via 10.77.0.1 ||
	no "a veth with the default route for pasta"

# run -d: the container's cgroup is lxr/_run/NAME below the delegated one.
# `lxr pause NAME` means a run -d container only where no stack file is
# found here or above (compose's lookup), and the guest's / is the host's.
above=$(ls /compose.y*ml /docker-compose.y*ml /tmp/compose.y*ml /tmp/docker-compose.y*ml \
	$H/compose.y*ml $H/docker-compose.y*ml 2>/dev/null)
check "no stack file in $H or above it: $above" [ -z "$above" ]
urun run -d --name dd -m 48m $H/rootfs sleep 1000
check "lxr run -d -m 48m as the user: rc $RC $ERR" [ "$RC" = 0 ]
check "its memory.max is 48m: $(cat $unit/lxr/_run/dd/memory.max 2>&1)" \
	[ "$(cat $unit/lxr/_run/dd/memory.max 2>/dev/null)" = 50331648 ]
urun exec dd cat /proc/self/cgroup
check "exec into it joins its cgroup: $OUT $ERR" [ "$OUT" = "0::/" ]
urun pause dd
check "lxr pause dd: rc $RC $ERR" [ "$RC" = 0 ]
check "its cgroup is frozen: $(cat $unit/lxr/_run/dd/cgroup.events 2>&1)" \
	grep -qx "frozen 1" $unit/lxr/_run/dd/cgroup.events
urun unpause dd
check "lxr unpause dd thaws it: rc $RC $ERR" \
	sh -c '[ "$1" = 0 ] && grep -qx "frozen 0" "$2"' - "$RC" $unit/lxr/_run/dd/cgroup.events
urun rm -f dd
check "lxr rm -f dd: rc $RC $ERR" [ "$RC" = 0 ]
check "its cgroup is gone" [ ! -e $unit/lxr/_run/dd ]

# a stack of two services on its network, each with a memory limit, one
# as mem_limit, one as deploy.resources.limits.memory
mkdir -p $H/stk
cat >$H/stk/compose.yaml <<Y
name: dstk
services:
  app:
    image: $H/rootfs
    mem_limit: 64m
    command: ["sleep", "1000"]
  side:
    image: $H/rootfs
    depends_on: [app]
    deploy:
      resources:
        limits:
          memory: 32m
    command: ["sleep", "1000"]
Y
chown -R $N:$N $H/stk
stk=$H/stk/compose.yaml
urun -f $stk up -d
check "lxr up -d of the stack as the user: rc $RC $ERR" [ "$RC" = 0 ]
app=$unit/lxr/dstk/app-1 side=$unit/lxr/dstk/side-1
check "app's cgroup is below the delegated one: $(ls $unit/lxr/dstk 2>&1 | tr '\n' ' ')" [ -d $app ]
check "app's memory.max is mem_limit: $(cat $app/memory.max 2>&1)" \
	[ "$(cat $app/memory.max 2>/dev/null)" = 67108864 ]
check "side's memory.max is deploy's limit: $(cat $side/memory.max 2>&1)" \
	[ "$(cat $side/memory.max 2>/dev/null)" = 33554432 ]
check "app runs in its cgroup" [ -n "$(cat $app/cgroup.procs 2>/dev/null)" ]
check "the cgroup is the user's: $(stat -c %u $app 2>&1)" [ "$(stat -c %u $app 2>/dev/null)" = $N ]
urun -f $stk exec app cat /proc/self/cgroup /sys/fs/cgroup/memory.max
check "lxr exec app joins its cgroup and sees its limit: $OUT $ERR" \
	[ "$OUT" = "$(printf '0::/\n67108864')" ]
urun -f $stk exec side grep -w app /etc/hosts
check "side finds app by name: $OUT $ERR" [ "$RC" = 0 ]
urun -f $stk pause app
check "lxr pause app: rc $RC $ERR" [ "$RC" = 0 ]
check "app's cgroup.freeze is 1: $(cat $app/cgroup.freeze 2>&1)" [ "$(cat $app/cgroup.freeze 2>/dev/null)" = 1 ]
check "and the kernel says it is frozen" grep -qx "frozen 1" $app/cgroup.events
check "side is not: $(cat $side/cgroup.freeze 2>&1)" [ "$(cat $side/cgroup.freeze 2>/dev/null)" = 0 ]
urun -f $stk ps --format '{{.Service}} {{.State}}'
check "lxr ps shows app paused: $OUT $ERR" [ "$OUT" = "$(printf 'app paused\nside running')" ]
urun -f $stk unpause app
check "lxr unpause app: rc $RC $ERR" [ "$RC" = 0 ]
check "app's cgroup is thawed: $(cat $app/cgroup.freeze $app/cgroup.events 2>&1 | tr '\n' ' ')" \
	sh -c '[ "$(cat "$1"/cgroup.freeze)" = 0 ] && grep -qx "frozen 0" "$1"/cgroup.events' - $app
urun -f $stk ps --format '{{.Service}} {{.State}}'
check "lxr ps shows app running again: $OUT $ERR" [ "$OUT" = "$(printf 'app running\nside running')" ]
urun -f $stk stats --no-stream
check "lxr stats --no-stream: rc $RC $ERR" [ "$RC" = 0 ]
# MEM USAGE is the cgroup's memory.current (a sleep and lxr's init use
# some), LIMIT its memory.max
check "its app row has memory in use against the 64MiB limit: $OUT" \
	sh -c 'echo "$1" | grep -Eq "^[a-z0-9_.-]*-app-1 +[0-9.]+% +[1-9][0-9.]*(B|KiB|MiB) / 64MiB +[0-9.]+% "' - "$OUT"
check "its side row against 32MiB" \
	sh -c 'echo "$1" | grep -Eq "^[a-z0-9_.-]*-side-1 +[0-9.]+% +[1-9][0-9.]*(B|KiB|MiB) / 32MiB +[0-9.]+% "' - "$OUT"
urun -f $stk down
check "lxr down: rc $RC $ERR" [ "$RC" = 0 ]
check "lxr down left no cgroup of the stack: $(ls -d $unit/lxr/dstk 2>&1)" [ ! -e $unit/lxr/dstk ]
check "nor any container's: $(find $unit/lxr -mindepth 2 -type d 2>&1 | tr '\n' ' ')" \
	[ -z "$(find $unit/lxr -mindepth 2 -type d 2>/dev/null)" ]
check "and the user's cgroups stay" [ -d $unit/shell.scope ]
check "nor a pasta of the user's: $(pgrep -a -u $N 2>&1 | tr '\n' ' ')" \
	[ -z "$(pgrep -u $N -f 'pasta|passt')" ]
exit $fails
S
start=$(date +%s)
# the VM's own limit below ctest's (300 s): a guest that hangs is killed
# here, and its log and console below say where (a run takes 25 s)
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
