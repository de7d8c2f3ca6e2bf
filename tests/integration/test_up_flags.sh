#!/bin/bash
# up's compose flags that need the supervisor: --exit-code-from,
# --abort-on-container-exit, --no-log-prefix, --attach, --no-deps,
# --no-recreate, -t, --scale, and the refusals of what cannot go together.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: upflags
services:
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo db-says-hi; trap 'exit 0' TERM; while :; do sleep 0.1; done"]
  tests:
    image: @ROOTFS@
    depends_on: [db]
    command: ["/bin/sh", "-c", "echo tests-ran; exit 3"]
Y

# ---- refusals ------------------------------------------------------------------
run up -d --abort-on-container-exit -f "$STACK"
expect_rc 2 "--abort-on-container-exit with -d"
expect_grep "$ERR" "--abort-on-container-exit and --detach are incompatible" "says which flags"
run up --force-recreate --no-recreate -f "$STACK"
expect_rc 2 "--force-recreate with --no-recreate"
run up --build --no-build -f "$STACK"
expect_rc 2 "--build with --no-build"
run up --exit-code-from nosuch -f "$STACK"
expect_rc 2 "--exit-code-from an unknown service"
expect_grep "$ERR" "no such service" "names it"
run up --attach nosuch -f "$STACK"
expect_rc 2 "--attach an unknown service"
expect_grep "$ERR" "--attach nosuch: no such service" "names it"
run up --pull sometimes -f "$STACK"
expect_rc 2 "--pull with a bad policy"
run up --scale tests=x -f "$STACK"
expect_rc 2 "--scale with a bad number"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "a refused up made the run directory"
pass "up refuses flags that cannot go together, before it changes anything"

# ---- --exit-code-from, --no-log-prefix, --attach -------------------------------------
run up --exit-code-from tests --no-log-prefix --attach tests --no-color -y --no-build -f "$STACK"
expect_rc 3 "up --exit-code-from tests exits with the tests' code"
printf '%s\n' "$OUT" | grep -qx "tests-ran" || fail "--no-log-prefix: no bare line in [$OUT]"
printf '%s\n' "$OUT" | grep -q "db-says-hi" && fail "--attach tests: db's line shown: [$OUT]"
expect_grep "$ERR" "Aborting on container exit" "says it aborts"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "the stack is not down after the abort"
grep -q "db-says-hi" "$LXR_LOG_DIR/$PROJECT/db.log" || fail "db's log file lost its line"
pass "--exit-code-from: the stack stops when tests ends, up exits 3"

run up --abort-on-container-exit -f "$STACK"
expect_rc 3 "--abort-on-container-exit: the first exit's code"
expect_grep "$OUT" "db-1 +\\| db-says-hi" "without --no-log-prefix and --attach: prefixed lines of all"
pass "--abort-on-container-exit"

# compose shows the services named, not their dependencies (unless
# --attach-dependencies); --timestamps puts each line's time after the prefix
run up --exit-code-from tests -f "$STACK" tests
expect_rc 3 "up --exit-code-from tests tests"
expect_grep "$OUT" "tests-1 +\\| tests-ran" "the service named is shown"
printf '%s\n' "$OUT" | grep -q "db-says-hi" && fail "up tests: its dependency db's line shown: [$OUT]"
run up --exit-code-from tests --attach-dependencies --timestamps -f "$STACK" tests
expect_rc 3 "up --attach-dependencies --timestamps tests"
expect_grep "$OUT" "db-1 +\\| 20[0-9-]{8}T[0-9:]{8}\\.[0-9]{9}Z db-says-hi$" "--attach-dependencies: db's line, with its time"
expect_grep "$OUT" "tests-1 +\\| 20[0-9-]{8}T[0-9:]{8}\\.[0-9]{9}Z tests-ran$" "and the named one's"
run up --attach db --attach-dependencies -f "$STACK" tests
expect_rc 2 "--attach with --attach-dependencies"
run up -d --attach db -f "$STACK"
expect_rc 2 "--attach with --detach"
expect_grep "$ERR" "--attach and --detach are incompatible" "says which"
pass "up SERVICE shows that service; --attach-dependencies and --timestamps"

