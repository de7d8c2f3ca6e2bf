#!/bin/bash
# Escapes tried from inside containers, as an attacker would, with a static
# probe (escape_probe.c) making plain syscalls: PID 1 must show nothing of
# the host or of other services; a process entering the container (lxr exec,
# a health check) must hold no host descriptor and be closed to /proc while
# it does; a working directory swapped for a magic link must not be
# followed; `lxr run`'s output must not be a host file the container can
# reopen; a volume must neither replace the null device the masks bind nor
# be mounted inside /proc. The races are looped for several seconds.
. "$(dirname "$0")/lib.sh"

PROBE="$LXR_BUILD_DIR/tests/escape_probe"
[ -x "$PROBE" ] || fail "probe not built: $PROBE"
# The probe lives in the image (a copy of the test rootfs), not in a bind
# mount: a bind from the host's filesystem would make host files look like
# the container's own to the probe's check.
IMG="$TEST_TMP/img"
cp -a "$ROOTFS" "$IMG"
cp "$PROBE" "$IMG/probe"

# ---- PID 1 holds nothing of the host ----------------------------------------
export LXR_TEST_HOST_SECRET="host-env-$$-secret"
run run --rm --network none "$IMG" /probe proc1 "$LXR_TEST_HOST_SECRET"
expect_rc 0 "PID 1 of lxr run: $OUT"
expect_out held "PID 1 of lxr run"
# lxr-init names itself once it runs, which the command may beat (its comm
# is the memfd's name until then): wait for that, boundedly
run run --rm --network none "$IMG" /bin/sh -c 'for i in $(seq 200); do
	grep -q "^Name:.memfd" /proc/1/status || break; sleep 0.01; done
