#!/bin/bash
# `lxr boot` (lxr.service's main process): the boot stacks of lxr.conf's
# [boot] start in the listed order, each under its own supervisor; with
# NOTIFY_SOCKET (a listener here stands in for systemd) READY=1 comes once,
# only after every stack is up (the first one's health check passed), with
# STATUS= lines on the way and WATCHDOG=1 pings; SIGTERM stops the stacks
# in the reverse order, each service with its stop signal, and leaves
# nothing. A bad stack file, or a listed file that is missing, starts
# nothing (exit 2).
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is needed for the notify socket listener"

B=$TEST_TMP/boot
mkdir -p "$B"
P1=ib$$-first
P2=ib$$-second
# first: gets healthy only once /shared/go exists; second: plain
cat >"$B/first.yaml" <<Y
name: $P1
services:
  db:
    image: $ROOTFS
    network_mode: none
    volumes: ["$SHARED:/shared"]
    command: ["/bin/sh", "-c", "trap 'echo first-stopped >> /shared/order; exit 0' TERM; echo first-started >> /shared/order; while :; do sleep 0.1; done"]
    healthcheck:
      test: ["CMD-SHELL", "test -e /shared/go"]
      interval: 200ms
      start_period: 60s
      start_interval: 100ms
Y
cat >"$B/second.yaml" <<Y
name: $P2
services:
  web:
    image: $ROOTFS
    network_mode: none
    volumes: ["$SHARED:/shared"]
    command: ["/bin/sh", "-c", "trap 'echo second-stopped >> /shared/order; exit 0' TERM; echo second-started >> /shared/order; while :; do sleep 0.1; done"]
Y
at_exit "$LXR" -f "$B/first.yaml" down
at_exit "$LXR" -f "$B/second.yaml" down
# listed order, not file-name order: first.yaml, then second.yaml
printf '[boot]\nstacks = %s\nstacks = %s/sec*.yaml\n' "$B/first.yaml" "$B" >"$LXR_CONFIG"

leftovers_boot() {
	for p in "$P1" "$P2"; do
		PROJECT=$p leftovers_project
	done
}

listener() {
	python3 - "$1" "$2" <<'PY' &
import socket, struct, sys
addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(addr)
open(out + ".bound", "w").close()
with open(out, "a", buffering=1) as f:
    while True:
        data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = 0
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", payload[:12])[0]
        f.write("pid=%d %s\n" % (pid, data.decode().replace("\n", "|")))
PY
	listener_pid=$!
	at_exit kill "$listener_pid"
	for _ in $(seq 200); do [ -e "$2.bound" ] && return 0; sleep 0.05; done
	fail "the notify listener did not bind $1"
}
msgs() { cat "$TEST_TMP/notify.log" 2>/dev/null || true; }
wait_msg() {
	for _ in $(seq 600); do
		msgs | grep -qE -- "$1" && return 0
		kill -0 "$boot" 2>/dev/null || fail "boot ended before /$1/: $(tail -n 5 "$TEST_TMP/boot.out")"
		sleep 0.05
	done
	fail "no notify message matching /$1/ in: $(msgs | tail -n 20)"
}

listener "$TEST_TMP/notify.sock" "$TEST_TMP/notify.log"
NOTIFY_SOCKET="$TEST_TMP/notify.sock" WATCHDOG_USEC=400000 \
	"$LXR" boot >"$TEST_TMP/boot.out" 2>&1 &
boot=$!
at_exit kill "$boot"

wait_msg "STATUS=starting boot stack 1/2: $P1"
wait_msg 'WATCHDOG=1'
# first waits for its health check: second must not start, nor READY come
for _ in $(seq 600); do grep -q first-started "$SHARED/order" 2>/dev/null && break; sleep 0.05; done
grep -q first-started "$SHARED/order" || fail "the first stack's service did not start"
msgs | grep -q 'READY=1' && fail "READY=1 before the first stack was healthy: $(msgs)"
msgs | grep -q "starting boot stack 2/2" && fail "the second stack started before the first was up: $(msgs)"
[ -e "$LXR_RUN_DIR/$P2" ] && fail "the second stack's run directory exists before the first was up"
pass "the first boot stack starts first; nothing more while it is not healthy"

touch "$SHARED/go"
wait_msg "STATUS=starting boot stack 2/2: $P2"
wait_msg 'READY=1'
ready=$(msgs | grep 'READY=1')
[ "$(wc -l <<<"$ready")" = 1 ] || fail "READY=1 sent more than once: $ready"
expect_grep "$ready" 'STATUS=2/2 boot stacks up' "READY=1 says every stack is up"
expect_grep "$ready" "pid=$boot " "READY=1 comes from lxr boot itself (NotifyAccess=main)"
"$LXR" -f "$B/first.yaml" ps | grep -q healthy || fail "first is not healthy at READY: $("$LXR" -f "$B/first.yaml" ps)"
"$LXR" -f "$B/second.yaml" ps | grep -q ' Up ' || fail "second is not running at READY: $("$LXR" -f "$B/second.yaml" ps)"
pass "READY=1 once, from boot's pid, after both stacks were up"

