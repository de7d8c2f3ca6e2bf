#!/bin/bash
# Containers under a delegated cgroup, as under a systemd unit with
# Delegate=yes, on a pure cgroup v2 box (tests/vm/run-in-vm.sh: this CI host
# is hybrid, and has no systemd as init). systemd is emulated honestly: a
# cgroup w-unit.service below the root, with the controllers handed down to
# it and the xattr trusted.delegate=1 that systemd (v251 on) puts on a
# delegated unit's cgroup, and the test's shell in it as the unit's main
# process. Then `lxr up -d` must make lxr/ below w-unit.service, not at the
# root, move the unit's processes into w-unit.service/supervisor (v2's
# no-internal-process rule), apply the limits there, pause there, and
# `lxr down` must remove only lxr/ and leave the unit's cgroup alone. An
# explicit lxr.conf `[cgroup] parent = /w-box` does the same for a cgroup
# that carries no xattr.
set -u
build=${LXR_BUILD_DIR:?run through ctest (LXR_BUILD_DIR)}
src=${LXR_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
lxr=${LXR:-$build/lxr}

rootfs=$build/test-rootfs
if [ ! -f "$rootfs/.complete" ]; then
	rm -rf "$rootfs"
	"$src/examples/make-rootfs.sh" "$rootfs" >/dev/null && touch "$rootfs/.complete"
fi
mkdir -p "$build/vm"
share=$(mktemp -d "$build/vm/wdel.XXXXXX")
out=$share.console
trap 'rm -rf "$share" "$out"' EXIT

cat >"$share/stack.yaml" <<Y
name: wdel
services:
  app:
    image: $rootfs
    network_mode: none
    mem_limit: 64m
    pids_limit: 50
    command: ["sleep", "1000"]
Y
printf '[cgroup]\nparent = /w-box\n' >"$share/box.conf"
cat >"$share/in-vm.sh" <<'S'
#!/bin/sh
# runs as root in the VM; prints "ok - ..." / "not ok - ..." lines
lxr=$1 share=$2
cg=/sys/fs/cgroup unit=/sys/fs/cgroup/w-unit.service
export LXR_RUN_DIR=/run/w-lxr LXR_DATA_DIR=/tmp/w-data LXR_LOG_DIR=/tmp/w-log
fails=0
ok() { echo "ok - $*"; }
no() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { # NAME COMMAND...
	n=$1; shift
	if "$@"; then ok "$n"; else no "$n"; fi
}
# what systemd does for a Delegate=yes unit: the controllers handed down,
# the cgroup marked, the main process in it
echo "+memory +pids +cpu" >$cg/cgroup.subtree_control
mkdir $unit
/usr/bin/python3 -c 'import os; os.setxattr("/sys/fs/cgroup/w-unit.service", "trusted.delegate", b"1")'
echo $$ >$unit/cgroup.procs

"$lxr" -f "$share/stack.yaml" up -d >/dev/null 2>"$share/up.err" || { no "lxr up -d: $(cat "$share/up.err")"; }
leaf=$(ls -d $unit/lxr/wdel/*/ 2>/dev/null | head -1)
check "the container's cgroup is below the delegated unit: ${leaf:-none}" [ -n "$leaf" ]
check "no lxr/ at the hierarchy's root" [ ! -e $cg/lxr ]
check "the unit's processes moved to w-unit.service/supervisor: $(cat /proc/self/cgroup)" \
	grep -qx "0::/w-unit.service/supervisor" /proc/self/cgroup
check "the unit's own cgroup holds no process" [ -z "$(cat $unit/cgroup.procs)" ]
check "the container runs there: $(cat ${leaf}cgroup.procs 2>/dev/null | tr '\n' ' ')" \
	[ -n "$(cat ${leaf}cgroup.procs 2>/dev/null)" ]
check "memory.max is mem_limit: $(cat ${leaf}memory.max 2>/dev/null)" \
	[ "$(cat ${leaf}memory.max 2>/dev/null)" = 67108864 ]
check "pids.max is pids_limit: $(cat ${leaf}pids.max 2>/dev/null)" \
	[ "$(cat ${leaf}pids.max 2>/dev/null)" = 50 ]
"$lxr" -f "$share/stack.yaml" pause >/dev/null 2>&1
check "lxr pause freezes that cgroup" [ "$(cat ${leaf}cgroup.freeze 2>/dev/null)" = 1 ]
"$lxr" -f "$share/stack.yaml" unpause >/dev/null 2>&1
check "lxr unpause thaws it" [ "$(cat ${leaf}cgroup.freeze 2>/dev/null)" = 0 ]
"$lxr" -f "$share/stack.yaml" stats --no-stream 2>&1 | grep -q "64MiB" &&
	ok "lxr stats reads it (limit 64MiB)" || no "lxr stats: $("$lxr" -f "$share/stack.yaml" stats --no-stream 2>&1)"
# the supervisor dies (its containers with it, by their parent-death
# signal), and `lxr down` from outside the unit (a shell's) must still find
# the cgroups it left, through the project's record, and remove them
for d in /proc/[0-9]*; do
	case "$(tr '\0' ' ' <$d/cmdline 2>/dev/null)" in
	lxr-supervisor*) kill -9 "${d#/proc/}" && sup=${d#/proc/} ;;
	esac
done
check "killed the stack's supervisor (${sup:-none found})" [ -n "${sup:-}" ]
for i in $(seq 100); do [ -z "$(cat ${leaf}cgroup.procs 2>/dev/null)" ] && break; sleep 0.1; done
check "its cgroup stayed behind, empty" [ -d "$leaf" ] && [ -z "$(cat ${leaf}cgroup.procs)" ]
sh -c 'echo $$ >/sys/fs/cgroup/cgroup.procs; exec "$0" -f "$1" down' "$lxr" "$share/stack.yaml" \
	>/dev/null 2>"$share/down.err"
down_rc=$?
check "lxr down from outside the unit after the crash: exit $down_rc $(cat "$share/down.err")" [ "$down_rc" = 0 ]
check "lxr down removed what the dead supervisor left in w-unit.service/lxr" [ ! -e $unit/lxr ]
check "lxr down left the unit's cgroup alone" [ -d $unit ] && [ -d $unit/supervisor ]
check "nothing at the root either" [ ! -e $cg/lxr ]

# the explicit setting: a cgroup without the xattr
mkdir $cg/w-box
LXR_CONFIG=$share/box.conf "$lxr" -f "$share/stack.yaml" up -d >/dev/null 2>"$share/up.err" || no "lxr up -d with [cgroup] parent: $(cat "$share/up.err")"
leaf=$(ls -d $cg/w-box/lxr/wdel/*/ 2>/dev/null | head -1)
check "[cgroup] parent = /w-box: the container's cgroup is ${leaf:-none}" [ -n "$leaf" ]
check "memory.max there: $(cat ${leaf}memory.max 2>/dev/null)" [ "$(cat ${leaf}memory.max 2>/dev/null)" = 67108864 ]
LXR_CONFIG=$share/box.conf "$lxr" -f "$share/stack.yaml" down >/dev/null 2>&1
check "lxr down removed w-box/lxr and left w-box" [ ! -e $cg/w-box/lxr ] && [ -d $cg/w-box ]

# leave the box as it was
echo $$ >$cg/cgroup.procs
rmdir $unit/supervisor $unit $cg/w-box 2>/dev/null
exit $fails
S
start=$(date +%s)
LXR_BUILD_DIR=$build LXR_VM_SHARE=$share VMTIMEOUT=200 "$src/tests/vm/run-in-vm.sh" sh "$share/in-vm.sh" "$lxr" "$share" >"$out" 2>&1
rc=$?
echo "# the VM ran $(($(date +%s) - start)) s (status $rc)"
[ "$rc" -eq 77 ] && { cat "$out"; echo "SKIP: run-in-vm.sh found no VM (qemu or a guest kernel missing)"; exit 77; }
grep -E '^(not )?ok - ' "$out"
if [ "$rc" -ne 0 ]; then
	echo "# console:"
	sed 's/^/#   /' "$out"
	exit 1
fi
