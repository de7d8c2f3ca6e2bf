#!/bin/bash
# `up` on a running stack compares each instance's whole plan: a changed
# published port, a move to another network, a changed environment each
# recreate that one service (new container, the new plan in force) and
# leave the others running in the same containers; a network declared
# otherwise is made anew for what runs on it. `up SERVICE` converges that
# service alone and leaves the others as they run, changed or stopped.
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for published ports"

port=$(free_ports 2)
port2=$((port + 1))
# subnets of this run's own, away from the default pool (10.89.0.0/16)
net=$((($$ % 120) * 2))
front="10.123.$net.0/24" back="10.123.$((net + 1)).0/24"
project="reconcile$$"

write_stack() { # web's host port, api's network, db's MODE
	stack <<Y
name: $project
services:
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "mkdir -p /tmp/www; echo web-page > /tmp/www/index.html; exec httpd -f -p 80 -h /tmp/www"]
    ports: ["127.0.0.1:$1:80"]
    networks: [front]
  api:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    networks: [$2]
  db:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    environment: {MODE: $3}
networks:
  front: {ipam: {config: [{subnet: "$front"}]}}
  back: {ipam: {config: [{subnet: "$back"}]}}
Y
}
pid_of() { sed -n "s/^pid=//p" "$LXR_RUN_DIR/$PROJECT/$1-1/state" 2>/dev/null || true; }
# Wait (bounded) until the instance runs in a container other than old.
wait_new_pid() {
	for _ in $(seq 200); do
		p=$(pid_of "$1")
		[ -n "$p" ] && [ "$p" != "$2" ] && kill -0 "$p" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "$1 was not recreated (pid still ${p:-none}, was $2)"
}
get() { wget -T 2 -qO- "http://127.0.0.1:$1/" 2>/dev/null || true; }
# up -d again, then: what it said it recreates, and the others' pids kept
reconcile() { # changed-service
	run up -d -f "$STACK"
	expect_rc 0 "up on the running stack ($1 changed)"
	expect_grep "$ERR" "recreate +$1-1" "up says it recreates $1"
	for s in web api db; do
		[ "$s" = "$1" ] && continue
		expect_grep "$ERR" "unchanged +$s-1" "up leaves $s unchanged"
	done
	wait_new_pid "$1" "${pids[$1]}"
	for s in web api db; do
		[ "$s" = "$1" ] && continue
		[ "$(pid_of "$s")" = "${pids[$s]}" ] || fail "$s was recreated when only $1 changed"
		kill -0 "${pids[$s]}" || fail "$s's container is gone"
	done
	pids[$1]=$(pid_of "$1")
}
addr_of() { "$LXR" exec -f "$STACK" "$1" ip -4 -o addr show eth0 | awk '{print $4}'; }

write_stack "$port" front a
run up -d -f "$STACK"
expect_rc 0 "up -d"
for s in web api db; do wait_event "\"instance\":\"$s-1\",\"state\":\"running\""; done
declare -A pids
for s in web api db; do pids[$s]=$(pid_of "$s"); done
for _ in $(seq 100); do [ "$(get "$port")" = web-page ] && break; sleep 0.05; done
[ "$(get "$port")" = web-page ] || fail "web does not answer on $port"
pass "web, api and db run; web answers on 127.0.0.1:$port"

write_stack "$port2" front a
reconcile web
for _ in $(seq 100); do [ "$(get "$port2")" = web-page ] && break; sleep 0.05; done
[ "$(get "$port2")" = web-page ] || fail "the recreated web does not answer on $port2"
[ -z "$(get "$port")" ] || fail "the old port $port still answers"
run exec -f "$STACK" web cat /sys/class/net/eth0/address
expect_grep "$OUT" "^02:42:" "web's MAC address follows from its IP address"
pass "a changed published port recreates web alone: $port2 answers, $port no longer"

