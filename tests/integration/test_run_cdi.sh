#!/bin/bash
# CDI devices (docker's --device vendor.com/class=name, --gpus, compose's
# device requests and gpus:) from spec files in a directory of the test's
# own, as nvidia-ctk writes them: a device node, a host library bound
# read-only, the spec's environment, a node whose cgroup access is read
# only (/dev/kmsg, which the host opens write-only without privilege:
# test_run_devices), and a createContainer hook that reads the container's state and
# bundle and makes a link in its root (nvidia's ld.so cache work). No GPU
# is needed: the nodes are the host's /dev/null, /dev/full and /dev/kmsg.
. "$(dirname "$0")/lib.sh"

CDI="$TEST_TMP/cdi"
mkdir -p "$CDI" "$TEST_TMP/lib"
printf '[cdi]\nspec_dirs = %s\n' "$CDI" > "$LXR_CONFIG"
echo "libfake 535" > "$TEST_TMP/lib/libfake.so.535"
cat > "$TEST_TMP/hook.sh" <<'EOF'
#!/bin/sh
# state on stdin; the bundle's config.json names the root
state=$(cat)
bundle=$(echo "$state" | sed -n 's/.*"bundle":"\([^"]*\)".*/\1/p')
root=$(sed -n 's/.*"root":{"path":"\([^"]*\)".*/\1/p' "$bundle/config.json")
[ -d "$root/usr/lib" ] || exit 9
ln -sfn libfake.so.535 "$root/usr/lib/libfake.so.1"
echo "$state" > "$root/hook-state"
env | sort | tr '\n' ' ' > "$root/hook-env"
pwd > "$root/hook-cwd"
readlink /proc/self/ns/net > "$root/hook-netns"
echo "$bundle" > "$root/hook-bundle"
EOF
chmod +x "$TEST_TMP/hook.sh"
cat > "$CDI/nvidia.yaml" <<EOF
cdiVersion: 0.5.0
kind: nvidia.com/gpu
devices:
- name: "0"
  containerEdits:
    deviceNodes: [{path: /dev/nvidia0, hostPath: /dev/null}]
- name: "1"
  containerEdits:
    deviceNodes: [{path: /dev/nvidia1, hostPath: /dev/full}]
- name: all
  containerEdits:
    deviceNodes:
    - {path: /dev/nvidia0, hostPath: /dev/null}
    - {path: /dev/nvidia1, hostPath: /dev/full}
containerEdits:
  env: [NVIDIA_VISIBLE_DEVICES=void]
  deviceNodes:
  - {path: /dev/nvidiactl, hostPath: /dev/kmsg, permissions: r}
  mounts:
  - hostPath: $TEST_TMP/lib/libfake.so.535
    containerPath: /usr/lib/libfake.so.535
    options: [ro, nosuid, nodev, bind]
  hooks:
  - hookName: createContainer
    path: $TEST_TMP/hook.sh
    args: [hook.sh, create-symlinks]
    env: [HOOK_MARK=cdi]
EOF

# lxr info lists where it reads specs and what they name, as docker info does
run info
expect_grep "$OUT" "CDI spec directories:" "info"
printf '%s\n' "$OUT" | grep -qx "  $CDI" || fail "info: no $CDI in: $OUT"
for d in 0 1 all; do
	printf '%s\n' "$OUT" | grep -qx "  cdi: nvidia.com/gpu=$d" || fail "info: no gpu=$d in: $OUT"
done
# a spec left out (its group may write it: its hooks would run as root) is said
printf 'cdiVersion: 0.5.0\nkind: x.test/open\ndevices: [{name: a}]\n' > "$CDI/open.yaml"
chmod 0664 "$CDI/open.yaml"
run info
expect_grep "$ERR" "warning: CDI spec $CDI/open.yaml is writable by its group" "info warns"
printf '%s\n' "$OUT" | grep -q "x.test/open" && fail "info lists a spec it does not trust: $OUT"
run run --rm --network none --device x.test/open=a "$ROOTFS" true
expect_rc 125 "a spec its group may write"
expect_grep "$ERR" "no CDI spec of kind x.test/open" "a spec its group may write"
expect_grep "$ERR" "writable by its group" "the hint says why"
rm "$CDI/open.yaml"

