#!/bin/bash
# driver_opts' com.docker.network.bridge.name (mailcow's br-mailcow): the
# bridge answers to that name as well (a second name, "altname", beside
# lxr's own, which lxr's rules match); containers on it work as on any
# network; inspect shows the option; a changed name in the file is the
# network made again under it; a link that already has the name (not
# lxr's) fails the up with a message naming it, takes nothing from that
# link and leaves nothing of lxr's; lxr network create -o does the same;
# down takes the name with the bridge.
. "$(dirname "$0")/lib.sh"

ip link property help 2>&1 | grep -q altname || skip "this ip(8) cannot show a link's second names"
name=br-lt$$
other=br-lu$$
stack_file() { # BRIDGE-NAME
	cat <<Y
name: brname$$
services:
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo page > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    networks: [front]
  client:
    image: @ROOTFS@
    command: ["sleep", "300"]
    networks: [front]
networks:
  front:
    driver_opts:
      com.docker.network.bridge.name: $1
Y
}
stack < <(stack_file "$name")
run up -d -f "$STACK"
expect_rc 0 "up -d on a network with com.docker.network.bridge.name"
primary=$(ip -o link show "$name" | awk -F': ' '{print $2}')
case "$primary" in
lxr-*) ;;
*) fail "link $name is [$primary], not one of lxr's bridges" ;;
esac
ip -d link show "$primary" | grep -qw "altname $name" || fail "$primary does not show altname $name"
# the gateway the containers route through is the bridge's address
gw=$(ip -o -4 addr show "$name" | awk '{print $4}')
gw=${gw%/*}
[ -n "$gw" ] || fail "bridge $name has no IPv4 address"
run exec -f "$STACK" client sh -c "ip route | awk '/^default/ {print \$3}'"
expect_out "$gw" "client routes through bridge $name ($gw)"
run exec -f "$STACK" client sh -c "timeout 3 wget -q -O - http://web/i"
expect_rc 0 "client reaches web on the named bridge"
expect_out "page" "web answers client"
run network inspect "brname$$_front"
expect_rc 0 "network inspect"
printf '%s' "$OUT" | python3 -c '
import json, sys
o = json.load(sys.stdin)[0]["Options"]
assert o.get("com.docker.network.bridge.name") == sys.argv[1], o' "$name" ||
	fail "network inspect does not show com.docker.network.bridge.name $name: $OUT"
pass "the bridge answers to $name too; containers on it reach each other and out through it"

# the name changed in the file: the network is made again under the new one
stack_file "$other" | sed "s|@ROOTFS@|$ROOTFS|g" >"$STACK"
run up -d -f "$STACK"
expect_rc 0 "up -d with the bridge's name changed"
ip link show "$other" >/dev/null 2>&1 || fail "no link $other after the name changed"
ip link show "$name" >/dev/null 2>&1 && fail "link $name stayed after the name changed"
run exec -f "$STACK" client sh -c "timeout 3 wget -q -O - http://web/i"
expect_out "page" "web answers client on the network made again"
pass "a changed bridge name is the network made again under it"
run down -f "$STACK"
expect_rc 0 "down"
ip link show "$other" >/dev/null 2>&1 && fail "link $other stayed after down"

# the name taken by a link lxr did not make: up fails, names it, takes
# nothing from it, leaves nothing
ip link add "$other" type bridge || skip "cannot make a bridge to stand for another's"
at_exit "ip link del $other 2>/dev/null"
run up -d -f "$STACK"
[ "$RC" -ne 0 ] || fail "up took the name $other of a link lxr did not make"
expect_grep "$ERR" "cannot also be named $other: link $other has that name" \
	"the error names the link that has the name"
expect_grep "$ERR" "com.docker.network.bridge.name" "the hint names the option"
[ "$(ip -o link show "$other" | awk -F': ' '{print $2}')" = "$other" ] ||
	fail "link $other changed"
ip -o link show | grep -q "lxr:.*brname$$" && fail "a link of the failed stack stayed"
run down -f "$STACK"
pass "a name another link has fails the up, naming it, and leaves nothing"

# lxr network create -o, docker's way to the same
run network create -o "com.docker.network.bridge.name=$name" "lxrt$$"
expect_rc 0 "network create -o com.docker.network.bridge.name"
at_exit "$LXR network rm lxrt$$ 2>/dev/null"
ip link show "$name" >/dev/null 2>&1 || fail "network create made no link $name"
run network create -o "com.docker.network.bridge.name=$other" "lxru$$"
[ "$RC" -ne 0 ] || fail "network create took the name of a link lxr did not make"
expect_grep "$ERR" "link $other has that name" "network create names the link that has the name"
run network ls -q
printf '%s\n' "$OUT" | grep -qx "lxru$$" && fail "a network whose bridge failed was kept"
run network rm "lxrt$$"
expect_rc 0 "network rm"
ip link show "$name" >/dev/null 2>&1 && fail "link $name stayed after network rm"
pass "lxr network create -o com.docker.network.bridge.name names the bridge too"
