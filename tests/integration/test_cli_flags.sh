#!/bin/bash
# docker compose's flags on lxr's commands: ps -a/-q/--services/--status,
# stop -t and restart -t (this stop's grace period instead of the
# service's), and what a flag on the wrong command says.
. "$(dirname "$0")/lib.sh"

P=flags$$
stack <<Y
name: $P
services:
  stubborn:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"]
    stop_grace_period: 30s
  quick:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    deploy: {replicas: 2}
Y

run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"stubborn-1","state":"running"'
wait_event '"instance":"quick-2","state":"running"'

run ps -f "$STACK" -q
expect_rc 0 "ps -q"
[ "$(printf '%s\n' "$OUT" | sort)" = "$(printf 'quick-1\nquick-2\nstubborn-1')" ] ||
	fail "ps -q: [$OUT]"
run ps -f "$STACK" --services
expect_rc 0 "ps --services"
[ "$(printf '%s\n' "$OUT" | sort)" = "$(printf 'quick\nstubborn')" ] ||
	fail "ps --services: each service once: [$OUT]"
pass "ps -q lists instance names, ps --services service names"

start=$(date +%s%N)
run stop -f "$STACK" -t 1 stubborn
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "stop -t 1"
expect_out "stubborn-1" "stop names what it stopped"
[ "$took" -ge 900 ] || fail "stop -t 1 took $took ms: the 1 s grace was not given"
[ "$took" -lt 10000 ] || fail "stop -t 1 took $took ms: the service's 30 s grace was used"
wait_event '"instance":"stubborn-1","state":"stopped".*"exit":137'
pass "stop -t 1 kills after 1 s instead of the service's 30 s ($took ms)"

run ps -f "$STACK" -a
expect_rc 0 "ps -a"
expect_grep "$OUT" "^stubborn-1 +stubborn +stopped " "ps -a lists the stopped instance"
run ps -f "$STACK"
expect_grep "$OUT" "^stubborn-1 +stubborn +stopped " "ps lists stopped instances anyway"
run ps -f "$STACK" --status exited -q
expect_out "stubborn-1" "ps --status exited: the stopped one"
run ps -f "$STACK" --status running --services
expect_out "quick" "ps --status running --services"
run ps -f "$STACK" --status stopped --format json
expect_grep "$OUT" '"instance": "stubborn-1"' "ps --status with an lxr state, as JSON"
printf '%s\n' "$OUT" | grep -q quick && fail "ps --status stopped listed a running one: $OUT"
run ps -f "$STACK" --status sleeping
expect_rc 2 "ps --status with an unknown state"
expect_grep "$ERR" "--status sleeping: not a state" "the bad state is named"
pass "ps -a is accepted; --status filters with compose's and lxr's state names"

run start -f "$STACK" stubborn
expect_rc 0 "start"
wait_event '"instance":"stubborn-1","state":"running","from":"starting".*"exit":137'
start=$(date +%s%N)
run restart -f "$STACK" --timeout 0 stubborn
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "restart --timeout 0"
[ "$took" -lt 10000 ] || fail "restart --timeout 0 took $took ms"
pass "restart --timeout 0 kills at once and starts again ($took ms)"

run start -f "$STACK" -t 1 stubborn
expect_rc 2 "start -t"
expect_grep "$ERR" "start does not take it" "a flag on the wrong command"
run ps -f "$STACK" -t 1
expect_rc 2 "ps -t"
run kill -f "$STACK" -q
expect_rc 2 "kill -q"
run stop -f "$STACK" -t soon
expect_rc 2 "stop -t soon"
expect_grep "$ERR" "--timeout soon: not a number of seconds" "bad timeout named"
pass "a flag on a command that does not take it exits 2 and says which"

run stop -f "$STACK" -t 0
expect_rc 0 "stop -t 0 (all)"
run down -f "$STACK"
expect_rc 0 "down"
