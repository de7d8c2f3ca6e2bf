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
