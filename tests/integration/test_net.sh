#!/bin/bash
# Bridge networking end to end, as a user sees it: containers on one network
# reach each other by name over HTTP; a published port answers on the host's
# 127.0.0.1 and its own address, and to a container on the bridge (hairpin);
# an internal network reaches the gateway but nothing beyond; a stack
# endpoint keeps its address across container restarts; a killed `lxr run`
# leaves nothing after the next run or the project cleanup. Before and after:
# the same lxr links and nft chains as before the test, no records, no mounts.
. "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || skip "nft (package nftables) is not installed"
ip link add "lxrtprobe$$" type bridge 2>/dev/null || skip "the kernel has no bridge driver"
ip link del "lxrtprobe$$"

DRV="$LXR_BUILD_DIR/tests/net_driver"
HOSTIP=$(ip -4 route get 1.1.1.1 | sed -n 's/.* src \([0-9.]*\).*/\1/p')
[ -n "$HOSTIP" ] || skip "the host has no IPv4 address with a default route"

lxr_links() { ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^lxr' | sort || true; }
lxr_chains() { nft list table ip lxr 2>/dev/null | awk '$1 == "chain" {print $2}' | sort || true; }
LINKS0=$(lxr_links)
CHAINS0=$(lxr_chains)
FWD0=$(cat /proc/sys/net/ipv4/ip_forward)
at_exit "$DRV" cleanup "$LXR_RUN_DIR" _run
at_exit "$DRV" cleanup "$LXR_RUN_DIR" tstack

expect_clean() {
	# lxr run's default bridge stays, as docker0 does, with no container
	# left on it; `lxr network prune` removes it. Anything else is a leak.
	if [ -e "$LXR_RUN_DIR/_run/.net/networks/lxr" ]; then
		[ -z "$(ls "$LXR_RUN_DIR/_run/.net/endpoints" 2>/dev/null)" ] ||
			fail "$1: endpoints left: $(ls "$LXR_RUN_DIR/_run/.net/endpoints")"
		run network prune -f
		expect_rc 0 "$1: network prune"
		expect_grep "$OUT" "^Deleted Networks:$" "$1: prune's header, as docker's"
		expect_grep "$OUT" "^bridge$" "$1: prune names the default bridge it removed"
		# nothing left to remove: no header either, as docker prints none
		run network prune -f
		expect_rc 0 "$1: a second network prune"
		[ -z "$OUT" ] || fail "$1: a prune that removed nothing printed: $OUT"
	fi
	# a veth of a container that exited goes with its namespace, in the
	# kernel's own cleanup work after lxr returned: wait for it (bounded)
	for _ in $(seq 100); do [ "$(lxr_links)" = "$LINKS0" ] && break; sleep 0.05; done
	[ "$(lxr_links)" = "$LINKS0" ] || fail "$1: lxr links left: $(lxr_links | tr '\n' ' ')"
	[ "$(lxr_chains)" = "$CHAINS0" ] || fail "$1: nft chains left: $(lxr_chains | tr '\n' ' ')"
	[ ! -e "$LXR_RUN_DIR/_run/.net" ] || fail "$1: records left: $(find "$LXR_RUN_DIR/_run/.net")"
	! grep -qF "$LXR_RUN_DIR" /proc/self/mountinfo || fail "$1: netns mount left"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$FWD0" ] || fail "$1: ip_forward not restored"
}

# A server that says who it is, on port 80 of the container.
serve() { echo "mkdir -p /www && echo '$1' > /www/index.html && exec httpd -f -p 80 -h /www"; }
# Fetch a URL, retrying while the server starts; prints the body.
fetch() { echo "i=0; until wget -q -O - $1 2>/dev/null; do i=\$((i+1)); [ \$i -lt 100 ] || exit 1; sleep 0.1; done"; }
wait_gone() { for _ in $(seq 100); do [ -e "$LXR_RUN_DIR/_run/$1" ] || return 0; sleep 0.1; done; fail "$1 did not go"; }

# ---- two containers on a named network, by name and by address -------------
web=$(cname web)
run run -d --rm --name "$web" --network tnet "$ROOTFS" /bin/sh -c "$(serve "hello from web")"
expect_rc 0 "start web on tnet"
at_exit "$LXR" rm -f "$web"
run run --rm --name "$(cname cli)" --network tnet "$ROOTFS" /bin/sh -c \
	"$(fetch "http://$web/") && grep -w '$web' /etc/hosts | cut -f1"
expect_rc 0 "wget http://$web/ from a container on tnet (stderr: $ERR)"
[ "$(echo "$OUT" | head -1)" = "hello from web" ] || fail "by name: got [$OUT]"
webip=$(echo "$OUT" | tail -1)
expect_grep "$webip" '^10\.89\.[0-9]+\.[0-9]+$' "web's address comes from the pool"
run run --rm --name "$(cname cli)" --network tnet "$ROOTFS" /bin/sh -c "$(fetch "http://$webip/")"
expect_out "hello from web" "by address"
pass "containers on one network reach each other over HTTP by name and by address"

# docker's default bridge: no names, and other networks are out of reach
run run --rm --name "$(cname dflt)" "$ROOTFS" /bin/sh -c \
	"grep -c '$web' /etc/hosts; timeout 3 wget -q -O - http://$webip/ || echo unreachable"
expect_out "$(printf '0\nunreachable')" "default network: no names, no way into tnet"
pass "the default network lists no other containers and is isolated from tnet"

# ---- published ports ------------------------------------------------------------
pub=$(cname pub)
run run -d --rm --name "$pub" -p 127.0.0.1:18080:80 -p 18081:80 -p 127.0.0.1:18082:7779/udp "$ROOTFS" \
	/bin/sh -c "$(serve "hello published")"
expect_rc 0 "start with -p"
at_exit "$LXR" rm -f "$pub"
got=""
for _ in $(seq 100); do got=$(busybox wget -q -O - http://127.0.0.1:18080/ 2>/dev/null) && break; sleep 0.1; done
[ "$got" = "hello published" ] || fail "-p 127.0.0.1:18080:80 from the host: got [$got]"
got=$(busybox wget -q -O - "http://$HOSTIP:18081/" 2>&1) || true
[ "$got" = "hello published" ] || fail "-p 18081:80 on the host's address $HOSTIP: got [$got]"
if timeout 5 busybox wget -q -O - "http://$HOSTIP:18080/" >/dev/null 2>&1; then
	fail "a port published on 127.0.0.1 answered on $HOSTIP"
fi
# another host: a namespace behind its own link to this one (test objects,
# lxrt-named, not lxr's), reaching the published port on the host's address
# there: prerouting DNAT and forwarding
peer=lxrt$$
ip netns add "$peer"
at_exit ip netns del "$peer"
ip link add "${peer}h" type veth peer name "${peer}p" netns "$peer"
at_exit ip link del "${peer}h"
ip addr add 198.51.100.1/30 dev "${peer}h"
ip link set "${peer}h" up
ip -n "$peer" addr add 198.51.100.2/30 dev "${peer}p"
ip -n "$peer" link set "${peer}p" up
ip -n "$peer" link set lo up
got=""
for _ in $(seq 50); do got=$(ip netns exec "$peer" busybox wget -q -O - http://198.51.100.1:18081/ 2>/dev/null) && break; sleep 0.1; done
[ "$got" = "hello published" ] || fail "-p 18081:80 from another host: got [$got]"
if ip netns exec "$peer" timeout 5 busybox wget -q -O - http://198.51.100.1:18080/ >/dev/null 2>&1; then
	fail "a port published on 127.0.0.1 answered another host"
fi
# another host that sends to 127.0.0.1 at this host's MAC (its route for
# 127.0.0.1 through this host, as a machine on the LAN can make it): the
# DNAT must not take it (docker 27 drops it too). A UDP listener in the
# container's network namespace tells whether anything arrived.
ip netns exec "$peer" sysctl -qw "net.ipv4.conf.${peer}p.route_localnet=1"
ip -n "$peer" route del local 127.0.0.0/8 dev lo table local
ip -n "$peer" route del local 127.0.0.1 dev lo table local 2>/dev/null || true
ip -n "$peer" route add 127.0.0.1/32 via 198.51.100.1
pubpid=$("$LXR" inspect --format '{{.State.Pid}}' "$pub")
nsenter -t "$pubpid" -n python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 7779)); s.settimeout(3)
try:
    d, a = s.recvfrom(100); open(sys.argv[1], "w").write("%s from %s" % (d.decode(), a[0]))
except socket.timeout:
    pass' "$TEST_TMP/lan-udp" &
lis=$!
sleep 0.3
for _ in 1 2 3; do
	ip netns exec "$peer" python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"LAN", ("127.0.0.1", 18082))'
	sleep 0.2
