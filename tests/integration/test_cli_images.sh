#!/bin/bash
# A stack's images as docker compose handles them: `lxr pull` pulls every
# service's image at once (skipping what has none), `lxr images` in the
# project lists its containers' images, `down --rmi all` removes them but
# never one another container still runs; `lxr pull REF` still works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image_lib.sh"

start_registry
oci_layout "$TEST_TMP/one" "$ROOTFS" 1 '{"Cmd":["sleep","1000"]}'
push "$TEST_TMP/one" 1 busybox:1
oci_layout "$TEST_TMP/two" "$ROOTFS" 2 '{"Cmd":["sleep","1001"]}'
push "$TEST_TMP/two" 2 busybox:2
ONE=$REGISTRY/busybox:1 TWO=$REGISTRY/busybox:2

P=img$$
stack <<Y
name: $P
services:
  web:
    image: $ONE
  db:
    image: $TWO
  also:
    image: $ONE
  local:
    image: @ROOTFS@
    command: ["sleep", "1000"]
Y

# ---- pull -------------------------------------------------------------------------
run pull -f "$STACK"
expect_rc 0 "pull of a stack"
expect_grep "$ERR" "^ web +Pulling$" "pull says each service's pull starts"
expect_grep "$ERR" "^ web +Pulled$" "web pulled"
expect_grep "$ERR" "^ db +Pulled$" "db pulled"
expect_grep "$ERR" "^ also +Pulled$" "also (the same image as web) pulled"
expect_grep "$ERR" "^ local +Skipped - Image is a directory$" "a directory image is skipped, saying so"
[ "$(blob_gets)" -eq 3 ] || fail "web and also share one pull: $(blob_gets) blob GETs, expected 3 (2 configs, 1 layer)"
run image ls
expect_grep "$OUT" "$REGISTRY/busybox +1 " "the store has busybox:1"
expect_grep "$OUT" "$REGISTRY/busybox +2 " "the store has busybox:2"
pass "pull pulls every service's image in parallel, once per image"

# an image name a typo away from one in the store: docker's "did you mean"
run run --rm --network none "$REGISTRY/busybx:1" true
[ "$RC" -ne 0 ] || fail "run of a missing image exited 0"
expect_grep "$ERR" "did you mean $REGISTRY/busybox:1\?" "a misspelt image name suggests the stored one"
pass "a misspelt image name: did you mean the one in the store"

run pull -f "$STACK" --policy missing web db
expect_rc 0 "pull --policy missing"
expect_grep "$ERR" "^ web +Skipped - Image is already present$" "--policy missing skips what is there"
[ "$(printf '%s\n' "$ERR" | grep -c .)" -eq 2 ] || fail "pull web db said more than two lines: $ERR"
run pull -q -f "$STACK" web
expect_rc 0 "pull -q"
[ -z "$ERR$OUT" ] || fail "pull -q printed: [$OUT] [$ERR]"
run pull -f "$STACK" --progress plain --include-deps web
expect_rc 0 "pull --include-deps --progress plain"
pass "pull --policy, -q, --progress plain, --include-deps"

# --ignore-buildable: a service up would build is left to the build
mkdir -p "$TEST_TMP/buildable/ctx"
printf 'FROM scratch\n' >"$TEST_TMP/buildable/ctx/Dockerfile"
printf 'name: %s\nservices:\n  built:\n    image: %s\n    build: ./ctx\n  plain:\n    image: %s\n' \
	"${P}b" "$ONE" "$TWO" >"$TEST_TMP/buildable/compose.yaml"
run pull -f "$TEST_TMP/buildable/compose.yaml" --ignore-buildable
expect_rc 0 "pull --ignore-buildable"
expect_grep "$ERR" "^ built +Skipped - Image can be built$" "--ignore-buildable skips the service with build:"
expect_grep "$ERR" "^ plain +Pulled$" "and pulls the others"
run pull -f "$TEST_TMP/buildable/compose.yaml"
expect_grep "$ERR" "^ built +Pulled$" "without it the buildable service's image is pulled"
pass "pull --ignore-buildable skips what has build:"

cd "$TEST_TMP/stack"
run pull "$ONE"
expect_rc 0 "pull REF in a project directory"
expect_grep "$ERR" "Image is up to date" "pull REF is docker pull, even beside a stack file"
run pull web
expect_rc 0 "pull SERVICE in the project directory"
expect_grep "$ERR" "^ web +Pulled$" "a word naming a service pulls the service"
run pull nosuchservice
expect_rc 1 "pull of a word that is neither a service nor an image"
cd /
pass "pull REF and pull SERVICE side by side"

mkdir -p "$TEST_TMP/bad"
cat > "$TEST_TMP/bad/compose.yaml" <<Y
name: bad$$
services:
  ok:
    image: $ONE
  missing:
    image: $REGISTRY/nosuch:1
