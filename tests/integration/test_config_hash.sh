#!/bin/bash
# `lxr config --hash`: each service's hash of what it runs, which changes
# exactly when `up` recreates it (not when only its number of replicas, or
# the file's wording, changes); --resolve-image-digests and
# --lock-image-digests pin the images to the digests of the ones here.
. "$(dirname "$0")/lib.sh"

run import -c 'CMD ["sleep", "1000"]' "$ROOTFS" lxrtest/cfghash:1
expect_rc 0 "import an image"
PROJECT=cfghash$$
write_stack() { # a's command, a's replicas
	stack <<Y
name: $PROJECT
services:
  a:
    image: lxrtest/cfghash:1
    command: ["sleep", "$1"]
    deploy: {replicas: $2}
  b:
    image: @ROOTFS@
    command: ["sleep", "1000"]
  later:
    image: nothere/at-all:1
    profiles: [later]
Y
}
hash_of() { "$LXR" config -f "$STACK" --hash "$1" | sed -n "s/^$1 //p"; }

write_stack 1000 1
# "SERVICE HASH" lines, in name order
lines() { printf '%s\n' "$OUT" | sed -E 's/ [0-9a-f]{64}$/ HASH/' | tr '\n' ' '; }
run config -f "$STACK" --hash '*'
expect_rc 0 "--hash '*'"
[ "$(lines)" = "a HASH b HASH " ] || fail "--hash '*': the services the profiles enable: [$OUT]"
run config -f "$STACK" --hash b,a
[ "$(lines)" = "a HASH b HASH " ] || fail "--hash b,a: [$OUT]"
run config -f "$STACK" --hash later
expect_rc 1 "--hash of a service whose image is not here"
expect_grep "$ERR" 'service "later": image "nothere/at-all:1" is not here yet' "the image not here is said"
expect_grep "$ERR" 'hint: pull it first: lxr pull later' "with what to do"
run config -f "$STACK" --hash nope
expect_rc 2 "--hash of no such service"
echo precious > "$TEST_TMP/keep.yaml"
run config -f "$STACK" --hash nope -o "$TEST_TMP/keep.yaml"
expect_rc 2 "--hash of no such service into a file"
[ "$(cat "$TEST_TMP/keep.yaml")" = precious ] || fail "a failed config -o changed the file: $(cat "$TEST_TMP/keep.yaml")"
run config -f "$STACK" --hash later -o "$TEST_TMP/keep.yaml"
expect_rc 1 "--hash that fails for one service into a file"
[ "$(cat "$TEST_TMP/keep.yaml")" = precious ] || fail "a failed config -o changed the file: $(cat "$TEST_TMP/keep.yaml")"
pass "--hash prints SERVICE HASH, says what it cannot hash"

# a disk that fills while config -o writes leaves the file as it was
mkdir -p "$TEST_TMP/small"
mount -t tmpfs -o size=8k tmpfs "$TEST_TMP/small" || skip "cannot mount a tmpfs"
at_exit umount "$TEST_TMP/small"
echo precious > "$TEST_TMP/small/out.yaml"
{
	echo "services:"
	for i in $(seq 60); do printf '  s%d:\n    image: busybox:%d\n    environment: {LONG_VARIABLE_NAME_%d: a-value-long-enough-to-fill-the-disk}\n' "$i" "$i" "$i"; done
} >"$TEST_TMP/big.yaml"
run config -f "$TEST_TMP/big.yaml" -o "$TEST_TMP/small/out.yaml"
expect_rc 1 "config -o on a full disk"
[ "$(cat "$TEST_TMP/small/out.yaml")" = precious ] || fail "a config -o cut short changed the file: $(head -c 200 "$TEST_TMP/small/out.yaml")"
expect_grep "$ERR" "config -o .*out.yaml.*No space left" "says the disk is full"
[ "$(ls -A "$TEST_TMP/small")" = out.yaml ] || fail "a config -o cut short left: $(ls -A "$TEST_TMP/small")"
umount "$TEST_TMP/small"
# what is not a regular file is written through, as before
run config -f "$TEST_TMP/big.yaml" -o /dev/null
expect_rc 0 "config -o /dev/null"
[ -c /dev/null ] || fail "config -o /dev/null replaced the device"
ln -s keep.yaml "$TEST_TMP/link.yaml"
run config -f "$TEST_TMP/big.yaml" -o "$TEST_TMP/link.yaml"
[ -L "$TEST_TMP/link.yaml" ] || fail "config -o replaced a link instead of writing through it"
grep -q "LONG_VARIABLE_NAME_60" "$TEST_TMP/keep.yaml" || fail "config -o through a link did not write its file"
pass "config -o writes a file whole or not at all, and through a device or a link"

run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"a-1","state":"running"'
ha=$(hash_of a) hb=$(hash_of b)

# more replicas: a-1 and b-1 stay, and so do their hashes
write_stack 1000 2
[ "$(hash_of a)" = "$ha" ] || fail "replicas changed a's hash"
run up -d -f "$STACK"
expect_rc 0 "up -d with 2 replicas"
expect_grep "$ERR" "unchanged +a-1" "a-1 is kept"
expect_grep "$ERR" "add +a-2" "a-2 is added"
# another command: a is recreated, and its hash changes; b's does not
write_stack 2000 2
[ "$(hash_of a)" != "$ha" ] || fail "a's hash did not change with its command"
[ "$(hash_of b)" = "$hb" ] || fail "b's hash changed with a's command"
run up -d -f "$STACK"
expect_rc 0 "up -d with a's command changed"
expect_grep "$ERR" "recreate +a-1" "a-1 is recreated"
expect_grep "$ERR" "unchanged +b-1" "b-1 is kept"
pass "the hash changes exactly when up recreates the service"

# digests: the manifest of the image here, pinned to the reference
run config -f "$STACK" --resolve-image-digests
expect_rc 0 "--resolve-image-digests"
expect_grep "$OUT" '^    image: lxrtest/cfghash:1@sha256:[0-9a-f]{64}$' "a's image pinned"
expect_grep "$OUT" "^    image: $ROOTFS\$" "a directory is no image to pin"
run config -f "$STACK" --lock-image-digests
expect_rc 0 "--lock-image-digests"
[ "$(printf '%s\n' "$OUT" | sed -E 's/sha256:[0-9a-f]{64}/DIGEST/' | tr '\n' '|')" = \
	'services:|  a:|    image: "lxrtest/cfghash:1@DIGEST"|' ] || fail "--lock-image-digests: the images alone: [$OUT]"
printf '%s\n' "$OUT" > "$TEST_TMP/stack/lock.yaml"
# the pinned image is the one that runs: the same hash
[ "$("$LXR" -f "$STACK" -f "$TEST_TMP/stack/lock.yaml" config --hash a | cut -d' ' -f2)" = "$(hash_of a)" ] ||
	fail "the locked image hashes otherwise"
run config -f "$STACK" --resolve-image-digests --profile later
expect_rc 1 "--resolve-image-digests of an image not here"
expect_grep "$ERR" 'service "later": image "nothere/at-all:1" is not here, so lxr has no digest' "said"
pass "--resolve-image-digests and --lock-image-digests pin the images here"
