#!/bin/bash
# The control socket: ps, stop, start, restart, kill, events, top, stats,
# exec into a service, logs across restarts; up on a running stack
# reconciles.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: control
services:
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo web-start; trap 'echo web-stop; exit 0' TERM; while :; do sleep 0.1; done"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 100ms
    mem_limit: 64m
  worker:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo worker-run-$$$$; exec sleep 1000"]
    restart: always
Y

run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"web-1","state":"healthy"'
run ps -f "$STACK" --format json
expect_rc 0 "ps --format json"
# JSON Lines, as docker ps and compose ps print it: one compact object a
# container, so `jq -r .Name` reads each
python3 - "$OUT" <<'PY' || fail "ps --format json: $OUT"
import json, sys
lines = sys.argv[1].split("\n")
assert len(lines) == 2, lines
ps = {i["instance"]: i for i in map(json.loads, lines)}
assert ps["web-1"]["state"] == "healthy" and ps["web-1"]["health"] == "healthy", ps
assert ps["worker-1"]["state"] == "running" and ps["worker-1"]["pid"] > 0, ps
assert ps["web-1"]["restarts"] == 0
w = ps["web-1"]
assert (w["Name"], w["Names"], w["ID"], w["Service"], w["Project"]) == ("control-web-1", "control-web-1", "control-web-1", "web", "control"), w
# by name, as compose sorts its ps
assert [i["Name"] for i in map(json.loads, lines)] == ["control-web-1", "control-worker-1"], lines
assert (w["State"], w["Health"], w["ExitCode"], w["Labels"]) == ("running", "healthy", 0, ""), w
assert w["Status"].startswith("Up ") and w["Command"].startswith('"/bin/sh -c'), w
PY
run ps -f "$STACK"
expect_grep "$OUT" "^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$" "ps table header, as compose's"
expect_grep "$OUT" "^[a-z0-9_.-]*-web-1 +/[^ ]+ +\"[^\"]+\" +web +[0-9a-zA-Z ]+ ago +Up [0-9a-zA-Z ]+ \(healthy\)" "ps table"
pass "ps shows state, health, pid and restarts"

run stats --no-stream -f "$STACK" web
expect_grep "$OUT" "^$PROJECT-web-1 +[0-9.]+% +[0-9.]+[KMG]?i?B / 64MiB " "stats shows memory use and limit"
run top -f "$STACK" worker
expect_grep "$OUT" "sleep 1000" "top lists the service's processes"
# compose's table: one for the stack, SERVICE and # first
expect_grep "$(printf '%s\n' "$OUT" | head -n1)" "^SERVICE +# +UID +PID +PPID +C +STIME +TTY +TIME +CMD$" "top's titles are compose's"
expect_grep "$OUT" "^worker +1 +root +[0-9]+ +[0-9]+ +[0-9]+ +[0-9:A-Za-z]+ +\? +[0-9:]+ +sleep 1000$" "top's row of the worker's command"
pass "stats and top read the container's cgroup"

run exec -f "$STACK" web cat /proc/1/cmdline
expect_grep "$OUT" "lxr-init" "exec into a service"
run exec -f "$STACK" worker sh -c 'exit 4'
expect_rc 4 "exec exit code"
pass "exec SERVICE runs inside the service's container"

