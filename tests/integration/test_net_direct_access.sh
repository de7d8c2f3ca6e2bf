#!/bin/bash
# Another host that routes a container network's subnet through this host
# (ip_forward is on while lxr networks exist) reaches a container through
# its published ports only, as with docker 28's direct-access filter: a
# connection it opens to the container's own address is dropped, whatever
# the port, while the host's firewall accepts forwarding (its FORWARD
# chain has no drop here). What the containers open themselves, and its
# replies, still pass, on a masqueraded network and on one whose addresses
# leave unmasqueraded (enable_ip_masquerade false), in IPv4 and IPv6;
# gateway_mode_ipv4 nat-unprotected, docker 28's opt-out, lets them in.
# All of it in namespaces of its own (own_netns.sh).
. "$(dirname "$0")/own_netns.sh"
. "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || skip "nft (package nftables) is not installed"
ip link set lo up

# ---- another host, behind a veth, routing to the host -----------------------------
other_host
# from the other host, with a bound wait (a dropped SYN is retried)
peer_get() { ip netns exec "$peer" timeout 3 busybox wget -q -O - "$1" 2>/dev/null; }

run network create --ipv6 --subnet 10.77.1.0/24 --subnet fd77:1::/64 danat
expect_rc 0 "a network with IPv4 and IPv6"
at_exit "$LXR" network rm danat
run network create --subnet 10.77.2.0/24 -o com.docker.network.bridge.enable_ip_masquerade=false daroute
expect_rc 0 "a network without masquerade"
at_exit "$LXR" network rm daroute
ip -n "$peer" route add 10.77.0.0/16 via 198.51.100.1
ip -n "$peer" -6 route add fd77::/16 via 2001:db8:51::1

web=$(cname web)
run run -d --rm --name "$web" --network danat -p 18082:80 "$ROOTFS" /bin/sh -c \
	"$(serve "hello from web"); sleep 1000"
expect_rc 0 "start web"
at_exit "$LXR" rm -f "$web"
run exec "$web" sh -c "ip -4 -o addr show eth0; ip -6 -o addr show eth0 scope global"
ip4=$(printf '%s\n' "$OUT" | awk '$3 == "inet" { sub("/.*", "", $4); print $4 }')
ip6=$(printf '%s\n' "$OUT" | awk '$3 == "inet6" { sub("/.*", "", $4); print $4 }')
[ -n "$ip4" ] && [ -n "$ip6" ] || fail "web's addresses: [$OUT]"

got=""
for _ in $(seq 20); do got=$(peer_get http://198.51.100.1:18082/) && break; sleep 0.2; done
[ "$got" = "hello from web" ] || fail "the published port from another host: got [$got]"
pass "a published port answers another host"

peer_get "http://$ip4/" && fail "another host reached web's unpublished port 80 at $ip4 by routing to it"
peer_get "http://[$ip6]/" && fail "another host reached web's port 80 at [$ip6] by routing to it"
ip netns exec "$peer" ping -c 1 -W 1 "$ip4" >/dev/null 2>&1 && fail "another host pinged $ip4"
pass "another host routing to a container's own address (IPv4, IPv6) does not get in"

run run --rm --name "$(cname out)" --network danat "$ROOTFS" /bin/sh -c \
	"$(fetch http://198.51.100.2:8080/) && $(fetch "http://[2001:db8:51::2]:8080/")"
expect_rc 0 "a container reaches the other host (stderr: $ERR)"
expect_out "$(printf 'hello from outside\nhello from outside')" "a masqueraded network reaches out, IPv4 and IPv6"
run run --rm --name "$(cname routed)" --network daroute "$ROOTFS" /bin/sh -c "$(fetch http://198.51.100.2:8080/)"
expect_rc 0 "a container of the unmasqueraded network reaches the other host (stderr: $ERR)"
expect_out "hello from outside" "the reply to its own address comes back in"
pass "what containers open passes, and its replies come back, masqueraded or not"

run run --rm --name "$(cname icc)" --network danat "$ROOTFS" /bin/sh -c "$(fetch "http://$web/")"
expect_out "hello from web" "a neighbour on the same network"
pass "containers of one network still reach each other"

# docker 28's opt-out, gateway_mode_ipv4 nat-unprotected: reached by its
# address too, on that network alone
run network create --subnet 10.77.3.0/24 -o com.docker.network.bridge.enable_ip_masquerade=false \
	-o com.docker.network.bridge.gateway_mode_ipv4=nat-unprotected daopen
expect_rc 0 "a network with gateway_mode_ipv4 nat-unprotected"
at_exit "$LXR" network rm daopen
run network inspect daopen
expect_grep "$OUT" "\"com.docker.network.bridge.gateway_mode_ipv4\": \"nat-unprotected\"" "inspect shows the option"
open=$(cname open)
run run -d --rm --name "$open" --network daopen --ip 10.77.3.9 "$ROOTFS" /bin/sh -c \
	"$(serve "hello from open"); sleep 1000"
expect_rc 0 "start a container there"
at_exit "$LXR" rm -f "$open"
got=""
for _ in $(seq 20); do got=$(peer_get http://10.77.3.9/) && break; sleep 0.2; done
[ "$got" = "hello from open" ] || fail "nat-unprotected: another host did not reach 10.77.3.9: [$got]"
peer_get "http://$ip4/" && fail "the option of one network opened another's container"
run network create -o com.docker.network.bridge.gateway_mode_ipv4=routed daroutedx
expect_rc 1 "gateway_mode_ipv4 routed"
expect_grep "$ERR" "nat-unprotected" "the refusal says which modes lxr does"
# in a stack file: nat-unprotected runs; routed loads, as compose loads it,
# and up refuses it
stack <<'Y'
name: dagw
services:
  a:
    image: @ROOTFS@
    command: ["true"]
networks:
  default:
    driver_opts:
      com.docker.network.bridge.gateway_mode_ipv4: nat-unprotected
      com.docker.network.bridge.gateway_mode_ipv6: nat
Y
run -f "$STACK" up --dry-run
expect_rc 0 "up --dry-run with gateway modes nat-unprotected and nat"
sed -i 's/: nat-unprotected/: routed/' "$STACK"
run -f "$STACK" config -q
expect_rc 0 "config of gateway_mode_ipv4 routed"
run -f "$STACK" up --dry-run
expect_rc 2 "up of gateway_mode_ipv4 routed"
expect_grep "$ERR" "gateway_mode_ipv4: bridge takes no \"routed\"" "up names the mode it refuses"
pass "gateway_mode_ipv4 nat-unprotected lets other hosts reach that network's containers by address"
