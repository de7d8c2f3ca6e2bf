#!/bin/bash
# docker create and docker cp on containers that do not run: where no
# stack file is found, `lxr create [run's options] IMAGE CMD` makes a
# container and starts nothing (ps: Created); `lxr cp` copies into and out
# of it, and out of one that has stopped, through its filesystem mounted
# for the copy alone; `lxr start` runs it on that layer.
. "$(dirname "$0")/lib.sh"
cd "$TEST_TMP"

"$LXR" import "$ROOTFS" "t$$-cimg:1" >/dev/null || fail "import the test image"
c=$(cname made)
run create --name "$c" --network none -e WHO=created "t$$-cimg:1" sh -c \
	'echo "$WHO $(cat /etc/app.conf)"; echo result > /out/r 2>/dev/null || { mkdir /out; echo result > /out/r; }'
expect_rc 0 "create"
expect_out "$c" "create prints the name"
run ps -a --format '{{.Name}} {{.Status}}'
expect_grep "$OUT" "^$c Created$" "ps: a created container"
[ -z "$(ls "$LXR_RUN_DIR/_run-sup/" 2>/dev/null)" ] || fail "create started a supervisor"
pgrep -f -- "$c" >/dev/null && fail "create started a process"

echo "from-the-host" > app.conf
run cp app.conf "$c:/etc/app.conf"
expect_rc 0 "cp into a created container"
overlays() { grep -c " - overlay " /proc/self/mountinfo || true; }
before=$(overlays)
run cp "$c:/etc/app.conf" -
expect_rc 0 "cp out of a created container"
expect_grep "$OUT" "from-the-host" "what went in comes out"
[ "$(overlays)" = "$before" ] || fail "cp left an overlay mounted"

run start "$c"
expect_rc 0 "start a created container"
run wait "$c"
expect_out 0 "it ran"
run logs "$c"
expect_out "created from-the-host" "with its options and the file cp put in its layer"
run cp "$c:/out/r" ./r
expect_rc 0 "cp out of a stopped container"
[ "$(cat r)" = result ] || fail "cp from a stopped container: [$(cat r)]"
run cp "$c:/../../../etc/passwd" ./p
[ ! -e p ] || ! grep -q "^root:" p || [ "$(cat p)" = "$(cat "$ROOTFS/etc/passwd")" ] ||
	fail "cp of ../.. left the container's root"
run ps -a --format '{{.Name}} {{.Status}}'
expect_grep "$OUT" "^$c Exited \(0\) " "ps: it has ended"

run create --name "$c" --network none "t$$-cimg:1" true
expect_rc 125 "create with a name in use"
expect_grep "$ERR" "in use" "says so"
run create --rm --name "$(cname rmcreate)" --network none "t$$-cimg:1" true
expect_rc 125 "create --rm"
expect_grep "$ERR" "create --rm" "names what it refuses"
run container prune -f
expect_grep "$OUT" "^$c$" "prune takes the ended container"
# a named volume a stopped container has stays, as docker keeps it
h=$(cname volheld)
run create --name "$h" --network none -v "t$$-vol:/data" "t$$-cimg:1" true
expect_rc 0 "create with a named volume"
run volume rm "t$$-vol"
expect_rc 1 "volume rm of a stopped container's volume"
expect_grep "$ERR" "used by stopped container $h" "names the container"
run volume prune -af
expect_rc 0 "volume prune -af (docker's -a -f in one)"
run volume ls -q
expect_grep "$OUT" "^t$$-vol$" "volume prune -a keeps it"
run rm "$h"
run volume rm "t$$-vol"
expect_rc 0 "volume rm once its container is gone"
d=$(cname dropped)
run create --name "$d" --network none "t$$-cimg:1" true
run rm "$d"
expect_rc 0 "rm of a created container"
[ ! -e "$LXR_RUN_DIR/_run/$d" ] || fail "rm left the created container"
pass "create makes a container and starts nothing; cp works on it and on stopped ones; start runs it"
