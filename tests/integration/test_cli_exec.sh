#!/bin/bash
# docker compose exec's flags on a stack service: -d starts the command and
# returns, leaving it running; --privileged gives it every capability; -e,
# -u, -w, -T and --index do what compose's do.
. "$(dirname "$0")/lib.sh"

P=exf$$
stack <<Y
name: $P
services:
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    scale: 2
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"web-2","state":"running"'

run exec -f "$STACK" -d web /bin/sh -c 'echo started > /tmp/d-ran; exec sleep 777'
expect_rc 0 "exec -d"
[ -z "$OUT" ] || fail "exec -d printed the command's output: $OUT"
for _ in $(seq 100); do
	"$LXR" exec -T -f "$STACK" web test -e /tmp/d-ran 2>/dev/null && break
	sleep 0.05
done
run exec -T -f "$STACK" web /bin/sh -c 'cat /tmp/d-ran; ps -o args | grep -c "^sleep 777"'
expect_out "started
1" "exec -d: the command ran and still runs after lxr returned"
run exec -T -f "$STACK" --index 2 web /bin/sh -c 'ps -o args | grep -c "^sleep 777" || true'
expect_out "0" "exec -d ran in the first instance only"
pass "exec -d starts the command and returns; it keeps running"

run exec -T -f "$STACK" web grep CapEff /proc/self/status
expect_out "CapEff:	00000000a80425fb" "exec without --privileged: the default capabilities"
run exec -T --privileged -f "$STACK" web grep CapEff /proc/self/status
# every capability lxr itself holds (all of them for root on a plain host)
expect_out "$(grep CapEff /proc/self/status)" "exec --privileged"
run exec -T -f "$STACK" web grep CapEff /proc/self/status
expect_out "CapEff:	00000000a80425fb" "--privileged is for that exec only"
run exec -T --privileged -f "$STACK" web sh -c 'mkdir -p /tmp/mnt-probe; if mount -t tmpfs none /tmp/mnt-probe 2>/dev/null; then echo mounted; else echo refused; fi'
expect_out "refused" "exec --privileged keeps the container's seccomp filter (mount refused), as docker exec does"
pass "exec --privileged gives that command every capability, under the container's seccomp filter"

run exec -T -f "$STACK" -e A=1 -e B=two -u 1000:1000 -w /tmp --index 2 web \
	/bin/sh -c 'echo $A $B; id -u; id -g; pwd; hostname'
expect_rc 0 "exec -e -u -w --index"
expect_grep "$OUT" "^1 two$" "exec -e"
expect_grep "$OUT" "^1000$" "exec -u"
expect_grep "$OUT" "^/tmp$" "exec -w"
run exec -T -f "$STACK" --index 3 web true
expect_rc 1 "exec --index of an instance that is not there (compose's exit code)"
run exec -T -f "$STACK" web /bin/sh -c 'exit 7'
expect_rc 7 "exec passes the exit code"
pass "exec -e -u -w -T --index"

run down -f "$STACK"
expect_rc 0 "down"
