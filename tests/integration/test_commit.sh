#!/bin/bash
# lxr commit, as docker commit: a container's writable layer becomes a new
# image on the one it runs, with the container's config and -c's changes;
# what lxr mounted on it (a volume's mount point, /etc/hosts) stays out; a
# running container is frozen while it is read and runs on after; a stack's
# service and a stopped `lxr run` container commit too.
. "$(dirname "$0")/lib.sh"

IMG=t$$-cbase
"$LXR" import -c 'CMD ["/bin/sh"]' -c 'ENV BASE=1' "$ROOTFS" "$IMG:1" >/dev/null ||
	fail "import the base image"
at_exit "$LXR" rmi -f "$IMG:1" "$IMG:2" "$IMG:3" "$IMG:4"
# the image's config as the store keeps it, through docker's save format
config() {
	"$LXR" save "$1" | tar -xO manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Config"])' >"$TEST_TMP/cfgname"
	"$LXR" save "$1" | tar -xO "$(cat "$TEST_TMP/cfgname")"
}

c=$(cname run)
mkdir -p "$TEST_TMP/vol"
run run -d --name "$c" --network none -e FOO=bar -v "$TEST_TMP/vol:/data/deep" "$IMG:1" \
	sh -c 'echo hello > /greeting; mkdir -p /srv/x; rm /bin/vi; exec sleep 300'
expect_rc 0 "run -d"
at_exit "$LXR" rm -f "$c"
for _ in $(seq 100); do [ -e "$LXR_RUN_DIR/_run/$c/upper/greeting" ] && break; sleep 0.05; done
run commit -a "A. Author" -m "warm" -c 'CMD ["cat", "/greeting"]' -c 'ENV ADDED=2' "$c" "$IMG:2"
expect_rc 0 "commit of a running container"
expect_grep "$OUT" "^sha256:[0-9a-f]{64}$" "commit prints the image ID, as docker's"
run ps -a --format '{{.Names}} {{.State}}'
expect_grep "$OUT" "^$c running$" "the container runs on, not paused"
run run --rm --network none "$IMG:2"
expect_out "hello" "the new image runs its -c CMD on the container's file"
run run --rm --network none "$IMG:2" sh -c 'echo "$FOO $BASE $ADDED"; ls /srv; [ -e /bin/vi ] || echo vi-gone; [ -e /data ] || echo no-data'
expect_out "bar 1 2
x
vi-gone
no-data" "its environment, -c ENV, the directory made, the file deleted; no volume mount point"
cfg=$(config "$IMG:2")
python3 - "$cfg" <<'PY' || fail "the image's config: $cfg"
import json, sys
c = json.loads(sys.argv[1])
assert c["author"] == "A. Author", c
h = c["history"][-1]
assert h["comment"] == "warm" and h["author"] == "A. Author", h
assert h["created_by"].startswith("sh -c echo hello"), h
env = c["config"]["Env"]
assert "FOO=bar" in env and "ADDED=2" in env and not any(e.startswith("HOSTNAME=") for e in env), env
assert len(c["rootfs"]["diff_ids"]) == 2, c["rootfs"]
PY
pass "commit of a running container: its layer, config, -a, -m and -c; it runs on"

# a stack's service by its name, and a stopped run container
stack <<Y
name: t$$-cmt
services:
  web:
    image: $IMG:1
    environment: {SVC: web}
    command: ["sh", "-c", "echo svc > /svcfile; exec sleep 300"]
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
for _ in $(seq 100); do [ -e "$LXR_RUN_DIR/$PROJECT/web-1/upper/svcfile" ] && break; sleep 0.05; done
run -f "$STACK" commit web "$IMG:3"
expect_rc 0 "commit of a stack's service"
run run --rm --network none "$IMG:3" sh -c 'cat /svcfile; echo $SVC'
expect_out "svc
web" "a service's file and environment"
run down -f "$STACK" -t 0
s=$(cname stopped)
run run --name "$s" --network none "$IMG:1" sh -c 'echo kept > /s'
at_exit "$LXR" rm -f "$s"
run commit "$s" "$IMG:4"
expect_rc 0 "commit of a stopped run container"
run run --rm --network none "$IMG:4" cat /s
expect_out "kept" "its layer"
# a container that changed nothing: no new layer, an empty history entry
e=$(cname empty)
run run --name "$e" --network none "$IMG:1" true
at_exit "$LXR" rm -f "$e"
run commit "$e" "$IMG:9"
expect_rc 0 "commit of a container that changed nothing"
at_exit "$LXR" rmi -f "$IMG:9"
config "$IMG:9" | python3 -c '
import json, sys
c = json.load(sys.stdin)
assert len(c["rootfs"]["diff_ids"]) == 1, c["rootfs"]
assert len(c["history"]) == 2 and c["history"][-1].get("empty_layer") is True, c["history"]' ||
	fail "a commit of no change adds an empty history entry and no layer"
