#!/bin/bash
# A stack under a hard RLIMIT_NOFILE that leaves the supervisor no room to
# raise its soft one: 40 services with health checks, on no network, and
# 256 descriptors in all. The supervisor holds four a running service
# needs (pidfd, two output pipes, log file), starts in waves when the
# limit is near, and runs again a check that could not start for want of
# descriptors instead of counting it failed: `up -d --wait` sees every
# service healthy, and down removes them all.
. "$(dirname "$0")/lib.sh"

n=40
ulimit -n 256 || skip "cannot set RLIMIT_NOFILE to 256 here"
CHECKS=1 NETWORK_MODE=none "$LXR_SOURCE_DIR/bench/gen-up-stack.sh" "$n" @ROOTFS@ ufdlimit \
	>"$TEST_TMP/gen.yaml"
stack <"$TEST_TMP/gen.yaml"

run up -d --wait -f "$STACK"
expect_rc 0 "up -d --wait of $n services with health checks under RLIMIT_NOFILE 256"
run ps -f "$STACK" --format json
healthy=$(printf '%s\n' "$OUT" | grep -o '"state": *"healthy"' | wc -l)
[ "$healthy" -eq "$n" ] || fail "$healthy of $n services healthy (stderr: $ERR)"
pass "all $n services healthy under a hard limit of 256 descriptors"

run down -f "$STACK"
expect_rc 0 "down"
run ps -f "$STACK" -q
expect_rc 0 "ps after down"
expect_out "" "no instance left after down"
[ ! -e "$LXR_RUN_DIR/$PROJECT/control.sock" ] || fail "the project is still up after down"
pass "down of $n services"
