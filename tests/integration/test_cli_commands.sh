#!/bin/bash
# docker compose's ls, port and wait: the projects that are up with their
# status and files, the host address a port is published on, and waiting
# for services to end with their exit codes.
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for published ports"

P=cmds$$
# below the ephemeral range (32768 and up), where a client of the host may hold one
port=$(free_ports 3)
stack <<Y
name: $P
services:
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    ports: ["127.0.0.1:$port:80", "127.0.0.1:$((port + 1))-$((port + 2)):90-91/udp"]
  fails:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "sleep 0.3; exit 3"]
  works:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "sleep 0.6; exit 0"]
Y

run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"web-1","state":"running"'

# ---- wait -------------------------------------------------------------------------
run wait -f "$STACK" works fails
expect_rc 0 "wait: the code of the last to end, as compose's"
expect_out "container \"$P-fails-1\" exited with status code 3
container \"$P-works-1\" exited with status code 0" "wait says each end in the order they ended"
run wait -f "$STACK" fails
expect_rc 3 "wait exits with the service's code"
expect_out "container \"$P-fails-1\" exited with status code 3" "wait fails"
run wait -f "$STACK" nosuch
expect_rc 1 "wait for a service the stack lacks"
expect_grep "$ERR" "no such service: nosuch" "wait names the unknown service"
# a service name a typo away: docker's "did you mean", from the supervisor
# (stop, wait, ...), from exec and from logs
run stop -f "$STACK" wbe
expect_rc 1 "stop of a misspelt service"
expect_grep "$ERR" 'did you mean "web"\?' "stop suggests the service"
run exec -f "$STACK" -T wbe true
[ "$RC" -ne 0 ] || fail "exec of a misspelt service exited 0"
expect_grep "$ERR" 'did you mean "web"\?' "exec suggests the service"
run -f "$STACK" logs wbe
expect_rc 1 "logs of a misspelt service"
expect_grep "$ERR" 'did you mean "web"\?' "logs suggests the service"
run wait -f "$STACK"
expect_rc 2 "wait without a service"
pass "wait blocks until services end, says their exits, exits with the last one's code"

# ---- port -------------------------------------------------------------------------
run port -f "$STACK" web 80
expect_rc 0 "port web 80"
expect_out "127.0.0.1:$port" "port prints IP:PORT"
run -p "$P" port web 91/udp
expect_out "127.0.0.1:$((port + 2))" "port in a range, udp, with the global -p"
run port -f "$STACK" --protocol udp web 90
expect_out "127.0.0.1:$((port + 1))" "port --protocol udp"
run port -f "$STACK" web 81
expect_rc 1 "port not published"
expect_grep "$ERR" "web-1 does not publish 81/tcp" "the unpublished port is named"
run port -f "$STACK" web eighty
expect_rc 2 "port with a bad port"
run port -f "$STACK" --index 2 web 80
expect_rc 1 "port --index of an instance that is not there"
pass "port prints the host address a container port is published on"

# ---- ls ---------------------------------------------------------------------------
run ls
expect_rc 0 "ls"
expect_grep "$OUT" "^NAME +STATUS +CONFIG FILES" "ls header"
expect_grep "$OUT" "^$P +running\\(1\\) +$STACK\$" "ls: name, status (what runs, as compose's without -a) and file"
run ls -a
expect_grep "$OUT" "^$P +exited\\(2\\), running\\(1\\) +$STACK\$" "ls -a: every container's state"
run ls -q
printf '%s\n' "$OUT" | grep -qx "$P" || fail "ls -q: [$OUT]"
run ls -a --format json
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] || fail "ls --format json: one line, as compose's: $OUT"
python3 - "$OUT" "$P" "$STACK" <<'PY' || fail "ls --format json: $OUT"
import json, sys
ls = {p["Name"]: p for p in json.loads(sys.argv[1])}
p = ls[sys.argv[2]]
assert p["Status"] == "exited(2), running(1)", p
assert p["ConfigFiles"] == sys.argv[3], p
PY
run ls --filter "name=^$P\$" -q
expect_out "$P" "ls --filter name=: the project named"
run ls --filter name=no-such-project-name -q
expect_out "" "ls --filter name=: none matches"
run ls --filter "name=${P:1:3}" --format=json
expect_grep "$OUT" "\"Name\":\"$P\"" "ls --filter name=: a part of the name matches"
run ls --filter status=running
expect_rc 2 "ls --filter on what compose does not filter"
run ls --bogus
expect_rc 2 "ls with an unknown option"
pass "ls lists the projects that are up with status and stack files"

