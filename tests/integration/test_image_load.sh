#!/bin/bash
# lxr load (docker-save archive, OCI archive, OCI layout directory), lxr
# import (directory and tar, --change), images/rmi/prune, and a hostile tar
# refused at import with nothing left in the store.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image_lib.sh"

oci_layout "$TEST_TMP/layout" "$ROOTFS" 1 '{"Cmd":["echo","from-layout"]}'
layers() { find "$LXR_DATA_DIR/images/layers" -mindepth 1 -maxdepth 1 -type d | wc -l; }

# a layout directory whose ref.name is a bare tag: loaded, dangling, runnable
# by ID (loading it again under a name below makes it a named image)
run load -i "$TEST_TMP/layout"
expect_rc 0 "load OCI layout dir"
run images --format json
expect_grep "$OUT" '"Repository":"<none>"' "bare-tag layout loads as a dangling image"
id=$(printf '%s\n' "$OUT" | grep '"<none>"' | grep -o '"ID":"sha256:[0-9a-f]*' | cut -c14-25)
run run --rm --name "$(cname byid)" "$id" echo by-id
expect_out by-id "run by image ID prefix"
pass "an OCI layout directory loads; an image runs by its ID"

# a layout whose blob file under a stored blob's name holds something else:
# read and checked all the same, never taken for the stored one
cp -a "$TEST_TMP/layout" "$TEST_TMP/forged"
big=$(ls -S "$TEST_TMP/forged/blobs/sha256" | head -n 1)
echo "not the layer" >"$TEST_TMP/forged/blobs/sha256/$big"
run load -i "$TEST_TMP/forged"
expect_rc 1 "a layout whose stored blob's file is something else"
expect_grep "$ERR" "does not match its digest" "the file is checked against its name"
pass "a layout directory's blobs are read and checked even when the store has them"

# skopeo writes the archives exactly as docker save / podman save would
skopeo copy -q "oci:$TEST_TMP/layout:1" "docker-archive:$TEST_TMP/saved.tar:saved/busybox:1" >/dev/null ||
	fail "skopeo docker-archive"
run load -i "$TEST_TMP/saved.tar"
expect_rc 0 "load docker-save"
expect_out "Loaded image: docker.io/saved/busybox:1" "load docker-save"
run run --rm --name "$(cname saved)" saved/busybox:1
expect_out from-layout "run a loaded docker-save image"
gzip -c "$TEST_TMP/saved.tar" > "$TEST_TMP/saved.tar.gz"
"$LXR" rmi saved/busybox:1 >/dev/null
run load -i "$TEST_TMP/saved.tar.gz"
expect_out "Loaded image: docker.io/saved/busybox:1" "load a gzipped docker-save"
"$LXR" rmi saved/busybox:1 >/dev/null
out=$("$LXR" load < "$TEST_TMP/saved.tar.gz" 2>&1) || fail "load from stdin: $out"
[ "$out" = "Loaded image: docker.io/saved/busybox:1" ] || fail "load from stdin: $out"
[ -z "$(find "$LXR_DATA_DIR" -maxdepth 1 -name '.load-stdin-*')" ] || fail "load from stdin left its spool file"
pass "a docker-save archive (plain or gzipped, by -i or on stdin) loads and runs"

# docker save (before 25) writes a layer.tar that repeats as a symlink to
# its first copy: the link is followed inside the archive (or directory)
mkdir "$TEST_TMP/linked"
tar -C "$TEST_TMP/linked" -xf "$TEST_TMP/saved.tar"
layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' "$TEST_TMP/linked/manifest.json")
mkdir "$TEST_TMP/linked/real" "$TEST_TMP/linked/copy"
mv "$TEST_TMP/linked/$layer" "$TEST_TMP/linked/real/layer.tar"
ln -s ../real/layer.tar "$TEST_TMP/linked/copy/layer.tar"
python3 - "$TEST_TMP/linked/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m[0]["Layers"] = ["copy/layer.tar"]
m[0]["RepoTags"] = ["linked/busybox:1"]
json.dump(m, open(sys.argv[1], "w"))
PY
tar -C "$TEST_TMP/linked" -cf "$TEST_TMP/linked.tar" .
run load -i "$TEST_TMP/linked.tar"
expect_rc 0 "load a docker-save archive with a symlinked layer.tar"
run run --rm --name "$(cname linked)" linked/busybox:1
expect_out from-layout "run the image whose layer.tar was a link"
"$LXR" rmi linked/busybox:1 >/dev/null
run load -i "$TEST_TMP/linked"
expect_rc 0 "load the same as a directory"
"$LXR" rmi linked/busybox:1 >/dev/null
pass "a layer.tar that is a symlink to another (docker save's repeated layers) loads, from an archive and a directory"

