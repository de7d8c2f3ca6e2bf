#!/bin/bash
# `lxr up --dry-run` says what `up` would create, recreate and remove, and
# changes nothing: no run directory, link, nft table, pull or container
# before the stack is up; on a running stack the old plan stays in force.
# --dry-run=plan prints each instance's whole plan as JSON. `down
# --dry-run` says what down would remove, as compose's, and removes nothing;
# so do stop, start, restart, kill, pause, unpause, rm and pull of what
# they would act on.
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for published ports"

port=$(free_ports 2)
project="dryrun$$"
write_stack() { # web's host port, the second service's name
	stack <<Y
name: $project
services:
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    ports: ["127.0.0.1:$1:80"]
  $2:
    image: @ROOTFS@
    command: ["sleep", "1000"]
  follower:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    depends_on:
      web: {condition: service_started, restart: true}
  remote:
    image: example.invalid/not-here:1
    command: ["true"]
    profiles: [remote]
Y
}
links() { ip -o link show | grep -o 'lxr[^:@]*' | sort; }
links0=$(links)
tables0=$(nft list tables 2>/dev/null | sort)

write_stack "$port" cache
run up --dry-run -f "$STACK"
expect_rc 0 "up --dry-run of a stack that is not up"
expect_grep "$OUT" "project \"$project\" is not up; nothing was changed" "it says nothing changed"
expect_grep "$OUT" "would create +web-1" "web would be created"
expect_grep "$OUT" "would create +cache-1" "cache would be created"
[ ! -e "$LXR_RUN_DIR/$project" ] || fail "a dry run made the run directory"
[ "$(links)" = "$links0" ] || fail "a dry run made links: $(links)"
[ "$(nft list tables 2>/dev/null | sort)" = "$tables0" ] || fail "a dry run changed nft tables"
# compose's global --dry-run, before the command
run compose -f "$STACK" --dry-run up -d
expect_rc 0 "compose --dry-run up"
expect_grep "$OUT" "would create +web-1" "the global --dry-run is up's"
[ ! -e "$LXR_RUN_DIR/$project" ] || fail "a global --dry-run up made the run directory"
run --dry-run -f "$STACK" create
expect_rc 0 "--dry-run create"
expect_grep "$OUT" "would create +web-1" "create's dry run is up's"
[ ! -e "$LXR_RUN_DIR/$project" ] || fail "a dry run of create made the run directory"
run --dry-run -f "$STACK" exec web true
expect_rc 2 "--dry-run exec"
expect_grep "$ERR" "lxr has a dry run of up, down, create" "a dry run lxr has not is refused, saying so"
run --dry-run -f "$STACK" --profile remote pull
expect_rc 0 "--dry-run pull"
expect_grep "$ERR" "DRY-RUN MODE - remote +Pulled" "the image it would pull"
expect_grep "$ERR" "DRY-RUN MODE - web +Skipped - Image is a directory" "what pull skips is said"
run --dry-run -f "$STACK" --profile remote pull --policy missing remote
expect_rc 0 "--dry-run pull --policy missing"
expect_grep "$ERR" "DRY-RUN MODE - remote +Pulled" "an image not here would be pulled"
run --dry-run -f "$STACK" down
expect_rc 0 "--dry-run down of a stack that is not up"
expect_grep "$ERR" "no resource found to remove" "nothing to remove is said"
run up --dry-run --profile remote -f "$STACK"
expect_rc 0 "up --dry-run with an image that is not here"
expect_grep "$OUT" "would create +remote-1 \(pulls example.invalid/not-here:1 first\)" \
	"the image that would be pulled is named"
[ ! -e "$LXR_DATA_DIR/images" ] || fail "a dry run made the image store"
pass "not up: every instance would be created, and nothing was made or pulled"

run up --dry-run=plan -f "$STACK"
expect_rc 0 "up --dry-run=plan"
printf '%s\n' "$OUT" | sed -n '/^{/,$p' | python3 -c '
import json, sys
text = sys.stdin.read()
dec, i, plans = json.JSONDecoder(), 0, []
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i < len(text):
        p, i = dec.raw_decode(text, i)
        plans.append(p)
web = [p for p in plans if p["name"] == "web-1"][0]
assert web["network"]["ports"] == ["127.0.0.1:'"$port"'-'"$port"':80-80/tcp"], web["network"]
assert web["spec"]["process"]["args"] == ["sleep", "1000"], web["spec"]["process"]
assert web["restart"]["mode"] == "no"
' || fail "--dry-run=plan does not print web's plan as JSON: $OUT"
pass "--dry-run=plan prints each instance's plan"

