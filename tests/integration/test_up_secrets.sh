#!/bin/bash
# secrets and configs from files, as compose runs them without swarm: the
# file read-only at /run/secrets/NAME (a secret), /NAME or its target (a
# config); from the environment or inline content, written root-only in
# the run directory and mounted with the owner and mode given; an external
# (swarm) one is refused by name, before anything starts.
. "$(dirname "$0")/lib.sh"

echo s3cr3t > "$SHARED/db_password.txt"
echo "listen 80" > "$SHARED/app.conf"
stack <<Y
name: secrets$$
services:
  app:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    secrets: [db_password, {source: db_password, target: other_name}]
    configs: [{source: app_conf, target: /etc/app/app.conf}, app_conf]
secrets:
  db_password: {file: @SHARED@/db_password.txt}
configs:
  app_conf: {file: @SHARED@/app.conf}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with file secrets and configs"
run exec -f "$STACK" app cat /run/secrets/db_password /run/secrets/other_name /etc/app/app.conf /app_conf
expect_out "s3cr3t
s3cr3t
listen 80
listen 80" "each file where compose puts it"
run exec -f "$STACK" app sh -c 'echo x > /run/secrets/db_password'
[ "$RC" -ne 0 ] || fail "a secret is writable inside the container"
[ "$(cat "$SHARED/db_password.txt")" = s3cr3t ] || fail "the container changed the host's secret file"
run down -f "$STACK"
pass "file secrets and configs are mounted read-only where compose puts them"

mkdir -p "$TEST_TMP/env" && cd "$TEST_TMP/env"
cat > compose.yaml <<Y
name: secretsenv$$
services:
  app:
    image: $ROOTFS
    command: ["sleep", "1000"]
    user: app
    secrets:
      - token
      - {source: token, target: mine, uid: "1000", gid: "1000", mode: 0400}
    configs:
      - {source: greeting, target: /etc/greeting, mode: 0440, gid: "1000"}
secrets:
  token: {environment: TOKEN}
configs:
  greeting:
    content: "hello \${WHO}"
Y
TOKEN=abc WHO=world run up -d
at_exit "$LXR" down -p "secretsenv$$"
expect_rc 0 "up -d with an environment secret and an inline config"
run exec app sh -c 'for f in /run/secrets/token /run/secrets/mine /etc/greeting; do cat $f; echo; done'
expect_out "abc
abc
hello world" "the secret holds the variable's value, the config its interpolated content"
run exec app stat -c '%a %u %g %n' /run/secrets/token /run/secrets/mine /etc/greeting
expect_out "444 0 0 /run/secrets/token
400 1000 1000 /run/secrets/mine
440 0 1000 /etc/greeting" "owner and mode as given (0444 root's by default, as compose)"
run exec app sh -c 'echo x > /run/secrets/mine'
[ "$RC" -ne 0 ] || fail "a secret is writable inside the container"
# up again with another value: compose recreates the container
TOKEN=xyz WHO=world run up -d
expect_rc 0 "up -d again with a new value"
run exec app cat /run/secrets/token
expect_out "xyz" "the container was recreated with the new value"
run exec app sh -c 'env; cat /proc/[0-9]*/environ 2>/dev/null | tr "\0" "\n"'
! printf '%s\n' "$OUT" | grep -q "abc" || fail "the secret's value is in a process environment: $OUT"
files="$LXR_RUN_DIR/secretsenv$$/+files"
[ "$(stat -c %a "$files")" = 700 ] || fail "$files is $(stat -c %a "$files"), not root's alone"
run down
expect_rc 0 "down"
[ ! -e "$files" ] || fail "down left the written secrets: $(ls -R "$files")"
for d in /sys/fs/cgroup/*/lxr/secretsenv$$ /sys/fs/cgroup/lxr/secretsenv$$; do
	[ ! -e "$d" ] || fail "down left cgroup $d: $(cat "$d"/*/cgroup.procs 2>/dev/null | tr '\n' ' ')"
done
pass "environment secrets and inline configs: written root-only under the run dir, mounted read-only with their owner and mode, in no environment, removed at down"

cat > compose.yaml <<Y
name: secretsext$$
services:
  app:
    image: $ROOTFS
    command: ["true"]
    secrets: [token]
secrets:
  token: {external: true}
Y
run up -d
expect_rc 2 "up with an external secret (the stack cannot be planned)"
expect_grep "$ERR" "secret \"token\" is external" "the refusal names the secret"
[ ! -e "$LXR_RUN_DIR/secretsext$$/app-1" ] || fail "a container was made"
"$LXR" down -p "secretsext$$" >/dev/null 2>&1 || true

cat > compose.yaml <<Y
name: secretsunset$$
services:
  app:
    image: $ROOTFS
    command: ["true"]
    secrets: [token]
secrets:
  token: {environment: LXR_TEST_UNSET_TOKEN}
Y
run up -d
expect_rc 2 "up with a secret from an unset variable"
expect_grep "$ERR" "secret \"token\": environment variable LXR_TEST_UNSET_TOKEN is not set" "the refusal names the variable"
"$LXR" down -p "secretsunset$$" >/dev/null 2>&1 || true
pass "an external secret and one from an unset variable are refused by name, nothing started"
