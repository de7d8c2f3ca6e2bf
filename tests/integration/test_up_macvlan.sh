#!/bin/bash
# docker's macvlan (and ipvlan) network drivers: each container's interface
# is a link of a host interface, its parent, with an address of the
# parent's own network. Here that network is a veth pair whose far end sits
# in a namespace of the test's, standing for the LAN: a "router" there at
# .1 serves a page. Containers reach it and each other by name, the LAN
# reaches them at their own addresses, nothing is bridged or NATed on the
# host, ports are not published (as docker's are not), a restart keeps the
# address, `lxr network create -d macvlan` makes one for `lxr run`, bad
# options are refused before anything is made, and down removes what lxr
# made and leaves the parent, which is the host's.
. "$(dirname "$0")/lib.sh"

sub=$((($$ % 200) + 20))
lan=192.168.$sub
parent="lxrt$$p"
lanns="lxrt-lan$$"
ip netns add "$lanns" || skip "no network namespaces (ip netns add)"
at_exit "ip netns del $lanns"
ip link add "$parent" type veth peer name lan0 netns "$lanns" ||
	skip "no veth links (CONFIG_VETH)"
at_exit "ip link del $parent"
ip link set "$parent" up
ip -n "$lanns" addr add "$lan.1/24" dev lan0
ip -n "$lanns" link set lan0 up
ip -n "$lanns" link set lo up
mkdir -p "$TEST_TMP/www"
echo page-lan > "$TEST_TMP/www/i"
ip netns exec "$lanns" "$ROOTFS/bin/busybox" httpd -f -p 80 -h "$TEST_TMP/www" &
at_exit "kill $!"
# GET of http://IP/i from the LAN, its body (bash's /dev/tcp: the host's
# busybox wget may not run outside a container)
langet() {
	ip netns exec "$lanns" timeout 3 bash -c \
		'exec 3<>"/dev/tcp/$1/80" && printf "GET /i HTTP/1.0\r\n\r\n" >&3 && cat <&3' \
		_ "$1" 2>/dev/null | tail -n 1 || true
}

# a probe: does this kernel have the macvlan driver at all?
if ! ip link add "lxrt$$m" link "$parent" type macvlan 2>/dev/null; then
	skip "the kernel has no macvlan driver (CONFIG_MACVLAN)"
fi
ip link del "lxrt$$m"

port=$(free_ports 1)
stack <<Y
name: mv$$
services:
  a:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo page-a > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    ports: ["$port:80"]
    networks:
      lan: {ipv4_address: $lan.10}
  b:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    networks: [lan, back]
networks:
  lan:
    driver: macvlan
    driver_opts:
      parent: $parent
    ipam:
      config:
        - subnet: $lan.0/24
          gateway: $lan.1
  back: {}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with a macvlan network"
expect_grep "$ERR" "service \"a\": its ports are not published: macvlan and ipvlan" \
	"up says a's ports are not published on a macvlan network"
ns="$LXR_RUN_DIR/mv$$/.net/netns/a-1"
out=$(nsenter --net="$ns" ip -d link show eth0)
expect_grep "$out" "macvlan mode bridge" "a's eth0 is a macvlan in bridge mode (docker's default)"
run exec -f "$STACK" a sh -c "ip -o -4 addr show eth0 | awk '{print \$4}'; ip route | awk '\$1 == \"default\" {print \$3}'"
expect_out "$lan.10/24
$lan.1" "a has its ipv4_address on the parent's network, its default route via the gateway"
run exec -f "$STACK" b sh -c "timeout 3 wget -q -O - http://a/i; timeout 3 wget -q -O - http://$lan.1/i"
expect_out "page-a
page-lan" "b reaches a by name and the LAN's router through the parent"
out=$(langet "$lan.10")
[ "$out" = page-a ] || fail "the LAN does not reach a at $lan.10: $out"
pass "a macvlan network's containers reach each other and the LAN, and the LAN reaches them"

# b: back (a bridge) is eth0 by compose's order, lan its eth1, a macvlan
out=$(nsenter --net="$LXR_RUN_DIR/mv$$/.net/netns/b-1" ip -d link show eth1)
expect_grep "$out" "macvlan" "b's second network, lan, is a macvlan (eth1)"
# nothing of the host's: no bridge, no rule for the LAN's subnet, and the
# port is not published
! ip -o link show | grep -qF "master $parent" || fail "something is enslaved to the parent"
! nft list ruleset 2>/dev/null | grep -qF "$lan." || fail "nft has rules for the macvlan subnet"
! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "port $port is published"
run network inspect "mv$$_lan"
expect_grep "$OUT" '"Driver": "macvlan"' "network inspect shows the driver"
expect_grep "$OUT" "\"parent\": \"$parent\"" "network inspect shows the parent"
pass "a macvlan network has no bridge, rules or published port on the host"

run restart -f "$STACK" a
for _ in $(seq 100); do "$LXR" ps -f "$STACK" | grep -q '^a-1 .*running' && break; sleep 0.05; done
for _ in $(seq 60); do [ "$(langet "$lan.10")" = page-a ] && break; sleep 0.05; done
[ "$(langet "$lan.10")" = page-a ] || fail "after a restart the LAN does not reach a at $lan.10"
pass "a restart keeps the address on the LAN"

run down -f "$STACK"
expect_rc 0 "down"
ip link show "$parent" >/dev/null 2>&1 || fail "down removed the parent, which is the host's"
! ip -o link show | grep -q "lxr:mv$$" || fail "links of the project left after down"
pass "down removes what lxr made and leaves the host's parent"

