#!/bin/bash
# A dependency that never gets healthy fails `up` (exit 1, named), and its
# dependents stay created; a command that cannot start fails the same way.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: depfail
services:
  db:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    healthcheck:
      test: ["CMD-SHELL", "exit 1"]
      interval: 100ms
      retries: 2
  api:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    depends_on:
      db: {condition: service_healthy}
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    depends_on: [api]
  broken:
    image: @ROOTFS@
    command: ["/no/such/program"]
  needs-broken:
    image: @ROOTFS@
    command: ["true"]
    depends_on: [broken]
  optional:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    depends_on:
      broken: {condition: service_started, required: false}
Y

run up -d -f "$STACK"
expect_rc 1 "up with a failing dependency"
wait_event '"instance":"db-1","state":"unhealthy"'
wait_event '"instance":"api-1","state":"blocked"'
wait_event '"instance":"broken-1","state":"failed"'
wait_event '"instance":"needs-broken-1","state":"blocked"'
events | grep -q '"instance":"api-1","state":"starting"' && fail "api started although db never got healthy"
events | grep -q '"instance":"web-1","state":"starting"' && fail "web started although api never did"
wait_event '"instance":"optional-1","state":"running"'
[ ! -e "$LXR_RUN_DIR/$PROJECT/api-1/state" ] || fail "api has a running container"
# a blocked instance holds no network endpoint (the supervisor may have
# made needs-broken's while broken was being started), and no peer's
# /etc/hosts names it
for b in needs-broken-1 api-1 web-1; do
	[ ! -e "$LXR_RUN_DIR/$PROJECT/.net/endpoints/$b" ] || fail "blocked $b keeps a network endpoint"
done
! grep -rqs 'needs-broken' "$LXR_RUN_DIR/$PROJECT/.net/etc/" ||
	fail "a hosts file names the blocked needs-broken: $(grep -rl needs-broken "$LXR_RUN_DIR/$PROJECT/.net/etc/")"
pass "a dependency that is unhealthy or cannot start blocks its dependents; required: false only warns"

log=$(cat "$LXR_RUN_DIR/$PROJECT/supervisor.log")
expect_grep "$log" 'api-1 +\| not started: dependency "db" is unhealthy' "the failing dependency is named"
expect_grep "$log" 'broken-1 +\| failed to start: .*exec "/no/such/program".*ENOENT' "the start failure names the exec"
[ "$(grep -c 'optional dependency "broken"' <<<"$log")" -eq 1 ] || fail "the optional dependency warning is not said exactly once: $(grep 'optional dependency' <<<"$log")"
run down -f "$STACK"
expect_rc 0 "down"
pass "the supervisor's log names the failing dependency and the failed exec"

# In the foreground the same stack prints it and exits 1 once it is down.
run up -f "$STACK" db api
expect_rc 1 "foreground up with a failing dependency"
run down -f "$STACK"
pass "foreground up exits 1 when a dependency fails"

# A service that cannot start, with nothing depending on it: up -d says why
# and exits 1, as compose does; the rest of the stack runs.
stack <<'Y'
name: startfail
services:
  broken:
    image: @ROOTFS@
    command: ["/no/such/program"]
  escaped:
    image: @ROOTFS@
    command: ["/no/such/\u001b[2Jprog"]
  fine:
    image: @ROOTFS@
    command: ["sleep", "1000"]
Y
run up -d -f "$STACK"
expect_rc 1 "up -d with a service that cannot start"
expect_grep "$ERR" "broken-1 failed to start: .*exec \"/no/such/program\": No such file or directory" "up -d says why"
# a command an image (or a file) names reaches the terminal with no escape byte
printf '%s' "$ERR" | grep -q "$(printf '\033')" && fail "up printed an escape byte of a command: $ERR"
expect_grep "$ERR" "escaped-1 failed to start: .*/no/such/\\?\\[2Jprog" "the escape byte shows as ?"
run ps -a -f "$STACK"
expect_grep "$OUT" "^[a-z0-9_.-]*-fine-1 .* fine .* Up " "the rest of the stack runs"
expect_grep "$OUT" "^[a-z0-9_.-]*-broken-1 .* broken .* Exited \(127\) " "ps shows the failed one with its exit code"
run down -f "$STACK"
expect_rc 0 "down"
pass "up -d exits 1 naming a service that cannot start, and the rest runs"

