#!/bin/bash
# Log rotation by size: logging.options in the stack file and [logs] in
# lxr.conf; `lxr logs` reads across the rotated files and `logs -f` follows
# a service through its rotations without losing a line.
. "$(dirname "$0")/lib.sh"

# every service: 3 KiB per file, 2 files, unless its logging.options say
printf '[logs]\nmax_size = 3k\nmax_file = 2\n' > "$LXR_CONFIG"

stack <<'Y'
name: logrot
services:
  chatty:
    image: @ROOTFS@
    # bursts of 25 lines (~1.4 KiB), so a rotation comes every few bursts
    command: ["/bin/sh", "-c", "sleep 1; i=0; while [ $$i -lt 300 ]; do echo chatty-line-$$i; i=$$((i+1)); [ $$((i % 25)) -eq 0 ] && sleep 0.1; done; exec sleep 1000"]
    logging:
      driver: json-file
      options: {max-size: 4k, max-file: "3"}
  quiet:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "i=0; while [ $$i -lt 300 ]; do echo quiet-line-$$i; i=$$((i+1)); done; exec sleep 1000"]
Y

run up -d -f "$STACK"
expect_rc 0 "up -d"
"$LXR" logs --file "$STACK" -f chatty > "$TEST_TMP/follow.out" 2>&1 &
follow=$!
at_exit kill "$follow"
for _ in $(seq 300); do
	grep -q "chatty-line-299" "$TEST_TMP/follow.out" && break
	sleep 0.05
done
kill "$follow" 2>/dev/null || true
got=$(grep -c "chatty-line-" "$TEST_TMP/follow.out" || true)
[ "$got" -eq 300 ] || fail "logs -f saw $got of 300 lines across rotation"
seq 0 299 | sed 's/^/chatty-line-/' > "$TEST_TMP/want"
grep -o "chatty-line-[0-9]*" "$TEST_TMP/follow.out" | diff -q - "$TEST_TMP/want" >/dev/null ||
	fail "logs -f lines out of order or repeated"
pass "logs -f follows a service through its log rotations, every line once and in order"

logs="$LXR_LOG_DIR/logrot"
for _ in $(seq 100); do grep -q quiet-line-299 "$logs/quiet.log" 2>/dev/null && break; sleep 0.05; done
[ -f "$logs/chatty.log.1" ] || fail "chatty's log did not rotate: $(ls -l "$logs")"
[ ! -e "$logs/chatty.log.3" ] || fail "chatty kept more than max-file 3: $(ls "$logs")"
for f in "$logs"/chatty.log*; do
	[ "$(stat -c %s "$f")" -le 4096 ] || fail "$f is over max-size 4k: $(stat -c %s "$f")"
done
[ -f "$logs/quiet.log.1" ] || fail "quiet's log did not rotate at lxr.conf's 3k: $(ls -l "$logs")"
[ ! -e "$logs/quiet.log.2" ] || fail "quiet kept more than lxr.conf's max_file 2: $(ls "$logs")"
for f in "$logs"/quiet.log*; do
	[ "$(stat -c %s "$f")" -le 3072 ] || fail "$f is over lxr.conf's max_size 3k: $(stat -c %s "$f")"
done
pass "rotation follows logging.options (4k x 3) and lxr.conf [logs] (3k x 2)"

run logs --file "$STACK" --tail 2 quiet
expect_rc 0 "logs --tail"
expect_out "quiet-1  | quiet-line-298
quiet-1  | quiet-line-299" "logs --tail reads the newest lines"
run logs --file "$STACK" --tail 1 --no-log-prefix quiet
expect_out "quiet-line-299" "logs --no-log-prefix: the line alone"
run logs --file "$STACK" chatty
n=$(printf '%s\n' "$OUT" | grep -c "chatty-line-" || true)
[ "$n" -gt 100 ] && printf '%s\n' "$OUT" | tail -n1 | grep -q "chatty-line-299" ||
	fail "logs did not read across the rotated files ($n lines)"
pass "lxr logs reads across the rotated files ($n of 300 lines kept)"
# logs -f ends when the stack goes down, as compose's does
"$LXR" logs --file "$STACK" -f quiet > "$TEST_TMP/follow2.out" 2>&1 &
follow2=$!
at_exit kill "$follow2"
for _ in $(seq 100); do grep -q quiet-line-299 "$TEST_TMP/follow2.out" && break; sleep 0.05; done
run down -f "$STACK"
expect_rc 0 down
for _ in $(seq 200); do kill -0 "$follow2" 2>/dev/null || break; sleep 0.05; done
! kill -0 "$follow2" 2>/dev/null || fail "logs -f still follows 10 s after down"
wait "$follow2" || fail "logs -f exited with an error after down"
pass "logs -f ends when the stack goes down"

