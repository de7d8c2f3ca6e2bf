#!/bin/bash
# lxr pull from a registry that wants credentials (docker-registry with
# htpasswd: HTTP basic auth): refused without them, with a hint; pulled with
# them from a docker-style auth file named by REGISTRY_AUTH_FILE; push with
# the same credentials.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image_lib.sh"

command -v python3 >/dev/null || skip "python3 needed to make a bcrypt htpasswd entry"
hash=$(python3 -W ignore -c "import crypt; print(crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH)))")
case "$hash" in '$2'*) ;; *) skip "this libcrypt makes no bcrypt hashes (docker-registry needs them)" ;; esac
mkdir -p "$TEST_TMP/registry"
echo "tester:$hash" > "$TEST_TMP/registry/htpasswd"
REGISTRY_AUTH="auth:
  htpasswd:
    realm: lxr-test
    path: $TEST_TMP/registry/htpasswd"
start_registry
oci_layout "$TEST_TMP/layout" "$ROOTFS" 1
skopeo copy -q --dest-tls-verify=false --dest-creds tester:s3cret "oci:$TEST_TMP/layout:1" \
	"docker://$REGISTRY/private:1" >/dev/null || fail "skopeo push with credentials"

export REGISTRY_AUTH_FILE="$TEST_TMP/auth.json"
echo '{"auths":{}}' > "$REGISTRY_AUTH_FILE"
run pull "$REGISTRY/private:1"
expect_rc 1 "pull without credentials"
expect_grep "$ERR" "authentication required" "pull without credentials"
expect_grep "$ERR" "hint: .*credentials for $REGISTRY" "hint names the registry"

printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$(printf tester:wrong | base64)" > "$REGISTRY_AUTH_FILE"
run pull "$REGISTRY/private:1"
expect_rc 1 "pull with a wrong password"
expect_grep "$ERR" "HTTP 401|access denied" "wrong password"

printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$(printf tester:s3cret | base64)" > "$REGISTRY_AUTH_FILE"
run pull "$REGISTRY/private:1"
expect_rc 0 "pull with credentials"
run run --rm --name "$(cname priv)" "$REGISTRY/private:1" echo private-ok
expect_out private-ok "run the private image"
pass "basic auth from a docker-style auth file"

# push takes the same credentials: refused without them, uploaded with them
"$LXR" tag "$REGISTRY/private:1" "$REGISTRY/pushed:1" >/dev/null || fail "tag"
echo '{"auths":{}}' > "$REGISTRY_AUTH_FILE"
run push "$REGISTRY/pushed:1"
expect_rc 1 "push without credentials"
expect_grep "$ERR" "authentication required" "push without credentials"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$(printf tester:s3cret | base64)" > "$REGISTRY_AUTH_FILE"
run push "$REGISTRY/pushed:1"
expect_rc 0 "push with credentials"
skopeo inspect --tls-verify=false --creds tester:s3cret "docker://$REGISTRY/pushed:1" >/dev/null ||
	fail "the pushed image is not in the registry"
pass "push authenticates as pull does"
