#!/bin/bash
# /etc/hosts across a stack's life: a service sees the names of those
# started before it (its depends_on targets) from its first instant, the
# earlier ones learn its names once up is done, scaling up adds the new
# instances' names everywhere and scaling down removes them.
. "$(dirname "$0")/lib.sh"

stack <<Y
name: hoststest
services:
  early:
    image: @ROOTFS@
    command: ["sleep", "100000"]
  late:
    image: @ROOTFS@
    depends_on: [early]
    command: ["/bin/sh", "-c", "cp /etc/hosts /tmp/hosts-at-start; exec sleep 100000"]
Y

# "IP NAMES..." of name in container svc's /etc/hosts
entry() { "$LXR" exec -f "$STACK" "${@:3}" "$1" grep -w -- "$2" /etc/hosts || true; }
addr() { "$LXR" exec -f "$STACK" "${@:2}" "$1" ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1; }

run up -d -f "$STACK"
expect_rc 0 "up -d"
early_ip=$(addr early)
late_ip=$(addr late)
run exec -f "$STACK" late grep -w early /tmp/hosts-at-start
expect_grep "$OUT" "^$early_ip\s.*\bearly\b" "late's /etc/hosts as it started lists early"
pass "a service started later resolves the one it depends on from its start"
expect_grep "$(entry early late)" "^$late_ip\s.*\blate-1\b" "early's /etc/hosts lists late after up"
expect_grep "$(entry late early)" "^$early_ip\s.*\bearly-1\b" "late's /etc/hosts lists early after up"
pass "once up is done, each service resolves the other"

run scale -f "$STACK" early=3
expect_rc 0 "scale early=3"
wait_event '"instance":"early-3","state":"running"'
e3_ip=$(addr early --index 3)
expect_grep "$(entry late early-3)" "^$e3_ip\s.*\bearly-3\b" "late's /etc/hosts lists early-3"
expect_grep "$(entry early early-3)" "^$e3_ip\s" "early-1's /etc/hosts lists early-3"
expect_grep "$(entry early late --index 3)" "^$late_ip\s.*\blate\b" "early-3's /etc/hosts lists late"
expect_grep "$(entry early early-2 --index 3)" "\bearly-2\b" "early-3's /etc/hosts lists early-2"
pass "scale up: the new instances' names reach every container, and theirs list the others"

run scale -f "$STACK" early=1
expect_rc 0 "scale early=1"
[ -z "$(entry late early-3)" ] || fail "late's /etc/hosts still lists early-3 after scale down: $(entry late early-3)"
[ -z "$(entry late early-2)" ] || fail "late's /etc/hosts still lists early-2 after scale down"
expect_grep "$(entry late early-1)" "^$early_ip\s" "late's /etc/hosts keeps early-1"
pass "scale down: the removed instances' names go from the others' /etc/hosts"

run down -f "$STACK"
expect_rc 0 "down"
pass "down"
