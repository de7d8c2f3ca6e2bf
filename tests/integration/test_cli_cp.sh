#!/bin/bash
# lxr cp: files and directories between the host and a running container,
# with docker cp's rules, and never through a link the container planted to
# the host's files (in either direction, nor with a link swapped mid-copy).
. "$(dirname "$0")/lib.sh"

P=cp$$
stack <<Y
name: $P
services:
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
  gone:
    image: @ROOTFS@
    command: ["true"]
    restart: "no"
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_event '"instance":"web-1","state":"running"'
wait_event '"instance":"gone-1","state":"exited"'
ex() { "$LXR" exec -T -f "$STACK" web "$@"; }

# The host's files an attacker in the container would like to read or write.
HOSTDIR="$TEST_TMP/host"
mkdir -p "$HOSTDIR/victimdir"
echo "host secret" > "$HOSTDIR/secret"
echo "host victim" > "$HOSTDIR/victim"
OUTD="$TEST_TMP/out"
mkdir -p "$OUTD"

# ---- ordinary copies --------------------------------------------------------------
ex /bin/sh -c 'mkdir -p /data/sub && echo one > /data/a && echo two > /data/sub/b &&
	ln -s a /data/link && chown 1234:4321 /data/a && chmod 4755 /data/sub/b'
run cp -f "$STACK" web:/data/a "$OUTD/a"
expect_rc 0 "cp a file out"
[ "$(cat "$OUTD/a")" = one ] || fail "cp out: wrong content"
[ "$(stat -c %u "$OUTD/a")" = 0 ] || fail "cp out without -a: the caller does not own the copy"
run -p "$P" cp -a web:/data "$OUTD"
expect_rc 0 "cp -a a directory out into an existing directory"
[ "$(cat "$OUTD/data/sub/b")" = two ] || fail "cp dir out: not recursive: $(ls -R "$OUTD")"
[ "$(stat -c %u:%g "$OUTD/data/a")" = 1234:4321 ] || fail "cp -a does not keep uid:gid"
[ "$(readlink "$OUTD/data/link")" = a ] || fail "cp out: a link is not copied as a link"
[ "$(stat -c %a "$OUTD/data/sub/b")" = 755 ] || fail "cp out kept a set-uid bit on the host"
run cp -f "$STACK" web:/data/. "$OUTD/contents"
expect_rc 0 "cp DIR/. to a new name"
[ -f "$OUTD/contents/a" ] && [ -f "$OUTD/contents/sub/b" ] || fail "cp DIR/. to a new name: $(ls -R "$OUTD/contents")"
pass "cp copies files and directories out, links as links, -a keeps owners, set-uid dropped"

