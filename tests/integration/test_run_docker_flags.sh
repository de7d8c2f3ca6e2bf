#!/bin/bash
# docker run's habitual options beyond the basics, each checked inside a
# real container: --network host and container:NAME, --pid/--ipc
# container:NAME, --env-file (docker's raw syntax), labels, --ulimit,
# --sysctl, --mount, -v's options and anonymous volumes (gone with --rm,
# or with rm -v), the health check, --stop-signal, -P, --cidfile, and the
# refusals of what lxr does not run.
. "$(dirname "$0")/lib.sh"
cd "$TEST_TMP"

# --network host: the host's own interfaces and name; -p is dropped, as
# docker drops it, with a warning
host_links=$(ls /sys/class/net | sort | tr '\n' ' ')
run run --rm --name "$(cname hostnet)" --network host -p 1:1 "$ROOTFS" sh -c \
	'ls /sys/class/net | sort | tr "\n" " "; echo; hostname'
expect_rc 0 "--network host"
expect_out "$host_links
$(uname -n)" "--network host sees the host's interfaces and has its name"
expect_grep "$ERR" "published ports are discarded" "-p with --network host warns"
"$LXR" network ls | grep -qw host && fail "--network host made a network named host"
run run --rm --name "$(cname hostadd)" --network host --add-host db.internal:10.9.8.7 "$ROOTFS" \
	sh -c 'tail -n 1 /etc/hosts; grep -c "^127.0.0.1" /etc/hosts'
expect_out "10.9.8.7	db.internal
$(grep -c '^127.0.0.1' /etc/hosts)" "--add-host with --network host: the host's file and the entry"
run run --rm --name "$(cname noneadd)" --network none --add-host db.internal:10.9.8.7 "$ROOTFS" \
	tail -n 1 /etc/hosts
expect_out "10.9.8.7	db.internal" "--add-host with --network none"
run run --rm --name "$(cname nonedns)" --network none --dns 192.0.2.53 --dns-search corp.example \
	--dns-option ndots:2 "$ROOTFS" cat /etc/resolv.conf
# the host's file with these in place of its nameserver, search, options
# (and its comments, which speak of its nameservers), as a network's is
kept=$(grep -vE '^(nameserver|search|domain|options)[[:space:]]|^#|^$' /etc/resolv.conf || true)
expect_out "${kept:+$kept
}nameserver 192.0.2.53
search corp.example
options ndots:2" "--dns, --dns-search, --dns-option with --network none"
# with the host's network too, as docker writes them (compose's dns with
# network_mode: host); the host's own file is left as it is
before=$(cat /etc/resolv.conf)
run run --rm --name "$(cname hostdns)" --network host --dns 192.0.2.53 --dns-search corp.example \
	"$ROOTFS" cat /etc/resolv.conf
expect_rc 0 "--dns with --network host"
expect_grep "$OUT" "^nameserver 192.0.2.53$" "--dns with --network host is written"
expect_grep "$OUT" "^search corp.example$" "--dns-search with --network host is written"
[ "$(cat /etc/resolv.conf)" = "$before" ] || fail "--dns with --network host changed the host's resolv.conf"
pass "--network host is the host's network, not a network named host; --add-host and --dns are written"

# another container's network, pid and ipc namespaces
tgt=$(cname target)
run run -d --name "$tgt" -h tgt-host --network none "$ROOTFS" sh -c 'echo shm > /dev/shm/mark; exec sleep 60'
expect_rc 0 "run -d the target"
# its init's pid, as its supervisor reports it (the namespaces are its)
tpid=0
for _ in $(seq 100); do
	tpid=$("$LXR" inspect -f '{{.State.Pid}}' "$tgt" 2>/dev/null || echo 0)
	[ "${tpid:-0}" -gt 0 ] && break
	sleep 0.05
done
[ "${tpid:-0}" -gt 0 ] || fail "the target container has no pid"
run run --rm --name "$(cname joiner)" --network "container:$tgt" --pid "container:$tgt" \
	--ipc "container:$tgt" "$ROOTFS" sh -c \
	'readlink /proc/self/ns/net; ps -o comm | grep -c "^sleep$"; cat /dev/shm/mark; hostname'
