#!/bin/bash
# deploy.update_config order: start-first: the new container starts beside
# the old one and the published port's DNAT moves to it in one nft batch
# once it is healthy, so a client hitting the port through the update sees
# every request answered (by the old version, then the new), none refused.
# A new container that fails goes, and the old one never stopped serving.
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for published ports"
command -v wget >/dev/null || skip "wget is needed for the client loop"

project="rsf$$"
img="rtest/sf$$"
port=$((22000 + $$ % 20000))
for v in 1:yes 2:yes 3:no; do
	run import -c "ENV V=${v%%:*}" -c "ENV HEALTHY=${v#*:}" "$ROOTFS" "$img:v${v%%:*}"
	expect_rc 0 "import $img:v${v%%:*}"
done
at_exit "$LXR" rmi "$img:v1" "$img:v2" "$img:v3"

write_stack() { # tag
	stack <<Y
name: $project
services:
  web:
    image: $img:$1
    command: ["/bin/sh", "-c", "mkdir /tmp/www; echo v\$\$V > /tmp/www/index.html; [ \"\$\$HEALTHY\" = yes ] && touch /tmp/ok; exec httpd -f -p 8080 -h /tmp/www"]
    ports: ["127.0.0.1:$port:8080"]
    healthcheck:
      test: ["CMD-SHELL", "test -f /tmp/ok || { echo no /tmp/ok in v\$\$V; exit 1; }"]
      interval: 200ms
      retries: 2
    deploy:
      update_config: {order: start-first, monitor: 1s, failure_action: rollback}
Y
}
get() { wget -T 5 -qO- "http://127.0.0.1:$port/" 2>/dev/null; }
# A client asking over and over until told to stop; what it got, one a line
loop_start() {
	rm -f "$TEST_TMP/stop" "$TEST_TMP/got"
	(while [ ! -e "$TEST_TMP/stop" ]; do get >>"$TEST_TMP/got" || echo REFUSED >>"$TEST_TMP/got"; done) &
	loop=$!
	at_exit kill "$loop"
}
loop_stop() {
	touch "$TEST_TMP/stop"
	wait "$loop"
	grep -q REFUSED "$TEST_TMP/got" &&
		fail "a request failed during the update: $(uniq -c "$TEST_TMP/got" | tr '\n' ' ')"
	return 0
}
wait_answer() { # version
	for _ in $(seq 200); do [ "$(get)" = "$1" ] && return 0; sleep 0.05; done
	fail "the port does not answer $1: $(get)"
}

write_stack v1
run up -d -f "$STACK"
expect_rc 0 "up -d"
wait_answer v1
pass "v1 answers on 127.0.0.1:$port"

loop_start
write_stack v2
run up -d -f "$STACK"
expect_rc 0 "up to v2, start-first"
expect_grep "$ERR" "web: updated" "up says web is updated"
n=$(event_at '"instance":"web-1.next","state":"healthy"')
o=$(event_at '"instance":"web-1","state":"stopping"')
[ -n "$n" ] && [ -n "$o" ] && [ "$n" -lt "$o" ] ||
	fail "web-1 stopped before web-1.next was healthy (events $n, $o)"
wait_answer v2
loop_stop
grep -q '^v1$' "$TEST_TMP/got" && grep -q '^v2$' "$TEST_TMP/got" ||
	fail "the client did not see v1 then v2: $(uniq -c "$TEST_TMP/got" | tr '\n' ' ')"
[ "$(tail -n1 "$TEST_TMP/got")" = v2 ] || fail "the last answer is not v2"
run exec -f "$STACK" web /bin/sh -c 'echo "v$V"'
expect_out v2 "exec reaches the new container"
run up -d -f "$STACK"
expect_rc 0 "up again, nothing changed"
expect_grep "$ERR" "unchanged +web-1" "the switched container counts as unchanged"
pass "start-first: every request answered through the switch, v1 then v2 ($(wc -l <"$TEST_TMP/got") requests)"

# and back under the instance's own name again
loop_start
write_stack v1
run up -d -f "$STACK"
expect_rc 0 "up back to v1, start-first"
wait_answer v1
loop_stop
run exec -f "$STACK" web /bin/sh -c 'echo "v$V"'
expect_out v1 "exec reaches the container after a second switch"
pass "a second start-first update switches back, again without a refused request"

# a new container that never gets healthy: the old one serves throughout
loop_start
write_stack v3
run up -d -f "$STACK"
expect_rc 1 "up to an unhealthy v3"
expect_grep "$ERR" "web-1: health check failed \(exit 1\): no /tmp/ok in v3" "up names the failed check"
loop_stop
grep -q '^v3$' "$TEST_TMP/got" && fail "the failing v3 received requests"
[ "$(get)" = v1 ] || fail "v1 does not answer after the failed update"
for _ in $(seq 100); do
	ls "$LXR_RUN_DIR/$PROJECT" | grep -q next || break
	sleep 0.05
done
ls "$LXR_RUN_DIR/$PROJECT" | grep -q next && fail "the failed new container was left: $(ls "$LXR_RUN_DIR/$PROJECT")"
pass "a failing start-first container goes; the old one answered every request"

run down -p "$PROJECT" -t 0
expect_rc 0 down
