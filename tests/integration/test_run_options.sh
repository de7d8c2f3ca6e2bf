#!/bin/bash
# docker-run options: volumes, tmpfs, read-only root, workdir, env, detach.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TEST_TMP/share"
echo from-host > "$TEST_TMP/share/in"
run run --rm --name "$(cname vol)" -v "$TEST_TMP/share:/data" "$ROOTFS" /bin/sh -c 'cat /data/in; echo from-container > /data/out'
expect_out from-host "bind mount visible"
[ "$(cat "$TEST_TMP/share/out")" = from-container ] || fail "rw bind write not on host"
run run --rm --name "$(cname volro)" -v "$TEST_TMP/share:/data:ro" "$ROOTFS" /bin/sh -c '(echo x > /data/y) 2>&1; cat /data/in'
expect_grep "$OUT" "Read-only file system" ":ro bind is read-only"
[ ! -e "$TEST_TMP/share/y" ] || fail ":ro bind was written"
pass "-v SRC:DST[:ro] binds host paths"

# a missing -v source is made, a directory, as docker's daemon makes it
# (./DIR from the current directory, the path cleaned; with -d, by its
# supervisor); --mount refuses one, as docker's does
run run --rm --name "$(cname volnew)" --network none -v "$TEST_TMP/nope/sub:/data" "$ROOTFS" \
	sh -c 'echo made > /data/f'
expect_rc 0 "-v with a missing source"
[ "$(cat "$TEST_TMP/nope/sub/f" 2>&1)" = made ] || fail "-v's missing source was not made and bound"
[ "$(stat -c %a "$TEST_TMP/nope/sub")" = 755 ] || fail "-v's source made with mode $(stat -c %a "$TEST_TMP/nope/sub")"
(cd "$TEST_TMP" && "$LXR" run --rm --name "$(cname volrel)" --network none -v ./gone/../rel:/data \
	"$ROOTFS" touch /data/g) || fail "-v ./DIR with a missing DIR"
[ -e "$TEST_TMP/rel/g" ] && [ ! -e "$TEST_TMP/gone" ] || fail "-v ./gone/../rel did not make \$PWD/rel alone"
n=$(cname voldet)
run run -d --rm --name "$n" --network none -v "$TEST_TMP/nope-d:/data" "$ROOTFS" touch /data/h
expect_rc 0 "-d -v with a missing source"
for _ in $(seq 100); do [ -e "$TEST_TMP/nope-d/h" ] && break; sleep 0.05; done
[ -e "$TEST_TMP/nope-d/h" ] || fail "-d: -v's missing source was not made and bound"
run run --rm --name "$(cname volbad)" --network none \
	--mount "type=bind,source=$TEST_TMP/nope-m,target=/data" "$ROOTFS" true
expect_rc 125 "--mount of a missing source"
expect_grep "$ERR" "bind source path does not exist: $TEST_TMP/nope-m$" "docker's words for it"
[ ! -e "$TEST_TMP/nope-m" ] || fail "a missing --mount source was made"
pass "a missing -v source is made, as docker makes it; a missing --mount source is refused"

# :ro holds below the bind too: a mount the host has under its source
# (here a tmpfs) is read-only in the container, as docker 25 binds it
mkdir -p "$TEST_TMP/share/sub"
mount -t tmpfs -o size=1m lxrt-sub "$TEST_TMP/share/sub"
at_exit umount "$TEST_TMP/share/sub"
run run --rm --name "$(cname volrec)" -v "$TEST_TMP/share:/data:ro" "$ROOTFS" /bin/sh -c '(echo x > /data/sub/z) 2>&1; grep " /data/sub " /proc/self/mounts | cut -d" " -f4'
expect_grep "$OUT" "Read-only file system" "a host mount below an :ro bind's source"
expect_grep "$OUT" "^ro," "the submount's options in the container"
[ ! -e "$TEST_TMP/share/sub/z" ] || fail "a mount below an :ro bind was written"
[ "$(grep " $TEST_TMP/share/sub " /proc/self/mounts | cut -d" " -f4 | cut -d, -f1)" = rw ] ||
	fail "the host's own mount below the bind became read-only"
pass ":ro makes the mounts below a bind read-only too, in the container only"

run run --rm --name "$(cname tmpfs)" --tmpfs /scratch:size=1m "$ROOTFS" /bin/sh -c 'grep " /scratch " /proc/self/mounts | cut -d" " -f3,4'
expect_grep "$OUT" "^tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k" "--tmpfs"
pass "--tmpfs mounts a tmpfs with docker's default flags"

