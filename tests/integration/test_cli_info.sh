#!/bin/bash
# lxr info, as docker info: containers by state across stacks and lxr run
# containers, images by ID (two names of one image count once), the host's
# facts, and docker's keys as JSON or through a template.
. "$(dirname "$0")/lib.sh"

run info --format '{{.Containers}} {{.Images}} {{.Projects}}'
expect_rc 0 "info on an empty store"
expect_out "0 0 0" "nothing runs, nothing is stored"
for kw in if range with; do
	run info --format "{{$kw}}x{{end}}"
	expect_rc 2 "{{$kw}} without an operand"
	expect_grep "$ERR" "\{\{$kw\}\} needs an operand" "{{$kw}} alone is said"
done

run import "$ROOTFS" "info$$/base:1"
expect_rc 0 "import an image"
run tag "info$$/base:1" "info$$/base:2"
expect_rc 0 "a second name for it"

up=$(cname up)
paused=$(cname paused)
run run -d --name "$up" "$ROOTFS" sleep 1000
expect_rc 0 "a running container"
at_exit "$LXR" rm -f "$up"
run run -d --name "$paused" "$ROOTFS" sleep 1000
expect_rc 0 "a second one"
at_exit "$LXR" rm -f "$paused"
run pause "$paused"
expect_rc 0 "pause the second"
stopped=$(cname stopped)
run run --name "$stopped" "$ROOTFS" true
expect_rc 0 "a container that ran and was kept"
at_exit "$LXR" rm -f "$stopped"
stack <<Y
name: info$$
services:
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
Y
run up -d -f "$STACK"
expect_rc 0 "a stack"
at_exit "$LXR" down -f "$STACK"

run info --format '{{.Containers}} {{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}} {{.Images}} {{.Projects}}'
expect_rc 0 "info with containers"
expect_out "4 2 1 1 1 1" "two running (one a stack's), one paused, one stopped; one image of two names; one project"

run info --format json
expect_rc 0 "info --format json"
python3 -c '
import json, os, sys
j = json.load(sys.stdin)
assert j["OSType"] == "linux" and j["Driver"] == "overlay", j
assert j["NCPU"] == os.cpu_count(), j["NCPU"]
assert j["KernelVersion"] == os.uname().release, j["KernelVersion"]
assert j["DataDir"] == os.environ["LXR_DATA_DIR"] and j["RunDir"] == os.environ["LXR_RUN_DIR"], j
assert "name=seccomp,profile=builtin" in j["SecurityOptions"], j["SecurityOptions"]
assert j["CgroupVersion"] in ("1", "2"), j["CgroupVersion"]
' <<<"$OUT" || fail "info --format json: $OUT"

run info
expect_rc 0 "info as text"
expect_grep "$OUT" "^  Running: 2$" "the text form counts running containers"
expect_grep "$OUT" "^ Kernel Version: $(uname -r)$" "and names the kernel"

run info --bogus
expect_rc 2 "an unknown argument"
expect_grep "$ERR" "info: --bogus: unknown argument" "is named"
pass "lxr info counts containers by state and images by ID, and tells the host's facts"
