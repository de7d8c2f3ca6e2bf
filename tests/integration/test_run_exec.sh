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

printf 'A=from-file\nB="quoted"\nFROMENV\n' > "$TEST_TMP/exec.env"
set +e
OUT=$(FROMENV=caller KEEP=kept "$LXR" exec --env-file "$TEST_TMP/exec.env" -e A=from-flag -e KEEP -e UNSET_HERE \
	"$n" /bin/sh -c 'echo "$A|$B|$FROMENV|$KEEP|${UNSET_HERE-none}"' 2>"$TEST_TMP/stderr")
RC=$?
set -e
expect_rc 0 "exec --env-file"
expect_out 'from-flag|"quoted"|caller|kept|none' "--env-file as written, -e over it, -e KEY from the caller"
printf 'bad key=1\n' > "$TEST_TMP/bad.env"
run exec --env-file "$TEST_TMP/bad.env" "$n" true
expect_rc 125 "exec --env-file with a bad line"
expect_grep "$ERR" "bad.env:1:1" "the error names the file and line"
pass "exec --env-file and -e KEY, as docker exec"

run exec "$n" /bin/sh -c 'exit 9'
expect_rc 9 "exec exit code"
run exec "$n" no-such-thing
expect_rc 127 "exec not found"
run exec no-such-container true
expect_rc 1 "exec into a missing container (docker exec: 1)"
expect_grep "$ERR" "no container" "missing container is named"
out=$(script -qec "$LXR exec -t $n tty" /dev/null </dev/null | tr -d '\r')
[ "$out" = /dev/pts/0 ] || fail "exec -t: $out"
pass "exec passes exit codes through, -t gives a PTY from the container's devpts"

run exec "$n" kill 1
for _ in $(seq 100); do [ -e "$LXR_RUN_DIR/_run/$n" ] || break; sleep 0.05; done
[ ! -e "$LXR_RUN_DIR/_run/$n" ] || fail "container did not go away"
