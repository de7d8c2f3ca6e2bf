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

# ---- lxr login / logout ----------------------------------------------------------
# login checks the credentials with the registry, then keeps them beside
# what the auth file holds; pull and push find them there; logout removes
# only them. A refused login changes nothing.
printf '{"auths":{"other.example:5000":{"auth":"%s"}},"detachKeys":"ctrl-q"}' \
	"$(printf a:b | base64)" >"$REGISTRY_AUTH_FILE"
chmod 640 "$REGISTRY_AUTH_FILE"
cp "$REGISTRY_AUTH_FILE" "$TEST_TMP/auth.before"
rc=0
echo wrong | "$LXR" login -u tester --password-stdin "$REGISTRY" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
[ "$rc" = 1 ] || fail "login with a wrong password: rc $rc: $(cat "$TEST_TMP/err")"
grep -q "unauthorized" "$TEST_TMP/err" || fail "login's refusal: $(cat "$TEST_TMP/err")"
cmp -s "$REGISTRY_AUTH_FILE" "$TEST_TMP/auth.before" || fail "a refused login changed the auth file"
printf 's3cret\n' | "$LXR" login -u tester --password-stdin "http://$REGISTRY/v2/" >"$TEST_TMP/out" 2>&1 ||
	fail "login: $(cat "$TEST_TMP/out")"
grep -q "^Login Succeeded" "$TEST_TMP/out" || fail "login's output: $(cat "$TEST_TMP/out")"
python3 - "$REGISTRY_AUTH_FILE" "$REGISTRY" <<'PY' || fail "the auth file after login: $(cat "$REGISTRY_AUTH_FILE")"
import base64, json, sys
j = json.load(open(sys.argv[1]))
assert base64.b64decode(j["auths"][sys.argv[2]]["auth"]) == b"tester:s3cret", j
assert "other.example:5000" in j["auths"] and j["detachKeys"] == "ctrl-q", j
PY
[ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 640 ] || fail "login changed the file's mode: $(stat -c %a "$REGISTRY_AUTH_FILE")"
"$LXR" rmi "$REGISTRY/private:1" >/dev/null 2>&1
run pull "$REGISTRY/private:1"
expect_rc 0 "pull with the credentials login kept"
run logout "$REGISTRY"
expect_rc 0 "logout"
expect_out "Removing login credentials for $REGISTRY" "logout says what it removed"
grep -q "$REGISTRY" "$REGISTRY_AUTH_FILE" && fail "logout left the registry's entry: $(cat "$REGISTRY_AUTH_FILE")"
grep -q "other.example:5000" "$REGISTRY_AUTH_FILE" || fail "logout removed another registry's entry"
run logout "$REGISTRY"
expect_out "Not logged in to $REGISTRY" "a second logout"
"$LXR" rmi "$REGISTRY/private:1" >/dev/null 2>&1
run pull "$REGISTRY/private:1"
expect_rc 1 "pull after logout"
pass "login checks credentials and keeps them beside the file's other entries; logout removes only them"

# docker's file and rules: ~/.docker/config.json (0600, in a 0700 directory)
# when REGISTRY_AUTH_FILE is not set; --password-stdin needs -u; no prompt
# without a terminal
home="$TEST_TMP/home"
mkdir -p "$home"
printf 's3cret' | env -u REGISTRY_AUTH_FILE HOME="$home" "$LXR" login -u tester --password-stdin "$REGISTRY" \
	>"$TEST_TMP/out" 2>&1 || fail "login to ~/.docker/config.json: $(cat "$TEST_TMP/out")"
[ "$(stat -c %a "$home/.docker/config.json")" = 600 ] || fail "config.json's mode: $(stat -c %a "$home/.docker/config.json")"
[ "$(stat -c %a "$home/.docker")" = 700 ] || fail "~/.docker's mode: $(stat -c %a "$home/.docker")"
env -u REGISTRY_AUTH_FILE HOME="$home" "$LXR" pull "$REGISTRY/private:1" >/dev/null 2>&1 ||
	fail "pull with ~/.docker/config.json's credentials"
