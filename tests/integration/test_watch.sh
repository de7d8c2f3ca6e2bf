#!/bin/bash
# lxr watch, as docker compose watch: it brings the services up, copies an
# initial_sync rule's files (not those its ignore patterns leave out), then
# on each change: sync copies the file into the running container (and a
# removed one goes there too), ignore patterns, .git and editors' swap
# files are left alone, sync+exec runs its command after the copy, restart
# restarts the service, rebuild builds the image again and recreates the
# container from it. Ctrl-C ends the watch and leaves the services up.
. "$(dirname "$0")/lib.sh"

run import -c 'CMD ["/bin/sh"]' "$ROOTFS" lxrtest/busybox:watch
expect_rc 0 "import the base image"

P=watch$$
PROJECT=$P
DIR="$TEST_TMP/w"
mkdir -p "$DIR/src/ignored" "$DIR/src/.git" "$DIR/conf" "$DIR/api" "$DIR/web/sub"
cd "$DIR"
echo one >src/a.txt
echo js >web/sub/a.js
echo txt >web/sub/b.txt
echo secret >src/ignored/x.txt
echo v1 >api/version
cat >api/Dockerfile <<'D'
FROM lxrtest/busybox:watch
COPY version /version
CMD ["/bin/sh", "-c", "exec sleep 1000"]
D
cat >compose.yaml <<Y
name: $P
services:
  app:
    image: lxrtest/busybox:watch
    command: ["/bin/sh", "-c", "cat /proc/sys/kernel/random/uuid > /tmp/pid; exec sleep 1000"]
    develop:
      watch:
        - action: sync
          path: ./src
          target: /srv/src
          ignore: [ignored/, "**/*.log"]
          initial_sync: true
        - action: sync
          path: ./web
          target: /srv/web
          include: ["**/*.js"]
          initial_sync: true
        - action: sync+exec
          path: ./conf
          target: /etc/app
          exec:
            command: ["/bin/sh", "-c", "cat /etc/app/app.conf > /tmp/reloaded"]
        - action: restart
          path: ./restart.flag
  api:
    build: ./api
    develop:
      watch:
        - action: rebuild
          path: ./api/version
Y
at_exit "$LXR" down -p "$P" --rmi local

"$LXR" watch >"$TEST_TMP/watch.log" 2>&1 &
WPID=$!
at_exit kill "$WPID"
for _ in $(seq 400); do grep -q "^Watch enabled" "$TEST_TMP/watch.log" && break; sleep 0.05; done
grep -q "^Watch enabled" "$TEST_TMP/watch.log" || fail "watch did not start: $(cat "$TEST_TMP/watch.log")"

# the services are up, and the initial sync copied src without ignored/
run exec app cat /srv/src/a.txt
expect_out one "initial_sync copied src"
run exec app test -e /srv/src/ignored/x.txt
expect_rc 1 "initial_sync left out what ignore names"
run exec app /bin/sh -c 'cat /srv/web/sub/a.js; test -e /srv/web/sub/b.txt && echo b-too'
expect_out js "initial_sync of an include rule copies what it names, in subdirectories too"
run exec api cat /version
expect_out v1 "watch built and started the rebuild service"
pass "watch brings the services up and syncs initial_sync rules, ignore patterns left out"

# wait (bounded) until the container shows what CMD prints
until_in() {
	local svc=$1 want=$2 what=$3
	for _ in $(seq 200); do
		[ "$("$LXR" exec "$svc" /bin/sh -c "$4" 2>/dev/null)" = "$want" ] && return 0
		sleep 0.05
	done
	fail "$what: $("$LXR" exec "$svc" /bin/sh -c "$4" 2>&1); watch said: $(cat "$TEST_TMP/watch.log")"
}

echo two >src/a.txt
mkdir -p src/new/deep
echo deep >src/new/deep/d.txt
echo never >src/ignored/y.txt
echo never >src/.git/HEAD
echo never >src/.a.txt.swp
until_in app "two deep" "a change and a new directory synced" 'echo $(cat /srv/src/a.txt /srv/src/new/deep/d.txt)'
run exec app /bin/sh -c 'ls -a /srv/src /srv/src/ignored 2>&1'
echo "$OUT" | grep -qE '^(y\.txt|\.git|\.a\.txt\.swp)$' && fail "watch synced what it must leave out: $OUT"
rm src/a.txt
until_in app gone "a removed file goes from the container" 'test -e /srv/src/a.txt && echo there || echo gone'
# a directory renamed is watched under its new name
mv src/new src/renamed
echo moved >src/renamed/deep/m.txt
until_in app moved "a change in a renamed directory" 'cat /srv/src/renamed/deep/m.txt 2>/dev/null'
# a new directory is copied without what the rule leaves out
mkdir src/fresh
echo keep >src/fresh/keep.txt
echo skip >src/fresh/skip.log
until_in app keep "a new directory's files" 'cat /srv/src/fresh/keep.txt 2>/dev/null'
run exec app test -e /srv/src/fresh/skip.log
expect_rc 1 "an ignored file in a new directory was copied"
pass "sync copies changes and new directories, removes what was removed, leaves ignored, .git and swap files out"

