#!/bin/bash
# docker compose's flags on lxr's commands: ps -a/-q/--services/--status,
# stop -t and restart -t (this stop's grace period instead of the
# service's), and what a flag on the wrong command says.
. "$(dirname "$0")/lib.sh"

P=flags$$
stack <<Y
name: $P
services:
  stubborn:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"]
    stop_grace_period: 30s
  quick:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo quick-one; echo quick-two; exec sleep 1000"]
    deploy: {replicas: 2}
    labels: {tier: cache}
Y

# a failed test must not wait out stubborn's 30 s
at_exit "$LXR" down -t 0 -p "$P"
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"stubborn-1","state":"running"'
wait_event '"instance":"quick-2","state":"running"'

run ps -f "$STACK" -q
expect_rc 0 "ps -q"
[ "$(printf '%s\n' "$OUT" | sort)" = "$(printf '%s\n' "$P-quick-1" "$P-quick-2" "$P-stubborn-1")" ] ||
	fail "ps -q: [$OUT]"
run ps -f "$STACK" --services
expect_rc 0 "ps --services"
[ "$(printf '%s\n' "$OUT" | sort)" = "$(printf 'quick\nstubborn')" ] ||
	fail "ps --services: each service once: [$OUT]"
pass "ps -q lists instance names, ps --services service names"

start=$(date +%s%N)
run stop -f "$STACK" -t 1 stubborn
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "stop -t 1"
expect_out "" "stop prints nothing on stdout, as compose"
expect_grep "$ERR" "^ Container $P-stubborn-1  Stopped$" "stop names what it stopped on stderr"
[ "$took" -ge 900 ] || fail "stop -t 1 took $took ms: the 1 s grace was not given"
[ "$took" -lt 10000 ] || fail "stop -t 1 took $took ms: the service's 30 s grace was used"
wait_event '"instance":"stubborn-1","state":"stopped".*"exit":137'
pass "stop -t 1 kills after 1 s instead of the service's 30 s ($took ms)"

run ps -f "$STACK" -a --format '{{.Name}} {{.Service}} {{.State}}'
expect_rc 0 "ps -a"
expect_grep "$OUT" "^$P-stubborn-1 stubborn exited$" "ps -a lists the stopped instance (compose's State: exited)"
run ps -f "$STACK" --all
expect_grep "$OUT" "^[a-z0-9_.-]*-stubborn-1 .* stubborn +[0-9a-zA-Z ]+ ago +Exited \(137\) [0-9a-zA-Z ]+ ago" "ps --all shows its exit"
# without -a only the running ones, as docker compose ps: a script's
# [ -n "$(docker compose ps -q db)" ] says whether db runs
run ps -f "$STACK"
expect_rc 0 "ps"
expect_grep "$OUT" "^[a-z0-9_.-]*-quick-1 .* Up " "ps lists the running ones"
printf '%s\n' "$OUT" | grep -q "stubborn-1" && fail "ps without -a listed the stopped one: $OUT"
run ps -f "$STACK" -q
expect_out "$(printf '%s\n' "$P-quick-1" "$P-quick-2")" "ps -q: the running containers only, by docker's names"
run ps -f "$STACK" -q stubborn
expect_rc 0 "ps -q of a stopped service"
expect_out "" "ps -q SERVICE of a stopped service prints nothing"
run ps -f "$STACK" --services
expect_out "quick" "ps --services: the services that run"
run ps -f "$STACK" -a --services
[ "$(printf '%s\n' "$OUT" | sort)" = "$(printf 'quick\nstubborn')" ] ||
	fail "ps -a --services: every service: [$OUT]"
run ps -f "$STACK" --format '{{.Name}}' --filter service=stubborn
expect_out "" "--filter service= of a stopped service, without -a"
run ps -f "$STACK" --status exited -q
expect_out "$P-stubborn-1" "ps --status exited: the stopped one"
run ps -f "$STACK" --status running --services
expect_out "quick" "ps --status running --services"
# several states: any of them, in either order, as compose's
for order in "--status exited --filter status=running" "--filter status=running --status exited"; do
	# shellcheck disable=SC2086
	run ps -f "$STACK" $order -q
	[ "$(printf '%s\n' "$OUT" | sort | tr '\n' ' ')" = "$P-quick-1 $P-quick-2 $P-stubborn-1 " ] ||
		fail "ps $order: any of the states: [$OUT]"
