#!/bin/bash
# compose's other views of the file in `lxr config`: --no-interpolate (the
# file merged, `${VAR}` as written), --no-normalize (merged, interpolated,
# not normalized), --variables (compose's table, JSON, YAML),
# --environment, and compose's flags for steps lxr's model always takes,
# taken where a view skips them and refused by name elsewhere. Needs no
# root.
set -euo pipefail
: "${LXR:?path to the lxr binary}"
tmp=$(mktemp -d /tmp/lxr-test-config-views.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export LXR_RUN_DIR="$tmp/run" LXR_LOG_DIR="$tmp/log" LXR_DATA_DIR="$tmp/data"
fail() { echo "FAIL: $*"; exit 1; }
unset GREETING EXTRA WHO PORT CMD

mkdir "$tmp/proj" && cd "$tmp/proj"
cat >compose.yaml <<'Y'
name: Views
x-env: &env
  GREETING: "${GREETING:-hello}"
services:
  base:
    image: ./rootfs
    environment: *env
    command: echo $$HOME ${EXTRA:+--extra} ${WHO?who}
    volumes: ["./data:/data"]
  web:
    extends: base
    profiles: [dev]
    ports: ["${PORT:-8080}:80"]
Y
printf 'services:\n  web: {entrypoint: ["${CMD}"]}\n' >over.yaml

# --no-interpolate: every value as written, $$ too; extends and -f merged;
# nothing looked up, so an unset ${WHO?} is no error; every service
out=$("$LXR" -f compose.yaml -f over.yaml config --no-interpolate 2>"$tmp/err") ||
	fail "--no-interpolate: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "--no-interpolate said something: $(cat "$tmp/err")"
diff -u - <(printf '%s\n' "$out") <<'EOF' || fail "--no-interpolate output"
name: views
x-env:
  GREETING: ${GREETING:-hello}
services:
  base:
    image: "./rootfs"
    environment:
      GREETING: ${GREETING:-hello}
    command: echo $$HOME ${EXTRA:+--extra} ${WHO?who}
    volumes:
    - "./data:/data"
  web:
    image: "./rootfs"
    environment:
      GREETING: ${GREETING:-hello}
    command: echo $$HOME ${EXTRA:+--extra} ${WHO?who}
    volumes:
    - "./data:/data"
    profiles:
    - dev
    ports:
    - ${PORT:-8080}:80
    entrypoint:
    - ${CMD}
EOF
"$LXR" config --no-interpolate --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["services"]["web"]["ports"] == ["${PORT:-8080}:80"], d' ||
	fail "--no-interpolate --format json"
echo "ok - --no-interpolate"

# --no-normalize: interpolated (and checked: WHO is required), not
# normalized (relative paths as written), the services the model chose
set +e
"$LXR" config --no-normalize >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q 'required variable WHO is missing a value: who' "$tmp/err" ||
	fail "--no-normalize with WHO unset: $rc $(cat "$tmp/err")"
out=$(WHO=me "$LXR" config --no-normalize) || fail "--no-normalize"
grep -qx '    command: echo $$HOME  me' <<<"$out" || fail "--no-normalize interpolates: $out"
grep -qx '    - "./data:/data"' <<<"$out" || fail "--no-normalize keeps paths as written: $out"
grep -q '^  web:' <<<"$out" && fail "--no-normalize prints web, which its profile disables: $out"
out=$(WHO=me PORT=9 "$LXR" config --no-normalize web) || fail "--no-normalize web"
[ "$(awk '/^  [a-z]+:$/' <<<"$out" | tr -d ' :\n')" = web ] || fail "--no-normalize web: $out"
grep -qx '    - "9:80"' <<<"$out" || fail "--no-normalize web's port: $out"
# its output is a stack file that normalizes to what the file normalizes to
WHO=me "$LXR" config --no-normalize >"$tmp/merged.yaml"
diff -u <(WHO=me "$LXR" config) <("$LXR" --project-directory "$PWD" config -f "$tmp/merged.yaml") ||
	fail "--no-normalize's output does not normalize to the file's model"
echo "ok - --no-normalize"

# --variables: compose's table (Go's tabwriter: columns of at least 20,
# padded by 3), names in order; --format json and yaml as compose marshals
printf 'services:\n  x:\n    image: ${IMAGE_OF_A_VERY_LONG_NAME:?}\n' >long.yaml
diff -u - <("$LXR" config --variables) <<'EOF' || fail "--variables table"
NAME                REQUIRED            DEFAULT VALUE       ALTERNATE VALUE
EXTRA               false                                   --extra
GREETING            false               hello               
PORT                false               8080                
WHO                 true                                    
EOF
diff -u - <("$LXR" config -f long.yaml --variables) <<'EOF' || fail "--variables: a column wider than 20"
NAME                        REQUIRED            DEFAULT VALUE       ALTERNATE VALUE
IMAGE_OF_A_VERY_LONG_NAME   true                                    
EOF
diff -u - <("$LXR" config --variables --format json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["PORT"], sort_keys=True))') <<'EOF' ||
{"DefaultValue": "8080", "Name": "PORT", "PresenceValue": "", "Required": false}
EOF
	fail "--variables --format json"