echo reload-me >conf/app.conf
until_in app reload-me "sync+exec ran its command after the copy" 'cat /tmp/reloaded 2>/dev/null'
pass "sync+exec copies, then runs the rule's command in the container"

before=$("$LXR" exec app cat /tmp/pid)
touch restart.flag
for _ in $(seq 200); do
	now=$("$LXR" exec app cat /tmp/pid 2>/dev/null || true)
	[ -n "$now" ] && [ "$now" != "$before" ] && break
	sleep 0.05
done
[ -n "$now" ] && [ "$now" != "$before" ] || fail "restart: the service was not restarted ($before, $now): $(cat "$TEST_TMP/watch.log")"
grep -q "restarted" "$TEST_TMP/watch.log" || fail "watch did not say it restarted: $(cat "$TEST_TMP/watch.log")"
pass "restart restarts the service when its path changes"

echo v2 >api/version
for _ in $(seq 600); do
	[ "$("$LXR" exec api cat /version 2>/dev/null)" = v2 ] && break
	sleep 0.05
done
run exec api cat /version
expect_out v2 "rebuild: the recreated container has the new file"
grep -q "^Rebuilding service(s) api" "$TEST_TMP/watch.log" || fail "watch did not say it rebuilt: $(cat "$TEST_TMP/watch.log")"
# compose's --prune (the default): the image the rebuild replaced goes
for _ in $(seq 200); do
	"$LXR" image ls | grep -q "<none>" || break
	sleep 0.05
done
run image ls
printf '%s\n' "$OUT" | grep -q "<none>" && fail "the rebuild left its old image dangling: $OUT"
pass "rebuild builds the image again and recreates the service, and prunes the old one"

kill -INT "$WPID"
wait "$WPID" || fail "watch ended with $? on Ctrl-C: $(cat "$TEST_TMP/watch.log")"
grep -q "^Watch disabled" "$TEST_TMP/watch.log" || fail "watch's end: $(cat "$TEST_TMP/watch.log")"
run ps --format '{{.Service}} {{.State}}'
expect_grep "$OUT" "^app running" "the services stay up after the watch"

# up --watch: up -d, then the watch (its initial sync again), until Ctrl-C
"$LXR" up --watch app >"$TEST_TMP/upwatch.log" 2>&1 &
WPID=$!
at_exit kill "$WPID"
for _ in $(seq 400); do grep -q "^Watch enabled" "$TEST_TMP/upwatch.log" && break; sleep 0.05; done
grep -q "^Watch enabled" "$TEST_TMP/upwatch.log" || fail "up --watch did not watch: $(cat "$TEST_TMP/upwatch.log")"
echo three >src/b.txt
until_in app three "up --watch synced a change" 'cat /srv/src/b.txt 2>/dev/null'
kill -INT "$WPID"
wait "$WPID" || fail "up --watch ended with $? on Ctrl-C: $(cat "$TEST_TMP/upwatch.log")"
pass "up --watch brings the services up and watches them until Ctrl-C"

# no rules: an error that says what to add
cat >"$TEST_TMP/plain.yaml" <<Y
name: watchplain$$
services:
  a: {image: lxrtest/busybox:watch}
Y
run -f "$TEST_TMP/plain.yaml" watch --no-up
expect_rc 2 "watch of services without rules"
expect_grep "$ERR" "develop.watch" "the error names what to add"
run -f "$TEST_TMP/plain.yaml" up --watch
expect_rc 2 "up --watch of services without rules"
expect_grep "$ERR" "develop.watch" "up --watch says what to add"
run -f "$TEST_TMP/plain.yaml" ps -a -q
expect_out "" "up --watch without rules started nothing"
pass "Ctrl-C ends the watch and the services stay up; a stack without rules is refused"
