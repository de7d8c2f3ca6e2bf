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

# Does this kernel make a link of KIND (macvlan, ipvlan, dummy, vlan)? Tried
# on a veth of its own (links of $parent may still be going with the
# namespaces of containers that just ended), removed with it.
kernel_makes() {
	local made=0
	ip link add "lxrt$$q" type veth peer name "lxrt$$r"
	case $1 in
	dummy) ip link add "lxrt$$k" type dummy 2>/dev/null && ip link del "lxrt$$k" || made=1 ;;
	vlan) ip link add link "lxrt$$q" name "lxrt$$q.9" type vlan id 9 2>/dev/null || made=1 ;;
	*) ip link add "lxrt$$k" link "lxrt$$q" type "$1" 2>/dev/null || made=1 ;;
	esac
	ip link del "lxrt$$q"
	return $made
}
kernel_makes macvlan || skip "the kernel has no macvlan driver (CONFIG_MACVLAN)"

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
    networks:
      lan: {ipv4_address: $lan.11}
      back: {}
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
! ip -o link show | grep -qF "lxr:mv$$/a-1" || fail "a, on the macvlan network alone, has a host link"
! ip -o link show | grep -qF "@$parent" || fail "a link of the parent's is on the host: $(ip -o link show | grep -F "@$parent")"
! nft list ruleset 2>/dev/null | grep -qF "$lan." || fail "nft has rules for the macvlan subnet"
! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "port $port is published"
run network inspect "mv$$_lan"
expect_grep "$OUT" '"Driver": "macvlan"' "network inspect shows the driver"
expect_grep "$OUT" "\"parent\": \"$parent\"" "network inspect shows the parent"
pass "a macvlan network has no bridge, rules or published port on the host"

ifindex() { nsenter --net="$1" ip -o link show eth0 | cut -d: -f1; }
before=$(ifindex "$ns")
run restart -f "$STACK" a
for _ in $(seq 100); do "$LXR" ps -f "$STACK" | grep -q '^[a-z0-9_.-]*-a-1 .*running' && break; sleep 0.05; done
for _ in $(seq 60); do [ "$(langet "$lan.10")" = page-a ] && break; sleep 0.05; done
[ "$(langet "$lan.10")" = page-a ] || fail "after a restart the LAN does not reach a at $lan.10"
[ "$(ifindex "$ns")" = "$before" ] || fail "a restart made a's link again (ifindex $before, now $(ifindex "$ns"))"
pass "a restart keeps the link and its address on the LAN"

# a process of the host's in a container's namespace, keeping it (and its
# links) after the container is gone; waits until it is in there
hold() {
	nsenter --net="$1" sleep 30 &
	holder=$!
	at_exit "kill $holder"
	for _ in $(seq 100); do
		[ "$(stat -L -c %i "/proc/$holder/ns/net" 2>/dev/null)" = "$(stat -L -c %i "$1")" ] && return
		sleep 0.02
	done
	fail "the holder did not enter $1"
}

# made again on its ipv4_address: the old link's MAC and address leave the
# parent with it, not when the kernel frees its namespace (which a process
# still in it, here one of the host's, keeps)
hold "$ns"
run up -d --force-recreate -f "$STACK" a
expect_rc 0 "up --force-recreate of a, on its ipv4_address"
for _ in $(seq 60); do [ "$(langet "$lan.10")" = page-a ] && break; sleep 0.05; done
[ "$(langet "$lan.10")" = page-a ] || fail "after a recreate the LAN does not reach a at $lan.10"
kill "$holder"
wait "$holder" 2>/dev/null || true
pass "a container made again on its ipv4_address takes it over at once"

# the same for a container's next network: b's eth1 on lan, its namespace
# held across a down and an up
hold "$LXR_RUN_DIR/mv$$/.net/netns/b-1"
run down -f "$STACK"
expect_rc 0 "down while b's namespace is held"
run up -d -f "$STACK"
expect_rc 0 "up again, b's old namespace still held"
run exec -f "$STACK" b sh -c "timeout 3 wget -q -O - http://$lan.1/i"
expect_out "page-lan" "b, made again on its ipv4_address on lan (eth1), reaches the LAN"
kill "$holder"
wait "$holder" 2>/dev/null || true
pass "a next network's macvlan link goes with its container, not with a held namespace"

run down -f "$STACK"
expect_rc 0 "down"
ip link show "$parent" >/dev/null 2>&1 || fail "down removed the parent, which is the host's"
! ip -o link show | grep -q "lxr:mv$$" || fail "links of the project left after down"
! ip -o link show | grep -qF "@$parent" || fail "links of the parent's left after down"
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
expect_grep "$ERR" "parent interface nosuch$$ does not exist" "the error names the missing parent"
[ ! -e "$LXR_RUN_DIR/mv$$/.net/networks/lan" ] || fail "a network whose parent is missing was kept"
run down -f "$STACK"
pass "a mode a driver does not take, and a parent that is not there, are refused and make nothing"

