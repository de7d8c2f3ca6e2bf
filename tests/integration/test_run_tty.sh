#!/bin/bash
# -t: a real PTY from the container's own devpts, the window size of lxr's
# terminal, raw mode only while attached; -i: stdin kept open.
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || skip "script(1) from bsdutils is needed to give lxr a terminal"

# script(1) gives lxr a terminal of its own, as a user's shell would.
out=$(script -qec "stty cols 123 rows 45; $LXR run --rm -t --name $(cname tty) $ROOTFS /bin/sh -c 'tty; stty size; echo TERM=\$TERM'" /dev/null </dev/null | tr -d '\r')
echo "$out" | grep -qx /dev/pts/0 || fail "-t must give /dev/pts/0 from the container's devpts: $out"
echo "$out" | grep -qx "45 123" || fail "window size not forwarded: $out"
echo "$out" | grep -qx TERM=xterm || fail "TERM not set: $out"
pass "-t gives a PTY from the container's devpts with the terminal's size"

run run --rm --name "$(cname notty)" "$ROOTFS" /bin/sh -c 'tty; true'
expect_grep "$OUT" "not a tty" "without -t stdin is not a terminal"
pass "without -t there is no terminal"

OUT=$(printf 'echo from-stdin\nexit 5\n' | "$LXR" run --rm -i --name "$(cname stdin)" "$ROOTFS" /bin/sh) && RC=0 || RC=$?
expect_rc 5 "-i script"
expect_out from-stdin "-i passes stdin"
OUT=$(echo ignored | "$LXR" run --rm --name "$(cname nostdin)" "$ROOTFS" cat)
expect_out "" "without -i stdin is empty"
pass "-i keeps stdin open; without it the container reads nothing"

# -it with stdin from a pipe or a file: docker's CLI refuses it at once,
# exit 1, before anything is made (it waited forever); -t alone runs
n=$(cname itpipe)
OUT=$(echo hi | timeout -k 5 20 "$LXR" run --rm -it --name "$n" "$ROOTFS" cat 2>"$TEST_TMP/stderr") && RC=0 || RC=$?
ERR=$(cat "$TEST_TMP/stderr")
expect_rc 1 "-it with stdin from a pipe"
expect_grep "$ERR" "^lxr: error: the input device is not a TTY$" "-it from a pipe: docker's error"
expect_grep "$ERR" "^lxr: hint: drop -t " "-it from a pipe: the hint"
run run --rm -it --name "$n" "$ROOTFS" cat </dev/null
expect_rc 1 "-it with stdin from /dev/null"
expect_grep "$ERR" "the input device is not a TTY" "-it from /dev/null"
[ ! -e "$LXR_RUN_DIR/_run/$n" ] || fail "a refused -it made its container"
OUT=$(echo hi | timeout -k 5 20 "$LXR" run --rm -t --name "$n" "$ROOTFS" echo ran | tr -d '\r')
expect_out ran "-t alone with stdin from a pipe runs"
pass "-it without a terminal is refused at once, as docker refuses it; -t alone runs"

# Interactive: keys typed into lxr's terminal reach the container's shell.
out=$(printf 'echo typed-$((6*7))\nexit\n' | script -qec "$LXR run --rm -it --name $(cname it) $ROOTFS /bin/sh" /dev/null | tr -d '\r')
echo "$out" | grep -qx "typed-42" || fail "-it: typed command did not run: $out"
stty -a </dev/tty >/dev/null 2>&1 || true
pass "-it: what is typed runs in the container"
