#!/bin/bash
# A kill at any instant of `up -d` leaves only what the next `down` finds and
# removes: N times (LXR_KILLSTORM_N, 30 by default; 100 by hand), `up -d` of
# a six-service stack is killed -9 (supervisor and CLI) after a random 0-300
# ms, and `down -p` must exit 0 and leave no link, netns mount, nft chain,
# cgroup, mount, temp file or process of the project. Then a normal `up`
# gives the same stack with the same addresses and the volume's data.
# LXR_KILLSTORM_TALLY=1 reports every kill that left something and goes on
# (to measure a build), instead of failing at the first.
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for NAT and published ports"

N=${LXR_KILLSTORM_N:-30}
port=$(free_ports 7)
svc() {
	cat <<Y
  $1:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "mkdir -p /tmp/www; echo $1 > /tmp/www/index.html; exec httpd -f -p 80 -h /tmp/www"]
    ports: ["127.0.0.1:$2:80"]
    volumes: ["data:/data"]
Y
}
{
	echo "name: storm$$"
	echo "services:"
	for i in 1 2 3 4 5 6; do svc "s$i" $((port + i)); done
	echo "volumes:"
	echo "  data:"
} >"$TEST_TMP/compose.in"
stack <"$TEST_TMP/compose.in"
lock="$LXR_RUN_DIR/$PROJECT/supervisor.lock"

# The nft chain prefix lxr derives for this project (net_chain_prefix: FNV-1a
# of the run dir, then of the project, each closed by a 0xff separator).
fnv() {
	local h=$1 b
	for b in $(printf '%s' "$2" | od -An -tu1); do
		h=$(((h ^ b) * 16777619 & 0xffffffff))
	done
	echo $(((h ^ 0xff) * 16777619 & 0xffffffff))
}
chain=$(printf 'p%08x' "$(fnv "$(fnv 2166136261 "$LXR_RUN_DIR")" "$PROJECT")")

# Every process with this project's supervisor.lock open: the `up` CLI
# until it forks, the supervisor after (and its children until they exec).
lock_holders() {
	find /proc/[0-9]*/fd -maxdepth 1 -lname "$lock" 2>/dev/null | cut -d/ -f3 | sort -u
}
# Processes in the project's cgroups or with its lock: none may outlive down.
project_procs() {
	lock_holders
	grep -l "/lxr/$PROJECT/" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3
}