skopeo copy -q "oci:$TEST_TMP/layout:1" "oci-archive:$TEST_TMP/oci.tar:localhost/ocibox:2" >/dev/null ||
	fail "skopeo oci-archive"
run load -i "$TEST_TMP/oci.tar"
expect_rc 0 "load OCI archive"
expect_out "Loaded image: localhost/ocibox:2" "load OCI archive"
run run --rm --name "$(cname oci)" localhost/ocibox:2 echo oci-ran
expect_out oci-ran "run a loaded OCI archive image"
pass "an OCI image archive loads and runs"

# the same layer from three sources is one directory
[ "$(layers)" -eq 1 ] || fail "expected one shared layer directory, found $(layers)"
pass "layers are content-addressed: one directory for the three loads"

run import -c 'CMD ["/bin/sh","-c","echo imported:$X"]' -c 'ENV X=1' "$ROOTFS" base:1
expect_rc 0 "import dir"
run run --rm --name "$(cname imp)" base:1
expect_out "imported:1" "run imported image with --change config"
tar -C "$ROOTFS" -cf "$TEST_TMP/rootfs.tar" .
run import "$TEST_TMP/rootfs.tar" base:tar
expect_rc 0 "import tar"
run run --rm --name "$(cname imptar)" base:tar cat /etc/motd
expect_grep "$OUT" "lxr base image" "run imported tar"
pass "lxr import makes one-layer images from a directory or a tar"

before=$(layers)
tar -cf "$TEST_TMP/evil.tar" -C "$ROOTFS" ./etc/motd
tar -rf "$TEST_TMP/evil.tar" --absolute-names "$TEST_TMP/layout/oci-layout"
run import "$TEST_TMP/evil.tar" evil:1
expect_rc 1 "import of a tar with an absolute path"
expect_grep "$ERR" "absolute path leaves the layer" "hostile import error"
expect_grep "$ERR" "$TEST_TMP/layout/oci-layout" "hostile import names the entry"
[ "$(layers)" -eq "$before" ] || fail "a refused layer left a directory"
find "$LXR_DATA_DIR/images/layers" -maxdepth 1 -name '.tmp-*' | grep -q . && fail "temp unpack dir left"
run images
! printf '%s\n' "$OUT" | grep -q evil || fail "a refused import was tagged"
pass "a tar whose entry escapes is refused, naming the entry, and leaves nothing"

# An archive whose config names, as its layer's diff ID, a layer another
# image already has in the store (a private image's files, its diff ID
# known), with a layer file of anything: the layer there counts only if it
# was made from that very file, so the file is unpacked and checked, and
# the load refused (docker load computes each diff ID too).
mkdir -p "$TEST_TMP/private"
cp -a "$ROOTFS/." "$TEST_TMP/private/"
echo "PRIVATE-$$" >"$TEST_TMP/private/secret.txt"
run import "$TEST_TMP/private" lxrtest/private:1
expect_rc 0 "a private image"
# its layer's directory is named by its diff ID
priv=$(find "$LXR_DATA_DIR/images/layers" -mindepth 2 -maxdepth 2 -name secret.txt |
	sed 's|.*/layers/\([0-9a-f]*\)/secret.txt$|\1|')
[ "${#priv}" -eq 64 ] || fail "no layer directory holds the private file: $priv"
priv="sha256:$priv"
python3 - "$TEST_TMP/thief.tar" "$priv" <<'PY'
import hashlib, io, json, sys, tarfile
def tar_bytes(members):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for name, data in members:
            i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    return b.getvalue()
layer = tar_bytes([("dummy", b"x")])
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["cat", "/secret.txt"]},
                  "rootfs": {"type": "layers", "diff_ids": [sys.argv[2]]}}).encode()