expect_rc 0 "--network/--pid/--ipc container:NAME"
expect_out "$(readlink /proc/"$tpid"/ns/net)
1
shm
tgt-host" "container:NAME shares its network (and host name), processes and /dev/shm"
run run --rm --name "$(cname joinp)" --network "container:$tgt" -p 8080:80 "$ROOTFS" true
expect_rc 125 "-p with --network container:NAME"
run run --rm --name "$(cname nosuch)" --network none --pid container:nosuch "$ROOTFS" \
	sh -c 'ls /proc | grep -c "^[0-9]"'
expect_rc 125 "--pid container: of no container"
expect_grep "$ERR" "nosuch" "the error names the container"
pass "container:NAME joins that container's namespaces; a missing one is an error, not the host's"
"$LXR" rm -f "$tgt" >/dev/null

# --env-file is docker run's syntax: values as written
printf 'A=1\nB="quoted"\n# a comment\nC=$HOME\n' > envf
printf 'team=blue\n' > labels
run run --rm --name "$(cname envfile)" --network none --env-file envf "$ROOTFS" sh -c 'echo "$A|$B|$C"'
expect_out '1|"quoted"|$HOME' "--env-file keeps quotes and \$ as written"
n=$(cname labels)
run run -d --name "$n" --network none -l tier=web --label-file labels \
	--stop-signal USR1 "$ROOTFS" sh -c 'trap "echo got-usr1; exit 0" USR1; while :; do sleep 0.1; done'
expect_rc 0 "run -d with labels and a stop signal"
run inspect "$n"
expect_grep "$OUT" '"tier": "web"' "-l is a label"
expect_grep "$OUT" '"team": "blue"' "--label-file's labels"
run stop "$n"
expect_rc 0 "stop"
expect_grep "$(cat "$LXR_LOG_DIR/_run/$n.log")" "got-usr1" "stop sends --stop-signal"
"$LXR" rm "$n" >/dev/null
pass "--env-file, -l, --label-file and --stop-signal"

run run --rm --name "$(cname limits)" --network none --ulimit nofile=1000:2000 \
	--sysctl net.ipv4.ip_unprivileged_port_start=80 --sysctl kernel.bogus=1 "$ROOTFS" true
expect_rc 125 "a sysctl that is not namespaced"
run run --rm --name "$(cname limits)" --network none --ulimit nofile=1000:2000 \
	--sysctl net.ipv4.ip_unprivileged_port_start=80 "$ROOTFS" sh -c \
	'ulimit -n; ulimit -Hn; cat /proc/sys/net/ipv4/ip_unprivileged_port_start'
expect_out "1000
2000
80" "--ulimit and --sysctl"
pass "--ulimit sets soft and hard limits, --sysctl a namespaced parameter"

mkdir -p src
echo from-host > src/f
run run --rm --name "$(cname mount)" --network none \
	--mount type=bind,src=./src,dst=/b,readonly \
	--mount type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770 \
	--mount "type=volume,source=mvol,target=/v" \
	-v "$TEST_TMP/src:/z:ro,Z" -v ./src:/rel:ro "$ROOTFS" sh -c \
	'cat /b/f; (touch /b/x) 2>&1; grep " /t " /proc/self/mounts | cut -d" " -f4; stat -c %a /t;
	 echo kept > /v/k; cat /z/f; cat /rel/f'
expect_rc 0 "--mount"
[ "$(printf '%s\n' "$OUT" | grep -c '^from-host$')" = 3 ] || fail "-v ./DIR is not the directory here: $OUT"
expect_grep "$OUT" "^from-host$" "a relative bind source is taken from the current directory"
expect_grep "$OUT" "Read-only file system" "readonly"
expect_grep "$OUT" "size=1024k,mode=1770" "tmpfs-size and tmpfs-mode"
expect_grep "$OUT" "^1770$" "the tmpfs's mode"
run run --rm --name "$(cname mount2)" --network none -v mvol:/v "$ROOTFS" cat /v/k
expect_out kept "a named --mount volume is the volume -v names"
run run --rm --name "$(cname mountbad)" --network none --mount type=bind,src=/nonexistent-lxr,dst=/x "$ROOTFS" true
expect_rc 125 "--mount of a missing bind source"
expect_grep "$ERR" "bind source path does not exist: /nonexistent-lxr$" "docker's words for it"
[ ! -e /nonexistent-lxr ] || fail "a missing --mount source was made"
run run --rm --name "$(cname mountbad)" --network none --mount type=volume,dst=/x,bogus=1 "$ROOTFS" true
expect_rc 125 "--mount with an unknown field"
expect_grep "$ERR" 'unknown field "bogus"' "the error names the field"
"$LXR" volume rm mvol >/dev/null
pass "--mount binds, tmpfs and volumes; bad ones are refused"