probe='cat /usr/lib/libfake.so.1
echo x >/dev/nvidia0 && echo null-written
(echo x >/dev/nvidia1) 2>&1 | grep -q "No space left" && echo full-written
(exec 3>/dev/nvidiactl) 2>&1 | grep -q "Operation not permitted" && echo ctl-write-refused
(echo y >/usr/lib/libfake.so.535) 2>&1 | grep -q "Read-only" && echo lib-read-only
echo "env=$NVIDIA_VISIBLE_DEVICES"
cat /hook-env; echo
cat /hook-cwd
[ "$(cat /hook-netns)" = "$(readlink /proc/self/ns/net)" ] && echo hook-in-netns
cat /hook-state'
name=$(cname all)
run run --rm --name "$name" --network none --gpus all "$ROOTFS" /bin/sh -c "$probe"
expect_rc 0 "--gpus all"
for l in "libfake 535" null-written full-written ctl-write-refused lib-read-only \
	"env=void" hook-in-netns; do
	echo "$OUT" | grep -qx "$l" || fail "--gpus all: no line '$l' in: $OUT"
done
# the hook's environment is the spec's alone (and the PWD its shell sets),
# and it runs in the bundle, the container's directory
bundle="$LXR_RUN_DIR/_run/$name"
echo "$OUT" | grep -qx "HOOK_MARK=cdi PWD=$bundle " || fail "hook environment: $OUT"
echo "$OUT" | grep -qx "$bundle" || fail "hook's directory is not the bundle: $OUT"
echo "$OUT" | grep -q "\"id\":\"$name\",\"status\":\"creating\",\"pid\":[1-9]" ||
	fail "hook state: $OUT"
pass "--gpus all: nodes, cgroup access, read-only library, env, hook"

# --device with a CDI name, and --gpus with a count, take single devices
run run --rm --network none --device nvidia.com/gpu=1 "$ROOTFS" \
	/bin/sh -c 'ls /dev/nvidia0 2>/dev/null || echo no-0; ls /dev/nvidia1 /dev/nvidiactl'
