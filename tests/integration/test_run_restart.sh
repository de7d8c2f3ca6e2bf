#!/bin/bash
# `lxr run -d` runs its container under a supervisor of its own, as a stack
# runs a service: --restart policies with backoff, the log in the
# supervisor's format (rotated), stop/kill through its control socket; the
# supervisor goes with its container and leaves nothing but what `lxr rm`
# removes.
. "$(dirname "$0")/lib.sh"
cd "$TEST_TMP" # no compose.yaml here, nor above

sup_dir() { echo "$LXR_RUN_DIR/_run-sup/$1"; }
wait_gone() { for _ in $(seq 200); do [ ! -e "$(sup_dir "$1")" ] && return 0; sleep 0.05; done; return 1; }

a=$(cname flaky)
run run -d --network none --name "$a" --restart on-failure:2 "$ROOTFS" sh -c 'echo run; exit 3'
expect_rc 0 "run -d --restart on-failure:2"
expect_out "$a" "run -d prints the name"
wait_gone "$a" || fail "the supervisor of $a is still there after its policy gave up"
run logs "$a"
expect_out "run
run
run" "on-failure:2: the first run and 2 restarts, in its log"
grep -q " stdout F run$" "$LXR_LOG_DIR/_run/$a.log" || fail "the log is not the supervisor's (CRI) format"
run ps -a --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^$a exited$" "ps -a lists it as exited"
run rm "$a"
expect_rc 0 "rm"
[ ! -e "$LXR_RUN_DIR/_run/$a" ] || fail "rm left the container's directory"
pass "--restart on-failure:N restarts N times, then the supervisor goes and the container waits for rm"

b=$(cname always)
run run -d --network none --name "$b" --restart always "$ROOTFS" sh -c 'echo up; sleep 0.2'
expect_rc 0 "run -d --restart always"
for _ in $(seq 100); do [ "$("$LXR" logs "$b" | grep -c up)" -ge 3 ] && break; sleep 0.05; done
[ "$("$LXR" logs "$b" | grep -c up)" -ge 3 ] || fail "--restart always: ran $("$LXR" logs "$b" | grep -c up) times"
[ -S "$(sup_dir "$b")/control.sock" ] || fail "no control socket for $b"
run rm "$b"
expect_rc 1 "rm of a container under a restart policy"
expect_grep "$ERR" "is running \(or restarting\)" "rm says it is still looked after"
run stop "$b"
expect_rc 0 "stop"
wait_gone "$b" || fail "stop left the supervisor of $b"
run ps -a --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^$b exited$" "a stopped container stays stopped under --restart always"
run rm "$b"
expect_rc 0 "rm after stop"
pass "--restart always brings it back until lxr stop, which its supervisor obeys"

c=$(cname killed)
run run -d --name "$c" --restart always "$ROOTFS" sleep 1000
expect_rc 0 "run -d on the default bridge"
links=$(ip -o link show | grep -c 'lxr' || true)
run rm -f "$c"
expect_rc 0 "rm -f of a running container under a restart policy"
wait_gone "$c" || fail "rm -f left the supervisor of $c"
[ ! -e "$LXR_RUN_DIR/_run/$c" ] || fail "rm -f left the container's directory"
! pgrep -f -- "$c" >/dev/null || fail "rm -f left a process: $(pgrep -af -- "$c")"
[ "$(ip -o link show | grep -c 'lxr' || true)" -lt "$links" ] || fail "rm -f left its links"
pass "rm -f takes the supervisor, the container and its endpoint"

d=$(cname twice)
run run -d --network none --name "$d" "$ROOTFS" sleep 1000
run run -d --network none --name "$d" "$ROOTFS" true
expect_rc 125 "a second run -d with the same name"
expect_grep "$ERR" "container name \"$d\" is in use" "the error names the name"
run rm -f "$d"
run run --rm --restart always "$ROOTFS" true
expect_rc 125 "--restart with --rm"
expect_grep "$ERR" "--restart needs -d|--restart and --rm conflict" "said"
run run -d --rm --restart always "$ROOTFS" true
expect_grep "$ERR" "--restart and --rm conflict" "--rm with a restart policy is refused"
run run -d --restart sometimes "$ROOTFS" true
expect_rc 125 "an unknown policy"
expect_grep "$ERR" "--restart \"sometimes\": expected no, always, unless-stopped or on-failure" "named"
pass "a name in use, --restart with --rm or without -d, and an unknown policy are refused"

# A name another container holds (kept for rm, or running in the
# foreground) is refused before anything is made, and the other container
# keeps its network and its directory.
e=$(cname kept)
run run --name "$e" "$ROOTFS" sh -c 'echo kept > /tmp/mark'
expect_rc 0 "a foreground run kept for rm"
run run -d --rm --name "$e" "$ROOTFS" true
expect_rc 125 "run -d --rm over a kept container's name"
expect_grep "$ERR" "container name \"$e\" is in use" "the name is said to be in use"
[ -d "$LXR_RUN_DIR/_run/$e" ] || fail "the refused run -d removed the kept container"
f=$(cname fg)
"$LXR" run --name "$f" "$ROOTFS" sleep 3 >/dev/null 2>&1 &
fg=$!
for _ in $(seq 100); do [ -e "$LXR_RUN_DIR/_run/$f/state" ] && break; sleep 0.05; done
run run -d --name "$f" "$ROOTFS" true
expect_rc 125 "run -d over a running foreground container's name"
run exec "$f" sh -c 'ip -o link show eth0 >/dev/null && echo net'
expect_out "net" "the foreground container kept its network"
wait "$fg" || fail "the foreground container did not end well"
run rm "$e" "$f"
expect_rc 0 "rm"
[ ! -e "$LXR_LOG_DIR/_run/$e.log" ] || fail "rm left the log"
pass "run -d refuses a name in use without touching its holder; rm removes the log"

g=$(cname backoff)
run run -d --network none --name "$g" --restart always "$ROOTFS" sh -c 'exit 1'
expect_rc 0 "run -d of a command that keeps failing"
for _ in $(seq 100); do "$LXR" ps --format '{{.Name}} {{.State}}' | grep -q "^$g restarting" && break; sleep 0.02; done
run ps --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^$g (restarting|running)$" "between restarts it is restarting, not exited"
seen=""
for _ in $(seq 100); do
	"$LXR" ps -q --status restarting | grep -qx "$g" && seen=1 && break
	sleep 0.02
done
[ -n "$seen" ] || fail "ps --status restarting never listed $g"
run rm -f "$g"
expect_rc 0 "rm -f between restarts"
[ ! -e "$LXR_RUN_DIR/_run-sup/$g" ] || fail "rm -f left the supervisor's directory"
pass "ps (and --status restarting) shows a container between restarts as restarting; rm -f takes it then"

# lxr logs NAME takes a stack's options: -t, --since, -f (until the
# container's supervisor ends with it).
h=$(cname logs)
run run -d --network none --name "$h" "$ROOTFS" sh -c 'echo first; sleep 1; echo second'
expect_rc 0 "run -d"
set +e
out=$(timeout 20 "$LXR" logs -f -t "$h" 2>&1)
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "logs -f did not end with the container (rc $rc): $out"
expect_grep "$out" "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z first$" "logs -t stamps each line"
expect_grep "$out" "Z second$" "logs -f followed to the last line"
run logs --since 1h "$h"
expect_out "first
second" "logs --since 1h"
run rm "$h"
pass "lxr logs -f, -t and --since work on a run -d container"
