#!/bin/bash
# Restart policies: no, on-failure:N (gives up after N), always with a
# backoff that doubles; unless-stopped; a crash loop never delays others.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: restarts
services:
  never:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo x >> /shared/never; exit 1"]
    volumes: ["@SHARED@:/shared"]
    restart: "no"
  twice:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo x >> /shared/twice; exit 3"]
    volumes: ["@SHARED@:/shared"]
    restart: on-failure:2
  fine:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo x >> /shared/fine; exit 0"]
    volumes: ["@SHARED@:/shared"]
    restart: on-failure
  loop:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo x >> /shared/loop; exit 1"]
    volumes: ["@SHARED@:/shared"]
    restart: always
  steady:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    restart: unless-stopped
Y

run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"twice-1","state":"failed"'
wait_event '"instance":"never-1","state":"exited"'
wait_event '"instance":"fine-1","state":"exited"'
# 5 runs of loop: backoff delays 100, 200, 400, 800 ms between them
for _ in $(seq 200); do [ "$(wc -l < "$SHARED/loop")" -ge 5 ] && break; sleep 0.05; done
[ "$(wc -l < "$SHARED/never")" -eq 1 ] || fail "restart: no ran $(wc -l < "$SHARED/never") times"
[ "$(wc -l < "$SHARED/twice")" -eq 3 ] || fail "on-failure:2 ran $(wc -l < "$SHARED/twice") times, expected 1 + 2 restarts"
[ "$(wc -l < "$SHARED/fine")" -eq 1 ] || fail "on-failure restarted a clean exit"
events | grep '"instance":"twice-1","state":"failed"' | grep -q '"exit":3' || fail "the failed state does not keep the last exit code"
pass "no stays down; on-failure:2 gives up after 2 restarts (failed, exit 3); on-failure leaves a clean exit"