"$LXR" events --json -p "$PROJECT" > "$TEST_TMP/events.out" 2>&1 &
evpid=$!
sleep 0.2
run restart -f "$STACK" worker
expect_out "" "restart prints nothing on stdout, as compose"
expect_grep "$ERR" "^ Container $PROJECT-worker-1  Restarted$" "restart names what it restarted on stderr"
wait_event '"instance":"worker-1","state":"running","from":"starting","cause":"started","exit":143'
run kill -f "$STACK" -s KILL worker
# a stop for good, as docker's kill: restart: always does not undo it
wait_event '"instance":"worker-1","state":"exited".*"exit":137'
run start -f "$STACK" worker
run stop -f "$STACK" web
wait_event '"instance":"web-1","state":"stopped"'
kill "$evpid"; wait "$evpid" 2>/dev/null || true
grep -q '"instance":"worker-1","state":"stopping"' "$TEST_TMP/events.out" || fail "events stream missed the restart: $(cat "$TEST_TMP/events.out")"
grep -q '"instance":"web-1","state":"stopped"' "$TEST_TMP/events.out" || fail "events stream missed the stop"
run ps -f "$STACK" -a web
expect_grep "$OUT" "^[a-z0-9_.-]*-web-1 .* web .* Exited \([0-9]+\) [0-9a-zA-Z ]+ ago" "stopped stays stopped (restart policy no)"
run start -f "$STACK" web
wait_event '"instance":"web-1","state":"running","from":"starting","cause":"started","exit":0'
pass "restart, kill -s, stop and start act on services; events streams every transition"

# logs survive restarts: worker ran three times (up, restart, start after kill)
wait_event '"instance":"worker-1","state":"running".*"exit":137'
# docker resets State.ExitCode when a container starts: the restarted
# worker runs, its last exit (137) is no longer its exit code
run ps -f "$STACK" --format '{{.ExitCode}}' worker
expect_out "0" "a restarted container's ExitCode is 0 while it runs"
run ps -f "$STACK" --format json worker
expect_grep "$OUT" '"ExitCode":0' "and in ps's JSON"
run logs --file "$STACK"
expect_grep "$OUT" "web-1 +\| web-stop" "logs have the stopped run"
n=$(echo "$OUT" | grep -cE "worker-1 +\| worker-run-" || true)
[ "$n" -ge 3 ] || fail "worker's log should hold 3 runs, has $n: $OUT"
run logs --file "$STACK" --tail 1 worker
[ "$(echo "$OUT" | wc -l)" -eq 1 ] || fail "--tail 1: $OUT"
pass "logs keep every run's output across restarts (worker: $n runs)"

# logs -f follows the stack live, across a restart of the service
"$LXR" logs --file "$STACK" -f worker > "$TEST_TMP/follow.out" 2>&1 &
follow=$!
at_exit kill "$follow"
sleep 0.3
run restart -f "$STACK" worker
for _ in $(seq 100); do
	[ "$(grep -c "worker-run-" "$TEST_TMP/follow.out")" -ge 4 ] && break
	sleep 0.05
done
kill "$follow" 2>/dev/null || true
[ "$(grep -c "worker-run-" "$TEST_TMP/follow.out")" -ge 4 ] || fail "logs -f did not follow the restart: $(cat "$TEST_TMP/follow.out")"
pass "logs -f follows a service across its restart"

# reconcile: change worker, add cron, leave web alone
webpid=$(sed -n 's/^pid=//p' "$LXR_RUN_DIR/$PROJECT/web-1/state")
sed -i 's/exec sleep 1000/exec sleep 1001/' "$STACK"
cat >> "$STACK" <<Y
  cron:
    image: $ROOTFS
    command: ["sleep", "1002"]
Y
run up -d -f "$STACK"
expect_rc 0 "up on a running stack"
expect_grep "$ERR" "recreate +worker-1" "reconcile recreates the changed service"
expect_grep "$ERR" "add +cron-1" "reconcile adds the new service"
expect_grep "$ERR" "unchanged +web-1" "reconcile leaves the rest"
wait_event '"instance":"cron-1","state":"running"'
for _ in $(seq 100); do "$LXR" top -f "$STACK" worker 2>/dev/null | grep -q "sleep 1001" && break; sleep 0.05; done
run top -f "$STACK" worker
expect_grep "$OUT" "sleep 1001" "worker runs its new command"
[ "$(sed -n 's/^pid=//p' "$LXR_RUN_DIR/$PROJECT/web-1/state")" = "$webpid" ] || fail "web was restarted by the reconcile"
kill -0 "$webpid" || fail "web's container is gone"
pass "up on a running stack reconciles: worker recreated, cron added, web untouched"

run down -f "$STACK"
expect_rc 0 down