Y
run pull -f "$TEST_TMP/bad/compose.yaml"
expect_rc 1 "pull with an image the registry lacks"
expect_grep "$ERR" "^ missing +Error$" "the failed service is marked"
expect_grep "$ERR" "^lxr: error: missing: pull $REGISTRY/nosuch:1: " "and named, with the registry's answer"
expect_grep "$ERR" "^ ok +Pulled$" "the others are pulled anyway"
run pull -f "$TEST_TMP/bad/compose.yaml" --ignore-pull-failures
expect_rc 0 "pull --ignore-pull-failures"
expect_grep "$ERR" "^lxr: warning: missing: pull " "--ignore-pull-failures warns"
pass "a failed pull is named; --ignore-pull-failures goes on"

# ---- images -----------------------------------------------------------------------
run -f "$STACK" images
expect_rc 0 "images of a stack that is not up"
expect_out "CONTAINER   REPOSITORY   TAG   IMAGE ID       SIZE" "no containers: only the header"
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"db-1","state":"running"'
run -f "$STACK" images
expect_grep "$OUT" "^CONTAINER +REPOSITORY +TAG +IMAGE ID +SIZE$" "compose's columns"
expect_grep "$OUT" "^$PROJECT-web-1 +$REGISTRY/busybox +1 +[0-9a-f]{12} +[0-9.]+[kM]B$" "web-1's image"
expect_grep "$OUT" "^$PROJECT-db-1 +$REGISTRY/busybox +2 +[0-9a-f]{12} " "db-1's image"
expect_grep "$OUT" "^$PROJECT-local-1 +$ROOTFS +- +- +-$" "a directory image"
run -f "$STACK" images -q
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 2 ] || fail "images -q: two ids: $OUT"
run image ls
expect_grep "$OUT" "^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$" "image ls is the store's listing"
pass "images in a project lists its containers' images; image ls the store"

# ---- down --rmi -------------------------------------------------------------------
keep=$(cname keep)
run run -d --name "$keep" "$TWO"
expect_rc 0 "another container runs busybox:2"
at_exit "$LXR" rm -f "$keep"
run down -f "$STACK" --rmi all --dry-run
expect_rc 0 "down --rmi all --dry-run"
expect_grep "$ERR" "DRY-RUN MODE - Image $ONE  Removed" "down --dry-run --rmi says the image would go"
run image ls
expect_grep "$OUT" "busybox +1 " "down --dry-run --rmi removed nothing"
run down -f "$STACK" --rmi all
expect_rc 0 "down --rmi all"
expect_grep "$ERR" "Image $ONE  Removed" "down --rmi removes the stack's image"
expect_grep "$ERR" "warning: image .*$TWO is in use by a running container: kept" "but keeps one in use"
run image ls
printf '%s\n' "$OUT" | grep -q "busybox +1 " && fail "busybox:1 is still in the store: $OUT"
expect_grep "$OUT" "$REGISTRY/busybox +2 " "busybox:2 stays"
run down -f "$STACK" --rmi some
expect_rc 2 "down --rmi with a bad word"
pass "down --rmi all removes the stack's images, never one in use"

# ---- a container up --no-recreate kept runs its old image ---------------------------
# its layers are that image's, even once the file names another: it stays in
# use until the container is recreated
stack <<Y
name: ${P}nr
services:
  web:
    image: $ONE
Y
run up -d -f "$STACK"
expect_rc 0 "up -d on busybox:1"
sed -i "s|image: $ONE|image: $TWO|" "$STACK"
run up -d --no-recreate -f "$STACK"
expect_rc 0 "up -d --no-recreate after the image changed"
expect_grep "$ERR" "unchanged +web-1" "the changed web-1 is kept"
run -f "$STACK" ps --format '{{.Name}} {{.Image}}'
expect_out "$PROJECT-web-1 $ONE" "ps shows the image the kept web-1 runs"
run rmi "$ONE"
[ "$RC" -ne 0 ] || fail "rmi removed the image the kept web-1 runs"
expect_grep "$ERR" "in use" "rmi says the image is in use"
run image prune -a -f
expect_rc 0 "image prune -a"
run image ls
expect_grep "$OUT" "$REGISTRY/busybox +1 " "prune -a keeps the image the kept web-1 runs"
run up -d -f "$STACK"
expect_rc 0 "up without --no-recreate"
expect_grep "$ERR" "recreate +web-1" "web-1 is recreated on busybox:2"
# the old container's record goes once it is removed, which up -d need not wait for
for _ in $(seq 100); do
	run rmi "$ONE"
	[ "$RC" -eq 0 ] && break
	sleep 0.05
done
expect_rc 0 "rmi of busybox:1 once nothing runs it"
run down -f "$STACK" -t 0
expect_rc 0 "down"
pass "a container up --no-recreate kept holds its old image in use"