# ---- up --force-recreate ---------------------------------------------------------
pid_of_web() { "$LXR" ps -f "$STACK" --format json | python3 -c 'import json,sys; print([i["pid"] for i in map(json.loads, sys.stdin) if i["instance"] == "web-1"][0])'; }
before=$(pid_of_web)
run up -d -f "$STACK" --dry-run
expect_grep "$OUT$ERR" "nothing" "up --dry-run on an unchanged stack"
printf '%s\n' "$OUT$ERR" | grep -q "would recreate" && fail "unchanged stack, yet: $OUT $ERR"
run up -d -f "$STACK" --force-recreate --dry-run
expect_grep "$OUT$ERR" "would recreate .*web-1" "up --force-recreate --dry-run"
run up -d -f "$STACK" --force-recreate
expect_rc 0 "up --force-recreate"
for _ in $(seq 200); do
	after=$(pid_of_web 2>/dev/null || echo 0)
	[ "$after" -gt 0 ] && [ "$after" != "$before" ] && break
	sleep 0.05
done
[ "$after" != "$before" ] && [ "$after" -gt 0 ] || fail "up --force-recreate: web-1 still pid $before"
n_before=$("$LXR" ps -f "$STACK" -a -q | wc -l)
run up -d -f "$STACK" --no-deps web
expect_rc 0 "up --no-deps web"
[ "$("$LXR" ps -f "$STACK" -a -q | wc -l)" = "$n_before" ] || fail "up --no-deps web removed other services"
pass "up --force-recreate recreates unchanged services; up --no-deps SERVICE leaves the rest"

