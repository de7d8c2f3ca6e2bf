#!/bin/bash
# lxr attach, as docker compose attach and docker attach: a running
# container's output from now on, what is typed to its input (stdin_open:
# its stdin; tty: its terminal, raw and sized as this one), ended with a
# terminal by the detach keys (the container runs on), by its exit (with
# its exit code), or by a signal --sig-proxy does not send on (130); a
# container that reads nothing never holds it; --no-stdin sends nothing;
# a stopped container, an unknown service and bad keys are errors. Also by
# docker's names: the compose name from another directory, an `lxr run -d
# -i` container.
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
  deaf:
    image: @ROOTFS@
    network_mode: none
    stdin_open: true
    tty: true
    command: ["sleep", "1000"]
  deafpipe:
    image: @ROOTFS@
    network_mode: none
    stdin_open: true
    command: ["sleep", "1000"]
  ticker:
    image: @ROOTFS@
    network_mode: none
    command: ["sh", "-c", "trap 'echo got-usr1' USR1; trap 'echo got-int; exit 5' INT; while true; do echo tick; sleep 0.2; done"]
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"

# input through a pipe; without a terminal the detach keys are input too
# (docker's), and a signal with --sig-proxy=false ends the attach: the
# container runs on
mkfifo "$TEST_TMP/in"
(printf 'one\n'; sleep 0.3; printf 'two\n\020\021\n'; exec sleep 30) >"$TEST_TMP/in" &
at_exit kill $!
"$LXR" attach -f "$STACK" --sig-proxy=false cat <"$TEST_TMP/in" >"$TEST_TMP/cat.out" 2>"$TEST_TMP/err" &
att=$!
for _ in $(seq 200); do [ "$(grep -c got: "$TEST_TMP/cat.out")" -ge 3 ] && break; sleep 0.05; done
kill -INT "$att"
set +e
wait "$att"
rc=$?
set -e
[ "$rc" = 130 ] || fail "attach ended with $rc, not 130 after SIGINT ($(cat "$TEST_TMP/err"))"
[ "$(cat "$TEST_TMP/cat.out")" = "$(printf 'got:one\ngot:two\ngot:\020\021')" ] ||
	fail "attach cat printed [$(cat -v "$TEST_TMP/cat.out")]"
run ps -f "$STACK" --format '{{.Service}} {{.State}}' cat
expect_out "cat running" "cat runs on after the attach ended"
pass "attach: piped lines reach a stdin_open container and its output shows; a signal ends it (--sig-proxy=false)"

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

# a container that reads nothing: the attach never waits on it (the
# detach keys still end a terminal's; a signal a pipe's)
head -c 300000 /dev/zero | tr '\0' a >"$TEST_TMP/big"
(cat "$TEST_TMP/big"; sleep 0.5; printf '\020\021'; sleep 2) |
	timeout 15 script -qfec "$LXR attach -f $STACK deaf; echo attach-rc=\$?" /dev/null >"$TEST_TMP/deaf.out" 2>&1 ||
	fail "attach to a terminal that reads nothing did not detach: $(tail -c 300 "$TEST_TMP/deaf.out" | cat -v)"
grep -q "attach-rc=0" "$TEST_TMP/deaf.out" || fail "no detach: $(tail -c 300 "$TEST_TMP/deaf.out" | cat -v)"
mkfifo "$TEST_TMP/in2"
(cat "$TEST_TMP/big"; exec sleep 30) >"$TEST_TMP/in2" &
at_exit kill $!
"$LXR" attach -f "$STACK" --sig-proxy=false deafpipe <"$TEST_TMP/in2" 2>"$TEST_TMP/err" &
att=$!
sleep 1
kill -INT "$att"
for _ in $(seq 100); do kill -0 "$att" 2>/dev/null || break; sleep 0.05; done
! kill -0 "$att" 2>/dev/null || fail "attach blocked on input a container does not read"
wait "$att" || true
pass "attach never waits on a container that does not read its input"

# attaches that come and go to a quiet container leave the supervisor no
# descriptor of theirs (each gone one is swept when the next comes; ss
# shows the socket by the name it was bound to, control.sock.PID.new)
sup=$(ss -xlpn | awk -v s="$LXR_RUN_DIR/$P/control.sock" 'index($5, s) == 1' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
[ -n "$sup" ] || fail "no supervisor listens on $LXR_RUN_DIR/$P/control.sock"
fds() { ls "/proc/$sup/fd" | wc -l; }
before=$(fds)
for _ in 1 2 3 4 5 6; do
	"$LXR" attach -f "$STACK" --no-stdin --sig-proxy=false deafpipe </dev/null >/dev/null 2>&1 &
	a=$!
	for _ in $(seq 100); do [ "$(fds)" -gt "$before" ] && break; sleep 0.02; done
	kill -INT "$a"
	wait "$a" || true
done
[ "$(fds)" -le $((before + 2)) ] || fail "the supervisor holds $(fds) descriptors, $before before six attaches"
pass "attaches that came and went leave the supervisor none of their descriptors"

# our stdout a pipe that closes: the attach ends, as a writer to one does
timeout 10 sh -c "\"$LXR\" attach -f \"$STACK\" --no-stdin ticker </dev/null | head -n 1 >/dev/null"
rc=$?
[ "$rc" = 0 ] || fail "attach into a closed pipe did not end (rc $rc)"
pass "attach ends when its output has nowhere to go"

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
grep -q tick "$TEST_TMP/tick2.out" || fail "attach showed no output: $(cat "$TEST_TMP/tick2.out")"
kill -INT "$att"
set +e
wait "$att"
rc=$?
set -e
[ "$rc" = 130 ] || fail "attach --sig-proxy=false ended with $rc at SIGINT, not 130"
run ps -f "$STACK" --format '{{.Service}} {{.State}}' ticker
expect_out "ticker running" "--sig-proxy=false: SIGINT ends the attach, not the container"
pass "attach --sig-proxy=false: a signal ends the attach only"

# docker's names: compose's from anywhere, an `lxr run -d -i` container
run start -f "$STACK" cat
expect_rc 0 "start cat again"
set +e
out=$( (printf 'named\nquit\n'; sleep 2) | (cd / && timeout 20 "$LXR" attach "$P-cat-1") 2>"$TEST_TMP/err")
rc=$?
set -e
[ "$rc" = 7 ] && [ "$out" = "$(printf 'got:named\ngot:quit')" ] ||
	fail "attach $P-cat-1: exit $rc, [$out] ($(cat "$TEST_TMP/err"))"
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
expect_grep "$ERR" 'no container of "nosuch"' "attach to an unknown service says so"
run attach -f "$STACK" --detach-keys ctrl-p,nope cat
expect_rc 2 "bad --detach-keys"
expect_grep "$ERR" "detach-keys" "the error names --detach-keys"
run down -t 0 -f "$STACK"
expect_rc 0 down
pass "attach: a stopped container, an unknown service and bad keys are errors"
