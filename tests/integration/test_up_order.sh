#!/bin/bash
# lxr up starts in dependency order and waits for health; down stops in
# reverse order and removes what it made.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: order
services:
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap 'echo db >> /shared/stopped; exit 0' TERM; sleep 0.5; touch /tmp/ready; while :; do sleep 0.1; done"]
    volumes: ["@SHARED@:/shared"]
    healthcheck:
      test: ["CMD", "test", "-e", "/tmp/ready"]
      interval: 5s
      start_period: 10s
      start_interval: 100ms
  api:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap 'echo api >> /shared/stopped; exit 0' TERM; while :; do sleep 0.1; done"]
    volumes: ["@SHARED@:/shared"]
    depends_on:
      db: {condition: service_healthy}
  migrate:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo migrated > /shared/migrated"]
    volumes: ["@SHARED@:/shared"]
    depends_on: [db]
  worker:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap 'echo worker >> /shared/stopped; exit 0' TERM; while :; do sleep 0.1; done"]
    volumes: ["@SHARED@:/shared"]
    depends_on:
      api: {condition: service_started}
      migrate: {condition: service_completed_successfully}
Y

run up -d -f "$STACK"
expect_rc 0 "up -d"
healthy=$(event_at '"instance":"db-1","state":"healthy"')
api=$(event_at '"instance":"api-1","state":"starting"')
mig_start=$(event_at '"instance":"migrate-1","state":"starting"')
mig_done=$(event_at '"instance":"migrate-1","state":"exited".*"exit":0')
worker=$(event_at '"instance":"worker-1","state":"starting"')
db=$(event_at '"instance":"db-1","state":"starting"')
[ -n "$healthy" ] && [ -n "$api" ] && [ -n "$worker" ] && [ -n "$mig_done" ] || fail "missing events: $(events)"
[ "$db" -lt "$mig_start" ] || fail "migrate started before db"
[ "$healthy" -lt "$api" ] || fail "api started before db was healthy"
[ "$api" -lt "$worker" ] && [ "$mig_done" -lt "$worker" ] || fail "worker started before api started and migrate completed"
[ "$(cat "$SHARED/migrated")" = migrated ] || fail "migrate did not run"
pass "start follows the graph: db healthy -> api; db started -> migrate; api started + migrate done -> worker"

run down -f "$STACK"
expect_rc 0 "down"
expect_out "" "down prints nothing on success"
order=$(tr '\n' ' ' < "$SHARED/stopped")
[ "$order" = "worker api db " ] || fail "stop order: [$order], expected dependents first"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "down left $LXR_RUN_DIR/$PROJECT"
for d in /sys/fs/cgroup/*/lxr/"$PROJECT"; do [ -e "$d" ] && fail "down left cgroup $d"; done
pass "down stops in reverse order and removes containers and cgroups"

# A wave of starts (one level, no dependencies) gives way to events: a
# service whose command runs counts as running (and its health checks
# begin) while the rest of the wave is still being started, not after the
# last of them. Starting 24 takes the supervisor far longer than the first
# container's exec.
{
	echo "name: wave"
	echo "services:"
	for i in $(seq 24); do
		printf '  w%s:\n    image: @ROOTFS@\n    command: ["sleep", "1000"]\n' "$i"
	done
} > "$TEST_TMP/wave.yaml"
stack < "$TEST_TMP/wave.yaml"
run up -d -f "$STACK"
expect_rc 0 "up -d of a wave of 24"
first_running=$(events | grep -n '"state":"running"' | head -n1 | cut -d: -f1)
last_starting=$(events | grep -n '"state":"starting"' | tail -n1 | cut -d: -f1)
[ -n "$first_running" ] && [ -n "$last_starting" ] || fail "missing events: $(events)"
[ "$first_running" -lt "$last_starting" ] ||
	fail "no service of the wave counted as running before the last one started: $(events | cut -c1-120)"
[ "$(events | grep -c '"state":"running"')" = 24 ] || fail "not all 24 running: $(events | grep -c running)"
run down -f "$STACK"
expect_rc 0 "down of the wave"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "down left $LXR_RUN_DIR/$PROJECT"
pass "a wave of starts: the first service runs before the last one starts"
