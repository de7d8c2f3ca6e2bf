#!/bin/bash
# A service on several networks: one network namespace with eth0, eth1...,
# one per network (or the names interface_name gives); it reaches the services of each by name, with its
# aliases per network, and by the link_local_ips it has on one; services on
# different networks stay apart; a restart keeps its addresses; down leaves
# nothing.
. "$(dirname "$0")/lib.sh"

net=$((($$ % 120) * 2))
stack <<Y
name: nets$$
services:
  a:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo page-a > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    networks:
      front: {link_local_ips: [169.254.77.6]}
  b:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo page-b > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    networks: [back]
  c:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    networks:
      front: {aliases: [c-front], link_local_ips: [169.254.77.5]}
      back: {aliases: [c-back], ipv4_address: 10.124.$((net + 1)).50}
  d:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    networks:
      front: {interface_name: web0}
      back: {driver_opts: {com.docker.network.endpoint.sysctls: "net.ipv4.conf.IFNAME.log_martians=1"}}
      side: {driver_opts: {com.docker.network.endpoint.ifname: eth0}}
networks:
  front: {ipam: {config: [{subnet: "10.124.$net.0/24"}]}}
  back: {ipam: {config: [{subnet: "10.124.$((net + 1)).0/24"}]}}
  side: {}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with a service on two networks"
run exec -f "$STACK" c sh -c "ip -o -4 addr show | awk '{print \$2, \$4}' | grep -v '^lo'"
# compose's order: priority, then the networks' names (back before front)
expect_grep "$OUT" "^eth0 10\.124\.$((net + 1))\.50/24" "eth0 on back, its first network by name, with its ipv4_address"
expect_grep "$OUT" "^eth1 10\.124\.$net\.[0-9]+/24" "eth1 on front"
for peer in a b; do
	run exec -f "$STACK" c sh -c "timeout 3 wget -q -O - http://$peer/i"
	expect_out "page-$peer" "c reaches $peer by name"
done
run exec -f "$STACK" a sh -c "grep -qw c-front /etc/hosts && echo yes; grep -qw c-back /etc/hosts && echo no; grep -qw b /etc/hosts && echo no"
expect_out "yes" "a (front) knows c by its front alias only, and not b"
run exec -f "$STACK" b sh -c "grep -w c-back /etc/hosts | awk '{print \$1}'"
expect_out "10.124.$((net + 1)).50" "b (back) resolves c's back alias to its back address"
bip=$("$LXR" exec -f "$STACK" c sh -c "awk '\$2 == \"b\" {print \$1}' /etc/hosts")
[ -n "$bip" ] || fail "c's /etc/hosts has no b"
run exec -f "$STACK" a sh -c "timeout 2 wget -q -O - http://$bip/i"
[ "$RC" -ne 0 ] || fail "a (front only) reached b (back only) at $bip: $OUT"
pass "one container on two networks reaches both by name, with per-network aliases; the networks stay apart"

# link_local_ips: more addresses on that network's interface, as docker
# adds them (a /16), and traffic between two of them on the bridge
run exec -f "$STACK" c sh -c "ip -o -4 addr show | awk '{print \$2, \$4}' | grep 169.254"
expect_out "eth1 169.254.77.5/16" "c has its link-local address on front's interface (eth1), as a /16"
run exec -f "$STACK" c sh -c "timeout 3 wget -q -O - http://169.254.77.6/i"
expect_out "page-a" "c reaches a at a's link-local address"
pass "link_local_ips are addresses on the network's interface that peers reach"

# interface_name names an interface; the others are eth0, eth1... in join
# order, skipping a name one of them was given
run exec -f "$STACK" d sh -c "ip -o -4 addr show | awk '{print \$2, \$4}' | grep -v '^lo' | sort"
expect_grep "$OUT" "^web0 10\.124\.$net\.[0-9]+/24" "front's interface is the web0 asked for"
expect_grep "$OUT" "^eth1 10\.124\.$((net + 1))\.[0-9]+/24" "back's, unnamed, is eth1: eth0 was asked for by side"
expect_grep "$OUT" "^eth0 " "side's interface is the eth0 asked for"
run exec -f "$STACK" d sh -c "ip route | awk '\$1 == \"default\" {print \$5}'"
expect_out "eth1" "the default route goes through the first network's interface (back's, by name)"
# docker's endpoint options: a sysctl of the interface, IFNAME its name
run exec -f "$STACK" d sh -c "cat /proc/sys/net/ipv4/conf/eth1/log_martians /proc/sys/net/ipv4/conf/web0/log_martians | tr '\n' ' '"
expect_out "1 0 " "back's endpoint sysctl is set on back's interface (eth1) alone"
# a changed interface_name is a changed container: up makes it again
sed -i 's/interface_name: web0/interface_name: web1/' "$STACK"
run up -d -f "$STACK"
expect_rc 0 "up -d after interface_name changed"
run exec -f "$STACK" d sh -c "ip -o link show | awk -F': ' '{print \$2}' | sed 's/@.*//' | sort | tr '\n' ' '"
expect_out "eth0 eth1 lo web1 " "d was made again with its new interface name"
pass "interface_name (or driver_opts' ifname) names a container's interface on that network; its driver_opts sysctls are that interface's; a change makes it again"

run restart -f "$STACK" c
for _ in $(seq 100); do "$LXR" ps -f "$STACK" | grep -q '^[a-z0-9_.-]*-c-1 .*running' && break; sleep 0.05; done
run exec -f "$STACK" c sh -c "ip -o -4 addr show eth0 | awk '{print \$4}'"
expect_out "10.124.$((net + 1)).50/24" "a restart keeps eth0's address"
run exec -f "$STACK" c sh -c "ip -o -4 addr show eth1 | awk '{print \$4}' | grep 169.254"
expect_out "169.254.77.5/16" "a restart keeps the link-local address"
run exec -f "$STACK" c sh -c "timeout 3 wget -q -O - http://b/i"
expect_out "page-b" "after the restart c still reaches b"
run down -f "$STACK"
expect_rc 0 "down"
! ip -o link show | grep -q "lxr.*nets$$" || fail "links left after down"
[ -z "$(ls "$LXR_RUN_DIR/nets$$/.net/endpoints" 2>/dev/null)" ] || fail "endpoint records left"
pass "a restart keeps every network's address; down removes every endpoint"
