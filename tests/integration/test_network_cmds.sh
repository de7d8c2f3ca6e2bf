#!/bin/bash
# Networks that outlive a project: `lxr network create/ls/inspect/rm/prune`;
# two projects on one external network reach each other by service name; a
# network with `name:` in both is removed by the down of its last user; rm
# is refused while a container is on the network; `lxr run --network NAME`
# joins it; a missing external network fails `up` before anything is made;
# a definition outlives the run dir (a reboot) and the bridge comes back on
# the same subnet.
. "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || skip "nft (package nftables) is not installed"
ip link add "lxrtprobe$$" type bridge 2>/dev/null || skip "the kernel has no bridge driver"
ip link del "lxrtprobe$$"

sub=$((($$ % 120) * 2))
ext=nvext$$
both=nvboth$$
at_exit 'for n in $("$LXR" network ls -q); do "$LXR" network rm "$n"; done'

# ---- the commands ------------------------------------------------------------
run network create --subnet "10.126.$sub.0/24" --label team=a "$ext"
expect_rc 0 "network create"
expect_out "$ext" "network create prints the name"
run network ls
expect_grep "$OUT" "^$ext +bridge +local +10\.126\.$sub\.0/24$" "network ls"
run network create "$ext"
expect_rc 1 "a second network of one name"
expect_grep "$ERR" "network with name $ext already exists" "its error"
run network create -o com.docker.network.bridge.inhibit_ipv4=true "nv-bad$$"
expect_rc 1 "an option lxr's bridges cannot honour"
expect_grep "$ERR" 'driver option "com.docker.network.bridge.inhibit_ipv4" is not supported' "named"
run network create --ip-range 10.1.0.0/28 "nv-bad$$"
expect_rc 2 "--ip-range without --subnet"
expect_grep "$ERR" "needs --subnet" "says what it needs"
run network create --subnet "10.126.$((sub + 1)).0/24" --ip-range 10.1.0.0/28 "nv-bad$$"
expect_rc 1 "an --ip-range outside the --subnet"
expect_grep "$ERR" "ip_range 10.1.0.0/28 is outside subnet" "names both"
run network create --subnet "10.126.$((sub + 1)).0/24" --aux-address router "nv-bad$$"
expect_rc 2 "an --aux-address without =IP"
[ "$("$LXR" network ls -q)" = "$ext" ] || fail "a refused network was left: $("$LXR" network ls -q)"
pass "network create, ls; refused options and names leave nothing"

# ---- --ip-range and --aux-address: addresses from the range, the aux one held ----
rng=nvrange$$
run network create --subnet "10.126.$((sub + 1)).0/24" --ip-range "10.126.$((sub + 1)).128/29" \
	--aux-address "router=10.126.$((sub + 1)).128" "$rng"
expect_rc 0 "network create --ip-range --aux-address"
run network inspect "$rng"
expect_grep "$OUT" '"IPRange": "10.126.'"$((sub + 1))"'.128/29"' "inspect shows the range"
run run --rm --network "$rng" "$ROOTFS" ip -4 -o addr show eth0
expect_rc 0 "a container on it"
expect_grep "$OUT" "inet 10\.126\.$((sub + 1))\.129/24" "its address: the range's first after the aux address"
run network rm "$rng"
expect_rc 0 "and it goes"
pass "network create --ip-range and --aux-address, as docker's"

# ---- two projects on one network ------------------------------------------------
stack <<Y
name: nva$$
services:
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo page-a > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    networks: [ext, both]
networks:
  ext:
    external: true
    name: $ext
  both:
    name: $both
Y
STACK_A=$STACK
run up -d -f "$STACK_A"
expect_rc 0 "up of project a on the external network"
mkdir -p "$TEST_TMP/b"
cat > "$TEST_TMP/b/compose.yaml" <<Y
name: nvb$$
services:
  cli:
    image: $ROOTFS
    command: ["sleep", "1000"]
    networks: [default, shared, both]
  bymode:
    image: $ROOTFS
    command: ["sleep", "1000"]
    network_mode: $ext
  bridged:
    image: $ROOTFS
    command: ["sleep", "1000"]
    network_mode: bridge
