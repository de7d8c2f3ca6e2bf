#!/bin/bash
# lxr as a box's init, for real: a throw-away VM (tests/vm/run-in-vm.sh)
# boots with init=<the built lxr> on the kernel command line. lxr mounts
# /proc, /sys, /dev, /run and cgroup2 itself, starts the boot stacks of
# lxr.conf's [boot] (an app stack of two busybox services, then a control
# stack), and reaps every orphan: the stacks' supervisors are orphans once
# `lxr up` has detached them. From inside the box the control service
# (pid: host, privileged, the box's / at /host) checks what runs, crashes
# PID 1 on purpose (SIGSEGV: lxr must re-execute itself and keep its
# children, never panic the kernel), then runs `lxr poweroff`; it also
# checks the box's mounts and that ctrl-alt-del now means SIGINT to PID 1
# (kernel.ctrl-alt-del 0). The stacks must stop in reverse order and QEMU must exit by itself: a powered-off
# guest. Everything the box writes is in a directory shared over 9p.
set -u
build=${LXR_BUILD_DIR:?run through ctest (LXR_BUILD_DIR)}
src=${LXR_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
lxr=${LXR:-$build/lxr}

if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "SKIP: qemu-system-x86_64 is not installed (packaging/setup.sh installs qemu-system-x86)"
	exit 77
fi
if ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
	echo "SKIP: no guest kernel /boot/vmlinuz-* (packaging/setup.sh installs linux-image-amd64)"
	exit 77
fi
rootfs=$build/test-rootfs
if [ ! -f "$rootfs/.complete" ]; then
	rm -rf "$rootfs"
	"$src/examples/make-rootfs.sh" "$rootfs" >/dev/null && touch "$rootfs/.complete"
fi
mkdir -p "$build/vm"
share=$(mktemp -d "$build/vm/boot.XXXXXX")
out=$share.console
trap 'rm -rf "$share" "$out"' EXIT
fail() { echo "not ok - $*"; echo "# console:"; sed 's/^/#   /' "$out"; exit 1; }
pass() { echo "ok - $*"; }

cat >"$share/lxr.conf" <<C
[paths]
run_dir = /run/lxr
data_dir = /run/lxr-data
log_dir = $share/log
[boot]
stacks = $share/app.yaml $share/ctl.yaml
C
svc() {
	cat <<Y
  $1:
    image: $rootfs
    network_mode: none
    volumes: ["$share:/share"]
    command: ["/bin/sh", "-c", "trap 'echo $1-stopped >> /share/order; exit 0' TERM; echo $1-started >> /share/order; while :; do sleep 0.1; done"]
Y
}
{ echo "name: iboot-app"; echo "services:"; svc a; svc b; } >"$share/app.yaml"
cat >"$share/ctl.yaml" <<Y
name: iboot-ctl
services:
  ctl:
    image: $rootfs
    network_mode: none
    pid: host
    privileged: true
    volumes: ["$share:/share", "/:/host:ro"]
    command: ["/bin/sh", "/share/ctl.sh"]
Y
# The control service: runs in the box once both stacks are up.
cat >"$share/ctl.sh" <<S
say() { echo "\$*" >> /share/ctl.log; }
trap 'echo ctl-stopped >> /share/order; exit 0' TERM
grep -q a-started /share/order && grep -q b-started /share/order && say "app-up-before-ctl"
say "pid1=\$(cat /proc/1/comm)"
say "cad=\$(cat /proc/sys/kernel/ctrl-alt-del)"
awk '{print "mount", \$2, \$3}' /proc/1/mounts >> /share/ctl.log
for d in /proc/[0-9]*; do
	case "\$(tr '\0' ' ' < \$d/cmdline 2>/dev/null)" in
	lxr-supervisor*) say "supervisor \${d#/proc/} \$(grep PPid: \$d/status | tr -d '\t')";;
	esac
done
kill -SEGV 1
for i in \$(seq 300); do
	grep -q -- --pid1-reexec /proc/1/cmdline && { say "pid1-reexecuted"; break; }
	sleep 0.1
