#!/bin/bash
# `lxr config` as a user sees it: file discovery, project names, output
# formats, --services/--graph/--profile, gcc-style errors and exit codes, and
# lxr.conf errors. Needs no root.
set -euo pipefail
: "${LXR:?path to the lxr binary}"
tmp=$(mktemp -d /tmp/lxr-test-config.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# the `up`s below fail at load, but as root an up first readies the default
# run directory (a tmpfs on /run/lxr): the test's own, not the host's
export LXR_RUN_DIR="$tmp/run" LXR_LOG_DIR="$tmp/log" LXR_DATA_DIR="$tmp/data"
fail() { echo "FAIL: $*"; exit 1; }

mkdir "$tmp/My Project" && cd "$tmp/My Project"
set +e
"$LXR" config >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "no stack file: exit $rc, want 2"
grep -q "no stack file" "$tmp/err" || fail "no stack file: $(cat "$tmp/err")"

cat >docker-compose.yml <<'YAML'
services:
  old: {image: busybox}
YAML
cat >compose.yaml <<'YAML'
services:
  web:
    image: ./rootfs
    environment: {GREETING: "${GREETING:-hello}"}
YAML
# compose.yaml wins over docker-compose.yml; the project is the directory.
out=$("$LXR" config 2>&1) || fail "config: $out"
grep -qx "name: myproject" <<<"$out" || fail "project name: $out"
grep -q "image: $tmp/My Project/rootfs" <<<"$out" || fail "image path: $out"
# The normalized model is a stack file that normalizes to itself.
"$LXR" config >"$tmp/norm.yaml"
"$LXR" config -f "$tmp/norm.yaml" | diff -u "$tmp/norm.yaml" - || fail "output does not reload"
# The same for the lifecycle keys the supervisor honours, in YAML and JSON;
# a literal $ ($$ in the file) stays $$ in the output.
cat >"$tmp/life-in.yaml" <<'YAML'
services:
  db:
    image: ./rootfs
    healthcheck: {test: "pg_isready -U $$PGUSER", interval: 5s, retries: 0}
    restart: unless-stopped
    stop_grace_period: 1m
    ulimits: {nofile: {soft: 1024, hard: 2048}}
    sysctls: [net.core.somaxconn=1024]
    deploy: {resources: {limits: {memory: 1g}, reservations: {memory: 256m, cpus: 0.5}}}
  api:
    image: ./rootfs
    depends_on: {db: {condition: service_healthy, restart: true}}
    deploy: {restart_policy: {condition: on-failure, max_attempts: 3, delay: 2s, window: 30s}}
    profiles: [app]
YAML
for fmt in yaml json; do
	"$LXR" config -f "$tmp/life-in.yaml" --format $fmt >"$tmp/life.$fmt" 2>"$tmp/err" || fail "life: $(cat "$tmp/err")"
	[ ! -s "$tmp/err" ] || fail "life: diagnostics: $(cat "$tmp/err")"
	"$LXR" config -f "$tmp/life.$fmt" --format $fmt 2>"$tmp/err" | diff -u "$tmp/life.$fmt" - ||
		fail "lifecycle keys do not reload ($fmt)"
	[ ! -s "$tmp/err" ] || fail "life reload: diagnostics: $(cat "$tmp/err")"
done
grep -qF -- '- pg_isready -U $$PGUSER' "$tmp/life.yaml" || fail "\$\$ in healthcheck: $(cat "$tmp/life.yaml")"
# retries: 0 is Docker's "inherit": the image's retries, else 3, so not
# printed; the interval the file gives is
grep -q 'retries:' "$tmp/life.yaml" && fail "retries: 0 printed as a value: $(cat "$tmp/life.yaml")"
grep -qx '      interval: 5s' "$tmp/life.yaml" || fail "interval: 5s not printed: $(cat "$tmp/life.yaml")"
GREETING=hi "$LXR" config --format json | grep -q '"GREETING": "hi"' || fail "json/env"
"$LXR" config -p other | grep -qx "name: other" || fail "-p"
"$LXR" config -f docker-compose.yml | grep -q "^  old:" || fail "-f"
"$LXR" config docker-compose.yml | grep -q "^  old:" || fail "FILE operand"

# --services and --graph go through the plan: profiles and dependencies.
cat >"$tmp/graph.yaml" <<'YAML'
services:
  a: {image: busybox, healthcheck: {test: ["CMD", "true"]}}
  b: {image: busybox, depends_on: {a: {condition: service_healthy}}}
  c: {image: busybox, profiles: [debug], depends_on: [b]}
YAML
[ "$("$LXR" config -f "$tmp/graph.yaml" --services | tr '\n' ' ')" = "a b " ] || fail "--services"
[ "$("$LXR" config -f "$tmp/graph.yaml" --services --profile debug | tr '\n' ' ')" = "a b c " ] ||
	fail "--services --profile"
"$LXR" config -f "$tmp/graph.yaml" --graph | grep -q '^digraph "lxr-test-config' || fail "--graph"
# config SERVICE: the model of that service and what it depends on
out=$("$LXR" config -f "$tmp/graph.yaml" b) || fail "config SERVICE"
[ "$(printf '%s\n' "$out" | awk '/^[a-z]/ {s = ($0 == "services:")} s && /^  [a-z]+:$/' | tr -d ' :' | tr '\n' ' ')" = "a b " ] ||
	fail "config b prints a and b only: $out"
# COMPOSE_PROFILES as compose-go splits it: at commas, trimmed; unset or
# empty is the profile "" (a profile a variable's empty default names);
# the profile "*" is every one
cat >"$tmp/prof.yaml" <<'YAML'
services:
  a: {image: busybox}
  e: {image: busybox, profiles: ["${E_PROFILE:-}"]}
  d: {image: busybox, profiles: [debug]}
  o: {image: busybox, profiles: [ops]}
YAML
services() { "$LXR" config -f "$tmp/prof.yaml" --services "$@" | tr '\n' ' '; }
[ "$(env -u COMPOSE_PROFILES "$LXR" config -f "$tmp/prof.yaml" --services | tr '\n' ' ')" = "a e " ] ||
	fail "COMPOSE_PROFILES unset: the profile \"\" is on"
[ "$(COMPOSE_PROFILES=' debug ,	ops' services)" = "a d o " ] || fail "COMPOSE_PROFILES with blanks: $(COMPOSE_PROFILES=' debug ,	ops' services)"
[ "$(COMPOSE_PROFILES='debug,,' services)" = "a e d " ] || fail "COMPOSE_PROFILES with an empty entry"
[ "$(COMPOSE_PROFILES=ops services --profile debug)" = "a d " ] || fail "--profile wins over COMPOSE_PROFILES"
[ "$(services --profile '*')" = "a e d o " ] || fail "--profile '*' is every profile: $(services --profile '*')"
# A missing env_file of a service its profiles disable is no error until
# a profile (or the command line) enables it: compose-go reads the env
# files of enabled services only
cat >"$tmp/profenv.yaml" <<'YAML'
services:
  a: {image: busybox}
  dev: {image: busybox, profiles: [dev], env_file: ./dev-only.env}
YAML
"$LXR" config -q -f "$tmp/profenv.yaml" || fail "a disabled service's missing env_file refused"
[ "$("$LXR" config -f "$tmp/profenv.yaml" --services | tr '\n' ' ')" = "a " ] || fail "profenv --services"
for how in "--profile dev" "--services dev"; do
	set +e
	# shellcheck disable=SC2086
	"$LXR" config -q -f "$tmp/profenv.yaml" $how >/dev/null 2>"$tmp/err"; rc=$?
	set -e
	[ "$rc" -eq 2 ] && grep -q "profenv.yaml:3:.*service \"dev\": env_file .*dev-only.env: No such file" "$tmp/err" ||
		fail "config $how with dev's env_file missing: $rc $(cat "$tmp/err")"
done
# -f A -f B where B includes A (AppFlowy's extras file): each -f file has
# its own chain of includes, as in compose-go, so this is no cycle
mkdir -p "$tmp/chain"
printf 'services:\n  a: {image: busybox}\n' >"$tmp/chain/base.yml"
printf 'include: [base.yml]\nservices:\n  b: {image: busybox}\n' >"$tmp/chain/extra.yml"
[ "$("$LXR" config -f "$tmp/chain/base.yml" -f "$tmp/chain/extra.yml" --services | tr '\n' ' ')" = "a b " ] ||
	fail "-f A -f B where B includes A"
printf 'include: [extra.yml]\nservices:\n  a: {image: busybox}\n' >"$tmp/chain/base.yml"
set +e
"$LXR" config -f "$tmp/chain/base.yml" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "already being included" "$tmp/err" || fail "an include cycle: rc $rc: $(cat "$tmp/err")"
set +e
"$LXR" config -f "$tmp/graph.yaml" --services nope 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "no such service: nope" "$tmp/err" || fail "unknown target: $rc"

# Errors: all at once, in file order, exit 2, nothing on stdout.
cat >"$tmp/bad.yaml" <<'YAML'
services:
  web:
    image: busybox
    restrat: always
    mem_limit: lots
  api:
    image: busybox
    ports: ["80"]
YAML
set +e
"$LXR" config -f "$tmp/bad.yaml" >"$tmp/out" 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "bad file: exit $rc"
[ ! -s "$tmp/out" ] || fail "bad file printed a model"
diff -u - "$tmp/err" <<EOF || fail "error text"
$tmp/bad.yaml:4:5: error: service "web": unknown key "restrat" (did you mean "restart"?)
$tmp/bad.yaml:5:16: error: service "web": mem_limit: invalid size "lots"
  hint: use bytes or a unit: 4096, 64k, 512m, 2g
lxr: 2 errors in $tmp/bad.yaml
EOF
# errors only in an override are said to be its, not the first file's
printf 'services:\n  web:\n    image: busybox\n' >"$tmp/good.yaml"
printf 'services:\n  web:\n    ports: 5\n    labels: 3\n' >"$tmp/over.yaml"
set +e
"$LXR" config -f "$tmp/good.yaml" -f "$tmp/over.yaml" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "bad override: exit $rc"
grep -qx "lxr: 2 errors in $tmp/over.yaml" "$tmp/err" || fail "the summary names the override: $(cat "$tmp/err")"
grep -q "ports must be a list, not a number" "$tmp/err" || fail "a number is called a number: $(cat "$tmp/err")"
set +e
"$LXR" config -f "$tmp/bad.yaml" -f "$tmp/over.yaml" >/dev/null 2>"$tmp/err"; rc=$?
set -e
grep -qx "lxr: 4 errors in 2 files" "$tmp/err" || fail "errors in two files: $(cat "$tmp/err")"

# Discovery as compose does it: from a subdirectory, the nearest parent's
# file; both names there give a warning naming the one used; an override
# file next to it is merged over it; COMPOSE_PROJECT_NAME names the project
# below -p; COMPOSE_FILE naming several files, or several -f, merge the
# later over the first, their relative paths the project directory's.
mkdir -p "$tmp/My Project/sub/deeper"
printf 'services:\n  added: {image: busybox}\n  web: {environment: {FROM: override}}\n' >"$tmp/My Project/compose.override.yaml"
out=$(cd "$tmp/My Project/sub/deeper" && "$LXR" config --services 2>"$tmp/err") || fail "from a subdirectory: $(cat "$tmp/err")"
[ "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" = "added web " ] || fail "from a subdirectory, with the override: got [$out]"
grep -q "found compose.yaml and docker-compose.yml in $tmp/My Project; using compose.yaml" "$tmp/err" ||
	fail "no warning about two stack files: $(cat "$tmp/err")"
(cd "$tmp/My Project/sub/deeper" && "$LXR" config) | grep -q "FROM: override" || fail "the override's environment is not merged into web"
rm "$tmp/My Project/compose.override.yaml" "$tmp/My Project/docker-compose.yml"
# compose-go's order where both spellings are there: docker-compose.yml
# before docker-compose.yaml, compose.override.yml before .yaml
mkdir -p "$tmp/spellings"
printf 'services:\n  yml: {image: busybox}\n' >"$tmp/spellings/docker-compose.yml"
printf 'services:\n  yaml: {image: busybox}\n' >"$tmp/spellings/docker-compose.yaml"
printf 'services:\n  oyml: {image: busybox}\n' >"$tmp/spellings/compose.override.yml"
printf 'services:\n  oyaml: {image: busybox}\n' >"$tmp/spellings/compose.override.yaml"
out=$(cd "$tmp/spellings" && "$LXR" config --services 2>/dev/null | sort | tr '\n' ' ')
[ "$out" = "oyml yml " ] || fail "docker-compose.yml and compose.override.yml go first: got [$out]"
[ "$(COMPOSE_PROJECT_NAME=fromenv "$LXR" config | head -n1)" = "name: fromenv" ] || fail "COMPOSE_PROJECT_NAME"
[ "$(COMPOSE_PROJECT_NAME=fromenv "$LXR" config -p fromflag | head -n1)" = "name: fromflag" ] || fail "-p below COMPOSE_PROJECT_NAME"
[ "$(cd "$tmp" && COMPOSE_FILE="$tmp/My Project/compose.yaml" "$LXR" config --services)" = web ] || fail "COMPOSE_FILE"
# both in the working directory's .env: compose reads that .env before the
# project's (the file's directory), so its COMPOSE_PROJECT_NAME names it
mkdir -p "$tmp/dotenv"
printf 'COMPOSE_FILE=%s\nCOMPOSE_PROJECT_NAME=fromdotenv\n' "$tmp/My Project/compose.yaml" >"$tmp/dotenv/.env"
[ "$(cd "$tmp/dotenv" && "$LXR" config | head -n1)" = "name: fromdotenv" ] || fail "COMPOSE_PROJECT_NAME beside COMPOSE_FILE in .env: $(cd "$tmp/dotenv" && "$LXR" config 2>&1 | head -n3)"
mkdir -p other
printf 'services:\n  more:\n    image: busybox\n    volumes: ["./data:/data"]\n' >other/more.yaml
out=$(COMPOSE_FILE="compose.yaml:other/more.yaml" "$LXR" config --services 2>"$tmp/err") || fail "COMPOSE_FILE with two files: $(cat "$tmp/err")"
[ "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" = "more web " ] || fail "COMPOSE_FILE with two files: got [$out]"
out=$(COMPOSE_PATH_SEPARATOR=';' COMPOSE_FILE="compose.yaml;other/more.yaml" "$LXR" config --services 2>"$tmp/err") ||
	fail "COMPOSE_FILE with COMPOSE_PATH_SEPARATOR: $(cat "$tmp/err")"
[ "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" = "more web " ] || fail "COMPOSE_PATH_SEPARATOR=';': got [$out]"
printf 'COMPOSE_FILE=compose.yaml;other/more.yaml\nCOMPOSE_PATH_SEPARATOR=;\n' >.env
out=$("$LXR" config --services 2>"$tmp/err") || fail "COMPOSE_PATH_SEPARATOR in .env: $(cat "$tmp/err")"
[ "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" = "more web " ] || fail "COMPOSE_PATH_SEPARATOR in .env: got [$out]"
rm .env
out=$("$LXR" -f compose.yaml -f other/more.yaml config 2>"$tmp/err") || fail "two -f: $(cat "$tmp/err")"
printf '%s\n' "$out" | grep -q "source: $tmp/My Project/data$" || fail "an override's relative path is not the project directory's: $out"
set +e
"$LXR" config -f compose.yaml -f missing.yaml >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "override file: .*missing.yaml: No such file" "$tmp/err" || fail "a missing -f file: $rc $(cat "$tmp/err")"
# an override that holds only comments (or nothing) adds nothing, as in
# compose (opentelemetry-demo loads such a file last); alone it is an error
printf '# extra services go here\n' >other/extras.yaml
: >other/none.yaml
out=$("$LXR" -f compose.yaml -f other/extras.yaml -f other/none.yaml config --services 2>"$tmp/err") ||
	fail "comment-only and empty override files: $(cat "$tmp/err")"
[ "$out" = web ] || fail "comment-only override: got [$out]"
set +e
"$LXR" config -f other/extras.yaml >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "the stack file is empty" "$tmp/err" || fail "a comment-only file alone: $rc $(cat "$tmp/err")"

# networks and volumes alone: they load (compose-go), nothing runs them
printf 'networks:\n  front: {}\nvolumes:\n  data: {}\n' >other/resources.yaml
"$LXR" config -f other/resources.yaml >/dev/null 2>"$tmp/err" || fail "a file of networks and volumes alone: $(cat "$tmp/err")"
set +e
"$LXR" up -d -f other/resources.yaml >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "the stack has no services" "$tmp/err" || fail "up of networks and volumes alone: $rc $(cat "$tmp/err")"

# compose's listings: --images, --volumes, --networks, --models,
# --profiles; -o FILE
cat >other/lists.yaml <<Y
name: lists
services:
  a: {image: nginx:1.27}
  b: {build: ./b}
  c: {image: redis, profiles: [debug, ops]}
volumes: {data: {}}
networks: {front: {}}
models: {llm: {model: ai/smollm2}, embed: {model: ai/mxbai}}
Y
mkdir -p other/b
[ "$("$LXR" config -f other/lists.yaml --images | tr '\n' ' ')" = "nginx:1.27 lists-b " ] || fail "--images: $("$LXR" config -f other/lists.yaml --images 2>&1)"
[ "$("$LXR" config -f other/lists.yaml --volumes)" = data ] || fail "--volumes"
[ "$("$LXR" config -f other/lists.yaml --networks | sort | tr '\n' ' ')" = "default front " ] || fail "--networks: $("$LXR" config -f other/lists.yaml --networks)"
[ "$("$LXR" config -f other/lists.yaml --profiles | tr '\n' ' ')" = "debug ops " ] || fail "--profiles"
[ "$("$LXR" config -f other/lists.yaml --models | tr '\n' ' ')" = "llm embed " ] || fail "--models: $("$LXR" config -f other/lists.yaml --models 2>&1)"
"$LXR" config -f other/lists.yaml -o "$tmp/printed.yaml" || fail "config -o"
head -n1 "$tmp/printed.yaml" | grep -qx "name: lists" || fail "config -o wrote: $(head -n2 "$tmp/printed.yaml")"

# lxr.conf: an unknown key stops every command with its line.
printf '[paths]\nrun_dir = /tmp/x\nrundir = /typo\n' >"$tmp/lxr.conf"
set +e
LXR_CONFIG="$tmp/lxr.conf" "$LXR" config -f "$tmp/graph.yaml" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "lxr.conf:3: unknown key \"rundir\"" "$tmp/err" || fail "lxr.conf: $rc $(cat "$tmp/err")"
echo "ok"
