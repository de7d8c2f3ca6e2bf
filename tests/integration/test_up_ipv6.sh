#!/bin/bash
# IPv6 on a stack's network (enable_ipv6 with a dual-stack ipam config):
# services reach each other over IPv6 by name and by address; traffic out
# is masqueraded (NAT66) to the host's address, as seen from a namespace
# acting as the outside world; a published port answers on the host's IPv6
# address, from the host and from outside; a network without IPv6 has it
# off inside the container; mac_address, priority and gw_priority shape the
# interfaces and the default routes; a network given no IPv6 subnet gets a
# ULA /64; all of it with the host's ip6 filter
# FORWARD chain dropping, as docker leaves it with IPv6 on (lxr's accepts
# go there and come out again); down leaves nothing behind.
#
# It runs in a network namespace of its own (and a mount namespace with its
# own /run), as test_net_forward_drop.sh does, so the host's IPv6
# forwarding and firewall and concurrent tests see none of it; the IPv6
# sysctls of a new namespace are the kernel's defaults, whatever the
# host's say.
if [ "${LXR_V6_NETNS:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (namespaces, nftables)"; exit 77; }
	[ -e /proc/sys/net/ipv6 ] || { echo "SKIP: the kernel has no IPv6 (ipv6.disable=1)"; exit 77; }
	unshare --net --mount true 2>/dev/null || { echo "SKIP: no new network namespace here"; exit 77; }
	LXR_V6_NETNS=1 exec unshare --net --mount --propagation private bash "$0" "$@"