# What only the exec itself finds (a file that is no program: ENOEXEC)
# comes after the start, as with docker, whose runc starts a container
# before its exec: up -d succeeds, the container exits 126, and the
# supervisor's log says why.
mkdir -p "$TEST_TMP/noprog"
printf 'not a program\n' >"$TEST_TMP/noprog/prog"
chmod 755 "$TEST_TMP/noprog/prog"
stack <<Y
name: execfail
services:
  noprog:
    image: @ROOTFS@
    command: ["/np/prog"]
    volumes: ["$TEST_TMP/noprog:/np:ro"]
Y
run up -d -f "$STACK"
expect_rc 0 "up -d of a command whose exec fails after its start"
wait_event '"instance":"noprog-1","state":"exited"'
run ps -a -f "$STACK"
expect_grep "$OUT" "^[a-z0-9_.-]*-noprog-1 .* Exited \(126\) " "ps shows the exec's 126"
log=$(cat "$LXR_RUN_DIR/$PROJECT/supervisor.log")
expect_grep "$log" 'noprog-1 +\| error: .*exec "/np/prog".*ENOEXEC' "the supervisor's log names the failed exec"
run run --rm -v "$TEST_TMP/noprog:/np:ro" "$ROOTFS" /np/prog
expect_rc 126 "lxr run of the same command"
expect_grep "$ERR" 'exec "/np/prog".*ENOEXEC' "lxr run says why"
run down -f "$STACK"
expect_rc 0 "down"
pass "an exec that fails after the start ends the container with 126 and says why"

