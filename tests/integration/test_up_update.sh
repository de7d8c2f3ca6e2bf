#!/bin/bash
# deploy.update_config: `lxr up` after a service's image changed replaces
# its instances a batch at a time, each new container health-gated. A new
# image whose health check fails is rolled back (the old containers run
# again, on the old image; up exits 1 naming the failed check); a good one
# is rolled out in batches of `parallelism`, its published ports reaching
# the new containers, the old image kept in use, and `lxr rollback`
# returns to it, even after the supervisor was killed; failure_action:
# pause leaves the rest of the service on the old version and says so; a
# tag pulled anew updates too, and prune keeps the untagged old image.
# (order: start-first: test_up_update_start_first.sh)
. "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || skip "nft (nftables) is needed for published ports"

project="rupd$$"
port=$((21000 + $$ % 20000))
img="rtest/upd$$"
# v1 and v3 are healthy, v2 is not (its command makes no /tmp/ok)
for v in 1:yes 2:no 3:yes; do
	run import -c "ENV V=${v%%:*}" -c "ENV HEALTHY=${v#*:}" "$ROOTFS" "$img:v${v%%:*}"
	expect_rc 0 "import $img:v${v%%:*}"
done
at_exit "$LXR" rmi "$img:v1" "$img:v2" "$img:v3" "$img:cur"

