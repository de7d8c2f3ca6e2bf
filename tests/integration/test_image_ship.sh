#!/bin/bash
# Images leaving the store: lxr save (docker-save and OCI archives that
# skopeo reads and lxr load brings back under the same image ID, several
# images in one archive, nothing half-written), lxr tag, and lxr push to
# Debian's docker-registry on 127.0.0.1, pulled back and run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image_lib.sh"

# the busybox image as a registry would serve it: OCI manifest, gzip layer
IMG=shipa/busybox:1
oci_layout "$TEST_TMP/layout" "$ROOTFS" "docker.io/$IMG" '{"Cmd":["echo","shipped"]}'
run load -i "$TEST_TMP/layout"
expect_rc 0 "load the busybox image"
expect_out "Loaded image: docker.io/$IMG" "load the busybox image"
image_id() { # image_id NAME [DATA_DIR]: the ID `lxr images` shows for NAME
	LXR_DATA_DIR=${2:-$LXR_DATA_DIR} "$LXR" images --format json |
		grep "\"Name\":\"$1\"" | grep -o '"ID":"sha256:[0-9a-f]*"' | cut -d'"' -f4
}
ID=$(image_id "docker.io/$IMG")
[ -n "$ID" ] || fail "no ID for $IMG: $("$LXR" images)"

# ---- save ---------------------------------------------------------------
run save -o "$TEST_TMP/docker.tar" "$IMG"
expect_rc 0 "save -o"
[ -z "$OUT" ] || fail "save -o printed [$OUT]"
tar -tf "$TEST_TMP/docker.tar" > "$TEST_TMP/list" || fail "save wrote no tar"
for f in manifest.json index.json oci-layout repositories "blobs/sha256/${ID#sha256:}" "blobs/sha256/${LAYOUT_LAYER#sha256:}"; do
	grep -qx "$f" "$TEST_TMP/list" || fail "the archive lacks $f: $(cat "$TEST_TMP/list")"
done
out=$(skopeo inspect "docker-archive:$TEST_TMP/docker.tar") || fail "skopeo inspect docker-archive"
expect_grep "$out" '"Architecture": "amd64"' "skopeo reads the docker archive's config"
tags=$(skopeo list-tags "docker-archive:$TEST_TMP/docker.tar") || fail "skopeo list-tags docker-archive"
expect_grep "$tags" '"shipa/busybox:1"' "the docker archive carries the tag"
# docker 25's archive is an OCI layout too: the stored manifest, unchanged
out=$(skopeo inspect "oci-archive:$TEST_TMP/docker.tar") || fail "skopeo inspect oci-archive of a docker save"
expect_grep "$out" "\"Digest\": \"$LAYOUT_MANIFEST\"" "the archive's OCI side has the store's manifest"
# skopeo copy reads every blob and checks each digest and diff ID
skopeo copy -q "docker-archive:$TEST_TMP/docker.tar" "oci:$TEST_TMP/check:x" >/dev/null ||
	fail "skopeo copy from the saved docker archive"
pass "save writes a docker-save archive skopeo reads, as docker archive and as OCI layout"

run save --format oci -o "$TEST_TMP/oci.tar" "$IMG"
expect_rc 0 "save --format oci"
grep -qx manifest.json <(tar -tf "$TEST_TMP/oci.tar") && fail "an OCI archive has a manifest.json"
out=$(skopeo inspect "oci-archive:$TEST_TMP/oci.tar:docker.io/$IMG") ||
	fail "skopeo inspect oci-archive:FILE:NAME"
expect_grep "$out" '"Architecture": "amd64"' "skopeo finds the image by its ref.name"
pass "save --format oci writes an OCI layout archive, the name in ref.name"

# load under a new data directory: the same image ID, and it runs
for f in docker oci; do
	export LXR_DATA_DIR="$TEST_TMP/data-$f"
	run load -i "$TEST_TMP/$f.tar"
	expect_rc 0 "load the $f archive elsewhere"
	expect_out "Loaded image: docker.io/$IMG" "load of the $f archive names the image"
	[ "$(image_id "docker.io/$IMG")" = "$ID" ] || fail "$f archive: image ID $(image_id "docker.io/$IMG"), saved $ID"
	run run --rm --name "$(cname "load$f")" "$IMG"
	expect_out shipped "run the image loaded from the $f archive"
	export LXR_DATA_DIR="$TEST_TMP/data"
