#!/bin/bash
# volumes_from: b takes a's volumes and bind mounts at their targets; a's
# anonymous volume and its named one are the same directories for both
# (what one writes the other reads), a starts first, and "a:ro" mounts them
# all read-only while the service's own volume at one of the targets wins.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: volfrom
services:
  a:
    image: @ROOTFS@
    command: ["/bin/sleep", "1000"]
    volumes: ["/anon", "named:/named", "@SHARED@:/bound"]
    tmpfs: [/scratch]
  b:
    image: @ROOTFS@
    command: ["/bin/sleep", "1000"]
    volumes_from: [a]
  c:
    image: @ROOTFS@
    command: ["/bin/sleep", "1000"]
    volumes_from: ["a:ro"]
    volumes: ["own:/named"]
volumes:
  named:
  own:
Y
vols="$LXR_DATA_DIR/volumes/volfrom"

run up -d -f "$STACK"
expect_rc 0 "up -d"
a_started=$(event_at '"instance":"a-1","state":"starting"')
b_started=$(event_at '"instance":"b-1","state":"starting"')
c_started=$(event_at '"instance":"c-1","state":"starting"')
[ -n "$a_started" ] && [ -n "$b_started" ] && [ -n "$c_started" ] &&
	[ "$a_started" -lt "$b_started" ] && [ "$a_started" -lt "$c_started" ] ||
	fail "a did not start before b and c: $(events | grep -E 'a-1|b-1|c-1')"
pass "a service named in volumes_from starts first"

run exec -f "$STACK" a sh -c 'echo anon > /anon/f; echo named > /named/f'
expect_rc 0 "a writes to its volumes"
run exec -f "$STACK" b cat /anon/f /named/f
expect_rc 0 "b reads a's volumes"
expect_out "$(printf 'anon\nnamed')" "b sees what a wrote in its anonymous and named volume"
echo host > "$SHARED/f"
run exec -f "$STACK" b sh -c 'cat /bound/f; echo from-b > /anon/g; echo from-b > /named/g'
expect_rc 0 "b reads a's bind mount and writes to the volumes"
expect_out host "b sees a's bind mount"
run exec -f "$STACK" a cat /anon/g /named/g
expect_out "$(printf 'from-b\nfrom-b')" "a sees what b wrote: the same volumes, not copies"
[ "$(ls "$vols/+anon")" = a-1 ] || fail "an anonymous volume other than a's: $(ls "$vols/+anon")"
run exec -f "$STACK" b sh -c 'grep -c " /scratch " /proc/self/mountinfo'
expect_out 0 "a's tmpfs stays behind"
pass "volumes_from shares a's anonymous and named volumes and its bind mount, not its tmpfs"

for f in /anon/x /bound/x; do
	run exec -f "$STACK" c sh -c "echo x > $f"
	[ "$RC" -ne 0 ] || fail "c wrote $f through a:ro"
	expect_grep "$ERR" "Read-only file system" "writing $f through a:ro"
done
run exec -f "$STACK" c cat /anon/f
expect_out anon "c reads a's anonymous volume read-only"
run exec -f "$STACK" c sh -c 'echo mine > /named/m && ls /named'
expect_rc 0 "c writes its own volume"
expect_out m "c's own /named wins over a's"
[ "$(cat "$vols/own/m")" = mine ] && [ ! -e "$vols/named/m" ] ||
	fail "c's /named is not its own volume: $(ls "$vols/own" "$vols/named")"
pass "volumes_from a:ro mounts them read-only (EROFS); the service's own volume wins"

run down -v -f "$STACK"
expect_rc 0 "down -v"
[ ! -e "$vols" ] || fail "down -v left $vols: $(ls -A "$vols")"
pass "down -v removes the shared volumes"