done
run ps -f "$STACK" --status stopped --format json
expect_grep "$OUT" '"instance":"stubborn-1"' "ps --status with an lxr state, as JSON"
printf '%s\n' "$OUT" | grep -q quick && fail "ps --status stopped listed a running one: $OUT"
run ps -f "$STACK" --status sleeping
expect_rc 2 "ps --status with an unknown state"
expect_grep "$ERR" "--status sleeping: not a state" "the bad state is named"
run ps -f "$STACK" --filter status=exited -q --no-trunc
expect_out "$P-stubborn-1" "ps --filter status=exited --no-trunc"
run ps -f "$STACK" -q --filter name=quick
expect_out "$(printf '%s\n' "$P-quick-1" "$P-quick-2")" "ps --filter name= (a part of the name)"
run ps -f "$STACK" -q --filter label=tier=cache
expect_out "$(printf '%s\n' "$P-quick-1" "$P-quick-2")" "ps --filter label=K=V"
run ps -f "$STACK" -q --filter label=tier=db
expect_out "" "ps --filter label= of another value"
run ps -f "$STACK" --filter ancestor=busybox
expect_rc 2 "ps --filter on something else"
expect_grep "$ERR" "status=STATE, service=NAME, name=PART and label=KEY" "ps --filter says what it takes"
run stats -f "$STACK" --no-stream quick
expect_rc 0 "stats --no-stream"
expect_grep "$OUT" "^$P-quick-1 " "stats --no-stream prints the table once"
pass "ps lists the running ones, -a all; --status (which needs no -a) filters with compose's and lxr's state names"

run start -f "$STACK" stubborn
expect_rc 0 "start"
wait_event '"instance":"stubborn-1","state":"running","from":"starting".*"exit":137'
start=$(date +%s%N)
run restart -f "$STACK" --timeout 0 stubborn
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "restart --timeout 0"
[ "$took" -lt 10000 ] || fail "restart --timeout 0 took $took ms"
pass "restart --timeout 0 kills at once and starts again ($took ms)"

run start -f "$STACK" -t 1 stubborn
expect_rc 2 "start -t"
expect_grep "$ERR" "start does not take it" "a flag on the wrong command"
run ps -f "$STACK" -t 1
expect_rc 2 "ps -t"
run kill -f "$STACK" -q
expect_rc 2 "kill -q"
run stop -f "$STACK" -t soon
expect_rc 2 "stop -t soon"
expect_grep "$ERR" "--timeout soon: not a number of seconds" "bad timeout named"
pass "a flag on a command that does not take it exits 2 and says which"

# ---- exec: a terminal by default when there is one, -T none ---------------------
run exec -f "$STACK" quick tty
expect_grep "$OUT" "not a tty" "exec without a terminal of our own gives none"
run exec -f "$STACK" --index 2 quick hostname
expect_rc 0 "exec --index 2"
run exec -f "$STACK" quick-2 hostname
want=$OUT
run exec -f "$STACK" --index 2 quick hostname
[ "$OUT" = "$want" ] || fail "exec --index 2 quick is quick-2: [$OUT] vs [$want]"
run exec -f "$STACK" quick hostname
[ "$OUT" != "$want" ] || fail "quick-1 and quick-2 have one hostname, [$OUT]: the check above tells nothing"
run exec -f "$STACK" --index 0 quick true
expect_rc 125 "exec --index 0"
out=$(echo piped-in | "$LXR" exec -T -f "$STACK" quick cat)
[ "$out" = piped-in ] || fail "exec -T into a service passes stdin, as compose: [$out]"
if command -v script >/dev/null; then
	out=$(script -qec "$LXR exec -f $STACK quick tty" /dev/null </dev/null | tr -d '\r')
	# (script may echo the terminal's control characters before it)
	expect_grep "$out" "/dev/pts/[0-9]+$" "exec from a terminal gives a terminal, as compose"
	out=$(script -qec "$LXR exec -T -f $STACK quick tty" /dev/null </dev/null | tr -d '\r')
	expect_grep "$out" "not a tty" "exec -T from a terminal gives none"
	pass "exec gives a terminal when it has one, -T none"
fi

# ---- logs: -n, --since in local time and as a duration ----------------------------
for _ in $(seq 100); do
	run logs --file "$STACK" --no-color quick
	[ "$(printf '%s\n' "$OUT" | grep -c quick-two)" -ge 2 ] && break
	sleep 0.05
done
# each replica's last line, as compose's --tail is per container
run logs --file "$STACK" -n 1 quick
expect_rc 0 "logs -n 1"
[ "$(printf '%s\n' "$OUT" | sort)" = "$(printf 'quick-1  | quick-two\nquick-2  | quick-two')" ] ||
	fail "logs -n 1: each replica's last line: [$OUT]"