# Options a driver does not take are refused by up, naming the line,
# before anything is made.
sed -i "s/      parent: $parent/      parent: $parent\n      macvlan_mode: sideways/" "$STACK"
run up -d -f "$STACK"
[ "$RC" -ne 0 ] || fail "up took macvlan_mode: sideways"
expect_grep "$ERR" "compose.yaml:[0-9]+:[0-9]+: .*macvlan_mode: macvlan takes no \"sideways\"" \
	"the error names the option and its line"
expect_grep "$ERR" "bridge, private, vepa or passthru" "the hint lists the modes"
[ ! -e "$LXR_RUN_DIR/mv$$/.net/networks/lan" ] || fail "a refused up made the network"
sed -i "s/macvlan_mode: sideways/macvlan_mode: private/; s/      parent: $parent/      parent: nosuch$$/" "$STACK"
run up -d -f "$STACK"
[ "$RC" -ne 0 ] || fail "up took a parent that does not exist"
expect_grep "$ERR" "find the parent interface nosuch$$" "the error names the missing parent"
run down -f "$STACK"
! ip -o link show | grep -q "lxr:mv$$" || fail "a failed up left links"
pass "a mode a driver does not take, and a parent that is not there, are refused and make nothing"

# lxr network create -d macvlan, joined by lxr run as docker's users do
net="lxrt-lan$$"
run network create -d macvlan -o parent="$parent" -o macvlan_mode=private --subnet "$lan.0/24" --gateway "$lan.1" "$net"
expect_rc 0 "network create -d macvlan"
at_exit "$LXR network rm $net"
run network ls
expect_grep "$OUT" "^$net +macvlan +local +$lan.0/24" "network ls shows the driver"
run run --rm --network "$net" --ip "$lan.20" "$ROOTFS" sh -c "timeout 3 wget -q -O - http://$lan.1/i"
expect_out "page-lan" "lxr run on the created macvlan network reaches the LAN"
run network create -d macvlan -o parent="$parent" -o macvlan_mode=bogus "lxrt-bad$$"
expect_rc 1 "network create with a bad macvlan_mode"
expect_grep "$ERR" "macvlan_mode: \"bogus\" is not one it takes" "the error says why"
run network create -d macvlan -o com.docker.network.bridge.name=x "lxrt-bad$$"
expect_rc 1 "network create -d macvlan with a bridge option"
run network rm "$net"
expect_rc 0 "network rm"
ip link show "$parent" >/dev/null 2>&1 || fail "network rm removed the parent"
run network ls -q
! printf '%s\n' "$OUT" | grep -q "lxrt-bad$$" || fail "a refused network create left a network"
pass "lxr network create -d macvlan makes a network lxr run joins; bad options make none"

# ipvlan: the same, where the kernel has the driver; else its network is
# refused when it is made, saying which driver the kernel lacks
if ip link add "lxrt$$i" link "$parent" type ipvlan mode l2 2>/dev/null; then
	ip link del "lxrt$$i"
	run network create -d ipvlan -o parent="$parent" --subnet "$lan.0/24" --gateway "$lan.1" "$net"
	expect_rc 0 "network create -d ipvlan"
	run run --rm --network "$net" "$ROOTFS" sh -c "timeout 3 wget -q -O - http://$lan.1/i"
	expect_out "page-lan" "lxr run on an ipvlan network reaches the LAN"
	run network rm "$net"
	pass "an ipvlan network reaches the LAN"
else
	run network create -d ipvlan -o parent="$parent" "$net"
	expect_rc 1 "network create -d ipvlan on a kernel without ipvlan"
	expect_grep "$ERR" "CONFIG_IPVLAN" "the error names the kernel's missing driver"
	run network ls -q
	! printf '%s\n' "$OUT" | grep -qx "$net" || fail "the refused ipvlan network was kept"
	pass "ipvlan on a kernel without it is refused when the network is made (CONFIG_IPVLAN)"
fi

# No parent: docker's dummy link, so the containers reach each other and
# nothing else; a kernel without the dummy driver refuses it, saying so.
stack <<Y
name: mvd$$
services:
  a:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo page-a > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    networks: [iso]
  b:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    networks: [iso]
networks:
  iso: {driver: macvlan}
Y
if ip link add "lxrt$$d" type dummy 2>/dev/null; then
	ip link del "lxrt$$d"
	run up -d -f "$STACK"
	expect_rc 0 "up -d with a macvlan network without a parent"
	ip -o link show | grep -q "lxr:mvd$$/iso" || fail "no dummy parent of lxr's while up"
	run exec -f "$STACK" b sh -c "timeout 3 wget -q -O - http://a/i"
	expect_out "page-a" "b reaches a on a macvlan network without a parent"
	run down -f "$STACK"
	! ip -o link show | grep -q "lxr:mvd$$" || fail "the dummy parent was left after down"
	pass "a macvlan network without a parent gets a dummy of lxr's, gone at down"
else
	run up -d -f "$STACK"
	[ "$RC" -ne 0 ] || fail "up without a parent on a kernel without dummy links"
	expect_grep "$ERR" "CONFIG_DUMMY" "the error names the kernel's missing driver"
	expect_grep "$ERR" "name a parent" "the hint says what to do instead"
	run down -f "$STACK"
	[ ! -e "$LXR_RUN_DIR/mvd$$/.net/networks/iso" ] || fail "the refused network was kept"
	pass "a macvlan network without a parent on a kernel without dummy links is refused, saying so"
fi
