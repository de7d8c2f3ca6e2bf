#!/bin/bash
# A host whose iptables FORWARD chain drops (docker leaves `table ip filter`
# chain FORWARD with policy drop, and br_netfilter on, which sends even
# bridged packets through it): containers on one lxr network still reach
# each other, another host, and a published port answers from it; a
# container of another network still cannot get in (lxr's isolation holds
# over its accepts). While containers run, lxr's three accepts marked
# "lxr" are in that chain; after the last one goes (or the project cleanup
# after a killed lxr), none is, and the host's table, chains, rules and
# policy are as they were. Then the same where iptables-nft is missing or
# cannot read the chain (lxr writes with nft), and legacy iptables dropping
# (lxr warns and says what to run). All of it in namespaces of its own
# (own_netns.sh).
. "$(dirname "$0")/own_netns.sh"
. "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || skip "nft (package nftables) is not installed"
ip link set lo up
ip link add lxrtprobe type bridge 2>/dev/null || skip "the kernel has no bridge driver"
ip link del lxrtprobe

# ---- the host's firewall, as docker leaves it -----------------------------------
if command -v iptables-nft >/dev/null; then
	IPT=1
	iptables-nft -P FORWARD DROP
	iptables-nft -N DOCKER-USER
	iptables-nft -A FORWARD -j DOCKER-USER
	iptables-nft -A FORWARD -s 192.0.2.1/32 -j DROP
else
	IPT=0
	nft -f - <<-'EOF'
		table ip filter {
			chain FORWARD { type filter hook forward priority 0; policy drop; }
		}
	EOF
fi
# the table without counters (they move with traffic)
host_table() { nft list table ip filter | sed 's/counter packets [0-9]* bytes [0-9]*/counter/'; }
lxr_rules() {
	if [ "$IPT" = 1 ]; then
		iptables-nft -S FORWARD | grep -c -- ' --comment lxr ' || true
	else
		nft list chain ip filter FORWARD | grep -c 'comment "lxr"' || true
	fi
}
TABLE0=$(host_table)
# br_netfilter is one for the whole kernel (its sysctls are per namespace):
# loaded here, it is unloaded again at the end (unless something took it)
if [ ! -e /proc/sys/net/bridge ] && modprobe br_netfilter 2>/dev/null; then
	at_exit modprobe -r br_netfilter
