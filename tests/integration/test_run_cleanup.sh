#!/bin/bash
# Nothing is left behind: after a normal exit, after a failed start, and
# after lxr itself is SIGKILLed (the container shares its fate).
. "$(dirname "$0")/lib.sh"

n=$(cname rm)
run run --rm --name "$n" -v "$TEST_TMP:/host" --tmpfs /scratch "$ROOTFS" /bin/sh -c 'echo hi > /scratch/f; echo x > /etc/x'
expect_rc 0 "run with mounts"
[ ! -e "$LXR_RUN_DIR/_run/$n" ] || fail "--rm left $LXR_RUN_DIR/_run/$n"
grep -qF "$TEST_TMP" /proc/self/mountinfo && fail "mount left behind"
pass "--rm removes the writable layer; no mount remains"

# --rm hands back the exit code before its files are gone: the name is free
# at once, and the files go soon after, by themselves.
n=$(cname again)
for i in 1 2 3; do
	run run --rm --name "$n" "$ROOTFS" /bin/sh -c "echo $i; exit $i"
	expect_rc "$i" "run $i of the same name"
	expect_out "$i" "run $i of the same name"
done
for _ in $(seq 200); do
	ls -A "$LXR_RUN_DIR/_run" | grep -qF ".$n.tmp." || break
	sleep 0.05
done
ls -A "$LXR_RUN_DIR/_run" | grep -F ".$n.tmp." && fail "--rm's files were never removed"
pass "--rm: the same name runs again at once; its files go by themselves"

# A reader of lxr's stderr that goes away (LXR_DEBUG's lines into sed
# that quits once the command has started): lxr's next line meets a
# closed pipe, and lxr still removes what it made, with the command's code
n=$(cname pipe)
set +e
LXR_DEBUG=1 "$LXR" run --rm --name "$n" "$ROOTFS" /bin/sh -c 'sleep 0.3; exit 7' 2>&1 |
	sed '/command started/q' >/dev/null
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 7 ] || fail "lxr run with its stderr closed: exit $rc, expected the command's 7"
for _ in $(seq 200); do
	ls -A "$LXR_RUN_DIR/_run" | grep -qF "$n" || break
	sleep 0.05
done
ls -A "$LXR_RUN_DIR/_run" | grep -F "$n" && fail "a closed stderr left the container's files"
pass "--rm: a closed stderr does not stop lxr from removing what it made"

# On the bridge, the same name again at once: the last run's veth is still
# going with its namespace (the kernel's cleanup, not the next run, removes
# it), and the new one takes another name beside it. Each run has its own
# working eth0 and address; afterwards no veth of the name is left.
n=$(cname bridge)
alias_of() { ip -o link show | grep -cF "alias lxr:_run/$n" || true; }
for i in 1 2 3 4; do
	run run --rm --name "$n" "$ROOTFS" /bin/sh -c \
		'cat /sys/class/net/eth0/operstate; ip -4 -o addr show eth0 | grep -c " inet "'
	expect_rc 0 "bridge run $i of the same name"
	expect_out "$(printf 'up\n1')" "bridge run $i: eth0 up with an address"
done
for _ in $(seq 200); do [ "$(alias_of)" = 0 ] && break; sleep 0.05; done
[ "$(alias_of)" = 0 ] || fail "veths of $n outlived their namespaces: $(ip -o link show | grep -F "lxr:_run/$n")"
pass "--rm on the bridge: the same name runs again at once; each old veth goes with its namespace"

