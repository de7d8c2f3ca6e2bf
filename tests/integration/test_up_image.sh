#!/bin/bash
# A stack on an image from the store (made with lxr import): the image's
# Cmd, Env and WorkingDir apply unless the service overrides them; an image
# a running stack uses cannot be removed; a missing image fails up before
# anything starts.
. "$(dirname "$0")/lib.sh"

run import -c 'CMD ["/bin/sh", "-c", "echo from-image-cmd; exec sleep 1000"]' -c 'ENV GREETING=hello' \
	-c 'WORKDIR /srv' "$ROOTFS" lxrtest/busybox:up
expect_rc 0 "import"
stack <<'Y'
name: imagestack
services:
  plain:
    image: lxrtest/busybox:up
  custom:
    image: lxrtest/busybox:up
    command: ["/bin/sh", "-c", "echo from-service-command; exec sleep 1000"]
    environment: {GREETING: overridden}
    working_dir: /tmp
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with an image"
wait_event '"instance":"custom-1","state":"running"'
run exec -f "$STACK" plain /bin/sh -c 'echo "$GREETING $(pwd)"'
expect_out "hello /srv" "the image's Env and WorkingDir"
run exec -f "$STACK" custom /bin/sh -c 'echo "$GREETING $(pwd)"'
expect_out "overridden /tmp" "the service overrides Env and WorkingDir"
run logs --file "$STACK"
expect_grep "$OUT" "plain-1 +\| from-image-cmd" "the image's Cmd runs"
expect_grep "$OUT" "custom-1 +\| from-service-command" "command replaces the image's Cmd"
pass "a stack runs an image from the store with its config, overridable per service"

run rmi lxrtest/busybox:up
[ "$RC" -ne 0 ] || fail "rmi removed an image a running stack uses"
pass "an image in use by a running stack cannot be removed ($ERR)"

run down -f "$STACK"
expect_rc 0 down
run rmi lxrtest/busybox:up
expect_rc 0 "rmi after down"

# pull_policy: never — a missing image is an error, and no registry is asked
# (a test never reaches a public registry)
sed -i 's|image: lxrtest/busybox:up|image: lxrtest/no-such-image:1\n    pull_policy: never|' "$STACK"
sed -i 's|^name: imagestack|name: imagestack2|' "$STACK"
PROJECT=imagestack2
run up -d -f "$STACK"
[ "$RC" -ne 0 ] || fail "up with a missing image succeeded"
expect_grep "$ERR" 'no-such-image' "the missing image is named"
echo "$ERR" | grep -qi "pulling" && fail "pull_policy: never pulled: $ERR"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || [ -z "$(ls "$LXR_RUN_DIR/$PROJECT" 2>/dev/null | grep -v lock)" ] || fail "a failed up left containers"
pass "with pull_policy: never a missing image fails up before anything starts, and nothing is pulled"
