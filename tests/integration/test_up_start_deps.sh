#!/bin/bash
# `lxr start` (and `up -d` of a stack that is up) brings stopped containers
# back in dependency order, each once its dependencies meet their
# conditions, as compose's start waits for them: web after db is healthy
# again, worker after migrate has completed again, and none at all when
# migrate fails this time (start exits 1, naming it).
. "$(dirname "$0")/lib.sh"

stack <<Y
name: startdeps$$
services:
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "rm -f /tmp/ready; sleep 1; touch /tmp/ready; exec sleep 1000"]
    network_mode: none
    healthcheck: {test: ["CMD", "test", "-e", "/tmp/ready"], interval: 200ms, retries: 50}
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    network_mode: none
    depends_on: {db: {condition: service_healthy}}
  migrate:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "sleep 0.5; test -e /shared/fail-$$ && exit 3; exit 0"]
    network_mode: none
    volumes: ["@SHARED@:/shared"]
  worker:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    network_mode: none
    depends_on: {migrate: {condition: service_completed_successfully}}
Y
state_of() { "$LXR" ps -a -f "$STACK" --format '{{.Service}} {{.State}}' | sed -n "s/^$1 //p"; }
# the line number of an instance's first event of a kind after line $3
event_after() { # instance state after-line
	events | awk -v n="$3" 'NR > n' | grep -n "\"instance\":\"$1\".*\"state\":\"$2\"" | head -n1 | cut -d: -f1
}

run up -d -f "$STACK"
expect_rc 0 "up -d"
run stop -f "$STACK"
expect_rc 0 "stop"
mark=$(events | wc -l)
run start -f "$STACK"
expect_rc 0 "start of the stopped stack: $ERR"
[ "$(state_of web)" = running ] || fail "web runs after start: $(state_of web)"
[ "$(state_of worker)" = running ] || fail "worker runs after start: $(state_of worker)"
healthy=$(event_after db-1 healthy "$mark")
web=$(event_after web-1 starting "$mark")
[ -n "$healthy" ] && [ -n "$web" ] || fail "no healthy event of db ($healthy) or start of web ($web): $(events | tail -n 20)"
[ "$web" -gt "$healthy" ] || fail "web started before db was healthy again (event $web, db healthy at $healthy)"
done_m=$(event_after migrate-1 exited "$mark")
worker=$(event_after worker-1 starting "$mark")
[ -n "$done_m" ] && [ -n "$worker" ] || fail "no exit of migrate ($done_m) or start of worker ($worker)"
[ "$worker" -gt "$done_m" ] || fail "worker started before migrate completed again (event $worker, migrate exited at $done_m)"
pass "start brings the stack back in order: web after db is healthy, worker after migrate completed"

# migrate fails this time: worker stays down and start says why
run stop -f "$STACK"
touch "$SHARED/fail-$$"
run start -f "$STACK"
expect_rc 1 "start whose dependency fails its condition"
expect_grep "$ERR" "worker-1 did not start: dependency migrate did not complete successfully" "start names what held worker back"
case "$(state_of worker)" in running | starting) fail "worker started though migrate failed: $(state_of worker)" ;; esac
pass "start leaves a service down when its dependency fails its condition, and exits 1"

# what held worker back is over once it starts after all (a restart)
run restart -f "$STACK" worker
expect_rc 0 "restart of the worker held back before: $ERR"
[ "$(state_of worker)" = running ] || fail "restart started worker: $(state_of worker)"
pass "a container held back once starts with a restart, and nothing says it did not"

# start SERVICE starts what it depends on too, as compose's (whose
# project is the services named and their dependencies)
rm -f "$SHARED/fail-$$"
run stop -f "$STACK"
run start -f "$STACK" web
expect_rc 0 "start web with db stopped: $ERR"
[ "$(state_of db)" = running ] || fail "start web started db (web waits for it to be healthy): $(state_of db)"
[ "$(state_of web)" = running ] || fail "start web: $(state_of web)"
[ "$(state_of worker)" = exited ] || fail "start web left worker alone: $(state_of worker)"
pass "start SERVICE starts its stopped dependencies first"

# up -d of the stack that is up starts what is stopped the same way
run stop -f "$STACK" web db
mark=$(events | wc -l)
run up -d -f "$STACK"
expect_rc 0 "up -d of a stack with stopped services: $ERR"
healthy=$(event_after db-1 healthy "$mark")
web=$(event_after web-1 starting "$mark")
[ -n "$healthy" ] && [ -n "$web" ] && [ "$web" -gt "$healthy" ] ||
	fail "up -d started web before db was healthy again (web at ${web:-none}, db healthy at ${healthy:-none})"
pass "up -d of a stack that is up starts its stopped services in order too"

# what `create` (up --no-start) made starts the same way: start returns
# once web runs, db healthy before it
run down -f "$STACK"
run create -f "$STACK"
expect_rc 0 "create"
run start -f "$STACK" web
expect_rc 0 "start web of what create made: $ERR"
[ "$(state_of web)" = running ] || fail "start returned before web ran: $(state_of web)"
case "$(state_of db)" in running | healthy) ;; *) fail "start web started db: $(state_of db)" ;; esac
run exec -T -f "$STACK" web true
expect_rc 0 "exec into web right after start"
run stop -f "$STACK"
run down -f "$STACK"
run create -f "$STACK"
run start -f "$STACK"
expect_rc 0 "start of the whole created stack: $ERR"
[ "$(state_of web)" = running ] && [ "$(state_of worker)" = running ] ||
	fail "start returned before web and worker ran: web $(state_of web), worker $(state_of worker)"
pass "start of what create made waits for the services it starts, their dependencies first"

run down -f "$STACK"
expect_rc 0 "down"