pass "commit of a stack's service and of a stopped run container; of no change"

# labels: a build inherits its base's (docker's rule), a container carries
# its image's under its own, and so does what is committed from it
mkdir -p "$TEST_TMP/ctx"
printf 'FROM %s:1\nLABEL a=1 b=2\n' "$IMG" >"$TEST_TMP/ctx/One.Dockerfile"
printf 'FROM %s:6\nLABEL b=3\n' "$IMG" >"$TEST_TMP/ctx/Two.Dockerfile"
at_exit "$LXR" rmi -f "$IMG:6" "$IMG:7" "$IMG:8"
run build -q -t "$IMG:6" -f "$TEST_TMP/ctx/One.Dockerfile" "$TEST_TMP/ctx"
expect_rc 0 "build with labels"
run build -q -t "$IMG:7" -f "$TEST_TMP/ctx/Two.Dockerfile" "$TEST_TMP/ctx"
expect_rc 0 "build on it"
config "$IMG:7" | python3 -c 'import json,sys; l=json.load(sys.stdin)["config"]["Labels"]; assert l == {"a": "1", "b": "3"}, l' ||
	fail "a build inherits its base image's labels"
l=$(cname labels)
run run -d --name "$l" --network none -l c=4 "$IMG:7" sleep 300
expect_rc 0 "run -d with a label"
at_exit "$LXR" rm -f "$l"
run inspect -f '{{json .Config.Labels}}' "$l"
expect_out '{"a":"1","b":"3","c":"4"}' "inspect: the image's labels under the container's"
run commit "$l" "$IMG:8"
expect_rc 0 "commit of the labelled container"
config "$IMG:8" | python3 -c 'import json,sys; l=json.load(sys.stdin)["config"]["Labels"]; assert l == {"a": "1", "b": "3", "c": "4"}, l' ||
	fail "commit keeps the container's labels"
pass "labels: inherited by a build, carried by a container, kept by commit"

# a container of a root filesystem directory: the directory is its base
# layer's history, as the image's layers are
d=$(cname dir)
run run -d --name "$d" --network none "$ROOTFS" sh -c 'echo dir > /made-here; exec sleep 300'
expect_rc 0 "run -d of a root filesystem directory"
at_exit "$LXR" rm -f "$d"
for _ in $(seq 100); do [ -e "$LXR_RUN_DIR/_run/$d/upper/made-here" ] && break; sleep 0.05; done
run commit "$d" "$IMG:6"
expect_rc 0 "commit of a root filesystem directory's container"
at_exit "$LXR" rmi -f "$IMG:6"
run run --rm --network none "$IMG:6" cat /made-here
expect_out dir "the committed directory container's change"
config "$IMG:6" | grep -q "lxr commit: the directory $ROOTFS" ||
	fail "the history does not name the directory: $(config "$IMG:6")"
pass "commit of a container run from a root filesystem directory"

run commit "t$$-nosuch" "$IMG:5"
expect_rc 1 "commit of no container"
run commit "$s" "$IMG@sha256:0000000000000000000000000000000000000000000000000000000000000000"
expect_rc 2 "commit to a digest"
run commit -c 'FROB x' "$s" "$IMG:5"
expect_rc 1 "an unknown change"
expect_grep "$ERR" "FROB x.*unsupported instruction" "says which change"
run image ls
printf '%s\n' "$OUT" | grep -q "$IMG +5 " && fail "a refused commit stored an image: $OUT"
pass "commit refuses what it cannot do, naming it, and stores nothing"
