#!/bin/bash
# The start that shares lxr's memory (CLONE_VM | CLONE_VFORK, clone.c): taken
# where nothing in the container can hold lxr up (root's uid, an image in
# lxr's store, no host bind mount or volume, no CPU or I/O throttle, no
# user namespace or PID namespace to join), the forked start everywhere
# else; both give the same container; and services restarted again and
# again, with lxr-init and without, leave nothing behind in the
# supervisor's heap.
. "$(dirname "$0")/lib.sh"
[ -z "${LXR_TEST_USERNS:-}" ] || skip "every container has a user namespace here: no start shares lxr's memory"

# what one container sees of itself: ids, cwd, env, cgroup, limits, caps
probe='id -u; pwd; echo "$X"; cat /proc/self/cgroup | grep -c ":/$"; ulimit -n; grep CapEff /proc/self/status'
run import "$ROOTFS" sharedstart-base:1
expect_rc 0 "import the test rootfs"
probe_run() {
	LXR_DEBUG=1 run run --rm --network none -w /tmp -e X=y --ulimit nofile=100:200 "$@" \
		sh -c "$probe"
	expect_rc 0 "lxr run $*"
}
shared() { case $ERR in *"sharing lxr's memory"*) return 0 ;; esac; return 1; }

probe_run sharedstart-base:1
shared || fail "lxr run as root with no host mount did not share lxr's memory: $ERR"
shared_out=$OUT
probe_run -v "$SHARED:/shared" sharedstart-base:1
! shared || fail "a host bind mount (it can hang) was started sharing lxr's memory"
[ "$OUT" = "$shared_out" ] || fail "the shared start gave [$shared_out], the forked one [$OUT]"
probe_run "$ROOTFS"
! shared || fail "a root filesystem from a host path (it can hang) was started sharing lxr's memory"
[ "$OUT" = "$shared_out" ] || fail "the shared start gave [$shared_out], the forked one [$OUT]"
probe_run -u 1000 sharedstart-base:1
! shared || fail "a container of uid 1000 (a host process of that uid could stop it) shared lxr's memory"
expect_grep "$OUT" "^1000$" "the forked start's uid"
probe_run -u 0:1000 sharedstart-base:1
shared || fail "a container of uid 0, gid 1000 did not share lxr's memory: $ERR"
probe_run --cpus 0.5 sharedstart-base:1
! shared || fail "a container with a CPU quota (it builds its root at that pace) shared lxr's memory"
probe_run --tmpfs /scratch sharedstart-base:1
shared || fail "a tmpfs mount made a container fork: $ERR"
pass "a shared start only as root on lxr's images without host mounts or throttles; both starts give the same ids, cwd, env, cgroup, limits, capabilities"

# two crash loops with no backoff, under lxr-init and without: the
# supervisor's heap in use at each start
stack <<'Y'
name: sharedstart
services:
  crash:
    image: sharedstart-base:1
    command: ["/bin/true"]
    restart: always
    network_mode: none
    x-lxr:
      backoff: {initial: 0, max: 1ms, reset_after: 1ms}
  bare:
    image: sharedstart-base:1
    command: ["/bin/true"]
    init: false
    restart: always
    network_mode: none
    x-lxr:
      backoff: {initial: 0, max: 1ms, reset_after: 1ms}
Y
# glibc's per-thread cache off in the supervisor: the chunks it holds count
# as in use, and it fills over the first thousand starts; without it the
# figure is what is allocated, start after start
GLIBC_TUNABLES=glibc.malloc.tcache_count=0 LXR_DEBUG=1 run up -d -f "$STACK"
expect_rc 0 "up -d of two crash loops"
log="$LXR_RUN_DIR/$PROJECT/supervisor.log"
heap() { grep -o "sharing lxr's memory, now gone from it (lxr's heap in use: [0-9]*" "$1" | grep -o '[0-9]*$'; }
for _ in $(seq 1200); do [ "$(heap "$log" | wc -l)" -ge 650 ] && break; sleep 0.05; done
cp "$log" "$TEST_TMP/supervisor.log"
run down -p "$PROJECT" -t 0
expect_rc 0 "down"
heap "$TEST_TMP/supervisor.log" >"$TEST_TMP/heap"
[ "$(wc -l <"$TEST_TMP/heap")" -ge 650 ] || fail "only $(wc -l <"$TEST_TMP/heap") shared starts logged"
# the medians of starts 100-150 and 600-650: a leak grows with every start
median() { sed -n "$1,$2p" "$TEST_TMP/heap" | sort -n | sed -n 26p; }
early=$(median 100 150) late=$(median 600 650)
[ $((late - early)) -lt 256 ] ||
	fail "the supervisor's heap grew from $early to $late bytes over 500 restarts"
pass "650 restarts shared lxr's memory; its heap in use went from $early to $late bytes"
