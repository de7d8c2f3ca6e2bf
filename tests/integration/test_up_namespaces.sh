#!/bin/bash
# Namespaces shared as compose shares them: pid and ipc of another service
# (service:X: its processes and its SysV/POSIX shared memory), the host's
# pid, ipc and uts namespaces (its processes, its host name, /proc still
# masked), cgroup: host (the host's cgroup namespace; on cgroup v2 its whole
# tree, read-only) and private, ipc: none (no /dev/shm), and network_mode
# container:NAME joining
# a container `lxr run -d` runs; a dependent starts again in the new
# namespaces of the service it joined when that one restarts.
. "$(dirname "$0")/lib.sh"

other=$(cname other)
run run -d --name "$other" "$ROOTFS" sleep 1000
expect_rc 0 "lxr run -d the container to join"
at_exit "$LXR" rm -f "$other"

stack <<Y
name: ns$$
services:
  db:
    image: @ROOTFS@
    command: ["sh", "-c", "echo shared > /dev/shm/token; exec sleep 1001"]
    ipc: shareable
    restart: always
  peer:
    image: @ROOTFS@
    command: ["sleep", "1002"]
    pid: "service:db"
    ipc: "service:db"
  top:
    image: @ROOTFS@
    command: ["sleep", "1003"]
    pid: host
    ipc: host
    uts: host
    cgroup: host
  orphan:
    image: @ROOTFS@
    command: ["sh", "-c", "sleep 1006 & exit 0"]
    pid: host
  lone:
    image: @ROOTFS@
    command: ["sleep", "1004"]
    ipc: none
    cgroup: private
  side:
    image: @ROOTFS@
    command: ["sleep", "1005"]
    network_mode: "container:$other"
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with shared namespaces"

run exec -f "$STACK" peer ps -o args
expect_grep "$OUT" "sleep 1001" "pid: service:db sees db's processes"
expect_grep "$OUT" "sleep 1002" "pid: service:db sees its own"
! printf '%s\n' "$OUT" | grep -q "sleep 1003" || fail "pid: service:db sees a process of another namespace: $OUT"
events | grep -q '"instance":"peer-1","state":"starting"' || fail "peer never started"
[ "$(event_at '"instance":"peer-1","state":"starting"')" -gt "$(event_at '"instance":"db-1","state":"running"')" ] ||
	fail "peer started before db ran"
pass "pid: service:X shares X's processes and starts after X"

dbipc=$("$LXR" exec -f "$STACK" db readlink /proc/self/ns/ipc)
run exec -f "$STACK" peer readlink /proc/self/ns/ipc
[ -n "$dbipc" ] && [ "$OUT" = "$dbipc" ] || fail "peer's ipc namespace is [$OUT], db's [$dbipc]"
run exec -f "$STACK" peer cat /dev/shm/token
expect_out "shared" "ipc: service:db has db's /dev/shm"
run exec -f "$STACK" peer sh -c 'echo back > /dev/shm/reply'
run exec -f "$STACK" db cat /dev/shm/reply
expect_out "back" "db sees what peer writes to /dev/shm"
pass "ipc: service:X (X shareable) shares X's IPC namespace and /dev/shm"