# the file's attach: false; --attach only of what this up brings up
stack <<'Y'
name: upflags5
services:
  quiet:
    image: @ROOTFS@
    attach: false
    command: ["/bin/sh", "-c", "echo quiet-line; trap 'exit 0' TERM; while :; do sleep 0.1; done"]
  loud:
    image: @ROOTFS@
    depends_on: [quiet]
    command: ["/bin/sh", "-c", "sleep 0.3; echo loud-line"]
Y
run up --exit-code-from loud -f "$STACK"
expect_rc 0 "up of a stack with attach: false"
expect_grep "$OUT" "loud-1 +\\| loud-line" "the other service is shown"
printf '%s\n' "$OUT" | grep -q quiet-line && fail "attach: false: its lines were shown: $OUT"
grep -q quiet-line "$LXR_LOG_DIR/$PROJECT/quiet.log" || fail "attach: false lost its log"
run up --exit-code-from loud --attach-dependencies -f "$STACK" loud
printf '%s\n' "$OUT" | grep -q quiet-line && fail "--attach-dependencies showed a dependency with attach: false: $OUT"
stack <<'Y'
name: upflags6
services:
  a:
    image: @ROOTFS@
    command: ["true"]
  b:
    image: @ROOTFS@
    command: ["true"]
Y
run up --attach b -f "$STACK" a
expect_rc 2 "--attach of a service this up does not bring up"
expect_grep "$ERR" "cannot attach to services not included in up: b" "says which"
run up --wait --attach a -f "$STACK"
expect_rc 2 "--wait with --attach"
expect_grep "$ERR" "--attach and --wait are incompatible" "names the flag given"
[ ! -e "$LXR_RUN_DIR/upflags6" ] || fail "a refused up made the project"
pass "attach: false keeps a service's lines out of up's; --attach only of what up brings up"

# --abort-on-container-failure: an end with 0 goes on, one with another
# code stops the stack; compose's --menu changes nothing here
stack <<'Y'
name: upflags3
services:
  ok:
    image: @ROOTFS@
    command: ["true"]
  bad:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "sleep 0.5; exit 4"]
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
Y
run up --abort-on-container-exit --abort-on-container-failure -f "$STACK"
expect_rc 2 "--abort-on-container-exit with --abort-on-container-failure"
run up --abort-on-container-failure --menu=false -f "$STACK"
expect_rc 4 "--abort-on-container-failure: the failing container's code"
expect_grep "$ERR" "Aborting on container failure... \\(bad-1 exited with code 4\\)" "aborts on bad, not on ok's 0"
[ ! -e "$LXR_RUN_DIR/upflags3" ] || fail "the stack is not down after the abort"
pass "--abort-on-container-failure stops the stack on the first failure only"

# ---- --no-deps, --scale, --no-recreate, -t ------------------------------------
stack <<'Y'
name: upflags2
services:
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"]
    stop_grace_period: 1m
  web:
    image: @ROOTFS@
    depends_on: [db]
    command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