run run --rm --name "$(cname ro)" --read-only --tmpfs /tmp "$ROOTFS" /bin/sh -c 'touch /x 2>&1; touch /tmp/ok && echo tmp-ok'
expect_grep "$OUT" "Read-only file system" "--read-only root"
expect_grep "$OUT" "tmp-ok" "--tmpfs under --read-only"
pass "--read-only makes / read-only"

# the /etc files lxr writes for the container are bound read-only with a
# read-only root, as docker's (else a read_only container still writes
# host files), and writable without it
etcw='for f in /etc/hosts /etc/resolv.conf /etc/hostname; do (echo "# x" >> $f) 2>/dev/null && echo "$f writable"; done; echo checked'
for net in none bridge; do
	run run --rm --name "$(cname roetc)" --read-only --network "$net" "$ROOTFS" /bin/sh -c "$etcw"
	expect_out checked "--read-only --network $net: the /etc files"
	run run --rm --name "$(cname rwetc)" --network "$net" "$ROOTFS" /bin/sh -c "$etcw"
	expect_out "$(printf '/etc/hosts writable\n/etc/resolv.conf writable\n/etc/hostname writable\nchecked')" \
		"--network $net: the /etc files without --read-only"
done
stack <<'Y'
name: roetc
services:
  ro:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    read_only: true
Y
run -f "$STACK" up -d
expect_rc 0 "up of a read_only service"
run -f "$STACK" exec -T ro /bin/sh -c "$etcw"
expect_out checked "a read_only service's /etc files"
run -f "$STACK" down
pass "/etc/hosts, resolv.conf and hostname are read-only with a read-only root (run and up), writable without"

run run --rm --name "$(cname env)" -w /srv/app -e A=1 -e B="two words" -h myhost "$ROOTFS" /bin/sh -c 'pwd; echo "$A|$B|$HOSTNAME|$HOME"; cat /etc/hostname'
expect_out "$(printf '/srv/app\n1|two words|myhost|/root\nmyhost')" "-w -e -h"
pass "-w, -e and -h set the working directory, environment and hostname"

n=$(cname det)
run run -d --rm --name "$n" "$ROOTFS" /bin/sh -c 'echo detached-output; sleep 1'
expect_rc 0 "-d"
expect_out "$n" "-d prints the container name"
for _ in $(seq 50); do "$LXR" logs "$n" 2>/dev/null | grep -q detached-output && break; sleep 0.02; done
"$LXR" logs "$n" | grep -q detached-output || fail "-d output not in its log while it runs"
for _ in $(seq 100); do [ -e "$LXR_RUN_DIR/_run/$n" ] || break; sleep 0.05; done
[ ! -e "$LXR_RUN_DIR/_run/$n" ] || fail "-d --rm container not removed after exit"
[ ! -e "$LXR_LOG_DIR/_run/$n.log" ] || fail "-d --rm left its log (docker removes it with the container)"
pass "-d runs in the background, logs its output and cleans up after itself"

# --network ns:PATH joins a network namespace made beforehand (what the net
# layer does for stacks); the container sees its interfaces, not new ones.
ns=lxrt$$
ip netns add "$ns"
at_exit ip netns del "$ns"
ip -n "$ns" link add lxrt$$a type veth peer name lxrt$$b
run run --rm --name "$(cname netns)" --network "ns:/run/netns/$ns" "$ROOTFS" ls /sys/class/net
expect_out "$(printf 'lo\nlxrt%sa\nlxrt%sb' $$ $$)" "--network ns:PATH"
run run --rm --name "$(cname nons)" --network ns:/nonexistent "$ROOTFS" true
expect_rc 125 "missing namespace"
expect_grep "$ERR" "open namespace /nonexistent" "missing namespace is named"
pass "--network ns:PATH joins an existing network namespace"

# docker run's knobs that are Compose keys too: the same plan.
run run --rm --network none --name "$(cname knobs)" --shm-size 4m --domainname d.example \
	--oom-score-adj 100 -c 256 --cpu-quota 20000 --cpu-period 40000 -m 64m --memory-swap 128m \
	"$ROOTFS" sh -c 'cat /proc/sys/kernel/domainname /proc/1/oom_score_adj; df -k /dev/shm | tail -1'
