#!/bin/bash
# stop_signal, then SIGKILL after stop_grace_period; Ctrl-C (SIGINT) to a
# foreground up takes the stack down; kill -9 of the supervisor leaves
# nothing running, and the next down leaves nothing on the system.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: stopping
services:
  stubborn:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap 'echo got-term >> /shared/stubborn' TERM; while :; do sleep 0.1; done"]
    volumes: ["@SHARED@:/shared"]
    stop_grace_period: 1s
  polite:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap 'echo got-quit >> /shared/polite; exit 0' QUIT; while :; do sleep 0.1; done"]
    volumes: ["@SHARED@:/shared"]
    stop_signal: SIGQUIT
Y

run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"stubborn-1","state":"running"'
start=$(date +%s%N)
run down -f "$STACK"
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "down"
[ "$took" -ge 1000 ] || fail "down took $took ms: the 1 s grace period was not waited out"
[ "$(cat "$SHARED/stubborn")" = got-term ] || fail "stop signal not delivered"
[ "$(cat "$SHARED/polite")" = got-quit ] || fail "stop_signal SIGQUIT not delivered"
pass "down sends stop_signal and SIGKILLs what ignores it after stop_grace_period ($took ms)"

# Ctrl-C to a foreground up
rm -f "$SHARED"/*
"$LXR" up -f "$STACK" polite > "$TEST_TMP/fg.out" 2>&1 &
up=$!
wait_event '"instance":"polite-1","state":"running"'
kill -INT "$up"
wait "$up" || true
[ "$(cat "$SHARED/polite")" = got-quit ] || fail "Ctrl-C did not stop the stack: $(cat "$TEST_TMP/fg.out")"
pass "SIGINT to a foreground up stops the stack"

# kill -9 of the supervisor: the containers die with it
run up -d -f "$STACK"
wait_event '"instance":"stubborn-1","state":"running"'
sup=$(cat "$LXR_RUN_DIR/$PROJECT/supervisor.lock")
inits=$(for i in stubborn-1 polite-1; do sed -n 's/^pid=//p' "$LXR_RUN_DIR/$PROJECT/$i/state"; done)
kill -KILL "$sup"
for _ in $(seq 100); do
	alive=""
	for p in $inits; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
	[ -z "$alive" ] && break
	sleep 0.05
done
[ -z "$alive" ] || fail "containers survived their supervisor: $alive"
run down -f "$STACK"
expect_rc 0 "down after a killed supervisor"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "down left the run dir"
for d in /sys/fs/cgroup/*/lxr/"$PROJECT"; do [ -e "$d" ] && fail "down left cgroup $d"; done
pass "kill -9 of the supervisor leaves nothing running; the next down leaves nothing"
