#!/bin/bash
# Where /run is a disk, root's default run directory gets a tmpfs of lxr's
# own on /run/lxr (its run state is what /run is for; on a disk, ext4's
# inode allocation made up most of a stack's start-up), mounted once and
# only when /run/lxr holds no state a mount would hide. Played in a mount
# namespace of the test's own, with a directory of the test's disk
# standing in for /run, so the host's /run is never touched.
. "$(dirname "$0")/lib.sh"

fs=$(stat -f -c %T "$TEST_TMP")
[ "$fs" != tmpfs ] && [ "$fs" != ramfs ] ||
	skip "$TEST_TMP is on $fs: no disk here to stand in for a /run that is not a tmpfs"

mkdir -p "$TEST_TMP/fake-run"
out=$(unshare --mount --propagation private env -u LXR_RUN_DIR \
	LXR="$LXR" ROOTFS="$ROOTFS" FAKE="$TEST_TMP/fake-run" bash -eu -c '
# the host'"'"'s own /run/lxr mount, if it has one, out of this namespace
while mountpoint -q /run/lxr; do umount -l /run/lxr; done
mount --bind "$FAKE" /run
"$LXR" ls >/dev/null
echo "reader: $(findmnt -n -o FSTYPE /run/lxr || echo none)"
"$LXR" run --rm --network none --name rundir-probe "$ROOTFS" true
echo "run: $?"
echo "first: $(findmnt -n -o FSTYPE /run/lxr || echo none)"
# --rm'"'"'s teardown ends after the exit code is out: wait for it
for _ in $(seq 100); do [ -z "$(ls -A /run/lxr/_run 2>/dev/null)" ] && break; sleep 0.05; done
[ -z "$(ls -A /run/lxr/_run 2>/dev/null)" ] && echo "run left nothing"
"$LXR" run --rm --network none --name rundir-probe "$ROOTFS" true
echo "mounts: $(findmnt -n -o TARGET /run/lxr | wc -l)"
# state a mount would hide: left as it is
umount /run/lxr
mkdir -p /run/lxr/someproject
"$LXR" run --rm --network none --name rundir-probe "$ROOTFS" true
echo "with state: $(findmnt -n -o FSTYPE /run/lxr || echo none)"
' 2>&1) || fail "the namespace's script failed: $out"

expect_grep "$out" "^reader: none$" "a command that only reads state mounts nothing"
expect_grep "$out" "^first: tmpfs$" "a tmpfs is mounted on /run/lxr where /run is a disk"
expect_grep "$out" "^run: 0$" "a container runs with its state there"
expect_grep "$out" "^run left nothing$" "and leaves nothing there"
expect_grep "$out" "^mounts: 1$" "the tmpfs is mounted once, not again by the next command"
expect_grep "$out" "^with state: none$" "a /run/lxr that holds state is used as it is"
pass "the default run directory is a tmpfs of lxr's own where /run is a disk"

# Where /run is a tmpfs it is the host's, sized for the host's runtime
# files: what a container writes in its writable layer must not fill it,
# so /run/lxr is a tmpfs of lxr's own there too.
out=$(unshare --mount --propagation private env -u LXR_RUN_DIR \
	LXR="$LXR" ROOTFS="$ROOTFS" bash -eu -c '
while mountpoint -q /run/lxr; do umount -l /run/lxr; done
mount -t tmpfs -o size=8m host-run /run
"$LXR" run --rm --network none --name rundir-probe "$ROOTFS" true
echo "run: $?"
echo "own: $(findmnt -n -o SOURCE,FSTYPE /run/lxr || echo none)"
"$LXR" run --rm --network none --name rundir-probe "$ROOTFS" true
echo "mounts: $(findmnt -n -o TARGET /run/lxr | wc -l)"
# a container writing 16 MB: the host'"'"'s 8 MB /run keeps its room
"$LXR" run --network none --name rundir-fill "$ROOTFS" sh -c "dd if=/dev/zero of=/big bs=1M count=16 2>/dev/null; echo wrote" || true
echo "host run free: $(df -k --output=avail /run | tail -n1 | tr -d " ")"
"$LXR" rm -f rundir-fill >/dev/null
' 2>&1) || fail "the namespace's script failed: $out"
expect_grep "$out" "^run: 0$" "a container runs where /run is a tmpfs"
expect_grep "$out" "^own: lxr-run tmpfs$" "/run/lxr is a tmpfs of lxr's own where /run is the host's tmpfs"
expect_grep "$out" "^mounts: 1$" "mounted once"
expect_grep "$out" "^wrote$" "the container wrote its 16 MB"
free=$(printf '%s\n' "$out" | sed -n 's/^host run free: //p')
[ "${free:-0}" -gt 7000 ] || fail "the container's writes filled the host's /run: $free KiB left of 8 MiB: $out"
pass "where /run is a tmpfs, the run directory is a tmpfs of lxr's own: a container's writes leave the host's /run alone"