done
chroot /host "$lxr" poweroff
say "poweroff-rc=\$?"
while :; do sleep 0.1; done
S

start=$(date +%s)
LXR_BUILD_DIR=$build LXR_VM_SHARE=$share LXR_VM_INIT=$lxr LXR_VM_APPEND="LXR_CONFIG=$share/lxr.conf" \
	VMTIMEOUT=240 "$src/tests/vm/run-in-vm.sh" true >"$out" 2>&1
rc=$?
echo "# the VM ran $(($(date +%s) - start)) s (QEMU status $rc)"
[ "$rc" -eq 77 ] && { cat "$out"; echo "SKIP: run-in-vm.sh found no VM"; exit 77; }
[ "$rc" -eq 124 ] && fail "the VM did not power off within 240 s"
[ "$rc" -eq 0 ] || fail "QEMU exited with $rc"

grep -q "VMTEST_INIT $lxr" "$out" || fail "the initramfs did not hand over to $lxr"
grep -q "lxr-pid1: lxr .* as init: starting the boot stacks" "$out" || fail "lxr did not start as init"
grep -q "Kernel panic" "$out" && fail "the kernel panicked"
grep -q "lxr boot: 2/2 boot stacks up" "$out" || fail "lxr boot did not report both stacks up"
pass "lxr booted as init and started both boot stacks"

log=$(cat "$share/ctl.log" 2>/dev/null)
grep -q "app-up-before-ctl" <<<"$log" || fail "the app stack was not up before the control stack: $log"
grep -q "pid1=lxr-pid1" <<<"$log" || fail "PID 1 is not lxr-pid1: $log"
for m in "/proc proc" "/sys sysfs" "/dev devtmpfs" "/run tmpfs" "/sys/fs/cgroup cgroup2"; do
	grep -qx "mount $m" <<<"$log" || fail "PID 1 did not mount $m: $(grep '^mount' <<<"$log")"
done
# the kernel's C_A_D: 0 once PID 1 turned ctrl-alt-del into SIGINT to itself
grep -qx "cad=0" <<<"$log" || fail "ctrl-alt-del still reboots at once: $log"
sups=$(grep '^supervisor ' <<<"$log")
[ "$(grep -c 'PPid:1$' <<<"$sups")" = 2 ] || fail "not two supervisors adopted by PID 1: $sups"
pass "two busybox services ran; both stacks' supervisors were orphans adopted by PID 1"

grep -q "pid1-reexecuted" <<<"$log" || fail "PID 1 did not re-execute after SIGSEGV: $log"
grep -q "lxr-pid1: fatal signal in PID 1: re-executing lxr" "$out" || fail "no crash line on the console"
grep -q "lxr-pid1: re-executed after a crash" "$out" || fail "the re-executed PID 1 did not say so"
pass "SIGSEGV in PID 1: logged, re-executed, no panic"

grep -q "poweroff-rc=0" <<<"$log" || fail "lxr poweroff did not succeed in the box: $log"
grep -q "lxr-pid1: power off: stopping the boot stacks" "$out" || fail "PID 1 did not start the power-off"
order=$(tr '\n' ' ' <"$share/order")
case "$order" in
*ctl-stopped*a-stopped* | *ctl-stopped*b-stopped*) ;;
*) fail "the stacks did not stop in reverse order: $order" ;;
esac
grep -q a-stopped <<<"$order" && grep -q b-stopped <<<"$order" || fail "a service did not get its stop signal: $order"
for p in $(grep '^supervisor ' <<<"$log" | cut -d' ' -f2); do
	grep -q "lxr-pid1: reaped orphan $p " "$out" || fail "supervisor $p was not reaped by PID 1"
done
grep -qx "lxr-pid1: power off" "$out" || fail "PID 1 did not reach reboot(2)"
pass "lxr poweroff: stacks stopped in reverse order, orphans reaped, the VM powered off"