fi
if [ -w /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
	echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
	BRNF="with br_netfilter"
else
	BRNF="without br_netfilter (not in this kernel): routed traffic only"
	echo "note: br_netfilter cannot load; bridged traffic is not filtered here"
fi
FWD0=$(cat /proc/sys/net/ipv4/ip_forward)

# ---- another host: a namespace behind a veth -------------------------------------
other_host

# ---- containers on one network, the outside, a published port --------------------
web=$(cname web)
run run -d --rm --name "$web" --network tnet -p 18081:80 "$ROOTFS" /bin/sh -c "$(serve "hello from web")"
expect_rc 0 "start web on tnet"
at_exit "$LXR" rm -f "$web"
if printf '%s\n' "$ERR" | grep -q 'ip filter FORWARD has policy drop'; then
	fail "lxr still warns about the chain it added its rules to: $ERR"
fi
[ "$(lxr_rules)" = 3 ] || fail "lxr's accepts in ip filter FORWARD: $(lxr_rules), expected 3"

run run --rm --name "$(cname cli)" --network tnet "$ROOTFS" /bin/sh -c \
	"$(fetch "http://$web/") && grep -w '$web' /etc/hosts | cut -f1"
expect_rc 0 "wget http://$web/ from a container on tnet, $BRNF (stderr: $ERR)"
[ "$(echo "$OUT" | head -1)" = "hello from web" ] || fail "container to container: got [$OUT]"
webip=$(echo "$OUT" | tail -1)
pass "two containers on one network reach each other through a FORWARD chain that drops ($BRNF)"

run run --rm --name "$(cname out)" --network tnet "$ROOTFS" /bin/sh -c "$(fetch http://198.51.100.2:8080/)"
expect_rc 0 "wget the other host from a container (stderr: $ERR)"
expect_out "hello from outside" "a container reaches another host"
pass "a container reaches another host (forwarded out, the reply let back in)"

got=""
for _ in $(seq 20); do
	got=$(ip netns exec "$peer" timeout 2 busybox wget -q -O - http://198.51.100.1:18081/ 2>/dev/null) && break
	sleep 0.2
done
[ "$got" = "hello from web" ] || fail "-p 18081:80 from another host: got [$got]"
pass "a published port answers another host"

run run --rm --name "$(cname other)" --network tnet2 "$ROOTFS" /bin/sh -c \
	"timeout 3 wget -q -O - http://$webip/ 2>/dev/null || echo unreachable"
expect_out "unreachable" "a container on tnet2 reaching web ($webip) on tnet"
pass "another network still cannot reach into tnet: lxr's drop wins over the host's accept"

# ---- the last container goes, and lxr's rules with it -----------------------------
"$LXR" rm -f "$web" >/dev/null
for _ in $(seq 100); do [ -e "$LXR_RUN_DIR/_run/$web" ] || break; sleep 0.1; done
[ ! -e "$LXR_RUN_DIR/_run/$web" ] || fail "$web did not go"
ip -o link show type bridge | grep -q ' lxr-' && fail "an lxr bridge is left: $(ip -o link show type bridge)"
[ "$(lxr_rules)" = 0 ] || fail "lxr's rules left in ip filter FORWARD: $(nft list chain ip filter FORWARD)"
[ "$(host_table)" = "$TABLE0" ] || fail "the host's table changed: $(host_table) (was: $TABLE0)"
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$FWD0" ] || fail "ip_forward not restored"
pass "with the last network, lxr's rules go; the host's table, chains, rules and policy are as they were"

# ---- after a crash: the project cleanup takes them ---------------------------------
web3=$(cname web3)
run run -d --rm --name "$web3" --network tnet "$ROOTFS" /bin/sh -c "$(serve "crash")"
expect_rc 0 "start $web3"
at_exit "$LXR" rm -f "$web3"
[ "$(lxr_rules)" = 3 ] || fail "lxr's accepts back with a new network: $(lxr_rules)"
# the process that holds the endpoint dies without removing anything (its
# container goes with it: parent-death signal)
kill -KILL "$(awk '$1 == "holder" {print $2}' "$LXR_RUN_DIR/_run/.net/endpoints/$web3")"
"$LXR_BUILD_DIR/tests/net_driver" cleanup "$LXR_RUN_DIR" _run
[ "$(lxr_rules)" = 0 ] || fail "lxr's rules left after the project cleanup: $(nft list chain ip filter FORWARD)"
[ "$(host_table)" = "$TABLE0" ] || fail "the host's table changed: $(host_table) (was: $TABLE0)"
"$LXR" rm -f "$web3" >/dev/null 2>&1 || true
pass "after a killed lxr, the project cleanup removes lxr's rules"

# ---- a chain iptables-nft is not there to read: nft's own rules, by handle ---------
# (a host where the table was made with nft; the test's own table is replaced)
[ "$IPT" = 1 ] || exit 0
nft delete table ip filter
nft -f - <<-'EOF2'
	table ip filter {
		chain FORWARD {
			type filter hook forward priority 0; policy drop;
			ip saddr 192.0.2.1 drop
		}
	}
EOF2
IPT=0
TABLE0=$(host_table)
# what lxr runs (nft, iptables-nft) it finds along PATH: here, nft alone
mkdir "$TEST_TMP/nftonly"
ln -s "$(command -v nft)" "$TEST_TMP/nftonly/nft"
NFTONLY="$TEST_TMP/nftonly:/usr/bin:/bin"
web2=$(cname web2)
PATH=$NFTONLY run run -d --rm --name "$web2" --network tnet "$ROOTFS" /bin/sh -c "$(serve "hello again")"
expect_rc 0 "start $web2 where iptables-nft is missing"
at_exit "$LXR" rm -f "$web2"
[ "$(lxr_rules)" = 3 ] || fail "lxr's nft-written accepts: $(lxr_rules), expected 3: $(nft list chain ip filter FORWARD)"
PATH=$NFTONLY run run --rm --name "$(cname cli2)" --network tnet "$ROOTFS" /bin/sh -c \
	"$(fetch "http://$web2/") && $(fetch http://198.51.100.2:8080/)"
expect_out "$(printf 'hello again\nhello from outside')" "without iptables-nft: a neighbour and another host"
PATH=$NFTONLY "$LXR" rm -f "$web2" >/dev/null
for _ in $(seq 100); do [ -e "$LXR_RUN_DIR/_run/$web2" ] || break; sleep 0.1; done
[ "$(lxr_rules)" = 0 ] || fail "lxr's nft-written rules left: $(nft list chain ip filter FORWARD)"
[ "$(host_table)" = "$TABLE0" ] || fail "the host's nft-made table changed: $(host_table) (was: $TABLE0)"
pass "without iptables-nft, lxr writes the same accepts with nft and removes them by handle"

# ---- iptables-nft there, but the chain holds rules it cannot read ----------------
# (a native `ct state` match): lxr's rules cannot make the chain worse for
# iptables, so nft writes them
nft insert rule ip filter FORWARD ct state invalid drop
iptables-nft -S FORWARD >/dev/null 2>&1 && fail "iptables-nft reads a chain with a native ct match"
TABLE0=$(host_table)
run run --rm --name "$(cname cli3)" --network tnet "$ROOTFS" /bin/sh -c "$(fetch http://198.51.100.2:8080/)"
expect_out "hello from outside" "iptables-nft cannot read the chain: another host"
[ "$(lxr_rules)" = 0 ] || fail "lxr's rules left: $(nft list chain ip filter FORWARD)"
[ "$(host_table)" = "$TABLE0" ] || fail "the host's table changed: $(host_table) (was: $TABLE0)"
pass "where iptables-nft cannot read the chain, lxr writes its accepts with nft"

# ---- legacy iptables dropping: lxr does not write there, it says what to do -------
command -v iptables-legacy >/dev/null || exit 0
iptables-legacy -P FORWARD DROP
run run --rm --name "$(cname legacy)" --network tnet "$ROOTFS" /bin/true
expect_rc 0 "a container where legacy iptables drops forwarding"
expect_grep "$ERR" "legacy iptables has a filter table here and its FORWARD policy is DROP: .*iptables-legacy -I FORWARD -i 'lxr-\+' -j ACCEPT" \
	"the warning names the legacy chain and what to run"
iptables-legacy -P FORWARD ACCEPT
pass "legacy iptables dropping forwarded packets is named in a warning, with what to run"
