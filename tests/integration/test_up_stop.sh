#!/bin/bash
# stop_signal, then SIGKILL after stop_grace_period; Ctrl-C (SIGINT) to a
# foreground up takes the stack down (test_up_interrupt.sh: and removes it); kill -9 of the supervisor leaves
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

# lxr stop returns once the service is down, as docker stop does
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"stubborn-1","state":"running"'
run stop -f "$STACK" stubborn
expect_rc 0 "stop"
run ps -a -f "$STACK" stubborn
expect_grep "$OUT" "^[a-z0-9_.-]*-stubborn-1 .* stubborn .* Exited \\([0-9]+\\) " "stop returned before the service was down"
run down -f "$STACK"
pass "lxr stop waits for the service to stop (SIGKILL after its 1 s grace)"

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
run ps -f "$STACK"
expect_rc 0 "ps of a project whose supervisor was killed"
expect_grep "$ERR" "its supervisor ended without \`lxr down\`" "ps says the supervisor ended"
run down -f "$STACK"
expect_rc 0 "down after a killed supervisor"
expect_grep "$ERR" "Container stubborn-1 +Removed" "down names the containers the supervisor left"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "down left the run dir"
for d in /sys/fs/cgroup/*/lxr/"$PROJECT"; do [ -e "$d" ] && fail "down left cgroup $d"; done
pass "kill -9 of the supervisor leaves nothing running; the next down leaves nothing"

# SIGTERM while containers are still being built: lxr does not wait for one
# container to exec before it starts the next, so a stop can find some of
# them half-made. Each gets its stop signal once its command runs (a 1 h
# grace period would show a lost one as a hang), and nothing is left.
{
	echo "name: stopping"
	echo "services:"
	for i in $(seq 12); do
		cat <<Y
  s$i:
    image: $ROOTFS
    command: ["/bin/sleep", "1000"]
    stop_grace_period: 1h
Y
	done
} > "$STACK"
"$LXR" up -f "$STACK" > "$TEST_TMP/fg.out" 2>&1 &
up=$!
until events | grep -q '"state":"starting"'; do
	kill -0 "$up" 2>/dev/null || fail "up ended before starting anything: $(cat "$TEST_TMP/fg.out")"
done
# held open: up removes the run directory, events file and all, when it
# has taken the stack down
exec 3<"$LXR_RUN_DIR/$PROJECT/events.jsonl"
kill -TERM "$up"
for _ in $(seq 600); do kill -0 "$up" 2>/dev/null || break; sleep 0.05; done
kill -0 "$up" 2>/dev/null && fail "up still running 30 s after SIGTERM during start-up: $(events | tail -n 5)"
wait "$up" || true
held=$(cat <&3)
exec 3<&-
events() { printf '%s\n' "$held"; }
caught=$(events | grep -c '"state":"stopping","from":"starting"' || true)
# all twelve are spawned in one turn of the loop, before it reads the signal
[ "$caught" -ge 1 ] || fail "no container was caught before its exec: the case was not exercised"
grep -q "error" "$TEST_TMP/fg.out" && fail "up reported errors: $(grep error "$TEST_TMP/fg.out")"
for d in /sys/fs/cgroup/*/lxr/"$PROJECT"; do [ -e "$d" ] && fail "stopped during start-up, lxr left cgroup $d"; done
grep -q "$LXR_RUN_DIR/$PROJECT" /proc/self/mountinfo && fail "stopped during start-up, lxr left a mount"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "stopped during start-up, lxr left the run dir: $(ls -A "$LXR_RUN_DIR/$PROJECT")"
pgrep -f "^/bin/sleep 1000" >/dev/null && fail "stopped during start-up, a container process lives on"
[ "$(events | grep -c '"state":"stopped"')" -eq 12 ] || fail "not every service ended stopped: $(events | grep -v starting | tail -n 12)"
run down -f "$STACK"
expect_rc 0 "down after a stop during start-up"
left=$(leftovers_project)
[ -z "$left" ] || fail "down after a stop during start-up left: $left"
pass "SIGTERM during start-up stops every container and leaves nothing ($caught caught before their exec)"

# A start or restart while a stop is under way starts the service again
# once it has stopped (it was dropped, and the command said nothing); a
# later stop's shorter -t ends a stop under way sooner, as each docker
# stop sends its own kill
stack <<'Y'
name: stopping2
services:
  deaf:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"]
    stop_grace_period: 60s
Y
events() { cat "$LXR_RUN_DIR/$PROJECT/events.jsonl" 2>/dev/null; } # lib.sh's again
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"deaf-1","state":"running"'
"$LXR" stop -f "$STACK" deaf >/dev/null 2>&1 &
stopper=$!
at_exit kill "$stopper"
wait_event '"instance":"deaf-1","state":"stopping"'
timeout 30 "$LXR" restart -t 0 -f "$STACK" deaf >"$TEST_TMP/restart.out" 2>&1 ||
	fail "restart -t 0 while a 60 s stop is under way did not end within 30 s (rc $?): $(cat "$TEST_TMP/restart.out")"
wait "$stopper" || fail "the stop a restart came after exited $?"
run ps -f "$STACK" deaf
expect_grep "$OUT" "^[a-z0-9_.-]*-deaf-1 .* Up " "the service runs after a restart asked for while it stopped"
timeout 30 "$LXR" start -f "$STACK" deaf >/dev/null 2>&1 || fail "start of a running service"
"$LXR" stop -f "$STACK" deaf >/dev/null 2>&1 &
stopper=$!
for _ in $(seq 400); do # the second stop has begun
	[ "$(events | grep -c '"instance":"deaf-1","state":"stopping"')" -ge 2 ] && break
	sleep 0.05
