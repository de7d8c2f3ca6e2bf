#!/bin/sh
# usage (inside the test VM): sublink-check.sh LXR ROOTFS
#
# macvlan and ipvlan networks on a kernel that has every driver they use
# (Debian's: ipvlan, dummy and 802.1Q, which CI's host kernel lacks): an
# ipvlan l2 and an l3 network reaching a "LAN" (a veth whose far end sits in
# a namespace of this script's, serving a page at .1), a second ipvlan
# network on the same parent refused, a macvlan network without a parent
# (lxr's dummy link: its containers reach each other, the dummy goes with
# the network), and a parent LINK.VID made as a VLAN link and removed with
# its network. Prints ok/not ok lines and "# N sublink checks failed";
# exits with N. Run by tests/integration/test_up_macvlan_vm.sh.
LXR=$1
ROOTFS=$2
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LXR_RUN_DIR=/tmp/sl-run LXR_LOG_DIR=/tmp/sl-log LXR_DATA_DIR=/tmp/sl-data
export LXR_CONFIG=/nonexistent
. "$(dirname "$0")/check-lib.sh"

# GET /i of HOST in a container, its body (busybox nc: its wget may not run
# in every guest)
GET='get() { printf "GET /i HTTP/1.0\r\n\r\n" | timeout 3 nc "$1" 80 | tail -n 1; }; '

# the LAN: the far end of p0 in a namespace of its own, .1 serving a page
mkdir -p /tmp/sl-www && echo page-lan >/tmp/sl-www/i
unshare -n sleep 600 &
lan=$!
sleep 0.2
ip link add p0 type veth peer name lan0
ip link set lan0 netns "$lan"
ip link set p0 up
nsenter -t "$lan" -n ip addr add 192.168.5.1/24 dev lan0
nsenter -t "$lan" -n ip link set lan0 up
nsenter -t "$lan" -n ip link set lo up
nsenter -t "$lan" -n "$ROOTFS/bin/busybox" httpd -p 80 -h /tmp/sl-www
# ipvlan l3 routes in the parent's namespace: the host's own route to the LAN
ip addr add 192.168.5.254/24 dev p0

"$LXR" network create -d ipvlan -o parent=p0 --subnet 192.168.5.0/24 --gateway 192.168.5.1 \
	l2net >/dev/null 2>/tmp/sl.err
got=$("$LXR" run --rm --network l2net "$ROOTFS" sh -c \
	"$GET"'get 192.168.5.1; ip route | grep -c "default via 192.168.5.1"' 2>&1 |
	tr '\n' ' ')
say "$got" "page-lan 1 " "ipvlan l2: a container reaches the LAN, its default route via the gateway"
got=$("$LXR" network create -d ipvlan -o parent=p0 -o ipvlan_mode=l3 --subnet 10.55.0.0/24 l3net 2>&1 |
	grep -o "parent p0 already has ipvlan network l2net")
say "$got" "parent p0 already has ipvlan network l2net" \
	"a second ipvlan network on one parent is refused, naming the first"
"$LXR" network rm l2net >/dev/null 2>&1

"$LXR" network create -d ipvlan -o parent=p0 -o ipvlan_mode=l3 --subnet 10.55.0.0/24 l3net \
	>/dev/null 2>>/tmp/sl.err
nsenter -t "$lan" -n ip route add 10.55.0.0/24 via 192.168.5.254
echo 1 >/proc/sys/net/ipv4/ip_forward
got=$("$LXR" run --rm --network l3net "$ROOTFS" sh -c \
	"$GET"'ip route | grep -c "^default dev eth0"; get 192.168.5.1' 2>&1 |
	tr '\n' ' ')
say "$got" "1 page-lan " "ipvlan l3: the default route is the link's, and the LAN is reached through the host"
"$LXR" network rm l3net >/dev/null 2>&1
echo 0 >/proc/sys/net/ipv4/ip_forward

