#!/bin/bash
# docker's commands on a stack's containers from a directory with no stack
# file, by the names docker gives them: a container_name, or compose's
# <project>-<service>-<n>. ps lists them beside the lxr run containers;
# stop, start, restart, kill, top, logs, inspect, pause, port, stats and
# wait reach them through their project's supervisor; rm says whose they are.
. "$(dirname "$0")/lib.sh"

stack <<EOF2
name: dn$$
services:
  web:
    image: @ROOTFS@
    command: sh -c 'echo web-up; exec sleep 600'
    deploy: {replicas: 2}
    ports: ["127.0.0.1::8080"]
  db:
    image: @ROOTFS@
    container_name: dn$$-store
    command: sh -c 'echo db-out; echo db-err >&2; trap "exit 3" TERM; while :; do sleep 0.1; done'
EOF2
run -f "$STACK" up -d
expect_rc 0 "up -d"
P=$PROJECT
db="dn$$-store"
cd "$TEST_TMP" # no stack file here, nor above

run ps --format '{{.Name}} {{.Service}} {{.State}}'
expect_rc 0 "ps outside the project"
expect_grep "$OUT" "^$P-web-1 web running$" "ps lists a replica by compose's name"
expect_grep "$OUT" "^$P-web-2 web running$" "and the other replica"
expect_grep "$OUT" "^$db db running$" "and a container by its container_name"
run ps -q --filter name=store
expect_out "$db" "ps --filter name= on a stack's container"

for _ in $(seq 100); do grep -q db-err "$LXR_LOG_DIR/$P/db.log" 2>/dev/null && break; sleep 0.05; done
run logs "$db"
expect_out "db-out" "logs NAME: the container's stdout, without a prefix"
[ "$ERR" = "db-err" ] || fail "logs NAME: its stderr on stderr, got [$ERR]"
run logs "$P-web-1"
expect_grep "$OUT" "^web-up$" "logs by compose's name"

run inspect -f '{{.State.Status}}' "$db"
expect_out "running" "inspect by container_name"
run top "$P-web-2"
expect_rc 0 "top by compose's name"
expect_grep "$OUT" "sleep 600" "top lists its processes"
run port "$P-web-1" 8080
expect_rc 0 "port NAME PORT"
expect_grep "$OUT" "^127\.0\.0\.1:[0-9]+$" "its published address"
run port "$P-web-2"
expect_grep "$OUT" "^8080/tcp -> 127\.0\.0\.1:[0-9]+$" "port NAME lists its mappings"
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] || fail "port NAME listed another container's ports: $OUT"
run stats --no-stream "$db"
expect_grep "$OUT" "^$db " "stats by container_name"

run pause "$db"
expect_rc 0 "pause by container_name"
run ps --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^$db paused$" "it is paused"
run unpause "$db"
expect_rc 0 "unpause"

run stop "$db"
expect_rc 0 "stop by container_name"
run ps -a --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^$db exited$" "it has stopped"
expect_grep "$OUT" "^$P-web-1 running$" "and nothing else has"
run ps -q
printf '%s\n' "$OUT" | grep -qx "$db" && fail "ps without -a listed the stopped $db: $OUT"
expect_grep "$OUT" "^$P-web-1$" "ps without -a: the running ones"
run wait "$db"
expect_out 3 "wait: its exit code"
run start "$db"
expect_rc 0 "start by container_name"
run restart "$P-web-1"
expect_rc 0 "restart by compose's name"
run kill -s KILL "$P-web-2"
expect_rc 0 "kill by compose's name"
run ps --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^$db running$" "started again"
expect_grep "$OUT" "^$P-web-1 running$" "restarted"

