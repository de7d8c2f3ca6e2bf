#!/bin/bash
# lxr compose run, as docker compose run: a one-off of a service with its
# settings and the command line's over them; what it depends on started
# first and waited for as depends_on says (service_healthy,
# service_completed_successfully); on the stack's network under its own
# name; the service's ports published only with --service-ports; the
# command's exit code; values not interpolated; --rm leaves nothing, and
# without it `lxr rm` takes the container; --no-deps on a stack that is
# not up makes the network for the one-off and removes it after; `down`
# kills a one-off still on its network; -d runs it in the background under
# a supervisor of its own, as `lxr run -d` runs a container; bad input says
# what is wrong.
. "$(dirname "$0")/lib.sh"

# below the ephemeral range (32768 and up), where a client of the host may hold one
port=$(free_ports 2)
stack <<Y
name: crun$$
services:
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "sleep 1; echo page > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    ports: ["$port:80"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/i"]
      interval: 1s
      start_interval: 200ms
      start_period: 20s
  migrate:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo migrated > /data/state"]
    volumes: ["data:/data"]
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo db-page > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    networks: [back]
  idle:
    image: @ROOTFS@
    command: ["sleep", "300"]
    deploy: {replicas: 0}
  app:
    image: @ROOTFS@
    command: ["sleep", "300"]
    environment: {FROM_FILE: file, OVER: file}
    volumes: ["data:/data"]
    secrets: [token]
    networks: [default, back]
    depends_on:
      web: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
      idle: {condition: service_started}
      db: {condition: service_started}
networks:
  default: {}
  back: {}
volumes:
  data: {}
secrets:
  token:
    environment: CRUN_TOKEN
Y
export CRUN_TOKEN=s3cret
cd "$(dirname "$STACK")"

# depends_on: web healthy (its server starts a second late) and migrate
# done before the one-off runs, which sees both at its first try
run compose run --rm -T -e OVER=cli -e 'LIT=$HOME' app sh -c \
	'wget -q -O - http://web/i; cat /data/state; echo "$FROM_FILE $OVER $LIT"; cat /run/secrets/token; echo; echo "host $(hostname) $HOSTNAME"; grep -o "crun[0-9]*-app-run-[0-9a-f]*" /etc/hosts | head -n1; for i in $(seq 30); do wget -q -O - http://db/i && break; sleep 0.1; done; ip -o -4 addr | grep -c "eth[01]"; exit 7'
expect_rc 7 "the one-off's exit code"
expect_grep "$ERR" "Container $PROJECT-web-1 +Started" "what starts first is said"
expect_grep "$OUT" '^page$' "web answered at the one-off's first try (service_healthy waited for)"
expect_grep "$OUT" '^migrated$' "migrate had completed (service_completed_successfully waited for)"
expect_grep "$OUT" '^db-page$' "the one-off reaches db on the service's second network"
expect_grep "$OUT" '^2$' "the one-off has an address on both of the service's networks"
expect_grep "$OUT" '^file cli \$HOME$' "the service's environment, -e over it, a \$ not interpolated"
expect_grep "$OUT" '^s3cret$' "the service's secret"
expect_grep "$OUT" "^crun$$-app-run-[0-9a-f]{12}$" "named <project>-<service>-run-<12 hex>"
id=$(printf '%s\n' "$OUT" | sed -n "s/^crun$$-app-run-//p")
expect_grep "$OUT" "^host $id $id$" "its host name (and HOSTNAME) is its 12-hex id, as docker's one-off's"
run ps -a --format json
expect_grep "$OUT" '"web-1"' "the dependency web runs on after the one-off"
expect_grep "$OUT" '"healthy"' "web is healthy"
printf '%s\n' "$OUT" | grep -q '"app-1"' && fail "compose run started the service itself: $OUT"
ls "$LXR_RUN_DIR/_run" 2>/dev/null | grep -q . && fail "--rm left a container: $(ls "$LXR_RUN_DIR/_run")"
printf '%s\n' "$OUT" | grep -q '"idle-' && fail "a service with replicas: 0 was started: $OUT"
pass "dependencies started and waited for as depends_on says (one with no replicas not waited for); the service's settings, the command line's over them"