n0=$(msgs | grep -c 'WATCHDOG=1')
for _ in $(seq 600); do
	[ "$(msgs | grep -c 'WATCHDOG=1')" -ge $((n0 + 3)) ] && break
	sleep 0.05
done
[ "$(msgs | grep -c 'WATCHDOG=1')" -ge $((n0 + 3)) ] || fail "WATCHDOG=1 pings stopped after READY"
pass "WATCHDOG=1 pings keep coming"

kill -TERM "$boot"
for _ in $(seq 600); do kill -0 "$boot" 2>/dev/null || break; sleep 0.05; done
kill -0 "$boot" 2>/dev/null && fail "boot still running 30 s after SIGTERM: $(tail -n 5 "$TEST_TMP/boot.out")"
set +e
wait "$boot"
RC=$?
set -e
expect_rc 0 "lxr boot after SIGTERM"
msgs | grep -q 'STOPPING=1' || fail "no STOPPING=1 on SIGTERM: $(msgs | tail -n 5)"
order=$(tr '\n' ' ' <"$SHARED/order")
[ "$order" = "first-started second-started second-stopped first-stopped " ] ||
	fail "start/stop order: $order"
[ -z "$(leftovers_boot)" ] || fail "SIGTERM left: $(leftovers_boot)"
pass "SIGTERM: STOPPING=1, stacks stopped in reverse order (each service by its stop signal), nothing left"

# ---- a stack that does not come up: READY all the same, naming it ------------
P3=ib$$-broken
cat >"$B/broken.yaml" <<Y
name: $P3
services:
  job:
    image: $ROOTFS
    network_mode: none
    command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 100ms
      retries: 1
Y
at_exit "$LXR" -f "$B/broken.yaml" down
printf '[boot]\nstacks = %s %s\n' "$B/broken.yaml" "$B/second.yaml" >"$LXR_CONFIG"
: >"$TEST_TMP/notify.log"; rm -f "$SHARED/order"
NOTIFY_SOCKET="$TEST_TMP/notify.sock" "$LXR" boot >"$TEST_TMP/boot.out" 2>&1 &
boot=$!
wait_msg 'READY=1'
expect_grep "$(msgs | grep READY=1)" "STATUS=1/2 boot stacks up; failed: $P3" "READY=1 names the stack that failed"
grep -q "boot stack $P3 .* did not come up" "$TEST_TMP/boot.out" || fail "no error for the failed stack: $(cat "$TEST_TMP/boot.out")"
grep -q second-started "$SHARED/order" || fail "the stack after the failed one did not start"
kill -TERM "$boot"
set +e
wait "$boot"
RC=$?
set -e
expect_rc 0 "lxr boot after SIGTERM"
for p in "$P2" "$P3"; do
	[ -z "$(PROJECT=$p leftovers_project)" ] || fail "left: $(PROJECT=$p leftovers_project)"
done
pass "a stack that did not come up: the next one starts, READY=1 names the failure, SIGTERM cleans both"

# ---- SIGTERM while a stack is still starting ------------------------------------
: >"$TEST_TMP/notify.log"; rm -f "$SHARED/go" "$SHARED/order"
printf '[boot]\nstacks = %s %s\n' "$B/first.yaml" "$B/second.yaml" >"$LXR_CONFIG"
NOTIFY_SOCKET="$TEST_TMP/notify.sock" "$LXR" boot >"$TEST_TMP/boot.out" 2>&1 &
boot=$!
wait_msg "STATUS=starting boot stack 1/2: $P1"
for _ in $(seq 600); do grep -q first-started "$SHARED/order" 2>/dev/null && break; sleep 0.05; done
kill -TERM "$boot"
set +e
wait "$boot"
RC=$?
set -e
expect_rc 0 "lxr boot after SIGTERM during start"
msgs | grep -q 'READY=1' && fail "READY=1 though the start was interrupted: $(msgs)"
grep -q second-started "$SHARED/order" && fail "the second stack started after SIGTERM"
grep -q first-stopped "$SHARED/order" || fail "the starting stack was not stopped: $(cat "$SHARED/order")"
[ -z "$(leftovers_boot)" ] || fail "SIGTERM during start left: $(leftovers_boot)"
pass "SIGTERM while the first stack starts: no READY, the second never starts, the first is stopped"

# ---- a bad file starts nothing ------------------------------------------------
rm -f "$SHARED/order"
printf 'name: ib%s-bad\nservices:\n  x:\n    image: %s\n    restart: sometimes\n' "$$" "$ROOTFS" >"$B/third.yaml"
printf '[boot]\nstacks = %s %s\n' "$B/first.yaml" "$B/third.yaml" >"$LXR_CONFIG"
run boot
expect_rc 2 "lxr boot with a bad stack file"
expect_grep "$ERR" "third.yaml" "the error names the bad file"
[ ! -e "$SHARED/order" ] && [ ! -e "$LXR_RUN_DIR/$P1" ] || fail "a bad boot stack file, yet the first stack started"
printf '[boot]\nstacks = %s/nope.yaml\n' "$B" >"$LXR_CONFIG"
run boot
expect_rc 2 "lxr boot with a listed file missing"
expect_grep "$ERR" "boot stack $B/nope.yaml: no such file" "the error names the missing file"
pass "a bad or missing boot stack file: exit 2, nothing started"