# name: one network for every project naming it, made with its driver;
# without a gateway its containers have no default route, as docker's
stack <<Y
name: mvn$$
services:
  c:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    networks: [lan]
networks:
  lan:
    name: lxrt-named$$
    driver: macvlan
    driver_opts: {parent: $parent}
    ipam: {config: [{subnet: $lan.0/24, ip_range: $lan.64/26}]}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with a named macvlan network without a gateway"
run exec -f "$STACK" c sh -c "ip -o -4 addr show eth0 | awk '{print \$4}'; ip route | grep -c default; timeout 3 wget -q -O - http://$lan.1/i"
expect_grep "$OUT" "^$lan\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])/24
0
page-lan$" "c has an address of the ip_range, no default route, and reaches the LAN on its subnet"
run network inspect "lxrt-named$$"
expect_grep "$OUT" '"Driver": "macvlan"' "the named network is a macvlan"
# a passthru network takes its parent to itself, as docker's
run network create -d macvlan -o parent="$parent" -o macvlan_mode=passthru "lxrt-pt$$"
expect_rc 1 "a passthru network on a parent another network is on"
expect_grep "$ERR" "parent $parent already has macvlan network lxrt-named$$" "the error names the network on it"
run down -f "$STACK"
expect_rc 0 "down of the named network's stack"
run network ls -q
! printf '%s\n' "$OUT" | grep -qx "lxrt-named$$" || fail "the named network outlived its last project"
pass "a named macvlan network is made with its driver; no gateway, no default route; passthru is refused beside it"

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
# a bridge must have its gateway's address: 0.0.0.0 is none
run network create --subnet "10.78.$sub.0/24" --gateway 0.0.0.0 "lxrt-bad$$"
expect_rc 1 "network create of a bridge with gateway 0.0.0.0"
run network rm "$net"
expect_rc 0 "network rm"
ip link show "$parent" >/dev/null 2>&1 || fail "network rm removed the parent"
run network ls -q
! printf '%s\n' "$OUT" | grep -q "lxrt-bad$$" || fail "a refused network create left a network"
pass "lxr network create -d macvlan makes a network lxr run joins; bad options make none"

# ipvlan: the same, where the kernel has the driver; else its network is
# refused when it is made, saying which driver the kernel lacks
if kernel_makes ipvlan; then
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
if kernel_makes dummy; then
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

# A parent LINK.VID that is not there is made as docker makes it: VLAN VID
# of LINK, lxr's, removed with the last network on it; one of the host's own
# is left alone.
stack <<Y
name: mvv$$
services:
  c:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    networks: [v7]
networks:
  v7:
    driver: macvlan
    driver_opts: {parent: $parent.7}
    ipam: {config: [{subnet: 10.77.$sub.0/24, gateway: 10.77.$sub.1}]}
Y
if kernel_makes vlan; then
	run up -d -f "$STACK"
	expect_rc 0 "up -d with parent $parent.7, which does not exist"
	out=$(ip -d link show "$parent.7")
	expect_grep "$out" "vlan protocol 802.1Q id 7" "lxr made VLAN 7 of $parent"
	expect_grep "$out" "alias lxr:mvv$$/v7" "the VLAN link carries lxr's alias"
	out=$(nsenter --net="$LXR_RUN_DIR/mvv$$/.net/netns/c-1" ip -d link show eth0)
	expect_grep "$out" "macvlan" "c's eth0 is a macvlan of the VLAN link"
	run down -f "$STACK"
	! ip link show "$parent.7" >/dev/null 2>&1 || fail "down left the VLAN link lxr made"
	ip link add link "$parent" name "$parent.7" type vlan id 7
	run up -d -f "$STACK"
	expect_rc 0 "up -d with the host's own VLAN link as parent"
	run down -f "$STACK"
	ip link show "$parent.7" >/dev/null 2>&1 || fail "down removed the host's own VLAN link"
	ip link del "$parent.7"
	pass "a missing VLAN parent is made and removed by lxr; the host's own is kept"
else
	run up -d -f "$STACK"
	[ "$RC" -ne 0 ] || fail "up with a VLAN parent on a kernel without 802.1Q"
	expect_grep "$ERR" "CONFIG_VLAN_8021Q" "the error names the kernel's missing driver"
	[ ! -e "$LXR_RUN_DIR/mvv$$/.net/networks/v7" ] || fail "the refused network was kept"
	run down -f "$STACK"
	pass "a VLAN parent on a kernel without 802.1Q is refused, saying so (CONFIG_VLAN_8021Q)"
fi
