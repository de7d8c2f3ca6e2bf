#!/bin/bash
# lxr doctor says what this host has (everything, here) and what is missing
# when a feature is taken away (nft out of PATH, lxr-image not beside lxr);
# lxr doctor --repair removes what a SIGKILLed supervisor, a SIGKILLed
# `lxr run` and a SIGKILLed `lxr build` left, and dead writers' temp files,
# half-unpacked layers and build work directories, while a stack that runs
# beside them is untouched.
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for the stacks' networks"

# ---- the checks -------------------------------------------------------------
run doctor
expect_rc 0 "doctor on a host with everything"
for what in "namespace pid" "namespace user" "cgroup subtree lxr/" "overlayfs" "nft" \
	"nf_tables" "seccomp" "pidfd" "clone3" "openat2" "idmapped mounts" "lxr-image" \
	"data directory" "veth links" "macvlan and ipvlan links" "iptables FORWARD policy"; do
	printf '%s\n' "$OUT" | grep -qE "^(ok|warn) +$what: " || fail "no ok/warn line for $what: $OUT"
done
expect_grep "$OUT" "[0-9]+ ok, [0-9]+ warnings?, 0 missing" "summary line"
pass "doctor: one line per check, summary, exit 0 on this host"

run doctor --format json
expect_rc 0 "doctor --format json"
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["summary"]["missing"] == 0 and d["summary"]["ready"] is True, d["summary"]
names = [c["name"] for c in d["checks"]]
assert "overlayfs" in names and "nft" in names, names
for c in d["checks"]:
    assert c["status"] in ("ok", "warn", "missing"), c
    assert c["status"] == "ok" or ("breaks" in c and "fix" in c), c
' || fail "doctor --format json: $OUT"
pass "doctor --format json: checks and summary"

# nft taken away: every other tool doctor runs stays reachable
mkdir -p "$TEST_TMP/path"
for t in iptables ip6tables newuidmap newgidmap; do
	p=$(command -v "$t" || true)
	[ -n "$p" ] && ln -s "$p" "$TEST_TMP/path/$t"
done
set +e
OUT=$(PATH="$TEST_TMP/path" "$LXR" doctor 2>&1)
RC=$?
set -e
expect_rc 1 "doctor without nft"
expect_grep "$OUT" "^missing +nft: " "nft reported missing"
expect_grep "$OUT" "fix: apt install nftables" "the fix for nft"
expect_grep "$OUT" "[1-9][0-9]* missing" "summary counts it"
pass "doctor without nft in PATH: missing, with the fix, exit 1"

# lxr without lxr-image beside it
mkdir -p "$TEST_TMP/bin"
cp "$LXR" "$TEST_TMP/bin/lxr"
set +e
OUT=$("$TEST_TMP/bin/lxr" doctor 2>&1)
RC=$?
set -e
expect_rc 1 "doctor without lxr-image"
expect_grep "$OUT" "^missing +lxr-image: " "lxr-image reported missing"
pass "doctor without lxr-image: missing, exit 1"

run doctor --format yaml
expect_rc 2 "doctor --format yaml"
expect_grep "$ERR" "text or json" "a bad --format is refused"

# ---- repair -----------------------------------------------------------------
# A stack that runs and must be untouched.
stack <<Y
name: t$$-hkeep
services:
  app:
    image: @ROOTFS@
    command: ["sleep", "9111"]
Y
run up -d -f "$STACK"
expect_rc 0 "up of the stack that stays"
keep=$PROJECT

# A stack whose supervisor is SIGKILLed.
dead=t$$-hdead
mkdir -p "$TEST_TMP/dead"
cat >"$TEST_TMP/dead/compose.yaml" <<Y
name: $dead
services:
  app:
    image: $ROOTFS
    command: ["sleep", "9111"]
    volumes: ["$SHARED:/shared"]
Y
at_exit "$LXR" down -p "$dead" -t 0
run up -d -f "$TEST_TMP/dead/compose.yaml"
expect_rc 0 "up of the stack to kill"
sup=$(cat "$LXR_RUN_DIR/$dead/supervisor.lock")
cg_dead=$(ls -d /sys/fs/cgroup/*/lxr/"$dead"/* /sys/fs/cgroup/lxr/"$dead"/* 2>/dev/null | head -n1)
[ -n "$cg_dead" ] || fail "no cgroup for $dead"
ip -o link show | grep -qF "alias lxr:$dead/" || fail "no link of $dead"
kill -KILL "$sup"
for _ in $(seq 200); do kill -0 "$sup" 2>/dev/null || break; sleep 0.05; done

# A foreground lxr run, SIGKILLed.
n=$(cname k9)
"$LXR" run --name "$n" "$ROOTFS" /bin/sh -c "echo ready; exec sleep 9111" >"$TEST_TMP/k9.out" 2>&1 &
pid=$!
for _ in $(seq 200); do grep -q ready "$TEST_TMP/k9.out" && break; sleep 0.05; done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
cg_run=$(ls -d /sys/fs/cgroup/*/lxr/_run/"$n" /sys/fs/cgroup/lxr/_run/"$n" 2>/dev/null | head -n1)
[ -n "$cg_run" ] || fail "the killed lxr run left no cgroup to repair (test premise)"