done
# standard output, straight into lxr load
"$LXR" save "$IMG" | LXR_DATA_DIR="$TEST_TMP/data-pipe" "$LXR" load > "$TEST_TMP/pipe.out" 2>&1 ||
	fail "save | load: $(cat "$TEST_TMP/pipe.out")"
[ "$(image_id "docker.io/$IMG" "$TEST_TMP/data-pipe")" = "$ID" ] || fail "save | load changed the image ID"
pass "lxr load of what lxr save wrote (file or pipe, either format) keeps the image ID"

# podman load (in a store of its own under the test's directory) reads
# both, and finds the same image ID
if command -v podman >/dev/null; then
	pod() { podman --root "$TEST_TMP/podman" --runroot "$TEST_TMP/podman-run" --storage-driver vfs "$@"; }
	for f in docker oci; do
		out=$(pod load -i "$TEST_TMP/$f.tar" 2>&1) || fail "podman load of the $f archive: $out"
		expect_grep "$out" "Loaded image.*shipa/busybox:1" "podman load names the image"
		pod images --no-trunc --format '{{.ID}}' | grep -q "${ID#sha256:}" ||
			fail "podman load of the $f archive: not image $ID: $(pod images --no-trunc)"
		pod rmi -a >/dev/null 2>&1
	done
	pass "podman load reads both archives, same image ID"
fi

# several images (a second name, an ID) in one archive; each blob once
"$LXR" import -c 'CMD ["echo","second"]' "$ROOTFS" shipa/other:2 >/dev/null || fail "import"
run save -o "$TEST_TMP/multi.tar" "$IMG" shipa/other:2 "${ID:7:12}" docker.io/shipa/busybox:1
expect_rc 0 "save of several images"
[ "$(tar -tf "$TEST_TMP/multi.tar" | sort | uniq -d)" = "" ] || fail "an entry twice in the archive"
export LXR_DATA_DIR="$TEST_TMP/data-multi"
run load -i "$TEST_TMP/multi.tar"
expect_rc 0 "load of several images"
expect_grep "$OUT" "Loaded image: docker.io/$IMG" "several: the first"
expect_grep "$OUT" "Loaded image: docker.io/shipa/other:2" "several: the second"
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 2 ] || fail "an image named twice was loaded twice: $OUT"
run run --rm --name "$(cname other)" shipa/other:2
expect_out second "run the second image of the archive"
export LXR_DATA_DIR="$TEST_TMP/data"
pass "several images, by name and by ID, in one archive"

# errors: nothing is written, and the user is told what to do
run save -o "$TEST_TMP/none.tar" shipa/busybx:1
expect_rc 1 "save of an unknown image"
expect_grep "$ERR" 'not in the store' "unknown image"
expect_grep "$ERR" 'did you mean shipa/busybox:1' "the store's closest name"
[ ! -e "$TEST_TMP/none.tar" ] || fail "save of an unknown image created the file"
# (root writes anywhere a mode forbids: unwritable is a file where a
# directory should be, and a directory where the file should be)
run save -o "$TEST_TMP/list/x.tar" "$IMG"
expect_rc 1 "save below a file"
expect_grep "$ERR" "$TEST_TMP/list/x.tar" "the error names the path"
mkdir "$TEST_TMP/adir"
run save -o "$TEST_TMP/adir" "$IMG"
expect_rc 1 "save over a directory"
expect_grep "$ERR" "Is a directory" "save over a directory"
[ "$(find "$TEST_TMP" -maxdepth 1 -name '.*.tmp.*' | wc -l)" -eq 0 ] || fail "save left its temp file"
run save -o "$TEST_TMP/nosuchdir/x.tar" "$IMG"
expect_rc 1 "save into a missing directory"
expect_grep "$ERR" "No such file or directory" "missing directory"
# a write that fails half-way (a full filesystem) leaves nothing behind
mkdir "$TEST_TMP/small"
mount -t tmpfs -o size=64k lxr-test-small "$TEST_TMP/small" || fail "mount a small tmpfs"
at_exit "umount $TEST_TMP/small"
run save -o "$TEST_TMP/small/x.tar" "$IMG"
expect_rc 1 "save onto a full filesystem"
expect_grep "$ERR" "No space left on device" "save onto a full filesystem"
[ -z "$(ls -A "$TEST_TMP/small")" ] || fail "a failed save left $(ls -A "$TEST_TMP/small")"
umount "$TEST_TMP/small"
if command -v script >/dev/null; then
	script -qec "$LXR save $IMG" /dev/null > "$TEST_TMP/tty.out" 2>&1 && fail "save to a terminal succeeded"
	grep -q "refusing to write an archive to a terminal" "$TEST_TMP/tty.out" ||
		fail "save to a terminal: $(cat "$TEST_TMP/tty.out")"