# A host port that a program on the host holds: the network attach fails.
# up -d and a foreground up both exit 1 and print why, whole (message,
# errno, hint); ps and the event carry the same error.
command -v nft >/dev/null || skip "nft (nftables) is needed for published ports"
"${PYTHON:-python3}" -c 'import socket, time
s = socket.socket(); s.bind(("0.0.0.0", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(600)' >"$TEST_TMP/port" &
holder=$!
at_exit kill "$holder"
for _ in $(seq 200); do [ -s "$TEST_TMP/port" ] && break; sleep 0.05; done
port=$(cat "$TEST_TMP/port")
[ -n "$port" ] || fail "could not occupy a host port"
stack <<Y
name: t$$-portclash
services:
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    ports: ["$port:80"]
  fine:
    image: @ROOTFS@
    command: ["sleep", "1000"]
Y
why="web-1 failed to start: container web-1 on network default: host port 0.0.0.0:$port/tcp is in use by a program on the host: Address already in use \(EADDRINUSE\)"
run up -d -f "$STACK"
expect_rc 1 "up -d with a host port in use"
expect_grep "$ERR" "^lxr: error: $why" "up -d says why, with its errno"
expect_grep "$ERR" "^lxr: hint: stop it or publish another host port" "up -d gives the hint"
run ps -a -f "$STACK"
expect_grep "$OUT" "^[a-z0-9_.-]*-web-1 .* web .* ago +Exited \(125\) " "ps shows web failed"
expect_grep "$OUT" "^[a-z0-9_.-]*-fine-1 .* fine .* Up " "the rest of the stack runs"
expect_grep "$OUT" "^web-1: failed to start: .*host port 0.0.0.0:$port/tcp is in use .*\(EADDRINUSE\)" "ps shows the error"
expect_grep "$OUT" "^web-1: hint: stop it" "ps shows the hint"
run ps -a -f "$STACK" --format json
expect_grep "$OUT" "\"errno_name\":\"EADDRINUSE\"" "ps --format json has the error's errno"
expect_grep "$OUT" "\"message\":\"container web-1 on network default: host port 0.0.0.0:$port/tcp is in use" "ps --format json has the error's message"
ev=$(events | grep '"instance":"web-1","state":"failed"')
expect_grep "$ev" '"error":\{"message":"container web-1 on network default: host port [^"]* is in use by a program on the host","errno":98,"errno_name":"EADDRINUSE","hint":"stop it or publish' "the failed event carries the error whole"
pass "up -d with a host port in use: exit 1, the reason and hint on stderr, in ps and in the event"

# `lxr events` streams the same failed event, error and hint in it; each
# start that fails makes one, so start again until the subscriber has one
"$LXR" events --json -f "$STACK" >"$TEST_TMP/events.out" 2>&1 &
evpid=$!
at_exit kill "$evpid"
for _ in $(seq 50); do
	run start -f "$STACK" web
	expect_rc 1 "start while the port is still in use"
	expect_grep "$ERR" "^lxr: error: $why" "start says why"
	grep -q '"state":"failed"' "$TEST_TMP/events.out" && break
	sleep 0.1
done
ev=$(grep '"instance":"web-1","state":"failed"' "$TEST_TMP/events.out" | tail -n1)
expect_grep "$ev" '"error":\{"message":"container web-1 on network default: host port [^"]* is in use by a program on the host","errno":98,"errno_name":"EADDRINUSE","hint":"stop it or publish' "lxr events carries the error whole"
kill "$evpid"
wait "$evpid" 2>/dev/null || true
kill "$holder"
wait "$holder" 2>/dev/null || true
run start -f "$STACK" web
expect_rc 0 "start once the port is free (stderr: $ERR)"
run ps -f "$STACK"
expect_grep "$OUT" "^[a-z0-9_.-]*-web-1 .* web .* Up " "web runs once the port is free"
printf '%s\n' "$OUT" | grep -q "failed to start" && fail "ps still shows the old error: $OUT"
run down -f "$STACK"
expect_rc 0 "down"
pass "start says why it could not start (exit 1), as lxr events does; a start that works clears the error"

# the port held again, for the foreground up
"${PYTHON:-python3}" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen()
print("held", flush=True); time.sleep(600)' "$port" >"$TEST_TMP/held" &
holder=$!
at_exit kill "$holder"
for _ in $(seq 200); do [ -s "$TEST_TMP/held" ] && break; sleep 0.05; done
[ -s "$TEST_TMP/held" ] || fail "could not hold port $port again"

run up -f "$STACK"
expect_rc 1 "foreground up with a host port in use"
expect_grep "$ERR" "^lxr: error: $why" "foreground up says why"
expect_grep "$ERR" "^lxr: hint: stop it or publish another host port" "foreground up gives the hint"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "the failed foreground up left its run dir"
pass "foreground up with a host port in use: the stack goes down, exit 1, the reason and hint on stderr"

# The supervisor itself cannot run (a control socket path past the Unix
# limit): up -d hears why from it, whole, although the log it wrote to is
# gone, and nothing is left for a retry to trip over.
long="$TEST_TMP/$(printf 'x%.0s' $(seq 100))/run"
stack <<Y
name: t$$-nosock
services:
  a:
    image: @ROOTFS@
    command: ["sleep", "1000"]
Y
for mode in -d ""; do
	LXR_RUN_DIR="$long" run up $mode -f "$STACK"
	expect_rc 1 "up $mode with a control socket path too long"
	expect_grep "$ERR" "^lxr: error: control socket: .* is too long for a Unix socket: File name too long \(ENAMETOOLONG\)" "up $mode says why"
	expect_grep "$ERR" "^lxr: hint: set run_dir in lxr.conf or LXR_RUN_DIR to a shorter directory" "up $mode gives the hint"
	[ ! -e "$long/$PROJECT" ] || fail "up $mode left its run dir: $(ls -A "$long/$PROJECT")"
done
pass "a supervisor that cannot run says why (up -d too) and leaves nothing"

# `up` on a running stack waits for what it changed, and fails (exit 1,
# the reason said) when an added or recreated service cannot start; an
# unchanged service that had failed is started again, as compose does.
mkdir -p "$TEST_TMP/again" && cd "$TEST_TMP/again"
cat > compose.yaml <<Y
name: again$$
services:
  ok:
    image: $ROOTFS
    command: ["sleep", "1000"]
Y
at_exit "$LXR" down -p "again$$"
run up -d
expect_rc 0 "up -d"
cat >> compose.yaml <<Y
  bad:
    image: $ROOTFS
    command: ["/no/such/program"]
Y
run up -d
expect_rc 1 "up -d adding a service that cannot start, on a running stack"
expect_grep "$ERR" "bad-1 failed to start: .*exec \"/no/such/program\"" "the reason is said"
sed -i 's|/no/such/program|/bin/true|' compose.yaml
run up -d
expect_rc 0 "up -d once it is fixed"
run ps -a -p "again$$" --format json
expect_grep "$OUT" '"instance":"bad-1"' "bad is listed"
! printf '%s\n' "$OUT" | grep -q '"error"' || fail "the old error is still shown after the fix: $OUT"
run down -p "again$$"
pass "up on a running stack fails when what it adds cannot start, and says why"

# service_healthy on a service whose image has no HEALTHCHECK (the file left
# the check to it): the dependant fails with compose's reason, not a wait
# for ever
"$LXR" import "$ROOTFS" "nohc$$:1" >/dev/null || fail "import an image without HEALTHCHECK"
mkdir -p "$TEST_TMP/nohc"
cd "$TEST_TMP/nohc"
cat > compose.yaml <<Y
name: nohc$$
services:
  dep:
    image: nohc$$:1
    command: ["sleep", "1000"]
  app:
    image: $ROOTFS
    command: ["sleep", "1000"]
    depends_on:
      dep: {condition: service_healthy}
Y
at_exit "$LXR" down -p "nohc$$" -t 0
run up -d
expect_rc 1 "up with a service_healthy dependency that has no check"
expect_grep "$ERR" "dep.* has no healthcheck" "says the dependency has no healthcheck"
run down -p "nohc$$" -t 0
pass "service_healthy on an image without HEALTHCHECK fails at up, as compose"

# Two services that take one host port are alternatives (laradock's nginx
# or openresty): the file loads, as docker compose loads it; up of both is
# refused before anything starts, up of one runs
mkdir -p "$TEST_TMP/alt"
cd "$TEST_TMP/alt"
cat > compose.yaml <<Y
name: alt$$
services:
  nginx:
    image: $ROOTFS
    command: ["sleep", "1000"]
    ports: ["127.0.0.1:18181:80"]
  openresty:
    image: $ROOTFS
    command: ["sleep", "1000"]
    ports: ["127.0.0.1:18181:80"]
Y
at_exit "$LXR" down -p "alt$$" -t 0
run config -q
expect_rc 0 "a file of alternatives loads"
run config --services
expect_rc 0 "config --services of a file of alternatives (its graph is a model's)"
expect_out "nginx
openresty" "both are listed"
run up -d
expect_rc 2 "up of both alternatives"
expect_grep "$ERR" "host port 18181 is also published by service" "says which port and service"
[ ! -e "$LXR_RUN_DIR/alt$$" ] || fail "the refused up made the project"
run up -d nginx
expect_rc 0 "up of one of them"
run ps -a --format '{{.Service}} {{.State}}'
expect_out "nginx running" "only the one named runs"
run down -t 0
pass "a file of alternatives on one host port: the services up runs are checked"

# A setting lxr does not run, in one service of many: up of the others runs
# (docker compose fails only the container it creates); up of that one is
# refused by name before anything starts
mkdir -p "$TEST_TMP/partial"
cd "$TEST_TMP/partial"
cat > compose.yaml <<Y
name: part$$
services:
  web:
    image: $ROOTFS
    command: ["sleep", "1000"]
  logs:
    image: $ROOTFS
    command: ["sleep", "1000"]
    logging: {driver: awslogs}
  built:
    build: {context: .}
    image: part$$-built
Y
printf 'FROM scratch\n' > Dockerfile
run build --dry-run built
expect_rc 0 "a build of another service is not refused for logs' setting"
at_exit "$LXR" down -p "part$$" -t 0
run up -d
expect_rc 2 "up of a service with a setting lxr does not run"
expect_grep "$ERR" "service \"logs\": lxr up does not run" "names the service and the setting"
[ ! -e "$LXR_RUN_DIR/part$$" ] || fail "the refused up made the project"
run up -d web
expect_rc 0 "up of the other service"
run ps -a --format '{{.Service}} {{.State}}'
expect_out "web running" "it runs"
run down -t 0
expect_rc 0 "down of a stack one of whose services lxr cannot run"
pass "a setting lxr does not run refuses only the service that has it"