"$LXR" config --variables --format yaml | python3 -c 'import sys,yaml; d=yaml.safe_load(sys.stdin); assert d["EXTRA"] == {"name": "EXTRA", "defaultvalue": "", "presencevalue": "--extra", "required": False}, d' ||
	fail "--variables --format yaml"
echo "ok - --variables"

# --environment: what interpolation takes from: the environment over the
# .env, the project's name, KEY=VALUE in byte order
printf 'WHO=dotenv\nGREETING=dotenv\nZ=last\n' >.env
diff -u - <(env -i PATH=/usr/bin:/bin WHO=env "$LXR" config --environment) <<'EOF' || fail "--environment"
COMPOSE_PROJECT_NAME=views
GREETING=dotenv
PATH=/usr/bin:/bin
WHO=env
Z=last
EOF
[ "$(env -i WHO=x "$LXR" config --environment -p other | grep COMPOSE_PROJECT_NAME)" = COMPOSE_PROJECT_NAME=other ] ||
	fail "--environment: -p names the project"
rm .env
echo "ok - --environment"

# what goes together and what does not; compose's skipped steps
refused() { # WHAT-IN-MESSAGE ARGS...
	local want=$1
	shift
	set +e
	"$LXR" config "$@" >/dev/null 2>"$tmp/err"; rc=$?
	set -e
	[ "$rc" -eq 2 ] && grep -q -- "$want" "$tmp/err" || fail "config $*: $rc $(cat "$tmp/err")"
}
refused "--no-path-resolution: the model holds every path absolute" --no-path-resolution
refused "--no-env-resolution: the model holds env_file's variables" --no-env-resolution
refused "--no-consistency: lxr checks the whole model" --no-consistency
refused "--no-consistency: lxr checks the whole model" --no-consistency --no-normalize
refused "exclude each other" --variables --services
refused "exclude each other" --no-interpolate --no-normalize
refused "change the printed file only" --no-interpolate --services
refused "--no-interpolate prints every service" --no-interpolate base
refused "table goes with --variables" --format table
refused "--variables lists the whole file's variables" --variables base
refused "--hash names its services itself" --hash base web
refused "--resolve-image-digests changes the printed file only" --hash '*' --resolve-image-digests
"$LXR" config --no-interpolate --no-path-resolution --no-env-resolution --no-consistency -q ||
	fail "compose's skipped steps with --no-interpolate"
WHO=x "$LXR" config --no-normalize --no-path-resolution -q || fail "--no-path-resolution with --no-normalize"
echo "ok - compose's other flags"
echo "ok"
