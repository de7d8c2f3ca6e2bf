#!/bin/bash
# lxr pull against a real registry (Debian's docker-registry on 127.0.0.1),
# an image pushed with skopeo from an OCI layout built here from busybox;
# then lxr run it, share its layers, keep it while in use, resume a pull.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image_lib.sh"

start_registry
PORT=${REGISTRY#*:}
oci_layout "$TEST_TMP/layout" "$ROOTFS" 1 \
	'{"Cmd":["/bin/sh","-c","echo cmd:$GREETING:$(pwd):$(id -u)"],"Env":["GREETING=hello","PATH=/bin:/usr/bin"],"WorkingDir":"/tmp","User":"app","StopSignal":"SIGQUIT"}'
push "$TEST_TMP/layout" 1 busybox:1
IMG=localhost:$PORT/busybox:1

run pull "$IMG"
expect_rc 0 "first pull"
expect_grep "$ERR" "${LAYOUT_LAYER:7:12}: Download complete" "first pull downloads the layer"
expect_grep "$ERR" "Digest: $LAYOUT_MANIFEST" "pull reports the manifest digest"
gets=$(blob_gets)
[ "$gets" -eq 2 ] || fail "first pull: expected 2 blob GETs (config, layer), registry saw $gets"
[ -d "$LXR_DATA_DIR/images/layers/${LAYOUT_DIFFID#sha256:}" ] || fail "layer not unpacked under its diff ID"
pass "lxr pull fetches config and layer, verified, and unpacks the layer once"

run pull "$IMG"
expect_rc 0 "second pull"
expect_grep "$ERR" "Already exists" "second pull"
expect_grep "$ERR" "Image is up to date" "second pull"
[ "$(blob_gets)" -eq "$gets" ] || fail "second pull transferred blobs: $(blob_gets) GETs, was $gets"
pass "a second pull transfers no layer"

run run --rm --name "$(cname hi)" "$IMG" echo hi
expect_rc 0 "run image"
expect_out hi "lxr run IMAGE CMD"
run run --rm --name "$(cname cfg)" "$IMG"
expect_out "cmd:hello:/tmp:1000" "image Cmd, Env, WorkingDir and User"
run run --rm --name "$(cname ovr)" -e GREETING=bye -w / -u root "$IMG" /bin/sh -c 'echo $GREETING:$(pwd):$(id -u):$PATH'
expect_out "bye:/:0:/bin:/usr/bin" "-e, -w and -u override the image config"
pass "lxr run IMAGE honours Cmd, Env, WorkingDir, User; the command line overrides them"

# two containers from one image: the same lower directories
n1=$(cname share1) n2=$(cname share2)
lower() { "$LXR" run --rm --name "$1" "$IMG" /bin/sh -c "grep -o 'lowerdir=[^,]*' /proc/self/mountinfo | head -n1"; }
l1=$(lower "$n1") l2=$(lower "$n2")
expect_grep "$l1" "lowerdir=$LXR_DATA_DIR/images/layers/${LAYOUT_DIFFID#sha256:}" "container 1 lower dir"
[ "$l1" = "$l2" ] || fail "two containers, two lower dirs: [$l1] [$l2]"
pass "two containers from one image share its layer directory"

# in use: rmi refused while a container runs it, allowed after
busy=$(cname busy)
run run -d --name "$busy" "$IMG" sleep 60
expect_rc 0 "detached container"
at_exit "$LXR rm -f $busy"
run rmi "$IMG"
expect_rc 1 "rmi of an image in use"
expect_grep "$ERR" "in use by a running container" "rmi in use"
run images --format json
expect_grep "$OUT" '"InUse":true' "images shows the image in use"
run rm -f "$busy"
expect_rc 0 "rm -f"
run rmi "$IMG"
expect_rc 0 "rmi after the container is gone"
[ ! -e "$LXR_DATA_DIR/images/layers/${LAYOUT_DIFFID#sha256:}" ] || fail "rmi left the layer directory"
run images
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] || fail "images after rmi: $OUT"
pass "an image in use by a running container cannot be removed; afterwards rmi removes its layers"

# resumable: a partial blob from an interrupted pull is continued with Range
blob="$TEST_TMP/layout/blobs/sha256/${LAYOUT_LAYER#sha256:}"
half=$(( $(stat -c %s "$blob") / 2 ))
head -c "$half" "$blob" > "$LXR_DATA_DIR/images/blobs/sha256/.partial-${LAYOUT_LAYER#sha256:}"
run pull "$IMG"
expect_rc 0 "resumed pull"
expect_grep "$ERR" "Download complete \(.*resumed\)" "pull continues the partial blob"
grep -q "\"GET /v2/busybox/blobs/$LAYOUT_LAYER HTTP/1.1\" 206" "$REGISTRY_LOG" || fail "no ranged (206) layer request in the registry log"
run run --rm --name "$(cname resumed)" "$IMG" cat /etc/motd
expect_grep "$OUT" "lxr base image" "image from a resumed pull runs"
pass "an interrupted pull resumes where it stopped (HTTP Range), verified"

# a corrupt partial is caught by the digest, dropped, and the next pull works
"$LXR" rmi "$IMG" >/dev/null
head -c "$half" /dev/zero > "$LXR_DATA_DIR/images/blobs/sha256/.partial-${LAYOUT_LAYER#sha256:}"
run pull "$IMG"
expect_rc 1 "pull with a corrupt partial blob"
expect_grep "$ERR" "does not match its digest" "corrupt partial"
[ ! -e "$LXR_DATA_DIR/images/blobs/sha256/${LAYOUT_LAYER#sha256:}" ] || fail "a corrupt blob was stored"
run pull "$IMG"
expect_rc 0 "pull after a corrupt partial"
pass "a blob that does not match its digest is never stored"

run pull "localhost:$PORT/nosuch:1"
expect_rc 1 "pull of a missing image"
expect_grep "$ERR" "not found \(HTTP 404\)" "missing image"
run run --rm --name "$(cname missing)" "localhost:$PORT/nosuch:2" true
expect_rc 125 "run of a missing image"
pass "missing images are reported by name"

# two lxr pulling the same image into one store at once: both succeed, one
# copy of each layer, nothing half-written left
export LXR_DATA_DIR="$TEST_TMP/data2"
"$LXR" pull -q "$IMG" > "$TEST_TMP/p1" 2>&1 & p1=$!
"$LXR" pull -q "$IMG" > "$TEST_TMP/p2" 2>&1 & p2=$!
wait $p1 || fail "concurrent pull 1: $(cat "$TEST_TMP/p1")"
wait $p2 || fail "concurrent pull 2: $(cat "$TEST_TMP/p2")"
[ "$(find "$LXR_DATA_DIR/images/layers" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 1 ] ||
	fail "concurrent pulls: $(ls -a "$LXR_DATA_DIR/images/layers")"
find "$LXR_DATA_DIR/images" -name '.tmp-*' -o -name '.partial-*' | grep . && fail "concurrent pulls left temp files"
run run --rm --name "$(cname conc)" "$IMG" echo concurrent
expect_out concurrent "run after concurrent pulls"
pass "concurrent pulls of one image into one store do not collide"