anon="$LXR_DATA_DIR/volumes/_run/+anon"
n=$(cname anonrm)
run run --rm --name "$n" --network none -v /scratch "$ROOTFS" sh -c 'echo x > /scratch/f; grep -c " /scratch " /proc/self/mountinfo'
expect_out 1 "-v /DST is an anonymous volume"
[ ! -e "$anon/$n" ] || fail "--rm left the anonymous volume: $(ls "$anon")"
n=$(cname anonkeep)
run run --name "$n" --network none -v /scratch "$ROOTFS" true
[ -d "$anon/$n" ] || fail "a kept container's anonymous volume is not there"
run rm -v "$n"
expect_rc 0 "rm -v"
[ ! -e "$anon/$n" ] || fail "rm -v left the anonymous volume"
pass "anonymous volumes go with --rm, and with rm -v"

n=$(cname health)
run run -d --name "$n" --network none --health-cmd 'test -f /tmp/ready' --health-interval 100ms \
	"$ROOTFS" sh -c 'touch /tmp/ready; exec sleep 60'
expect_rc 0 "run -d --health-cmd"
for _ in $(seq 100); do "$LXR" ps | grep -q "^$n .*(healthy)" && break; sleep 0.05; done
run ps
expect_grep "$OUT" "^$n .*\(healthy\)" "the health check ran and passed"
run run --rm --name "$(cname nohc)" --network none --no-healthcheck --health-cmd true "$ROOTFS" true
expect_rc 125 "--no-healthcheck with --health-cmd"
"$LXR" rm -f "$n" >/dev/null
pass "--health-cmd and its timings; --no-healthcheck conflicts with them"

run import -c 'EXPOSE 8080' "$ROOTFS" lxrtest-expose:1
expect_rc 0 "import an image with EXPOSE"
n=$(cname puball)
run run -d --name "$n" -P --expose 9090/udp lxrtest-expose:1 sleep 60
expect_rc 0 "run -P"
run ps
expect_grep "$OUT" "^$n .*->8080/tcp.*->9090/udp" "-P publishes the image's and --expose's ports"
"$LXR" rm -f "$n" >/dev/null
pass "-P publishes every exposed port on a free host port"

n=$(cname cid)
run run --rm --name "$n" --network none --cidfile cid "$ROOTFS" true
expect_rc 0 "--cidfile"
[ "$(cat cid)" = "$n" ] || fail "--cidfile holds [$(cat cid)], not the name"
run run --rm --name "$(cname cid2)" --network none --cidfile cid "$ROOTFS" true
expect_rc 125 "--cidfile that exists"
expect_grep "$ERR" "remove it first" "an existing cidfile is refused"
run run --rm --name "$(cname cid3)" --network none --cidfile cid3 "$ROOTFS" /nonexistent
expect_rc 127 "a command that is not there"
[ ! -e cid3 ] || fail "--cidfile left after a failed start"
pass "--cidfile holds the name; an existing one is refused; a failed start removes it"

run run --rm --name "$(cname logdrv)" --network none --log-driver fluentd "$ROOTFS" true
expect_rc 125 "--log-driver fluentd"
expect_grep "$ERR" "fluentd" "the error names the driver"
run run --rm --name "$(cname logok)" --network none --log-driver local --log-opt max-size=1m \
	--memory-reservation 32m --cpuset-cpus 0 "$ROOTFS" sh -c 'grep Cpus_allowed_list /proc/self/status'
expect_rc 0 "--log-driver local, --memory-reservation, --cpuset-cpus"
expect_grep "$OUT" "Cpus_allowed_list:[[:space:]]+0$" "--cpuset-cpus"
pass "what lxr does not run is refused by name; the cgroup knobs apply"

