#!/bin/bash
# A container that stops every process it can signal (kill -STOP -1) also
# stops a hook's or a health check's process in the short while it has
# joined the container and not yet exec'd. Whatever it holds so, the
# supervisor answers: stop and down end the container, and its pre_stop,
# which the container can make run for ever, ends at the stop's grace.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: hostile
services:
  stopper:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "while :; do kill -STOP -1 2>/dev/null; done"]
    stop_grace_period: 1s
    post_start:
      - command: /bin/true
    # held stopped before its exec, and then cut short: never waited for
    pre_stop:
      - command: /bin/true
    healthcheck:
      test: ["CMD", "/bin/true"]
      interval: 1s
  sleeper:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    stop_grace_period: 1s
    pre_stop:
      - command: ["sleep", "1000"]
Y
# up -d waits for stopper's post_start, which the container holds: run it
# aside, bounded
timeout 30 "$LXR" up -d -f "$STACK" >/dev/null 2>&1 &
up=$!
at_exit "kill $up"
for _ in $(seq 200); do
	"$LXR" ps -f "$STACK" --format '{{.Service}} {{.State}}' 2>/dev/null | grep -q "^sleeper running" && break
	sleep 0.05
done
"$LXR" ps -f "$STACK" --format '{{.Service}} {{.State}}' | grep -q "^sleeper running" ||
	fail "the stack did not come up: $("$LXR" ps -f "$STACK" 2>&1)"
sleep 1 # a few of stopper's hook and checks started, and stopped

start=$(date +%s)
timeout 20 "$LXR" stop -f "$STACK" stopper >/dev/null 2>&1 ||
	fail "stop of a container that holds its hook stopped did not end (exit $?)"
run ps -a -f "$STACK" --format '{{.Service}} {{.State}}'
expect_grep "$OUT" "^stopper exited" "it stopped (compose's State: exited)"
pass "stop ends a container that holds its hook's process stopped before the exec"

timeout 20 "$LXR" stop -f "$STACK" sleeper >/dev/null 2>&1 ||
	fail "stop of a container whose pre_stop never ends did not end (exit $?)"
[ $(($(date +%s) - start)) -lt 15 ] || fail "the pre_stop held the stop past its grace"
run ps -a -f "$STACK" --format '{{.Service}} {{.State}}'
expect_grep "$OUT" "^sleeper exited" "it stopped (compose's State: exited)"
pass "a pre_stop that never ends is cut short at the stop's grace period"

run down -f "$STACK"
expect_rc 0 "down"
pass "down ends the rest"