# options after the service, as compose's parser takes them
run logs quick --file "$STACK" --tail 1 --no-log-prefix --index 2
expect_rc 0 "logs SERVICE --tail 1"
expect_out "quick-two" "logs SERVICE --tail 1 --no-log-prefix --index 2"
# --ansi never is taken (its colours are looked at on a terminal below)
run --ansi never logs --file "$STACK" -n 1 --index 1 quick
expect_rc 0 "--ansi never logs"
expect_out "quick-1  | quick-two" "--ansi never logs -n 1"
run --ansi sometimes logs --file "$STACK" quick
expect_rc 2 "--ansi sometimes"
expect_grep "$ERR" "use never, always or auto" "--ansi's values named"
# colours on a terminal (script(1) gives one), none with --ansi never or
# COMPOSE_ANSI=never, from the environment or the .env where lxr runs
if command -v script >/dev/null; then
	esc=$(printf '\033[')
	tty_logs() { script -qec "$*" /dev/null | grep -cF "$esc" || true; }
	[ "$(tty_logs "$LXR" logs --file "$STACK" -n 1 quick)" -gt 0 ] || fail "logs on a terminal: no colour"
	[ "$(tty_logs "$LXR" --ansi never logs --file "$STACK" -n 1 quick)" -eq 0 ] || fail "--ansi never: colours"
	[ "$(COMPOSE_ANSI=never tty_logs "$LXR" logs --file "$STACK" -n 1 quick)" -eq 0 ] ||
		fail "COMPOSE_ANSI=never: colours"
	mkdir -p "$TEST_TMP/ansi" && printf 'COMPOSE_ANSI=never\n' >"$TEST_TMP/ansi/.env"
	[ "$(cd "$TEST_TMP/ansi" && tty_logs "$LXR" logs --file "$STACK" -n 1 quick)" -eq 0 ] ||
		fail "COMPOSE_ANSI=never in .env: colours"
fi
hour_ago=$(TZ=JST-9 date -d '-1 hour' +%Y-%m-%dT%H:%M:%S)
in_an_hour=$(TZ=JST-9 date -d '+1 hour' +%Y-%m-%dT%H:%M:%S)
run() {
	set +e
	OUT=$(TZ=JST-9 "$LXR" "$@" 2>"$TEST_TMP/stderr")
	RC=$?
	set -e
	ERR=$(cat "$TEST_TMP/stderr")
}
run logs --file "$STACK" --since "$hour_ago" quick
expect_rc 0 "logs --since local time"
expect_grep "$OUT" "quick-one" "--since an hour ago, local time without a zone"
run logs --file "$STACK" --since "$in_an_hour" quick
expect_rc 0 "logs --since a local time to come"
[ -z "$OUT" ] || fail "--since in an hour (local time) printed: [$OUT]"
run logs --file "$STACK" --since "${hour_ago%T*}" quick
expect_grep "$OUT" "quick-one" "--since a date (local midnight)"
run logs --file "$STACK" --since 1h30m quick
expect_grep "$OUT" "quick-one" "--since 1h30m"
run logs --file "$STACK" --since 2026-13-45T99:00 quick
expect_rc 2 "--since a bad time"
pass "logs -n N (before or after the service); --since takes local times without a zone and durations"

# ---- images -q ---------------------------------------------------------------------
run import "$ROOTFS" "flags$$:a"
expect_rc 0 "import"
run import "$ROOTFS" "flags$$:b"
run images -q
expect_rc 0 "images -q"
expect_grep "$OUT" '^[0-9a-f]{12}$' "images -q prints short ids"
ids=$OUT
run images --format json
want=$(printf '%s\n' "$OUT" | sed -n 's/.*"ID": *"sha256:\([0-9a-f]\{12\}\).*/\1/p' | sort -u)
[ "$(printf '%s\n' "$ids" | sort)" = "$want" ] || fail "images -q: each id once: [$ids], want [$want]"
run images --format '{{.Repository}}:{{.Tag}}' "flags$$:b"
expect_out "flags$$:b" "images REPOSITORY:TAG --format TEMPLATE: docker's short name"
# the store holds only flags$$'s two tags: one id, or two when the
# imports fell in different seconds (the image's created time)
run images -q "flags$$"
[ "$(printf '%s\n' "$OUT" | sort -u)" = "$(printf '%s\n' "$ids" | sort -u)" ] ||
	fail "images -q REPOSITORY: [$OUT], want [$ids]"
run images -q "flags$$:nosuchtag"
expect_out "" "images REPOSITORY:TAG of a tag that is not there"
pass "images -q prints each image id once; REPOSITORY[:TAG] and templates pick and shape"