done
wait "$lis" || true
[ ! -s "$TEST_TMP/lan-udp" ] || fail "a packet to 127.0.0.1 from another host reached a port published there: $(cat "$TEST_TMP/lan-udp")"
ip link del "${peer}h"
ip netns del "$peer"
run run --rm --name "$(cname hairpin)" "$ROOTFS" /bin/sh -c "$(fetch "http://$HOSTIP:18081/")"
expect_out "hello published" "hairpin: a container on the bridge through the host's published port"
run run --rm --name "$(cname dup)" -p 18081:80 "$ROOTFS" true
expect_rc 125 "a host port published twice"
expect_grep "$ERR" "18081/tcp is already published by _run/$pub" "the holder is named"
pass "published ports answer on 127.0.0.1, the host's address, from another host and from containers (hairpin); one on 127.0.0.1 never from another host"

# ---- an internal network --------------------------------------------------------
"$DRV" up "$LXR_RUN_DIR" _run tint internal
at_exit "$DRV" rm "$LXR_RUN_DIR" _run tint
mkdir -p "$TEST_TMP/www"
echo "host listener" > "$TEST_TMP/www/index.html"
busybox httpd -f -p 0.0.0.0:18090 -h "$TEST_TMP/www" &
listener=$!
at_exit kill "$listener"
run run --rm --name "$(cname control)" "$ROOTFS" /bin/sh -c "$(fetch "http://$HOSTIP:18090/")"
expect_out "host listener" "control: the default network reaches the host's $HOSTIP"
gw=$(awk '$1 == "gateway" {print $2}' "$LXR_RUN_DIR/_run/.net/networks/tint")
run run --rm --name "$(cname int)" --network tint "$ROOTFS" /bin/sh -c \
	"$(fetch "http://$gw:18090/"); ip route | grep -c default; timeout 3 wget -q -O - http://$HOSTIP:18090/ 2>&1 || echo no-way-out"