fi
mount -t tmpfs -o mode=0755 lxrt-run /run || { echo "FAIL: a private /run" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for NAT66 and published ports"
ip link set lo up

# ---- the host's ip6 firewall, as docker leaves it with IPv6 on -------------------
# lxr's accepts there, counted the way they were written
if command -v ip6tables-nft >/dev/null; then
	ip6tables-nft -P FORWARD DROP
	accepts() { ip6tables-nft -S FORWARD | grep -c -- '--comment lxr' || true; }
else
	nft add table ip6 filter
	nft add chain ip6 filter FORWARD '{ type filter hook forward priority filter; policy drop; }'
	accepts() { nft list chain ip6 filter FORWARD | grep -c 'comment "lxr"' || true; }
fi

h=$(printf %x $(($$ % 65000 + 256)))
n4=$(($$ % 200 + 20))
sub6="fd00:db8:$h::"
out6="fd00:db9:$h::"
port=$(free_ports 1)

# The outside world: a namespace behind a veth from the host, whose web
# server reports the address a request came from.
outns="lxr6out$$"
hostif="lxo$h"
ip netns add "$outns"
at_exit ip netns del "$outns"
ip link add "$hostif" type veth peer name eth0 netns "$outns"
at_exit ip link del "$hostif"
sysctl -qw "net.ipv6.conf.$hostif.disable_ipv6=0"
ip -6 addr add "${out6}1/64" dev "$hostif" nodad
ip link set "$hostif" up
ip netns exec "$outns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
ip -n "$outns" -6 addr add "${out6}2/64" dev eth0 nodad
ip -n "$outns" link set eth0 up
ip -n "$outns" link set lo up
ip -n "$outns" -6 route add default via "${out6}1"
mkdir -p "$TEST_TMP/www/cgi-bin"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$TEST_TMP/www/cgi-bin/from"
chmod +x "$TEST_TMP/www/cgi-bin/from"
ip netns exec "$outns" "$ROOTFS/bin/busybox" httpd -p "[::]:8000" -h "$TEST_TMP/www"
at_exit ip netns pids "$outns" \| xargs -r kill

stack <<Y
name: v6net$$
services:
  srv:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo srv-page > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    ports: ["$port:80"]
    networks:
      dual:
        ipv6_address: "${sub6}10"
        mac_address: "02:00:5e:10:00:01"
  cli:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    networks: [dual]
  multi:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    networks:
      plain: {priority: 10}
      dual: {gw_priority: 5}
  locked:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    networks: [inside]
networks:
  inside:
    internal: true
    enable_ipv6: true
  dual:
    enable_ipv6: true
    ipam:
      config:
        - subnet: "10.126.$n4.0/24"
        - subnet: "${sub6}/64"
  plain:
    ipam:
      config:
        - subnet: "10.126.$((n4 + 1)).0/24"
Y
chains6() { nft list table ip6 lxr 2>/dev/null | grep -o 'chain p[0-9a-f]\{8\}' | sort -u; }
chains6_before=$(chains6)
run up -d -f "$STACK"
expect_rc 0 "up -d with a dual-stack network"
wait_event '"instance":"srv-1","state":"running"'
wait_event '"instance":"multi-1","state":"running"'

run exec -f "$STACK" srv sh -c "ip -o -6 addr show eth0 scope global | awk '{print \$4}'; cat /sys/class/net/eth0/address"
expect_out "${sub6}10/64
02:00:5e:10:00:01" "srv has its ipv6_address and its mac_address"
run exec -f "$STACK" cli sh -c "grep -w srv /etc/hosts | awk '{print \$1}'"
expect_grep "$OUT" "^10\.126\.$n4\.[0-9]+$" "cli's /etc/hosts has srv's IPv4 address"
expect_grep "$OUT" "^${sub6}10$" "cli's /etc/hosts has srv's IPv6 address"
run exec -f "$STACK" cli sh -c "timeout 3 wget -q -O - 'http://[${sub6}10]/i'"
expect_out "srv-page" "cli reaches srv at its IPv6 address"
run exec -f "$STACK" cli sh -c "ping -6 -c 1 -W 2 srv | head -n 1"
expect_grep "$OUT" "\(${sub6}10\)" "cli reaches srv by name over IPv6"
pass "services talk over IPv6 by name and by address; names resolve to both addresses"

run exec -f "$STACK" cli sh -c "timeout 3 wget -q -O - 'http://[${out6}2]:8000/cgi-bin/from'"
expect_out "[${out6}1]" "the outside (busybox httpd brackets it) sees the host's address (NAT66), not the container's"
pass "outbound IPv6 is masqueraded to the host's address"

out=$(wget -q -O - -T 3 "http://[${out6}1]:$port/i" 2>&1 || true)
[ "$out" = srv-page ] || fail "published port on the host's IPv6 address, from the host: [$out]"
out=$(ip netns exec "$outns" wget -q -O - -T 3 "http://[${out6}1]:$port/i" 2>&1 || true)
[ "$out" = srv-page ] || fail "published port on the host's IPv6 address, from outside: [$out]"
out=$(wget -q -O - -T 3 "http://127.0.0.1:$port/i" 2>&1 || true)
[ "$out" = srv-page ] || fail "published port on 127.0.0.1: [$out]"
pass "a published port answers on the host's IPv6 address (from the host and from outside) and on IPv4"

run exec -f "$STACK" multi sh -c "cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6; ip -o -6 addr show eth0 | wc -l"
expect_out "1
0" "eth0 on a network without IPv6 has IPv6 off (no link-local address)"
run exec -f "$STACK" multi sh -c "ip -o -4 addr show eth0 | awk '{print \$4}'; ip route show default; ip -6 route show default"
expect_grep "$OUT" "^10\.126\.$((n4 + 1))\.[0-9]+/24" "priority: plain (10) is eth0"
expect_grep "$OUT" "^default via 10\.126\.$n4\.1 dev eth1" "gw_priority: dual gives the IPv4 default route"
expect_grep "$OUT" "^default via ${sub6}1 dev eth1" "gw_priority: dual gives the IPv6 default route"
pass "priority orders the interfaces; gw_priority picks the default routes; IPv6 is off where the network has none"
run exec -f "$STACK" locked sh -c "ip -6 route show default; ip -o -6 addr show eth0 scope global | awk '{print \$4}'; timeout 3 wget -q -O - 'http://[${out6}2]:8000/cgi-bin/from'; echo rc=\$?"
expect_grep "$OUT" "^fd[0-9a-f]{2}(:[0-9a-f]{1,4}){2,3}::2/64$" "a network with enable_ipv6 and no IPv6 subnet gets a ULA /64 (docker 27+)"
expect_grep "$OUT" "^rc=[1-9]" "an internal IPv6 network reaches nothing outside"
printf '%s\n' "$OUT" | grep -q "^default" && fail "an internal IPv6 network has a default route: $OUT"
run ps -f "$STACK"
expect_grep "$OUT" "0\.0\.0\.0:$port->80/tcp" "ps shows srv's port on IPv4"
expect_grep "$OUT" "\[::\]:$port->80/tcp" "ps shows srv's port on IPv6 too, as docker does"
pass "an internal IPv6 network (given no subnet: a ULA /64) has no route out; ps shows a port on both families"

[ "$(accepts)" -eq 3 ] || fail "lxr's three accepts are not in ip6 filter FORWARD: $(nft list chain ip6 filter FORWARD)"
ours=$(comm -13 <(printf '%s\n' "$chains6_before") <(chains6))
[ -n "$ours" ] || fail "up made no chains in table ip6 lxr"
run down -f "$STACK"
expect_rc 0 "down"
! ip -o link show | grep -q "lxr.*v6net$$" || fail "links left after down"
left=$(comm -12 <(printf '%s\n' "$ours") <(chains6))
[ -z "$left" ] || fail "ip6 chains of the project left: $left"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "run dir left"
fwd=$(nft list chain ip6 filter FORWARD)
expect_grep "$fwd" "policy drop" "the host's ip6 FORWARD policy stays drop"
[ "$(accepts)" -eq 0 ] || fail "lxr's accepts left in ip6 filter FORWARD: $fwd"
[ "$(cat /proc/sys/net/ipv6/conf/all/forwarding)" = 0 ] || fail "IPv6 forwarding left on"
pass "down removes the stack's bridges, leases, ip6 rules and accepts, and turns IPv6 forwarding off again"
