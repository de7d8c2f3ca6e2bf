#!/bin/bash
# The bridge driver's switches and default host address, in a stack's
# driver_opts and in lxr network create -o:
# - enable_icc "false": the containers on the bridge do not reach each
#   other (their bridge ports are isolated), but each reaches the gateway;
#   on a network with the default (true) they do;
# - enable_ip_masquerade "false": no masquerade rule for the subnet, while
#   another network keeps its own;
# - host_binding_ipv4 127.0.0.1: a port published without a host address
#   answers on 127.0.0.1 only, not on the host's other addresses;
# network inspect shows them under Options; a bad value is refused, named;
# down leaves no link and no rule of the stack behind.
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for published ports"
command -v wget >/dev/null || skip "wget asks the published port"

P=$(free_ports 1)
stack <<Y
name: bopts$$
services:
  a1: {image: @ROOTFS@, command: [sleep, "300"], networks: [quiet], cap_add: [NET_ADMIN]}
  a2: {image: @ROOTFS@, command: [sleep, "300"], networks: [quiet], cap_add: [NET_ADMIN]}
  b1: {image: @ROOTFS@, command: [sleep, "300"], networks: [open]}
  b2: {image: @ROOTFS@, command: [sleep, "300"], networks: [open]}
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo page > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    ports: ["$P:80"]
    networks: [quiet]
networks:
  quiet:
    driver_opts:
      com.docker.network.bridge.enable_icc: "false"
      com.docker.network.bridge.enable_ip_masquerade: "F"
      com.docker.network.bridge.host_binding_ipv4: 127.0.0.1
  open:
    driver_opts:
      com.docker.network.bridge.enable_icc: "true"
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with enable_icc, enable_ip_masquerade and host_binding_ipv4"

ip_of() { # SERVICE -> its eth0's IPv4 address
	"$LXR" exec -f "$STACK" "$1" sh -c "ip -4 -o addr show eth0 | awk '{print \$4}'" | cut -d/ -f1
}
gw_of() { # SERVICE -> its default route's gateway
	"$LXR" exec -f "$STACK" "$1" sh -c "ip route | awk '/^default/ {print \$3}'"
}
a2=$(ip_of a2)
b2=$(ip_of b2)
qgw=$(gw_of a1)
[ -n "$a2" ] && [ -n "$b2" ] && [ -n "$qgw" ] || fail "no addresses: a2 [$a2] b2 [$b2] gateway [$qgw]"
run exec -f "$STACK" a1 ping -c 1 -W 1 "$a2"
[ "$RC" -ne 0 ] || fail "a1 reached a2 ($a2) on a network with enable_icc false: $OUT"
run exec -f "$STACK" a2 ping -c 1 -W 1 "$(ip_of a1)"
[ "$RC" -ne 0 ] || fail "a2 reached a1 on a network with enable_icc false: $OUT"
for s in a1 a2; do
	run exec -f "$STACK" "$s" ping -c 1 -W 2 "$qgw"
	expect_rc 0 "$s pings its gateway $qgw on a network with enable_icc false"
done
run exec -f "$STACK" b1 ping -c 1 -W 2 "$b2"
expect_rc 0 "b1 pings b2 ($b2) on a network with enable_icc true"
# the kernel's view: the quiet network's veths are isolated bridge ports
qbr=$(ip -o -4 addr show | awk -v gw="$qgw" '$4 ~ "^"gw"/" {print $2}')
[ -n "$qbr" ] || fail "no bridge holds the gateway $qgw"
ports=$(ip -o link show master "$qbr" | awk -F': ' '{print $2}' | cut -d@ -f1)
[ -n "$ports" ] || fail "bridge $qbr has no ports"
for p in $ports; do
	ip -d link show "$p" | grep -q 'isolated on' || fail "port $p of $qbr is not isolated"
done
# the way round: each routes the other through the gateway, which the
# host would forward back into the bridge; the -fwd rule drops it
a1=$(ip_of a1)
run exec -f "$STACK" a1 ip route add "$a2/32" via "$qgw"
expect_rc 0 "a1 routes a2 through the gateway"
run exec -f "$STACK" a2 ip route add "$a1/32" via "$qgw"
expect_rc 0 "a2 routes a1 through the gateway"
run exec -f "$STACK" a1 ping -c 1 -W 1 "$a2"
[ "$RC" -ne 0 ] || fail "a1 reached a2 through the gateway with enable_icc false: $OUT"
pass "enable_icc false: containers reach the gateway, not each other (isolated ports, nor routed round); true: they do"