fi
run save --format tar "$IMG"
expect_rc 2 "save --format of an unknown format"
pass "save: unknown image with a suggestion, unwritable path, terminal: errors, nothing half-written"

# ---- tag ---------------------------------------------------------------
start_registry
REMOTE=$REGISTRY/shipa/busybox:2
run tag "$IMG" "$REMOTE"
expect_rc 0 "tag"
[ "$(image_id "$REMOTE")" = "$ID" ] || fail "the new name is not the same image: $("$LXR" images)"
run tag "$IMG" busybox
expect_rc 0 "tag with a short name"
[ "$(image_id docker.io/library/busybox:latest)" = "$ID" ] || fail "tag does not normalize the name"
"$LXR" rmi busybox >/dev/null
run tag "$IMG" "shipa/busybox@sha256:${ID#sha256:}"
expect_rc 1 "tag with a digest"
expect_grep "$ERR" "refusing to create a tag with a digest reference" "tag with a digest"
run tag shipa/busybx:1 shipa/x:1
expect_rc 1 "tag of an unknown image"
expect_grep "$ERR" "did you mean shipa/busybox:1" "tag of an unknown image"
run tag "$IMG" "Shipa/UPPER:1"
expect_rc 1 "tag with an invalid name"
pass "tag: a normalized second name for the same image; a digest, an unknown image, a bad name refused"