# Backoff: the delay before each restart of `loop` doubles.
delays=$(events | grep '"instance":"loop-1"' | python3 -c '
import sys, json
ev = [json.loads(l) for l in sys.stdin]
exits = [e["time"] for e in ev if e["state"] == "backoff"]
starts = [e["time"] for e in ev if e["state"] == "starting"][1:]
print(" ".join(str(round((s - x) * 1000)) for x, s in zip(exits, starts)))')
read -r d1 d2 d3 d4 _ <<<"$delays"
[ -n "${d4:-}" ] || fail "too few restarts of loop: [$delays]"
for d in "$d1:100" "$d2:200" "$d3:400" "$d4:800"; do
	got=${d%%:*} want=${d##*:}
	[ "$got" -ge "$want" ] || fail "backoff delays [$delays] ms: $got before the $want ms delay was up"
done
[ "$d2" -gt "$d1" ] && [ "$d3" -gt "$d2" ] && [ "$d4" -gt "$d3" ] || fail "backoff does not grow: [$delays]"
wait_event '"instance":"steady-1","state":"running"'
pass "always restarts with a doubling backoff (delays $delays ms); the crash loop did not hold up the others"
run down -f "$STACK"
expect_rc 0 down

# x-lxr.restart_on_unhealthy: a service whose check starts failing is
# restarted. The check fails while a marker exists in a bind-mounted
# directory the test controls.
stack <<'Y'
name: unhealthy
services:
  flaky:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo started >> /shared/flaky-starts; exec sleep 1000"]
    volumes: ["@SHARED@:/shared"]
    healthcheck:
      test: ["CMD-SHELL", "test ! -e /shared/broken"]
      interval: 100ms
      retries: 2
    x-lxr:
      restart_on_unhealthy: true
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"flaky-1","state":"healthy"'
touch "$SHARED/broken"
wait_event '"instance":"flaky-1","state":"stopping","from":"healthy","cause":"unhealthy"'
# restarted as a crash is: through its backoff, not at once
wait_event '"instance":"flaky-1","state":"backoff","from":"stopping"'
rm -f "$SHARED/broken"
wait_event '"instance":"flaky-1","state":"running","from":"starting"'
for _ in $(seq 100); do [ "$(wc -l < "$SHARED/flaky-starts")" -ge 2 ] && break; sleep 0.05; done
[ "$(wc -l < "$SHARED/flaky-starts")" -ge 2 ] || fail "the unhealthy service was not restarted"
wait_event '"instance":"flaky-1","state":"healthy","from":"running"'
run down -f "$STACK"
pass "x-lxr.restart_on_unhealthy restarts a service whose health check fails"

# A dependency whose check fails for good fails `up -d`, naming it, even
# while restart_on_unhealthy keeps restarting it (it never gets healthy);
# the dependent stays created.
stack <<'Y'
name: sickdep
services:
  sick:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 100ms
      retries: 1
    x-lxr:
      restart_on_unhealthy: true
  app:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    depends_on:
      sick: {condition: service_healthy}
Y
run up -d -f "$STACK"
expect_rc 1 "up -d with a dependency that never gets healthy"
run ps -a -f "$STACK"
expect_grep "$OUT" "^[a-z0-9_.-]*-app-1 .* app .* Created" "the dependent stays created"
run down -f "$STACK"
pass "a dependency that keeps failing its check fails up -d, with restart_on_unhealthy too"

# depends_on restart: true: a restart of the dependency, asked for or after
# a crash, restarts the dependent too
stack <<'Y'
name: restarttrue
services:
  db:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    restart: always
  api:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    depends_on:
      db: {condition: service_started, restart: true}
  other:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    depends_on: [db]
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
run restart -f "$STACK" db
expect_rc 0 "restart db"
wait_event '"instance":"api-1","state":"stopping","from":"running","cause":"restart"'
wait_event '"instance":"api-1","state":"running","from":"starting"'
restart_count() { "$LXR" inspect -f "$STACK" db 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["RestartCount"])'; }
[ "$(restart_count)" = 0 ] || fail "RestartCount after a user's restart: $(restart_count), docker's 0"
# a crash: its command killed inside the container (lxr kill is a stop)
run exec -f "$STACK" db sh -c 'kill -9 $(pidof sleep)'
wait_event '"instance":"db-1","state":"backoff"'
for _ in $(seq 100); do [ "$(events | grep -c '"instance":"api-1","state":"stopping"')" -ge 2 ] && break; sleep 0.05; done
[ "$(events | grep -c '"instance":"api-1","state":"stopping"')" -ge 2 ] || fail "api not restarted after db crashed"
! events | grep -q '"instance":"other-1","state":"stopping"' || fail "other (no restart: true) was restarted"
wait_event '"instance":"db-1","state":"running","from":"starting"'
[ "$(restart_count)" = 1 ] || fail "RestartCount after a crash and the policy's restart: $(restart_count)"
for _ in $(seq 100); do [ -n "$("$LXR" ps -q -f "$STACK" --status running api)" ] && break; sleep 0.05; done
before=$(events | grep -c '"instance":"api-1","state":"stopping"')
before_db=$(events | grep -c '"instance":"db-1","state":"stopping"')
run restart --no-deps -f "$STACK" db
expect_rc 0 "restart --no-deps db"
[ "$(events | grep -c '"instance":"db-1","state":"stopping"')" -gt "$before_db" ] || fail "restart --no-deps did not restart db"
[ "$(events | grep -c '"instance":"api-1","state":"stopping"')" -eq "$before" ] || fail "restart --no-deps db restarted api: $(events | grep api-1 | tail -n 3)"
run restart --no-deps -f "$STACK" -t 0 api other
expect_rc 0 "restart --no-deps of other services"
run stop --no-deps -f "$STACK" db
expect_rc 2 "--no-deps is restart's alone"
pass "depends_on restart: true restarts the dependent when its dependency restarts (asked for or after a crash)"

# lxr kill stops a service for good, as docker's kill (restart: always
# does not bring it back; lxr start does); another signal is no stop
run kill -s HUP -f "$STACK" db
expect_rc 0 "kill -s HUP"
wait_event '"instance":"db-1","state":"backoff","from":"running"(.*)"exit":129'
wait_event '"instance":"db-1","state":"running","from":"starting"(.*)' # HUP ended it; the policy restarted it
for _ in $(seq 100); do [ -n "$("$LXR" ps -q -f "$STACK" --status running db)" ] && break; sleep 0.05; done
run kill -f "$STACK" db
expect_rc 0 "kill"
wait_event '"instance":"db-1","state":"exited","from":"running"(.*)"exit":137'
sleep 1 # its backoff would be 100 ms
run ps -a -f "$STACK" db
expect_grep "$OUT" "^[a-z0-9_.-]*-db-1 .* Exited \(137\) " "restart: always brought a killed service back"
run start -f "$STACK" db
expect_rc 0 "start after kill"
run ps -f "$STACK" db
expect_grep "$OUT" "^[a-z0-9_.-]*-db-1 .* Up " "start brings a killed service back"
run down -f "$STACK"
pass "kill stops a service for good (restart: always does not undo it); kill -s HUP leaves the policy to act"

# compose's restart goes in dependency order: a dependent with restart: true
# restarts once, after its dependency has restarted and meets its condition
# (healthy here), and `lxr restart` returns once that is done
stack <<'Y'
name: restartorder
services:
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "rm -f /tmp/ok; sleep 0.5; touch /tmp/ok; exec sleep 1000"]
    # its restart waits for its pre_stop: db is still up meanwhile
    pre_stop: [{command: ["sleep", "0.3"]}]
    healthcheck:
      test: ["CMD", "test", "-e", "/tmp/ok"]
      interval: 100ms
      retries: 50
  api:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    depends_on:
      db: {condition: service_healthy, restart: true}
  lone:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    depends_on: [db]
Y
run up -d --wait -f "$STACK"
expect_rc 0 "up -d --wait"
for how in "restart" "restart db"; do
	n=$(events | wc -l)
	# shellcheck disable=SC2086 # the service, if any, is a word of its own
	run $how -f "$STACK"
	expect_rc 0 "$how"
	new=$(events | tail -n +"$((n + 1))")
	healthy=$(printf '%s\n' "$new" | grep -n '"instance":"db-1","state":"healthy"' | head -n 1 | cut -d: -f1)
	stop=$(printf '%s\n' "$new" | grep -n '"instance":"api-1","state":"stopping"' | head -n 1 | cut -d: -f1)
	[ -n "$healthy" ] && [ -n "$stop" ] || fail "$how: db healthy at [$healthy], api stopping at [$stop]: $new"
	[ "$stop" -gt "$healthy" ] || fail "$how: api restarted before db was healthy again: $new"
	[ "$(printf '%s\n' "$new" | grep -c '"instance":"api-1","state":"stopping"')" -eq 1 ] ||
		fail "$how: api restarted more than once: $new"
	run ps -f "$STACK" --status running -q api
	expect_out "$PROJECT-api-1" "$how returns once api runs again"
done
printf '%s\n' "$new" | grep -q '"instance":"lone-1","state":"stopping"' &&
	fail "restart db restarted lone (no restart: true): $new"
run down -f "$STACK" -t 0
pass "restart: a restart: true dependent restarts once, after its dependency is healthy again"

# A restart runs in what the last life made: a service of network_mode:
# none keeps its network namespace (its loopback up), life after life, and
# its cgroup (with a limit, so reused only for the same one); down removes
# all of it (lib.sh checks for leftovers). The first life waits until the
# test holds its namespace: a namespace number is reused once it is freed,
# so only a held one tells a kept namespace from a new one.
stack <<'Y'
name: jreuse
services:
  crash:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo $$(readlink /proc/self/ns/net) $$(cat /sys/class/net/lo/operstate) >> /shared/lives; while [ ! -e /shared/held ]; do sleep 0.1; done; exit 1"]
    volumes: ["@SHARED@:/shared"]
    network_mode: none
    mem_limit: 64m
    restart: on-failure:3
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"crash-1","state":"running"'
init=""
for _ in $(seq 100); do
	for p in $(pgrep -x lxr-init); do
		grep -q "lxr/jreuse/crash-1" "/proc/$p/cgroup" 2>/dev/null && init=$p
	done
	[ -n "$init" ] && break
	sleep 0.05
done
[ -n "$init" ] || fail "no lxr-init of crash-1"
nsenter --net="/proc/$init/ns/net" sleep 60 &
holder=$!
at_exit kill "$holder"
for _ in $(seq 100); do [ "$(readlink "/proc/$holder/ns/net")" = "$(readlink "/proc/$init/ns/net")" ] && break; sleep 0.05; done
touch "$SHARED/held"
wait_event '"instance":"crash-1","state":"failed"'
[ "$(wc -l <"$SHARED/lives")" -eq 4 ] || fail "4 lives expected: $(cat "$SHARED/lives")"
[ "$(sort -u "$SHARED/lives" | wc -l)" -eq 1 ] || fail "the restarts did not keep one network namespace: $(cat "$SHARED/lives")"
grep -qv " unknown$" "$SHARED/lives" && fail "loopback down in a restart: $(cat "$SHARED/lives")"
run down -f "$STACK"
expect_rc 0 "down"
pass "restarts of a network_mode: none service keep its network namespace, loopback up"
