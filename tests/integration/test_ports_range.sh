#!/bin/bash
# A host port range for one container port ("A-B:80"): docker publishes the
# first free port of the range. A program on the host holds A, so the
# service gets A+1; a second replica the next one free; both answer there
# and keep them across a restart. `lxr run -p` does the same, and says so
# when none of its range is free.
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for published ports"
command -v python3 >/dev/null || skip "python3 holds a host port"

# A..A+5 below the kernel's ephemeral ports (an outgoing connection may
# hold one of those any moment), none of them in use; a listener on the
# host on A (127.0.0.1 and every address: a bind to 0.0.0.0)
read -r low _ </proc/sys/net/ipv4/ip_local_port_range
[ "$low" -gt 12000 ] || low=32768
for try in $(seq 20); do
	A=$((10000 + (RANDOM % ((low - 10010) / 8)) * 8))
	ss -Htan | awk '{print $4}' | grep -qE ":($A|$((A + 1))|$((A + 2))|$((A + 3))|$((A + 4))|$((A + 5)))\$" && continue
	python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1)
print("ready", flush=True); time.sleep(600)' "$A" >"$TEST_TMP/holder.out" 2>&1 &
	holder=$!
	for _ in $(seq 200); do
		grep -q ready "$TEST_TMP/holder.out" && break
		kill -0 "$holder" 2>/dev/null || break
		sleep 0.05
	done
	grep -q ready "$TEST_TMP/holder.out" && break
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
done
at_exit "kill $holder"
grep -q ready "$TEST_TMP/holder.out" || fail "no listener on a free host port after $try tries: $(cat "$TEST_TMP/holder.out")"

stack <<Y
name: prange$$
services:
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo page-\$\$HOSTNAME > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    ports: ["$A-$((A + 5)):80"]
    deploy: {replicas: 2}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with a host port range for one container port"
run ps -f "$STACK"
ports=$(printf '%s\n' "$OUT" | grep -o '0\.0\.0\.0:[0-9]*->80/tcp' | cut -d: -f2 | cut -d- -f1 | sort -n | tr '\n' ' ')
[ "$ports" = "$((A + 1)) $((A + 2)) " ] || fail "expected host ports $((A + 1)) and $((A + 2)) (A=$A held), ps shows: $OUT"
for inst in web-1 web-2; do
	p=$(printf '%s\n' "$OUT" | grep "^$PROJECT-$inst " | grep -o '0\.0\.0\.0:[0-9]*' | cut -d: -f2)
	got=$(wget -qO- "http://127.0.0.1:$p/i" 2>&1 || true)
	[ "$got" = "page-$inst" ] || fail "127.0.0.1:$p answered [$got], expected page-$inst"
done
run port -f "$STACK" web 80
expect_grep "$OUT" ":$((A + 1))$|:$((A + 2))$" "lxr port shows the picked host port"
before=$(printf '%s\n' "$OUT")
p1=$("$LXR" ps -f "$STACK" | grep '^[a-z0-9_.-]*-web-1 ' | grep -o '0\.0\.0\.0:[0-9]*' | cut -d: -f2)
run restart -f "$STACK" web
expect_rc 0 "restart"
for _ in $(seq 100); do "$LXR" ps -f "$STACK" | grep -q '^[a-z0-9_.-]*-web-1 .* Up ' && break; sleep 0.05; done
p1b=$("$LXR" ps -f "$STACK" | grep '^[a-z0-9_.-]*-web-1 ' | grep -o '0\.0\.0\.0:[0-9]*' | cut -d: -f2)
[ "$p1" = "$p1b" ] || fail "web-1's host port changed across a restart: $p1 -> $p1b"
pass "a host range publishes the first free port of it, per replica, kept across a restart"

# A is held, A+1 and A+2 are published: nothing of A..A+2 is free
run run --rm -p "$A-$((A + 2)):80" "$ROOTFS" true
expect_rc 125 "lxr run -p on a range with no free port"
expect_grep "$ERR" "no free host port in $A-$((A + 2))/tcp" "a range with no free port is said, with the range"
run run -d --name prange$$ -p "$A-$((A + 5)):80" "$ROOTFS" sh -c "echo run-page > /tmp/i; exec httpd -f -p 80 -h /tmp"
expect_rc 0 "lxr run -p A-B:80"
at_exit "$LXR" rm -f prange$$
for _ in $(seq 100); do got=$(wget -qO- "http://127.0.0.1:$((A + 3))/i" 2>/dev/null) && break; sleep 0.05; done
[ "$got" = "run-page" ] || fail "lxr run's container did not answer on $((A + 3)), the first free port: [$got]"
run rm -f prange$$
pass "lxr run -p A-B:80 publishes the first free port of the range, and says when none is"

run down -f "$STACK"
expect_rc 0 "down"
