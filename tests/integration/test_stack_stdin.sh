#!/bin/bash
# `-f -`: the stack file from standard input, as compose reads it: the
# project directory (its .env, relative paths, the project's name) is the
# working directory or --project-directory; `config`, `up -d` and a
# reconcile of the running stack (which the supervisor cannot read from
# stdin: the CLI sends it the text), the commands that read it again
# (ps, down); messages name the file <stdin>; what cannot take it says so.
. "$(dirname "$0")/lib.sh"

dir="$TEST_TMP/Stdin Proj"
mkdir -p "$dir/sub"
cd "$dir"
printf 'GREETING=from-dotenv\n' > .env
cat > "$TEST_TMP/in.yaml" <<Y
services:
  a:
    image: $ROOTFS
    command: ["sleep", "1000"]
    environment: {GREETING: "\${GREETING}", MODE: "\${MODE:-one}"}
    volumes: ["./sub:/sub"]
Y
PROJECT=stdinproj
at_exit "$LXR" down -p "$PROJECT"

run -f - config < "$TEST_TMP/in.yaml"
expect_rc 0 "config -f -"
expect_grep "$OUT" "^name: $PROJECT$" "the project is the working directory's name"
expect_grep "$OUT" "GREETING: from-dotenv" "the working directory's .env"
expect_grep "$OUT" "source: $dir/sub$" "relative paths are the working directory's"
run config -f - --services < "$TEST_TMP/in.yaml"
expect_out a "config's own -f -"
(cd / && "$LXR" --project-directory "$dir" -f - config) < "$TEST_TMP/in.yaml" > "$TEST_TMP/out"
grep -q "^name: $PROJECT$" "$TEST_TMP/out" || fail "--project-directory names the project: $(cat "$TEST_TMP/out")"
pass "config -f -: the project directory is the working directory (or --project-directory)"

printf 'services:\n  a:\n    image: x\n    restrat: no\n' > "$TEST_TMP/bad.yaml"
run -f - config < "$TEST_TMP/bad.yaml"
expect_rc 2 "a bad file from stdin"
expect_grep "$ERR" '^<stdin>:4:5: error: service "a": unknown key "restrat"' "the error names <stdin>"
expect_grep "$ERR" "1 error in <stdin>" "the summary names <stdin>"
run -f "$TEST_TMP/in.yaml" -f - config < "$TEST_TMP/in.yaml"
expect_rc 2 "-f FILE -f -"
expect_grep "$ERR" "only the first stack file can be read from standard input" "-f - after another file"
run -f - up -d --watch < "$TEST_TMP/in.yaml"
expect_rc 2 "up --watch -f -"
expect_grep "$ERR" "up --watch: -f -: .*standard input can be read once" "up --watch refuses -f -"
pass "a file from stdin is <stdin> in messages; a second -f - and up --watch are refused"

run -f - up -d < "$TEST_TMP/in.yaml"
expect_rc 0 "up -d -f -"
wait_event '"instance":"a-1","state":"running"'
run -f - ps < "$TEST_TMP/in.yaml"
expect_grep "$OUT" "^[a-z0-9_.-]*-a-1 " "ps -f - finds the project"
run ls
expect_grep "$OUT" "^$PROJECT +running\(1\) +<stdin>$" "ls: the project's file is <stdin>"
run -f - exec a sh -c 'echo $GREETING $MODE' < "$TEST_TMP/in.yaml"
expect_out "from-dotenv one" "the container's environment"
pid=$(sed -n 's/^pid=//p' "$LXR_RUN_DIR/$PROJECT/a-1/state")
pass "up -d -f -: the stack runs"

# a reconcile: the CLI sends the text, the supervisor loads it as is
MODE=two run -f - up -d < "$TEST_TMP/in.yaml"
expect_rc 0 "up -d -f - on the running stack"
expect_grep "$ERR" "recreate +a-1" "a changed variable recreates a"
for _ in $(seq 200); do
	p=$(sed -n 's/^pid=//p' "$LXR_RUN_DIR/$PROJECT/a-1/state" 2>/dev/null || true)
	[ -n "$p" ] && [ "$p" != "$pid" ] && break
	sleep 0.05
done
MODE=two run -f - exec a sh -c 'echo $MODE' < "$TEST_TMP/in.yaml"
expect_out two "the reconciled container runs the new text"
MODE=two run -f - up -d < "$TEST_TMP/in.yaml"
expect_grep "$ERR" "unchanged +a-1" "the same text again changes nothing"
pass "up -d -f - on a running stack reconciles with the text given"

# what reads the project's record of its file cannot read stdin again
run down -p "$PROJECT" -v
expect_rc 2 "down -p -v of a project from stdin"
expect_grep "$ERR" "read from standard input \(-f -\), and lxr keeps no copy" "down -v says why"
expect_grep "$ERR" "lxr -f - -p $PROJECT" "down -v's hint names the project"
run -f - down < "$TEST_TMP/in.yaml"
expect_rc 0 "down -f -"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "down -f - left $LXR_RUN_DIR/$PROJECT"
pass "down -f -; down -p NAME -v says the file was stdin"