# What a down must not leave; empty when nothing is left.
left() {
	ip -d -o link show 2>/dev/null | grep -E "alias lxr:$PROJECT/" | awk '{print "link", $2}'
	# born with lxr's mark (02:6c:...), killed before its alias was set
	ip -d -o link show 2>/dev/null | grep -v ' alias ' | grep -E 'link/ether 02:6c:' |
		awk '{print "unaliased link", $2}'
	grep -F "$TEST_TMP" /proc/self/mountinfo | awk '{print "mount", $5}'
	nft list table ip lxr 2>/dev/null | grep -o "chain ${chain}[a-z_0-9]*" | sed 's/^/nft /'
	for d in /sys/fs/cgroup/*/lxr/"$PROJECT" /sys/fs/cgroup/lxr/"$PROJECT"; do
		[ -e "$d" ] && echo "cgroup $d"
	done
	find "$LXR_RUN_DIR" -name '.*.tmp.*' 2>/dev/null | sed 's/^/temp file /'
	[ -e "$LXR_RUN_DIR/$PROJECT" ] && echo "run dir: $(find "$LXR_RUN_DIR/$PROJECT" | head -20)"
	for p in $(project_procs); do
		# a zombie holds nothing; its reaper is not lxr's (the parent died)
		st=$(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | cut -c1)
		[ -z "$st" ] || [ "$st" = Z ] && continue
		echo "process $p ($st): $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)"
	done
	return 0
}

addresses() {
	for i in 1 2 3 4 5 6; do
		a=$("$LXR" exec -f "$STACK" "s$i" ip -4 -o addr show eth0 | awk '{print $4}')
		echo "s$i $a"
	done
}
running_all() {
	for i in 1 2 3 4 5 6; do wait_event "\"instance\":\"s$i-1\",\"state\":\"running\""; done
}

run up -d -f "$STACK"
expect_rc 0 "first up -d"
running_all
before=$(addresses)
run exec -f "$STACK" s1 sh -c 'echo kept-across-the-storm > /data/mark'
expect_rc 0 "write into the volume"
run down -f "$STACK"
expect_rc 0 "down before the storm"
out=$(left)
[ -z "$out" ] || fail "a clean down left: $out"

# A kill between a veth's create and its alias leaves a recorded endpoint
# whose veth has only lxr's mark; made by hand (the alias taken off), down
# must delete it, not leave it to the kernel's later cleanup of the
# namespace. Checked at once, as a user's next command would see it.
run up -d -f "$STACK"
expect_rc 0 "up -d before the unaliased veth"
running_all
# the project's group in each hierarchy lxr uses, for the case below
groups=$(for m in $(awk '$3 == "cgroup" || $3 == "cgroup2" {print $2}' /proc/self/mounts); do
	[ -d "$m/lxr/$PROJECT" ] && echo "$m/lxr/$PROJECT"
done)
[ -n "$groups" ] || fail "up -d made no lxr/$PROJECT cgroup"
for l in $(ip -d -o link show | grep "alias lxr:$PROJECT/s2-1" | awk '{print $2}' | cut -d@ -f1); do
	ip link set "$l" alias ""
done
run down -f "$STACK"
expect_rc 0 "down with an unaliased veth"
out=$(left)
[ -z "$out" ] || fail "down left, with a veth that had only lxr's mark: $out"

# A kill after lxr/<project> is made in a hierarchy but before the first
# container's cgroup in it leaves the group empty, with no container for
# down to find it by: made by hand where up made them, down removes them.
for g in $groups; do
	mkdir -p "$g"
done
run down -f "$STACK"
expect_rc 0 "down with only empty group cgroups"
out=$(left)
[ -z "$out" ] || fail "down left, after a start killed before its first cgroup: $out"
pass "down removes the project's cgroup group a killed start left empty"

kills=0 bad=0
for k in $(seq "$N"); do
	"$LXR" up -d -f "$STACK" >/dev/null 2>&1 &
	cli=$!
	sleep "0.$(printf '%03d' $((RANDOM % 300)))"
	kill -KILL "$cli" 2>/dev/null || true
	# the supervisor may be forked but not yet holding the lock alone:
	# kill until no process of this project's up is left
	for _ in $(seq 100); do
		p=$(lock_holders)
		[ -z "$p" ] && break
		kill -KILL $p 2>/dev/null || true
		sleep 0.02
	done
	wait "$cli" 2>/dev/null || true
	kills=$((kills + 1))
	run down -p "$PROJECT"
	out=$(left)
	if [ "$RC" -ne 0 ] || [ -n "$out" ]; then
		msg="kill $k: down -p exit $RC ($ERR); left: ${out:-nothing}"
		[ -n "${LXR_KILLSTORM_TALLY:-}" ] || fail "$msg"
		# counting, by hand: report, and go on as a user would, with
		# a second down
		echo "$msg" >&2
		bad=$((bad + 1))
		"$LXR" down -p "$PROJECT" >/dev/null 2>&1 || true
	fi
done
[ "$bad" -eq 0 ] || fail "$bad of $kills kills left something behind"
pass "$kills kills of up -d at random instants: each down -p exited 0 and left nothing"

# The instants a random kill seldom hits, made by hand: a bridge and a veth
# killed between their create and their alias (born with lxr's mark, see
# net_link_mark: 02:6c and FNV-1a of the name), a container directory an
# older lxr left without rootfs/, and a record's temp file.
mark() {
	printf '02:6c:%s' "$(printf '%08x' "$(fnv "$(fnv 2166136261 lxr-mark)" "$1")" |
		sed 's/../&:/g; s/:$//')"
}
br=$(printf 'lxr-%08x' "$(fnv "$(fnv 2166136261 "$LXR_RUN_DIR/$PROJECT/default")" 0)")
veth=$(printf 'lxr%08x' "$(fnv "$(fnv 2166136261 "$LXR_RUN_DIR/$PROJECT/s2-1")" 0)")
ip link add "$br" address "$(mark "$br")" type bridge
ip link add "$veth" address "$(mark "$veth")" type veth peer name "p$$"
at_exit ip link del "$br"
at_exit ip link del "$veth"
mkdir -p "$LXR_RUN_DIR/$PROJECT/s4-1/upper" "$LXR_RUN_DIR/$PROJECT/.net/endpoints"
echo half >"$LXR_RUN_DIR/$PROJECT/.net/endpoints/.s5-1.tmp.4194000"
# s6-1's cgroup made ahead of its start (the supervisor does so while it
# waits for another start), the supervisor killed before the start came:
# a cgroup no container directory names
ghost=""
for m in /sys/fs/cgroup/memory /sys/fs/cgroup; do
	[ -e "$m/cgroup.procs" ] || continue
	ghost="$m/lxr/$PROJECT/s6-1"
	mkdir -p "$ghost"
	at_exit "rmdir '$ghost' '$m/lxr/$PROJECT' 2>/dev/null || true"
	break
done

run up -d -f "$STACK"
expect_rc 0 "up -d after the storm"
ip -d link show "$br" | grep -q "alias lxr:$PROJECT/default" ||
	fail "the unaliased bridge $br was not taken as lxr's: $(ip -d link show "$br")"
[ ! -e "$LXR_RUN_DIR/$PROJECT/.net/endpoints/.s5-1.tmp.4194000" ] || fail "a temp record was kept"
[ -z "$ghost" ] || wait_event '"instance":"s6-1","state":"running"'
running_all
after=$(addresses)
[ "$after" = "$before" ] || fail "addresses changed: before [$before], after [$after]"
run exec -f "$STACK" s6 cat /data/mark
expect_out kept-across-the-storm "the volume's data after the storm"
out=$(wget -qO- "http://127.0.0.1:$((port + 3))/" 2>&1 || true)
[ "$out" = s3 ] || fail "published port $((port + 3)): [$out]"
pass "after the storm (and a bridge and veth without alias, a half-made container directory, a temp record and a cgroup made ahead of a start) up -d gives the same stack, addresses and volume data"

run down -v -f "$STACK"
expect_rc 0 "down -v"
out=$(left)
[ -z "$out" ] || fail "down -v left: $out"
[ ! -e "$LXR_DATA_DIR/volumes/$PROJECT/data" ] || fail "down -v kept the volume"
pass "down -v removes the stack and its volume"