ch = hashlib.sha256(cfg).hexdigest()
with tarfile.open(sys.argv[1], "w") as t:
    for name, data in [(ch + ".json", cfg), ("l0/layer.tar", layer),
                       ("manifest.json", json.dumps([{"Config": ch + ".json", "RepoTags": ["lxrtest/thief:1"],
                                                      "Layers": ["l0/layer.tar"]}]).encode())]:
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
PY
run load -i "$TEST_TMP/thief.tar"
expect_rc 1 "an archive naming another image's layer by its diff ID"
expect_grep "$ERR" "uncompressed layer \(diff ID\): content does not match its digest" "the layer file is checked"
run images
! printf '%s\n' "$OUT" | grep -q thief || fail "the thief image was stored: $OUT"
"$LXR" rmi lxrtest/private:1 >/dev/null
# a layout directory's index.json linking to a host file is not read
mkdir -p "$TEST_TMP/linked-layout"
echo '{"imageLayoutVersion": "1.0.0"}' >"$TEST_TMP/linked-layout/oci-layout"
echo "HOSTSECRET-$$ not json" >"$TEST_TMP/host-doc" && chmod 600 "$TEST_TMP/host-doc"
ln -s "$TEST_TMP/host-doc" "$TEST_TMP/linked-layout/index.json"
run load -i "$TEST_TMP/linked-layout"
[ "$RC" -ne 0 ] || fail "a layout whose index.json links out of it loaded"
echo "$ERR" | grep -q "HOSTSECRET" && fail "load printed the host file index.json linked to: $ERR"
pass "a config's diff ID takes a stored layer only if it was made from the same blob"

run images
expect_grep "$OUT" "^REPOSITORY +TAG +IMAGE ID" "images header"
expect_grep "$OUT" "^base +tar " "images lists base:tar by docker's short name"
# a tag moved to a new image leaves the old one dangling until prune
run import -c 'ENV X=2' "$ROOTFS" base:1
run images
expect_grep "$OUT" "<none> +<none>" "the replaced base:1 is dangling"
run image prune
expect_rc 0 "prune"
expect_grep "$OUT" "^Removed 1 images, 0 layers, [2-9] blobs" "prune removes the dangling image, keeps shared layers"
run run --rm --name "$(cname after)" base:1 /bin/sh -c 'echo $X'
expect_out 2 "the current base:1 still runs after prune"
# --entrypoint as docker takes it: it replaces ENTRYPOINT and drops CMD
# unless a command is given; "" clears it
run import -c 'ENTRYPOINT ["/bin/echo", "from-ep"]' -c 'CMD ["from-cmd"]' "$ROOTFS" ep:1
expect_rc 0 "import with ENTRYPOINT and CMD"
run run --rm --network none --name "$(cname ep1)" ep:1
expect_out "from-ep from-cmd" "the image's ENTRYPOINT and CMD"
run run --rm --network none --name "$(cname ep2)" --entrypoint /bin/echo ep:1 given
expect_out "given" "--entrypoint with a command"
run run --rm --network none --name "$(cname ep3)" --entrypoint /bin/echo ep:1
expect_out "" "--entrypoint drops the image's CMD"
run run --rm --network none --name "$(cname ep4)" --entrypoint "" ep:1 /bin/echo plain
expect_out "plain" "--entrypoint \"\" clears the ENTRYPOINT"
"$LXR" rmi ep:1 >/dev/null
pass "lxr run --entrypoint replaces the image's ENTRYPOINT as docker's does"
run rmi base:1 base:tar saved/busybox:1 localhost/ocibox:2
expect_rc 0 "rmi several"
[ "$(layers)" -eq 0 ] || fail "rmi left $(layers) layer directories"
[ -z "$(find "$LXR_DATA_DIR/images/layers" -name '.from-*')" ] || fail "rmi left a layer's record of its blob: $(ls -A "$LXR_DATA_DIR/images/layers")"
[ -z "$(ls -A "$LXR_DATA_DIR/images/blobs/sha256")" ] || fail "rmi left blobs: $(ls -A "$LXR_DATA_DIR/images/blobs/sha256")"
pass "image prune drops dangling images; rmi of the last names empties the store"

run rmi nosuch:1
expect_rc 1 "rmi missing"
expect_grep "$ERR" 'image "nosuch:1" is not in the store' "rmi missing"
run run --rm --name "$(cname bad)" "Bad Name" true
expect_rc 125 "bad reference"
expect_grep "$ERR" "image reference" "bad reference"
pass "unknown and malformed references are clear errors"
