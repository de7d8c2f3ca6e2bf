#!/bin/bash
# `lxr up` as a systemd Type=notify unit's main process: with NOTIFY_SOCKET
# pointing at a real AF_UNIX datagram socket (a listener here stands in for
# systemd), READY=1 comes only once every service is up — after the health
# check of the one that has one passed —, STATUS= lines say how far the
# stack is, WATCHDOG=1 pings keep coming at WATCHDOG_USEC/2, SIGTERM brings
# STOPPING=1 and the ordered down, and no container (nor its health check)
# sees NOTIFY_SOCKET or WATCHDOG_* in its environment. Every message comes
# from up's own pid (NotifyAccess=main suffices). The abstract
# ('@') socket form works too, and a WATCHDOG_PID naming another process
# means no pings. If systemd is PID 1, a transient Type=notify unit proves
# it end to end.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is needed for the notify socket listener"

stack <<Y
name: t$$-notify
services:
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
  setup:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "env > /shared/setup.env"]
    volumes: ["@SHARED@:/shared"]
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap 'exit 0' TERM; env > /shared/web.env; while :; do sleep 0.1; done"]
    volumes: ["@SHARED@:/shared"]
    environment: [NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID]
    depends_on:
      db: {condition: service_started}
      setup: {condition: service_completed_successfully}
    healthcheck:
      test: ["CMD-SHELL", "env > /shared/check.env; test -e /shared/go"]
      interval: 300ms
      retries: 2
      start_period: 60s
      start_interval: 100ms
Y

# The listener: one line per datagram, newlines as '|', each prefixed with
# whether web's healthy event was in the events file when it arrived and
# the sender's pid (SCM_CREDENTIALS, as systemd checks NotifyAccess=main).
listener() {
	python3 - "$1" "$2" "$LXR_RUN_DIR/$PROJECT/events.jsonl" <<'PY' &
import os, socket, struct, sys
addr, out, events = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(out + ".bound", "w").close()
with open(out, "a", buffering=1) as f:
    while True:
        data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = 0
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", payload[:12])[0]
        try:
            healthy = '"instance":"web-1","state":"healthy"' in open(events).read()
        except OSError:
            healthy = False
        f.write("%s pid=%d %s\n" % ("healthy" if healthy else "waiting", pid,
                                     data.decode().replace("\n", "|")))
PY
	listener_pid=$!
	at_exit kill "$listener_pid"
	for _ in $(seq 200); do [ -e "$2.bound" ] && return 0; sleep 0.05; done
	fail "the notify listener did not bind $1"
}
msgs() { cat "$TEST_TMP/notify.log" 2>/dev/null || true; }
# Wait (bounded, 30 s) until the listener got a line matching.
wait_msg() {
	for _ in $(seq 600); do
		msgs | grep -qE -- "$1" && return 0
		kill -0 "$up" 2>/dev/null || fail "up ended before /$1/: $(tail -n 5 "$TEST_TMP/fg.out")"
		sleep 0.05
	done
	fail "no notify message matching /$1/ in: $(msgs | tail -n 20)"
}
wait_up() {
	for _ in $(seq 600); do kill -0 "$up" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$up" 2>/dev/null && fail "up still running 30 s after $1: $(tail -n 5 "$TEST_TMP/fg.out")"
	set +e
	wait "$up"
	RC=$?
	set -e
}

# ---- a path socket, with a watchdog -----------------------------------------
listener "$TEST_TMP/notify.sock" "$TEST_TMP/notify.log"
NOTIFY_SOCKET="$TEST_TMP/notify.sock" WATCHDOG_USEC=400000 \
	"$LXR" up -f "$STACK" >"$TEST_TMP/fg.out" 2>&1 &
up=$!
at_exit kill "$up"
# web waits for /shared/go before it gets healthy: the stack is not up yet
wait_msg 'STATUS=.*web \(health: starting\)'
msgs | grep -q 'READY=1' && fail "READY=1 before web was healthy: $(msgs)"
wait_msg 'WATCHDOG=1'
touch "$SHARED/go"
wait_msg 'READY=1'
ready=$(msgs | grep 'READY=1')
[ "$(wc -l <<<"$ready")" = 1 ] || fail "READY=1 sent more than once: $ready"
expect_grep "$ready" '^healthy ' "READY=1 only after web's health check passed"
expect_grep "$ready" 'STATUS=3/3 services up' "READY=1 comes with the status of a stack that is up"
# every message comes from the process systemd would have started: the
# foreground up is the supervisor (NotifyAccess=main is enough)
others=$(msgs | grep -v " pid=$up " || true)
[ -z "$others" ] || fail "notify messages from another process than up ($up): $others"
pass "READY=1 once, after web got healthy and setup completed, from up's own pid; STATUS said web was starting"

