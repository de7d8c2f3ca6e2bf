#!/bin/bash
# A project is never mistaken for another: two directories whose names give
# the same project name ("my stack", "mystack") are two stacks. A command
# from the second file is refused, naming both files, and the first stack is
# untouched; -p makes it the user's decision (up then reconciles, keeping the
# services the file no longer declares as orphans, with compose's warning,
# until --remove-orphans); down -v removes the declared and anonymous
# volumes and keeps a volume the file does not declare.
. "$(dirname "$0")/lib.sh"

A="$TEST_TMP/my stack$$"
B="$TEST_TMP/mystack$$"
PROJECT="mystack$$"
mkdir -p "$A" "$B"
at_exit "$LXR" down -p "$PROJECT"
cat > "$A/compose.yaml" <<Y
services:
  web:
    image: $ROOTFS
    command: ["sleep", "1000"]
    volumes: ["data:/data"]
  db:
    image: $ROOTFS
    command: ["sleep", "1001"]
volumes:
  data:
Y
cat > "$B/compose.yaml" <<Y
services:
  web:
    image: $ROOTFS
    command: ["sleep", "1002"]
    volumes: ["cache:/cache", "/scratch"]
volumes:
  cache:
Y
pid_of() { sed -n 's/^pid=//p' "$LXR_RUN_DIR/$PROJECT/$1/state"; }
lxr_in() { local d=$1; shift; cd "$d"; run "$@"; cd /; }

lxr_in "$A" up -d
expect_rc 0 "up -d in the first directory"
wait_event '"instance":"db-1","state":"running"'
web=$(pid_of web-1) db=$(pid_of db-1)

for cmd in "up -d" "ps" "down" "logs" "stop web" "exec web true"; do
	lxr_in "$B" $cmd
	# exec too: what runs elsewhere is in the way (125 stays exec's own
	# failure to start the process)
	expect_rc 1 "$cmd from the second directory"
	expect_grep "$ERR" "project \"$PROJECT\" was brought up from \"$A/compose.yaml\", not from \"$B/compose.yaml\"" "$cmd names both files"
	expect_grep "$ERR" "pass -p $PROJECT" "$cmd hints at -p"
done
[ "$(pid_of web-1)" = "$web" ] && [ "$(pid_of db-1)" = "$db" ] || fail "the first stack was touched"
kill -0 "$web" && kill -0 "$db" || fail "the first stack's containers are gone"
lxr_in "$A" ps
expect_rc 0 "ps in the first directory"
expect_grep "$OUT" "^[a-z0-9_.-]*-web-1 .* web .* Up " "the first stack still runs web"
expect_grep "$OUT" "^[a-z0-9_.-]*-db-1 .* db .* Up " "the first stack still runs db"
pass "up, ps, down, logs, stop, exec from a second file of the same project name are refused naming both files; the first stack runs on"

lxr_in "$B" up -d -p "$PROJECT"
expect_rc 0 "up -d -p from the second directory"
expect_grep "$ERR" "recreate +web-1" "-p reconciles web with the second file"
expect_grep "$ERR" "found orphan containers \(db-1\) for this project: .*--remove-orphans" "up warns about the orphan"
sleep 0.3
[ "$(pid_of db-1)" = "$db" ] && kill -0 "$db" || fail "the orphan db-1 was not kept running"
for _ in $(seq 100); do "$LXR" top -p "$PROJECT" web 2>/dev/null | grep -q "sleep 1002" && break; sleep 0.05; done
lxr_in "$B" ps
expect_rc 0 "ps from the second directory once -p made the project its own"
expect_grep "$OUT" "^[a-z0-9_.-]*-db-1 .* db .* Up " "ps shows the orphan running"
lxr_in "$B" ps --orphans=false
expect_rc 0 "ps --orphans=false"
printf '%s\n' "$OUT" | grep -q "^[a-z0-9_.-]*-db-1 " && fail "ps --orphans=false listed the orphan: $OUT"
expect_grep "$OUT" "^[a-z0-9_.-]*-web-1 " "ps --orphans=false lists the file's services"
lxr_in "$A" ps
expect_rc 1 "ps from the first directory once the project is the second file's"
pass "-p is the user's decision: up reconciles, keeps the orphan running and warns as compose does"

lxr_in "$B" up -d
expect_rc 0 "up again from the second directory"
expect_grep "$ERR" "found orphan containers \(db-1\)" "the orphan is warned about on every up"
COMPOSE_IGNORE_ORPHANS=true lxr_in "$B" up -d
expect_rc 0 "up with COMPOSE_IGNORE_ORPHANS=true"
[[ "$ERR" != *"found orphan"* ]] || fail "COMPOSE_IGNORE_ORPHANS=true still warned: $ERR"
lxr_in "$B" up -d --remove-orphans
expect_rc 0 "up --remove-orphans"
expect_grep "$ERR" "remove +db-1" "--remove-orphans removes the orphan"
for _ in $(seq 100); do kill -0 "$db" 2>/dev/null || break; sleep 0.05; done
! kill -0 "$db" 2>/dev/null || fail "db-1's process outlived --remove-orphans"
lxr_in "$B" ps -a
[[ "$OUT" != *db-1* ]] || fail "ps still lists db-1: $OUT"
[ ! -e "$LXR_RUN_DIR/$PROJECT/db-1" ] || fail "db-1's container directory is left"
pass "--remove-orphans on up stops and removes the orphan"

vols="$LXR_DATA_DIR/volumes/$PROJECT"
other="$LXR_DATA_DIR/volumes/other$$/keep"
mkdir -p "$other"
[ -d "$vols/data" ] && [ -d "$vols/cache" ] && [ -d "$vols/+anon/web-1/%2Fscratch" ] ||
	fail "volumes not made: $(ls -R "$vols")"
lxr_in "$B" down -v
expect_rc 0 "down -v"
[ ! -e "$vols/cache" ] || fail "down -v kept the declared volume cache"
[ ! -e "$vols/+anon" ] || fail "down -v kept the anonymous volumes"
[ -d "$vols/data" ] || fail "down -v removed data, a volume the file does not declare"
[ -d "$other" ] || fail "down -v touched another project's volumes"
expect_grep "$ERR" "kept volumes the stack file does not declare: data" "down -v says what it kept"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "down left the run directory"
lxr_in "$A" ps -a -q
[ "$RC" -eq 0 ] && [ -z "$OUT" ] && [[ "$ERR" != *"brought up from"* ]] ||
	fail "after down the project is nobody's (ps lists nothing): rc $RC [$OUT] $ERR"
pass "down -v removes the declared and anonymous volumes only"

# down -p NAME -v with no file: the file the project was brought up from
# says which volumes are its own; with no record and no file, it refuses
lxr_in "$B" up -d
expect_rc 0 "up -d again from the second directory"
[ -d "$vols/cache" ] || fail "cache not made again"
lxr_in / down -p "$PROJECT" -v
expect_rc 0 "down -p -v with no file here"
[ ! -e "$vols/cache" ] && [ -d "$vols/data" ] || fail "down -p -v did not follow the recorded file: $(ls -A "$vols")"
lxr_in / down -p "nobody$$" -v
expect_rc 2 "down -p -v with no record and no file"
expect_grep "$ERR" "pass -f FILE" "down -v without a file says what to do"
pass "down -p NAME -v takes the volumes from the file the project was brought up from"