# no parent: lxr's dummy link
mkdir -p /tmp/sl-stack /tmp/sl-out && cat >/tmp/sl-stack/compose.yaml <<Y
services:
  a:
    image: $ROOTFS
    command: ["/bin/sh", "-c", "echo page-a > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    networks: [iso]
  b:
    image: $ROOTFS
    command:
      - /bin/sh
      - -c
      - >-
        get() { printf "GET /i HTTP/1.0\\r\\n\\r\\n" | timeout 3 nc \$\$1 80 | tail -n 1; };
        a=\$\$(awk '\$\$2 == "a" {print \$\$1; exit}' /etc/hosts);
        for i in 1 2 3 4 5 6 7 8 9 10; do r=\$\$(get \$\$a); [ -n "\$\$r" ] && break; sleep 0.3; done;
        echo "got \$\$r \$\$(ip route | grep -c default)" > /out/b; exec sleep 600
    volumes: ["/tmp/sl-out:/out"]
    networks: [iso]
networks:
  iso: {driver: macvlan}
Y
"$LXR" up -d -f /tmp/sl-stack/compose.yaml >/dev/null 2>>/tmp/sl.err
got=$(ip -o link show | grep -c "alias lxr:sl-stack/iso")
say "$got" 1 "a macvlan network without a parent has a dummy of lxr's as its parent"
# (b writes what it got to a file of the host's: this guest runs lxr in a
# chroot, where lxr exec does not land in the container)
got=
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	[ -s /tmp/sl-out/b ] && got=$(tr '\n' ' ' </tmp/sl-out/b) && break
	sleep 0.3
done
say "$got" "got page-a 0 " "its containers reach each other (by /etc/hosts), and have no default route"
"$LXR" down -f /tmp/sl-stack/compose.yaml >/dev/null 2>>/tmp/sl.err
got=$(ip -o link show | grep -c "alias lxr:sl-stack")
say "$got" 0 "the dummy goes with the network"

# a VLAN parent that is not there
"$LXR" network create -d macvlan -o parent=p0.5 --subnet 10.56.0.0/24 vnet >/dev/null 2>>/tmp/sl.err
got=$(ip -d link show p0.5 2>&1 | grep -o "vlan protocol 802.1Q id 5\|alias lxr:_net/vnet" | sort |
	tr '\n' ' ')
say "$got" "alias lxr:_net/vnet vlan protocol 802.1Q id 5 " "parent p0.5 is made as VLAN 5 of p0, with lxr's alias"
# gone since (a NIC replugged): made again when a container joins
ip link del p0.5
"$LXR" run --rm --network vnet "$ROOTFS" true 2>>/tmp/sl.err
ip link show p0.5 >/dev/null 2>&1 && got=there || got=missing
say "$got" there "a VLAN parent gone since is made again when a container joins"
"$LXR" network create -d macvlan -o parent=p0.5 --subnet 10.57.0.0/24 vnet2 >/dev/null 2>>/tmp/sl.err
"$LXR" network rm vnet >/dev/null 2>>/tmp/sl.err
ip link show p0.5 >/dev/null 2>&1 && got=kept || got=gone
say "$got" kept "the VLAN link stays while another network is on it"
"$LXR" network rm vnet2 >/dev/null 2>>/tmp/sl.err
ip link show p0.5 >/dev/null 2>&1 && got=kept || got=gone
say "$got" gone "the VLAN link goes with the last network on it"
ip link add link p0 name p0.6 type vlan id 6
"$LXR" network create -d macvlan -o parent=p0.6 --subnet 10.58.0.0/24 hnet >/dev/null 2>>/tmp/sl.err
"$LXR" network rm hnet >/dev/null 2>>/tmp/sl.err
ip link show p0.6 >/dev/null 2>&1 && got=kept || got=gone
say "$got" kept "the host's own VLAN link is left alone"

got=$("$LXR" doctor 2>&1 | grep -o "^ok *macvlan and ipvlan links: macvlan, ipvlan, dummy, vlan: made")
say "$got" "ok       macvlan and ipvlan links: macvlan, ipvlan, dummy, vlan: made" \
	"lxr doctor finds every kind of link these networks make"

[ "$fails" -eq 0 ] || cat /tmp/sl.err
kill "$lan" 2>/dev/null
echo "# $fails sublink checks failed"
exit "$fails"