# db's restart ends its pid namespace, and peer with it (the kernel kills
# a namespace's processes with its init): compose starts such a dependent
# again, in db's new namespaces.
# (a crash, from inside: lxr kill stops a service for good, as docker's)
run exec -f "$STACK" db sh -c 'for p in /proc/[0-9]*; do
	[ "$(tr "\0" " " < $p/cmdline 2>/dev/null)" = "sleep 1001 " ] && kill -9 ${p#/proc/}; done; true'
# (the exec goes with db's pid namespace: 137, or 0 when it ended first)
# (a namespace's inode number can be reused once it is gone: db's restart
# count says it is a new one)
ok=""
for _ in $(seq 400); do
	restarts=$("$LXR" ps -f "$STACK" --format json | python3 -c 'import json, sys
print(next((i["restarts"] for i in map(json.loads, sys.stdin) if i["instance"] == "db-1" and i["state"] == "running"), ""))')
	newpid=$("$LXR" exec -f "$STACK" db readlink /proc/self/ns/pid 2>/dev/null || true)
	peerpid=$("$LXR" exec -f "$STACK" peer readlink /proc/self/ns/pid 2>/dev/null || true)
	if [ "$restarts" = 1 ] && [ -n "$newpid" ] && [ "$peerpid" = "$newpid" ]; then
		ok=1
		break
	fi
	sleep 0.05
done
[ -n "$ok" ] || fail "peer is not in db's new pid namespace after db restarted (db $newpid, peer $peerpid): $("$LXR" ps -f "$STACK")"
run exec -f "$STACK" peer cat /dev/shm/token
expect_out "shared" "after the restart peer has db's new /dev/shm"
pass "when db restarts, peer starts again in db's new namespaces"

run exec -f "$STACK" top hostname
expect_out "$(hostname)" "uts: host: the host's name"
run exec -f "$STACK" top readlink /proc/self/ns/pid
expect_out "$(readlink /proc/self/ns/pid)" "pid: host: the host's pid namespace"
run exec -f "$STACK" top readlink /proc/self/ns/ipc
expect_out "$(readlink /proc/self/ns/ipc)" "ipc: host: the host's ipc namespace"
run exec -f "$STACK" top sh -c "ps -o pid,args | grep -c '[s]leep 1001'"
expect_out "1" "pid: host sees the other containers' processes"
if [ -s /proc/timer_list ]; then
	run exec -f "$STACK" top sh -c 'wc -c < /proc/timer_list'
	expect_out "0" "pid: host keeps /proc/timer_list masked"
fi
pass "pid, ipc and uts: host share the host's namespaces; /proc stays masked"

run exec -f "$STACK" top readlink /proc/self/ns/cgroup
expect_out "$(readlink /proc/self/ns/cgroup)" "cgroup: host: the host's cgroup namespace"
run exec -f "$STACK" top cat /proc/self/cgroup
expect_grep "$OUT" "lxr/ns$$/top-1" "cgroup: host: its cgroup's path from the host's root"
run exec -f "$STACK" lone readlink /proc/self/ns/cgroup
[ "$OUT" != "$(readlink /proc/self/ns/cgroup)" ] || fail "cgroup: private shares the host's cgroup namespace"
run exec -f "$STACK" lone cat /proc/self/cgroup
! printf '%s\n' "$OUT" | grep -q "lxr/" || fail "cgroup: private shows the host's paths: $OUT"
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	run exec -f "$STACK" top sh -c 'test -d /sys/fs/cgroup/lxr/ns'"$$"' && echo tree; touch /sys/fs/cgroup/x 2>&1'
	expect_grep "$OUT" "^tree$" "cgroup: host on cgroup v2: the host's tree is mounted"
	expect_grep "$OUT" "Read-only file system" "read-only"
fi
pass "cgroup: host gives the host's cgroup namespace, private one of its own"

# pid: host: the command's orphan outlives it, and lxr-init, which is
# not PID 1 there; the supervisor is left to reap it, as a shim does
wait_event '"instance":"orphan-1","state":"exited"'
sup=$(head -n1 "$LXR_RUN_DIR/ns$$/supervisor.lock")
for _ in $(seq 400); do
	pgrep -f "sleep 1006" >/dev/null || break
	sleep 0.05
done
! pgrep -f "sleep 1006" >/dev/null || fail "the orphan of a pid: host container outlived it"
zombies=$(ps -eo ppid=,stat=,pid= | awk -v p="$sup" '$1 == p && $2 ~ /^Z/')
[ -z "$zombies" ] || fail "the supervisor ($sup) keeps zombies: $zombies"
pass "pid: host: the command's orphans end with the container and are reaped"

run exec -f "$STACK" lone sh -c 'test -e /dev/shm && echo there || echo none'
expect_out "none" "ipc: none: no /dev/shm"
pass "ipc: none has no /dev/shm"

othernet=$("$LXR" exec "$other" readlink /proc/self/ns/net)
run exec -f "$STACK" side readlink /proc/self/ns/net
[ -n "$othernet" ] && [ "$OUT" = "$othernet" ] || fail "side's network namespace is [$OUT], $other's [$othernet]"
pass "network_mode container:NAME joins a running lxr run -d container's network"

run down -f "$STACK"
expect_rc 0 "down"
pgrep -f "sleep 100[1-5]" >/dev/null && fail "a container's process outlived down: $(pgrep -af 'sleep 100[1-5]')"
pass "down leaves no process of the shared namespaces"