networks:
  shared:
    external: true
    name: $ext
  both:
    name: $both
Y
STACK_B="$TEST_TMP/b/compose.yaml"
at_exit "$LXR" down -p "nvb$$"
run up -d -f "$STACK_B"
expect_rc 0 "up of project b on the same network"
run exec -f "$STACK_B" cli sh -c "timeout 3 wget -q -O - http://web/i"
expect_out "page-a" "project b reaches project a's service by name"
run exec -f "$STACK_A" web sh -c "grep -w cli /etc/hosts | awk '{print \$1}' | sort -u | wc -l"
expect_out "2" "project a's /etc/hosts lists b's service on both shared networks"
run network inspect "$ext"
expect_rc 0 "network inspect"
expect_grep "$OUT" '"Subnet": "10\.126\.'"$sub"'\.0/24"' "inspect: subnet"
expect_grep "$OUT" '"Gateway": "10\.126\.'"$sub"'\.1"' "inspect: gateway"
expect_grep "$OUT" '"nva'"$$"'/web-1"' "inspect: project a's container"
expect_grep "$OUT" '"IPv4Address": "10\.126\.'"$sub"'\.[0-9]+/24"' "inspect: its address"
expect_grep "$OUT" '"nvb'"$$"'/cli-1"' "inspect: project b's container"
run network inspect --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "$ext"
expect_out "10.126.$sub.0/24" "network inspect --format, docker's template"
run network ls -q
expect_grep "$OUT" "^nvb$$_default$" "network ls lists a stack's own network as <project>_<name>"
run network inspect "nvb$$_default"
expect_rc 0 "inspect of a stack's own network"
expect_grep "$OUT" '"nvb'"$$"'/cli-1"' "it lists the stack's container"
expect_grep "$OUT" '"com.docker.compose.project": "nvb'"$$"'"' "with compose's project label"
run network rm "nvb$$_default"
expect_rc 1 "rm of a stack's own network"
expect_grep "$ERR" "lxr down -p nvb$$" "says it goes with its stack"
pass "two projects on one external network reach each other by service name; inspect lists both"

# docker's NetworkMode takes a network's name: the one the host knows so
run exec -f "$STACK_B" bymode sh -c "timeout 3 wget -q -O - http://web/i"
expect_out "page-a" "network_mode: NAME joins the network of that name"
run exec -f "$STACK_B" bridged sh -c "ping -c 1 -W 2 cli >/dev/null && echo reached"
expect_out "reached" "network_mode: bridge joins the project's default network"
pass "network_mode names a network as docker does; bridge is the default network"

run network rm "$ext"
expect_rc 1 "rm of a network in use"
expect_grep "$ERR" "network $ext is in use by nv[ab]$$/(web|cli|bymode)-1" "names who uses it"
run network prune
expect_rc 0 "prune"
[ "$(echo "$OUT" | tail -n +2)" = "" ] || fail "prune removed a network in use: $OUT"
pass "rm and prune leave a network in use, naming who uses it"

n=$(cname runnet)
run run --rm --name "$n" --network "$ext" "$ROOTFS" sh -c "timeout 3 wget -q -O - http://web/i"
expect_rc 0 "run --network on a created network"
expect_out "page-a" "lxr run --network NAME reaches a stack's service by name"
pass "lxr run --network NAME joins the network"

run down -f "$STACK_B"
expect_rc 0 "down of b"
[ ! -e "$LXR_RUN_DIR/nvb$$" ] || fail "down of b left $(find "$LXR_RUN_DIR/nvb$$")"
run network ls -q
expect_grep "$OUT" "^$both$" "a named network project a still uses stays"
run down -p "nva$$"
expect_rc 0 "down -p of a (its file found through the project's record)"
run network ls -q
expect_out "$ext" "the last user's down removes the named network, never the external one"
pass "down removes a named network with its last user and keeps external ones"