# A foreground up whose output nobody reads stalls nothing: the control
# socket answers and the log file keeps growing; the terminal's view drops
# what it cannot take (the log has every line).
stack <<'Y'
name: unread
services:
  flood:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "i=0; while :; do echo flood-line-$$i-padding-padding-padding; i=$$((i+1)); done"]
Y
mkfifo "$TEST_TMP/unread.fifo"
exec 7<>"$TEST_TMP/unread.fifo" # held open, never read
"$LXR" up -f "$STACK" >"$TEST_TMP/unread.fifo" 2>/dev/null &
up=$!
at_exit kill "$up"
wait_event '"instance":"flood-1","state":"running"'
# the newest line number in the (rotating) log
newest() { cat "$LXR_LOG_DIR/unread/flood.log"* 2>/dev/null | grep -o 'flood-line-[0-9]*' | cut -d- -f3 | sort -n | tail -n1; }
sleep 0.5
n1=$(newest)
timeout 10 "$LXR" ps -f "$STACK" >/dev/null || fail "ps got no answer while up's stdout was not read"
sleep 0.5
n2=$(newest)
[ -n "$n1" ] && [ "$n2" -gt "$n1" ] || fail "the log stopped growing while up's stdout was not read ($n1 -> $n2)"
run down -f "$STACK"
expect_rc 0 "down"
wait "$up" 2>/dev/null || true
exec 7>&-
pass "a foreground up whose stdout is not read keeps supervising (ps answers, the log grows)"

# A service with replicas: a log each, so two replicas' unfinished lines
# never join; `web-2 |` as compose prefixes them (in the foreground up and
# in logs), --index and docker's container name pick one replica's.
stack <<'Y'
name: replog
services:
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "n=$$(hostname); for i in 1 2 3; do printf 'part%s-' $$i; sleep 0.1; echo \"$$n\"; done; exec sleep 1000"]
    deploy: {replicas: 3}
  solo:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo solo-line; exec sleep 1000"]
Y
"$LXR" up -f "$STACK" >"$TEST_TMP/rep.fg" 2>/dev/null &
up=$!
at_exit kill "$up"
for _ in $(seq 100); do [ "$(grep -c 'part3-' "$TEST_TMP/rep.fg")" -ge 3 ] && break; sleep 0.05; done
for n in 1 2 3; do
	for i in 1 2 3; do
		grep -qx "web-$n *| part$i-web-$n" "$TEST_TMP/rep.fg" ||
			fail "foreground: no line 'web-$n | part$i-web-$n': $(cat "$TEST_TMP/rep.fg")"
	done
done
grep -qx "solo-1 *| solo-line" "$TEST_TMP/rep.fg" || fail "foreground: solo's line: $(cat "$TEST_TMP/rep.fg")"
run -f "$STACK" logs --no-color
expect_rc 0 "logs"
[ "$(printf '%s\n' "$OUT" | grep -c .)" -eq 10 ] || fail "logs: not 10 lines: $OUT"
for n in 1 2 3; do
	[ "$(printf '%s\n' "$OUT" | grep -xc "web-$n *| part[123]-web-$n")" -eq 3 ] ||
		fail "logs: replica $n's lines are not its own: $OUT"
done
run -f "$STACK" logs --index 2 web
expect_rc 0 "logs --index 2 web"
expect_out "web-2  | part1-web-2
web-2  | part2-web-2
web-2  | part3-web-2" "--index 2: replica 2's lines only"
run -f "$STACK" logs --index 2 solo
expect_rc 1 "logs --index 2 of a service without replicas"
expect_grep "$ERR" "no log of solo-2, replica 2 of service \"solo\"" "says there is no such replica"
run logs replog-web-3
expect_rc 0 "docker logs of a replica by its container name"
expect_out "part1-web-3
part2-web-3
part3-web-3" "its own lines, as docker logs shows one container's"
run inspect replog-web-2 --format '{{.LogPath}}'
expect_out "$LXR_LOG_DIR/replog/web@2.log" "inspect: replica 2's own log file"
run down -f "$STACK"
expect_rc 0 "down"
wait "$up" 2>/dev/null || true
pass "replicas log apart: web-N prefixes, whole lines each, --index and the container name pick one"

