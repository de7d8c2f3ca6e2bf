#!/bin/bash
# docker compose rm in a project: the stopped containers of the services
# named (every service when none is) go, a running one stays unless -s,
# -v takes their anonymous volumes, and the next up makes them again.
# Where every name is an lxr run container, rm is docker's rm.
. "$(dirname "$0")/lib.sh"

stack <<Y
name: crm$$
services:
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    network_mode: none
    volumes: ["/data"]
  job:
    image: @ROOTFS@
    command: ["sh", "-c", "exit 0"]
    network_mode: none
Y
cd "$(dirname "$STACK")"
run up -d
expect_rc 0 "up -d"
wait_event '"instance":"job-1","state":"(exited|stopped)"'
wait_event '"instance":"web-1","state":"running"'
"$LXR" exec web sh -c 'echo kept > /data/f'
anon="$LXR_DATA_DIR/volumes/$PROJECT/+anon"
[ -d "$anon/web-1" ] || fail "web-1 has no anonymous volume to test -v with"

run rm -f
expect_rc 0 "rm -f of every service"
expect_out "Going to remove $PROJECT-job-1" "rm removes the stopped job, not the running web, in compose's words"
expect_grep "$ERR" "Container $PROJECT-job-1  Removed" "and its progress on stderr"
expect_grep "$ERR" "web is running" "and says why web stays"
run ps -a -q
expect_out "$PROJECT-web-1" "job's container is gone, web's runs"
run rm -f web
expect_rc 0 "rm of a running service: nothing stopped to remove, as compose's"
expect_grep "$ERR" "No stopped containers" "compose's words"
run rm -f -s -v web
expect_rc 0 "rm -s -v web"
expect_out "Going to remove $PROJECT-web-1" "rm -s stops and removes it"
run ps -a -q
expect_out "" "no container left"
# a service without a container is one all the same, as compose's
run ps -a web
expect_rc 0 "ps of a service rm removed"
run stop web
expect_rc 0 "stop of a service rm removed: nothing to stop"
run start web
expect_rc 1 "start of a service rm removed"
expect_grep "$ERR" 'service "web" has no container to start' "compose's words"
run --dry-run start web
expect_rc 1 "start's dry run says the same"
[ ! -e "$anon/web-1" ] || fail "rm -v left web-1's anonymous volume"
run up -d
expect_rc 0 "up -d again"
run ps -a -q
expect_grep "$OUT" "web-1" "up makes the removed containers again"

# a name that is both a service and an lxr run container is the service's
run run -d --name web --network none "$ROOTFS" sleep 60
run rm -f web
expect_rc 0 "rm -f web: the running service web, not the run container"
expect_grep "$ERR" "web is running" "the service's, which runs"
[ -d "$LXR_RUN_DIR/_run/web" ] || fail "rm -f web in a project removed the lxr run container web"
( cd / && "$LXR" rm -f web >/dev/null )
[ ! -e "$LXR_RUN_DIR/_run/web" ] || fail "outside the project, rm -f web is docker's"

# compose's -p NAME rm from a directory with no stack file: the project's
# own file, as compose finds it by the project's name
run up -d
wait_event '"instance":"job-1","state":"(exited|stopped)"'
out=$(cd / && "$LXR" -p "$PROJECT" rm job 2>&1) || fail "-p $PROJECT rm job from /: $out"
printf '%s\n' "$out" | grep -qx "Going to remove $PROJECT-job-1" || fail "-p rm from / did not remove job-1: $out"

# every name an lxr run container: docker's rm, even in a project
n=$(cname plain)
run run --name "$n" --network none "$ROOTFS" true
run rm "$n"
expect_rc 0 "rm of an lxr run container in a project"
expect_out "$n" "docker's rm"
run down
expect_rc 0 "down"
run rm
expect_rc 0 "rm of a project that is not up"
expect_grep "$ERR" "No stopped containers" "compose's words"
pass "rm in a project: compose's rm of stopped service containers, -s, -v"
