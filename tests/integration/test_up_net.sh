#!/bin/bash
# A stack's network: services reach each other by name over HTTP; a
# published port answers from the host; an internal network has no way out;
# an address survives a restart; down (also after a killed supervisor)
# leaves no bridge, veth, nft chain, netns or lease.
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for NAT and published ports"

port=$(free_ports 2)
stack <<Y
name: nettest
services:
  api:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "mkdir -p /tmp/www; echo api-says-hi > /tmp/www/index.html; exec httpd -f -p 80 -h /tmp/www"]
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "mkdir -p /tmp/www; echo web-page > /tmp/www/index.html; exec httpd -f -p 80 -h /tmp/www"]
    ports: ["127.0.0.1:$port:80"]
    depends_on: [api]
  locked:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "mkdir -p /tmp/www; echo locked > /tmp/www/index.html; exec httpd -f -p 80 -h /tmp/www"]
    networks: [inside]
    ports: ["127.0.0.1:$((port + 1)):80"]
networks:
  inside:
    internal: true
Y
links_before=$(ip -br link | grep -c '^lxr' || true)
chains() { nft list table ip lxr 2>/dev/null | grep -o 'chain p[0-9a-f]\{8\}' | sort -u; }
chains_before=$(chains)

run up -d -f "$STACK"
expect_rc 0 "up -d"
expect_grep "$ERR" 'warning: service "locked": its ports are not published: internal network "inside"' \
	"up warns of ports on an internal network only"
ours=$(comm -13 <(printf '%s\n' "$chains_before") <(chains))
[ -n "$ours" ] || fail "up made no nft chains of its own"
wait_event '"instance":"web-1","state":"running"'
run exec -f "$STACK" web wget -qO- http://api/
expect_out api-says-hi "web reaches api by service name"
run exec -f "$STACK" web wget -qO- http://api-1/
expect_out api-says-hi "web reaches api by instance name"
pass "services reach each other by name over HTTP"

out=$(wget -qO- "http://127.0.0.1:$port/" 2>&1 || true)
[ "$out" = web-page ] || fail "published port $port on 127.0.0.1: [$out]"
pass "a published port answers from the host on 127.0.0.1"

gw=$(ip -4 route show default | awk '{print $3; exit}')
hostip=$(ip -4 -o addr show scope global | awk '{print $4; exit}' | cut -d/ -f1)
run exec -f "$STACK" locked /bin/sh -c "ip route; wget -T 2 -qO- http://$hostip:$port/ 2>&1; echo rc=\$?"
expect_grep "$OUT" "rc=1" "the internal network reaches the host's address"
echo "$OUT" | grep -q "^default" && fail "an internal network has a default route: $OUT"
run exec -f "$STACK" api /bin/sh -c "ip route | grep ^default"
expect_grep "$OUT" "^default via" "a normal network has a way out"
pass "an internal network has no route out (host $hostip unreachable, default gateway $gw unused)"
# as docker: the service runs; its port, on internal networks only, is not published
out=$(wget -T 2 -qO- "http://127.0.0.1:$((port + 1))/" 2>&1 || true)
[ "$out" != locked ] || fail "a port of a service on an internal network only answers from the host"
run exec -f "$STACK" locked wget -qO- http://127.0.0.1/
expect_out locked "the service on an internal network only runs"
pass "a service on internal networks only runs, its port not published, and up says so"

ip1=$("$LXR" exec -f "$STACK" api ip -4 -o addr show eth0 | awk '{print $4}')
run restart -f "$STACK" api
wait_event '"instance":"api-1","state":"running","from":"starting","cause":"started","exit":143'
ip2=$("$LXR" exec -f "$STACK" api ip -4 -o addr show eth0 | awk '{print $4}')
[ -n "$ip1" ] && [ "$ip1" = "$ip2" ] || fail "address changed across a restart: $ip1 -> $ip2"
pass "api keeps its address $ip1 across a restart"

sup=$(cat "$LXR_RUN_DIR/$PROJECT/supervisor.lock")
kill -KILL "$sup"
sleep 0.3
run down -f "$STACK"
expect_rc 0 "down after a killed supervisor"
links_after=$(ip -br link | grep -c '^lxr' || true)
[ "$links_after" -le "$links_before" ] || fail "links left: $(ip -br link | grep '^lxr')"
left=$(comm -12 <(printf '%s\n' "$ours") <(chains))
[ -z "$left" ] || fail "nft chains of the project left: $left"
grep -q "$LXR_RUN_DIR" /proc/self/mountinfo && fail "netns mounts left"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "run dir left"
pass "down after a killed supervisor leaves no bridge, veth, nft rule, netns or run dir"

# replicas: each instance its own container and address; the host range is
# split one port per instance; names resolve to every instance
p1=$((port + 1))
stack <<Y
name: netreplicas
services:
  echo:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "mkdir -p /tmp/www; hostname > /tmp/www/index.html; exec httpd -f -p 80 -h /tmp/www"]
    deploy: {replicas: 2}
    ports: ["127.0.0.1:$p1-$((p1 + 1)):80"]
Y
run up -d -f "$STACK"
expect_rc 0 "up with replicas"
wait_event '"instance":"echo-2","state":"running"'
a=$(wget -qO- "http://127.0.0.1:$p1/"); b=$(wget -qO- "http://127.0.0.1:$((p1 + 1))/")
[ "$a" = echo-1 ] && [ "$b" = echo-2 ] || fail "replica ports: $p1 -> [$a], $((p1 + 1)) -> [$b]"
run exec -f "$STACK" echo-2 wget -qO- http://echo-1/
expect_out echo-1 "echo-2 reaches echo-1 by instance name"
run ps -f "$STACK"
[ "$(echo "$OUT" | grep -cE "^$PROJECT-echo-[12] ")" -eq 2 ] || fail "ps should list both replicas: $OUT"
run down -f "$STACK"
expect_rc 0 down
pass "deploy.replicas runs echo-1 and echo-2, each on its own published port and address"