run down -f "$STACK" -t soon
expect_rc 2 "down -t soon"
expect_grep "$ERR" "--timeout soon: not a number of seconds" "bad down timeout named"
start=$(date +%s%N)
run down -f "$STACK" -t 1
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "down -t 1"
[ "$took" -ge 900 ] || fail "down -t 1 took $took ms: the 1 s grace was not given"
[ "$took" -lt 10000 ] || fail "down -t 1 took $took ms: the service's 30 s grace was used"
[ ! -e "$LXR_RUN_DIR/$P" ] || fail "down -t left $LXR_RUN_DIR/$P"
pass "down -t 1 gives each service 1 s instead of its own 30 s ($took ms)"

# ---- ps -q where there is no stack: the `lxr run` containers ----------------------
mkdir -p "$TEST_TMP/nostack" && cd "$TEST_TMP/nostack"
c=$(cname q)
at_exit "$LXR" rm -f "$c"
run run -d --network none --name "$c" "$ROOTFS" sleep 1000
expect_rc 0 "run -d"
run ps -q
expect_rc 0 "ps -q without a stack"
printf '%s\n' "$OUT" | grep -qx "$c" || fail "ps -q lists the lxr run container by name: [$OUT]"
printf '%s\n' "$OUT" | grep -q NAME && fail "ps -q printed a header: [$OUT]"
run ps --services
expect_rc 2 "ps --services without a stack"
expect_grep "$ERR" "no stack file here" "ps --services says why"
pass "ps -q lists lxr run containers by name where there is no stack"

d=$(cname deaf)
at_exit "$LXR" rm -f "$d"
run run -d --network none --name "$d" "$ROOTFS" sh -c 'trap "" TERM; while :; do sleep 0.1; done'
expect_rc 0 "run -d (ignores TERM)"
start=$(date +%s%N)
run stop -t 1 "$d"
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "stop -t 1 of an lxr run container"
[ "$took" -ge 900 ] && [ "$took" -lt 5000 ] || fail "stop -t 1 took $took ms, not about 1 s"
run rm -f "$c" "$d"
expect_rc 0 "rm -f"
# docker 20.10+: rm -f of a container that is not there is no error
run rm -f "$d"
expect_rc 0 "rm -f of a container already gone"
expect_out "" "rm -f of a container already gone prints nothing"
run rm "$d"
expect_rc 1 "rm (no -f) of a container that is not there"
pass "stop -t 1 of an lxr run container kills after 1 s ($took ms)"

# ---- docker's commands on an `lxr run` container beside a stack file ----------
# (its project not up): each name an lxr run container's and none the
# stack's service is docker's; a service's name stays compose's
mkdir -p "$TEST_TMP/beside" && cd "$TEST_TMP/beside"
printf 'services:\n  svc:\n    image: %s\n    command: ["sleep", "1000"]\n' "$ROOTFS" >compose.yaml
e=$(cname beside)
at_exit "$LXR" rm -f "$e"
run run -d --network none --name "$e" "$ROOTFS" sh -c 'echo beside-says; exec sleep 1000'
expect_rc 0 "run -d beside a stack file"
for _ in $(seq 100); do "$LXR" logs "$e" 2>/dev/null | grep -q beside-says && break; sleep 0.05; done
run logs "$e"
expect_out "beside-says" "logs NAME beside a stack file: the lxr run container's"
run inspect --format '{{.State.Status}}' "$e"
expect_out "running" "inspect NAME beside a stack file"
run stop -t 1 "$e"
expect_rc 0 "stop NAME beside a stack file"
run inspect --format '{{.State.Status}}' "$e"
expect_out "exited" "stop reached the lxr run container"
run start "$e"
expect_rc 0 "start NAME beside a stack file"
run stop svc
expect_rc 0 "stop SERVICE of a project that is not up: none of its containers to stop, as compose"
[ -z "$OUT$ERR" ] || fail "stop SERVICE of a project that is down says nothing: [$OUT] [$ERR]"
run inspect --format '{{.State.Status}}' "$e"
expect_out "running" "a service's name stays the project's: the lxr run container runs on"
# so do kill, restart and top: `compose stop && compose up -d` in a script
for c in kill restart top; do
	run "$c" svc
	expect_rc 0 "$c SERVICE of a project that is not up"
done
expect_grep "$ERR" "^$" "top of a project that is down says nothing"
# a stack file that cannot be read says nothing to docker's commands
cp compose.yaml compose.good
printf 'services:\n  svc: {image: %s, nosuchkey: 1}\n' "$ROOTFS" >compose.yaml
run logs "$e"
expect_rc 0 "logs NAME beside a stack file that does not load"
[ -z "$ERR" ] || fail "logs NAME printed the stack file's problems: $ERR"
mv compose.good compose.yaml
run rm -f "$e"
expect_rc 0 "rm -f NAME beside a stack file"
cd "$TEST_TMP"
pass "logs, inspect, stop, start and rm of an lxr run container work beside a stack file"
