#!/bin/sh
# usage (inside the test VM): power-cut-guest.sh LXR ROOTFS ROUND CUT
#
# One boot of the power-cut test (tests/vm/power-cut.sh runs the rounds).
# lxr's data, run and log directories are on /dev/vda (ext4 on a virtio
# disk the host keeps between boots). Round 0 makes the images, the build
# context and the stack; every round then checks what the last power cut
# left: `lxr doctor` lists the leftovers (PCUT_LEFT lines), `--repair`
# removes them and finds nothing after, the images are there and run, the
# stack comes up healthy, the volume is there. Then, unless CUT is "none",
# it loads, imports, builds, writes the volume and takes the stack down and
# up again in a loop until the power goes: the host kills QEMU (CUT "host")
# or the guest resets without a sync (CUT "sysrq:SECONDS", after that many
# seconds). Lines starting with PCUT_ are for the host; PCUT_CHECK_OK ROUND
# says the checks passed. CUT "boottime" only brings the stack up and says
# when it was healthy (PCUT_BOOTTIME, guest uptime).
LXR=$1
ROOTFS=$2
ROUND=$3
CUT=$4
D=/tmp/pdisk
export LXR_DATA_DIR=$D/data LXR_RUN_DIR=$D/run LXR_LOG_DIR=$D/log LXR_CONFIG=/nonexistent
fails=0

say() { echo "PCUT_$*"; }
bad() {
	say "FAIL round $ROUND: $*"
	fails=$((fails + 1))
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# where the boot is, so that a round that hangs says in which step
step() { say "STEP round $ROUND: $* (uptime $(uptime_s)s)"; }
rand() { # 0..$1-1
	echo $(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1))
}

# A round hung in CI with the guest kernel reporting soft lockups (lxr
# and a kworker stuck on the two CPUs) and no backtrace, which the
# console's "quiet" level hides: let the warning level through, and have
# a lockup show every CPU's stack and a task stuck asleep for 30 s its
# own, so the next such log says where.
echo 5 >/proc/sys/kernel/printk
echo 1 >/proc/sys/kernel/softlockup_all_cpu_backtrace 2>/dev/null
echo 30 >/proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
mkdir -p $D
step "mount /dev/vda"
mount -t ext4 /dev/vda $D || {
	say "FAIL round $ROUND: mount /dev/vda"
	exit 1
}
step "mounted"

setup() {
	mkdir -p $D/ctx $D/extra $D/stack
	"$LXR" import -c 'CMD ["/bin/sh"]' "$ROOTFS" pbase:1 >/dev/null || bad "import pbase:1"
	printf 'FROM pbase:1\nRUN echo built > /built\n' >$D/ctx/Dockerfile
	"$LXR" build -q --network none -t papp:1 $D/ctx >/dev/null || bad "build papp:1"
	# an archive whose layer is big enough for a cut to land in its load
	cp -a "$ROOTFS" $D/extra/root
	head -c 2000000 /dev/urandom >$D/extra/root/payload
	echo extra >$D/extra/root/marker
	"$LXR" import $D/extra/root pextra:1 >/dev/null || bad "import pextra:1"
	"$LXR" save -o $D/pextra.tar pextra:1 || bad "save pextra:1"
	rm -rf $D/extra
	cat >$D/stack/compose.yaml <<Y
name: pcut
services:
  web:
    image: papp:1
    network_mode: none
    command: ["/bin/sh", "-c", "while :; do head -c 1000000 /dev/urandom > /data/blob.new && mv /data/blob.new /data/blob; date > /data/t; sleep 0.5; done"]
    volumes: ["pvol:/data"]
    # "true", not a look at the image: in this VM lxr runs chrooted into
    # the host's /, and a check (like lxr exec) enters the mount
    # namespace's root, the initramfs, not the container's (lxr run
    # checks the image instead)
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      start_interval: 200ms
      start_period: 30s
volumes:
  pvol: {}
Y
	sync
	[ "$fails" -eq 0 ] && touch $D/setup.done && sync
}

images() { "$LXR" image ls 2>&1 | awk 'NR > 1 { sub("^docker.io/library/", "", $1); print $1 ":" $2 }'; }

# An image the last boot may have been making: if it is listed, it runs.
listed_runs() { # IMAGE FILE WANT
	if images | grep -qx "$1"; then
		got=$("$LXR" run --rm --network none "$1" cat "$2" 2>&1 | head -c 200)
		[ "$got" = "$3" ] || bad "$1 is listed but does not run: $got"
	fi
}

