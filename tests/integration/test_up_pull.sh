#!/bin/bash
# up --pull never|missing|always and --quiet-pull against a local registry
# (Debian's docker-registry on 127.0.0.1): --pull overrides each service's
# pull_policy, --quiet-pull pulls without progress. pull_policy daily,
# weekly and every_<d> pull when the store's tag was set that long ago (its
# time in index.json's "tagged"), or has no time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image_lib.sh"

start_registry
oci_layout "$TEST_TMP/layout" "$ROOTFS" 1 '{"Cmd":["/bin/sh","-c","exec sleep 1000"]}'
push "$TEST_TMP/layout" 1 pulltest:1
manifest_gets() { grep -c 'GET /v2/pulltest/manifests/1 HTTP' "$REGISTRY_LOG" || true; }

stack <<Y
name: uppull
services:
  app:
    image: $REGISTRY/pulltest:1
Y

run up -d --pull never -f "$STACK"
[ "$RC" -ne 0 ] || fail "up --pull never with an image that is not here succeeded"
expect_grep "$ERR" "pulltest:1" "the missing image is named"
[ "$(manifest_gets)" -eq 0 ] || fail "--pull never asked the registry"
pass "--pull never: a missing image fails up, and the registry is not asked"

run up -d --quiet-pull -f "$STACK"
expect_rc 0 "up -d --quiet-pull"
printf '%s\n' "$ERR" | grep -q "Download complete" && fail "--quiet-pull printed progress: $ERR"
[ "$(manifest_gets)" -ge 1 ] || fail "the image was not pulled"
pass "--quiet-pull pulls the missing image without progress"

run down -f "$STACK"
expect_rc 0 down
before=$(manifest_gets)
run up -d -f "$STACK"
expect_rc 0 "up -d with the image here"
[ "$(manifest_gets)" -eq "$before" ] || fail "the default (missing) pulled an image that is here"
run down -f "$STACK"
run up -d --pull always --quiet-pull -f "$STACK"
expect_rc 0 "up -d --pull always"
[ "$(manifest_gets)" -gt "$before" ] || fail "--pull always did not ask the registry"
pass "--pull always pulls an image that is here; the default does not"

run down -f "$STACK"
expect_rc 0 down

# a periodic policy: pulled when the tag is older than the window
INDEX=$LXR_DATA_DIR/images/index.json
age_tag() { # NAME SECONDS: the tag was set that long ago (no time: "none")
	python3 - "$INDEX" "$1" "$2" <<'P'
import json, sys, time
p, name, age = sys.argv[1:]
d = json.load(open(p))
t = d.setdefault("tagged", {})
if age == "none":
    t.pop(name, None)
else:
    t[name] = int(time.time()) - int(age)
json.dump(d, open(p, "w"))
P
}
tag_time() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("tagged",{}).get(sys.argv[2],0))' "$INDEX" "$1"; }
stack <<Y
name: uppull
services:
  app:
    image: $REGISTRY/pulltest:1
    pull_policy: every_1h
  other:
    image: $REGISTRY/pulltest:1
    pull_policy: weekly
Y
TAG=$REGISTRY/pulltest:1
now=$(date +%s)
[ "$(tag_time "$TAG")" -ge "$((now - 120))" ] || fail "the pull did not record when the tag was set: $(cat "$INDEX")"
before=$(manifest_gets)
run up -d --quiet-pull -f "$STACK"
expect_rc 0 "up -d with every_1h and a fresh tag"
[ "$(manifest_gets)" -eq "$before" ] || fail "every_1h pulled a tag set a moment ago"
run down -f "$STACK"
age_tag "$TAG" 3590
run up -d --quiet-pull -f "$STACK"
[ "$(manifest_gets)" -eq "$before" ] || fail "every_1h pulled a tag 59:50 old"
run down -f "$STACK"
age_tag "$TAG" 3700
run --dry-run up -d -f "$STACK"
expect_rc 0 "--dry-run up with a tag due"
expect_grep "$OUT" "(pulls $TAG first)" "the dry run says it would pull"
[ "$(manifest_gets)" -eq "$before" ] || fail "the dry run pulled"
run up -d --quiet-pull -f "$STACK"
expect_rc 0 "up -d with every_1h and a tag over an hour old"
[ "$(manifest_gets)" -eq "$((before + 1))" ] || fail "every_1h did not pull once a tag 1h01 old ($(manifest_gets) GETs, $before before)"
[ "$(tag_time "$TAG")" -ge "$((now - 120))" ] || fail "the pull of an unchanged image did not renew the tag's time"
run down -f "$STACK"
run up -d --quiet-pull -f "$STACK"
[ "$(manifest_gets)" -eq "$((before + 1))" ] || fail "every_1h pulled again right after its pull"
run down -f "$STACK"
age_tag "$TAG" none
run up -d --quiet-pull -f "$STACK"
expect_rc 0 "up -d with a tag without a time"
[ "$(manifest_gets)" -eq "$((before + 2))" ] || fail "a tag the store has no time for was not pulled"
run down -f "$STACK"
age_tag "$TAG" 3700
run up -d --pull never -f "$STACK"
expect_rc 0 "up -d --pull never with a periodic policy due"
[ "$(manifest_gets)" -eq "$((before + 2))" ] || fail "--pull never did not override the periodic policy"
run down -f "$STACK"
pass "pull_policy every_1h / weekly: pulled once the tag is older than the window (or has no time), not before; --pull overrides"