# docker's run of a service's bare name in the project's directory is
# compose's habit: refused with the command that runs it, not pulled
run run --rm web true
expect_rc 125 "docker's run of a service name"
expect_grep "$ERR" '"web" is a service of the stack here' "run SERVICE says what web is"
expect_grep "$ERR" "lxr compose run web" "and what runs it"
printf '%s\n' "$ERR" | grep -q "Pulling" && fail "run SERVICE pulled: $ERR"

# a one-off of the service that publishes: its ports stay the running
# web's; with --service-ports, on the stack's network, the one-off's own
run compose run --rm -T --no-deps web sh -c 'echo ok'
expect_rc 0 "a one-off of web beside web-1, ports not published"
expect_out "ok" "its output"
run compose run --rm -T --no-deps --name crun$$-named -p "$((port + 1)):80" web \
	sh -c 'echo page-one-off > /tmp/i; httpd -p 80 -h /tmp; sleep 1; wget -q -O - http://127.0.0.1/i; wget -q -O - http://crun'$$'-named/i'
expect_rc 0 "-p and --name"
expect_grep "$OUT" "page-one-off" "the one-off answers under its --name on the stack's network"
pass "the service's ports stay unpublished; -p and --name work"

# --cap-drop and --cap-add over the service's capabilities
run compose run --rm -T --no-deps --cap-drop CHOWN app sh -c 'touch /tmp/f; chown 1 /tmp/f && echo chowned'
expect_rc 1 "chown without CAP_CHOWN"
run compose run --rm -T --no-deps --cap-drop ALL --cap-add CHOWN --pull never app sh -c 'touch /tmp/f; chown 1 /tmp/f && echo chowned'
expect_out "chowned" "--cap-add CHOWN after --cap-drop ALL"
pass "--cap-drop and --cap-add change the one-off's capabilities"

# compose's other spellings: --no-tty (-T), --volumes, --labels
mkdir -p "$TEST_TMP/spell"
echo spelled > "$TEST_TMP/spell/f"
run compose run --rm --no-tty --no-deps --volumes "$TEST_TMP/spell:/spell:ro" --labels x=y app cat /spell/f
expect_rc 0 "compose run --no-tty --volumes --labels"
expect_out "spelled" "--volumes mounts as --volume"
pass "compose run takes --no-tty, --volumes and --labels, as compose's"

# without --rm the container stays, as compose's does; lxr rm takes it
run compose run -T --no-deps --name crun$$-kept app true
expect_rc 0 "a one-off without --rm"
[ -d "$LXR_RUN_DIR/_run/crun$$-kept" ] || fail "the one-off without --rm was not kept"
run rm crun$$-kept
expect_rc 0 "lxr rm of the kept one-off"
pass "a one-off without --rm is kept until lxr rm"

# --env-from-file: compose's .env syntax, over the service's environment,
# under -e's
printf 'OVER=envfile\nFROM_FILE="from the file"\n# a comment\nNEW=file\n' >"$TEST_TMP/run.env"
run compose run --rm -T --no-deps --env-from-file "$TEST_TMP/run.env" -e NEW=cli app \
	sh -c 'echo "$FROM_FILE|$OVER|$NEW"'
expect_rc 0 "compose run --env-from-file"
expect_out "from the file|envfile|cli" "the file's variables over the service's, -e over the file's"
run compose run --rm -T --no-deps --env-from-file "$TEST_TMP/nope.env" app true
expect_rc 2 "--env-from-file of a missing file"
expect_grep "$ERR" "--env-from-file.*nope.env" "the error names the flag and the file"
# the first file's value wins; ${VAR} and KEY alone come from -e only
printf 'K=first\n' >"$TEST_TMP/a.env"
printf 'K=second\nFROM_E=${EV:-unset}\nHOSTV=${HOSTV:-not-the-host}\n' >"$TEST_TMP/b.env"
HOSTV=host run compose run --rm -T --no-deps --env-from-file "$TEST_TMP/a.env" \
	--env-from-file "$TEST_TMP/b.env" -e EV=given app sh -c 'echo "$K $FROM_E $HOSTV"'
