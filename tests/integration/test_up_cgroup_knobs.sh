#!/bin/bash
# docker's cgroup knobs beyond the limits, as compose passes them: cpuset
# (the container's cgroup and the CPUs its processes may use), oom_kill_disable
# and mem_swappiness (cgroup v1; v2 has neither: a warning, as docker
# gives), blkio_config (v1 blkio.*, v2 io.*); a cpuset naming an offline CPU
# and a blkio path that is not a block device are refused by name.
. "$(dirname "$0")/lib.sh"

online=$(cat /sys/devices/system/cpu/online)
last=$(printf '%s\n' "$online" | tr ',-' '\n\n' | tail -n1)
# a block device of the host, for the throttle (its numbers in sysfs)
bdev=""
for d in /sys/block/*; do
	[ -b "/dev/${d##*/}" ] && [ -f "$d/dev" ] || continue
	bdev="/dev/${d##*/}"
	bnum=$(cat "$d/dev")
	break
done

blkio=""
[ -n "$bdev" ] && blkio="    blkio_config:
      weight: 300
      device_read_bps: [{path: $bdev, rate: 1mb}]
      device_write_iops: [{path: $bdev, rate: 30}]"
stack <<Y
name: knobs$$
services:
  tuned:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    cpuset: "$last"
    mem_limit: 64m
    mem_swappiness: 10
    oom_kill_disable: true
$blkio
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with cpuset, mem_swappiness, oom_kill_disable and blkio_config"
v1=/sys/fs/cgroup
v2dir=""
[ -f /sys/fs/cgroup/cgroup.controllers ] && v2dir=/sys/fs/cgroup/lxr/knobs$$/tuned-1

run exec -f "$STACK" tuned sh -c 'grep Cpus_allowed_list /proc/self/status'
expect_grep "$OUT" "^Cpus_allowed_list:[[:space:]]+$last$" "the container's processes run on CPU $last only"
if [ -d "$v1/cpuset/lxr/knobs$$/tuned-1" ]; then
	[ "$(cat "$v1/cpuset/lxr/knobs$$/tuned-1/cpuset.cpus")" = "$last" ] || fail "v1 cpuset.cpus: $(cat "$v1/cpuset/lxr/knobs$$/tuned-1/cpuset.cpus")"
else
	[ "$(cat "$v2dir/cpuset.cpus")" = "$last" ] || fail "v2 cpuset.cpus: $(cat "$v2dir/cpuset.cpus" 2>&1)"
fi
pass "cpuset: in the container's cgroup and its Cpus_allowed_list"

if [ -d "$v1/memory/lxr/knobs$$/tuned-1" ]; then
	m="$v1/memory/lxr/knobs$$/tuned-1"
	[ "$(cat "$m/memory.swappiness")" = 10 ] || fail "memory.swappiness is $(cat "$m/memory.swappiness")"
	grep -q "^oom_kill_disable 1$" "$m/memory.oom_control" || fail "memory.oom_control: $(cat "$m/memory.oom_control")"
	pass "mem_swappiness and oom_kill_disable on cgroup v1"
else
	expect_grep "$(cat "$LXR_LOG_DIR"/knobs$$/*.log "$ERR" 2>/dev/null; echo "$ERR")" \
		"mem_swappiness is ignored|oom_kill_disable is ignored" "v2 warns that mem_swappiness and oom_kill_disable have no knob"
	pass "mem_swappiness and oom_kill_disable: cgroup v2 has neither, a warning says so"
fi

if [ -n "$bdev" ]; then
	if [ -d "$v1/blkio/lxr/knobs$$/tuned-1" ]; then
		b="$v1/blkio/lxr/knobs$$/tuned-1"
		grep -qx "$bnum 1048576" "$b/blkio.throttle.read_bps_device" || fail "read_bps: $(cat "$b/blkio.throttle.read_bps_device")"
		grep -qx "$bnum 30" "$b/blkio.throttle.write_iops_device" || fail "write_iops: $(cat "$b/blkio.throttle.write_iops_device")"
		if [ -f "$b/blkio.weight" ]; then
			[ "$(cat "$b/blkio.weight")" = 300 ] || fail "blkio.weight is $(cat "$b/blkio.weight")"
		elif [ -f "$b/blkio.bfq.weight" ]; then
			grep -q "300" "$b/blkio.bfq.weight" || fail "blkio.bfq.weight: $(cat "$b/blkio.bfq.weight")"
		fi
	else
		grep -q "^$bnum rbps=1048576 wbps=max riops=max wiops=30$" "$v2dir/io.max" || fail "io.max: $(cat "$v2dir/io.max" 2>&1)"
	fi
	pass "blkio_config: $bdev ($bnum) throttled in the container's cgroup, the weight written where the kernel has one"
fi
run down -f "$STACK"
expect_rc 0 "down"

bad=$((last + 1))
stack <<Y
name: badknobs$$
services:
  off:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    cpuset: "0,$bad"
Y
run up -d -f "$STACK"
[ "$RC" -ne 0 ] || fail "a cpuset with CPU $bad (online: $online) started"
expect_grep "$ERR" "compose.yaml:[0-9]+:[0-9]+: .*cpuset \"0,$bad\": CPU $bad is not online on this host \(online: $online\)" "the error names the CPU and the online ones"
run ps -p "badknobs$$"
! printf '%s\n' "$OUT" | grep -q "^[a-z0-9_.-]*-off-1 .* Up " || fail "the service runs anyway"
pass "a cpuset naming an offline CPU is refused, naming it and the online ones"

stack <<Y
name: badblk$$
services:
  nodev:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    blkio_config:
      device_read_bps: [{path: /etc/hostname, rate: 1mb}]
Y
run up -d -f "$STACK"
[ "$RC" -ne 0 ] || fail "blkio_config on a file that is not a block device started"
expect_grep "$ERR" "compose.yaml:[0-9]+:[0-9]+: .*/etc/hostname is not a block device" "the error names the path"
pass "blkio_config naming a path that is not a block device is refused, naming it"
