#!/bin/bash
# A subnet wider than /16 (here a /13) runs, as docker runs it: lxr hands
# out addresses from its first 65536 (the window), while the bridge, each
# container's eth0 and its route carry the /13, so the whole subnet is
# on-link; a static ipv4_address works, in the window and beyond it (docker
# takes any address of the subnet), and stays through a restart of the
# container and a reconcile; down leaves no link, route or nft rule of the
# network behind.
. "$(dirname "$0")/lib.sh"

# a /13 no other test uses (10.213.x and 10.231.x are taken) and no route
# of the host's falls in
o=""
for c in 200 216 232 240; do
	[ -z "$(ip -4 route show root "10.$c.0.0/13")" ] && { o=$c; break; }
done
[ -n "$o" ] || skip "the host routes addresses in each of 10.200/13, 10.216/13, 10.232/13, 10.240/13"
sub="10.$o.0.0/13"
stack <<Y
name: wide$$
services:
  a:
    image: @ROOTFS@
    command: ["sleep", "600"]
  b:
    image: @ROOTFS@
    command: ["sleep", "600"]
  fixed:
    image: @ROOTFS@
    command: ["sleep", "600"]
    networks:
      default: {ipv4_address: 10.$o.200.7}
  far:
    image: @ROOTFS@
    command: ["sleep", "600"]
    networks:
      default: {ipv4_address: 10.$((o + 5)).3.9}
networks:
  default:
    ipam:
      config:
        - subnet: $sub
Y
run up -d -f "$STACK"
expect_rc 0 "up -d on a /13"
addr_of() { "$LXR" exec -f "$STACK" "$1" sh -c "ip -o -4 addr show eth0 | awk '{print \$4}'"; }
for s in a b; do
	a=$(addr_of "$s")
	expect_grep "$a" "^10\.$o\.0\.[0-9]+/13$" "$s has an address of the window with the /13 prefix"
done
a_ip=$(addr_of a)
b_ip=$(addr_of b)
[ "$a_ip" != "$b_ip" ] || fail "a and b both have $a_ip"
a=$(addr_of fixed)
[ "$a" = "10.$o.200.7/13" ] || fail "fixed has $a, not its ipv4_address 10.$o.200.7/13"
a=$(addr_of far)
[ "$a" = "10.$((o + 5)).3.9/13" ] || fail "far has $a, not its ipv4_address 10.$((o + 5)).3.9/13, beyond the window"
grep -qx "lease 10.$((o + 5)).3.9 static wide$$/far/1" "$LXR_RUN_DIR/wide$$/.net/leases/default" ||
	fail "the lease file does not hold far's address: $(cat "$LXR_RUN_DIR/wide$$/.net/leases/default")"
run exec -f "$STACK" a sh -c "ip -4 route show dev eth0"
expect_grep "$OUT" "^10\.$o\.0\.0/13 " "the container's route to the subnet is the /13"
host=$(ip -o -4 addr show | awk -v want="10.$o.0.1/13" '$4 == want {print $2}')
[ -n "$host" ] || fail "no bridge holds the gateway 10.$o.0.1/13: $(ip -o -4 addr show)"
expect_grep "$(ip -4 route show "$sub")" "^10\.$o\.0\.0/13 dev $host" "the host routes the /13 to the bridge"
lease=$(head -n1 "$LXR_RUN_DIR/wide$$/.net/leases/default")
[ "$lease" = "lxr-leases 1 $sub 10.$o.0.1" ] || fail "lease file header: $lease"
pass "addresses come from the window, and carry the /13 everywhere"

run exec -f "$STACK" a sh -c "ping -c 1 -W 2 ${b_ip%/13} >/dev/null && ping -c 1 -W 2 10.$o.200.7 >/dev/null && echo reached"
expect_rc 0 "a pings b and fixed"
expect_out "reached" "a reaches b and fixed"
run exec -f "$STACK" fixed sh -c "ping -c 1 -W 2 ${a_ip%/13} >/dev/null && echo reached"
expect_out "reached" "fixed reaches a"
run exec -f "$STACK" far sh -c "ping -c 1 -W 2 ${a_ip%/13} >/dev/null && echo reached"
expect_out "reached" "far, beyond the window, reaches a"
run restart -f "$STACK" far
expect_rc 0 "restart far"
a=$(addr_of far)
[ "$a" = "10.$((o + 5)).3.9/13" ] || fail "far has $a after its restart"
run up -d -f "$STACK"
expect_rc 0 "up -d again (a reconcile)"
a=$(addr_of far)
[ "$a" = "10.$((o + 5)).3.9/13" ] || fail "far has $a after a reconcile"
pass "containers on the /13 reach each other, the static ones too, beyond the window as well"

nft list ruleset 2>/dev/null | grep -qF "10.$o.0.0/13" || fail "no nft rule names $sub while up"
run down -f "$STACK"
expect_rc 0 "down"
left=$(ip -d link show | grep -F "lxr:wide$$/" || true)
[ -z "$left" ] || fail "links left after down: $left"
[ -z "$(ip -4 route show "$sub")" ] || fail "route left after down: $(ip -4 route show "$sub")"
if nft list ruleset 2>/dev/null | grep -qF "10.$o.0.0/13"; then
	fail "nft rules of $sub left after down"
fi
pass "down leaves no link, route or nft rule of the /13"
