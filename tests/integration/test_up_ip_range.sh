#!/bin/bash
# ipam's ip_range and aux_addresses: the containers' automatic addresses
# come from the range only, never one of aux_addresses (here the first two
# of the range, which the allocator would hand out first), while a static
# ipv4_address outside the range works; the range full is said, naming the
# network and the range; down leaves nothing.
. "$(dirname "$0")/lib.sh"

net=$((($$ % 120) + 10))
stack <<Y
name: iprange$$
services:
  pool:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo page-\$\$HOSTNAME > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    deploy: {replicas: 4}
    networks: [front]
  fixed:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo page-fixed > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    networks:
      front: {ipv4_address: 10.125.$net.20}
networks:
  front:
    ipam:
      config:
        - subnet: 10.125.$net.0/24
          ip_range: 10.125.$net.128/29
          aux_addresses: {router: 10.125.$net.128, printer: 10.125.$net.129, nas: 10.125.$net.10}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d on a network with ip_range and aux_addresses"
addr_of() { "$LXR" exec -f "$STACK" "$1" sh -c "ip -o -4 addr show eth0 | awk '{print \$4}'"; }
got=""
for inst in pool-1 pool-2 pool-3 pool-4; do
	a=$(addr_of "$inst")
	host=${a%/24}
	last=${host##*.}
	[ "${host%.*}" = "10.125.$net" ] || fail "$inst has $a, not an address of 10.125.$net.0/24"
	{ [ "$last" -ge 130 ] && [ "$last" -le 135 ]; } ||
		fail "$inst has $a: outside ip_range 10.125.$net.128/29 less its aux_addresses"
	got="$got $last"
done
[ "$(printf '%s\n' $got | sort -u | wc -l)" -eq 4 ] || fail "addresses handed out twice:$got"
a=$(addr_of fixed)
[ "$a" = "10.125.$net.20/24" ] || fail "fixed has $a, not its ipv4_address 10.125.$net.20 (outside the range)"
run exec -f "$STACK" fixed sh -c "timeout 3 wget -q -O - http://10.125.$net.$last/i"
expect_rc 0 "fixed (outside the range) reaches pool-4 (inside it)"
expect_out "page-pool-4" "pool-4 answers fixed"
pass "automatic addresses come from ip_range, never from aux_addresses; a static one outside the range works"

# six addresses in the range less its two aux ones: a fifth and sixth
# replica fill it, a seventh finds it full
run up -d --scale pool=7 -f "$STACK"
[ "$RC" -ne 0 ] || fail "a seventh replica on a full ip_range came up: $OUT"
expect_grep "$ERR" "pool-7 .*on network front: ip_range 10\.125\.$net\.128/29 is full" \
	"a full ip_range is said, naming the network and the range"
for inst in pool-5 pool-6; do
	a=$(addr_of "$inst")
	last=${a%/24}
	last=${last##*.}
	{ [ "$last" -ge 130 ] && [ "$last" -le 135 ]; } || fail "$inst has $a, outside the range"
done
pass "the range full is said, naming the network and the range"

run down -f "$STACK"
expect_rc 0 "down"
