#!/bin/bash
# type: image volumes (compose 2.35, docker's --mount type=image): an
# image's files at the target, read-only, with the whiteouts of its upper
# layers honoured (a file a later layer removed is not there), or one
# directory of them (image.subpath), from a one-layer image (bound) and a
# three-layer one (an overlay). A subpath the image lacks fails the start,
# naming it; an image that cannot be had fails up at its line; neither
# leaves a container.
. "$(dirname "$0")/lib.sh"

# a base with a file its next layer removes, and a built image over it
cp -a "$ROOTFS" "$TEST_TMP/base"
echo "removed above" > "$TEST_TMP/base/etc/gone"
# an absolute link, as images have them: a subpath through it stays inside
ln -s /etc "$TEST_TMP/base/etclink"
run import "$TEST_TMP/base" lxrtest/ivbase:1
expect_rc 0 "import the base"
mkdir -p "$TEST_TMP/ctx"
echo "weights" > "$TEST_TMP/ctx/model.bin"
cat > "$TEST_TMP/ctx/Dockerfile" <<'EOF'
FROM lxrtest/ivbase:1
RUN rm /etc/gone && mkdir -p /models && echo v2 > /models/version
COPY model.bin /models/model.bin
EOF
run build -t lxrtest/ivmodels:2 "$TEST_TMP/ctx"
expect_rc 0 "build the models image"
at_exit "$LXR" rmi -f lxrtest/ivmodels:2 lxrtest/ivbase:1

stack <<'EOF'
name: imgvol
services:
  app:
    image: @ROOTFS@
    network_mode: none
    command: ["sleep", "300"]
    volumes:
      - {type: image, source: lxrtest/ivmodels:2, target: /m}
      - {type: image, source: lxrtest/ivmodels:2, target: /mm, image: {subpath: models}}
      - {type: image, source: lxrtest/ivbase:1, target: /b, image: {subpath: etc}}
      - {type: image, source: lxrtest/ivbase:1, target: /whole, read_only: false}
      - {type: image, source: lxrtest/ivbase:1, target: /l, image: {subpath: etclink}}
  admin:
    image: @ROOTFS@
    network_mode: none
    command: ["sleep", "300"]
    cap_add: [SYS_ADMIN]
    security_opt: [seccomp=unconfined]
    volumes:
      - {type: image, source: lxrtest/ivbase:1, target: /one}
      - {type: image, source: lxrtest/ivmodels:2, target: /sub, image: {subpath: models}}
EOF
run -f "$STACK" up -d
expect_rc 0 "up with image volumes"
run -f "$STACK" exec app sh -c '
cat /m/models/version /m/models/model.bin
[ -e /m/etc/gone ] && echo gone-is-there || echo gone-removed
[ -x /m/bin/sh ] && echo base-layer-there
ls /mm | tr "\n" " "; echo
cat /b/gone
[ -e /whole/etc/gone ] && echo whole-has-gone
[ -e /l/gone ] && echo link-inside-image
for d in /m /mm /b /whole; do touch $d/new 2>/dev/null && echo "$d writable" || echo "$d read-only"; done'
expect_rc 0 "exec in the container"
expect_out "v2
weights
gone-removed
base-layer-there
model.bin version 
removed above
whole-has-gone
link-inside-image
/m read-only
/mm read-only
/b read-only
/whole read-only" "the image volumes"
pass "image volumes: whole, subpath, one layer and three, read-only, whiteouts honoured"

# even a container that may mount cannot make them writable: an overlay
# without an upper layer stays read-only (a bind of a one-layer image's
# directory would be the store's own, remountable)
run -f "$STACK" exec admin sh -c '
for d in /one /sub; do
	mount -o remount,rw "$d" 2>/dev/null; mount -o remount,bind,rw "$d" 2>/dev/null
	touch "$d/new" 2>/dev/null && echo "$d written" || echo "$d read-only"
done'
expect_out "/one read-only
/sub read-only" "remounting an image volume with SYS_ADMIN"
pass "an image volume stays read-only for a container with SYS_ADMIN"

# inspect says what docker's does: Type image, Source the reference
run -f "$STACK" inspect app
kinds=$(printf '%s' "$OUT" | python3 -c 'import json, sys
for m in json.load(sys.stdin)[0]["Mounts"]:
    print(m["Type"], m["Source"], m["Destination"], m["RW"])')
expect_grep "$kinds" "^image lxrtest/ivmodels:2 /m False$" "inspect Mounts"
expect_grep "$kinds" "^image lxrtest/ivbase:1 /b False$" "inspect Mounts"
# in use while the stack is up, as a service's own image is
run rmi lxrtest/ivmodels:2
[ "$RC" -ne 0 ] || fail "rmi removed an image a volume mounts"
expect_grep "$ERR" "in use" "rmi says the image is in use"
run -f "$STACK" exec app cat /mm/version
expect_out "v2" "the volume after rmi"
run -f "$STACK" down -t 0
expect_rc 0 "down"
pass "inspect shows image mounts; rmi leaves them; down"

# docker's --mount type=image on lxr run
run run --rm --network none --mount type=image,source=lxrtest/ivmodels:2,target=/w,image-subpath=models \
	"$ROOTFS" sh -c 'cat /w/version; touch /w/x 2>/dev/null || echo read-only'
expect_rc 0 "run --mount type=image"
expect_out "v2
read-only" "run --mount type=image"
pass "lxr run --mount type=image,image-subpath="

# a subpath the image lacks, an image that cannot be had: up fails at the line
sed -i 's|subpath: models}|subpath: nowhere}|' "$STACK"
run -f "$STACK" up -d
[ "$RC" -ne 0 ] || fail "up with a missing subpath ran"
expect_grep "$ERR" "/mm: subpath nowhere" "missing subpath"
run -f "$STACK" ps -q
[ -z "$OUT" ] || fail "a failed start left a running container: $OUT"
run -f "$STACK" down -t 0
sed -i 's|subpath: nowhere}|subpath: models}|; s|source: lxrtest/ivbase:1, target: /b|source: localhost:1/lxrtest-absent:1, target: /b|' "$STACK"
# a dry run, and a config hash, pull nothing: they say what up would pull
run -f "$STACK" up --dry-run
expect_rc 0 "dry run"
expect_grep "$OUT" "would create +app-1 \(pulls localhost:1/lxrtest-absent:1 first\)" "dry run"
! printf '%s\n' "$ERR" "$OUT" | grep -q "Pulling" || fail "a dry run pulled: $ERR"
run -f "$STACK" config --hash app
[ "$RC" -ne 0 ] || fail "config --hash of a missing volume image"
expect_grep "$ERR" "is not in the store" "config --hash pulls nothing"
run -f "$STACK" up -d
[ "$RC" -ne 0 ] || fail "up with an image that cannot be had ran"
expect_grep "$ERR" "compose.yaml:[0-9]+:[0-9]+: service \"app\": image \"localhost:1/lxrtest-absent:1\" of the volume at /b" "missing image"
run -f "$STACK" ps -aq
[ -z "$OUT" ] || fail "a failed up left containers: $OUT"
pass "a missing subpath or image fails up, naming it"
