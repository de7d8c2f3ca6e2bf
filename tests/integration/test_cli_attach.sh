#!/bin/bash
# lxr attach, as docker compose attach and docker attach: a running
# container's output from now on, what is typed to its input (stdin_open:
# its stdin; tty: its terminal, raw and sized as this one), ended by the
# detach keys (the container runs on) or by its exit (with its exit code);
# --no-stdin sends nothing; a signal goes to the container (--sig-proxy),
# or with --sig-proxy=false ends the attach; a stopped container, an
# unknown service and bad keys are errors. Also by docker's names: the
# compose name from another directory, an `lxr run -d -i` container.
. "$(dirname "$0")/lib.sh"

P=att$$
stack <<Y
name: $P
services:
  cat:
    image: @ROOTFS@
    network_mode: none
    stdin_open: true
    command: ["sh", "-c", "echo ready; while read l; do echo got:\$\$l; [ \"\$\$l\" = quit ] && exit 7; done; echo eof"]
  term:
    image: @ROOTFS@
    network_mode: none
    stdin_open: true
    tty: true
    command: ["/bin/sh"]
  ticker:
    image: @ROOTFS@
    network_mode: none
    command: ["sh", "-c", "trap 'echo got-usr1' USR1; trap 'echo got-int; exit 5' INT; while true; do echo tick; sleep 0.2; done"]
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"

# input through a pipe, then the detach keys: the container runs on
out=$( (printf 'one\n'; sleep 0.3; printf 'two\n'; sleep 0.5; printf '\020\021'; sleep 1) |
	timeout 20 "$LXR" attach -f "$STACK" cat 2>"$TEST_TMP/err") || fail "attach cat: exit $? ($(cat "$TEST_TMP/err"))"
[ "$out" = "$(printf 'got:one\ngot:two')" ] || fail "attach cat printed [$out]"
run ps -f "$STACK" --format '{{.Service}} {{.State}}' cat
expect_out "cat running" "cat runs on after the detach keys"
pass "attach: typed lines reach a stdin_open container, its output shows, ctrl-p ctrl-q detaches"

# its exit ends the attach, with its exit code; what it wrote last is shown
set +e
out=$( (printf 'quit\n'; sleep 2) | timeout 20 "$LXR" attach -f "$STACK" cat 2>"$TEST_TMP/err")
rc=$?
set -e
[ "$rc" = 7 ] || fail "attach ended with $rc, not the container's 7 ($(cat "$TEST_TMP/err"))"
[ "$out" = "got:quit" ] || fail "attach printed [$out]"
pass "attach ends when the container exits, with its exit code"

# a terminal: raw (Ctrl-C is a key), this terminal's size, custom keys
script_out="$TEST_TMP/term.out"
(sleep 0.5; printf 'stty size; echo sum-$((40+2))\r'; sleep 0.7; printf 'x'; sleep 0.1; printf 'q'; sleep 1) |
	timeout 20 script -qfec "stty rows 33 cols 91; $LXR attach -f $STACK --detach-keys x,q term; echo attach-rc=\$?" /dev/null >"$script_out" 2>&1 ||
	fail "script: $(cat -v "$script_out")"
grep -q "^33 91" "$script_out" || fail "the terminal's size is not this one's: $(cat -v "$script_out")"
grep -q "^sum-42" "$script_out" || fail "the command typed did not run: $(cat -v "$script_out")"
grep -q "attach-rc=0" "$script_out" || fail "the detach keys x,q did not end it: $(cat -v "$script_out")"
run ps -f "$STACK" --format '{{.Service}} {{.State}}' term
expect_out "term running" "term runs on after the detach"
pass "attach to a tty: raw, sized as this terminal, --detach-keys"

# output only; a signal goes to the container (sig-proxy), or ends the
# attach with --sig-proxy=false
"$LXR" attach -f "$STACK" --no-stdin ticker >"$TEST_TMP/tick.out" 2>&1 </dev/null &
att=$!
at_exit kill "$att"
for _ in $(seq 100); do grep -q tick "$TEST_TMP/tick.out" && break; sleep 0.05; done
kill -USR1 "$att"
for _ in $(seq 100); do grep -q got-usr1 "$TEST_TMP/tick.out" && break; sleep 0.05; done
grep -q got-usr1 "$TEST_TMP/tick.out" || fail "SIGUSR1 did not reach the container: $(cat "$TEST_TMP/tick.out")"
kill -0 "$att" || fail "attach ended at SIGUSR1"
kill -INT "$att"
set +e
wait "$att"
rc=$?
set -e
grep -q got-int "$TEST_TMP/tick.out" || fail "SIGINT did not reach the container: $(cat "$TEST_TMP/tick.out")"
[ "$rc" = 5 ] || fail "attach ended with $rc, not the container's 5"
run ps -a -f "$STACK" --format '{{.Service}} {{.State}}' ticker
expect_grep "$OUT" "^ticker exited" "SIGINT went to the container, which exited"
pass "attach --sig-proxy (the default) sends signals to the container"

run start -f "$STACK" ticker
expect_rc 0 "start ticker"
"$LXR" attach -f "$STACK" --sig-proxy=false ticker >"$TEST_TMP/tick2.out" 2>&1 </dev/null &
att=$!
for _ in $(seq 100); do grep -q tick "$TEST_TMP/tick2.out" && break; sleep 0.05; done
kill -INT "$att"
wait "$att" || true
run ps -f "$STACK" --format '{{.Service}} {{.State}}' ticker
expect_out "ticker running" "--sig-proxy=false: SIGINT ends the attach, not the container"
pass "attach --sig-proxy=false: a signal ends the attach only"

# docker's names: compose's from anywhere, an `lxr run -d -i` container
run start -f "$STACK" cat
expect_rc 0 "start cat again"
out=$( (printf 'named\n'; sleep 0.5; printf '\020\021'; sleep 1) |
	(cd / && timeout 20 "$LXR" attach "$P-cat-1") 2>"$TEST_TMP/err") || fail "attach $P-cat-1: $(cat "$TEST_TMP/err")"
[ "$out" = "got:named" ] || fail "attach $P-cat-1 printed [$out]"
rn=$(cname att)
run run -d -i --name "$rn" --network none "$ROOTFS" sh -c 'read l; echo run:$l; exit 3'
expect_rc 0 "run -d -i"
set +e
out=$( (printf 'hey\n'; sleep 2) | (cd / && timeout 20 "$LXR" attach "$rn") 2>"$TEST_TMP/err")
rc=$?
set -e
[ "$rc" = 3 ] && [ "$out" = "run:hey" ] || fail "attach $rn: exit $rc, [$out] ($(cat "$TEST_TMP/err"))"
pass "attach by docker's names: <project>-<service>-<n> and an lxr run -d container"

# what cannot be attached to
run kill -f "$STACK" ticker
run attach -f "$STACK" ticker
[ "$RC" -ne 0 ] || fail "attach to a stopped container succeeded"
expect_grep "$ERR" "not running" "attach to a stopped container says so"
run attach -f "$STACK" nosuch
[ "$RC" -ne 0 ] || fail "attach to an unknown service succeeded"
run attach -f "$STACK" --detach-keys ctrl-p,nope cat
expect_rc 2 "bad --detach-keys"
expect_grep "$ERR" "detach-keys" "the error names --detach-keys"
run down -t 0 -f "$STACK"
expect_rc 0 down
pass "attach: a stopped container, an unknown service and bad keys are errors"
