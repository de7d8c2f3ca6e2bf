#!/bin/bash
# up --pull never|missing|always and --quiet-pull against a local registry
# (Debian's docker-registry on 127.0.0.1): --pull overrides each service's
# pull_policy, --quiet-pull pulls without progress.
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