Y
at_exit "$LXR" down -p "$PROJECT" -t 0 # db ignores SIGTERM for a minute
run up --no-start -f "$STACK"
expect_rc 0 "up --no-start"
run ps -f "$STACK" --status created -q
expect_out "$(printf '%s\n' "$PROJECT-db-1" "$PROJECT-web-1")" "--no-start: every instance created, none started"
run up -d --no-deps web -f "$STACK"
expect_rc 0 "up -d --no-deps web after --no-start"
run ps -f "$STACK" -a --format json
python3 - "$OUT" <<'PY' || fail "--no-deps web started web only: $OUT"
import json, sys
ps = {i["instance"]: i["state"] for i in map(json.loads, sys.argv[1].split("\n"))}
assert ps == {"db-1": "created", "web-1": "running"}, ps
PY
run down -f "$STACK" -t 0
expect_rc 0 "down of a stack with a created instance"
run up -d --no-deps web -f "$STACK"
expect_rc 0 "up -d --no-deps web"
run ps -f "$STACK" -a -q
expect_out "$PROJECT-web-1" "--no-deps: only web"
run up -d --scale db=2 -f "$STACK"
expect_rc 0 "up -d --scale db=2"
run ps -f "$STACK" -a -q
expect_out "$(printf '%s\n' "$PROJECT-db-1" "$PROJECT-db-2" "$PROJECT-web-1")" "--scale db=2"
pid=$("$LXR" ps -f "$STACK" --format json | python3 -c 'import json,sys; print([i["pid"] for i in map(json.loads, sys.stdin) if i["instance"]=="web-1"][0])')
sed -i "s/trap 'exit 0' TERM; while/trap 'exit 0' TERM; echo changed; while/" "$STACK"
run up -d --no-recreate --scale db=2 -f "$STACK"
expect_rc 0 "up --no-recreate"
expect_grep "$ERR" "unchanged +web-1" "--no-recreate: the changed web-1 is kept"
pid2=$("$LXR" ps -f "$STACK" --format json | python3 -c 'import json,sys; print([i["pid"] for i in map(json.loads, sys.stdin) if i["instance"]=="web-1"][0])')
[ "$pid" = "$pid2" ] || fail "--no-recreate: web-1 was recreated ($pid -> $pid2)"
# the container it kept runs the old definition: the next up recreates it
run up -d --scale db=2 -f "$STACK"
expect_rc 0 "up after --no-recreate"
expect_grep "$ERR" "recreate +web-1" "up after --no-recreate: the changed web-1 is recreated"
for _ in $(seq 100); do
	pid3=$("$LXR" ps -f "$STACK" --format json | python3 -c 'import json,sys; print([i["pid"] for i in map(json.loads, sys.stdin) if i["instance"]=="web-1"][0])')
	[ "$pid3" != "$pid2" ] && [ "$pid3" != 0 ] && break
	sleep 0.05
done
[ "$pid3" != "$pid2" ] || fail "up after --no-recreate: web-1 kept its old container ($pid3)"
# db ignores SIGTERM and has a minute's grace: -t 0 kills it at once
run up -d -t 0 --force-recreate --no-deps --scale db=2 db -f "$STACK"
expect_rc 0 "up -t 0 --force-recreate db"
wait_event '"instance":"db-1","state":"stopped".*"exit":137'
run ps -f "$STACK" -a -q
expect_out "$(printf '%s\n' "$PROJECT-db-1" "$PROJECT-db-2" "$PROJECT-web-1")" "--no-deps db on a running stack keeps web"
pass "--no-deps, --scale, --no-recreate and -t on a running stack"

# compose: --force-recreate SERVICE recreates SERVICE; what it depends on
# only if it changed, unless --always-recreate-deps
run up -d -t 0 --scale db=2 -f "$STACK"
expect_rc 0 "up: web-1 brought up to date"
run up -d -t 0 --force-recreate --scale db=2 web --dry-run -f "$STACK"
expect_grep "$OUT$ERR" "would recreate .*web-1" "--force-recreate web recreates web"
printf '%s\n' "$OUT$ERR" | grep -E "would recreate .*db-" && fail "--force-recreate web recreated its unchanged dependency: $OUT$ERR"
run up -d -t 0 --always-recreate-deps --scale db=2 web --dry-run -f "$STACK"
expect_grep "$OUT$ERR" "would recreate .*db-1" "--always-recreate-deps recreates the dependency"
printf '%s\n' "$OUT$ERR" | grep -E "would recreate .*web-1" && fail "--always-recreate-deps alone recreated unchanged web: $OUT$ERR"
run up -d --always-recreate-deps --no-recreate -f "$STACK"
expect_rc 2 "--always-recreate-deps with --no-recreate"
pass "--force-recreate SERVICE and --always-recreate-deps, as compose"

run down -f "$STACK" -t 0
expect_rc 0 "down"

