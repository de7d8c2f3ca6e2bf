#!/bin/bash
# Stacks under a hard RLIMIT_NOFILE that leaves the supervisor no room to
# raise its soft one, both on no network (each container's own network
# namespace).
# - 40 services with health checks and 256 descriptors in all. The
#   supervisor holds the four a running service needs (pidfd, two output
#   pipes, log file), starts in waves when the limit is near, and runs
#   again a check that could not start for want of descriptors instead of
#   counting it failed: `up -d --wait` sees every service healthy, and
#   down removes them all.
# - 60 services and 300 descriptors: room for four each, not for the fifth
#   a service keeps where there is room (its network namespace, for a
#   restart), so none keeps one; every service runs, and one restarted
#   runs again, in a new namespace.
# - 30 services under 300 keep theirs; scaled to 40 instances there is no
#   room for five each, and the supervisor lets all of them go.
. "$(dirname "$0")/lib.sh"

# lxr under a hard limit of $1 descriptors (the supervisor it forks too)
run_nofile() {
	local lim=$1
	shift
	set +e
	OUT=$(ulimit -n "$lim" && "$LXR" "$@" 2>"$TEST_TMP/stderr")
	RC=$?
	set -e
	ERR=$(cat "$TEST_TMP/stderr")
}
(ulimit -n 256) 2>/dev/null || skip "cannot set RLIMIT_NOFILE to 256 here"

# N services on no network as project PROJECT, up under a hard limit of 300
up_none_300() {
	NETWORK_MODE=none "$LXR_SOURCE_DIR/bench/gen-up-stack.sh" "$1" @ROOTFS@ "$2" \
		>"$TEST_TMP/gen.yaml"
	stack <"$TEST_TMP/gen.yaml"
	run_nofile 300 up -d -f "$STACK"
	expect_rc 0 "up -d of $1 services on no network under RLIMIT_NOFILE 300"
}
# the network namespaces the project's supervisor holds open
netns_held() {
	find "/proc/$(cat "$LXR_RUN_DIR/$PROJECT/supervisor.lock")/fd" -mindepth 1 -maxdepth 1 \
		-lname 'net:*' | wc -l
}

n=40
CHECKS=1 NETWORK_MODE=none "$LXR_SOURCE_DIR/bench/gen-up-stack.sh" "$n" @ROOTFS@ ufdlimit \
	>"$TEST_TMP/gen.yaml"
stack <"$TEST_TMP/gen.yaml"

run_nofile 256 up -d --wait -f "$STACK"
expect_rc 0 "up -d --wait of $n services with health checks under RLIMIT_NOFILE 256"
run ps -f "$STACK" --format json
healthy=$(printf '%s\n' "$OUT" | grep -o '"state": *"healthy"' | wc -l)
[ "$healthy" -eq "$n" ] || fail "$healthy of $n services healthy (stderr: $ERR)"
pass "all $n services healthy under a hard limit of 256 descriptors"

run down -f "$STACK"
expect_rc 0 "down"
run ps -a -f "$STACK" -q
expect_rc 0 "ps -a after down"
expect_out "" "no instance left after down"
[ ! -e "$LXR_RUN_DIR/$PROJECT/control.sock" ] || fail "the project is still up after down"
pass "down of $n services"

n=60
up_none_300 "$n" ufdkeep
run ps -f "$STACK" --format json
running=$(printf '%s\n' "$OUT" | grep -o '"state": *"running"' | wc -l)
[ "$running" -eq "$n" ] || fail "$running of $n services running (stderr: $ERR)"
held=$(netns_held)
[ "$held" -eq 0 ] || fail "the supervisor holds $held network namespaces with no room for them"
pass "all $n services run under a hard limit of 300 descriptors, no namespace kept"
# "STATE PID" of svc1-1, from ps's JSON
svc1() { printf '%s' "$OUT" | python3 -c 'import json, sys
for c in map(json.loads, sys.stdin):
    if c["instance"] == "svc1-1": print(c["state"], c["pid"])'; }
read -r state1 pid1 < <(svc1)
[ "$state1" = running ] || fail "svc1 is $state1 before its restart"
ns1=$(readlink "/proc/$pid1/ns/net")
run restart -f "$STACK" svc1
expect_rc 0 "restart svc1"
run ps -f "$STACK" --format json
read -r state2 pid2 < <(svc1)
[ "$state2" = running ] || fail "svc1 is $state2 after its restart"
[ "$pid2" != "$pid1" ] || fail "svc1 has no new process after its restart (pid $pid1)"
ns2=$(readlink "/proc/$pid2/ns/net")
[ "$ns1" != "$ns2" ] || fail "svc1's restart did not get a new network namespace ($ns1)"
pass "a restart without a kept namespace makes a new one"
run down -f "$STACK"
expect_rc 0 "down of $n services"

n=30
up_none_300 "$n" ufdscale
held=$(netns_held)
[ "$held" -eq "$n" ] || fail "$held network namespaces kept for $n services with room for them"
run scale -f "$STACK" svc1=11
expect_rc 0 "scale svc1 to 11 instances (40 in all)"
run ps -f "$STACK" --format json
running=$(printf '%s\n' "$OUT" | grep -o '"state": *"running"' | wc -l)
[ "$running" -eq 40 ] || fail "$running of 40 instances running after the scale (stderr: $ERR)"
held=$(netns_held)
[ "$held" -eq 0 ] || fail "the supervisor still holds $held network namespaces with no room for them"
pass "$n services keep their namespaces; at 40 instances none does"
run down -f "$STACK"
expect_rc 0 "down of 40 instances"