# logs -f ends when what it follows has ended for good (compose's, docker
# logs -f of an exited container); a restart or a service still up keeps it
stack <<'Y'
name: logfollow
services:
  job:
    image: @ROOTFS@
    command: ["sh", "-c", "sleep 0.5; echo one; echo two; echo three"]
    restart: "no"
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
"$LXR" -f "$STACK" logs -f --no-log-prefix job >"$TEST_TMP/job.out" 2>&1 &
jobf=$!
"$LXR" -f "$STACK" logs -f >"$TEST_TMP/all.out" 2>&1 &
allf=$!
at_exit kill "$allf"
for _ in $(seq 200); do kill -0 "$jobf" 2>/dev/null || break; sleep 0.1; done
kill -0 "$jobf" 2>/dev/null && fail "logs -f job still follows after the job ended: $(cat "$TEST_TMP/job.out")"
wait "$jobf" || fail "logs -f job exited $?"
[ "$(cat "$TEST_TMP/job.out")" = "$(printf 'one\ntwo\nthree')" ] || fail "logs -f job printed [$(cat "$TEST_TMP/job.out")]"
kill -0 "$allf" || fail "logs -f of the stack ended while web runs"
run -f "$STACK" logs -f job
expect_rc 0 "logs -f of a service that has ended"
expect_out "job-1  | one
job-1  | two
job-1  | three" "what it logged, then done"
# by docker's container name, and --index: web runs, so they follow
"$LXR" logs -f logfollow-web-1 >/dev/null 2>&1 &
named=$!
"$LXR" -f "$STACK" logs -f --index 1 web >/dev/null 2>&1 &
indexed=$!
sleep 1
kill -0 "$named" 2>/dev/null || fail "logs -f logfollow-web-1 ended while web-1 runs"
kill -0 "$indexed" 2>/dev/null || fail "logs -f --index 1 web ended while web-1 runs"
run down -t 0 -f "$STACK"
for _ in $(seq 100); do kill -0 "$allf" 2>/dev/null || kill -0 "$named" 2>/dev/null || break; sleep 0.1; done
kill -0 "$allf" 2>/dev/null && fail "logs -f still follows after down"
kill -0 "$named" 2>/dev/null && fail "logs -f by name still follows after down"
pass "logs -f ends once what it follows has ended for good (a job), not while a service still runs"

# A foreground up prints as compose's: "Attaching to" the containers by
# name, each line prefixed with the container's name without the project
# (its container_name when it has one) padded to the longest, a
# container's stdout on up's stdout and its stderr on up's stderr, and
# "NAME exited with code N" on stdout after its last line.
stack <<'Y'
name: fgout
services:
  talker:
    image: @ROOTFS@
    command: ["sh", "-c", "echo to-out; echo to-err >&2; exit 3"]
    restart: "no"
  named:
    image: @ROOTFS@
    container_name: fgout-custom-name
    command: ["sh", "-c", "echo named-out"]
    restart: "no"
Y
set +e
timeout 60 "$LXR" up -f "$STACK" --no-color >"$TEST_TMP/fg.out" 2>"$TEST_TMP/fg.err"
RC=$?
set -e
expect_rc 0 "foreground up of two services that end"
out=$(cat "$TEST_TMP/fg.out")
err=$(cat "$TEST_TMP/fg.err")
expect_grep "$out" "^Attaching to fgout-custom-name, talker-1$" "compose's first line, the names sorted"
expect_grep "$out" "^talker-1           \| to-out$" "stdout's line, padded to the longest name and one"
expect_grep "$err" "^talker-1           \| to-err$" "stderr's line on up's stderr"
expect_grep "$out" "^fgout-custom-name  \| named-out$" "a container_name is the prefix"
expect_grep "$out" "^talker-1 exited with code 3$" "the exit, on stdout"
expect_grep "$out" "^fgout-custom-name exited with code 0$" "and the other's"
printf '%s\n' "$out" | grep -q "to-err" && fail "a stderr line on up's stdout: $out"
[ "$(printf '%s\n' "$out" | grep -n "to-out" | cut -d: -f1)" -lt "$(printf '%s\n' "$out" | grep -n "talker-1 exited" | cut -d: -f1)" ] ||
	fail "the exit came before the container's last line: $out"
run -f "$STACK" logs --no-color
expect_grep "$OUT" "^talker-1           \| to-out$" "logs: the same prefix"
expect_grep "$OUT" "^fgout-custom-name  \| named-out$" "logs: the container_name"
run down -f "$STACK"
pass "a foreground up prints compose's names, streams and exits"