# the pings go on after READY (counted, not timed)
n0=$(msgs | grep -c 'WATCHDOG=1')
for _ in $(seq 600); do
	[ "$(msgs | grep -c 'WATCHDOG=1')" -ge $((n0 + 5)) ] && break
	sleep 0.05
done
[ "$(msgs | grep -c 'WATCHDOG=1')" -ge $((n0 + 5)) ] ||
	fail "WATCHDOG=1 pings stopped after READY: $(msgs | tail -n 5)"
pass "WATCHDOG=1 pings keep coming"

# web's check fails from now on: the status says so, READY stays said once
rm "$SHARED/go"
wait_msg 'STATUS=2/3 services up, web unhealthy'
[ "$(msgs | grep -c 'READY=1')" = 1 ] || fail "READY=1 sent again: $(msgs | grep READY)"
pass "STATUS follows the stack after READY: web unhealthy"
touch "$SHARED/go"

kill -TERM "$up"
wait_up "SIGTERM"
expect_rc 143 "up after SIGTERM"
msgs | grep -q 'STOPPING=1' || fail "no STOPPING=1 on SIGTERM: $(msgs | tail -n 5)"
grep -q "is down" "$TEST_TMP/fg.out" || fail "up did not say the project is down: $(tail -n 5 "$TEST_TMP/fg.out")"
[ -z "$(leftovers_project)" ] || fail "SIGTERM left: $(leftovers_project)"
pass "SIGTERM: STOPPING=1, ordered down, exit 143, nothing left"

for f in web.env setup.env check.env; do
	[ -s "$SHARED/$f" ] || fail "$f was not written: the scrub check would prove nothing"
	if grep -E '^(NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID)=' "$SHARED/$f"; then
		fail "$f: systemd's notify variables reached a container"
	fi
done
pass "no NOTIFY_SOCKET or WATCHDOG_* in a container's or a health check's environment"

# ---- the abstract form, a watchdog that is another process's ----------------
kill "$listener_pid"
rm -f "$TEST_TMP/notify.log" "$TEST_TMP/notify.log.bound" "$SHARED"/*.env
listener "@lxr-test-$$-notify" "$TEST_TMP/notify.log"
NOTIFY_SOCKET="@lxr-test-$$-notify" WATCHDOG_USEC=200000 WATCHDOG_PID=1 \
	"$LXR" up -f "$STACK" >"$TEST_TMP/fg.out" 2>&1 &
up=$!
wait_msg 'READY=1'
kill -INT "$up"
wait_up "Ctrl-C"
expect_rc 130 "up after Ctrl-C"
msgs | grep -q 'STOPPING=1' || fail "no STOPPING=1 on Ctrl-C (abstract socket): $(msgs | tail -n 5)"
msgs | grep -q 'WATCHDOG=1' && fail "WATCHDOG=1 sent though WATCHDOG_PID names another process"
pass "abstract socket: READY=1 and STOPPING=1; no pings for another process's watchdog"

# ---- end to end under systemd, where it is PID 1 ------------------------------
if [ "$(ps -p 1 -o comm=)" = systemd ] && command -v systemd-run >/dev/null; then
	unit="lxr-test-$$-notify"
	at_exit systemctl stop "$unit"
	systemd-run --collect --unit "$unit" -p Type=notify -p WatchdogSec=10 -p TimeoutStartSec=60 \
		-p SuccessExitStatus=143 --setenv=LXR_RUN_DIR="$LXR_RUN_DIR" \
		--setenv=LXR_LOG_DIR="$LXR_LOG_DIR" --setenv=LXR_DATA_DIR="$LXR_DATA_DIR" \
		--setenv=LXR_CONFIG="$LXR_CONFIG" "$LXR" up -f "$STACK" ||
		fail "systemd-run: the Type=notify unit did not start (READY=1 not heard)"
	systemctl show -p StatusText "$unit" | grep -q "3/3 services up" ||
		fail "systemd's status text: $(systemctl show -p StatusText "$unit")"
	systemctl stop "$unit"
	[ -z "$(leftovers_project)" ] || fail "systemctl stop left: $(leftovers_project)"
	pass "systemd-run Type=notify: started on READY=1, status shown, stopped clean"
else
	echo "# systemd is not PID 1 here ($(ps -p 1 -o comm=)), and the tests/vm image boots busybox, not systemd: the transient-unit check is skipped"
fi
