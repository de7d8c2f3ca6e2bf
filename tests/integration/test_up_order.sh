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
