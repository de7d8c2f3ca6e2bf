#!/bin/bash
# x-lxr on_give_up: once a service's restart limit is used up, stop-stack
# stops the whole stack; reboot and poweroff ask the box's init, and where
# PID 1 is neither lxr nor systemd stop the stack instead. The reason is
# recorded in the data directory, and `lxr ps` on a later boot says why the
# box went down.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: giveupa
services:
  bad:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "exit 3"]
    restart: on-failure:2
    x-lxr:
      on_give_up: stop-stack
      backoff: {initial: 0, max: 1ms}
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
Y

run config -f "$STACK"
expect_rc 0 "config"
expect_grep "$OUT" "on_give_up: stop-stack" "config prints on_give_up"

# stopped: the project's supervisor ends with it
gone() {
	for _ in $(seq 400); do
		[ -e "$LXR_RUN_DIR/$1/control.sock" ] || return 0
		sleep 0.05
	done
	fail "$1 still up after its service gave up: $("$LXR" ps -p "$1" 2>&1)"
}

run up -d -f "$STACK"
expect_rc 0 "up -d"
gone giveupa
rec=$(cat "$LXR_DATA_DIR/give-up") || fail "no give-up record in $LXR_DATA_DIR"
for want in "project giveupa" "service bad" "instance bad-1" "restarts 2" "exit 3" "action stop-stack" \
	"boot $(cat /proc/sys/kernel/random/boot_id)"; do
	expect_grep "$rec" "^$want$" "the give-up record"
done
pass "on_give_up stop-stack: after on-failure:2, the stack stopped and the reason is recorded"

# reboot where PID 1 is neither lxr nor systemd: never ask a real init here
if [ "$(cat /proc/1/comm)" != lxr-pid1 ] && [ ! -e /run/systemd/system ]; then
	sed -i 's/on_give_up: stop-stack/on_give_up: reboot/; s/^name: giveupa/name: giveupb/' "$STACK"
	PROJECT=giveupb
	at_exit "$LXR" down -p giveupb
	run up -d -f "$STACK"
	expect_rc 0 "up -d with on_give_up: reboot"
	gone giveupb
	expect_grep "$(cat "$LXR_DATA_DIR/give-up")" "^action reboot$" "the reboot record"
	pass "on_give_up reboot: with no lxr or systemd as PID 1, the stack stops instead"
fi

# the boot after: the record is of an earlier boot
sed -i 's/^boot .*/boot 00000000-0000-0000-0000-000000000000/; s/^action .*/action reboot/' \
	"$LXR_DATA_DIR/give-up"
run ps -p giveupa
expect_grep "$ERR" "before this boot, bad-1 of project giveup[ab] gave up after 2 restart\(s\) \(exit 3\) on [0-9-]+ [0-9:]+ UTC, and its x-lxr on_give_up: reboot took the box down" \
	"ps after the reboot says why"
sed -i 's/^action .*/action stop-stack/' "$LXR_DATA_DIR/give-up"
run ps -p giveupa
printf '%s\n' "$ERR" | grep -q "before this boot" && fail "ps blamed a stop-stack for a reboot: $ERR"
pass "lxr ps on a later boot says which service took the box down, and when"

mkdir -p "$TEST_TMP/bad"
cat > "$TEST_TMP/bad/compose.yaml" <<'Y'
services:
  x:
    image: busybox
    x-lxr: {on_give_up: restart}
Y
run config -f "$TEST_TMP/bad/compose.yaml"
expect_rc 2 "an unknown on_give_up action"
expect_grep "$ERR" "x-lxr on_give_up: \"restart\" is not an action" "an unknown action is named"
pass "an unknown on_give_up action is refused"
