#!/bin/bash
# lxr run's default bridge is made once and kept, as docker0 is: a second
# `lxr run --rm` finds it (and its rules) as they were and runs no `nft`;
# rules deleted by hand come back at the next run; an exited container's
# veth goes with its network namespace, and one a process outside keeps
# alive is removed by the next run of the same name or by `lxr doctor
# --repair`; `lxr network ls` and `inspect` show it as docker's "bridge",
# which rm and create refuse; `lxr network prune` removes the bridge, its
# rules and ip_forward. In a network namespace of its own (and a private /run), so
# that no other program's nftables commits or links count here.
if [ "${LXR_KEPT_NETNS:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (namespaces, nftables)"; exit 77; }
	unshare --net --mount true 2>/dev/null || { echo "SKIP: no new network namespace here"; exit 77; }
	LXR_KEPT_NETNS=1 exec unshare --net --mount --propagation private bash "$0" "$@"
fi
mount -t tmpfs -o mode=0755 lxrt-run /run || { echo "FAIL: a private /run" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"

NFT=$(command -v nft) || skip "nft (package nftables) is not installed"
command -v nsenter >/dev/null || skip "nsenter (util-linux) is not installed"
ip link set lo up
ip link add ntprobe type bridge 2>/dev/null || skip "the kernel has no bridge driver"
ip link del ntprobe
FWD0=$(cat /proc/sys/net/ipv4/ip_forward)

# every nft lxr runs, counted: a wrapper first on PATH
mkdir -p "$TEST_TMP/wrap"
printf '#!/bin/sh\necho "nft $*" >> "%s"\nexec %s "$@"\n' "$TEST_TMP/nft.log" "$NFT" >"$TEST_TMP/wrap/nft"
chmod +x "$TEST_TMP/wrap/nft"
nft_runs() { [ -e "$TEST_TMP/nft.log" ] && wc -l <"$TEST_TMP/nft.log" || echo 0; }
counted() { : >"$TEST_TMP/nft.log"; PATH="$TEST_TMP/wrap:$PATH" run "$@"; }
links_of() { ip -o link show | grep -F "alias lxr:_run/$1" || true; }
# the kernel removes a dead namespace's links in its own cleanup work,
# right after: wait for it (bounded)
wait_no_link() {
	for _ in $(seq 200); do [ -z "$(links_of "$1")" ] && return 0; sleep 0.05; done
	fail "$2: a link of $1 is left: $(links_of "$1")"
}

# ---- made once, kept ---------------------------------------------------------------
first=$(cname n-first)
counted run --rm --name "$first" "$ROOTFS" /bin/sh -c 'ip -4 -o addr show eth0 | wc -l'
expect_rc 0 "the first run on the default bridge"
expect_out 1 "the first run has an address on eth0"
[ "$(nft_runs)" -ge 1 ] || fail "the first run made the network without nft?"
[ -n "$(links_of lxr)" ] || fail "the default bridge went with its last container"
nft list table ip lxr 2>/dev/null | grep -q 'chain p[0-9a-f]*-post' || fail "the default bridge's rules went with its last container"
[ -z "$(ls "$LXR_RUN_DIR/_run/.net/endpoints" 2>/dev/null)" ] || fail "endpoint records left: $(ls "$LXR_RUN_DIR/_run/.net/endpoints")"
! grep -qF "$LXR_RUN_DIR/_run/.net/netns" /proc/self/mountinfo || fail "a network namespace mount is left"
wait_no_link "$first" "after the first run"
pass "the default bridge and its rules stay after its last container; its endpoint and veth go"

second=$(cname n-second)
counted run --rm --name "$second" "$ROOTFS" /bin/sh -c 'ip -4 -o addr show eth0 | wc -l'
expect_rc 0 "the second run"
expect_out 1 "the second run has an address on eth0"
[ "$(nft_runs)" = 0 ] || fail "the second run ran nft although nothing changed: $(cat "$TEST_TMP/nft.log")"
pass "a second run on the kept bridge runs no nft (the ruleset generation is the one lxr noted)"

# ---- rules deleted by hand come back ----------------------------------------------
nft delete table ip lxr
counted run --rm --name "$second" "$ROOTFS" true
expect_rc 0 "a run after the rules were deleted by hand"
nft list table ip lxr 2>/dev/null | grep -q 'chain p[0-9a-f]*-post' || fail "the rules deleted by hand did not come back"
pass "rules deleted by hand come back at the next run (a commit lxr did not make stales its note)"

# ---- a veth something outside keeps alive ------------------------------------------
# The container waits for the test's go, so the namespace is held before
# it exits; then the holder outlives it.
held() {
	mkdir -p "$TEST_TMP/sync-$1"
	rm -f "$TEST_TMP/sync-$1/go"
	"$LXR" run --rm --name "$1" -v "$TEST_TMP/sync-$1:/sync" "$ROOTFS" \
		/bin/sh -c 'while [ ! -e /sync/go ]; do sleep 0.05; done' >"$TEST_TMP/held-$1.log" 2>&1 &
	local runner=$! ns="$LXR_RUN_DIR/_run/.net/netns/$1" want
	for _ in $(seq 200); do mountpoint -q "$ns" 2>/dev/null && break; sleep 0.05; done
	mountpoint -q "$ns" || fail "$1: its network namespace was not made: $(cat "$TEST_TMP/held-$1.log")"
	want=$(stat -L -c %i "$ns")
	nsenter --net="$ns" sleep 1000 &
	HOLDER=$!
	at_exit kill "$HOLDER"
	# nsenter opens the namespace when it runs, which may be after the go:
	# the container would be gone and its namespace with it. Go once the
	# holder is in.
	for _ in $(seq 200); do
		[ "$(stat -L -c %i "/proc/$HOLDER/ns/net" 2>/dev/null)" = "$want" ] && break
		sleep 0.05
	done
	[ "$(stat -L -c %i "/proc/$HOLDER/ns/net" 2>/dev/null)" = "$want" ] ||
		fail "$1: nsenter did not enter the run's network namespace"
	touch "$TEST_TMP/sync-$1/go"
	wait "$runner" || fail "$1: lxr run failed: $(cat "$TEST_TMP/held-$1.log")"
	[ -n "$(links_of "$1")" ] || fail "$1: no veth left while its namespace is held (the test holds nothing?)"
}
again=$(cname n-again)
held "$again"
run run --rm --name "$again" "$ROOTFS" /bin/sh -c 'ip -4 -o addr show eth0 | wc -l'
expect_rc 0 "a run of the same name while its old veth is held"
expect_out 1 "the same name again has an address on eth0"
kill "$HOLDER"
wait_no_link "$again" "after the same name ran again"
pass "a run of the same name removes the old veth its namespace's holder kept"

gone=$(cname n-held)
held "$gone"
run doctor --repair
expect_grep "$OUT" "link lxr[0-9a-f]+ \(lxr:_run/$gone\), left without a record" "doctor --repair names the veth it removed"
[ -z "$(links_of "$gone")" ] || fail "doctor --repair left the held veth: $(links_of "$gone")"
kill "$HOLDER"
pass "lxr doctor --repair removes a veth left without a record"

# ---- seen as docker's "bridge" ---------------------------------------------------
run network ls
expect_grep "$OUT" "^bridge +bridge +local +[0-9.]+/[0-9]+$" "network ls lists the kept default network as bridge"
subnet=$(echo "$OUT" | awk '$1 == "bridge" {print $4}')
run network inspect bridge
expect_rc 0 "network inspect bridge"
expect_grep "$OUT" "\"Subnet\": \"$subnet\"" "inspect shows its subnet"
expect_grep "$OUT" '"Name": "bridge"' "under docker's name"
run network inspect lxr
expect_rc 1 "the record's own name is not a network's"
run network rm bridge
expect_rc 1 "rm of the default network"
expect_grep "$ERR" "network bridge is lxr run's: its default network" "says why"
expect_grep "$ERR" "lxr network prune" "and what removes it"
[ -n "$(links_of lxr)" ] || fail "a refused rm removed the default bridge"
run network create bridge
expect_rc 1 "network create bridge"
expect_grep "$ERR" "network name bridge is predefined" "create refuses docker's predefined name"
pass "the default network is docker's bridge to network ls, inspect and rm"

# ---- prune ------------------------------------------------------------------------
run network prune -f
expect_rc 0 "network prune"
expect_grep "$OUT" "^bridge$" "prune names the default bridge"
[ -z "$(links_of lxr)" ] || fail "prune left the bridge: $(links_of lxr)"
! nft list tables | grep -q ' lxr$' || fail "prune left lxr's table: $(nft list tables)"
[ ! -e "$LXR_RUN_DIR/_run/.net/networks/lxr" ] || fail "prune left the network's record"
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$FWD0" ] || fail "prune did not put ip_forward back"
pass "lxr network prune removes the kept bridge, its rules and ip_forward"