expect_grep "$OUT" "^host listener" "internal network: the gateway answers"
expect_grep "$(echo "$OUT" | sed -n 2p)" "^0$" "internal network: no default route"
expect_grep "$OUT" "no-way-out$" "internal network: $HOSTIP is out of reach"
# even a container that adds the route itself gets no further
run run --rm --name "$(cname intcap)" --network tint --cap-add NET_ADMIN "$ROOTFS" /bin/sh -c \
	"ip route add default via $gw && (timeout 3 wget -q -O - http://$HOSTIP:18090/ 2>&1 || echo blocked)"
expect_grep "$OUT" "blocked$" "internal network with a route added: $HOSTIP still blocked"
"$DRV" rm "$LXR_RUN_DIR" _run tint
kill "$listener"
pass "an internal network reaches its gateway and nothing beyond"

# ---- the address stays across restarts (a stack's endpoint) ----------------------
"$DRV" up "$LXR_RUN_DIR" tstack front
read -r ip1 ns <<<"$("$DRV" attach "$LXR_RUN_DIR" tstack front svc-1)"
for i in 1 2; do
	run run --rm --name "$(cname restart$i)" --network "ns:$ns" "$ROOTFS" /bin/sh -c \
		"ip -4 -o addr show eth0 | awk '{print \$4}'"
	expect_out "$ip1/24" "container life $i sees the endpoint's address"
