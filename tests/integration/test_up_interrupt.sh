#!/bin/bash
# Ctrl-C (SIGINT) on a foreground `up` is an ordered down: services stop in
# reverse dependency order, then everything of the project goes as `down`
# removes it (links, nft chains, netns, cgroups, run dir; ip_forward as it
# was) and `up` exits 130. A second Ctrl-C kills, and still removes
# everything. Volumes and logs stay.
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for published ports"

port=$(free_ports 1)
stack <<Y
name: t$$-intr
services:
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap 'echo db-stopped >> /shared/order; exit 0' TERM; while :; do sleep 0.1; done"]
    volumes: ["@SHARED@:/shared", "data:/data"]
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap 'echo web-stopped >> /shared/order; exit 0' TERM; echo hi > /data/mark; while :; do sleep 0.1; done"]
    volumes: ["@SHARED@:/shared", "data:/data"]
    ports: ["127.0.0.1:$port:80"]
    depends_on: [db]
volumes:
  data: {}
Y

# The project's nft chains start with p + FNV-1a of (run dir, project), as
# net_chain_prefix makes it: other stacks (other tests) may come and go.
fnv() {
	local h=$1 s=$2 i c
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(( ((h ^ c) * 16777619) & 0xffffffff ))
	done
	echo $(( ((h ^ 0xff) * 16777619) & 0xffffffff ))
}
printf -v prefix 'p%08x' "$(fnv "$(fnv 2166136261 "$LXR_RUN_DIR")" "$PROJECT")"
chains() { nft list table ip lxr 2>/dev/null | grep -o "chain $prefix[a-z0-9_]*" | sort -u || true; }
links() { ip -o link show | grep -F "alias lxr:$PROJECT/" || true; }
forward_before=$(cat /proc/sys/net/ipv4/ip_forward)

# Everything of the project is gone, as after `down`: $1 says after what.
no_leaks() {
	local left
	[ -z "$(links)" ] || fail "$1: links of the project left: $(links)"
	[ -z "$(chains)" ] || fail "$1: nft chains of the project left: $(chains)"
	grep -F "$LXR_RUN_DIR" /proc/self/mountinfo && fail "$1: mounts (netns) left under the run dir"
	left=$(leftovers_project)
	[ -z "$left" ] || fail "$1: $left"
	# ip_forward is the host's: another lxr network alive now (another
	# test's) keeps it on, rightly
	local fwd
	fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	if [ "$fwd" != "$forward_before" ] && ! ip -o link show | grep -qF "alias lxr:"; then
		fail "$1: ip_forward is $fwd, was $forward_before"
	fi
	# compose's ps of a project with no containers: the header alone
	run ps -p "$PROJECT" -a
	expect_rc 0 "$1: ps -a"
	expect_out "NAME      IMAGE     COMMAND   SERVICE   CREATED   STATUS    PORTS" "$1: ps lists nothing"
	run ps -p "$PROJECT" -a -q
	expect_out "" "$1: ps -a -q lists nothing"
	return 0
}

# Start a foreground up in the background; the events file is held open
# (fd 3) so it can be read after the down has removed it.
start_up() {
	rm -f "$SHARED/order"
	"$LXR" up -f "$STACK" >"$TEST_TMP/fg.out" 2>&1 &
	up=$!
	for _ in $(seq 400); do
		[ -e "$LXR_RUN_DIR/$PROJECT/events.jsonl" ] && break
		kill -0 "$up" 2>/dev/null || fail "up ended early: $(cat "$TEST_TMP/fg.out")"
		sleep 0.05
	done
	exec 3<"$LXR_RUN_DIR/$PROJECT/events.jsonl"
	wait_event '"instance":"web-1","state":"running"'
}
# up's exit code, waiting at most 30 s
wait_up() {
	for _ in $(seq 600); do kill -0 "$up" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$up" 2>/dev/null && fail "up still running 30 s after $1: $(tail -n 5 "$TEST_TMP/fg.out")"
	set +e
	wait "$up"
	RC=$?
	set -e
}

start_up
[ -n "$(links)" ] && [ -n "$(chains)" ] ||
	fail "no links or nft chains of the project ($prefix) while it runs: the leak check would prove nothing"
kill -INT "$up"
wait_up "Ctrl-C"
ERR=$(cat "$TEST_TMP/fg.out")
expect_rc 130 "up after Ctrl-C"
expect_grep "$ERR" "^lxr: project \"$PROJECT\" is down: .*volumes and logs kept" "up says the project is down"
evs=$(cat <&3)
exec 3<&-
[ "$(cat "$SHARED/order")" = "$(printf 'web-stopped\ndb-stopped')" ] ||
	fail "not stopped in reverse dependency order: $(cat "$SHARED/order")"
grep -q '"instance":"db-1","state":"stopped"' <<<"$evs" || fail "db did not end stopped: $evs"
no_leaks "Ctrl-C"
[ -d "$LXR_DATA_DIR/volumes/$PROJECT" ] || fail "Ctrl-C removed the volumes"
[ -s "$LXR_LOG_DIR/$PROJECT/web.log" ] || [ -e "$LXR_LOG_DIR/$PROJECT/web.log" ] || fail "Ctrl-C removed the logs"
pass "Ctrl-C: reverse order, exit 130, no link, nft chain, netns, cgroup or run dir left; volumes and logs kept"