# The container's mounts go with its cleaner too: lxr run holds its mount
# namespace from its start and hands it to the cleaner (so the exit of its
# init does not wait for the unmounts), which lets it go before removing
# the files. Once the files are gone, no process holds a mount namespace
# that no process is in.
n=$(cname held)
LXR_DEBUG=1 run run --rm --network none --name "$n" "$ROOTFS" true
expect_rc 0 "run --rm --network none"
expect_grep "$ERR" "container $n: its mount namespace held for the cleaner" "lxr run holds the namespace"
for _ in $(seq 200); do pgrep -x lxr-cleanup >/dev/null || break; sleep 0.05; done
pgrep -x lxr-cleanup >/dev/null && fail "an lxr-cleanup is still there after 10 s"
live=$(for p in /proc/[0-9]*; do readlink "$p/ns/mnt"; done 2>/dev/null | sort -u)
held=$(for f in /proc/[0-9]*/fd/*; do readlink "$f"; done 2>/dev/null | grep '^mnt:' | sort -u || true)
orphans=$(comm -23 <(printf '%s\n' "$held") <(printf '%s\n' "$live") | grep . || true)
[ -z "$orphans" ] || fail "mount namespaces held by a descriptor after --rm: $orphans"
pass "--rm: the container's mount namespace is gone with its cleaner"

# A cleaner killed half-way leaves its temp name, with its (dead) pid:
# lxr doctor --repair removes it.
gone=$(sh -c 'echo $$')
mkdir -p "$LXR_RUN_DIR/_run/.$n.tmp.$gone/layer"
run doctor --repair
expect_rc 0 "doctor --repair"
expect_grep "$OUT" "^removed +$LXR_RUN_DIR/_run/.$n.tmp.$gone" "the dead cleaner's directory is reported"
[ ! -e "$LXR_RUN_DIR/_run/.$n.tmp.$gone" ] || fail "doctor --repair left a dead cleaner's directory"
pass "doctor --repair removes what a killed cleaner left"

n=$(cname keep)
run run --name "$n" "$ROOTFS" /bin/sh -c 'echo kept > /kept'
[ "$(cat "$LXR_RUN_DIR/_run/$n/upper/kept")" = kept ] || fail "without --rm the upper dir is kept"
for d in /sys/fs/cgroup/*/lxr/_run/"$n"; do [ -e "$d" ] && fail "cgroup $d left after exit"; done
run rm "$n"
expect_rc 0 "lxr rm"
[ ! -e "$LXR_RUN_DIR/_run/$n" ] || fail "lxr rm left $LXR_RUN_DIR/_run/$n"
run rm "$n"
expect_rc 1 "lxr rm of a removed container"
expect_grep "$ERR" "no container" "lxr rm names the missing container"
pass "without --rm only the writable layer is kept until lxr rm; cgroup removed at exit"

n=$(cname busy)
run run -d --name "$n" "$ROOTFS" sleep 100
run rm "$n"
expect_rc 1 "lxr rm of a running container"
expect_grep "$ERR" "is running" "lxr rm refuses a running container"
run rm -f "$n"
expect_rc 0 "lxr rm -f"
for _ in $(seq 100); do pgrep -fx "sleep 100" >/dev/null || break; sleep 0.05; done
[ ! -e "$LXR_RUN_DIR/_run/$n" ] || fail "lxr rm -f left the directory"
pass "lxr rm refuses a running container; rm -f kills and removes it"

# A failed start (command missing) removes what it made.
n=$(cname half)
run run --rm --name "$n" "$ROOTFS" /missing
expect_rc 127 "failed start"
[ ! -e "$LXR_RUN_DIR/_run/$n" ] || fail "failed start left its directory"
n=$(cname half2)
run run --name "$n" "$ROOTFS" /missing
[ ! -e "$LXR_RUN_DIR/_run/$n" ] || fail "failed start (no --rm) left its directory"
pass "a failed start leaves nothing"

# Name clash: a clear error, and the existing container is not touched.
n=$(cname dup)
mkdir -p "$LXR_RUN_DIR/_run/$n/upper"
echo precious > "$LXR_RUN_DIR/_run/$n/upper/file"
run run --rm --name "$n" "$ROOTFS" true
expect_rc 125 "name in use"
expect_grep "$ERR" "in use" "name-in-use message"
[ "$(cat "$LXR_RUN_DIR/_run/$n/upper/file")" = precious ] || fail "existing container touched"
rm -rf "${LXR_RUN_DIR:?}/_run/$n"
pass "a name in use is refused and left alone"

# kill -9 of lxr: the container dies with it (parent-death signal).
n=$(cname k9)
# a duration of this run's own, so the check below sees only this container
secs=$((100000 + $$))
"$LXR" run --rm --name "$n" "$ROOTFS" /bin/sh -c "echo ready; exec sleep $secs" >"$TEST_TMP/k9.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$TEST_TMP/k9.out" && break; sleep 0.05; done
child=$(pgrep -P "$pid" | head -n1)
[ -n "$child" ] || fail "no container init under lxr $pid"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
for _ in $(seq 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.05; done
kill -0 "$child" 2>/dev/null && fail "container init $child survived its lxr"
for p in $(pgrep -fx "sleep $secs"); do
	[ "$(readlink /proc/"$p"/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] && fail "container process $p survived"
done
# What the SIGKILLed lxr could not remove (its directory, its cgroup), lxr rm
# does.
run rm "$n"
expect_rc 0 "lxr rm after a killed lxr"
[ ! -e "$LXR_RUN_DIR/_run/$n" ] || fail "lxr rm left the directory of a killed lxr's container"
pass "SIGKILL of lxr takes the container with it; lxr rm removes what was left"
