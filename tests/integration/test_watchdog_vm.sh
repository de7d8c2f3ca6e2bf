#!/bin/bash
# The hardware watchdog of lxr.conf's [watchdog], for real: throw-away VMs
# (tests/vm/run-in-vm.sh) with the kernel's software watchdog (softdog,
# loaded by the VM's initramfs) as /dev/watchdog. QEMU runs with
# -no-reboot, so a watchdog reset is QEMU exiting after the kernel's
# "softdog: Initiating system reboot", and a power-off is QEMU exiting after
# lxr's "lxr-pid1: power off".
#  1. lxr as PID 1, timeout 3 s: PID 1 holds the device and pets it; no
#     other process (the boot stack's container included) has it open; the
#     box outlives several timeouts, and a crash re-exec of PID 1 (SIGSEGV)
#     keeps the device. Then PID 1 is stopped (ptrace: the kernel never lets
#     SIGSTOP reach init) and the watchdog must reset the box.
#  2. lxr as PID 1: a boot stack's service fails past its restart limit
#     with x-lxr on_give_up: reboot; PID 1 stops the stacks in reverse
#     order, disarms the watchdog (magic close) last, and the box reboots
#     (QEMU exits after "lxr-pid1: reboot") rather than being reset.
#     (`lxr poweroff` takes the same path: test_boot_vm.sh.)
#  3. `lxr boot` as a service under another init (the VM's busybox init),
#     the next boot of part 2's data directory: `lxr ps` first says which
#     service's give-up rebooted the box; `lxr boot` pets; SIGTERM disarms
#     it, and the box then outlives the timeout; a second `lxr boot`
#     stopped with SIGSTOP resets the box.
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
share=$(mktemp -d "$build/vm/wdog.XXXXXX")
out=$share.console
trap 'rm -rf "$share" "$out"' EXIT
fail() {
	echo "not ok - $*"
	echo "# console:"
	sed "s/^/#   /" "$out"
	echo "# the box's logs:"
	cat "$share"/*.log 2>/dev/null | sed "s/^/#   /"
	exit 1
}
pass() { echo "ok - $*"; }
reset_line="softdog: Initiating system reboot"

# lxr as the VM's init, with lxr.conf $share/lxr.conf; QEMU's status
boot_lxr() {
	local start=$(date +%s) rc
	LXR_BUILD_DIR=$build LXR_VM_SHARE=$share LXR_VM_INIT=$lxr \
		LXR_VM_APPEND="LXR_CONFIG=$share/lxr.conf" VMTIMEOUT=200 \
		"$src/tests/vm/run-in-vm.sh" true >"$out" 2>&1
	rc=$?
	echo "# the VM ran $(($(date +%s) - start)) s (QEMU status $rc)"
	[ "$rc" -eq 77 ] && { cat "$out"; echo "SKIP: run-in-vm.sh found no VM"; exit 77; }
	[ "$rc" -eq 124 ] && fail "the VM neither reset nor powered off within 200 s"
	[ "$rc" -eq 0 ] || fail "QEMU exited with $rc"
	grep -q "Kernel panic" "$out" && fail "the kernel panicked"
	grep -q "lxr-pid1: watchdog /dev/watchdog: timeout 3 s" "$out" ||
		fail "PID 1 did not open the watchdog with a 3 s timeout"
}

# One control stack: privileged, the host's PID namespace and /, the share.
cat >"$share/ctl.yaml" <<Y
name: wboot-ctl
services:
  ctl:
    image: $rootfs
    network_mode: none
    pid: host
    privileged: true
    # the share writable below the read-only / too (an :ro bind is
    # read-only all the way down): the chroot /host python writes there
    volumes: ["$share:/share", "/:/host:ro", "$share:/host$share"]
    command: ["/bin/sh", "/share/ctl.sh"]
Y
conf() {
	cat >"$share/lxr.conf" <<C
[paths]
run_dir = /run/lxr
data_dir = ${1:-/run/lxr-data}
log_dir = $share/log
[boot]
stacks = $share/ctl.yaml
[watchdog]
device = /dev/watchdog
timeout = 3s
C
}

# ---- 1: PID 1 pets; a stopped PID 1 resets the box -------------------------
conf
cat >"$share/ctl.sh" <<S
say() { echo "\$*" >> /share/ctl.log; sync; }
say "pid1=\$(cat /proc/1/comm)"
for fd in /proc/[0-9]*/fd/*; do
	case "\$(readlink \$fd 2>/dev/null)" in /dev/watchdog*)
		p=\${fd#/proc/}; say "holder \${p%%/*}";;
	esac
done
say "state=\$(cat /sys/class/watchdog/watchdog0/state) timeout=\$(cat /sys/class/watchdog/watchdog0/timeout)"
LXR_CONFIG=$share/lxr.conf chroot /host "$lxr" doctor 2>&1 | grep -A2 'watchdog' | sed 's/^/doctor /' >> /share/ctl.log
sleep 7
say "alive-after-7s"
kill -SEGV 1
for i in \$(seq 300); do
	grep -q -- --pid1-reexec /proc/1/cmdline && { say "pid1-reexecuted"; break; }
	sleep 0.1
done
sleep 7
say "alive-7s-after-reexec"
# PID 1 hangs: ptrace-stopped, it neither pets nor answers signals
chroot /host /usr/bin/python3 -c '
import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_SEIZE, PTRACE_INTERRUPT = 0x4206, 0x4207
if libc.ptrace(PTRACE_SEIZE, 1, 0, 0) or libc.ptrace(PTRACE_INTERRUPT, 1, 0, 0):
    print("ptrace", ctypes.get_errno()); raise SystemExit(1)
open("$share/ctl.log", "a").write("pid1-stopped\\n")
time.sleep(600)
' >> /share/ctl.log 2>&1
say "ptrace-failed"
S
boot_lxr
log=$(cat "$share/ctl.log" 2>/dev/null)
grep -q "pid1=lxr-pid1" <<<"$log" || fail "PID 1 is not lxr-pid1: $log"
[ "$(grep '^holder ' <<<"$log")" = "holder 1" ] ||
	fail "the watchdog is open elsewhere than in PID 1 (or not at all): $(grep '^holder ' <<<"$log")"
grep -q "state=active timeout=3" <<<"$log" || fail "the watchdog is not active with a 3 s timeout: $log"
grep -q "^doctor ok .*watchdog: /dev/watchdog (watchdog0, Software Watchdog): active, timeout 3 s, pet by PID 1 (lxr-pid1)" <<<"$log" ||
	fail "lxr doctor does not report PID 1 petting the watchdog: $(grep '^doctor' <<<"$log")"
pass "lxr as PID 1 holds /dev/watchdog alone (no container has it), doctor says so"
grep -q "alive-after-7s" <<<"$log" || fail "the box did not outlive 7 s of a 3 s watchdog: $log"
grep -q "pid1-reexecuted" <<<"$log" || fail "PID 1 did not re-execute after SIGSEGV: $log"
grep -q "lxr-pid1: watchdog /dev/watchdog: kept across the re-exec" "$out" ||
	fail "the re-executed PID 1 did not keep the watchdog"
grep -q "alive-7s-after-reexec" <<<"$log" || fail "the box did not outlive the re-exec by 7 s: $log"
pass "PID 1 pets the watchdog, also after a crash re-exec"
grep -q "pid1-stopped" <<<"$log" || fail "could not stop PID 1 with ptrace: $log"
grep -q "$reset_line" "$out" || fail "the watchdog did not reset the box once PID 1 stopped"
grep -q "lxr-pid1: power off" "$out" && fail "the box powered off instead of being reset"
pass "a stopped PID 1 stops the pets: the watchdog resets the box"

# ---- 2: on_give_up reboot: the ordered shutdown, the watchdog disarmed last -
# A boot stack's service fails past its restart limit; its x-lxr
# on_give_up: reboot asks PID 1 for a reboot by the signal `lxr reboot`
# sends (SIGTERM), so this is also `lxr reboot`'s path. The data directory
# is on the share: the give-up record must outlive the box for part 3.
conf "$share/data"
sed -i "s|^stacks = .*|stacks = $share/ctl.yaml $share/gu.yaml|" "$share/lxr.conf"
cat >"$share/gu.yaml" <<Y
name: wboot-gu
services:
  keeper:
    image: $rootfs
    network_mode: none
    volumes: ["$share:/share"]
    command: ["/bin/sh", "-c", "trap 'echo keeper-stopped >> /share/order; exit 0' TERM; while :; do sleep 0.1; done"]
  bad:
    image: $rootfs
    network_mode: none
    restart: on-failure:2
    command: ["/bin/sh", "-c", "sleep 1; exit 3"]
    x-lxr: {on_give_up: reboot, backoff: {initial: 0, max: 1ms}}
Y
cat >"$share/ctl.sh" <<S
trap 'echo ctl-stopped >> /share/order; exit 0' TERM
while :; do sleep 0.1; done
S
boot_lxr
rec=$(cat "$share/data/give-up" 2>/dev/null)
for want in "project wboot-gu" "instance bad-1" "restarts 2" "exit 3" "action reboot"; do
	grep -qx "$want" <<<"$rec" || fail "the give-up record lacks \"$want\": $rec"
done
grep -q "lxr-pid1: reboot: stopping the boot stacks" "$out" || fail "PID 1 did not start an ordered reboot"
order=$(tr '\n' ' ' <"$share/order" 2>/dev/null)
case "$order" in
*keeper-stopped*ctl-stopped*) ;;
*) fail "the boot stacks did not stop in reverse order: $order" ;;
esac
grep -q "lxr-pid1: watchdog /dev/watchdog disarmed" "$out" || fail "PID 1 did not disarm the watchdog"
grep -qx "lxr-pid1: reboot" "$out" || fail "PID 1 did not reach reboot(2) with a reboot"
grep -q "$reset_line" "$out" && fail "the watchdog fired during the give-up reboot"
pass "on_give_up reboot: the stacks stop in reverse order, the watchdog is disarmed, the box reboots"

# ---- 3: lxr boot under another init -----------------------------------------
mkdir -p "$share/none"
cat >"$share/lxr.conf" <<C
[paths]
run_dir = /run/lxr
data_dir = $share/data
log_dir = $share/log
[boot]
stacks = $share/none/*.yaml
[watchdog]
device = /dev/watchdog
timeout = 2s
C
cat >"$share/boot.sh" <<S
say() { echo "\$*" >> $share/boot.log; sync; }
export LXR_CONFIG=$share/lxr.conf
"$lxr" ps >/dev/null 2>> $share/boot.log
"$lxr" boot 2>> $share/boot.log &
pid=\$!
sleep 5
kill -0 \$pid && say "alive-after-5s state=\$(cat /sys/class/watchdog/watchdog0/state)"
kill -TERM \$pid
wait \$pid
say "boot-rc=\$? state=\$(cat /sys/class/watchdog/watchdog0/state)"
sleep 5
say "alive-5s-after-stop"
"$lxr" boot 2>> $share/boot.log &
pid=\$!
sleep 2
kill -STOP \$pid
say "boot-stopped"
sleep 60
say "not-reset"
S
start=$(date +%s)
LXR_BUILD_DIR=$build LXR_VM_SHARE=$share VMTIMEOUT=200 "$src/tests/vm/run-in-vm.sh" sh "$share/boot.sh" >"$out" 2>&1
rc=$?
echo "# the VM ran $(($(date +%s) - start)) s (status $rc)"
log=$(cat "$share/boot.log" 2>/dev/null)
grep -q "lxr boot: watchdog /dev/watchdog: timeout 2 s" <<<"$log" || fail "lxr boot did not open the watchdog: $log"
grep -q "alive-after-5s state=active" <<<"$log" || fail "lxr boot did not keep the box alive: $log"
grep -q "lxr boot: watchdog /dev/watchdog disarmed" <<<"$log" || fail "lxr boot did not disarm on SIGTERM: $log"
grep -q "boot-rc=0 state=inactive" <<<"$log" || fail "the watchdog is not inactive after lxr boot stopped: $log"
grep -q "alive-5s-after-stop" <<<"$log" || fail "the box did not outlive a stopped lxr boot: $log"
pass "lxr boot pets the watchdog and disarms it on SIGTERM"
grep -q "lxr: note: before this boot, bad-1 of project wboot-gu gave up after 2 restart(s) (exit 3) on .* UTC, and its x-lxr on_give_up: reboot took the box down" <<<"$log" ||
	fail "lxr ps on the next boot does not say why the box rebooted: $log"
pass "lxr ps on the next boot says which service's give-up rebooted the box"
grep -q "boot-stopped" <<<"$log" || fail "the second lxr boot was not stopped: $log"
grep -q "not-reset" <<<"$log" && fail "a stopped lxr boot did not make the watchdog reset the box"
grep -q "$reset_line" "$out" || fail "no watchdog reset on the console"
pass "lxr boot stopped with SIGSTOP: the watchdog resets the box"
