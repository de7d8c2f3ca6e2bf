#!/bin/bash
# The command line a docker compose user already knows: global options
# before the command (-f, -p, --profile, --env-file, --project-directory),
# `lxr compose COMMAND` as `lxr COMMAND`, version, `help COMMAND` and "did
# you mean" for a mistyped command.
. "$(dirname "$0")/lib.sh"

# ---- version and help ----------------------------------------------------------
for v in version -v --version "compose version"; do
	# shellcheck disable=SC2086
	run $v
	expect_rc 0 "lxr $v"
	expect_grep "$OUT" '^lxr version [0-9]+\.[0-9]+\.[0-9]+$' "lxr $v"
done
run version --short
expect_grep "$OUT" '^[0-9]+\.[0-9]+\.[0-9]+$' "version --short: the number alone"
run compose version --format json
expect_grep "$OUT" '^\{"version":"[0-9]+\.[0-9]+\.[0-9]+"\}$' "compose version --format json"
run --ansi never --compatibility --parallel 4 version --short
expect_rc 0 "compose's --ansi, --compatibility and --parallel taken"
run --parallel 0 version
expect_rc 2 "--parallel 0"
run compose --all-resources --verbose --log-level info --no-ansi version --short
expect_rc 0 "compose's --all-resources, --verbose, --log-level and --no-ansi taken"
run --log-level loud version
expect_rc 2 "--log-level of no level"
expect_grep "$ERR" "--log-level loud: DEBUG, INFO, WARN, ERROR or FATAL" "says the levels"
pass "version, -v, --version and compose version print lxr version X; --short and --format json"

for c in up down ps stop logs exec config images; do
	run "$c" --help
	want=$OUT
	run help "$c"
	expect_rc 0 "help $c"
	[ "$OUT" = "$want" ] || fail "help $c differs from $c --help: [$OUT]"
done
run help nosuch
expect_rc 2 "help of an unknown command"
run upp -d
expect_rc 2 "a mistyped command"
expect_grep "$ERR" 'unknown command "upp"' "unknown command named"
expect_grep "$ERR" 'did you mean "up"\?' "closest command suggested"
run logz
expect_grep "$ERR" 'did you mean "logs"\?' "closest command suggested for logz"
run frobnicate
expect_rc 2 "unknown command"
printf '%s\n' "$ERR" | grep -q "did you mean" && fail "no suggestion for a far name: $ERR"
pass "help COMMAND is COMMAND --help; an unknown command exits 2 with the closest one"

run --bogus ps
expect_rc 2 "unknown global option"
expect_grep "$ERR" '--bogus: unknown global option' "unknown global option named"
run -f
expect_rc 2 "-f without a value"
pass "a bad global option exits 2 and says which"

# ---- global options, with config (reads files only) ---------------------------
P=cli$$
mkdir -p "$TEST_TMP/proj/sub" "$TEST_TMP/elsewhere"
cat >"$TEST_TMP/proj/compose.yaml" <<Y
services:
  web:
    image: $ROOTFS
    command: ["/bin/sh", "-c", "echo greeting=\$\${GREETING}; exec sleep 1000"]
    environment: {GREETING: "\${GREETING:-none}"}
  extra:
    image: $ROOTFS
    command: ["sleep", "1000"]
    profiles: [more]
Y
echo "GREETING=from-dotenv" >"$TEST_TMP/proj/.env"
echo "GREETING=from-env-file" >"$TEST_TMP/other.env"
cd "$TEST_TMP/elsewhere"