expect_rc 0 "run with --shm-size, --domainname, --oom-score-adj and the CPU/swap knobs"
expect_grep "$OUT" "^d\.example$" "--domainname"
expect_grep "$OUT" "^100$" "--oom-score-adj"
expect_grep "$OUT" " 4096 .* /dev/shm$" "--shm-size"
run run --rm --oom-score-adj 5000 "$ROOTFS" true
expect_rc 125 "an oom score out of range"
# without --oom-score-adj: docker's 0, not what lxr itself runs with
out=$(choom -n 300 -- "$LXR" run --rm --network none "$ROOTFS" cat /proc/1/oom_score_adj)
[ "$out" = 0 ] || fail "a container took its caller's oom_score_adj: $out"
# a supervisor run with a score of its own (lxr's units lower it to -500,
# as docker.service; a raised one stands in for it, as lowering needs
# CAP_SYS_RESOURCE, which a sandboxed root may lack): neither an exec nor
# a health check takes it
hc=$(cname hcoom)
choom -n 300 -- "$LXR" run -d --name "$hc" --network none --oom-score-adj 7 \
	--health-cmd 'cat /proc/self/oom_score_adj > /tmp/hc' --health-interval 200ms \
	"$ROOTFS" sleep 1000 >/dev/null || fail "run -d under a supervisor at 300"
at_exit "$LXR" rm -f "$hc"
for _ in $(seq 100); do "$LXR" exec "$hc" test -s /tmp/hc 2>/dev/null && break; sleep 0.1; done
run exec "$hc" cat /tmp/hc
expect_out "7" "a health check's oom_score_adj is its container's"
out=$(choom -n 300 -- "$LXR" exec "$hc" cat /proc/self/oom_score_adj)
[ "$out" = 7 ] || fail "an exec took its caller's oom_score_adj: $out"
run rm -f "$hc"
pass "--shm-size, --domainname, --oom-score-adj, --cpu-shares/quota/period and --memory-swap"

# --mac-address: eth0's, on the bridge network; IPv6 is off on it (the
# network has none), as docker leaves it
v6off=/proc/sys/net/ipv6/conf/eth0/disable_ipv6 want=$(printf '02:11:22:33:44:55\n1')
[ -e /proc/sys/net/ipv6 ] || { v6off=; want=02:11:22:33:44:55; } # a kernel without IPv6
run run --rm --name "$(cname mac)" --mac-address 02:11:22:33:44:55 "$ROOTFS" \
	cat /sys/class/net/eth0/address $v6off
expect_out "$want" "--mac-address, and IPv6 off on a network without it"
run run --rm --mac-address 03:11:22:33:44:55 "$ROOTFS" true
expect_rc 125 "a multicast --mac-address"
expect_grep "$ERR" "multicast" "a multicast --mac-address is said to be one"
pass "--mac-address"

# --ip, --network-alias and --link-local-ip on a network of lxr network
# create's (the service's entry for it: compose's ipv4_address, aliases,
# link_local_ips), -d (the supervisor's endpoint) and in the foreground;
# docker's refusals on the default bridge and where no subnet was given
net=rn$$ sub=$(($$ % 250)) a=$(cname addr)
run network create --subnet "10.127.$sub.0/24" "$net"
expect_rc 0 "network create"
at_exit "$LXR" network rm "$net"
at_exit "$LXR" rm -f "$a"
run run -d --name "$a" --network "$net" --ip "10.127.$sub.50" --network-alias foo --net-alias bar \
	--link-local-ip 169.254.9.9 "$ROOTFS" sleep 100
expect_rc 0 "run -d --ip --network-alias --link-local-ip"
run exec "$a" ip -o -4 addr show eth0
expect_grep "$OUT" " inet 10\.127\.$sub\.50/24 " "--ip is eth0's address"
expect_grep "$OUT" " inet 169\.254\.9\.9/16 " "--link-local-ip is on eth0 too, a /16 as docker adds it"
run run --rm --name "$(cname peer)" --network "$net" --ip "10.127.$sub.51" "$ROOTFS" \
	sh -c "ip -o -4 addr show eth0; grep -w foo /etc/hosts"
expect_rc 0 "a second container on the network, its own --ip in the foreground"
expect_grep "$OUT" " inet 10\.127\.$sub\.51/24 " "a foreground run's --ip"
expect_grep "$OUT" "^10\.127\.$sub\.50[[:space:]]+$a foo bar$" "another container on the network finds the aliases"
run run --rm --name "$(cname taken)" --network "$net" --ip "10.127.$sub.50" "$ROOTFS" true
expect_rc 125 "an --ip another container has"
expect_grep "$ERR" "10\.127\.$sub\.50 is already leased" "the address is said to be taken"
run run --rm --name "$(cname ipbr)" --ip "10.127.$sub.60" "$ROOTFS" true
expect_rc 125 "--ip on the default bridge"
expect_grep "$ERR" "user specified IP address is supported on user defined networks only" "docker's words"
expect_grep "$ERR" "hint: make one with a subnet \(lxr network create --subnet" "the hint says how"
run run --rm --name "$(cname aliasbr)" --network-alias foo "$ROOTFS" true
expect_rc 125 "--network-alias on the default bridge"
expect_grep "$ERR" "network-scoped alias is supported only for containers in user defined networks" \
	"docker's words for an alias"