# ---- a reboot: the run dir is gone, the definition is not ------------------------
bridge=$(awk '$1 == "bridge" {print $2}' "$LXR_RUN_DIR/_net/.net/networks/$ext")
ip link del "$bridge"
"$LXR_BUILD_DIR/tests/net_driver" cleanup "$LXR_RUN_DIR" _net
rm -rf "$LXR_RUN_DIR/_net"
run up -d -f "$STACK_A"
expect_rc 0 "up after the run dir was lost"
# (ext's interface is eth1: compose orders a service's networks by name)
run exec -f "$STACK_A" web sh -c "ip -o -4 addr show eth1 | awk '{print \$4}'"
expect_grep "$OUT" "^10\.126\.$sub\.[0-9]+/24$" "the network is made again on its subnet"
run down -f "$STACK_A"
expect_rc 0 "down"
pass "a network's definition outlives the run dir; the next up makes it again"

# ---- errors ----------------------------------------------------------------------
run network rm "$ext"
expect_rc 0 "rm of an unused network"
run network rm "$ext"
expect_rc 1 "rm of a missing network"
expect_grep "$ERR" "no such network: $ext" "its error"
run up -d -f "$STACK_A"
expect_rc 1 "up with a missing external network"
expect_grep "$ERR" "network \"$ext\" is external" "names the network"
expect_grep "$ERR" "lxr network create $ext" "says how to make it"
[ -z "$("$LXR" network ls -q)" ] || fail "a failed up made a network: $("$LXR" network ls -q)"
[ ! -e "$LXR_RUN_DIR/nva$$" ] || fail "a failed up left its run directory"
! ip -o link show | grep -q "lxr:nva$$" || fail "a failed up left links"
pass "up with a missing external network fails before making anything"

# ---- IPv6 on a shared network ---------------------------------------------------------
if [ "$(cat /proc/sys/net/ipv6/conf/all/disable_ipv6 2>/dev/null)" != 0 ]; then
	echo "# skipped: IPv6 is disabled on this host (net.ipv6.conf.all.disable_ipv6)"
else
	v6=nv6$$
	sub6=$(printf '%x' $(($$ % 65536)))
	run network create --ipv6 --subnet "fd00:$sub6::/64" --subnet "10.126.$((sub + 1)).0/24" "$v6"
	expect_rc 0 "network create --ipv6 with a subnet of each family"
	run network inspect "$v6"
	expect_grep "$OUT" '"EnableIPv6": true' "inspect says IPv6"
	expect_grep "$OUT" "\"Subnet\": \"fd00:$sub6::/64\"" "inspect has the IPv6 subnet"
	run network create --subnet "fd00:$sub6:1::/64" "nv6bad$$"
	expect_rc 2 "an IPv6 subnet without --ipv6"
	mkdir -p "$TEST_TMP/c" "$TEST_TMP/d"
	for p in c d; do
		cat >"$TEST_TMP/$p/compose.yaml" <<Y
name: nv$p$$
services:
  s$p:
    image: $ROOTFS
    command: ["sleep", "1000"]
    networks: [six]
networks:
  six: {external: true, name: $v6}
Y
		run up -d -f "$TEST_TMP/$p/compose.yaml"
		expect_rc 0 "up of project $p on the IPv6 network"
	done
	run exec -f "$TEST_TMP/d/compose.yaml" -T sd sh -c "grep -w sc /etc/hosts; ping6 -c1 -W3 sc >/dev/null && echo reached"
	expect_grep "$OUT" "^fd00:$sub6::[0-9a-f]+[[:space:]]+sc( |$)" "the other project's service has its IPv6 address in /etc/hosts"
	expect_grep "$OUT" "^reached$" "and is reached over IPv6 by name"
	for p in c d; do run down -t 0 -f "$TEST_TMP/$p/compose.yaml"; expect_rc 0 "down $p"; done
	run network rm "$v6"
	expect_rc 0 "rm of the IPv6 network"
	pass "an IPv6 network shared by two projects: inspect, /etc/hosts, ping6 by name"
fi

# ---- nothing left ----------------------------------------------------------------
! ip -d -o link show | grep -qE "lxr:(_net|nv[ab]$$)/" || fail "links left: $(ip -d -o link show | grep -oE "lxr:(_net|nv[ab]$$)/[^ ]*")"
[ ! -e "$LXR_DATA_DIR/networks" ] || [ -z "$(ls -A "$LXR_DATA_DIR/networks")" ] || fail "definitions left: $(ls "$LXR_DATA_DIR/networks")"
pass "no link or definition is left"