check() {
	step "lxr doctor"
	out=$("$LXR" doctor 2>&1)
	printf '%s\n' "$out" | grep '^left ' | sed 's/^/PCUT_LEFT /'
	say "LEFT_COUNT $(printf '%s\n' "$out" | grep -c '^left ')"
	step "lxr doctor --repair"
	out=$("$LXR" doctor --repair 2>&1)
	printf '%s\n' "$out" | grep -q '^ok \+leftovers: nothing left' ||
		bad "doctor --repair left something: $(printf '%s\n' "$out" | grep -E '^(left|kept|warn) ')"
	step "images"
	imgs=$(images)
	for i in pbase:1 papp:1; do
		printf '%s\n' "$imgs" | grep -qx "$i" || bad "$i is gone from lxr images: $imgs"
	done
	got=$("$LXR" run --rm --network none papp:1 cat /built 2>&1)
	[ "$got" = built ] || bad "papp:1 does not run: $got"
	listed_runs pextra:1 /marker extra
	listed_runs pimp:1 /marker imp
	listed_runs pbuild:1 /step built-again
	say "UP_START round $ROUND uptime=$(uptime_s)s"
	if ! "$LXR" up -d --wait --wait-timeout 120 -f $D/stack/compose.yaml >/tmp/up.out 2>&1; then
		bad "up: $(tail -n 5 /tmp/up.out)"
	else
		say "HEALTHY round $ROUND uptime=$(uptime_s)s"
	fi
	"$LXR" -p pcut ps 2>&1 | grep -q 'web-1 .*healthy' || bad "web is not healthy: $("$LXR" -p pcut ps 2>&1)"
	"$LXR" volume ls 2>&1 | grep -q pcut_pvol || bad "volume pcut_pvol is gone"
}

# What runs while the power goes. Each step is a whole command; the cut
# lands anywhere inside one.
workload() {
	n=0
	while :; do
		n=$((n + 1))
		case $(rand 6) in
		0) "$LXR" -p pcut down -t 1 >/dev/null 2>&1
		   "$LXR" up -d --wait -f $D/stack/compose.yaml >/dev/null 2>&1 ;;
		1) "$LXR" rmi pextra:1 >/dev/null 2>&1
		   "$LXR" image prune >/dev/null 2>&1
		   "$LXR" load -i $D/pextra.tar >/dev/null 2>&1
		   "$LXR" run --rm --network none pextra:1 true >/dev/null 2>&1 ;;
		2) rm -rf /tmp/imp && cp -a "$ROOTFS" /tmp/imp && echo imp >/tmp/imp/marker
		   head -c 2000000 /dev/urandom >/tmp/imp/noise
		   "$LXR" import /tmp/imp pimp:1 >/dev/null 2>&1
		   "$LXR" run --rm --network none pimp:1 true >/dev/null 2>&1
		   "$LXR" image prune >/dev/null 2>&1 ;;
		3) printf 'FROM pbase:1\nRUN echo built-again > /step && head -c 500000 /dev/urandom > /noise\n' \
			>$D/ctx/Dockerfile.again
		   "$LXR" build -q --no-cache --network none -t pbuild:1 -f $D/ctx/Dockerfile.again $D/ctx >/dev/null 2>&1 ;;
		4) "$LXR" run --rm --network none -v pcut_pvol:/data pbase:1 sh -c \
			'head -c 3000000 /dev/urandom > /data/run.new && mv /data/run.new /data/run' \
			>/dev/null 2>&1
		   "$LXR" volume create pv$n >/dev/null 2>&1
		   "$LXR" volume rm pv$((n - 1)) >/dev/null 2>&1 ;;
		5) "$LXR" -p pcut restart web >/dev/null 2>&1 ;;
		esac
	done
}

if [ "$CUT" = boottime ]; then
	# kernel start to the stack healthy, as a box boots: nothing else first
	"$LXR" up -d --wait --wait-timeout 120 -f $D/stack/compose.yaml >/tmp/up.out 2>&1 ||
		bad "up: $(tail -n 5 /tmp/up.out)"
	say "BOOTTIME uptime=$(uptime_s)s"
	"$LXR" -p pcut down -t 1 >/dev/null 2>&1
	umount $D
	exit "$fails"
fi
[ -f $D/setup.done ] || { step "setup"; setup; }
check
if [ "$fails" -eq 0 ]; then
	say "CHECK_OK $ROUND"
else
	say "CHECK_FAILED $ROUND"
fi
case $CUT in
none)
	"$LXR" -p pcut down -t 1 >/dev/null 2>&1 || bad "down"
	umount $D || bad "umount"
	exit "$fails" ;;
host)
	say "READY $ROUND"
	workload ;;
sysrq:*)
	say "READY $ROUND"
	workload &
	sleep "${CUT#sysrq:}"
	say "CUT $ROUND"
	# a reset without syncing or unmounting: what the disk has is what a
	# power cut leaves (QEMU runs with -no-reboot, so it exits)
	echo b >/proc/sysrq-trigger ;;
esac
sleep 1000