run up -d -f "$STACK"
expect_rc 0 "up -d"
write_stack "$((port + 1))" newcache
run up --dry-run -f "$STACK"
expect_rc 0 "up --dry-run on a running stack"
expect_grep "$OUT" "project \"$project\" is up; nothing was changed" "it says the project is up"
expect_grep "$OUT" "would recreate +web-1" "a changed port recreates web"
expect_grep "$OUT" "would create +newcache-1" "a new service is created"
expect_grep "$OUT" "would keep orphan +cache-1" "a removed service is an orphan"
run up --dry-run --remove-orphans -f "$STACK"
expect_grep "$OUT" "would remove +cache-1" "--remove-orphans removes it"
COMPOSE_REMOVE_ORPHANS=true run up --dry-run -f "$STACK"
expect_grep "$OUT" "would remove +cache-1" "COMPOSE_REMOVE_ORPHANS=true is --remove-orphans"
COMPOSE_REMOVE_ORPHANS=false run up --dry-run -f "$STACK"
expect_grep "$OUT" "would keep orphan +cache-1" "COMPOSE_REMOVE_ORPHANS=false is not"
run ps -p "$project" -a
expect_grep "$OUT" "127.0.0.1:$port->80/tcp" "web still publishes the old port"
expect_grep "$OUT" "cache-1" "cache still runs"
! printf '%s\n' "$OUT" | grep -q newcache || fail "a dry run started newcache: $OUT"
pass "on a running stack: recreate, create and orphans said, the running plan left alone"

# down's dry run: compose's lines, each "DRY-RUN MODE - ", nothing removed
run down --dry-run -v -f "$STACK"
expect_rc 0 "down --dry-run"
expect_grep "$ERR" "DRY-RUN MODE - Container $PROJECT-web-1  Removed" "the container it would remove"
expect_grep "$ERR" "DRY-RUN MODE - Network ${project}_default  Removed" "the network it would remove"
run --dry-run -f "$STACK" down
expect_rc 0 "the global --dry-run down"
expect_grep "$ERR" "DRY-RUN MODE - Container $project-cache-1  Removed" "the global form is down's too"
run ps -p "$project" -a
expect_grep "$OUT" "web-1" "web still runs after down --dry-run"
pass "down --dry-run says what it would remove and removes nothing"

# the other commands compose has a dry run of: the line of each container
# they would act on, and nothing done
pid_of() { "$LXR" top -p "$project" "$1" | awk '$NF == "1000" { print $2; exit }'; }
web_pid=$(pid_of web)
[ -n "$web_pid" ] || fail "no sleep process in web: $("$LXR" top -p "$project" web)"
for c in stop:Stopped kill:Killed restart:Restarted pause:Paused start:Started; do
	run --dry-run -p "$project" "${c%%:*}" web
	expect_rc 0 "--dry-run ${c%%:*} web"
	expect_grep "$ERR" "^ DRY-RUN MODE - Container $project-web-1  ${c#*:}$" "${c%%:*} says the container"
	! printf '%s\n' "$ERR" | grep -q newcache-1 || fail "${c%%:*} web named another service: $ERR"
	[ -z "$OUT" ] || fail "--dry-run ${c%%:*} printed names as if done: $OUT"
done
run -p "$project" kill --dry-run -s HUP web
expect_grep "$ERR" "DRY-RUN MODE - Container $project-web-1  Killed" "--dry-run after the command is the same"
run -p "$project" rm --dry-run -s -f web
expect_grep "$ERR" "DRY-RUN MODE - Container $project-web-1  Removed" "rm --dry-run is the same"
run --dry-run -p "$project" restart web
expect_grep "$ERR" "DRY-RUN MODE - Container $project-follower-1  Restarted" "restart names what depends on web with restart: true"
run --dry-run -p "$project" restart --no-deps web
! printf '%s\n' "$ERR" | grep -q follower-1 || fail "restart --no-deps named a dependent: $ERR"
run --dry-run -p "$project" stop
expect_grep "$ERR" "DRY-RUN MODE - Container $project-cache-1  Stopped" "no service named: every one"
run --dry-run -p "$project" unpause
expect_rc 0 "--dry-run unpause of nothing paused"
[ -z "$ERR" ] || fail "unpause would thaw a container that is not paused: $ERR"
run --dry-run -p "$project" rm -s -f web
expect_rc 0 "--dry-run rm -s web"
expect_grep "$ERR" "DRY-RUN MODE - Container $project-web-1  Removed" "rm says the container"
run --dry-run -p "$project" stop nosuch
expect_rc 1 "--dry-run stop of a service that is not there"
expect_grep "$ERR" "no such service: nosuch" "the unknown service is named"
run ps -p "$project" -a
expect_grep "$OUT" "web-1 .* Up " "web is still running"
expect_grep "$OUT" "cache-1 .* Up " "cache is still running"
! printf '%s\n' "$OUT" | grep -qi paused || fail "a dry run paused a container: $OUT"
[ "$(pid_of web)" = "$web_pid" ] || fail "web's process changed (restarted or killed)"
# docker's commands of lxr run containers have no dry run
cd "$TEST_TMP"
run --dry-run stop some-container
expect_rc 2 "--dry-run stop with no project"
expect_grep "$ERR" "a dry run is a project's" "it says a dry run is a project's"
run --dry-run pull example.invalid/x:1
expect_rc 2 "--dry-run pull REF"
pass "stop, kill, restart, pause, start, unpause, rm and pull --dry-run say and do nothing"