# masquerade: none for the quiet subnet, the open one's kept
sub_of() { # NETWORK -> its IPv4 subnet, as inspect shows it
	"$LXR" network inspect "bopts$$_$1" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["IPAM"]["Config"][0]["Subnet"])'
}
qsub=$(sub_of quiet)
bsub=$(sub_of open)
bgw=$(gw_of b1)
bbr=$(ip -o -4 addr show | awk -v gw="$bgw" '$4 ~ "^"gw"/" {print $2}')
[ -n "$qsub" ] && [ -n "$bsub" ] && [ -n "$bbr" ] || fail "subnets [$qsub] [$bsub], bridge of $bgw [$bbr]"
rules=$(nft list table ip lxr)
printf '%s\n' "$rules" | grep -qF "ip saddr $bsub oifname != \"$bbr\" masquerade" ||
	fail "no masquerade for the open network's $bsub: $rules"
printf '%s\n' "$rules" | grep -F "ip saddr $qsub oifname != " | grep -q masquerade &&
	fail "a masquerade for $qsub, whose network has enable_ip_masquerade false: $rules"
pass "enable_ip_masquerade false: no masquerade for $qsub; the other network keeps its own"

# host_binding_ipv4: the port answers on 127.0.0.1 only
for _ in $(seq 100); do got=$(wget -qO- "http://127.0.0.1:$P/i" 2>/dev/null) && break; sleep 0.05; done
[ "$got" = "page" ] || fail "127.0.0.1:$P did not answer: [$got]"
printf '%s\n' "$rules" | grep -qF "ip daddr 127.0.0.1 tcp dport $P dnat to" ||
	fail "the DNAT of port $P does not match daddr 127.0.0.1: $rules"
printf '%s\n' "$rules" | grep "dport $P dnat" | grep -vqF "ip daddr 127.0.0.1" &&
	fail "a DNAT of port $P on another address: $rules"
run ps -f "$STACK"
expect_grep "$OUT" "127\.0\.0\.1:$P->80/tcp" "ps shows the port on 127.0.0.1"
host=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -vxF "$qgw" | head -n1)
if [ -n "$host" ]; then
	wget -q -T 2 -O- "http://$host:$P/i" >/dev/null 2>&1 &&
		fail "the port answered on the host's $host too"
fi
pass "host_binding_ipv4 127.0.0.1: port $P answers on 127.0.0.1${host:+, not on $host}"

run network inspect "bopts$$_quiet"
expect_rc 0 "network inspect"
printf '%s' "$OUT" | python3 -c '
import json, sys
o = json.load(sys.stdin)[0]["Options"]
assert o.get("com.docker.network.bridge.enable_icc") == "false", o
assert o.get("com.docker.network.bridge.enable_ip_masquerade") == "false", o
assert o.get("com.docker.network.bridge.host_binding_ipv4") == "127.0.0.1", o' ||
	fail "network inspect does not show the options: $OUT"

run down -f "$STACK"
expect_rc 0 "down"
ip -o link show | grep -q "lxr:bopts$$/" && fail "a link of the stack stayed: $(ip -o link show | grep "lxr:bopts$$/")"
nft list table ip lxr 2>/dev/null | grep -qF "$qsub" && fail "a rule for $qsub stayed after down"
nft list table ip lxr 2>/dev/null | grep -qF "$bsub" && fail "a rule for $bsub stayed after down"
pass "inspect shows the options; down leaves no link or rule"

# lxr network create -o: the same options, checked
run network create -o com.docker.network.bridge.enable_icc=maybe "bo-bad$$"
expect_rc 1 "network create with a bad enable_icc"
expect_grep "$ERR" 'enable_icc: "maybe" is not a boolean' "the error names the option and value"
run network create -o com.docker.network.bridge.host_binding_ipv4=::1 "bo-bad$$"
expect_rc 1 "network create with an IPv6 host_binding_ipv4"
expect_grep "$ERR" "is not an IPv4 address" "the error says what it takes"
run network create -o com.docker.network.bridge.enable_icc=0 \
	-o com.docker.network.bridge.enable_ip_masquerade=false \
	-o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 "bo$$"
expect_rc 0 "network create -o enable_icc, enable_ip_masquerade, host_binding_ipv4"
at_exit "$LXR" network rm "bo$$"
run network inspect "bo$$"
printf '%s' "$OUT" | python3 -c '
import json, sys
n = json.load(sys.stdin)[0]
o = n["Options"]
assert o.get("com.docker.network.bridge.enable_icc") == "0", o
assert o.get("com.docker.network.bridge.host_binding_ipv4") == "127.0.0.1", o
print(n["IPAM"]["Config"][0]["Subnet"])' >"$TEST_TMP/sub" || fail "network inspect: $OUT"
sub=$(cat "$TEST_TMP/sub")
nft list table ip lxr | grep -F "ip saddr $sub oifname != " | grep -q masquerade &&
	fail "a masquerade for $sub, made with enable_ip_masquerade=false"
run run --rm --network "bo$$" "$ROOTFS" sh -c "ip -d link show eth0 >/dev/null; echo ok"
expect_out "ok" "a container on it runs"
run network rm "bo$$"
expect_rc 0 "network rm"
pass "lxr network create -o takes them too, and refuses a bad value by name"