# per-device block I/O limits, as compose's blkio_config lists
dev=$(lsblk -dnpo NAME,TYPE | awk '$2 == "disk" { print $1; exit }')
[ -b "$dev" ] || fail "no disk for the block I/O limits (lsblk: $(lsblk -dnpo NAME,TYPE | tr '\n' ' '))"
mm=$(printf '%d:%d' "0x$(stat -c %t "$dev")" "0x$(stat -c %T "$dev")")
run run --rm --name "$(cname blkio)" --network none --device-read-bps "$dev:1mb" \
	--device-write-iops "$dev:100" --annotation org.lxr.test=1 --disable-content-trust "$ROOTFS" \
	sh -c 'cat /sys/fs/cgroup/io.max 2>/dev/null ||
		cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device'
expect_rc 0 "--device-read-bps, --device-write-iops, --annotation, --disable-content-trust"
if printf '%s\n' "$OUT" | grep -q rbps; then
	expect_grep "$OUT" "^$mm rbps=1048576 .*wiops=100" "the device's limits in io.max"
else
	expect_grep "$OUT" "^$mm 1048576$" "the device's read bps limit"
	expect_grep "$OUT" "^$mm 100$" "the device's write iops limit"
fi
run run --rm --name "$(cname blkbad)" --network none --device-read-bps "$dev" "$ROOTFS" true
expect_rc 125 "--device-read-bps without a rate"
expect_grep "$ERR" "--device-read-bps \"$dev\": expected DEVICE:RATE" "the option and value are named"
run run --rm --name "$(cname blkchr)" --network none --device-read-iops /dev/null:5 "$ROOTFS" true
expect_rc 125 "--device-read-iops of a character device"
expect_grep "$ERR" "/dev/null is not a block device" "a device that is no block device is named"
run run --rm --name "$(cname dct)" --network none --disable-content-trust=false "$ROOTFS" true
expect_rc 125 "content trust asked for"
pass "--device-{read,write}-{bps,iops} limit the device; bad values are refused by name"

# what an option must not be able to do
before=$(cat /proc/sys/net/ipv4/tcp_keepalive_probes)
run run --rm --name "$(cname hostsysctl)" --network host \
	--sysctl net.ipv4.tcp_keepalive_probes=$((before + 1)) "$ROOTFS" true
expect_rc 125 "--sysctl net.* with --network host"
[ "$(cat /proc/sys/net/ipv4/tcp_keepalive_probes)" = "$before" ] || fail "a container changed the host's sysctl"
run run --rm --name "$(cname traverse)" --network none --pid container:../../../tmp "$ROOTFS" true
expect_rc 125 "container: with a path for a name"
expect_grep "$ERR" "not a container name" "the name is refused as such"
run run --rm --name "$(cname utf)" --network none -e "$(printf 'A=\377')" "$ROOTFS" true
expect_rc 125 "an argument that is not UTF-8"
run rm -v ""
expect_rc 1 "rm of an empty name"
[ -d "$LXR_RUN_DIR/_run" ] || fail "rm \"\" removed the run containers' directory"
own=$(cname ownsvol)
run run -d --name "$own" --network none -v /data "$ROOTFS" sh -c 'echo mine > /data/f; exec sleep 60'
expect_rc 0 "run -d with an anonymous volume"
for _ in $(seq 100); do [ -f "$anon/$own/%2Fdata/f" ] && break; sleep 0.05; done
run run --rm --name "$own" --network none "$ROOTFS" true
expect_rc 125 "--rm under a name in use"
[ -f "$anon/$own/%2Fdata/f" ] || fail "a --rm run that never started removed another container's volume"
"$LXR" rm -f -v "$own" >/dev/null
echo keep > cidtaken
run run --rm --name "$(cname cidvol)" --network none --cidfile cidtaken -v cidvol:/x "$ROOTFS" true
expect_rc 125 "--cidfile that exists, with a new volume"
"$LXR" volume ls -q | grep -qx cidvol && fail "a refused run made its volume"
run import -c 'EXPOSE 0.0.0.0:2222:22' "$ROOTFS" lxrtest-hostile:1
expect_rc 0 "import an image whose EXPOSE names a host port"
n=$(cname hostile)
run run -d --name "$n" -P lxrtest-hostile:1 sleep 60
expect_rc 0 "run -P of that image"
run ps
expect_grep "$OUT" "^$n " "it runs"
printf '%s\n' "$OUT" | grep "^$n " | grep -q 2222 && fail "the image chose a host port: $OUT"
"$LXR" rm -f "$n" >/dev/null
pass "options cannot change the host's sysctls, leave lxr's directories, or take another's volume; images choose no host port"