expect_out "first given not-the-host" "the first file wins; a file's \${} takes -e's variables, not the caller's"
pass "compose run --env-from-file"

# -d: the one-off in the background, on the stack's networks, with its
# settings and secrets; its log by its name, as lxr run -d's
run compose run -d --no-deps --name "crun$$-bg" -e OVER=cli app \
	sh -c 'cat /run/secrets/token; echo; echo "$FROM_FILE $OVER"; wget -q -O - http://db/i; exec sleep 300'
expect_rc 0 "compose run -d"
expect_out "crun$$-bg" "-d prints the one-off's name"
for _ in $(seq 100); do
	(cd / && "$LXR" logs "crun$$-bg" 2>/dev/null | grep -q db-page) && break
	sleep 0.1
done
OUT=$(cd / && "$LXR" logs "crun$$-bg" 2>&1)
expect_grep "$OUT" "^s3cret$" "the detached one-off has its secret"
expect_grep "$OUT" "^file cli$" "the service's environment, the command line's over it"
expect_grep "$OUT" "^db-page$" "it reaches db on the stack's back network"
OUT=$(cd / && "$LXR" ps 2>&1)
expect_grep "$OUT" "^crun$$-bg +.* app +.*Up " "lxr ps lists it, with its service"
OUT=$(cd / && "$LXR" stop "crun$$-bg" 2>&1) || fail "stop the detached one-off: $OUT"
ERR=$(cd / && "$LXR" start "crun$$-bg" 2>&1) && fail "a stopped one-off started again: $ERR"
expect_grep "$ERR" "a one-off of a stack \(lxr compose run\) is not started again" "start of a stopped one-off says what to do"
run rm -f "crun$$-bg"
expect_rc 0 "rm -f the detached one-off"
[ -e "$LXR_RUN_DIR/_run/crun$$-bg" ] && fail "rm -f left its directory"
pass "compose run -d runs the one-off in the background until lxr rm -f"

# down kills a one-off that is still on the stack's network
"$LXR" compose run --rm -T --no-deps app sh -c 'echo started; sleep 60; echo never' >"$TEST_TMP/oneoff" 2>&1 &
oneoff=$!
for _ in $(seq 50); do grep -q started "$TEST_TMP/oneoff" && break; sleep 0.1; done
grep -q started "$TEST_TMP/oneoff" || fail "the background one-off did not start: $(cat "$TEST_TMP/oneoff")"
run down -v
expect_rc 0 "down with a one-off running"
set +e
wait "$oneoff"
rc=$?
set -e
[ "$rc" -eq 143 ] || fail "the one-off ended with $rc, not 143 (stopped by SIGTERM): $(cat "$TEST_TMP/oneoff")"
grep -q never "$TEST_TMP/oneoff" && fail "the one-off ran on after down"
ip -o link show | grep -q "lxr:crun$$/" && fail "a link of the stack stayed: $(ip -o link show | grep "lxr:crun$$/")"
pass "down stops a one-off on the stack's network (SIGTERM: 143) and leaves nothing"

# -q: what starts first starts without a word
run compose run --rm -T -q migrate true
expect_rc 0 "compose run -q"
printf '%s\n' "$ERR" | grep -q "Container " && fail "compose run -q printed progress: $ERR"
run down -v
expect_rc 0 "down after compose run -q"

P=$PROJECT
# compose's ps -a lists the project's one-offs, ended ones with their exit
# code; down --remove-orphans removes them, running or ended
run compose run -T --no-deps app sh -c 'exit 4'
expect_rc 4 "a one-off kept without --rm"
run compose run -d --no-deps app sleep 300
expect_rc 0 "a detached one-off"
bg=$OUT
run ps -a -f "$STACK"
expect_grep "$OUT" "^$P-app-run-[0-9a-f]{12} +.*\"sh -c exit 4\" +app +.*Exited \(4\)" "ps -a: the ended one-off, its service and code"
expect_grep "$OUT" "^$bg +.*app +.*Up " "ps -a: the running one"
run ps -f "$STACK"
printf '%s\n' "$OUT" | grep -q -- "-run-" && fail "ps without -a listed one-offs: $OUT"
run down --remove-orphans -f "$STACK"
expect_rc 0 "down --remove-orphans"
expect_grep "$ERR" "^ Container $bg  Removed$" "the running one-off is removed"
expect_grep "$ERR" "^ Container $P-app-run-[0-9a-f]{12}  Removed$" "and so is the ended one"
ls "$LXR_RUN_DIR/_run" | grep -q "^$P-app-run-" && fail "down --remove-orphans left a one-off: $(ls "$LXR_RUN_DIR/_run")"
pass "ps -a lists a project's one-offs; down --remove-orphans removes them"

