#!/bin/bash
# Memory, CPU and pids limits in force before the command runs; an OOM kill
# is reported as such.
. "$(dirname "$0")/lib.sh"

n=$(cname oom)
run run --rm --name "$n" -m 100m "$ROOTFS" dd if=/dev/zero of=/dev/null bs=200M count=1
expect_rc 137 "200 MB under a 100 MB limit"
[ -z "$OUT" ] || fail "nothing should have been written: $OUT"
expect_grep "$ERR" "OOM-killed" "OOM kill reported"
expect_grep "$ERR" "100 MiB" "OOM report names the limit"
pass "a 200 MB allocation under a 100 MB limit is OOM-killed and reported ($ERR)"

run run --rm --name "$(cname fits)" -m 100m "$ROOTFS" /bin/sh -c 'dd if=/dev/zero of=/dev/null bs=50M count=1 2>/dev/null; echo survived'
expect_rc 0 "50 MB under 100 MB"
expect_out survived "50 MB fits"
pass "an allocation within the limit succeeds"

# A fork loop: the shell dies at the first refused fork; without the limit
# it would stop by itself at 200.
mkdir -p "$TEST_TMP/pids"
run run --rm --name "$(cname pids)" --pids-limit 20 -v "$TEST_TMP/pids:/out" "$ROOTFS" /bin/sh -c '
	i=0; while [ $i -lt 200 ]; do sleep 5 & i=$((i+1)); echo $i > /out/n; done'
started=$(cat "$TEST_TMP/pids/n")
[ "$started" -lt 20 ] || fail "pids limit 20 let $started processes start"
expect_grep "$ERR" "can't fork|Resource temporarily unavailable" "fork refused"
OUT="$started processes started, then: $ERR"
pass "pids limit stops a fork loop ($OUT)"

# The limits are on the container's cgroup before the command starts: read
# them from inside the command's own first moment, via the host's view.
n=$(cname knobs)
"$LXR" run --rm --name "$n" -m 64m --cpus 0.5 --pids-limit 33 "$ROOTFS" /bin/sh -c 'echo ready; sleep 5' >"$TEST_TMP/knobs" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$TEST_TMP/knobs" && break; sleep 0.05; done
if [ -d /sys/fs/cgroup/memory/lxr ]; then
	mem=$(cat /sys/fs/cgroup/memory/lxr/_run/"$n"/memory.limit_in_bytes)
	quota=$(cat /sys/fs/cgroup/cpu/lxr/_run/"$n"/cpu.cfs_quota_us)
	pids=$(cat /sys/fs/cgroup/pids/lxr/_run/"$n"/pids.max)
else
	mem=$(cat /sys/fs/cgroup/lxr/_run/"$n"/memory.max)
	quota=$(cut -d" " -f1 /sys/fs/cgroup/lxr/_run/"$n"/cpu.max)
	pids=$(cat /sys/fs/cgroup/lxr/_run/"$n"/pids.max)
fi
kill -TERM "$pid"; wait "$pid" || true
[ "$mem" = $((64 << 20)) ] || fail "memory limit $mem"
[ "$quota" = 50000 ] || fail "cpu quota $quota"
[ "$pids" = 33 ] || fail "pids.max $pids"
pass "memory, cpu and pids limits are set on the container's cgroup"