expect_rc 0 "--device nvidia.com/gpu=1"
expect_out "no-0
/dev/nvidia1
/dev/nvidiactl" "--device nvidia.com/gpu=1"
run run --rm --network none --gpus 1 "$ROOTFS" /bin/sh -c 'ls /dev/nvidia*'
expect_out "/dev/nvidia0
/dev/nvidiactl" "--gpus 1"
# docker's --gpus forms, as inspect shows the request each makes
gpus_req() {
	local n
	n=$(cname "gpus$RANDOM")
	run create --name "$n" --network none --gpus "$1" "$ROOTFS" true
	expect_rc 0 "create --gpus $1"
	run inspect "$n"
	REQ=$(printf '%s' "$OUT" | python3 -c 'import json, sys
r = json.load(sys.stdin)[0]["HostConfig"]["DeviceRequests"][0]
print(r["Driver"], r["Count"], r["DeviceIDs"], r["Capabilities"])')
	"$LXR" rm -f "$n" >/dev/null
}
gpus_req all
[ "$REQ" = " -1 None [['gpu']]" ] || fail "--gpus all: $REQ"
gpus_req driver=nvidia # no count, no devices: one GPU, as docker's
[ "$REQ" = "nvidia 1 None [['gpu']]" ] || fail "--gpus driver=nvidia: $REQ"
gpus_req 'all,capabilities=utility'
[ "$REQ" = " -1 None [['utility', 'gpu']]" ] || fail "--gpus all,capabilities=utility: $REQ"
gpus_req '"device=0,1"'
[ "$REQ" = " 0 ['0', '1'] [['gpu']]" ] || fail "--gpus device=0,1: $REQ"
for bad in '' x count=1,count=2 '"device=0","device=1"' device= bogus=1; do
	run run --rm --network none --gpus "$bad" "$ROOTFS" true
	expect_rc 125 "--gpus '$bad'"
	expect_grep "$ERR" "--gpus \"$bad\"" "--gpus '$bad' names itself"
done
pass "--gpus: docker's forms and defaults"

# a node the spec gives no owner is the container user's (CDI's rule)
run run --rm --network none --gpus 1 -u 1000:1001 "$ROOTFS" /bin/sh -c 'ls -ln /dev/nvidia0'
expect_rc 0 "--gpus 1 -u 1000:1001"
expect_grep "$OUT" "^c[rw-]+ +1 +1000 +1001 +1, +3 " "the node's owner"

# NVIDIA's runtime: the GPUs NVIDIA_VISIBLE_DEVICES names; none without it
run run --rm --network none --runtime nvidia -e NVIDIA_VISIBLE_DEVICES=1 "$ROOTFS" \
	/bin/sh -c 'ls /dev/nvidia*'
expect_out "/dev/nvidia1
/dev/nvidiactl" "--runtime nvidia, NVIDIA_VISIBLE_DEVICES=1"
run run --rm --network none --runtime nvidia "$ROOTFS" /bin/sh -c 'ls /dev/nvidia* 2>&1 || true'
expect_rc 0 "--runtime nvidia without NVIDIA_VISIBLE_DEVICES"
expect_grep "$OUT" "No such file" "--runtime nvidia without NVIDIA_VISIBLE_DEVICES gives no GPU"
pass "--device vendor.com/class=name, --gpus N, --runtime nvidia"

# a count beyond the host's devices, a kind without a spec, a failing hook:
# a clear error, exit 125, nothing left
run run --rm --network none --gpus 3 "$ROOTFS" true
expect_rc 125 "--gpus 3"
expect_grep "$ERR" 'nvidia.com/gpu spec \(.*nvidia.yaml\) has no device "2"' "--gpus 3"
expect_grep "$ERR" "the host has fewer" "--gpus 3 hint"
run run --rm --network none --gpus driver=amd "$ROOTFS" true
expect_rc 125 "--gpus driver=amd"
expect_grep "$ERR" "no CDI spec of kind amd.com/gpu in $CDI" "amd"
# a hook that is not there, and one that outlives its timeout
printf '#!/bin/sh\ntouch %s/slow.ran\nexec sleep 31.%s\n' "$TEST_TMP" "$$" > "$TEST_TMP/hook-slow.sh"
chmod +x "$TEST_TMP/hook-slow.sh"
cat > "$CDI/hooks.json" <<EOF
{"cdiVersion": "0.6.0", "kind": "x.test/hook", "devices": [
 {"name": "gone", "containerEdits": {"hooks": [{"hookName": "createContainer", "path": "$TEST_TMP/no-such-hook"}]}},
 {"name": "slow", "containerEdits": {"hooks": [{"hookName": "createContainer", "path": "$TEST_TMP/hook-slow.sh", "timeout": 1}]}}]}
EOF
run run --rm --network none --device x.test/hook=gone "$ROOTFS" true
expect_rc 125 "a hook that is not there"
expect_grep "$ERR" "hook $TEST_TMP/no-such-hook: exit status 127: cannot execute it: No such file or directory" "a hook that is not there"
run run --rm --network none --device x.test/hook=slow "$ROOTFS" true
expect_rc 125 "a hook past its timeout"
expect_grep "$ERR" "hook-slow.sh: still running after 1 s" "a hook past its timeout"
[ -e "$TEST_TMP/slow.ran" ] || fail "the slow hook did not run"
! pgrep -f "sleep 31.$$" >/dev/null || fail "the slow hook is left running"
sed -i "s|path: $TEST_TMP/hook.sh|path: $TEST_TMP/hook-fail.sh|" "$CDI/nvidia.yaml"
printf '#!/bin/sh\necho "ldconfig: /lib/libfake.so.1 is not an ELF file" >&2\nexit 3\n' \
	> "$TEST_TMP/hook-fail.sh"
chmod +x "$TEST_TMP/hook-fail.sh"
name=$(cname hookfail)
run run --rm --name "$name" --network none --gpus all "$ROOTFS" true
expect_rc 125 "failing hook"
expect_grep "$ERR" "createContainer hook $TEST_TMP/hook-fail.sh: exit status 3: ldconfig: /lib/libfake.so.1 is not an ELF file" "failing hook"
[ -z "$(ls "$LXR_RUN_DIR/_run" 2>/dev/null)" ] || fail "a failed start left $(ls "$LXR_RUN_DIR/_run")"
sed -i "s|path: $TEST_TMP/hook-fail.sh|path: $TEST_TMP/hook.sh|" "$CDI/nvidia.yaml"
pass "errors: too few devices, no spec, a failing, missing or slow hook"

# compose's forms: a reservation with driver nvidia, gpus: all, a CDI name
stack <<'EOF'
name: cdi
services:
  reserved:
    image: @ROOTFS@
    network_mode: none
    command: ["sh", "-c", "ls /dev/nvidia0 /dev/nvidiactl && cat /usr/lib/libfake.so.1 && sleep 300"]
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: 1
              capabilities: [gpu]
  all:
    image: @ROOTFS@
    network_mode: none
    gpus: all
    command: ["sh", "-c", "ls /dev/nvidia1 && sleep 300"]
  named:
    image: @ROOTFS@
    network_mode: none
    devices: [nvidia.com/gpu=1]
    command: ["sh", "-c", "ls /dev/nvidia1 && sleep 300"]
EOF
run -f "$STACK" up -d
expect_rc 0 "up with device requests"
for s in reserved all named; do
	for _ in $(seq 100); do
		"$LXR" -f "$STACK" logs "$s" 2>/dev/null | grep -q "/dev/nvidia" && break
		sleep 0.05
	done
done
run -f "$STACK" logs --no-log-prefix reserved
expect_out "/dev/nvidia0
/dev/nvidiactl
libfake 535" "reserved logs"
run -f "$STACK" logs --no-log-prefix all
expect_out "/dev/nvidia1" "gpus: all logs"
run -f "$STACK" logs --no-log-prefix named
expect_out "/dev/nvidia1" "named logs"
# a restart keeps its writable layer: the hook runs again over its own link
run -f "$STACK" restart reserved
expect_rc 0 "restart"
for _ in $(seq 100); do
	[ "$("$LXR" -f "$STACK" logs reserved 2>/dev/null | grep -c "libfake 535")" -ge 2 ] && break
	sleep 0.05
done
[ "$("$LXR" -f "$STACK" logs reserved | grep -c "libfake 535")" -eq 2 ] ||
	fail "restart with a hook: $("$LXR" -f "$STACK" logs reserved 2>&1)"
# inspect shows them as docker's DeviceRequests
run -f "$STACK" inspect reserved named
expect_rc 0 "inspect"
reqs=$(printf '%s' "$OUT" | python3 -c 'import json, sys
for c in json.load(sys.stdin): print(json.dumps(c["HostConfig"]["DeviceRequests"], sort_keys=True))')
want='[{"Capabilities": [["gpu"]], "Count": 1, "DeviceIDs": null, "Driver": "nvidia", "Options": {}}]
[{"Capabilities": null, "Count": 0, "DeviceIDs": ["nvidia.com/gpu=1"], "Driver": "cdi", "Options": {}}]'
[ "$reqs" = "$want" ] || fail "DeviceRequests: $reqs"
run -f "$STACK" down -t 0
expect_rc 0 "down"
pass "compose: deploy.resources.reservations.devices, gpus: all, devices: CDI name; inspect"

# a stack asking for a device the host's specs lack fails at its line
sed -i 's/count: 1/count: 4/' "$STACK"
run -f "$STACK" up -d
[ "$RC" -ne 0 ] || fail "up with count 4 ran"
expect_grep "$ERR" "compose.yaml:[0-9]+:[0-9]+: service \"reserved\": CDI device nvidia.com/gpu=2: .* has no device \"2\"" "count 4"
run -f "$STACK" down -t 0
pass "a device request beyond the host's devices fails at its line"
