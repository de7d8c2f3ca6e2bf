#!/bin/bash
# A stack of 200 services on one network, started by an lxr whose soft
# RLIMIT_NOFILE is the usual 1024 (the supervisor holds several
# descriptors per container and raises its own soft limit to the hard
# one): all 200 run, every container still gets the limits lxr was
# started with (or its own ulimits, set after the supervisor holds more
# descriptors than that soft limit), and down removes them all.
. "$(dirname "$0")/lib.sh"

n=200
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge 4096 ] ||
	skip "the hard RLIMIT_NOFILE here is $hard: too low for $n services however lxr raises its soft one"
ulimit -Sn 1024
"$LXR_SOURCE_DIR/bench/gen-up-stack.sh" "$n" @ROOTFS@ manytest >"$TEST_TMP/gen.yaml"
# one more, with a nofile limit of its own far below what the supervisor
# holds by the time it starts
cat >>"$TEST_TMP/gen.yaml" <<'Y'
  small:
    image: @ROOTFS@
    depends_on: [svc200]
    command: ["sleep", "100000"]
    ulimits:
      nofile: {soft: 256, hard: 4096}
Y
stack <"$TEST_TMP/gen.yaml"

run up -d -f "$STACK"
expect_rc 0 "up -d of $n services under a soft RLIMIT_NOFILE of 1024"
run ps -f "$STACK" --format json
running=$(printf '%s\n' "$OUT" | grep -o '"state": *"running"' | wc -l)
[ "$running" -eq $((n + 1)) ] || fail "$running of $((n + 1)) services run (stderr: $ERR)"
pass "all $((n + 1)) services run"

run exec -f "$STACK" svc1 /bin/sh -c 'ulimit -Sn; ulimit -Hn'
expect_out "$(printf '1024\n%s' "$hard")" "exec: RLIMIT_NOFILE as lxr was started with"
run exec -f "$STACK" svc$n grep "open files" /proc/1/limits
expect_grep "$OUT" "Max open files +1024 +$hard " "a container's PID 1 has the limit lxr was started with"
expect_grep "$("$LXR" exec -f "$STACK" svc1 grep -cw "svc$n" /etc/hosts)" "^1$" \
	"the first service's /etc/hosts lists the last"
run exec -f "$STACK" small grep "open files" /proc/1/limits
expect_grep "$OUT" "Max open files +256 +4096 " "ulimits: nofile of a service started after 200 others"
pass "containers keep the RLIMIT_NOFILE lxr was started with, not its raised one"

run down -f "$STACK"
expect_rc 0 "down"
pass "down of $((n + 1)) services"