done
read -r again _ <<<"$("$DRV" attach "$LXR_RUN_DIR" tstack front svc-1)"
[ "$again" = "$ip1" ] || fail "re-attach after a restart: $again, expected $ip1"
"$DRV" detach "$LXR_RUN_DIR" tstack svc-1
read -r other _ <<<"$("$DRV" attach "$LXR_RUN_DIR" tstack front other-1)"
[ "$other" != "$ip1" ] || fail "a freed address was reused first ($other)"
read -r back _ <<<"$("$DRV" attach "$LXR_RUN_DIR" tstack front svc-1)"
[ "$back" = "$ip1" ] || fail "svc-1 back after detach: $back, expected its old $ip1"
"$DRV" cleanup "$LXR_RUN_DIR" tstack
[ ! -e "$LXR_RUN_DIR/tstack/.net" ] || fail "project cleanup left $(find "$LXR_RUN_DIR/tstack/.net")"
pass "an endpoint keeps its address across restarts; a returning owner gets its old one back"

# ---- everything goes when the containers exit -------------------------------------
# docker stop's way: SIGTERM to the lxr process that holds the container
# (it forwards it), which then removes the container and its endpoint
for c in "$web" "$pub"; do kill -TERM "$(awk '$1 == "holder" {print $2}' "$LXR_RUN_DIR/_run/.net/endpoints/$c")"; done
wait_gone "$web"
wait_gone "$pub"
for _ in $(seq 50); do [ "$(lxr_links)" = "$LINKS0" ] && break; sleep 0.1; done
expect_clean "after the containers exited"
pass "no bridge, veth, nft chain, lease or netns mount is left after the containers exit"

# ---- several lxr processes on one network at once -----------------------------------
par=""
for i in 1 2 3 4 5 6; do
	n=$(cname "par$i")
	par="$par $n"
	"$LXR" run -d --rm --name "$n" --network tpar "$ROOTFS" sleep 1000 >/dev/null 2>"$TEST_TMP/par$i.err" &
done
wait
for n in $par; do
	at_exit "$LXR" rm -f "$n"
	[ -e "$LXR_RUN_DIR/_run/.net/endpoints/$n" ] || fail "parallel start of $n: $(cat "$TEST_TMP"/par*.err)"
done
ips=$(awk '$1 == "ip" {print $2}' "$LXR_RUN_DIR"/_run/.net/endpoints/t$$-par* | sort)
[ "$(echo "$ips" | wc -l)" = 6 ] || fail "6 parallel containers: addresses [$ips]"
[ "$(echo "$ips" | sort -u | wc -l)" = 6 ] || fail "parallel containers share an address: [$ips]"
leases=$(grep -c '^lease ' "$LXR_RUN_DIR/_run/.net/leases/tpar")
[ "$leases" = 6 ] || fail "lease file holds $leases leases, expected 6"
[ "$(ls "$LXR_RUN_DIR/_run/.net/networks")" = tpar ] || fail "parallel starts made more than one network"
for n in $par; do kill -TERM "$(awk '$1 == "holder" {print $2}' "$LXR_RUN_DIR/_run/.net/endpoints/$n")"; done
for n in $par; do wait_gone "$n"; done
expect_clean "after parallel containers exited"
pass "six lxr run processes started at once on one network get six addresses, one bridge"

# ---- a killed lxr run --------------------------------------------------------------
for how in next-run cleanup; do
	k=$(cname "killed-$how")
	run run -d --name "$k" --network tkill "$ROOTFS" sleep 1000
	expect_rc 0 "start $k"
	at_exit "$LXR" rm -f "$k"
	holder=$(awk '$1 == "holder" {print $2}' "$LXR_RUN_DIR/_run/.net/endpoints/$k")
	kill -9 "$holder"
	for _ in $(seq 100); do kill -0 "$holder" 2>/dev/null || break; sleep 0.05; done
	[ "$(lxr_links)" != "$LINKS0" ] || fail "killing lxr run removed its links by itself?"
	if [ "$how" = next-run ]; then
		run run --rm --name "$(cname after)" --network tkill "$ROOTFS" true
		expect_rc 0 "the next run on tkill"
	else
		"$DRV" cleanup "$LXR_RUN_DIR" _run
	fi
	"$LXR" rm -f "$k" >/dev/null
	expect_clean "after a killed lxr run and the $how"
