#!/bin/bash
# A script written for `docker compose`, run unchanged with `docker` meaning
# `lxr`: `docker compose up -d --wait` (twice), `ps`, `exec -T`, `logs`,
# `stop`, `start`, `restart`, `down -t 0 -v`. Each step must give the exit code docker compose
# gives: 0 where it succeeds, the command's own code from a failing
# `exec -T`, and non-zero from `up --wait` when a health check fails.
. "$(dirname "$0")/lib.sh"

P=script$$
stack <<Y
name: $P
services:
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo web says hello; touch /tmp/ready; exec sleep 1000"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 100ms
  db:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    volumes: ["data:/data"]
volumes:
  data:
Y

# The CI job, in docker compose's words. Every step prints STEP=CODE.
cat >"$TEST_TMP/ci.sh" <<'SCRIPT'
set -u
cd "$1"
docker compose up -d --wait; echo "up=$?"
docker compose up -d --wait; echo "up-again=$?"
docker compose ps; echo "ps=$?"
docker compose ps -q; echo "ps-q=$?"
docker compose ps --services; echo "ps-services=$?"
# compose's JSON keys, read as scripts read them (an array, or one object a line)
docker compose ps --format json web | python3 -c '
import json, sys
t = sys.stdin.read()
try:
    v = json.loads(t)
except ValueError:
    v = [json.loads(l) for l in t.splitlines() if l.strip()]
for c in v if isinstance(v, list) else [v]:
    print("json %s %s %s %s" % (c["Name"], c["Service"], c["State"], c["ExitCode"]))
'; echo "ps-json=$?"
docker compose exec -T web sh -c 'test -f /tmp/ready && echo web is ready'; echo "exec=$?"
docker compose exec -T web sh -c 'exit 3'; echo "exec-fails=$?"
docker compose exec -T web false; echo "exec-false=$?"
docker compose exec -T db sh -c 'kill -TERM $$'; echo "exec-killed=$?"
echo "from the pipe" | docker compose exec -T web cat; echo "exec-stdin=$?"
docker compose exec -T db sh -c 'echo kept > /data/file'; echo "exec-volume=$?"
docker compose logs web; echo "logs=$?"
docker compose logs --no-color --tail 1 web; echo "logs-tail=$?"
docker compose stop db; echo "stop=$?"
docker compose start db; echo "start=$?"
docker compose restart web; echo "restart=$?"
docker compose exec -T db cat /data/file; echo "exec-after-restart=$?"
SCRIPT
cat >"$TEST_TMP/ci-down.sh" <<'SCRIPT'
cd "$1"
docker compose down -t 0 -v; echo "down=$?"
docker compose down; echo "down-again=$?"
SCRIPT

# `docker compose ARGS` is `lxr compose ARGS`; any other docker command
# would be a mistake of this test.
docker() {
	if [ "$1" != compose ]; then
		echo "test: docker $1 is not lxr's" >&2
		return 127
	fi
	shift
	"$LXR" compose "$@"
}
export -f docker
export LXR

set +e
OUT=$(bash "$TEST_TMP/ci.sh" "$TEST_TMP/stack" 2>"$TEST_TMP/ci.err")
set -e
ERR=$(cat "$TEST_TMP/ci.err")
step() { # step NAME CODE: the step ran and exited CODE
	printf '%s\n' "$OUT" | grep -qx "$1=$2" ||
		fail "docker compose $1: wanted exit $2: $(printf '%s\n' "$OUT" | grep "^$1=") (stdout: $OUT) (stderr: $ERR)"
}
step up 0
step up-again 0
step ps 0
expect_grep "$OUT" "web-1" "ps lists the web instance"
expect_grep "$OUT" "db-1" "ps lists the db instance"
step ps-q 0
step ps-services 0
expect_grep "$OUT" "^web$" "ps --services lists web"
step ps-json 0
expect_grep "$OUT" "^json $P-web-1 web running 0$" "ps --format json has compose's Name, Service, State, ExitCode"
step exec 0
expect_grep "$OUT" "^web is ready$" "exec -T prints the command's output"
step exec-fails 3
step exec-false 1
step exec-killed 143
step exec-stdin 0
expect_grep "$OUT" "^from the pipe$" "exec -T passes stdin through"
step exec-volume 0
step logs 0
expect_grep "$OUT" "web.*\| web says hello$" "logs web shows the service's output"
step logs-tail 0
step stop 0
step start 0
step restart 0
step exec-after-restart 0
expect_grep "$OUT" "^kept$" "the named volume outlives stop and start"
vol=$(find "$LXR_DATA_DIR/volumes" -name file -path "*$P*" 2>/dev/null | head -n1)
[ -n "$vol" ] || fail "no named volume of $P under $LXR_DATA_DIR/volumes"

# a directory whose .env names the stack file (COMPOSE_FILE) is the
# project's to every command, as to compose: ps, logs, exec find it
mkdir -p "$TEST_TMP/elsewhere"
printf 'COMPOSE_FILE=%s\n' "$TEST_TMP/stack/compose.yaml" >"$TEST_TMP/elsewhere/.env"
OUT=$(cd "$TEST_TMP/elsewhere" && "$LXR" ps --services 2>&1) || fail "ps --services with COMPOSE_FILE in .env: $OUT"
expect_grep "$OUT" "^web$" "ps --services finds the stack through .env's COMPOSE_FILE"
OUT=$(cd "$TEST_TMP/elsewhere" && "$LXR" exec -T web echo found 2>&1) || fail "exec with COMPOSE_FILE in .env: $OUT"
expect_out "found" "exec finds the service through .env's COMPOSE_FILE"
OUT=$(cd "$TEST_TMP/elsewhere" && "$LXR" logs --no-log-prefix web 2>&1) || fail "logs with COMPOSE_FILE in .env: $OUT"
expect_grep "$OUT" "^web says hello$" "logs finds the service through .env's COMPOSE_FILE"

set +e
OUT=$(bash "$TEST_TMP/ci-down.sh" "$TEST_TMP/stack" 2>"$TEST_TMP/ci.err")
set -e
ERR=$(cat "$TEST_TMP/ci.err")
step down 0
step down-again 0
[ ! -e "$LXR_RUN_DIR/$P" ] || fail "down left $LXR_RUN_DIR/$P"
[ ! -e "$vol" ] || fail "down -v left the named volume: $vol"
pass "a docker compose CI script runs unchanged, with docker compose's exit codes"

# ---- up --wait on a service whose health check fails ------------------------
cat >"$TEST_TMP/stack/compose.yaml" <<Y
name: $P
services:
  sick:
    image: $ROOTFS
    command: ["sleep", "1000"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 100ms
      retries: 2
Y
cat >"$TEST_TMP/ci2.sh" <<'SCRIPT'
cd "$1"
docker compose up -d --wait; echo "up=$?"
docker compose up -d --wait; echo "up-again=$?"
docker compose ps; echo "ps=$?"
docker compose ps -q; echo "ps-q=$?"
docker compose down -t 0; echo "down=$?"
SCRIPT
set +e
OUT=$(bash "$TEST_TMP/ci2.sh" "$TEST_TMP/stack" 2>"$TEST_TMP/ci.err")
set -e
ERR=$(cat "$TEST_TMP/ci.err")
step up 1
expect_grep "$ERR" "sick" "up --wait names the unhealthy service"
step ps 0
expect_grep "$OUT" "unhealthy" "ps shows the service unhealthy"
step down 0
[ ! -e "$LXR_RUN_DIR/$P" ] || fail "down left $LXR_RUN_DIR/$P"
pass "up -d --wait exits non-zero when a health check fails, as docker compose does"
