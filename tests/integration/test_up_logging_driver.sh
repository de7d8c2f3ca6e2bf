#!/bin/bash
# logging.driver none and the compress option, in real containers: a none
# service that writes more than a pipe holds keeps running and leaves no
# log, `lxr logs` says why (docker's words), the foreground still shows its
# lines (compose attaches whatever the driver); compress gzips the rotated
# files and `lxr logs` reads them in order; json-file's attribute options
# (tag, labels, env, their -regex forms) run.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: lognone
services:
  quiet:
    image: @ROOTFS@
    logging: {driver: none}
    # ~200 KiB on stdout and ~75 KiB on stderr, more than a pipe buffer
    # (64 KiB) each: a writer nobody drained would block (or, with the
    # read end closed, die of SIGPIPE) before /tmp/done
    command: ["/bin/sh", "-c", "i=0; while [ $$i -lt 5000 ]; do echo quiet-out-$$i-padding-padding; echo quiet-err-$$i >&2; i=$$((i+1)); done; touch /tmp/done; exec sleep 1000"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/done"]
      interval: 1s
      retries: 60
  talk:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo talk-line-1; exec sleep 1000"]
    # dockerd's record attributes: checked, and the service runs
    environment: {REGION: eu}
    labels: {team: core}
    logging:
      driver: json-file
      options:
        tag: "{{.ImageName}}|{{.ContainerName}}|{{.ID}}"
        labels: team
        labels-regex: "^te"
        env: REGION
        env-regex: "^REG"
Y

"$LXR" up -f "$STACK" >"$TEST_TMP/fg.out" 2>"$TEST_TMP/fg.err" &
up=$!
at_exit kill "$up"
wait_event '"instance":"quiet-1","state":"healthy"'
run ps -f "$STACK" --format '{{.Service}} {{.State}}'
expect_grep "$OUT" '^quiet (running|healthy)$' "quiet keeps running"
pass "a driver none service that writes more than a pipe holds runs on (healthy)"

logs="$LXR_LOG_DIR/lognone"
for _ in $(seq 100); do grep -q talk-line-1 "$logs/talk.log" 2>/dev/null && break; sleep 0.05; done
grep -q talk-line-1 "$logs/talk.log" || fail "talk's log has no line: $(ls -l "$logs")"
ls "$logs" | grep -q '^quiet\.log' && fail "quiet has a log file: $(ls -l "$logs")"
grep -rq quiet- "$logs" && fail "quiet's output is on disk: $(grep -rl quiet- "$logs")"
[ "$(cat "$logs/quiet.nolog")" = none ] || fail "no marker of quiet's driver: $(ls "$logs")"
pass "driver none leaves no log data"

run logs --file "$STACK" quiet
[ "$RC" -ne 0 ] || fail "logs quiet succeeded: [$OUT]"
[ -z "$OUT" ] || fail "logs quiet printed [$OUT]"
expect_grep "$ERR" 'service "quiet": configured logging driver "none" does not support reading' \
	"logs quiet says why"
run logs --file "$STACK" quiet talk
expect_rc 0 "logs quiet talk"
expect_out "talk-1  | talk-line-1" "logs quiet talk shows talk's lines"
expect_grep "$ERR" 'warning: service "quiet": configured logging driver "none"' "logs quiet talk warns"
run logs --file "$STACK"
expect_rc 0 "logs"
expect_out "talk-1  | talk-line-1" "logs shows the services that keep a log"
pass "lxr logs: docker's error for quiet alone, a warning and the others' lines beside it"

run down -f "$STACK"
expect_rc 0 down
wait "$up" 2>/dev/null || true
# its stdout on up's stdout, its stderr on up's stderr, as compose's attach
grep -q "quiet-out-4999" "$TEST_TMP/fg.out" && grep -q "quiet-err-4999" "$TEST_TMP/fg.err" ||
	fail "the foreground did not show quiet's lines: $(tail -n 3 "$TEST_TMP/fg.out") / $(tail -n 3 "$TEST_TMP/fg.err")"
grep -q "quiet-err-" "$TEST_TMP/fg.out" && fail "a container's stderr line on up's stdout: $(grep -m1 quiet-err- "$TEST_TMP/fg.out")"
pass "the foreground up shows a driver none service's lines, as compose's attach does"

# compress: json-file with compress true, and local (compressed by default).
# ~53 bytes a record, 160 lines: two rotated files and the current one, so
# max-file 3 keeps every line.
stack <<'Y'
name: loggz
services:
  rot:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "i=0; while [ $$i -lt 160 ]; do echo rot-line-$$i; i=$$((i+1)); done; exec sleep 1000"]
    logging:
      driver: json-file
      options: {max-size: 4k, max-file: "3", compress: "true"}
  loc:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "i=0; while [ $$i -lt 160 ]; do echo loc-line-$$i; i=$$((i+1)); done; exec sleep 1000"]
    logging:
      driver: local
      options: {max-size: 4k, max-file: "3"}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
logs="$LXR_LOG_DIR/loggz"
for s in rot loc; do
	for _ in $(seq 200); do
		[ -f "$logs/$s.log.2.gz" ] && [ -f "$logs/$s.log.1.gz" ] &&
			grep -q "$s-line-159" "$logs/$s.log" 2>/dev/null && break
		sleep 0.05
	done
	for k in 1 2; do
		f="$logs/$s.log.$k.gz"
		[ "$(head -c 2 "$f" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 1f8b ] ||
			fail "$f is not gzip: $(ls -l "$logs")"
		[ ! -e "$logs/$s.log.$k" ] || fail "$s.log.$k is still there beside its .gz"
	done
	[ ! -e "$logs/$s.log.3.gz" ] || fail "$s kept more than max-file 3: $(ls "$logs")"
	seq 0 159 | sed "s/^/$s-line-/" >"$TEST_TMP/want"
	run logs --file "$STACK" --no-color "$s"
	expect_rc 0 "logs $s"
	printf '%s\n' "$OUT" | sed 's/^[a-z]*-1 *| //' | diff - "$TEST_TMP/want" >/dev/null ||
		fail "logs $s: lines lost, repeated or out of order: $(printf '%s\n' "$OUT" | head -n 3)"
done
ls -A "$logs" | grep -q '\.tmp\.' && fail "a temp file is left: $(ls -A "$logs")"
pass "compress: rotated files are gzip (json-file asked, local by default), lxr logs reads every line in order"

run logs --file "$STACK" --tail 2 rot
expect_out "rot-1  | rot-line-158
rot-1  | rot-line-159" "logs --tail over compressed files"
run down -f "$STACK"
expect_rc 0 down
pass "logs --tail reads the newest lines"