done
pass "a killed lxr run leaves nothing after the next run or net_project_cleanup"

# ---- records lost (a crash, or a run dir wiped around a mount) ----------------------
"$DRV" up "$LXR_RUN_DIR" tstack lost
"$DRV" attach "$LXR_RUN_DIR" tstack lost svc-1 >/dev/null
[ "$(lxr_links)" != "$LINKS0" ] || fail "attach made no links?"
rm -rf "$LXR_RUN_DIR/tstack/.net/networks" "$LXR_RUN_DIR/tstack/.net/endpoints" "$LXR_RUN_DIR/tstack/.net/leases"
"$DRV" cleanup "$LXR_RUN_DIR" tstack
[ "$(lxr_links)" = "$LINKS0" ] || fail "links left without records: $(lxr_links | tr '\n' ' ')"
[ "$(lxr_chains)" = "$CHAINS0" ] || fail "chains left without records: $(lxr_chains | tr '\n' ' ')"
! grep -qF "$LXR_RUN_DIR" /proc/self/mountinfo || fail "netns mount left without records"
"$DRV" up "$LXR_RUN_DIR" tstack torn
"$DRV" attach "$LXR_RUN_DIR" tstack torn svc-1 >/dev/null
"$DRV" attach "$LXR_RUN_DIR" tstack torn svc-2 >/dev/null
echo "veth lxr" > "$LXR_RUN_DIR/tstack/.net/endpoints/svc-1"
printf 'lxr-leases 1 10.' > "$LXR_RUN_DIR/tstack/.net/leases/torn"
read -r ip3 _ <<<"$("$DRV" attach "$LXR_RUN_DIR" tstack torn svc-3 2>"$TEST_TMP/torn.err")"
expect_grep "$(cat "$TEST_TMP/torn.err")" "rebuilding it from the endpoint records" "a torn lease file is said"
ip2=$(awk '$1 == "ip" {print $2}' "$LXR_RUN_DIR/tstack/.net/endpoints/svc-2")
{ [ -n "$ip3" ] && [ "$ip3" != "$ip2" ]; } || fail "after a torn lease file svc-3 got $ip3, svc-2 holds $ip2"
"$DRV" cleanup "$LXR_RUN_DIR" tstack
[ "$(lxr_links)" = "$LINKS0" ] || fail "links left after damaged records: $(lxr_links | tr '\n' ' ')"
! grep -qF "$LXR_RUN_DIR" /proc/self/mountinfo || fail "netns mount left after damaged records"
[ ! -e "$LXR_RUN_DIR/tstack/.net" ] || fail "cleanup left $(find "$LXR_RUN_DIR/tstack/.net")"
pass "the project cleanup finds lxr's links by alias and name when records are gone or damaged; a torn lease file is rebuilt"

# A full subnet first frees the leases of containers that are gone (a start
# does not read every record to look for them; only a start that finds no
# free address does): a /29 has five addresses after its gateway.
"$DRV" up "$LXR_RUN_DIR" tstack tfull 10.213.247.0/29
for i in 1 2 3 4 5; do "$DRV" attach "$LXR_RUN_DIR" tstack tfull "full-$i" >/dev/null; done
run_drv() { OUT=$("$DRV" "$@" 2>&1) && RC=0 || RC=$?; }
run_drv attach "$LXR_RUN_DIR" tstack tfull full-6
[ "$RC" != 0 ] || fail "a sixth endpoint on a full /29 got an address: $OUT"
expect_grep "$OUT" "subnet 10.213.247.0/29 is full" "a full subnet is said as such"
# full-2's namespace goes as a crash would take it, its records stay
gone_ip=$(awk '$1 == "ip" {print $2}' "$LXR_RUN_DIR/tstack/.net/endpoints/full-2")
umount "$LXR_RUN_DIR/tstack/.net/netns/full-2"
run_drv attach "$LXR_RUN_DIR" tstack tfull full-6
[ "$RC" = 0 ] || fail "after full-2's namespace went, full-6 still got no address: $OUT"
[ "${OUT%% *}" = "$gone_ip" ] || fail "full-6 got ${OUT%% *}, not the address $gone_ip full-2 left"
"$DRV" cleanup "$LXR_RUN_DIR" tstack
[ ! -e "$LXR_RUN_DIR/tstack/.net" ] || fail "cleanup left $(find "$LXR_RUN_DIR/tstack/.net")"
pass "a full subnet hands out the address of a container that is gone"

