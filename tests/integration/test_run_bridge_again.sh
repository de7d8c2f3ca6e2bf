#!/bin/bash
# The same name again on lxr run's default bridge while the last one's veth
# is still there (it goes with its namespace, in the kernel's own cleanup,
# which here a descriptor holds off): the new endpoint has the old one's
# address and MAC, so the old veth is taken out of the bridge and only the
# new one gets the traffic; once the namespace is let go, no veth of the
# name is left. A name in use by a running container is refused, on any
# network, and its endpoint is left as it was.
. "$(dirname "$0")/lib.sh"

n=$(cname again)
alias_links() { ip -o link show | grep -F "alias lxr:_run/$n" | grep -v "alias lxr:_run/$n[^ ]" || true; }
bridge=""
wait_file() { for _ in $(seq 200); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "no $1"; }

# first life: its namespace held from the host by a descriptor
"$LXR" run --rm --name "$n" "$ROOTFS" sh -c 'sleep 1' >/dev/null 2>&1 &
first=$!
ns="$LXR_RUN_DIR/_run/.net/netns/$n"
wait_file "$ns"
exec 9<"$ns"
wait "$first" || fail "the first run of $n failed"
# the bridge this run's veth is on (another lxr run directory on the host
# has a default bridge of its own, with the same alias)
bridge=$(alias_links | grep -o 'master [^ ]*' | awk '{print $2}' | head -n1)
[ -n "$bridge" ] || fail "the first veth of $n is on no bridge: $(alias_links)"
[ "$(alias_links | wc -l)" -eq 1 ] || fail "the first veth of $n is not held: $(alias_links)"

# second life, while the first veth is still there
"$LXR" run --rm --name "$n" "$ROOTFS" sh -c 'sleep 1' >/dev/null 2>&1 &
second=$!
for _ in $(seq 200); do [ "$(alias_links | wc -l)" -eq 2 ] && break; sleep 0.05; done
[ "$(alias_links | wc -l)" -eq 2 ] || fail "the second run's veth did not come beside the first: $(alias_links)"
on_bridge=$(ip -o link show master "$bridge" | grep -cF "alias lxr:_run/$n" || true)
[ "$on_bridge" -eq 1 ] || fail "$on_bridge veths of $n on the bridge (the old one must be out of it): $(ip -o link show master "$bridge")"
wait "$second" || true
run run --rm --name "$n" "$ROOTFS" sh -c \
	'ping -c 1 -W 2 "$(ip route | awk "/default/ {print \$3}")" >/dev/null && echo reached'
expect_rc 0 "a third run of $n while the first's namespace is held"
expect_out reached "the third run reaches its gateway"
exec 9<&-
for _ in $(seq 200); do [ -z "$(alias_links)" ] && break; sleep 0.05; done
[ -z "$(alias_links)" ] || fail "veths of $n outlived their namespaces: $(alias_links)"
pass "the same name again: its old veth, still held, is out of the bridge; the new one reaches the gateway; none outlives its namespace"

# a name in use is refused on another network too, and its endpoint stays
busy=$(cname busy)
other="t$$net"
run network create "$other"
expect_rc 0 "network create $other"
at_exit "$LXR" network rm "$other"
"$LXR" run --rm --name "$busy" "$ROOTFS" sh -c 'sleep 3' >/dev/null 2>&1 &
holder=$!
wait_file "$LXR_RUN_DIR/_run/.net/endpoints/$busy"
sleep 0.2
before=$(cat "$LXR_RUN_DIR/_run/.net/endpoints/$busy")
run run --rm --name "$busy" --network "$other" "$ROOTFS" true
[ "$RC" -ne 0 ] || fail "a second $busy on another network started"
expect_grep "$ERR" "in use" "the refusal says the name is in use"
[ "$(cat "$LXR_RUN_DIR/_run/.net/endpoints/$busy" 2>/dev/null)" = "$before" ] ||
	fail "the running $busy's endpoint record changed"
ip -o link show master "$bridge" | grep -qF "alias lxr:_run/$busy" ||
	fail "the running $busy's veth left the bridge"
wait "$holder" || fail "the running $busy failed"
pass "a name in use is refused on another network; the running container's endpoint is left as it was"