run run --rm --name "$(cname ipeph)" --network "rneph$$" --ip 10.127.1.5 "$ROOTFS" true
expect_rc 125 "--ip on a network lxr run would make"
expect_grep "$ERR" "networks with user configured subnets" "an address needs a subnet the user gave"
run run --rm --name "$(cname ipbad)" --network "$net" --ip 10.127.300.1 "$ROOTFS" true
expect_rc 125 "--ip that is no address"
run run --rm --name "$(cname ipnone)" --network none --link-local-ip 169.254.1.1 "$ROOTFS" true
expect_rc 125 "--link-local-ip with --network none"
[ -z "$("$LXR" ps -a -q | grep -v "^$a$")" ] || fail "a refused run left a container: $("$LXR" ps -a -q)"
if [ "$(cat /proc/sys/net/ipv6/conf/all/disable_ipv6 2>/dev/null)" = 0 ]; then
	sub6=$(printf '%x' $(($$ % 65536)))
	run network create --ipv6 --subnet "fd00:7e57:$sub6::/64" --subnet "10.127.$(((sub + 1) % 250)).0/24" "${net}6"
	expect_rc 0 "network create --ipv6"
	at_exit "$LXR" network rm "${net}6"
	run run --rm --name "$(cname ip6)" --network "${net}6" --ip6 "fd00:7e57:$sub6::50" "$ROOTFS" \
		ip -o -6 addr show eth0 scope global
	expect_grep "$OUT" " inet6 fd00:7e57:$sub6::50/64 " "--ip6 is eth0's IPv6 address"
	run run --rm --name "$(cname ip6v4)" --network "$net" --ip6 "fd00:7e57:$sub6::51" "$ROOTFS" true
	expect_rc 125 "--ip6 on a network without IPv6"
	expect_grep "$ERR" "network $net has no IPv6" "the network is said to have none"
	run network rm "${net}6"
	expect_rc 0 "network rm of the IPv6 network"
fi
run rm -f "$a"
expect_rc 0 "rm"
run network rm "$net"
expect_rc 0 "network rm once its containers are gone"
pass "--ip, --network-alias, --link-local-ip on a user-defined network; refused where docker refuses them"

# --pid, --ipc and --uts, as docker's: host shares the host's namespace (and
# keeps the host's name); a word that is no mode is refused before anything
run run --rm --name "$(cname pidh)" --network none --pid host --ipc host --uts host "$ROOTFS" \
	/bin/sh -c 'for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname'
expect_rc 0 "--pid host --ipc host --uts host"
want="$(for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname)"
expect_out "$want" "--pid/--ipc/--uts host are the host's namespaces and name"
run run --rm --name "$(cname pidp)" --network none "$ROOTFS" readlink /proc/self/ns/pid
[ "$OUT" != "$(readlink /proc/self/ns/pid)" ] || fail "without --pid the container has its own pid namespace"
run run --rm --name "$(cname pidbad)" --network none --pid bogus "$ROOTFS" true
expect_rc 125 "--pid bogus"
expect_grep "$ERR" 'pid "bogus" is not a mode' "--pid bogus is refused by name"
pass "--pid, --ipc and --uts"

# An image whose command is an init of its own (s6-overlay's /init, as the
# linuxserver.io images have) must be PID 1: without --init it is; with
# --init lxr's is, as asked; any other command runs under lxr-init
mkdir -p "$TEST_TMP/s6"
printf '#!/bin/sh\necho "pid=$$"\n' > "$TEST_TMP/s6/init"
chmod 755 "$TEST_TMP/s6/init"
run run --rm --network none -v "$TEST_TMP/s6:/s6:ro" --entrypoint /s6/init "$ROOTFS"
expect_out "pid=1" "an init of the image's own runs as PID 1"
run run --rm --network none --init -v "$TEST_TMP/s6:/s6:ro" --entrypoint /s6/init "$ROOTFS"
[ "$OUT" != "pid=1" ] && expect_grep "$OUT" "^pid=[0-9]+$" "--init puts lxr-init in front of it"
run run --rm --network none "$ROOTFS" sh -c 'echo "pid=$$"'
[ "$OUT" != "pid=1" ] || fail "a plain command ran as PID 1 without --no-init"
pass "an image's own init is PID 1 unless --init"
