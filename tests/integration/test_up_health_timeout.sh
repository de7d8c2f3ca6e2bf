#!/bin/bash
# A health check that runs past its timeout is killed with what it started
# (its process group): a check that forks (a shell running `sleep`) leaves
# nothing behind in the container, which would otherwise fill the
# container's pids limit on a box that runs unattended.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: hctimeout
services:
  web:
    image: @ROOTFS@
    command: ["sleep", "100000"]
    healthcheck:
      test: ["CMD-SHELL", "sleep 1000; true"]
      interval: 300ms
      timeout: 200ms
      retries: 2
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"web-1","state":"unhealthy"'
# a few more checks time out after it
sleep 1.5
run top -f "$STACK" web
expect_rc 0 "top"
left=$(printf '%s\n' "$OUT" | grep -c 'sleep 1000$' || true)
# at most the check that runs now
[ "$left" -le 1 ] || fail "$left checks' sleep 1000 left in the container: $OUT"
run inspect -f "$STACK" web
expect_grep "$OUT" "timed out after 200 ms" "the health log says the check timed out"
run down -t 0 -f "$STACK"
expect_rc 0 "down"
pass "a check past its timeout is killed with what it started"
