#!/bin/bash
# extends and include of files in other directories, as compose-go reads
# them: the relative paths such a file writes (a bind mount's source, an
# env_file) are relative to its own directory; an included file's variables
# come from its directory's .env. A service with both build and image runs
# from the image; one with build only is built, and a missing context fails
# up by name, nothing started.
. "$(dirname "$0")/lib.sh"

dir="$TEST_TMP/stack"
mkdir -p "$dir/sub/data" "$dir/inc/data"
echo "from-sub" > "$dir/sub/data/hello"
echo "from-inc" > "$dir/inc/data/hello"
echo "FROM_ENV_FILE=sub-env-file" > "$dir/sub/app.env"
echo "INC_GREETING=inc-dotenv" > "$dir/inc/.env"
cat > "$dir/sub/base.yaml" <<Y
services:
  app:
    image: $ROOTFS
    build: .
    command: ["sleep", "1000"]
    env_file: ./app.env
    volumes: ["./data:/data:ro"]
Y
cat > "$dir/inc/extra.yaml" <<Y
services:
  extra:
    image: $ROOTFS
    command: ["sleep", "1000"]
    environment: {GREETING: "\${INC_GREETING}"}
    volumes: ["./data:/data:ro"]
Y
stack <<Y
name: extdirs$$
include:
  - inc/extra.yaml
services:
  web:
    extends: {service: app, file: sub/base.yaml}
Y
run config -f "$STACK"
expect_rc 0 "config of a stack extending and including other directories"
expect_grep "$OUT" "source: $dir/sub/data" "the extended file's bind source is relative to its directory"
run up -d -f "$STACK"
expect_rc 0 "up -d"
run exec -f "$STACK" web sh -c 'cat /data/hello; echo "$FROM_ENV_FILE"'
expect_out "from-sub
sub-env-file" "the extended service mounts and reads what its own directory holds"
run exec -f "$STACK" extra sh -c 'cat /data/hello; echo "$GREETING"'
expect_out "from-inc
inc-dotenv" "the included service mounts its directory's data and sees its .env"
run down -f "$STACK"
expect_rc 0 "down"
pass "extends and include across directories resolve paths and variables as compose does"

mkdir -p "$TEST_TMP/build" && cd "$TEST_TMP/build"
cat > compose.yaml <<Y
name: buildonly$$
services:
  ok:
    image: $ROOTFS
    command: ["true"]
  app:
    build: ./app
Y
run up -d
expect_rc 1 "up with a service whose build context is missing"
expect_grep "$ERR" "service \"app\": build: build context $TEST_TMP/build/app: No such file" "the error names the service and the context"
[ ! -e "$LXR_RUN_DIR/buildonly$$" ] || [ -z "$(ls "$LXR_RUN_DIR/buildonly$$" | grep -v lock)" ] ||
	fail "something was started for a stack whose build failed"
run config
expect_rc 0 "config of the same stack"
expect_grep "$OUT" "context: $TEST_TMP/build/app" "config prints the build context, absolute"
pass "a build-only service is built by up, and a missing context fails up by name"

# With image and build, compose pulls the image and builds it when it cannot;
# with --no-build a missing image is an error that says how to build it.
mkdir -p "$TEST_TMP/both" && cd "$TEST_TMP/both"
cat > compose.yaml <<Y
name: buildboth$$
services:
  app:
    image: lxr-test-not-built-$$:1
    build: ./app
    pull_policy: never
Y
run up -d --no-build
[ "$RC" -ne 0 ] || fail "up --no-build with a missing image to build succeeded"
expect_grep "$ERR" "image \"lxr-test-not-built-$$:1\"" "the error names the image"
expect_grep "$ERR" "build it with \`lxr build app\`, or \`lxr up\` without --no-build" "the hint says how to get it"
"$LXR" down -p "buildboth$$" >/dev/null 2>&1 || true
pass "a missing image that compose would build is an error with --no-build"

# Several files, as compose merges them: compose.override.yaml beside the
# found file, and -f a -f b; up on the running stack reads the same files
# again (an override's change recreates the service it changes).
mkdir -p "$TEST_TMP/over/prod" && cd "$TEST_TMP/over"
cat > compose.yaml <<Y
name: overs$$
services:
  web:
    image: $ROOTFS
    command: ["sleep", "1000"]
    network_mode: none
    environment: {LEVEL: base}
Y
cat > compose.override.yaml <<Y
services:
  web:
    environment: {LEVEL: dev}
  side:
    image: $ROOTFS
    command: ["sleep", "1000"]
    network_mode: none
Y
at_exit "cd '$TEST_TMP/over' && '$LXR' down -t 0"
run up -d
expect_rc 0 "up with compose.override.yaml beside the file"
run ps --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^[a-z0-9_.-]*-side-1 running$" "the override's own service runs"
run exec -T web sh -c 'echo $LEVEL'
expect_out "dev" "the override's environment wins"
printf 'services:\n  web:\n    environment: {LEVEL: prod}\n' > prod/prod.yaml
run -f compose.yaml -f prod/prod.yaml up -d
expect_rc 0 "up -f compose.yaml -f prod/prod.yaml on the running stack"
expect_grep "$ERR" "recreate +web-1" "web is recreated for the changed environment"
run -f compose.yaml -f prod/prod.yaml exec -T web sh -c 'echo $LEVEL'
expect_out "prod" "the second -f wins"
run -f compose.yaml -f prod/prod.yaml down -t 0
expect_rc 0 "down"
pass "override files and several -f are merged as compose merges them, also when reconciling"
