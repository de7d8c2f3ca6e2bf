#!/bin/bash
# The start that shares lxr's memory (CLONE_VM | CLONE_VFORK, clone.c): taken
# where nothing in the container can hold lxr (no host bind mount, volume,
# user namespace or PID namespace to join), the forked start everywhere
# else; both give the same container; and a service restarted again and
# again leaves nothing behind in the supervisor's heap.
. "$(dirname "$0")/lib.sh"
[ -z "${LXR_TEST_USERNS:-}" ] || skip "every container has a user namespace here: no start shares lxr's memory"

# what one container sees of itself: ids, cwd, env, cgroup, limits, caps
probe='id -u; pwd; echo "$X"; cat /proc/self/cgroup | grep -c ":/$"; ulimit -n; grep CapEff /proc/self/status'
shared_run() {
	LXR_DEBUG=1 run run --rm --network none -u 1000 -w /tmp -e X=y --ulimit nofile=100:200 "$@" \
		"$ROOTFS" sh -c "$probe"
}

shared_run
expect_rc 0 "lxr run with no host mount"
shared_out=$OUT
expect_grep "$ERR" "cloned pid [0-9]+ sharing lxr's memory" "lxr run with no host mount shares lxr's memory"
shared_run -v "$SHARED:/shared"
expect_rc 0 "lxr run with a host bind mount"
case $ERR in *"sharing lxr's memory"*) fail "a host bind mount (it can hang) was started sharing lxr's memory" ;; esac
[ "$OUT" = "$shared_out" ] || fail "the shared start gave [$shared_out], the forked one [$OUT]"
expect_grep "$shared_out" "^1000$" "the shared start's uid"
pass "a shared start only without host mounts; both starts give the same uid, cwd, env, cgroup, limits, capabilities"

# a crash loop with no backoff: the supervisor's heap in use at each start
stack <<'Y'
name: sharedstart
services:
  crash:
    image: @ROOTFS@
    command: ["/bin/true"]
    restart: always
    network_mode: none
    x-lxr:
      backoff: {initial: 0, max: 1ms, reset_after: 1ms}
Y
LXR_DEBUG=1 run up -d -f "$STACK"
expect_rc 0 "up -d of a crash loop"
log="$LXR_RUN_DIR/$PROJECT/supervisor.log"
heap() { grep -o "sharing lxr's memory, now exec'd (lxr's heap in use: [0-9]*" "$1" | grep -o '[0-9]*$'; }
for _ in $(seq 1200); do [ "$(heap "$log" | wc -l)" -ge 650 ] && break; sleep 0.05; done
cp "$log" "$TEST_TMP/supervisor.log"
run down -p "$PROJECT" -t 0
expect_rc 0 "down"
heap "$TEST_TMP/supervisor.log" >"$TEST_TMP/heap"
[ "$(wc -l <"$TEST_TMP/heap")" -ge 650 ] || fail "only $(wc -l <"$TEST_TMP/heap") shared starts logged"
# the medians of starts 300-350 and 600-650: small chunks move between the
# heap's caches from one start to the next, and the first few hundred
# starts settle them; a leak grows with every start
early=$(sed -n '300,350p' "$TEST_TMP/heap" | sort -n | sed -n 26p)
late=$(sed -n '600,650p' "$TEST_TMP/heap" | sort -n | sed -n 26p)
[ $((late - early)) -lt 1024 ] ||
	fail "the supervisor's heap grew from $early to $late bytes over 300 restarts"
pass "650 restarts shared lxr's memory; its heap in use stayed at $early -> $late bytes"