# compose run pulls as up does: the service's periodic policy, or --pull
stack <<Y
name: uppull
services:
  app:
    image: $REGISTRY/pulltest:1
    pull_policy: every_1h
Y
age_tag "$TAG" 10
before=$(manifest_gets)
run compose -f "$STACK" run --rm --no-deps app true
expect_rc 0 "compose run with a fresh tag"
[ "$(manifest_gets)" -eq "$before" ] || fail "compose run pulled a fresh tag"
age_tag "$TAG" 3700
run compose -f "$STACK" run --rm --no-deps app true
expect_rc 0 "compose run with a tag due"
[ "$(manifest_gets)" -eq "$((before + 1))" ] || fail "compose run did not pull a tag due"
run compose -f "$STACK" run --rm --no-deps --pull always app true
expect_rc 0 "compose run --pull always"
[ "$(manifest_gets)" -eq "$((before + 2))" ] || fail "compose run --pull always did not pull"
pass "compose run pulls as up does: the periodic policy, and --pull"

# with build: too, lxr up's own process pulls (and would build what it
# could not pull): the same window
mkdir -p "$TEST_TMP/ctx" && printf 'FROM scratch\n' > "$TEST_TMP/ctx/Dockerfile"
stack <<Y
name: uppull
services:
  app:
    image: $REGISTRY/pulltest:1
    build: $TEST_TMP/ctx
    pull_policy: daily
Y
before=$(manifest_gets)
run up -d --quiet-pull -f "$STACK"
expect_rc 0 "up -d of image: and build: with daily and a fresh tag"
[ "$(manifest_gets)" -eq "$before" ] || fail "daily pulled a fresh tag of a service with build:"
printf '%s\n' "$ERR" | grep -q "Building" && fail "a fresh tag was built: $ERR"
run down -f "$STACK"
age_tag "$TAG" 90000
run up -d --quiet-pull -f "$STACK"
expect_rc 0 "up -d of image: and build: with daily and a tag 25 h old"
[ "$(manifest_gets)" -eq "$((before + 1))" ] || fail "daily did not pull a tag 25 h old of a service with build:"
run down -f "$STACK"
pass "image: and build: with pull_policy daily: pulled by the same window"

# a due pull that fails (the registry has no such tag: a box offline the
# day it is due) keeps the image the store has, with a warning; with
# build: too, the image is kept, not built again
LOCAL=$REGISTRY/pulltest:local
"$LXR" tag "$TAG" "$LOCAL" || fail "lxr tag"
age_tag "$LOCAL" 90000
stack <<Y
name: uppull
services:
  app:
    image: $LOCAL
    pull_policy: daily
  built:
    image: $LOCAL
    build: $TEST_TMP/ctx
    pull_policy: daily
Y
run up -d --quiet-pull -f "$STACK"
expect_rc 0 "up -d with a daily pull due that fails"
expect_grep "$ERR" "warning: pull $LOCAL: .*running the image the store has" "the failed refresh is a warning"
printf '%s\n' "$ERR" | grep -q "Building" && fail "a failed refresh built the image: $ERR"
run ps -f "$STACK"
expect_grep "$OUT" "^[a-z0-9_.-]*-app-1 .* Up " "app runs on the image the store has"
run down -f "$STACK"
"$LXR" rmi "$LOCAL" >/dev/null
pass "a daily pull that fails keeps the image the store has, with a warning, and builds nothing"

# lxr tag and rmi keep the times with the tags
"$LXR" tag "$TAG" other/name:2 || fail "lxr tag"
[ "$(tag_time docker.io/other/name:2)" -ge "$((now - 120))" ] || fail "lxr tag recorded no time: $(cat "$INDEX")"
"$LXR" rmi other/name:2 > /dev/null || fail "lxr rmi"
[ "$(tag_time docker.io/other/name:2)" = 0 ] || fail "lxr rmi left the tag's time: $(cat "$INDEX")"
pass "lxr tag records when the tag was set; rmi forgets it"