# A host port a program on the host listens on is refused, not taken over.
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(30)' "$hport" &
listener=$!
at_exit kill "$listener"
for _ in $(seq 100); do ss -ltn "sport = :$hport" | grep -q LISTEN && break; sleep 0.05; done
run run --rm --name "$(cname busyport)" -p "127.0.0.1:$hport:80" "$ROOTFS" true
expect_rc 125 "publishing a host port in use"
expect_grep "$ERR" "host port 127.0.0.1:$hport/tcp is in use by a program on the host" "the error names the port"
run run --rm --name "$(cname busyport2)" -p "$hport:80" "$ROOTFS" true
expect_rc 125 "publishing on every address a port in use on 127.0.0.1"
kill "$listener"
wait "$listener" 2>/dev/null || true
run run --rm --name "$(cname freeport)" -p "127.0.0.1:$hport:80" "$ROOTFS" true
expect_rc 0 "the same port once the program is gone"
pass "a host port a program listens on is refused, with the port named"

# lxr.conf [network]: the pool networks without a subnet are cut from
# (a network is cut when it is made: the default bridge, kept from the
# runs above, is removed first, as docker0 is made again for a new pool)
"$LXR" network prune -f >/dev/null
printf '[network]\npool = 10.231.0.0/16\nsize = 28\n' > "$LXR_CONFIG"
run run --rm --name "$(cname pooled)" "$ROOTFS" ip -4 -o addr show eth0
rm -f "$LXR_CONFIG"
expect_rc 0 "run with a pool from lxr.conf"
expect_grep "$OUT" "inet 10\.231\.0\.[0-9]+/28 " "the address comes from lxr.conf's pool, a /28"
pass "lxr.conf [network] pool and size set where networks get their subnets"

# ip_forward is the host's: with networks in two run dirs, the first run
# dir's last network going does not turn it off under the second; the
# host's last lxr bridge going does (when lxr was the one to turn it on).
if [ "$FWD0" = 0 ]; then
	other="$TEST_TMP/other-run"
	run run -d --name "$(cname fwd-a)" "$ROOTFS" sleep 100
	expect_rc 0 "run -d in the test's run dir"
	LXR_RUN_DIR=$other "$LXR" run -d --name "$(cname fwd-b)" "$ROOTFS" sleep 100 >/dev/null 2>&1 ||
		fail "run -d in a second run dir"
	at_exit LXR_RUN_DIR="$other" "$LXR" network prune -f
	at_exit LXR_RUN_DIR="$other" "$LXR" rm -f "t$$-fwd-b"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "forwarding not on with two networks up"
	run rm -f "t$$-fwd-a"
	expect_rc 0 "rm -f the first"
	# the default bridge stays with no container, as docker0 does; prune
	# removes it, the first run dir's last network
	run network prune -f
	expect_rc 0 "prune the first run dir's default bridge"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "forwarding turned off while another run dir's network is up"
	LXR_RUN_DIR=$other "$LXR" rm -f "t$$-fwd-b" >/dev/null || fail "rm -f in the second run dir"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "forwarding turned off under the second run dir's default bridge"
	LXR_RUN_DIR=$other "$LXR" network prune -f >/dev/null || fail "network prune in the second run dir"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "forwarding left on after the host's last lxr network"
	pass "ip_forward stays on while any run dir has a network, and goes back to 0 after the last"
else
	echo "# ip_forward was already 1 on this host: lxr never turns it off, nothing to check across run dirs"
fi
