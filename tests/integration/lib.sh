# Shared by the integration tests: real containers, as root. Source it.
# Every test gets its own run/log/data directories and removes them; after
# the test, nothing of its containers may be left: no mount, cgroup, process.
set -eu

: "${LXR:?LXR must point at the built lxr binary}"
: "${LXR_SOURCE_DIR:?}"
: "${LXR_BUILD_DIR:?}"

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, mounts, cgroups)"
unshare --mount --pid --fork true 2>/dev/null || skip "kernel refuses new mount/pid namespaces here"

ROOTFS="$LXR_BUILD_DIR/test-rootfs"
# Built once per build tree from the host's busybox-static; the mark file
# makes a half-built tree (interrupted run) get rebuilt.
if [ ! -f "$ROOTFS/.complete" ]; then
	rm -rf "$ROOTFS"
	"$LXR_SOURCE_DIR/examples/make-rootfs.sh" "$ROOTFS" >/dev/null
	touch "$ROOTFS/.complete"
fi

TEST_TMP=$(mktemp -d /tmp/lxr-itest.XXXXXX)
export LXR_RUN_DIR="$TEST_TMP/run" LXR_LOG_DIR="$TEST_TMP/log" LXR_DATA_DIR="$TEST_TMP/data"
export LXR_CONFIG="$TEST_TMP/lxr.conf"
# A run of a test with every container in a user namespace: LXR_TEST_USERNS
# is lxr.conf's [userns] mode (a test that writes its own lxr.conf drops it).
if [ -n "${LXR_TEST_USERNS:-}" ]; then
	printf '[userns]\nmode = %s\n' "$LXR_TEST_USERNS" > "$LXR_CONFIG"
fi

# Names of the containers a test started, for the leftover check.
NAMES=""
# A host port, and the n-1 after it, free and below the kernel's ephemeral
# range (an outgoing connection may take one of those any moment), for a
# test that publishes ports
free_ports() {
	local n=${1:-1} low p i busy
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	[ "$low" -gt 12000 ] || low=32768
	busy=$(ss -Htan | awk '{print $4}' | sed 's/.*://' | sort -u)
	for _ in $(seq 50); do
		p=$((10000 + RANDOM % (low - 10000 - n)))
		for ((i = 0; i < n; i++)); do
			grep -qx "$((p + i))" <<<"$busy" && continue 2
		done
		echo "$p"
		return
	done
	fail "no $n free host ports below $low"
}
cname() { n="t$$-$1"; NAMES="$NAMES $n"; echo "$n"; }

leftovers() {
	grep -F "$TEST_TMP" /proc/self/mountinfo && echo "leftover mount under $TEST_TMP"
	for n in $NAMES; do
		for d in /sys/fs/cgroup/*/lxr/_run/"$n" /sys/fs/cgroup/lxr/_run/"$n"; do
			[ -e "$d" ] && echo "leftover cgroup $d"
		done
		pgrep -f -- "$n" >/dev/null && echo "leftover process for $n: $(pgrep -af -- "$n")"
	done
	return 0
}

# Commands to run at exit, last registered first (a test's own objects).
AT_EXIT=()
at_exit() { AT_EXIT=("$*" "${AT_EXIT[@]+"${AT_EXIT[@]}"}"); }

finish() {
	rc=$?
	for c in "${AT_EXIT[@]+"${AT_EXIT[@]}"}"; do eval "$c" >/dev/null 2>&1 || true; done
	out=$(leftovers; leftovers_project 2>/dev/null || true)
	# Reported above (a leak fails the test); now removed, so that a failed
	# test does not leave the machine dirty for the next run.
	for n in $NAMES; do "$LXR" rm -f "$n" >/dev/null 2>&1 || true; done
	# A test that failed before it registered its own cleanup: every
	# project still up in this test's run directory, and every lxr run
	# container of it, goes (else its supervisor outlives the test).
	for p in $(cd / && "$LXR" ls -a -q 2>/dev/null); do
		"$LXR" down -p "$p" -t 0 >/dev/null 2>&1 || true
	done
	for n in $(cd / && "$LXR" ps -aq 2>/dev/null); do
		"$LXR" rm -f "$n" >/dev/null 2>&1 || true
	done
	# lxr run's default bridge stays between containers, as docker0 does
	(cd / && "$LXR" network prune -f >/dev/null 2>&1) || true
	rm -rf "$TEST_TMP"
	if [ -n "$out" ]; then
		echo "FAIL: left behind:" >&2
		echo "$out" >&2
		exit 1
	fi
	exit $rc
}
trap finish EXIT

# Run lxr and capture stdout, stderr and exit code into OUT, ERR, RC.
run() {
	set +e
	OUT=$("$LXR" "$@" 2>"$TEST_TMP/stderr")
	RC=$?
	set -e
	ERR=$(cat "$TEST_TMP/stderr")
}

expect_rc() { [ "$RC" -eq "$1" ] || fail "$2: exit code $RC, expected $1 (stderr: $ERR)"; }
expect_out() { [ "$OUT" = "$1" ] || fail "$2: got [$OUT], expected [$1] (stderr: $ERR)"; }
expect_grep() { printf '%s\n' "$1" | grep -qE -- "$2" || fail "$3: [$1] does not match /$2/"; }

# ---- stacks -----------------------------------------------------------------
# A stack file in the test's own directory, from stdin; the rootfs path is
# substituted for @ROOTFS@ and the shared directory (bind-mounted by the
# services that need it) for @SHARED@.
SHARED="$TEST_TMP/shared"
mkdir -p "$SHARED"
stack() {
	mkdir -p "$TEST_TMP/stack"
	sed -e "s|@ROOTFS@|$ROOTFS|g" -e "s|@SHARED@|$SHARED|g" > "$TEST_TMP/stack/compose.yaml"
	STACK="$TEST_TMP/stack/compose.yaml"
	PROJECT=$(sed -n 's/^name: *//p' "$STACK")
	at_exit "$LXR" down -p "$PROJECT"
}
events() { cat "$LXR_RUN_DIR/$PROJECT/events.jsonl" 2>/dev/null; }
# Wait (bounded, 20 s) until an event line matches; fails the test if never.
wait_event() {
	for _ in $(seq 400); do
		events | grep -qE -- "$1" && return 0
		sleep 0.05
	done
	fail "no event matching /$1/ in: $(events | tail -n 20)"
}
# Line number of the first event matching, for order assertions.
event_at() { events | grep -nE -- "$1" | head -n1 | cut -d: -f1; }
leftovers_project() {
	[ -z "${PROJECT:-}" ] && return 0
	for d in /sys/fs/cgroup/*/lxr/"$PROJECT" /sys/fs/cgroup/lxr/"$PROJECT"; do
		[ -e "$d" ] && echo "leftover cgroup $d"
	done
	[ -e "$LXR_RUN_DIR/$PROJECT" ] && echo "leftover run dir $LXR_RUN_DIR/$PROJECT: $(ls "$LXR_RUN_DIR/$PROJECT")"
	return 0
}