rc=0
echo s3cret | "$LXR" login --password-stdin "$REGISTRY" >/dev/null 2>"$TEST_TMP/err" || rc=$?
[ "$rc" = 2 ] && grep -q "needs --username" "$TEST_TMP/err" || fail "--password-stdin without -u: rc $rc: $(cat "$TEST_TMP/err")"
rc=0
"$LXR" login "$REGISTRY" </dev/null >/dev/null 2>"$TEST_TMP/err" || rc=$?
[ "$rc" = 1 ] && grep -q "not a terminal" "$TEST_TMP/err" || fail "login without a terminal: rc $rc: $(cat "$TEST_TMP/err")"
# a registry's entry is looked for in docker's file, then podman's: one
# login to another registry does not hide podman's credentials
xdg="$TEST_TMP/xdg"
mkdir -p "$xdg/containers" "$TEST_TMP/home2/.docker"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$(printf tester:s3cret | base64)" >"$xdg/containers/auth.json"
: >"$TEST_TMP/home2/.docker/config.json" # empty: docker's {}
"$LXR" rmi "$REGISTRY/private:1" >/dev/null 2>&1
env -u REGISTRY_AUTH_FILE HOME="$TEST_TMP/home2" XDG_RUNTIME_DIR="$xdg" "$LXR" pull "$REGISTRY/private:1" >/dev/null 2>&1 ||
	fail "pull with podman's auth.json beside docker's config.json"
printf 's3cret' | env -u REGISTRY_AUTH_FILE HOME="$TEST_TMP/home2" "$LXR" login -u tester --password-stdin "$REGISTRY" \
	>"$TEST_TMP/out" 2>&1 || fail "login into an empty config.json: $(cat "$TEST_TMP/out")"
pass "login writes docker's ~/.docker/config.json privately and asks only on a terminal; pull looks in docker's file, then podman's"

# A registry that hands out bearer tokens (Docker Hub's way): login asks its
# token service with the credentials. docker-registry needs a signing
# certificate setup for tokens, so a stand-in answers /v2/ and /token.
port=$(free_port)
cat >"$TEST_TMP/tokenreg.py" <<'PY'
import base64, http.server, sys
port = int(sys.argv[1])
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path.startswith("/token"):
            ok = self.headers.get("Authorization") == "Basic " + base64.b64encode(b"tok:en").decode()
            ok = ok and "account=tok" in self.path and "service=stand-in" in self.path
            self.send_response(200 if ok else 401)
            self.end_headers()
            self.wfile.write(b'{"token":"t"}' if ok else b'{}')
        else:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Bearer realm="http://127.0.0.1:%d/token",service="stand-in"' % port)
            self.end_headers()
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
python3 "$TEST_TMP/tokenreg.py" "$port" &
tokpid=$!
at_exit "kill $tokpid"
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
echo en | "$LXR" login -u tok --password-stdin "127.0.0.1:$port" >"$TEST_TMP/out" 2>&1 ||
	fail "login through a token service: $(cat "$TEST_TMP/out")"
echo no | "$LXR" login -u tok --password-stdin "127.0.0.1:$port" >"$TEST_TMP/out" 2>&1 &&
	fail "the token service's refusal was taken for a login"
grep -q "unauthorized" "$TEST_TMP/out" || fail "the token refusal: $(cat "$TEST_TMP/out")"
pass "login through a registry's token service, as Docker Hub's"

# A registry names the token service's URL itself: a hostile one naming
# gopher:// (or file://, dict://, ...) would have lxr, as root on the host,
# send bytes of its choosing to a service on the host's loopback (a Redis
# that takes `CONFIG SET`). Only http and https are fetched, as Go's client
# fetches them for docker.
lport=$(free_port)
rport=$(free_port)
cat >"$TEST_TMP/listener.py" <<'PY'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
while True:
    c, _ = s.accept(); c.settimeout(2)
    try:
        data = c.recv(4096)
    except OSError:
        data = b""
    open(sys.argv[2], "ab").write(b"connection: " + data + b"\n"); c.close()
PY
cat >"$TEST_TMP/hostilereg.py" <<'PY'
import http.server, sys
realm = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Bearer realm="%s",service="x"' % realm)
        self.end_headers()
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$TEST_TMP/listener.py" "$lport" "$TEST_TMP/listener.log" &
at_exit "kill $!"
python3 "$TEST_TMP/hostilereg.py" "$rport" "gopher://127.0.0.1:$lport/_SET%20pwned%201%0D%0A" &
at_exit "kill $!"
for p in "$lport" "$rport"; do
	for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.05; done
done
: >"$TEST_TMP/listener.log" # the readiness probes' own connections
run pull "127.0.0.1:$rport/evil/img:1"
expect_rc 1 "a pull whose registry names a gopher:// token service"
expect_grep "$ERR" 'Protocol "gopher" not supported or disabled' "the scheme is refused"
sleep 0.5
[ ! -s "$TEST_TMP/listener.log" ] || fail "lxr sent the registry's bytes to a loopback service: $(cat "$TEST_TMP/listener.log")"
pass "a registry's token URL is fetched over http or https only"