# ---- push ----------------------------------------------------------------
# whether the registry took REPO's manifest TAG
pushed() { grep -q "\"PUT /v2/$1/manifests/$2 HTTP/1.1\" 201" "$REGISTRY_LOG"; }
run push "$REMOTE"
expect_rc 0 "push"
expect_grep "$ERR" "The push refers to repository \[$REGISTRY/shipa/busybox\]" "push names the repository"
expect_grep "$ERR" "${LAYOUT_LAYER:7:12}: Pushed" "push uploads the layer"
expect_grep "$ERR" "2: digest: $LAYOUT_MANIFEST size: " "push prints the manifest digest"
pushed shipa/busybox 2 || fail "no manifest PUT in the registry log"
out=$(skopeo inspect --tls-verify=false "docker://$REMOTE") || fail "skopeo inspect of the pushed image"
expect_grep "$out" "\"Digest\": \"$LAYOUT_MANIFEST\"" "the registry has the very manifest"
run push "$REMOTE"
expect_rc 0 "second push"
expect_grep "$ERR" "${LAYOUT_LAYER:7:12}: Layer already exists" "second push uploads nothing"
[ "$(grep -c '"PUT /v2/shipa/busybox/blobs/uploads/' "$REGISTRY_LOG")" -eq 2 ] ||
	fail "blob uploads: $(grep -c 'blobs/uploads' "$REGISTRY_LOG"), expected 2 (layer, config)"
pass "push uploads what the registry lacks, then the manifest, unchanged"

run rmi "$REMOTE" "$IMG"
expect_rc 0 "rmi"
run pull "$REMOTE"
expect_rc 0 "pull back"
[ "$(image_id "$REMOTE")" = "$ID" ] || fail "pulled back: another image ID"
run run --rm --name "$(cname pushed)" "$REMOTE"
expect_out shipped "run the image pulled back"
pass "an image pushed, removed and pulled back runs, same image ID"

# an image loaded from lxr save's archive (gzip layer, manifest rebuilt by
# load) pushes with a manifest that says what its layer is
export LXR_DATA_DIR="$TEST_TMP/data-docker"
run tag "$IMG" "$REGISTRY/shipa/loaded:1"
run push -q "$REGISTRY/shipa/loaded:1"
expect_rc 0 "push of a loaded image"
[ -z "$ERR" ] || fail "push -q printed [$ERR]"
raw=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/shipa/loaded:1") || fail "inspect --raw"
expect_grep "$raw" 'tar\+gzip' "the manifest of a loaded gzip layer says gzip"
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/shipa/loaded:1" "oci:$TEST_TMP/check2:x" >/dev/null ||
	fail "skopeo copy of the image lxr pushed"
export LXR_DATA_DIR="$TEST_TMP/data"
run push "$REGISTRY/shipa/busybx:2"
expect_rc 1 "push of an unknown image"
expect_grep "$ERR" "did you mean" "push of an unknown image"
pass "a loaded image pushes as a valid image; an unknown one is refused with a suggestion"

# ---- a stack's built images: lxr compose push, lxr push SERVICE ---------
mkdir -p "$TEST_TMP/stack/app"
printf 'FROM %s\nRUN echo built > /built\n' "$REMOTE" > "$TEST_TMP/stack/app/Dockerfile"
cat > "$TEST_TMP/stack/compose.yaml" <<C
name: shipstack
services:
  app:
    build:
      context: ./app
      tags: ["$REGISTRY/shipa/app:extra"]
    image: $REGISTRY/shipa/app:1
    depends_on: [plain]
  plain:
    image: $REMOTE
  local:
    build: ./app
C
cd "$TEST_TMP/stack"
run compose build app local
expect_rc 0 "build the stack's images"
run compose push
expect_rc 0 "compose push"
for t in 1 extra; do
	pushed shipa/app "$t" || fail "compose push did not push shipa/app:$t: $ERR"
done
grep -q 'shipstack-local' "$REGISTRY_LOG" && fail "compose push pushed a service without image:"
expect_grep "$ERR" "app: pushing $REGISTRY/shipa/app:1" "compose push says what it pushes"
printf "%s\n" "$ERR" | grep -q "plain: pushing" && fail "a service without build: was pushed"
out=$(skopeo inspect --tls-verify=false "docker://$REGISTRY/shipa/app:extra") || fail "skopeo inspect of a pushed build.tags"
run push plain
expect_rc 0 "push of a service without build:"
expect_grep "$ERR" "no service to push" "push of a service without build: says why nothing is pushed"
# a failure names the service; --ignore-push-failures goes on
run tag "$REMOTE" 127.0.0.1:1/shipa/app:1
sed -i "s|image: $REGISTRY/shipa/app:1|image: 127.0.0.1:1/shipa/app:1|" compose.yaml
run push app
expect_rc 1 "push to an unreachable registry"
expect_grep "$ERR" "app: push 127.0.0.1:1/shipa/app:1 failed" "a failed push names the service and reference"
run push --ignore-push-failures app
expect_rc 0 "push --ignore-push-failures"
expect_grep "$ERR" "warning: app: push 127.0.0.1:1/shipa/app:1 failed" "an ignored failure is a warning"
run push nosuch
expect_rc 1 "push of one word that is no service and no image"
cd - >/dev/null
pass "compose push: each service with build: and image: pushes image: and build.tags; failures name the service"

# ---- build --push: what was just built goes to the registry ---------------
mkdir -p "$TEST_TMP/stackb"
cat > "$TEST_TMP/stackb/compose.yaml" <<C
name: shipbuild
services:
  app:
    build:
      context: ../stack/app
      tags: ["$REGISTRY/shipb/app:extra"]
    image: $REGISTRY/shipb/app:1
  local:
    build: ../stack/app
C
cd "$TEST_TMP/stackb"
run build --dry-run --push
expect_rc 0 "build --dry-run --push"
expect_grep "$ERR" "DRY-RUN MODE - app: pushing $REGISTRY/shipb/app:1" "a dry run says what it would push"
grep -q 'shipb/' "$REGISTRY_LOG" && fail "build --dry-run --push pushed"
run build --push
expect_rc 0 "compose build --push"
for t in 1 extra; do
	pushed shipb/app "$t" || fail "build --push did not push shipb/app:$t: $ERR"
done
grep -q 'shipbuild-local' "$REGISTRY_LOG" && fail "build --push pushed a service without image:"
run build -q -t "$REGISTRY/shipb/ctx:1" --push ../stack/app
expect_rc 0 "docker's build -t REF --push"
pushed shipb/ctx 1 || fail "build -t --push did not push: $ERR"
cd - >/dev/null
pass "build --push pushes what it built: the services' image: and build.tags, or each -t name"