run rm "$db"
expect_rc 1 "rm of a stack's container outside its project"
expect_grep "$ERR" "container of project $P" "the error says whose it is"
run stop "$P-web-9"
expect_rc 1 "stop of a replica that is not there"
run stop web-1
expect_rc 1 "lxr's own instance name alone is not docker's name for it"
run stop "$P-$db"
expect_rc 1 "nor is the project before a container_name"
run ps --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^$P-web-1 running$" "neither stopped anything"
expect_grep "$OUT" "^$db running$" "neither stopped the container_name's"
# docker stop $(docker ps -q): run containers and stacks' in one list
r1=$(cname solo)
run start "$P-web-2" # killed above
run run -d --name "$r1" --network none "$ROOTFS" sleep 60
expect_rc 0 "run -d beside the stack"
run stop -t 0 "$r1" "$P-web-1" "$db"
expect_rc 0 "stop of a run container and a stack's in one list"
printf '%s\n' "$OUT" | sort > "$TEST_TMP/said"
printf '%s\n' "$r1" "$P-web-1" "$db" | sort | cmp -s - "$TEST_TMP/said" ||
	fail "stop prints each name as it was given, as docker's: $OUT"
run ps -a --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^$r1 exited$" "the run container stopped"
expect_grep "$OUT" "^$P-web-1 exited$" "the replica stopped"
expect_grep "$OUT" "^$db exited$" "the container_name's stopped"
expect_grep "$OUT" "^$P-web-2 running$" "the rest runs"
"$LXR" rm "$r1" >/dev/null
run start "$db" "$P-web-1"
expect_rc 0 "start them again"
pass "a stack's containers answer docker's commands by docker's names, from anywhere"

# the same names in the project's own directory, where the names that are
# none of its services are docker's (docker exec -it proj-web-1 sh)
cd "$(dirname "$STACK")"
run exec "$P-web-2" sh -c 'echo in-$HOSTNAME'
expect_rc 0 "exec by compose's name beside the stack file"
expect_out "in-web-2" "exec reached that replica"
run logs "$P-web-1"
expect_grep "$OUT" "^web-up$" "logs by compose's name beside the stack file"
run stop "$db"
expect_rc 0 "stop by container_name beside the stack file"
run ps -a --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^$db exited$" "it stopped"
expect_grep "$OUT" "^$P-web-1 running$" "and nothing else did"
run start "$P-web-1" "$db"
expect_rc 0 "start by both names beside the stack file"
run inspect -f '{{.State.Status}}' "$db"
expect_out "running" "inspect by container_name beside the stack file"
run logs web
expect_grep "$OUT" "web-up" "a service's name is still the service's"
# an `lxr run` container of a service's name: exec and cp mean the service
run run -d --name web --network none "$ROOTFS" sleep 60
expect_rc 0 "a run container named as a service"
at_exit "$LXR" rm -f web # from the test's directory: no stack file there
run exec web sh -c 'echo $HOSTNAME'
expect_out "web-1" "exec web beside the stack file is the service's"
run cp web:/etc/hostname -
expect_grep "$OUT" "web-1" "cp web: is the service's"
(cd "$TEST_TMP" && "$LXR" rm -f web >/dev/null) || fail "rm -f the run container web"
cd "$TEST_TMP"
pass "docker's names work beside the stack file too"

# the same name in two projects is said, never guessed
mkdir -p "$TEST_TMP/two"
sed -e "s/^name: .*/name: dm$$/" "$STACK" > "$TEST_TMP/two/compose.yaml"
"$LXR" -f "$TEST_TMP/two/compose.yaml" up -d >/dev/null 2>&1 || fail "up the second project"
at_exit "$LXR" down -p "dm$$"
run stop "$db"
expect_rc 1 "a container_name in two projects"
expect_grep "$ERR" "projects dn$$ and dm$$|projects dm$$ and dn$$" "the error names both"
run exec "$db" true
expect_rc 1 "exec of a container_name in two projects"
(cd "$(dirname "$STACK")" && "$LXR" exec "dm$$-web-1" true) ||
	fail "exec of another project's container by compose's name, beside a stack file"
expect_grep "$ERR" "projects dn$$ and dm$$|projects dm$$ and dn$$" "exec says which"
run inspect -f '{{.State.Status}}' "dm$$-web-1" "$P-web-1"
expect_rc 1 "names of two projects at once"
"$LXR" down -p "dm$$" >/dev/null 2>&1
pass "a name two projects have, or names of two projects, are errors that say so"