mkdir -p "$TEST_TMP/in/tree/deep"
echo three > "$TEST_TMP/in/tree/deep/c"
echo four > "$TEST_TMP/in/f"
chown 77:77 "$TEST_TMP/in/f"
run cp -f "$STACK" "$TEST_TMP/in/f" web:/data/
expect_rc 0 "cp a file into a container directory"
run cp -f "$STACK" "$TEST_TMP/in/tree" web:/data/newtree
expect_rc 0 "cp a directory in under a new name"
[ "$(ex /bin/sh -c 'cat /data/f /data/newtree/deep/c; stat -c %u /data/f')" = "four
three
0" ] || fail "cp in: $(ex ls -lR /data)"
run cp -a -f "$STACK" "$TEST_TMP/in/f" web:/data/f-owned
[ "$(ex stat -c %u:%g /data/f-owned)" = 77:77 ] || fail "cp -a in does not keep uid:gid"
pass "cp copies files and directories into the container, owned by root unless -a"

# an `lxr run` container by its name, as docker cp names containers
rc=$(cname cpr)
run run -d --rm --name "$rc" "$ROOTFS" /bin/sh -c 'echo from-run > /tmp/r; exec sleep 30'
expect_rc 0 "lxr run -d"
at_exit "$LXR" rm -f "$rc"
for _ in $(seq 100); do "$LXR" exec "$rc" test -e /tmp/r 2>/dev/null && break; sleep 0.05; done
(cd "$TEST_TMP" && "$LXR" cp "$rc:/tmp/r" "$OUTD/r") || fail "cp from an lxr run container"
[ "$(cat "$OUTD/r")" = from-run ] || fail "cp from an lxr run container: $(cat "$OUTD/r")"
"$LXR" rm -f "$rc" >/dev/null
pass "cp NAME:PATH of an lxr run container"

run cp -f "$STACK" web:/nosuch "$OUTD/x"
expect_rc 1 "cp of a missing source"
expect_grep "$ERR" "/nosuch.*ENOENT" "the missing path is named"
run cp -f "$STACK" gone:/etc/passwd "$OUTD/x"
expect_rc 1 "cp from a container that is not running"
expect_grep "$ERR" "not running" "cp says the service is not running"
run cp -f "$STACK" "$OUTD/a" "$OUTD/b"
expect_rc 2 "cp between two host paths"
run cp -f "$STACK" web:/data/a web:/tmp/a
expect_rc 2 "cp between two containers"
run cp -f "$STACK" web:/data "$OUTD/a"
expect_rc 1 "cp a directory onto a file"
pass "cp's failures say what is wrong"

# ---- a container's links never reach the host ------------------------------------
ex /bin/sh -c "ln -s / /hostroot; ln -s $HOSTDIR/secret /abs; ln -s ../../../../../../../..$HOSTDIR /rel;
	ln -s $HOSTDIR/victimdir /wdir; ln -s $HOSTDIR/victim /wfile; ln -s ../../../../../..$HOSTDIR/victim /wrel"
run cp -f "$STACK" "web:/hostroot$HOSTDIR/secret" "$OUTD/s1"
[ "$RC" -ne 0 ] && [ ! -e "$OUTD/s1" ] || fail "cp followed a link to / out of the container: $(cat "$OUTD/s1")"
run cp -L -f "$STACK" web:/abs "$OUTD/s2"
[ "$RC" -ne 0 ] && [ ! -e "$OUTD/s2" ] || fail "cp -L followed an absolute link to the host: $(cat "$OUTD/s2")"
run cp -f "$STACK" web:/abs "$OUTD/s3"
expect_rc 0 "cp of a link without -L"
[ -L "$OUTD/s3" ] || fail "cp of a link without -L did not copy the link itself"
run cp -f "$STACK" "web:/rel/secret" "$OUTD/s4"
[ "$RC" -ne 0 ] && [ ! -e "$OUTD/s4" ] || fail "cp followed ../ out of the container: $(cat "$OUTD/s4")"
grep -rqs "host secret" "$OUTD" && fail "the host's secret reached a copy out of the container"
pass "cp out: links to /, to host paths and ../ resolve inside the container"

echo attacker > "$TEST_TMP/in/payload"
run cp -f "$STACK" "$TEST_TMP/in/payload" web:/wdir/payload
run cp -f "$STACK" "$TEST_TMP/in/payload" "web:/hostroot$HOSTDIR/victimdir/p2"
run cp -f "$STACK" "$TEST_TMP/in/payload" web:/wfile
run cp -f "$STACK" "$TEST_TMP/in/payload" web:/wrel
run cp -f "$STACK" "$TEST_TMP/in/tree" web:/rel/victimdir
[ -z "$(ls -A "$HOSTDIR/victimdir")" ] || fail "cp in wrote through a link into the host: $(ls -A "$HOSTDIR/victimdir")"
[ "$(cat "$HOSTDIR/victim")" = "host victim" ] || fail "cp in overwrote a host file through a link"
[ ! -e "$HOSTDIR/tree" ] || fail "cp in created a host directory through ../"
pass "cp in: links to host directories and files never write the host"

# Links into the container's own /proc and /sys: lxr reads and writes
# there as the host's root, with the host's view of the kernel (kallsyms'
# real addresses, any process's knobs), so it copies neither way there
run exec -T -f "$STACK" web /bin/sh -c "mkdir -p /app && ln -s /proc/kallsyms /app/report.txt &&
	ln -s /proc/1 /app/p1 && ln -s /sys/kernel /app/sk && cat /proc/1/oom_score_adj"
adj=$OUT
[ -n "$adj" ] || fail "the links to /proc and /sys: $ERR"
run cp -L -f "$STACK" web:/app/report.txt "$OUTD/k1"
expect_rc 1 "cp -L of a link to /proc/kallsyms"
expect_grep "$ERR" "on the container's procfs, sysfs or another kernel filesystem" "the refusal says why"
[ ! -e "$OUTD/k1" ] || fail "cp copied /proc/kallsyms out: $(head -1 "$OUTD/k1")"
run cp -f "$STACK" web:/app/p1/status "$OUTD/k2"
expect_rc 1 "cp of a file below a link to /proc/1"
run cp -f "$STACK" web:/app/sk/. "$OUTD/k3"
expect_rc 1 "cp of a directory below a link to /sys"
echo -500 > "$TEST_TMP/in/adj"
run cp -f "$STACK" "$TEST_TMP/in/adj" web:/app/p1/oom_score_adj
expect_rc 1 "cp into /proc/1 through a link"
tar -C "$TEST_TMP/in" -cf - adj | "$LXR" cp -f "$STACK" - web:/app/p1 2>/dev/null &&
	fail "cp - extracted into /proc/1 through a link"
run exec -T -f "$STACK" web cat /proc/1/oom_score_adj
[ "$OUT" = "$adj" ] || fail "lxr-init's oom_score_adj changed: $adj -> $OUT"
run cp -f "$STACK" web:/ "$OUTD/root"
expect_rc 0 "cp of the container's whole root"
[ -d "$OUTD/root/proc" ] && [ -z "$(ls -A "$OUTD/root/proc")" ] || fail "/proc of a copied root is not an empty directory"
[ -z "$(ls -A "$OUTD/root/sys")" ] || fail "/sys of a copied root holds: $(ls -A "$OUTD/root/sys" | head -3)"
"$LXR" cp -f "$STACK" web:/ - 2>/dev/null | tar -tf - | grep -q '^\./proc/.' && fail "cp web:/ - put /proc's files in the tar"
# a copied root goes back in: its empty /proc and /sys are left as they are
run cp -f "$STACK" "$OUTD/root/." web:/
expect_rc 0 "cp of a copied root back into the container"
"$LXR" cp -f "$STACK" web:/ - 2>/dev/null | "$LXR" cp -f "$STACK" - web:/ ||
	fail "cp web:/ - | cp - web:/"
run exec -T -f "$STACK" web cat /proc/1/oom_score_adj
[ "$OUT" = "$adj" ] || fail "the round trips changed /proc: oom_score_adj $adj -> $OUT ($ERR, rc $RC)"
pass "cp never reads or writes the container's /proc or /sys, through a link or below its root"

# A device node or a fifo the container made where the copy lands: lxr (on
# the host, outside the container's device cgroup) must not open it, as a
# write would go to whatever device the container named (c 1 3 stands in
# for a host disk) and a fifo would hang; both are replaced by the file.
ex /bin/sh -c "mknod /dev-in c 1 3 && mkfifo /fifo-in && mkdir /tar-in && mknod /tar-in/payload c 1 3"
timeout 20 "$LXR" cp -f "$STACK" "$TEST_TMP/in/payload" web:/dev-in || fail "cp onto a device node (rc $?)"
timeout 20 "$LXR" cp -f "$STACK" "$TEST_TMP/in/payload" web:/fifo-in || fail "cp onto a fifo (rc $?)"
tar -C "$TEST_TMP/in" -cf - payload | timeout 20 "$LXR" cp -f "$STACK" - web:/tar-in || fail "cp - onto a device node (rc $?)"
run exec -T -f "$STACK" web /bin/sh -c 'for f in /dev-in /fifo-in /tar-in/payload; do
	[ -f "$f" ] && [ ! -L "$f" ] && echo "$(cat "$f")"; done'
expect_out "attacker
attacker
attacker" "a device node and a fifo at the destination are replaced by the copied file"
pass "cp in replaces a device node or fifo the container made, never writes through it"

# A name the container made reaches the user's terminal in a warning: its
# escape bytes do not (docker cp prints no names at all)
ex /bin/sh -c "mkdir -p /escd && mkfifo \"/escd/\$(printf 'n\\033]0;T\\007\\033[2J')\""
run cp -f "$STACK" web:/escd "$OUTD/escd"
expect_rc 0 "cp out of a directory holding a fifo"
printf '%s' "$ERR" | grep -q "$(printf '\033')" && fail "cp printed the container's escape bytes: $ERR"
expect_grep "$ERR" "warning: .*/escd/n\?\]0;T\?\?\[2J: not a file, directory or link" "the warning shows them as ?"
pass "a warning about a name the container made carries none of its control bytes"

# A link swapped in and out while the copy runs: each lookup is made once,
# relative to an open directory, so the window the swap aims at is not there.
ex /bin/sh -c "mkdir -p /race/d/x && echo in > /race/d/x/f"
run exec -f "$STACK" -d web /bin/sh -c "while :; do mv /race/d /race/real; ln -s $HOSTDIR /race/d;
	rm /race/d; mv /race/real /race/d; done"
expect_rc 0 "exec -d the swapping loop"
for i in $(seq 40); do
	"$LXR" cp -f "$STACK" web:/race "$OUTD/race$i" >/dev/null 2>&1 || true
	"$LXR" cp -f "$STACK" "$TEST_TMP/in/payload" "web:/race/d/x/p$i" >/dev/null 2>&1 || true
	"$LXR" cp -f "$STACK" "$TEST_TMP/in/tree" "web:/race/d/t$i" >/dev/null 2>&1 || true
done
grep -rqs "host secret" "$OUTD" && fail "a swapped link let the host's secret into a copy"
[ -z "$(ls -A "$HOSTDIR/victimdir")" ] && [ "$(ls -A "$HOSTDIR")" = "secret
victim
victimdir" ] || fail "a swapped link let cp write the host: $(ls -AR "$HOSTDIR")"
pass "cp with a link swapped during the copy stays inside the container"

# ---- tar streams ------------------------------------------------------------------
"$LXR" cp -f "$STACK" web:/data - > "$TEST_TMP/data.tar" || fail "cp web:/data -"
[ "$(tar -tf "$TEST_TMP/data.tar" | LC_ALL=C sort | tr '\n' ' ')" = "data/ data/a data/f data/f-owned data/link data/newtree/ data/newtree/deep/ data/newtree/deep/c data/sub/ data/sub/b " ] ||
	fail "cp web:/data - is not a tar of data: $(tar -tvf "$TEST_TMP/data.tar")"
mkdir -p "$TEST_TMP/untar" && tar -C "$TEST_TMP/untar" -xf "$TEST_TMP/data.tar"
[ "$(cat "$TEST_TMP/untar/data/sub/b")" = two ] || fail "the tar's file content"
[ "$(stat -c %a "$TEST_TMP/untar/data/sub/b")" = 755 ] || fail "the tar out of the container kept a set-uid bit"
ex mkdir -p /data/fromtar
tar -C "$TEST_TMP/in" -cf - tree f | "$LXR" cp -f "$STACK" - web:/data/fromtar || fail "cp - web:DIR"
[ "$(ex cat /data/fromtar/tree/deep/c /data/fromtar/f)" = "three
four" ] || fail "cp - web:DIR did not extract the stream: $(ex ls -lR /data/fromtar)"
pass "cp SERVICE:PATH - writes a tar; cp - SERVICE:DIR extracts one"

# A hostile stream: "..", an absolute name, and a link followed by a member
# through it. Links planted in the container (/wdir -> the host) too.
python3 - "$TEST_TMP/evil.tar" "$HOSTDIR" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
    def add(name, data=b"attacker\n", **kw):
        i = tarfile.TarInfo(name); i.size = len(data); [setattr(i, k, v) for k, v in kw.items()]
        t.addfile(i, io.BytesIO(data))
    l = tarfile.TarInfo("lnk"); l.type = tarfile.SYMTYPE; l.linkname = sys.argv[2] + "/victimdir"; t.addfile(l)
    add("lnk/through-link")
    add("/" + sys.argv[2].lstrip("/") + "/victimdir/absolute")
PY
ex mkdir -p /evil
run cp -f "$STACK" - web:/evil < "$TEST_TMP/evil.tar"
expect_rc 1 "a stream with a member through a link it made"
expect_grep "$ERR" "lnk: not a directory \\(a link is not followed\\)" "the link is not followed"
python3 - "$TEST_TMP/dots.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    i = tarfile.TarInfo("../../../../../../../../tmp/lxr-dotdot-$$"); i.size = 1; t.addfile(i, io.BytesIO(b"x"))
PY
run cp -f "$STACK" - web:/evil < "$TEST_TMP/dots.tar"
expect_rc 1 "a stream with .."
expect_grep "$ERR" '"\.\." refused' "the .. member is refused"
[ ! -e "/tmp/lxr-dotdot-$$" ] || { rm -f "/tmp/lxr-dotdot-$$"; fail "a .. member reached the host"; }
run cp -f "$STACK" - web:/wdir < "$TEST_TMP/data.tar"
[ -z "$(ls -A "$HOSTDIR/victimdir")" ] || fail "cp - through a planted link wrote the host: $(ls -A "$HOSTDIR/victimdir")"
python3 - "$TEST_TMP/abs.tar" "$HOSTDIR" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    i = tarfile.TarInfo(sys.argv[2] + "/victimdir/absolute"); i.size = 1; t.addfile(i, io.BytesIO(b"x"))
PY
run cp -f "$STACK" - web:/evil < "$TEST_TMP/abs.tar"
expect_rc 0 "a stream with an absolute name"
[ -z "$(ls -A "$HOSTDIR/victimdir")" ] || fail "an absolute member wrote the host"
ex test -f "/evil$HOSTDIR/victimdir/absolute" || fail "an absolute member does not land under DEST"
pass "cp - refuses .., never follows a link (its own or the container's), keeps absolute names under DEST"

# ---- export: the container's own filesystem as a tar ---------------------------
# Its run directory (the writable layer) on a tmpfs, as /run is on a user's
# host, and the image on this disk: overlayfs then gives a file the st_dev
# of the layer it is on, which is not the overlay's.
exprun="$TEST_TMP/exprun"
mkdir -p "$exprun"
mount -t tmpfs -o mode=0700 lxrt-exprun "$exprun" || fail "mount a tmpfs for the run directory"
# run last of these (at_exit runs in reverse): the test's own run
# directory again for its final cleanup, which downs the stack above
at_exit "export LXR_RUN_DIR='$LXR_RUN_DIR'"
at_exit "umount -l '$exprun'"
# lxr run's default bridge of that run directory (kept as docker0 is)
at_exit "LXR_RUN_DIR='$exprun' '$LXR' network prune -f"
export LXR_RUN_DIR="$exprun"
exp=$(cname export)
mkdir -p "$TEST_TMP/vol" && echo volume-data > "$TEST_TMP/vol/in-volume"
run run -d --name "$exp" -v "$TEST_TMP/vol:/mnt" "$ROOTFS" \
	sh -c 'echo exported > /root/made; chmod 4755 /root/made; touch /tmp/ready; exec sleep 1000'
expect_rc 0 "a container to export"
at_exit "LXR_RUN_DIR='$exprun' '$LXR' rm -f '$exp'"
for _ in $(seq 100); do "$LXR" exec "$exp" test -e /tmp/ready 2>/dev/null && break; sleep 0.05; done
run diff "$exp"
expect_rc 0 "diff of a running container"
expect_out "C /root
A /root/made
C /tmp
A /tmp/ready" "diff lists what the container changed, not its mounts nor lxr's /etc files"
run export -o "$TEST_TMP/exp.tar" "$exp"
expect_rc 0 "export -o of a running container"
python3 - "$TEST_TMP/exp.tar" "$ROOTFS/bin/busybox" <<'PY' || fail "the exported tar: see above"
import sys, tarfile
t = tarfile.open(sys.argv[1])
m = {x.name: x for x in t.getmembers()}
made = m.get("root/made")
assert made and made.mode & 0o4000 and t.extractfile(made).read() == b"exported\n", made
assert "bin/busybox" in m and m["bin/busybox"].size > 0, "the image's files"
busybox = open(sys.argv[2], "rb").read()
assert t.extractfile(m["bin/busybox"]).read() == busybox, "the image's file's contents"
assert "mnt" in m and not [n for n in m if n.startswith("mnt/")], "the volume's files"
assert "proc" in m and not [n for n in m if n.startswith("proc/")], "/proc's files"
assert m["etc/hosts"].size == 0, "lxr's bound /etc/hosts"
PY
run stop "$exp"
expect_rc 0 "stop it"
"$LXR" export "$exp" > "$TEST_TMP/exp2.tar" || fail "export of a stopped container"
run diff "$exp"
expect_grep "$OUT" "^A /root/made$" "diff of a stopped container"
tar -tf "$TEST_TMP/exp2.tar" | grep -qx "root/made" || fail "the stopped container's export lacks its layer's file"
run export "nosuch$$"
expect_rc 1 "export of no container"
run rm -f "$exp"
run network prune -f
expect_rc 0 "network prune"
export LXR_RUN_DIR="$TEST_TMP/run"
pass "export writes the container's image and layer with owners and modes, not what is mounted on it; diff lists its changes"

run down -f "$STACK"
expect_rc 0 "down"

# ---- into a service with replicas: every one of them, as compose's --------
stack <<Y
name: ${P}r
services:
  many:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    deploy: {replicas: 2}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d of a service with two replicas"
wait_event '"instance":"many-2","state":"running"'
echo to-all > "$TEST_TMP/all.txt"
run cp -f "$STACK" "$TEST_TMP/all.txt" many:/all.txt
expect_rc 0 "cp into a service with replicas"
for i in 1 2; do
	run exec -T -f "$STACK" --index "$i" many cat /all.txt
	expect_out "to-all" "replica $i has the file"
done
echo to-one > "$TEST_TMP/one.txt"
run cp -f "$STACK" --index 2 "$TEST_TMP/one.txt" many:/one.txt
expect_rc 0 "cp --index 2"
run exec -T -f "$STACK" --index 1 many test -e /one.txt
expect_rc 1 "--index 2: replica 1 left alone"
run down -f "$STACK"
expect_rc 0 "down"
pass "cp into a service copies into each of its replicas, --index into one"