# docker's boolean flags with a value (Go's --rm=true, --init=false)
run run --rm=true --name "$(cname gobool)" --network none --init=false --read-only=1 "$ROOTFS" \
	sh -c 'cat /proc/1/comm; touch /x 2>&1; echo --rm=false'
expect_out "sh
touch: /x: Read-only file system
--rm=false" "--rm=true, --init=false (the command is PID 1), --read-only=1; the command's own args untouched"
n=$(cname keptrm)
run run --rm=false --name "$n" --network none "$ROOTFS" true
expect_rc 0 "--rm=false"
[ -d "$LXR_RUN_DIR/_run/$n" ] || fail "--rm=false removed the container"
"$LXR" rm "$n" >/dev/null
pass "boolean flags take docker's =true / =false"

# --volumes-from: another container's volumes and binds at their targets,
# the same directories (docker's backup habit), its modes or :ro; a -v at
# one of the targets wins; its tmpfs is its own. From an `lxr run -d`
# container and from a stack's, by the name docker gives it.
mkdir -p "$TEST_TMP/vf-host"
echo host-file >"$TEST_TMP/vf-host/f"
src=$(cname vfsrc)
run run -d --name "$src" --network none -v /anon -v "$TEST_TMP/vf-host:/bound:ro" \
	--tmpfs /scratch "$ROOTFS" sh -c 'echo from-src > /anon/a; echo t > /scratch/t; exec sleep 1000'
expect_rc 0 "run -d the source container"
for _ in $(seq 100); do
	"$LXR" exec "$src" cat /anon/a 2>/dev/null | grep -q from-src && break
	sleep 0.05
done
run run --rm --network none --volumes-from "$src" "$ROOTFS" sh -c \
	'cat /anon/a /bound/f; echo back > /anon/b; touch /bound/x 2>/dev/null && echo bound-rw; cat /scratch/t 2>/dev/null || echo no-tmpfs'
expect_rc 0 "--volumes-from an lxr run container"
expect_out "from-src
host-file
no-tmpfs" "its volume and bind (read-only as it has it), not its tmpfs"
run exec "$src" cat /anon/b
expect_out "back" "the same volume: what one writes the other reads"
run run --rm --network none --volumes-from "$src:ro" -v "$TEST_TMP/vf-host:/anon" "$ROOTFS" sh -c \
	'cat /anon/f; touch /bound/y 2>&1 | grep -c "Read-only"'
expect_rc 0 "--volumes-from NAME:ro beside -v"
expect_out "host-file
1" "-v on one of its targets wins; :ro mounts the rest read-only"
run run --rm --network none --volumes-from nosuch-$$ "$ROOTFS" true
expect_rc 125 "--volumes-from a container that is not there"
expect_grep "$ERR" "volumes-from nosuch-$$: no container named nosuch-$$" "says which"
run run --rm --network none --volumes-from "$src:rx" "$ROOTFS" true
expect_rc 125 "--volumes-from NAME:rx"
expect_grep "$ERR" "\"rx\" is not a mode" "says the mode is wrong"
P=vf$$
stack <<Y
name: $P
services:
  db:
    image: @ROOTFS@
    command: ["sh", "-c", "echo stack-data > /data/d; exec sleep 1000"]
    volumes: ["dbdata:/data"]
volumes:
  dbdata:
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
for _ in $(seq 100); do [ -s "$LXR_DATA_DIR/volumes/$P/dbdata/_data/d" ] && break; sleep 0.05; done
mkdir -p "$TEST_TMP/backup"
run run --rm --network none --volumes-from "$P-db-1" -v "$TEST_TMP/backup:/backup" "$ROOTFS" \
	tar -cf /backup/b.tar -C /data .
expect_rc 0 "--volumes-from a stack's container, by its docker name"
tar -xOf "$TEST_TMP/backup/b.tar" ./d | grep -qx stack-data || fail "the backup lacks the volume's file"
run down -f "$STACK" -v
expect_rc 0 "down"
run rm -f -v "$src"
expect_rc 0 "rm the source"
pass "--volumes-from takes another container's volumes and binds, as docker's does"