# --no-deps on a stack that is not up: nothing else starts; the network is
# made for the one-off and goes with it, its secrets' files too
run compose run --rm -T --no-deps app sh -c 'ip -o -4 addr | grep -c "eth[01]"'
expect_rc 0 "--no-deps on a stack that is not up"
expect_out "2" "the one-off has an address on each of the service's networks"
run ls -q
printf '%s\n' "$OUT" | grep -qx "crun$$" && fail "--no-deps brought the stack up"
[ -e "$LXR_RUN_DIR/crun$$" ] && fail "the one-off left $LXR_RUN_DIR/crun$$: $(find "$LXR_RUN_DIR/crun$$")"
ip -o link show | grep -q "lxr:crun$$/" && fail "the one-off's networks stayed: $(ip -o link show | grep "lxr:crun$$/")"
run compose run --rm -T --no-deps migrate true
expect_rc 0 "--no-deps of a service without secrets, the stack not up"
[ -e "$LXR_RUN_DIR/crun$$" ] && fail "the one-off left $LXR_RUN_DIR/crun$$: $(find "$LXR_RUN_DIR/crun$$")"
run ls -a -q
printf '%s\n' "$OUT" | grep -qx "crun$$" && fail "ls -a lists a project the one-off left: $OUT"
pass "--no-deps starts nothing else; the network made for the one-off goes with it"

# --service-ports: the one-off publishes the service's ports (the stack
# is down: they are free)
"$LXR" compose run --rm -T --no-deps --service-ports --name "crun$$-sp" web >"$TEST_TMP/sp" 2>&1 &
sp=$!
got=""
for _ in $(seq 50); do
	got=$(wget -q -T 1 -O - "http://127.0.0.1:$port/i" 2>/dev/null) && break
	sleep 0.1
done
run rm -f "crun$$-sp"
set +e
wait "$sp"
set -e
[ "$got" = page ] || fail "--service-ports: port $port did not reach the one-off: [$got] $(cat "$TEST_TMP/sp")"
pass "--service-ports publishes the service's ports for the one-off"

# what is wrong is said, and nothing is made
run compose run --rm nosuch true
expect_rc 1 "an unknown service"
expect_grep "$ERR" "no such service: nosuch" "the unknown service is named"
run compose run --rm --no-deps -v ':/x' app true
expect_rc 2 "a bad -v"
expect_grep "$ERR" 'compose run: service "app": volumes: ":/x" has nothing before' "the bad -v is said as the command line's"
expect_grep "$ERR" "1 error in compose run's options" "the summary names the options, not a file"
run compose run --rm --name ../escape app true
expect_rc 2 "a --name that is no container name"
expect_grep "$ERR" "--name: use letters" "the bad --name is said"
[ -e "$LXR_RUN_DIR/escape" ] && fail "--name ../escape made $LXR_RUN_DIR/escape"
run compose run --rm --no-deps --name web-1 app true
expect_rc 1 "a --name that is a container of the stack's"
expect_grep "$ERR" "--name web-1 is service web's container" "the clash is said"
run compose run --rm --no-deps app echo $'caf\xe9'
expect_rc 2 "an argument that is not UTF-8"
expect_grep "$ERR" "not UTF-8" "it is said, not dropped"
run compose run -d --rm --no-deps --name ../escape app true
expect_rc 2 "-d with a --name that is no container name"
run ls -q
printf '%s\n' "$OUT" | grep -qx "crun$$" && fail "a refused run brought the stack up"
pass "an unknown service and bad options are said, and nothing is made"