grep -E "^(Name|VmRSS)" /proc/1/status'
expect_grep "$OUT" "Name:.lxr-init" "PID 1 is lxr-init"
rss=$(echo "$OUT" | sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p')
[ "$rss" -lt 100 ] || fail "lxr-init uses $rss KiB, expected tens of KiB"
pass "PID 1 (lxr-init, $rss KiB) shows no exe, environ, mem or fds to the container"

# ---- lxr run's stdout is a pipe, not the caller's file ----------------------
out="$TEST_TMP/run-out.txt"
echo "HOST-WROTE-THIS-$$" >"$out"
set +e
"$LXR" run --rm --network none "$IMG" /probe stdio "HOST-WROTE-THIS-$$" >>"$out" 2>&1
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "lxr run's container read its caller's stdout file back: $(cat "$out")"
grep -q '^held$' "$out" || fail "stdio probe: $(cat "$out")"
pass "lxr run gives the container pipes: the caller's output file cannot be reopened"

# ---- the host's lxr binary never runs in a container ------------------------
# Every command lxr starts in a container is exec'd by a process that was a
# fork of lxr: a path that leads back to /proc/self/exe (a link to it, a
# script whose #! names it) would run the host's lxr in there (the
# CVE-2019-5736 pattern). The image carries the libraries lxr links, as a
# glibc-based image would, so that binary could start if it were reached.
for lib in $(ldd "$LXR" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i}'); do
	mkdir -p "$IMG$(dirname "$lib")"
	cp -L "$lib" "$IMG$lib"
done
ln -s /proc/self/exe "$IMG/self"
printf '#!/proc/self/exe\n' >"$IMG/selfscript"
chmod 755 "$IMG/selfscript"
run run --rm --network none "$IMG" /self --version
echo "$OUT $ERR" | grep -q "lxr [0-9]" && fail "lxr run's command ran the host's lxr: $OUT"
[ "$RC" -ne 0 ] || fail "/self ran to success: $OUT"
run run --rm --network none "$IMG" /selfscript --version
echo "$OUT $ERR" | grep -q "lxr [0-9]" && fail "a #!/proc/self/exe script ran the host's lxr: $OUT"
pass "an entrypoint through /proc/self/exe never reaches the host's lxr binary"

# ---- a stack: neighbours, exec and health-check races ------------------------
stack <<Y
name: esc$$
services:
  secretive:
    image: $IMG
    command: ["/bin/sh", "-c", "exec sleep 1000"]
    environment:
      NEIGHBOUR_SECRET: "neighbour-$$-secret"
  target:
    image: $IMG
    working_dir: /work
    command: ["/bin/sh", "-c", "touch /work/inside-work; /probe swapcwd /work 8 >/tmp/swap.txt & /probe fdscan 9 >/tmp/scan.txt; wait; exec sleep 1000"]
    healthcheck:
      test: ["CMD-SHELL", "ls -a . > /tmp/hc.\$\$\$\$ 2>&1"]
      interval: 20ms
      timeout: 2s
      retries: 1000
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
# Canaries in the supervisor's own directories: a check that lands in one
# of them lists it.
canaries="$LXR_RUN_DIR/$PROJECT/HOST-CANARY $LXR_LOG_DIR/$PROJECT/HOST-CANARY $TEST_TMP/HOST-CANARY"
at_exit rm -f $canaries
touch $canaries

run exec -f "$STACK" -w / target /probe proc1 "neighbour-$$-secret"
expect_rc 0 "a neighbour's secrets through PID 1: $OUT"
pass "a service's PID 1 holds no neighbour's environment"

for cmd in /self /selfscript; do
	run exec -f "$STACK" -w / target $cmd --version
	echo "$OUT $ERR" | grep -q "lxr [0-9]" && fail "lxr exec $cmd ran the host's lxr: $OUT"
done
pass "lxr exec through /proc/self/exe never reaches the host's lxr binary"

# lxr exec in a loop from a shell holding a host directory descriptor (7)
# and writing to a host file, while fdscan opens every /proc/PID/fd/N.
end=$((SECONDS + 7))
n=0
(
	exec 7<"$TEST_TMP"
	while [ $SECONDS -lt $end ]; do
		"$LXR" exec -f "$STACK" target /bin/true >>"$TEST_TMP/exec-out.txt" 2>&1 || true
		n=$((n + 1))
	done
	echo "$n" >"$TEST_TMP/exec-count"
)
sleep 3 # fdscan runs 9 s from the start
run exec -f "$STACK" -w / target cat /tmp/scan.txt
expect_grep "$OUT" "^held \([0-9]+ rounds\)$" "fdscan found a host descriptor (exec/health-check race): $OUT"
run exec -f "$STACK" -w / target cat /tmp/swap.txt
expect_grep "$OUT" "^swapped [0-9]+ times$" "the working directory was swapped"
pass "$(cat "$TEST_TMP/exec-count") execs and the health checks held no host descriptor open to the container"

run exec -f "$STACK" -w / target /bin/sh -c 'cat /tmp/hc.* 2>/dev/null | sort -u'
echo "$OUT" | grep -q HOST-CANARY && fail "a health check ran in a host directory: $OUT"
expect_grep "$OUT" "^inside-work$" "health checks ran in the working directory"
pass "health checks never followed a working directory swapped for /proc/self/fd/N"

# A working directory that is a magic link is refused outright, not only
# harmless because the descriptor behind it is gone.
run exec -f "$STACK" -w / target /bin/sh -c 'ln -s /proc/self/fd/3 /magic'
run exec -f "$STACK" -w /magic target /bin/true
expect_rc 125 "exec into a working directory that is a link to /proc/self/fd/3"
expect_grep "$ERR" "refuses to follow" "the refusal says why"
pass "a working directory through a magic link is refused"

rm -f $canaries
run down -p "$PROJECT"
expect_rc 0 "down"

# ---- lxr-init is never traceable as it starts an exec ----------------------
# Until it execs the command, lxr-init holds the sync socket to the lxr
# that started it. Between an execve and a program's first instruction the
# kernel leaves a readable executable dumpable, and ptrace needs no
# capability for a dumpable process of the tracer's uid: the probe seizes
# every new process of the container as it appears, and must never catch
# lxr-init (its memfd is execute-only, so the kernel makes it non-dumpable
# from the execve on). The commands it catches show it is fast enough.
tr=$(cname tracer)
run run -d --name "$tr" --network none "$IMG" /bin/sh -c '/probe seize 6 >/tmp/seize.txt 2>&1; exec sleep 1000'
expect_rc 0 "run -d of the tracer"
end=$((SECONDS + 5))
n=0
while [ $SECONDS -lt $end ]; do
	"$LXR" exec "$tr" /bin/sleep 0.02 >/dev/null 2>&1 || true
	"$LXR" exec -u 1000 "$tr" /bin/sleep 0.02 >/dev/null 2>&1 || true
	n=$((n + 2))
done
for _ in $(seq 50); do
	[ -n "$("$LXR" exec "$tr" cat /tmp/seize.txt 2>/dev/null)" ] && break
	sleep 0.1
done
run exec "$tr" cat /tmp/seize.txt
# Yama's ptrace_scope 1 or more lets no process trace one that is not its
# descendant: nothing is traceable then, lxr-init no more than the rest
if [ "$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)" -gt 0 ]; then
	expect_grep "$OUT" "^held \(" "the tracer caught lxr-init: $OUT"
else
	expect_grep "$OUT" "^held \([1-9][0-9]* commands traced" "the tracer caught lxr-init, or no command at all: $OUT"
fi
"$LXR" rm -f "$tr" >/dev/null
pass "$n execs: lxr-init was never traceable ($OUT)"

# ---- lxr exec while a container is still starting ---------------------------
# Its mount namespace is a copy of the host's until it has pivoted into its
# own root: an exec that joined it then would run in the host's tree. A
# volume filled from 20000 image files makes the start slow enough to race.
mkdir -p "$IMG/data"
(cd "$IMG/data" && seq 20000 | xargs touch)
touch "$TEST_TMP/HOST-ONLY"
stack <<Y
name: slow$$
services:
  slow:
    image: $IMG
    command: ["/bin/sh", "-c", "exec sleep 1000"]
    volumes: ["filled:/data"]
volumes:
  filled: {}
Y
"$LXR" up -d -f "$STACK" >/dev/null 2>&1 &
up=$!
hits=0 tries=0
while kill -0 "$up" 2>/dev/null; do
	out=$("$LXR" exec -p "$PROJECT" -w / slow /bin/sh -c "test -e '$TEST_TMP/HOST-ONLY' && echo HOST" 2>/dev/null || true)
	tries=$((tries + 1))
	[ "$out" = HOST ] && hits=$((hits + 1))
done
wait "$up" || fail "up -d of the slow stack"
[ "$hits" -eq 0 ] || fail "$hits of $tries execs during start-up ran in the host's filesystem"
run exec -p "$PROJECT" -w / slow /bin/sh -c "test -e '$TEST_TMP/HOST-ONLY' && echo HOST || echo container"
expect_out container "exec once the container runs"
pass "$tries execs during a slow start never ran in the host's filesystem"
run down -p "$PROJECT" -v
expect_rc 0 "down the slow stack"

# ---- a hosts file grown huge does not reach its neighbours ------------------
# /etc/hosts is the container's to write, and lxr rewrites every hosts file
# on a network when a container joins or leaves: a file grown to 300 MB
# must not make the next container's lxr allocate and write 300 MB.
big=$(cname bighosts)
run run -d --name "$big" "$ROOTFS" /bin/sh -c 'truncate -s 300M /etc/hosts && touch /tmp/grown; exec sleep 1000'
expect_rc 0 "a container that grows its /etc/hosts"
at_exit "$LXR" rm -f "$big"
for _ in $(seq 200); do "$LXR" exec "$big" test -e /tmp/grown 2>/dev/null && break; sleep 0.05; done
rss=$(python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$LXR" run --rm --name "$(cname neighbour)" "$ROOTFS" true) ||
	fail "a run beside the grown hosts file failed"
[ "$rss" -lt 102400 ] || fail "a neighbour's lxr run peaked at $rss KiB beside a 300 MB /etc/hosts"
run exec "$big" /bin/sh -c 'wc -c < /etc/hosts; grep -c "$(hostname)" /etc/hosts'
expect_grep "$OUT" "^[0-9]{1,4}$" "the grown hosts file was rewritten to its lines"
run rm -f "$big"
pass "a container's 300 MB /etc/hosts cost its neighbour's lxr run $rss KiB, and was rewritten"

# ---- a volume's copy-up never follows what another container swaps in ----------
# A container sharing an empty named volume swaps every entry the next
# container's copy-up from its image makes for a link to a host file: the
# copy's owner, mode and times must go on what it made, never through the
# link (the copy runs before that container's pivot_root).
victim="$TEST_TMP/victim" && echo secret > "$victim" && chmod 600 "$victim"
imgB="$TEST_TMP/imgB"
cp -a "$IMG" "$imgB"
mkdir -p "$imgB/data"
# files large enough that their copy outlasts the swapper's rename
for i in $(seq 64); do head -c 262144 /dev/zero > "$imgB/data/f$i"; chmod 4777 "$imgB/data/f$i"; done
vol="escvol$$"
run volume create "$vol"
expect_rc 0 "a shared volume"
at_exit "$LXR" volume rm -f "$vol"
swap=$(cname swapper)
run run -d --name "$swap" --network none -v "$vol:/data" "$IMG" /probe swapvol /data "$victim"
expect_rc 0 "a container that swaps the volume's new entries for links"
at_exit "$LXR" rm -f "$swap"
for _ in $(seq 100); do "$LXR" logs "$swap" 2>/dev/null | grep -q watching && break; sleep 0.05; done
"$LXR" run --rm --network none -v "$vol:/data" "$imgB" true >/dev/null 2>&1 || true
[ "$(stat -c %a "$victim")" = 600 ] || fail "a volume's copy-up changed a host file through a swapped link: mode $(stat -c %a "$victim")"
[ "$(cat "$victim")" = secret ] || fail "a volume's copy-up wrote a host file through a swapped link"
run rm -f "$swap"
pass "a volume's copy-up from an image holds against a neighbour swapping its entries for links"

# ---- a volume's copy-up reads the image, not the kernel's files ------------------
# An image whose mount point is a link into /sys (or /proc) must fill the
# new volume with what the image has there, as docker copies from the
# container's root filesystem: never with the kernel's files mounted over
# it, read as host root before the masks hide them (/sys/firmware's ACPI
# and DMI tables, the powercap counters).
imgS="$TEST_TMP/imgS"
cp -a "$IMG" "$imgS"
mkdir -p "$imgS/sys/kernel"
echo image-own > "$imgS/sys/kernel/mine"
rm -rf "$imgS/data" "$imgS/fw"
ln -s /sys/kernel "$imgS/data"
ln -s /../../sys/firmware "$imgS/fw"
svol="escsys$$"
at_exit "$LXR" volume rm -f "$svol" "$svol-fw"
run run --rm --network none -v "$svol:/data" -v "$svol-fw:/fw" "$imgS" true
expect_rc 0 "a container whose volume mount points link into /sys: $OUT"
run run --rm --network none -v "$svol:/v" -v "$svol-fw:/w" "$IMG" sh -c 'ls -A /v; echo ---; ls -A /w'
expect_rc 0 "the volumes read back"
[ "$OUT" = "mine
---" ] || fail "a volume was filled from the kernel's /sys, not the image's: $OUT"
run volume rm "$svol" "$svol-fw"
pass "a volume's copy-up through a link into /sys copies the image's own files"

# ---- a neighbour's router advertisement is not taken ----------------------------
# On an IPv6 network every container holds CAP_NET_RAW (docker's default
# set): one that sends router advertisements must not give its neighbours
# an address of its choosing, nor itself as their default route (it would
# see their traffic). lxr sets both itself. Nor the host's, through the
# bridge: on an IPv6 network or an IPv4-only one (where the container's
# eth0 has IPv6 off, but a whole frame still goes out), as docker's.
if [ -e /proc/sys/net/ipv6 ]; then
	spoof() { # SERVICE PREFIX
		run exec -f "$STACK" "$1" /probe ra eth0 "$2"
		if [ -n "${LXR_TEST_USERNS:-}" ]; then
			# the network namespace belongs to the host's user namespace, so
			# the container's CAP_NET_RAW (its own namespace's) opens no raw socket
			expect_grep "$OUT" "cannot send on eth0: Operation not permitted" "in a user namespace, no raw socket: $OUT"
		else
			expect_grep "$OUT" "^sent [1-9]" "the $1 sends router advertisements: $OUT"
		fi
		host=$(ip -6 addr show; ip -6 route show)
		echo "$host" | grep -q "fd00:bad:" && fail "a container's advertisement gave the host an address or route: $(echo "$host" | grep "fd00:bad:")"
		if echo "$host" | grep -q "dev lxr-.* proto ra"; then fail "a container's advertisement became a host route: $host"; fi
	}
	# first alone, IPv4 only: the host forwards no IPv6 then, and an
	# interface that does not forward takes advertisements by default
	stack <<Y
name: escra4$$
services:
  spoofer4:
    image: $IMG
    command: ["sleep", "1000"]
Y
	run up -d -f "$STACK"
	expect_rc 0 "up -d of an IPv4-only network with a spoofer"
	spoof spoofer4 fd00:bad:4:2::
	run down -f "$STACK"
	stack <<Y
name: escra$$
services:
  victim:
    image: $IMG
    command: ["sleep", "1000"]
    networks: [v6]
  spoofer:
    image: $IMG
    command: ["sleep", "1000"]
    networks: [v6]
networks:
  v6:
    enable_ipv6: true
Y
	run up -d -f "$STACK"
	expect_rc 0 "up -d of an IPv6 network with a spoofer"
	spoof spoofer fd00:bad:1:2::
	run exec -f "$STACK" victim sh -c 'ip -6 addr show dev eth0; ip -6 route show'
	echo "$OUT" | grep -q "fd00:bad:1:2:" && fail "a neighbour's advertisement gave the victim an address: $OUT"
	echo "$OUT" | grep -q "default via fe80" && fail "a neighbour's advertisement became the victim's default route: $OUT"
	expect_grep "$OUT" "^default via " "the victim keeps lxr's IPv6 default route"
	run down -f "$STACK"
	pass "a container's router advertisements gave its neighbours and the host no address and no route"
else
	echo "SKIP (this section): the kernel has no IPv6 (ipv6.disable=1)"
fi

# ---- what enters a container holds no more than the container -----------------
# With CAP_SYS_PTRACE (a cap_add) a container reads the status, environ and
# memory of every process in it, and could trace them: a health check's or
# an exec's process must be born with the container's credentials, hold
# nothing of the host's environment, and, until its exec, no memory of the
# lxr that made it (a supervisor's holds every service's environment: here
# another service's secret, which the probe looks for in hex).
other_secret="other-service-secret-$$-$RANDOM"
other_hex=$(printf %s "$other_secret" | od -An -tx1 | tr -d ' \n')
stack <<Y
name: esctr$$
services:
  other:
    image: $IMG
    command: ["sleep", "1000"]
    environment:
      OTHER_SECRET: $other_secret
  tracer:
    image: $IMG
    cap_add: [SYS_PTRACE]
    command: ["/bin/sh", "-c", "/probe capscan 8 '$LXR_TEST_HOST_SECRET' $other_hex >/tmp/caps.txt 2>&1; exec sleep 1000"]
    healthcheck:
      test: ["CMD", "/bin/true"]
      interval: 20ms
      timeout: 2s
      retries: 1000
Y
run up -d -f "$STACK"
expect_rc 0 "up -d of the tracer"
end=$((SECONDS + 6))
while [ $SECONDS -lt $end ]; do
	"$LXR" exec -f "$STACK" tracer /bin/true >/dev/null 2>&1 || true
done
for _ in $(seq 100); do
	run exec -f "$STACK" tracer cat /tmp/caps.txt
	[ -n "$OUT" ] && break
	sleep 0.1
done
expect_grep "$OUT" "^held \([0-9]+ rounds, [0-9]+ processes read, [1-9][0-9]* memories\)$" "a process entering the container, seen with CAP_SYS_PTRACE: $OUT"
scanned=$OUT
run down -f "$STACK"
pass "execs and health checks held no capability, no host environment and no other service's secret beyond the container's ($scanned)"

# ---- what a volume holds never steers lxr's masks or its writes ---------------
# A named volume is another container's to write while this one starts. On
# /dev, its null may be a link: masking /proc/keys "with /dev/null" would
# bind what the link names (the host's core_pattern) writable over it. In
# /proc, its links would lead what lxr writes there as root (the sysctls it
# sets in a network namespace of the container's own) to a file of the
# volume's choosing: here one of the image's, on a host the knob of the
# host's kernel the link names. Both are refused, as runc refuses them.
vol="escproc$$"
run volume create "$vol"
expect_rc 0 "a volume for links"
at_exit "$LXR" volume rm -f "$vol"
echo untouched >"$IMG/etc/gadget"
run run --rm --network none -v "$vol:/data" "$IMG" /bin/sh -c \
	'ln -s /proc/sys/kernel/core_pattern /data/null && mkdir /data/ipv4 &&
	ln -s /etc/gadget /data/ipv4/ip_unprivileged_port_start'
expect_rc 0 "a container leaves links in a volume"
# -i: a pipe for stdin, so nothing opens /dev/null before the masks do
run run --rm -i --network none -v "$vol:/dev" "$IMG" cat /proc/keys </dev/null
[ "$RC" -eq 0 ] && fail "a /dev/null that links to core_pattern masked /proc/keys: it reads [$OUT]"
expect_rc 125 "a volume on /dev whose null is a link"
expect_grep "$ERR" "mask /proc/[a-z_]+: /dev/null in the container is not the null device" "the refusal names the mask"
run run --rm --network none -v "$vol:/proc/sys/net" "$IMG" cat /etc/gadget
[ "$OUT" = 0 ] && fail "lxr wrote its sysctl through a link in a volume on /proc/sys/net"
expect_rc 125 "a volume on /proc/sys/net"
expect_grep "$ERR" "mount on /proc/sys/net: that is inside the container's /proc" "the refusal names the target"
run run --rm --network none --tmpfs /proc/sys "$IMG" true
expect_rc 125 "a tmpfs on /proc/sys"
# what stays allowed: a real null device on /dev, and lxcfs's files
echo "MemTotal: 42 kB" >"$TEST_TMP/meminfo"
run run --rm --network none -v /dev:/dev -v "$TEST_TMP/meminfo:/proc/meminfo:ro" "$IMG" \
	/bin/sh -c 'wc -c </proc/keys; cat /proc/meminfo'
expect_out "0
MemTotal: 42 kB" "the host's /dev bound on /dev, a file bound on /proc/meminfo"
run volume rm "$vol"
pass "a volume's links neither replace the null device of the masks nor lead lxr's sysctl writes"