# SIGTERM is the same ordered down (143), and a later up starts clean.
start_up
kill -TERM "$up"
wait_up "SIGTERM"
expect_rc 143 "up after SIGTERM"
exec 3<&-
no_leaks "SIGTERM"
pass "SIGTERM: the same ordered down, exit 143"

# A second Ctrl-C kills what is still stopping and still removes everything.
sed -i "s/exit 0' TERM/' TERM/" "$STACK" # now they ignore their stop signal
start_up
kill -INT "$up"
wait_event '"instance":"web-1","state":"stopping"'
sleep 0.2
kill -INT "$up"
wait_up "a second Ctrl-C"
expect_rc 130 "up after a second Ctrl-C"
exec 3<&-
grep -q "killing" "$TEST_TMP/fg.out" || fail "the second Ctrl-C did not kill: $(cat "$TEST_TMP/fg.out")"
no_leaks "a second Ctrl-C"
pass "a second Ctrl-C kills, then removes everything"

# A detached supervisor told to stop by a signal of its own (systemd's
# stop, say) removes the project as well, with no `down` after it.
sed -i "s/' TERM/exit 0' TERM/" "$STACK"
run up -d -f "$STACK"
expect_rc 0 "up -d"
sup=$(cat "$LXR_RUN_DIR/$PROJECT/supervisor.lock")
kill -TERM "$sup"
for _ in $(seq 600); do kill -0 "$sup" 2>/dev/null || break; sleep 0.05; done
kill -0 "$sup" 2>/dev/null && fail "the detached supervisor still runs 30 s after SIGTERM"
no_leaks "SIGTERM to a detached supervisor"
pass "SIGTERM to a detached supervisor: the same ordered down, nothing left"

run down -v -f "$STACK"
expect_rc 0 "down -v after the project is gone"
[ ! -e "$LXR_DATA_DIR/volumes/$PROJECT" ] || fail "down -v left the volumes"

# A foreground up of a stack that is up already attaches to it, as
# compose's does: the lines of what it names from then on; Ctrl-C stops
# those services ("Gracefully stopping"), up exits 130, and the supervisor
# and the rest of the stack stay
stack <<Y
name: t$$-att
services:
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "while :; do [ -e /shared/db ] && cat /shared/db && rm /shared/db; sleep 0.1; done"]
    volumes: ["@SHARED@:/shared"]
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "while :; do [ -e /shared/web ] && cat /shared/web && rm /shared/web; sleep 0.1; done"]
    volumes: ["@SHARED@:/shared"]
    depends_on: [db]
  idle: # no instance, so no log: the others are shown all the same
    image: @ROOTFS@
    deploy: {replicas: 0}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
# every service's lines, idle's none among them
"$LXR" up -f "$STACK" >"$TEST_TMP/all.out" 2>&1 &
att=$!
for _ in $(seq 100); do grep -q "unchanged" "$TEST_TMP/all.out" && break; sleep 0.05; done
sleep 0.3
echo all-line >"$SHARED/web"
for _ in $(seq 100); do grep -q "all-line" "$TEST_TMP/all.out" && break; sleep 0.05; done
grep -qE "^web-1 +\| all-line$" "$TEST_TMP/all.out" || fail "up did not attach to the stack: $(cat "$TEST_TMP/all.out")"
kill -INT "$att"
wait "$att" || true
run up -d -f "$STACK"
expect_rc 0 "up -d again"
"$LXR" up -f "$STACK" web >"$TEST_TMP/att.out" 2>&1 &
att=$!
for _ in $(seq 100); do grep -q "unchanged" "$TEST_TMP/att.out" && break; sleep 0.05; done
sleep 0.3
echo db-line >"$SHARED/db"
echo attached-line >"$SHARED/web"
for _ in $(seq 100); do grep -q "attached-line" "$TEST_TMP/att.out" && break; sleep 0.05; done
grep -qE "^web-1 +\| attached-line$" "$TEST_TMP/att.out" || fail "up did not attach to web: $(cat "$TEST_TMP/att.out")"
grep -q "db-line" "$TEST_TMP/att.out" && fail "up web showed db's line: $(cat "$TEST_TMP/att.out")"
kill -INT "$att"
set +e
wait "$att"
RC=$?
set -e
expect_rc 130 "attached up after Ctrl-C"
grep -q "Gracefully stopping" "$TEST_TMP/att.out" || fail "no compose's word on Ctrl-C: $(cat "$TEST_TMP/att.out")"
run ps -a -f "$STACK" --format '{{.Service}} {{.State}}'
expect_grep "$OUT" "^web exited$" "Ctrl-C stopped web"
expect_grep "$OUT" "^db running$" "and left db running under its supervisor"
run down -f "$STACK"
expect_rc 0 "down"
pass "a foreground up of a running stack attaches; Ctrl-C stops what it named"