# ---- up --wait ----------------------------------------------------------------------
W=wait$$
mkdir -p "$TEST_TMP/w"
cat >"$TEST_TMP/w/compose.yaml" <<Y
name: $W
services:
  slow:
    image: $ROOTFS
    command: ["/bin/sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 1000"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 100ms
      start_period: 10s
  once:
    image: $ROOTFS
    command: ["true"]
Y
at_exit "$LXR" down -t 0 -p "$W"
run up -f "$TEST_TMP/w/compose.yaml" --wait
expect_rc 0 "up --wait"
run ps -p "$W" --status healthy -q
expect_out "$W-slow-1" "up --wait returned once slow was healthy"
run down -t 0 -p "$W"
printf '  bad:\n    image: %s\n    command: ["/bin/sh", "-c", "sleep 0.3; exit 4"]\n' \
	"$ROOTFS" >>"$TEST_TMP/w/compose.yaml"
run up -f "$TEST_TMP/w/compose.yaml" --wait
expect_rc 1 "up --wait with a service that fails"
expect_grep "$ERR" "bad-1 is exited \(exit 4\)" "up --wait names the failed service"
run down -t 0 -p "$W"
sed -i 's/exit 4/exec sleep 1000/; s/touch \/tmp\/ready; //' "$TEST_TMP/w/compose.yaml"
run up -f "$TEST_TMP/w/compose.yaml" --wait --wait-timeout 1
expect_rc 1 "up --wait-timeout 1 with a service that never gets healthy"
expect_grep "$ERR" "after 1 s" "up --wait-timeout says it gave up"
run down -t 0 -p "$W"
run up -f "$TEST_TMP/w/compose.yaml" --build --no-build
expect_rc 2 "up --build --no-build"
expect_grep "$ERR" "--build and --no-build are incompatible" "conflicting flags are named"
run up -f "$TEST_TMP/w/compose.yaml" --exit-code-from nosuch
expect_rc 2 "up --exit-code-from an unknown service"
expect_grep "$ERR" "--exit-code-from nosuch: no such service" "the unknown service is named"
pass "up --wait returns when services are healthy or completed, fails on a failed one"

run down -f "$STACK"
expect_rc 0 "down"
run ls -q
printf '%s\n' "$OUT" | grep -qx "$P" && fail "ls after down still lists $P"
pass "a project that is down is not listed"

# port SERVICE of a service with container_name: its container's port
mkdir -p "$TEST_TMP/cn"
cat > "$TEST_TMP/cn/compose.yaml" <<Y
name: cn$$
services:
  db:
    image: $ROOTFS
    container_name: cn$$-store
    command: ["sleep", "1000"]
    ports: ["127.0.0.1::80"]
Y
at_exit "$LXR" down -t 0 -p "cn$$"
run up -d -f "$TEST_TMP/cn/compose.yaml"
expect_rc 0 "up of a service with container_name"
run port -f "$TEST_TMP/cn/compose.yaml" db 80
expect_rc 0 "port of a service with container_name"
expect_grep "$OUT" "^127\.0\.0\.1:[0-9]+$" "its published address"
run down -t 0 -f "$TEST_TMP/cn/compose.yaml"
pass "port SERVICE finds a container_name's container"

# ---- wait --down-project, export --index -------------------------------------------
stack <<'Y'
name: waitdown
services:
  job:
    image: @ROOTFS@
    command: ["sh", "-c", "echo job-$$(hostname) > /mark; sleep 0.5; exit 3"]
  svc:
    image: @ROOTFS@
    command: ["sh", "-c", "echo svc-$$(hostname) > /mark; exec sleep 300"]
    deploy: {replicas: 2}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
for _ in $(seq 100); do [ -e "$LXR_RUN_DIR/$PROJECT/svc-2/upper/mark" ] && break; sleep 0.05; done
"$LXR" -f "$STACK" export --index 2 svc | tar -xO mark >"$TEST_TMP/mark" || fail "export --index 2"
grep -q "^svc-" "$TEST_TMP/mark" || fail "export --index 2: [$(cat "$TEST_TMP/mark")]"
[ "$(cat "$TEST_TMP/mark")" = "$(cat "$LXR_RUN_DIR/$PROJECT/svc-2/upper/mark")" ] ||
	fail "export --index 2 wrote another instance's file: $(cat "$TEST_TMP/mark")"
run -f "$STACK" logs --index 1 job
expect_rc 0 "logs --index 1 of a service without replicas"
run -f "$STACK" logs --index 2 job
expect_rc 1 "logs --index 2 of a service without replicas"
expect_grep "$ERR" "no log of job-2" "says there is none"
run wait -f "$STACK" --down-project job
expect_rc 3 "wait --down-project: the job's code"
expect_out "container \"$PROJECT-job-1\" exited with status code 3" "its end said"
expect_grep "$ERR" "Container $PROJECT-svc-1  Removed" "then the project goes down"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "wait --down-project left the project up"
pass "wait --down-project takes the project down once the services end; export --index"

# ---- start --wait, as compose's --------------------------------------------------------
stack <<'Y'
name: startwait
services:
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "rm -f /tmp/ok; sleep 0.5; touch /tmp/ok; exec sleep 300"]
    healthcheck: {test: ["CMD", "test", "-e", "/tmp/ok"], interval: 100ms, retries: 50}
  broken:
    image: @ROOTFS@
    command: ["sleep", "300"]
    healthcheck: {test: ["CMD", "false"], interval: 100ms, retries: 1}
Y
run up --no-start -f "$STACK"
expect_rc 0 "up --no-start"
run start --wait -f "$STACK" broken
expect_rc 1 "start --wait of a service that turns unhealthy"
run start --wait -f "$STACK" db
expect_rc 0 "start --wait db, whatever another service did"
run ps -f "$STACK" --format '{{.Name}} {{.Health}}' db
expect_out "$PROJECT-db-1 healthy" "start --wait returns once the service is healthy"
run stop -f "$STACK" -t 0 --wait
expect_rc 2 "--wait is start's"
run down -f "$STACK" -t 0
pass "start --wait waits as up --wait"