write_stack() { # tag, parallelism, failure_action
	stack <<Y
name: $project
services:
  web:
    image: $img:$1
    command: ["/bin/sh", "-c", "[ \"\$\$HEALTHY\" = yes ] && touch /tmp/ok; mkdir /tmp/www; echo v\$\$V > /tmp/www/index.html; exec httpd -f -p 8080 -h /tmp/www"]
    ports: ["127.0.0.1:$port-$((port + 2)):8080"]
    healthcheck:
      test: ["CMD-SHELL", "test -f /tmp/ok || { echo no /tmp/ok in v\$\$V; exit 1; }"]
      interval: 200ms
      retries: 2
    deploy:
      replicas: 3
      update_config: {parallelism: $2, monitor: 1s, failure_action: $3}
      rollback_config: {parallelism: 0, monitor: 500ms}
Y
}
pid_of() { sed -n "s/^pid=//p" "$LXR_RUN_DIR/$PROJECT/$1/state" 2>/dev/null || true; }
version_of() { "$LXR" exec -f "$STACK" --index "${1#web-}" web /bin/sh -c 'echo "v$V"'; }
versions() { echo "$(version_of web-1) $(version_of web-2) $(version_of web-3)"; }
# what each instance's published port answers (its new container's, after an update)
served() { for i in 0 1 2; do printf '%s ' "$(wget -T 2 -qO- "http://127.0.0.1:$((port + i))/" 2>/dev/null || echo none)"; done; }
wait_healthy() {
	for _ in $(seq 200); do
		run ps -f "$STACK"
		[ "$(printf '%s\n' "$OUT" | grep -c 'healthy')" -eq 3 ] &&
			! printf '%s\n' "$OUT" | grep -q unhealthy && return 0
		sleep 0.1
	done
	fail "not every instance healthy: $OUT"
}

write_stack v1 1 rollback
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_healthy
[ "$(versions)" = "v1 v1 v1" ] || fail "v1 does not run everywhere: $(versions)"
declare -A pids
for i in web-1 web-2 web-3; do pids[$i]=$(pid_of "$i"); done
pass "three instances of v1 run, healthy"

# (1) a new image whose health check fails: rolled back
write_stack v2 1 rollback
run up --dry-run -f "$STACK"
expect_rc 0 "up --dry-run"
expect_grep "$OUT" "would update +web-1" "a dry run says web would be updated"
run up -d -f "$STACK"
expect_rc 1 "up to an unhealthy image"
expect_grep "$ERR" "update +web-1" "up says it updates web"
expect_grep "$ERR" "web: update failed, rolled back to the previous version: web-1: health check failed \(exit 1\): no /tmp/ok in v2" \
	"up names the failed check and its output"
wait_healthy
[ "$(versions)" = "v1 v1 v1" ] || fail "not back on v1 after the rollback: $(versions)"
for i in web-2 web-3; do
	[ "$(pid_of "$i")" = "${pids[$i]}" ] || fail "$i was replaced although web-1's update failed"
done
run ps -f "$STACK"
expect_grep "$OUT" "$img:v1" "ps shows the old image again"
pass "a failing new image is rolled back; the batches after the failed one never ran"

# (5) a good image, two instances at a time; (3) lxr rollback goes back
mark=$(events | wc -l)
write_stack v3 2 rollback
run up -d -f "$STACK"
expect_rc 0 "up to a healthy image"
expect_grep "$ERR" "web: updated" "up says web is updated"
expect_grep "$ERR" "web-1 +\+ Replaced" "up shows each instance's progress"
[ "$(versions)" = "v3 v3 v3" ] || fail "v3 does not run everywhere: $(versions)"
[ "$(served)" = "v3 v3 v3 " ] || fail "the published ports do not reach the new containers: $(served)"
after() { events | tail -n +"$((mark + 1))" | grep -nE -- "$1" | tail -n1 | cut -d: -f1; }
first() { events | tail -n +"$((mark + 1))" | grep -nE -- "$1" | head -n1 | cut -d: -f1; }
s1=$(first '"instance":"web-1","state":"stopping"')
s2=$(first '"instance":"web-2","state":"stopping"')
s3=$(first '"instance":"web-3","state":"stopping"')
h1=$(after '"instance":"web-1","state":"healthy"')
h2=$(after '"instance":"web-2","state":"healthy"')
[ -n "$s1" ] && [ -n "$s2" ] && [ -n "$s3" ] && [ -n "$h1" ] && [ -n "$h2" ] ||
	fail "missing update events: $(events | tail -n +"$((mark + 1))")"
[ "$s2" -lt "$h1" ] || fail "web-2 was not replaced in web-1's batch (parallelism 2)"
[ "$s3" -gt "$h1" ] && [ "$s3" -gt "$h2" ] || fail "web-3 was stopped before the first batch was healthy"
run rmi "$img:v1"
[ "$RC" -ne 0 ] || fail "rmi removed the image a rollback returns to"
pass "a healthy image is rolled out two at a time; the previous image stays in use"

# the previous version outlives its supervisor: killed, it takes its
# containers along; the next up starts v3 afresh, and rollback still knows v1
sup=$(cat "$LXR_RUN_DIR/$PROJECT/supervisor.lock")
kill -9 "$sup"
for _ in $(seq 100); do kill -0 "$sup" 2>/dev/null || break; sleep 0.1; done
kill -0 "$sup" 2>/dev/null && fail "the supervisor outlived SIGKILL"
run up -d -f "$STACK"
expect_rc 0 "up after the supervisor was killed"
wait_healthy
[ "$(versions)" = "v3 v3 v3" ] || fail "up after the kill does not run v3: $(versions)"
run rmi "$img:v1"
[ "$RC" -ne 0 ] || fail "rmi removed the image a rollback returns to, after the restart"

run rollback -f "$STACK" web
expect_rc 0 "lxr rollback web"
expect_grep "$ERR" "web: rolled back" "rollback says so"
[ "$(versions)" = "v1 v1 v1" ] || fail "lxr rollback did not return to v1: $(versions)"
[ "$(served)" = "v1 v1 v1 " ] || fail "the published ports do not reach the rolled-back containers: $(served)"
run rollback -f "$STACK" web
expect_rc 1 "a second rollback"
expect_grep "$ERR" "previous version already" "a second rollback says there is nothing to do"
pass "lxr rollback returns every instance to the previous image and configuration, after a supervisor restart too"

# (4) failure_action: pause stops after the failed batch and says so
for i in web-1 web-2 web-3; do pids[$i]=$(pid_of "$i"); done
write_stack v2 1 pause
run up -d -f "$STACK"
expect_rc 1 "up paused"
expect_grep "$ERR" "web: update paused \(failure_action: pause\): web-1: health check failed.*; 2 instances still on the previous version" \
	"up says the update paused and what is left"
[ "$(version_of web-1)" = v2 ] || fail "web-1 is not the (failed) new version"
for i in web-2 web-3; do
	[ "$(pid_of "$i")" = "${pids[$i]}" ] || fail "$i was replaced after the update paused"
done
run ps -f "$STACK" --format json
expect_grep "$OUT" '"state": *"paused"' "ps shows the paused update"
run ps -f "$STACK"
expect_grep "$OUT" "web-2 .*\(update paused\)" "ps's status says the update paused"
pass "failure_action: pause leaves the rest of the batch unupdated and says so"

# a new pull (here an import) moves the tag: the image the service ran is
# left without a name, and prune must still keep it while it is the one
# a rollback returns to
run import -c "ENV V=5" -c "ENV HEALTHY=yes" "$ROOTFS" "$img:cur"
expect_rc 0 "import $img:cur"
write_stack cur 0 rollback
run up -d -f "$STACK"
expect_rc 0 "up to $img:cur, all at once"
[ "$(versions)" = "v5 v5 v5" ] || fail "v5 does not run everywhere: $(versions)"
run import -c "ENV V=6" -c "ENV HEALTHY=yes" "$ROOTFS" "$img:cur"
expect_rc 0 "import $img:cur again"
run up -d -f "$STACK"
expect_rc 0 "up to the new $img:cur"
expect_grep "$ERR" "web: updated" "the same tag on a new image updates"
[ "$(versions)" = "v6 v6 v6" ] || fail "v6 does not run everywhere: $(versions)"
run image prune
expect_rc 0 "image prune"
run rollback -f "$STACK" web
expect_rc 0 "rollback to the untagged image"
[ "$(versions)" = "v5 v5 v5" ] || fail "rollback after prune did not return to v5: $(versions)"
pass "a re-pulled tag updates; prune keeps the untagged previous image for rollback"

run down -p "$PROJECT" -t 0
expect_rc 0 down
