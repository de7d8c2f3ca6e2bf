#!/bin/bash
# secrets and configs from files, as compose runs them without swarm: the
# file read-only at /run/secrets/NAME (a secret), /NAME or its target (a
# config); a source lxr cannot mount yet is refused by name, before
# anything starts.
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
    command: ["true"]
    secrets: [token]
secrets:
  token: {environment: TOKEN}
Y
TOKEN=abc run up -d
expect_rc 2 "up with an environment secret (the stack cannot be planned)"
expect_grep "$ERR" "secret \"token\": lxr up mounts secrets from a file only yet" "the refusal names the secret"
[ ! -e "$LXR_RUN_DIR/secretsenv$$/app-1" ] || fail "a container was made"
"$LXR" down -p "secretsenv$$" >/dev/null 2>&1 || true
pass "an environment secret is refused by name, nothing started"