a1=$(addr_of api)
case "$a1" in "${front%.0/24}".*) ;; *) fail "api's address $a1 is not in $front" ;; esac
write_stack "$port2" back a
reconcile api
for _ in $(seq 100); do a2=$(addr_of api 2>/dev/null || true); [ -n "$a2" ] && break; sleep 0.05; done
case "$a2" in "${back%.0/24}".*) ;; *) fail "api's address after the move, $a2, is not in $back" ;; esac
pass "a changed network recreates api alone, on the new network ($a1 -> $a2)"

write_stack "$port2" back b
reconcile db
run exec -f "$STACK" db /bin/sh -c 'echo $MODE'
expect_out b "db's new environment"
pass "a changed environment recreates db alone"

# a network declared otherwise: what runs on it is recreated on it anew
back="10.124.$net.0/24"
write_stack "$port2" back b
reconcile api
for _ in $(seq 100); do a3=$(addr_of api 2>/dev/null || true); [ -n "$a3" ] && break; sleep 0.05; done
case "$a3" in "${back%.0/24}".*) ;; *) fail "api's address after the subnet change, $a3, is not in $back" ;; esac
pass "a changed subnet recreates api alone, on the network made anew ($a2 -> $a3)"

run up -d -f "$STACK"
expect_rc 0 "up on an unchanged file"
for s in web api db; do expect_grep "$ERR" "unchanged +$s-1" "an unchanged file leaves $s"; done
sleep 0.3
for s in web api db; do [ "$(pid_of "$s")" = "${pids[$s]}" ] || fail "$s recreated by an unchanged file"; done
pass "the same file again recreates nothing"

# up SERVICE: compose converges SERVICE (and what it depends on) and leaves
# every other service as it runs: not removed, not recreated though its
# definition changed, not started when stopped
write_stack "$port2" back c
run up -d -f "$STACK" web
expect_rc 0 "up -d web with db changed"
expect_grep "$ERR" "unchanged +web-1" "up web looks at web"
! printf '%s\n' "$ERR" | grep -Eq "(remove|recreate) +(api|db)-1" || fail "up web touched the others: $ERR"
sleep 0.3
for s in web api db; do [ "$(pid_of "$s")" = "${pids[$s]}" ] || fail "up web changed $s's container"; done
run exec -f "$STACK" db /bin/sh -c 'echo $MODE'
expect_out b "db still runs its old environment"
run ps -f "$STACK" --format '{{.Name}} {{.Command}}'
expect_grep "$OUT" '^[a-z0-9_.-]*-db-1 "sleep 1000"$' "ps still lists db"
run stop -f "$STACK" api
expect_rc 0 "stop api"
run up -d -f "$STACK" web
expect_rc 0 "up -d web with api stopped"
run ps -a -f "$STACK" --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^[a-z0-9_.-]*-api-1 exited$" "api stays stopped"
run up -d -f "$STACK" db
expect_grep "$ERR" "recreate +db-1" "up db then sees db's change"
wait_new_pid db "${pids[db]}"
run exec -f "$STACK" db /bin/sh -c 'echo $MODE'
expect_out c "db runs its new environment"
pass "up SERVICE leaves the other services as they run: changed, stopped, kept"

# a kept service whose container_name the file changed since: exec and cp
# by service still find the container it runs
sed -i "s/^  db:\$/  db:\\n    container_name: $project-store/" "$STACK"
grep -q "container_name: $project-store" "$STACK" || fail "the test did not set db's container_name"
run up -d -f "$STACK" web
expect_rc 0 "up -d web with db's container_name changed"
run exec -f "$STACK" db /bin/sh -c 'echo $MODE'
expect_rc 0 "exec db finds the container it runs"
expect_out c "exec db: the kept db-1"
run -f "$STACK" cp db:/etc/hostname "$TEST_TMP/db-hostname"
expect_rc 0 "cp db:PATH finds it too"
[ "$(cat "$TEST_TMP/db-hostname")" = db-1 ] || fail "cp copied from elsewhere: $(cat "$TEST_TMP/db-hostname")"
pass "exec and cp by service reach a kept container whose name the file changed"

run down -f "$STACK"
expect_rc 0 down
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "run dir left"
grep -q "$LXR_RUN_DIR" /proc/self/mountinfo && fail "netns mounts left"
pass "down removes the stack"