done
[ "$(events | grep -c '"instance":"deaf-1","state":"stopping"')" -ge 2 ] || fail "the second stop did not begin"
timeout 30 "$LXR" stop -t 0 -f "$STACK" deaf ||
	fail "stop -t 0 while a 60 s stop is under way did not end within 30 s"
run ps -a -f "$STACK" deaf
expect_grep "$OUT" "^[a-z0-9_.-]*-deaf-1 .* Exited \\(137\\) " "stop -t 0 killed the service whose stop was under way"
wait "$stopper" || fail "the stop that stop -t 0 hurried exited $?"
"$LXR" stop -f "$STACK" deaf >/dev/null 2>&1
"$LXR" start -f "$STACK" deaf >/dev/null 2>&1 &
starter=$!
"$LXR" stop -f "$STACK" deaf >/dev/null 2>&1 &
stopper=$!
run down -t 0 -f "$STACK"
expect_rc 0 "down -t 0 while a stop is under way"
# (the start and stop raced the down: their own exit codes may say so)
wait "$starter" "$stopper" 2>/dev/null || true
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "down -t 0 left the run dir: $(ls -A "$LXR_RUN_DIR/$PROJECT")"
pass "a start or restart while a service stops starts it again; a later -t 0 ends the stop at once"

# The supervisor killed while `up -d` waits for its reconcile (a recreate
# waiting out a 60 s stop): up says so and fails, not "done"
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"deaf-1","state":"running"'
sed -i 's/sleep 0.1; done/sleep 0.2; done/' "$STACK"
"$LXR" up -d -f "$STACK" >"$TEST_TMP/reconcile.out" 2>&1 &
upper=$!
wait_event '"instance":"deaf-1","state":"stopping"'
kill -KILL "$(cat "$LXR_RUN_DIR/$PROJECT/supervisor.lock")"
rc=0
wait "$upper" || rc=$?
[ "$rc" = 1 ] || fail "up -d whose supervisor was killed while it reconciled exited $rc: $(cat "$TEST_TMP/reconcile.out")"
grep -q "supervisor ended before its reconcile was over" "$TEST_TMP/reconcile.out" ||
	fail "up -d did not say its supervisor ended: $(cat "$TEST_TMP/reconcile.out")"
run down -t 0 -f "$STACK"
expect_rc 0 "down after the killed supervisor"
pass "up -d fails, saying so, when its supervisor is killed while it reconciles"

# With hooks: a restart during a stop's pre_stop restarts it (it was
# lost); a start while it stops runs its post_start once it is back; a
# start during a recreate's stop does not bring the old container back
# (the reconcile would never end)
rm -f "$SHARED"/*
stack <<'Y'
name: stopping3
services:
  hooked:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"]
    stop_grace_period: 2s
    volumes: ["@SHARED@:/shared"]
    post_start:
      - command: /bin/sh -c 'echo post >> /shared/posts'
    pre_stop:
      - command: /bin/sh -c 'echo pre >> /shared/pres; sleep 1'
Y
events() { cat "$LXR_RUN_DIR/$PROJECT/events.jsonl" 2>/dev/null; }
posts() { wc -l < "$SHARED/posts" 2>/dev/null || echo 0; }
run up -d -f "$STACK"
expect_rc 0 "up -d"
[ "$(posts)" = 1 ] || fail "post_start ran $(posts) times at up"
"$LXR" stop -f "$STACK" hooked >/dev/null 2>&1 &
stopper=$!
for _ in $(seq 100); do [ -s "$SHARED/pres" ] && break; sleep 0.05; done
run restart -t 0 -f "$STACK" hooked
expect_rc 0 "restart during the stop's pre_stop"
wait "$stopper" || true
run ps -f "$STACK" hooked
expect_grep "$OUT" "^[a-z0-9_.-]*-hooked-1 .* Up " "a restart during pre_stop leaves the service running"
[ "$(posts)" = 2 ] || fail "post_start after that restart: it ran $(posts) times in all"
"$LXR" stop -f "$STACK" hooked >/dev/null 2>&1 &
stopper=$!
for _ in $(seq 200); do [ "$(events | grep -c '"instance":"hooked-1","state":"stopping"')" -ge 2 ] && break; sleep 0.05; done
run start -f "$STACK" hooked
expect_rc 0 "start while it stops (its 2 s grace)"
wait "$stopper" || true
for _ in $(seq 200); do [ "$(posts)" = 3 ] && break; sleep 0.05; done
[ "$(posts)" = 3 ] || fail "post_start after a start that waited for a stop: it ran $(posts) times in all"
run ps -f "$STACK" hooked
expect_grep "$OUT" "^[a-z0-9_.-]*-hooked-1 .* Up " "a start while it stopped leaves the service running"
sed -i 's/sleep 0.1; done/sleep 0.2; done/' "$STACK"
"$LXR" up -d -f "$STACK" >"$TEST_TMP/recreate.out" 2>&1 &
upper=$!
for _ in $(seq 200); do [ "$(events | grep -c '"instance":"hooked-1","state":"stopping"')" -ge 3 ] && break; sleep 0.05; done
run start -f "$STACK" hooked
rc=0
timeout 60 tail --pid="$upper" -f /dev/null || rc=$?
[ "$rc" = 0 ] || fail "up -d of a recreate did not end after a start of its old container: $(cat "$TEST_TMP/recreate.out")"
wait "$upper" || fail "up -d of the recreate exited $?: $(cat "$TEST_TMP/recreate.out")"
run exec -f "$STACK" hooked sh -c 'cat /proc/[0-9]*/cmdline | tr "\0" " "'
expect_grep "$OUT" "sleep 0.2" "the new container runs, not the old one brought back"
run down -t 0 -f "$STACK"
pass "restart during pre_stop, start while stopping (post_start again), start during a recreate"