# a container --no-recreate kept runs its old definition whole: its restart
# policy restarts it after a crash, and inspect shows what it runs
stack <<'Y'
name: upflags4
services:
  web:
    image: @ROOTFS@
    environment: {V: old}
    restart: always
    command: ["/bin/sh", "-c", "echo run-$$V; while [ ! -e /tmp/x ]; do sleep 0.1; done; rm /tmp/x; exit 1"]
Y
run up -d -f "$STACK"
expect_rc 0 "up of a service that restarts always"
sed -i -e 's/V: old/V: new/' -e 's/restart: always/restart: "no"/' "$STACK"
run up -d --no-recreate -f "$STACK"
expect_rc 0 "up --no-recreate with its restart policy changed"
expect_grep "$ERR" "unchanged +web-1" "kept"
run exec -f "$STACK" web touch /tmp/x
for _ in $(seq 200); do
	[ "$(grep -c run-old "$LXR_LOG_DIR/$PROJECT/web.log" 2>/dev/null)" -ge 2 ] && break
	sleep 0.05
done
[ "$(grep -c run-old "$LXR_LOG_DIR/$PROJECT/web.log")" -ge 2 ] ||
	fail "the kept container was not restarted as restart: always says: $(cat "$LXR_LOG_DIR/$PROJECT/web.log")"
grep -q run-new "$LXR_LOG_DIR/$PROJECT/web.log" && fail "its restart ran the new definition"
run inspect -f '{{.HostConfig.RestartPolicy.Name}} {{range .Config.Env}}{{.}} {{end}}' -f "$STACK" web-1
expect_grep "$OUT" "^always .*V=old" "inspect shows the definition it runs"
run down -f "$STACK" -t 0
pass "a container up --no-recreate kept runs its old definition: restart policy, environment"

# -V, --renew-anon-volumes: what this up makes or remakes starts with new
# anonymous volumes, filled from its image again; without it, a recreated
# container keeps the previous one's (and lxr keeps them across down)
mkdir -p "$TEST_TMP/anon"
cat > "$TEST_TMP/anon/compose.yaml" <<Y
name: upanon$$
services:
  app:
    image: $ROOTFS
    command: ["sleep", "600"]
    volumes: ["/etc/anon", "/bin"]
Y
at_exit "$LXR" down -v -t 0 -p "upanon$$"
AF="$TEST_TMP/anon/compose.yaml"
vol="$LXR_DATA_DIR/volumes/upanon$$/+anon/app-1"
run up -d -f "$AF"
expect_rc 0 "up a service with anonymous volumes"
echo one > "$vol/%2Fetc%2Fanon/x"
rm "$vol/%2Fbin/sh"
run up -d -t 0 --force-recreate -f "$AF"
expect_rc 0 "--force-recreate"
[ "$(cat "$vol/%2Fetc%2Fanon/x" 2>/dev/null)" = one ] || fail "a recreate without -V lost the anonymous volume"
run up -d -t 0 --force-recreate -V -f "$AF"
expect_rc 0 "--force-recreate -V"
[ ! -e "$vol/%2Fetc%2Fanon/x" ] || fail "-V kept the previous container's anonymous volume"
[ -e "$vol/%2Fbin/sh" ] || fail "-V: the new volume is not filled from the image"
run exec -f "$AF" app sh -c 'echo two > /etc/anon/x'
run up -d -V -f "$AF"
expect_rc 0 "up -V of an unchanged stack"
[ "$(cat "$vol/%2Fetc%2Fanon/x" 2>/dev/null)" = two ] || fail "-V renewed a container up did not remake"
run down -t 0 -f "$AF"
run up -d --renew-anon-volumes -f "$AF"
expect_rc 0 "up --renew-anon-volumes after down"
[ ! -e "$vol/%2Fetc%2Fanon/x" ] || fail "--renew-anon-volumes after down kept the old volume"
run down -v -t 0 -f "$AF"
run down --renew-anon-volumes -f "$AF"
expect_rc 2 "down has no -V"
pass "up -V renews the anonymous volumes of what it creates or recreates"