run -f ../proj/compose.yaml config
expect_rc 0 "global -f"
expect_grep "$OUT" 'GREETING: from-dotenv' "the project's .env is read with global -f"
expect_grep "$OUT" '^name: proj$' "project named after the file's directory"
run compose -f ../proj/compose.yaml -p "$P" config --services
expect_rc 0 "compose -f -p config"
expect_out "web" "compose -p: profile services left out"
run --profile more -f ../proj/compose.yaml config --services
expect_out "web
extra" "global --profile enables the profile"
run --env-file ../other.env -f ../proj/compose.yaml config
expect_rc 0 "--env-file"
expect_grep "$OUT" 'GREETING: from-env-file' "--env-file replaces the project's .env"
run --env-file ../missing.env -f ../proj/compose.yaml config
expect_rc 2 "--env-file that does not exist"
expect_grep "$ERR" 'missing.env' "the missing env file is named"
# several --env-file, in order: a later one's value wins, and it sees the
# earlier ones' variables; COMPOSE_ENV_FILES is the same list, commas apart
printf 'NAME=later\nGREETING=hello-${NAME}-${FIRST}\n' >"$TEST_TMP/later.env"
printf 'FIRST=first\nGREETING=overridden\n' >"$TEST_TMP/first.env"
run --env-file ../first.env --env-file ../later.env -f ../proj/compose.yaml config
expect_rc 0 "two --env-file"
expect_grep "$OUT" 'GREETING: hello-later-first' "the later file wins and reads the earlier one's"
run -f ../proj/compose.yaml config --env-file ../first.env --env-file=../later.env
expect_rc 0 "--env-file after the command, as compose takes it"
expect_grep "$OUT" 'GREETING: hello-later-first' "--env-file after the command is the global one"
run config --project-directory ../proj --services
expect_rc 0 "--project-directory after the command"
expect_out "web" "--project-directory after the command finds the project"
COMPOSE_ENV_FILES=../first.env,../later.env run -f ../proj/compose.yaml config
expect_grep "$OUT" 'GREETING: hello-later-first' "COMPOSE_ENV_FILES is --env-file's list"
COMPOSE_ENV_FILES=../first.env run --env-file ../other.env -f ../proj/compose.yaml config
expect_grep "$OUT" 'GREETING: from-env-file' "--env-file wins over COMPOSE_ENV_FILES"
# the COMPOSE_* variables in them are read the same way
printf 'COMPOSE_PROFILES=more\nDIR=../proj\n' >"$TEST_TMP/p1.env"
printf 'COMPOSE_PROFILES=\nCOMPOSE_FILE=${DIR}/compose.yaml\n' >"$TEST_TMP/p2.env"
run --env-file ../p1.env --env-file ../p2.env config --services
expect_rc 0 "COMPOSE_FILE from a later env file, using an earlier one's variable"
expect_out "web" "an empty COMPOSE_PROFILES in the later file enables no profile"
COMPOSE_PROGRESS=sideways run -f ../proj/compose.yaml config --services
expect_rc 0 "a COMPOSE_PROGRESS that is no mode does not stop a command"
expect_grep "$ERR" "COMPOSE_PROGRESS=sideways ignored" "the variable is named"
COMPOSE_PROGRESS=json run -f ../proj/compose.yaml config --services
expect_rc 0 "COMPOSE_PROGRESS=json, compose's"
[ -z "$ERR" ] || fail "COMPOSE_PROGRESS=json was warned about: $ERR"
run --project-directory ../proj config
expect_rc 0 "--project-directory finds the stack file there"
expect_grep "$OUT" '^name: proj$' "--project-directory names the project"
expect_grep "$OUT" 'GREETING: from-dotenv' "--project-directory's .env"
run --project-directory ../nope config
expect_rc 2 "--project-directory that does not exist"
expect_grep "$ERR" 'project-directory \.\./nope' "the bad directory is named"
printf 'services:\n  added: {image: x}\n' >"$TEST_TMP/extra.yaml"
run -f ../proj/compose.yaml -f "$TEST_TMP/extra.yaml" config --services
expect_rc 0 "two -f files"
expect_grep "$OUT" '^added$' "the second -f is merged over the first, as compose's"
run -f ../proj/compose.yaml config -f "$TEST_TMP/extra.yaml" --services
expect_rc 0 "global -f and the command's -f"
expect_grep "$OUT" '^added$' "the command's -f is merged over the global one"
run -f ../proj/compose.yaml config -q
expect_rc 0 "config -q"
expect_out "" "config -q prints nothing for a good file"
printf 'services:\n  bad: {image: x, mem_limit: lots}\n' >"$TEST_TMP/bad.yaml"
run -f "$TEST_TMP/bad.yaml" config --quiet
expect_rc 2 "config --quiet of a bad file"
expect_grep "$ERR" "bad.yaml:2:" "config --quiet still says where the problem is"
pass "-f, -p, --profile, --env-file (several too) and --project-directory before the command"

# ---- a running stack, driven by global options -----------------------------------
PROJECT=$P
at_exit "$LXR" down -p "$P"
run compose -f ../proj/compose.yaml -p "$P" up -d
expect_rc 0 "compose -f -p up -d"
wait_event '"instance":"web-1","state":"running"'
run -p "$P" ps --format json
expect_rc 0 "-p ps"
expect_grep "$OUT" '^\{.*"instance":"web-1"' "-p ps lists the stack"
run compose -p "$P" exec web echo inside
expect_rc 0 "compose -p exec"
expect_out "inside" "compose -p exec runs in the service"
for _ in $(seq 100); do
	run -p "$P" logs web
	printf '%s\n' "$OUT" | grep -q "greeting=from-dotenv" && break
	sleep 0.05
done
expect_grep "$OUT" "web-1 +\| greeting=from-dotenv" "-p logs (and .env reached the service)"
run compose -p "$P" down
expect_rc 0 "compose -p down"
[ ! -e "$LXR_RUN_DIR/$P" ] || fail "down left $LXR_RUN_DIR/$P"
run -p "$P" ps --format json
expect_rc 0 "-p ps --format json of a project that is down"
expect_out "" "no container, no line (compose prints no [])"
pass "up, ps, exec, logs and down take the global -f and -p"

run --project-directory ../proj --env-file ../other.env -p "$P" up -d
expect_rc 0 "--project-directory --env-file up -d"
wait_event '"instance":"web-1","state":"running"'
for _ in $(seq 100); do
	run -p "$P" logs web
	printf '%s\n' "$OUT" | grep -q "greeting=from-env-file" && break
	sleep 0.05
done
expect_grep "$OUT" "greeting=from-env-file" "--env-file's value reached the service"
# on a running stack the supervisor loads the file again: with the same
# --env-file and directory, nothing changed
run --project-directory ../proj --env-file ../other.env -p "$P" up -d --dry-run
expect_rc 0 "up --dry-run on the running stack"
printf '%s\n' "$OUT$ERR" | grep -qi "recreate" && fail "same --env-file, yet up would recreate: $OUT $ERR"
run --project-directory ../proj -p "$P" up -d --dry-run
expect_grep "$OUT$ERR" "would recreate +web-1" "without --env-file the .env value differs"
# two env files: the supervisor reads both again, in order
run --project-directory ../proj --env-file ../first.env --env-file ../later.env -p "$P" up -d
expect_rc 0 "up -d with two env files over the running stack"
run --project-directory ../proj --env-file ../first.env --env-file ../later.env -p "$P" up -d --dry-run
printf '%s\n' "$OUT$ERR" | grep -qi "recreate" && fail "the same two env files, yet up would recreate: $OUT $ERR"
run --project-directory ../proj --env-file ../first.env -p "$P" up -d --dry-run
expect_grep "$OUT$ERR" "would recreate +web-1" "the first env file alone gives another value"
run --project-directory ../proj -p "$P" down
expect_rc 0 "--project-directory down"
pass "--project-directory and --env-file bring a stack up from another directory"
