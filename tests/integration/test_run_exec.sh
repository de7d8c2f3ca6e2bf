#!/bin/bash
# lxr exec: a command inside a running container — its namespaces, cgroup,
# environment, user and capabilities — with exit codes passed through.
. "$(dirname "$0")/lib.sh"

n=$(cname ex)
run run -d --rm --name "$n" -e FROM_RUN=yes -h exhost "$ROOTFS" /bin/sh -c 'echo inside > /tmp/marker; exec sleep 30'
expect_rc 0 "start detached"
at_exit "$LXR" exec "$n" kill 1
for _ in $(seq 100); do "$LXR" exec "$n" test -e /tmp/marker 2>/dev/null && break; sleep 0.05; done

run exec "$n" /bin/sh -c 'cat /tmp/marker; hostname; echo $FROM_RUN; for n in pid mnt net; do readlink /proc/self/ns/$n; done'
expect_rc 0 "exec"
first=$(echo "$OUT" | head -n3 | tr '\n' ' ')
[ "$first" = "inside exhost yes " ] || fail "exec does not see the container: $OUT"
for ns in pid mnt net; do
	echo "$OUT" | grep -qx "$(readlink /proc/self/ns/$ns)" && fail "exec ran in the host's $ns namespace"
done
pass "exec runs inside the container's namespaces with its environment"

run exec "$n" /bin/sh -c 'ps -o comm | grep -c sleep; grep -E "^Cap(Eff|Bnd)" /proc/self/status'
expect_grep "$OUT" "^1$" "exec sees the container's processes"
expect_grep "$OUT" "CapEff:	00000000a80425fb" "exec keeps the container's capabilities"
init=$(sed -n 's/^pid=//p' "$LXR_RUN_DIR/_run/$n/state")
cg=$(grep memory /proc/"$init"/cgroup | cut -d: -f3)
run exec "$n" cat /proc/self/cgroup
echo "$OUT" | grep -q "memory:/$" || fail "exec not in the container's cgroup namespace root: $OUT"
expect_grep "$cg" "lxr/_run/$n" "the container's process is in lxr's cgroup"
pass "exec joins the container's cgroup and keeps its capabilities"

run exec -u app -e EXTRA=1 -w /tmp "$n" /bin/sh -c 'id -u; echo $EXTRA; pwd; grep CapEff /proc/self/status'
expect_out "$(printf '1000\n1\n/tmp\nCapEff:\t0000000000000000')" "exec -u -e -w"
pass "exec -u -e -w"

run exec "$n" /bin/sh -c 'exit 9'
expect_rc 9 "exec exit code"
run exec "$n" no-such-thing
expect_rc 127 "exec not found"
run exec no-such-container true
expect_rc 125 "exec into a missing container"
expect_grep "$ERR" "no container" "missing container is named"
out=$(script -qec "$LXR exec -t $n tty" /dev/null </dev/null | tr -d '\r')
[ "$out" = /dev/pts/0 ] || fail "exec -t: $out"
pass "exec passes exit codes through, -t gives a PTY from the container's devpts"

run exec "$n" kill 1
for _ in $(seq 100); do [ -e "$LXR_RUN_DIR/_run/$n" ] || break; sleep 0.05; done
[ ! -e "$LXR_RUN_DIR/_run/$n" ] || fail "container did not go away"