# A build SIGKILLed in a RUN step: the step's endpoint on lxr run's network
# (build-PID-N) holds an address and keeps that network's bridge.
"$LXR" import "$ROOTFS" "t$$-kbase:1" >/dev/null || fail "import the killed build's base"
at_exit "$LXR" rmi "t$$-kbase:1"
mkdir -p "$TEST_TMP/kb"
printf 'FROM t%s-kbase:1\nRUN sleep 9111\n' "$$" >"$TEST_TMP/kb/Dockerfile"
"$LXR" build -t "t$$-kb:1" "$TEST_TMP/kb" >"$TEST_TMP/kb.out" 2>&1 &
bpid=$!
eps="$LXR_RUN_DIR/_run/.net/endpoints"
for _ in $(seq 400); do
	ep=$(ls "$eps" 2>/dev/null | grep -m1 "^build-" || true)
	[ -n "$ep" ] && break
	sleep 0.05
done
[ -n "$ep" ] || fail "the build's RUN step made no endpoint (test premise): $(cat "$TEST_TMP/kb.out")"
epid=${ep#build-}
kill -KILL "$bpid" "${epid%%-*}" 2>/dev/null || true
wait "$bpid" 2>/dev/null || true
for _ in $(seq 200); do kill -0 "${epid%%-*}" 2>/dev/null || break; sleep 0.05; done

# Dead writers' temp names: a pid that has certainly exited.
gone=$(sh -c 'echo $$')
mkdir -p "$LXR_DATA_DIR/images/layers/.tmp-$gone-0/usr" "$LXR_DATA_DIR/build/.work.tmp.$gone"
echo half >"$LXR_DATA_DIR/images/layers/.tmp-$gone-0/usr/file"
mkdir -p "$LXR_DATA_DIR/images/blobs/sha256"
echo half >"$LXR_DATA_DIR/images/blobs/sha256/.tmp-$gone-3"
echo half >"$LXR_RUN_DIR/.stack-files.tmp.$gone"
# A use record its holder died making, and a blob whose content is not
# what its name says (a disk that lost blocks).
mkdir -p "$LXR_DATA_DIR/images/uses"
echo half >"$LXR_DATA_DIR/images/uses/.new-$gone"
bad=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
echo damaged >"$LXR_DATA_DIR/images/blobs/sha256/$bad"
# A blob a cut load stored before the index named it: whole, but no image
# needs it. An image beside it keeps its own.
"$LXR" import "$ROOTFS" "t$$-keep:1" >/dev/null || fail "import an image to keep"
at_exit "$LXR" rmi "t$$-keep:1"
printf 'orphan %s' "$$" >"$TEST_TMP/orphan"
orphan=$(sha256sum "$TEST_TMP/orphan" | cut -d' ' -f1)
cp "$TEST_TMP/orphan" "$LXR_DATA_DIR/images/blobs/sha256/$orphan"
# A live writer's (this shell's): never touched.
mkdir -p "$LXR_DATA_DIR/build/.work.tmp.$$"

# Without --repair, the same leftovers are listed and nothing is removed.
run doctor
expect_grep "$OUT" "^left +$LXR_DATA_DIR/images/layers/.tmp-$gone-0" "doctor lists the half-unpacked layer"
expect_grep "$OUT" "^left +$LXR_DATA_DIR/images/blobs/sha256/$bad: content does not match" \
	"doctor lists the damaged blob"
expect_grep "$OUT" "^left +$LXR_DATA_DIR/images/uses/.new-$gone" "doctor lists the half-made use record"
expect_grep "$OUT" "^left +$LXR_RUN_DIR/.stack-files.tmp.$gone" "doctor lists the temp file"
expect_grep "$OUT" "^left +blob $LXR_DATA_DIR/images/blobs/sha256/$orphan: no image names it" \
	"doctor lists the blob no image needs"
expect_grep "$OUT" "^left +network endpoint $dead/.* of project $dead" "doctor lists the dead project's endpoint"
expect_grep "$OUT" "^left +network endpoint _run/$ep \\(its build is gone\\)" \
	"doctor lists the killed build's endpoint"
expect_grep "$OUT" "^warn +leftovers: .* left by a crash or power cut" "the leftovers check warns"
expect_grep "$OUT" "lxr doctor --repair removes them" "and says how to fix it"
grep -E "^left .*build/.work.tmp.$$" <<<"$OUT" && fail "a live writer's work dir is listed"
for p in "$LXR_DATA_DIR/images/layers/.tmp-$gone-0" "$LXR_DATA_DIR/images/blobs/sha256/$bad" \
	"$LXR_RUN_DIR/.stack-files.tmp.$gone" "$LXR_RUN_DIR/$dead/control.sock"; do
	[ -e "$p" ] || fail "doctor without --repair removed $p"
done
pass "doctor without --repair lists what a crash left and removes nothing"

run doctor --repair
expect_rc 0 "doctor --repair"
expect_grep "$OUT" "^removed +cgroup lxr/$dead/" "the dead supervisor's cgroup is reported"
expect_grep "$OUT" "^removed +network endpoint $dead/" "its network endpoint is reported"
expect_grep "$OUT" "^removed +stale control socket $LXR_RUN_DIR/$dead/control.sock" "its socket"
expect_grep "$OUT" "^removed +cgroup lxr/_run/$n" "the killed lxr run's cgroup"
expect_grep "$OUT" "^removed +network endpoint _run/$ep$" "the killed build's endpoint"
expect_grep "$OUT" "^removed +$LXR_DATA_DIR/images/layers/.tmp-$gone-0" "the half-unpacked layer"
expect_grep "$OUT" "^removed +$LXR_DATA_DIR/images/blobs/sha256/.tmp-$gone-3" "the half-written blob"
expect_grep "$OUT" "^removed +$LXR_DATA_DIR/build/.work.tmp.$gone" "the build work dir"
expect_grep "$OUT" "^removed +$LXR_RUN_DIR/.stack-files.tmp.$gone" "the temp file"
expect_grep "$OUT" "^removed +$LXR_DATA_DIR/images/uses/.new-$gone" "the half-made use record"
expect_grep "$OUT" "^removed +$LXR_DATA_DIR/images/blobs/sha256/$bad: content does not match" \
	"the damaged blob"
expect_grep "$OUT" "^removed +blob $LXR_DATA_DIR/images/blobs/sha256/$orphan: no image names it" \
	"the blob no image needs"
expect_grep "$OUT" "^ok +leftovers: nothing left" "after repair nothing is left"
expect_grep "$OUT" "^kept +project $keep: its supervisor" "the running stack is named as kept"
[ ! -e "$cg_dead" ] || fail "cgroup $cg_dead left"
[ ! -e "$cg_run" ] || fail "cgroup $cg_run left"
ip -o link show | grep -qF "alias lxr:$dead/" && fail "links of $dead left"
[ ! -e "$eps/$ep" ] || fail "the killed build's endpoint record $ep left"
ip -o link show | grep -qF "alias lxr:_run/$ep" && fail "the killed build's link left"
grep -F "$LXR_RUN_DIR/$dead/" /proc/self/mountinfo && fail "mounts under $dead left"
[ ! -e "$LXR_RUN_DIR/$dead/control.sock" ] || fail "control.sock of $dead left"
for p in "$LXR_DATA_DIR/images/layers/.tmp-$gone-0" "$LXR_DATA_DIR/build/.work.tmp.$gone" \
	"$LXR_RUN_DIR/.stack-files.tmp.$gone" "$LXR_DATA_DIR/images/blobs/sha256/.tmp-$gone-3" \
	"$LXR_DATA_DIR/images/uses/.new-$gone" "$LXR_DATA_DIR/images/blobs/sha256/$bad" \
	"$LXR_DATA_DIR/images/blobs/sha256/$orphan"; do
	[ ! -e "$p" ] || fail "$p left"
done
[ -d "$LXR_DATA_DIR/build/.work.tmp.$$" ] || fail "a live writer's work dir was removed"
run run --rm --network none "t$$-keep:1" true
expect_rc 0 "the image beside the removed blob still runs"
rmdir "$LXR_DATA_DIR/build/.work.tmp.$$"
pass "repair removes a dead supervisor's and a killed lxr run's leftovers and dead writers' temp names"

run ps -p "$keep"
expect_rc 0 "ps of the stack that stays"
expect_grep "$OUT" "app-1 .* Up " "the stack beside is still running"
cg_keep=$(ls -d /sys/fs/cgroup/*/lxr/"$keep"/* /sys/fs/cgroup/lxr/"$keep"/* 2>/dev/null | head -n1 || true)
[ -n "$cg_keep" ] || fail "the running stack's cgroup went"
[ -S "$LXR_RUN_DIR/$keep/control.sock" ] || fail "the running stack's socket went"
pass "a running stack is untouched"

run doctor --repair
expect_rc 0 "doctor --repair again"
expect_grep "$OUT" "^removed +nothing" "a second repair finds nothing"
run doctor --repair --format json
expect_rc 0 "doctor --repair --format json"
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["removed"] == [], d["removed"]
assert any(k.startswith("project t") and "is running" in k for k in d["kept"]), d["kept"]
' || fail "doctor --repair --format json: $OUT"
pass "repair is safe to run twice (text and json)"

# The stopped containers' layers are kept for down and rm, which still work.
run down -p "$dead" -t 0
expect_rc 0 "down of the repaired project"
[ ! -e "$LXR_RUN_DIR/$dead" ] || fail "down left $LXR_RUN_DIR/$dead"
run rm "$n"
expect_rc 0 "rm of the repaired lxr run container"
run down -p "$keep" -t 0
expect_rc 0 "down of the stack that stayed"
pass "down and rm finish what repair kept"
