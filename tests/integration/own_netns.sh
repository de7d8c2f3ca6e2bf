#!/bin/bash
# Sourced first (before lib.sh) by a test that changes the host's firewall
# or forwarding: it runs again in a network namespace and a mount namespace
# of its own, with a private /run (where lxr keeps its ip_forward note and
# `ip netns` its names), so neither the host's firewall nor concurrent
# tests see any of it; the namespaces go with the test.
if [ "${LXR_OWN_NETNS:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (namespaces, nftables)"; exit 77; }
	unshare --net --mount true 2>/dev/null || { echo "SKIP: no new network namespace here"; exit 77; }
	LXR_OWN_NETNS=1 exec unshare --net --mount --propagation private bash "$0" "$@"
fi
# lxr must not leave its notes in the host's /run
mount -t tmpfs -o mode=0755 lxrt-run /run || { echo "FAIL: a private /run" >&2; exit 1; }

# After lib.sh. other_host: another host, the namespace $peer behind a
# veth (here vout, 198.51.100.1/30 and 2001:db8:51::1/64; there vpeer, .2
# and ::2), serving "hello from outside" on port 8080; gone with the test.
other_host() {
	peer=lxrpeer$$
	ip netns add "$peer"
	at_exit ip netns del "$peer"
	ip link add vout type veth peer name vpeer netns "$peer"
	ip addr add 198.51.100.1/30 dev vout
	ip addr add 2001:db8:51::1/64 dev vout nodad
	ip link set vout up
	ip -n "$peer" addr add 198.51.100.2/30 dev vpeer
	ip -n "$peer" addr add 2001:db8:51::2/64 dev vpeer nodad
	ip -n "$peer" link set vpeer up
	ip -n "$peer" link set lo up
	mkdir -p "$TEST_TMP/www"
	echo "hello from outside" >"$TEST_TMP/www/index.html"
	ip netns exec "$peer" busybox httpd -f -p 8080 -h "$TEST_TMP/www" &
	at_exit kill "$!"
}
# A container's command serving $1 on port 80; one fetching the URL $1,
# retrying while the server starts (bounded: a dropped SYN would otherwise
# keep wget waiting), printing the body.
serve() { echo "mkdir -p /www && echo '$1' > /www/index.html && exec httpd -f -p 80 -h /www"; }
fetch() { echo "i=0; until timeout 2 wget -q -O - $1 2>/dev/null; do i=\$((i+1)); [ \$i -lt 10 ] || exit 1; sleep 0.2; done"; }
