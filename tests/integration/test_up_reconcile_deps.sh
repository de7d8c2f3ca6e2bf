#!/bin/bash
# `up -d` on a stack that is up waits, once it has reconciled, for each
# dependency to meet the condition of what depends on it, as compose's
# does (its waitDependencies, for containers that were already running
# too): a recreated database that web needs healthy is healthy when up -d
# returns, and one that turns unhealthy fails up -d, naming it.
. "$(dirname "$0")/lib.sh"

write_stack() { # db's health check command
	stack <<Y
name: updeps$$
services:
  db:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    network_mode: none
    healthcheck: {test: ["CMD-SHELL", "$1"], interval: 1s, retries: 1}
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    network_mode: none
    depends_on: {db: {condition: service_healthy}}
Y
}
health_of_db() { "$LXR" ps -f "$STACK" --format '{{.Service}} {{.Health}}' | sed -n 's/^db //p'; }

write_stack "true"
run up -d -f "$STACK"
expect_rc 0 "up -d of the stack"
[ "$(health_of_db)" = "healthy" ] || fail "a fresh up -d waits for db's health: $(health_of_db)"

# a changed check recreates db; up -d returns once it is healthy again
write_stack "test -d /"
run up -d -f "$STACK"
expect_rc 0 "up -d that recreates db"
expect_grep "$ERR" "recreate +db-1" "db is recreated"
[ "$(health_of_db)" = "healthy" ] || fail "up -d returned before the recreated db was healthy: $(health_of_db)"
pass "up -d waits for a recreated dependency to be healthy"

# one that fails its check fails up -d, as compose's
write_stack "false"
run up -d -f "$STACK"
expect_rc 1 "up -d whose recreated dependency turns unhealthy"
expect_grep "$ERR" "dependency failed to start: container db-1 is unhealthy" "up -d names the dependency"
pass "up -d fails, naming it, when a dependency others need healthy turns unhealthy"

run down -f "$STACK"
expect_rc 0 "down"
