#!/bin/bash
# A user namespace per container ([userns] mode = auto in lxr.conf): root
# inside is a range of lxr's pool outside, each container its own, kept
# across restarts; the image's files are root's inside (idmapped layers), a
# host file owned by root stays out of reach through a bind mount, a named
# volume keeps the container's ids on disk; userns_mode: host opts out.
#
# lxr's pool is lxr's lines in /etc/subuid and /etc/subgid: the test runs
# in a mount namespace of its own where both are a file of its own, so the
# host's files are never changed.
if [ -z "${Y_USERNS_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
	Y_USERNS_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

SUBID="$TEST_TMP/subid"
echo "lxr:3000000:262144" > "$SUBID"
for f in /etc/subuid /etc/subgid; do
	[ -e "$f" ] || skip "$f is missing (the test binds its own over it)"
	mount --bind "$SUBID" "$f"
	at_exit umount "$f"
done
printf '[userns]\nmode = auto\n' > "$LXR_CONFIG"

# ---- lxr run: the range, the image's owners, a host file -----------------------
run run --rm --network none "$ROOTFS" cat /proc/self/uid_map
if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "MOUNT_ATTR_IDMAP"; then
	skip "the kernel or the filesystem of $LXR_DATA_DIR has no idmapped mounts: $ERR"
fi
expect_rc 0 "run in a user namespace"
expect_out "$(printf '%10s %10s %10s' 0 3000000 65536)" "uid_map inside shows the pool's first range"

run run --rm --network none "$ROOTFS" sh -c 'id -u; stat -c %u:%g / /etc/passwd; touch /new && stat -c %u /new'
expect_rc 0 "image files"
expect_out "$(printf '0\n0:0\n0:0\n0')" "the image's files are container root's (idmapped layers)"

# a host file only host root may read, bind-mounted: container root is
# not host root, so it is nobody's to open
echo secret > "$TEST_TMP/secret"
chmod 0600 "$TEST_TMP/secret"
run run --rm --network none -v "$TEST_TMP/secret:/secret" "$ROOTFS" sh -c \
	'stat -c %u /secret; cat /secret && echo READ; chmod 0666 /secret && echo CHMOD; true'
expect_rc 0 "bind of a root-owned file"
expect_grep "$OUT" '^65534$' "a host root file shows as nobody's inside"
printf '%s' "$OUT" | grep -qE 'READ|CHMOD' && fail "container root read or changed a host root 0600 file: $OUT"
[ "$(stat -c %a "$TEST_TMP/secret")" = 600 ] || fail "the host file's mode changed"
pass "container root cannot open or change a host root-owned 0600 file"

# a wrong pool says what to do, and leaves nothing
: > "$SUBID"
run run --rm --network none --name "$(cname nopool)" "$ROOTFS" true
expect_rc 125 "auto without lxr's subordinate ids"
expect_grep "$ERR" 'no subordinate range .* for user "lxr" in /etc/subuid' "names the file"
expect_grep "$ERR" 'usermod --add-subuids' "says how to add them"
echo "lxr:3000000:262144" > "$SUBID"
[ -z "$(ls "$LXR_RUN_DIR/_run" 2>/dev/null)" ] || fail "a failed start left $(ls "$LXR_RUN_DIR/_run")"
pass "a missing pool is an error that says how to make one"

# a failure inside the container reaches the caller whole, every time: the
# child that fails in its user namespace may leave a word of lxr's unread
# (the kernel then reports a reset ahead of the child's message)
for i in $(seq 12); do
	run run --rm --network none --sysctl net.ipv4.no_such_knob=1 "$ROOTFS" true
	expect_rc 125 "a sysctl the kernel has not ($i)"
	expect_grep "$ERR" "sysctl net.ipv4.no_such_knob: open /proc/sys/net/ipv4/no_such_knob: No such file" "the child's error, round $i"
done
pass "a start that fails in the container's user namespace says why, every time"

# ---- a stack: distinct ranges, kept across restarts, volumes, opt-out ---------
stack <<'Y'
name: yuserns
services:
  a:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    volumes: ["ydata:/data"]
  b:
    image: @ROOTFS@
    command: ["sleep", "1000"]
  hosty:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    userns_mode: host
volumes:
  ydata:
Y
run -f "$STACK" up -d
expect_rc 0 "up"
map() { "$LXR" -f "$STACK" exec "$1" cat /proc/self/uid_map | awk '{print $2}'; }
A=$(map a)
B=$(map b)
[ -n "$A" ] && [ -n "$B" ] || fail "no uid_map from exec (a=[$A] b=[$B])"
[ "$A" != "$B" ] || fail "two containers share the range $A"
[ "$A" -ge 3000000 ] && [ "$B" -ge 3000000 ] || fail "ranges outside the pool: $A $B"
pass "two containers get distinct ranges ($A, $B)"

# its sysfs is its network namespace's (lxr makes it there), not the host's
run -f "$STACK" exec a ls /sys/class/net
expect_out "$(printf 'eth0\nlo')" "/sys shows the container's own network devices"
[ "$(map hosty)" = 0 ] || fail "userns_mode: host is in a user namespace: $(map hosty)"
pass "userns_mode: host runs in the host's user namespace"

# files written to a named volume keep the container's ids on disk
run -f "$STACK" exec a sh -c 'echo x > /data/root-file; touch /data/user-file; chown 1000:1000 /data/user-file'
expect_rc 0 "write to the volume"
VOL=$(find "$LXR_DATA_DIR/volumes" -type d -name ydata | head -n1)
[ -n "$VOL" ] || fail "no volume directory under $LXR_DATA_DIR/volumes"
[ "$(stat -c %u:%g "$VOL/root-file")" = 0:0 ] || fail "root's file on disk: $(stat -c %u:%g "$VOL/root-file")"
[ "$(stat -c %u:%g "$VOL/user-file")" = 1000:1000 ] || fail "uid 1000's file on disk: $(stat -c %u:%g "$VOL/user-file")"
pass "a named volume keeps the container's ids on disk (idmapped)"

# the writable layer is the range's on the host
run -f "$STACK" exec b touch /made-here
expect_rc 0 "write in the container"
MADE=$(find "$LXR_RUN_DIR/yuserns" -path '*b-1/upper/made-here' | head -n1)
[ -n "$MADE" ] || fail "no made-here in b's writable layer under $LXR_RUN_DIR/yuserns"
[ "$(stat -c %u "$MADE")" = "$B" ] || fail "a file container root made is owned by $(stat -c %u "$MADE") on the host, not $B"
pass "a file container root writes is owned by its range on the host"

# lxr cp: in, the file is container root's; out with -a, owners as the
# container numbers them (docker cp's rule under userns-remap)
echo hi > "$TEST_TMP/cpin"
run -f "$STACK" cp "$TEST_TMP/cpin" a:/cpin
expect_rc 0 "cp into a user-namespaced container"
run -f "$STACK" exec a sh -c 'stat -c %u:%g /cpin; chown 1000:1000 /cpin'
expect_out "0:0" "a file copied in is container root's"
run -f "$STACK" cp -a a:/cpin "$TEST_TMP/cpout"
expect_rc 0 "cp -a out"
[ "$(stat -c %u:%g "$TEST_TMP/cpout")" = 1000:1000 ] || fail "cp -a out gives $(stat -c %u:%g "$TEST_TMP/cpout"), not the container's 1000:1000"
pass "lxr cp in and out (-a) with the container's ids"

run -f "$STACK" restart a
expect_rc 0 "restart a"
[ "$(map a)" = "$A" ] || fail "a's range changed across a restart: $A -> $(map a)"
run -f "$STACK" up -d
expect_rc 0 "up again"
[ "$(map a)" = "$A" ] && [ "$(map b)" = "$B" ] || fail "ranges changed across up: $A $B -> $(map a) $(map b)"
pass "a container keeps its range across a restart and an up"

run -f "$STACK" down
expect_rc 0 "down"
run run --rm --network none "$ROOTFS" cat /proc/self/uid_map
expect_out "$(printf '%10s %10s %10s' 0 3000000 65536)" "the ranges of a stack that is down are free again"
pass "down frees the ranges"

# ---- no idmapped mounts: shifted copies ([userns] shift = copy) ---------------
# What a kernel or file system without idmapped mounts gets (forced here,
# where they work): each image layer copied with its owners moved into the
# range, a store layer once per range; a named volume's owners moved into
# the range in place, once.
printf '[userns]\nmode = auto\nshift = copy\n' > "$LXR_CONFIG"
IMG="$TEST_TMP/img"
mkdir "$IMG"
cp -a "$ROOTFS/." "$IMG/"
echo linked > "$IMG/hl1"
ln "$IMG/hl1" "$IMG/hl2"
cp "$IMG/bin/busybox" "$IMG/suid"
chmod 4755 "$IMG/suid"
mkdir "$IMG/home-u"
chown 1000:1001 "$IMG/home-u"
mkdir "$IMG/opaque"
# an opaque directory (the layer's unpacking marks it with an xattr)
: > "$IMG/opaque/.wh..wh..opq"
xattr() { python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$1"; }
tar -C "$IMG" -cf "$TEST_TMP/img.tar" .
run import "$TEST_TMP/img.tar" "shift$$:1"
expect_rc 0 "import an image into the store"
at_exit "$LXR" rmi "shift$$:1"

inside='cat /proc/self/uid_map; stat -c "%u:%g %a" / /suid /home-u; stat -c %i /hl1 /hl2 | uniq | wc -l; touch /new && stat -c %u /new'
run run --rm --network none "shift$$:1" sh -c "$inside"
expect_rc 0 "run on shifted copies"
expect_out "$(printf '%10s %10s %10s\n0:0 755\n0:0 4755\n1000:1001 755\n1\n0' 0 3000000 65536)" \
	"inside, the image's owners, set-uid bit and hard link are the image's"
COPY=$(find "$LXR_DATA_DIR/userns/shifted" -mindepth 2 -maxdepth 2 -type d | head -n1)
[ -n "$COPY" ] || fail "no shifted copy under $LXR_DATA_DIR/userns/shifted"
[ "$(stat -c %u:%g "$COPY/suid")" = 3000000:3000000 ] || fail "the copy's root file is $(stat -c %u:%g "$COPY/suid") on the host"
[ "$(stat -c %u:%g "$COPY/home-u")" = 3001000:3001001 ] || fail "the copy's uid-1000 directory is $(stat -c %u:%g "$COPY/home-u")"
[ "$(xattr "$LXR_DATA_DIR/images/layers/$(basename "$COPY")/opaque" 2>&1)" = y ] ||
	fail "the unpacked layer has no opaque mark to copy"
[ "$(xattr "$COPY/opaque" 2>&1)" = y ] || fail "the copy lost the layer's opaque mark: $(xattr "$COPY/opaque" 2>&1)"
[ "$(stat -c %u:%g "$LXR_DATA_DIR/images/layers")" = 0:0 ] || fail "the store's layers changed owner"
ino=$(stat -c %i "$COPY")
run run --rm --network none "shift$$:1" sh -c "$inside"
expect_rc 0 "a second run"
[ "$(stat -c %i "$COPY")" = "$ino" ] || fail "the store layer was copied again for the same range"
pass "without idmapped mounts: a store layer is copied once per range, owners shifted, set-uid, links and attributes kept"

# a directory given as image may change: copied for each container, gone with it
run run --rm --network none "$ROOTFS" sh -c 'stat -c %u:%g /etc/passwd'
expect_out "0:0" "a directory image's files, shifted"

echo secret > "$TEST_TMP/secret2"
chmod 0600 "$TEST_TMP/secret2"
stack <<Y
name: yshift
services:
  a:
    image: shift$$:1
    command: ["sleep", "1000"]
    volumes: ["sdata:/data", "$TEST_TMP/secret2:/secret"]
volumes:
  sdata:
Y
run -f "$STACK" up -d
expect_rc 0 "up with shifted copies"
run -f "$STACK" exec a sh -c 'echo x > /data/root-file; touch /data/user-file; chown 1000:1000 /data/user-file; cat /secret && echo READ; true'
expect_rc 0 "write to the volume"
printf '%s' "$OUT" | grep -q READ && fail "container root read a host root 0600 file: $OUT"
A=$(map a)
VOL=$(find "$LXR_DATA_DIR/volumes" -type d -name sdata | head -n1)
[ "$(stat -c %u "$VOL")" = "$A" ] || fail "the volume's root is $(stat -c %u "$VOL") on disk, not the range's $A"
[ "$(stat -c %u:%g "$VOL/root-file")" = "$A:$A" ] || fail "root's file is $(stat -c %u:%g "$VOL/root-file") on disk"
[ "$(stat -c %u "$VOL/user-file")" = $((A + 1000)) ] || fail "uid 1000's file is $(stat -c %u "$VOL/user-file") on disk"
grep -q " $VOL\$" "$LXR_DATA_DIR/userns/volumes" || fail "no record of the volume's range: $(cat "$LXR_DATA_DIR/userns/volumes")"
run -f "$STACK" restart a
expect_rc 0 "restart"
run -f "$STACK" exec a stat -c %u:%g /data/root-file /data/user-file
expect_out "$(printf '0:0\n1000:1000')" "the volume's files keep their owners inside across a restart"
pass "without idmapped mounts: a volume's owners move into the range once, a host 0600 file stays closed"

run -f "$STACK" down -v
expect_rc 0 "down -v"
run rmi "shift$$:1"
expect_rc 0 "rmi"
run image prune -f
[ -z "$(find "$LXR_DATA_DIR/userns/shifted" -mindepth 2 2>/dev/null)" ] ||
	fail "shifted copies outlived their layer: $(find "$LXR_DATA_DIR/userns/shifted" -mindepth 2 -maxdepth 2)"
pass "a layer's shifted copies go with the layer"
