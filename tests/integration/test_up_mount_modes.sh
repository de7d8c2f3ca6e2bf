#!/bin/bash
# Volume subpath and bind propagation as compose passes them: a subpath
# mounts a directory inside a named volume, and one that a symlink in the
# volume would lead out of it (to the host) is refused; a bind with
# propagation rslave or rshared sees what the host mounts below its source
# after the container started, a private one does not.
. "$(dirname "$0")/lib.sh"

stack <<Y
name: modes$$
services:
  prep:
    image: @ROOTFS@
    command: ["sh", "-c", "mkdir -p /v/sub && echo inside > /v/sub/hello && ln -s /etc /v/abs && ln -s ../../../../../.. /v/up && ln -s sub /v/rel"]
    volumes: ["data:/v"]
  reader:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    depends_on: {prep: {condition: service_completed_successfully}}
    volumes:
      - {type: volume, source: data, target: /mnt, volume: {subpath: sub}}
      - {type: volume, source: data, target: /rel, volume: {subpath: rel}}
volumes:
  data: {}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with a volume subpath"
run exec -f "$STACK" reader sh -c 'ls /mnt; cat /mnt/hello /rel/hello'
expect_out "hello
inside
inside" "the subpath (and one through a symlink inside the volume) is the volume's directory"
run down -f "$STACK"
expect_rc 0 "down (the volume is kept)"
pass "volume subpath mounts a directory inside a named volume"

for link in abs up; do
	stack <<Y
name: modes$$
services:
  escape:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    volumes:
      - {type: volume, source: data, target: /mnt, volume: {subpath: $link}}
volumes:
  data: {}
Y
	run up -d -f "$STACK"
	[ "$RC" -ne 0 ] || fail "a subpath through the symlink \"$link\" out of the volume started"
	expect_grep "$ERR" "volume subpath \"$link\" in .*/data: .*" "the error names the subpath and the volume"
	expect_grep "$ERR" "leads out of the volume" "the error says why"
	"$LXR" down -f "$STACK" >/dev/null 2>&1 || true
done
"$LXR" down -v -f "$STACK" >/dev/null 2>&1 || true
pass "a subpath that a symlink in the volume leads out of it (absolute or ..) is refused"

# A host directory that is a shared mount point, as propagation needs
# (docker refuses otherwise): binds of it with each mode.
prop="$SHARED/prop"
mkdir -p "$prop"
mount --bind "$prop" "$prop" || skip "cannot bind-mount $prop onto itself"
at_exit umount -R "$prop"
mount --make-shared "$prop"
stack <<Y
name: modesprop$$
services:
  slave:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    volumes: [{type: bind, source: $prop, target: /mnt, bind: {propagation: rslave}}]
  shared:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    volumes: ["$prop:/mnt:rshared"]
  private:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    volumes: [{type: bind, source: $prop, target: /mnt, bind: {propagation: private}}]
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with bind propagation"
mkdir -p "$prop/late"
mount -t tmpfs -o size=1m late "$prop/late"
echo seen > "$prop/late/file"
for svc in slave shared; do
	run exec -f "$STACK" $svc cat /mnt/late/file
	expect_out "seen" "$svc: a mount the host made below the source after the start"
done
run exec -f "$STACK" private sh -c 'cat /mnt/late/file 2>/dev/null || echo absent'
expect_out "absent" "private: the host's later mount stays the host's"
umount "$prop/late"
run down -f "$STACK"
expect_rc 0 "down"
pass "bind propagation rslave and rshared follow the host's mounts below the source, private does not"
