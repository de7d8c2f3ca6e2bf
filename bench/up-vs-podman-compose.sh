#!/bin/bash
# Supervisor benchmark: an N-service stack (default 50) on the busybox base
# image, side by side with podman-compose on this machine, in one run.
# Reports, for each tool, the median of RUNS runs (default 3) of:
#   - time from `up -d` until every service is running;
#   - time until every service is healthy (a second stack with checks);
#   - the memory of what supervises the running stack: lxr's one
#     supervisor process, podman's one conmon per container (podman-compose
#     itself exits after `up -d`). RSS and private (unshared) memory.
#   bench/up-vs-podman-compose.sh [N] [RUNS]
# Needs root. podman-compose is optional (Debian: podman podman-compose); the
# script does not install it.
set -euo pipefail
N=${1:-50}
RUNS=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
lxr=${LXR:-$src/build/lxr}
work=$(mktemp -d /tmp/lxr-upbench.XXXXXX)
# shellcheck source=bench/lxr-dirs.sh
. "$here/lxr-dirs.sh"
lxr_bench_dirs
cleanup() {
	"$lxr" down -p upbench >/dev/null 2>&1 || true
	"$lxr" down -p upbenchhc >/dev/null 2>&1 || true
	lxr_bench_dirs_gone 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
"$src/examples/make-rootfs.sh" "$work/rootfs" >/dev/null
# from lxr's image store, as podman's stacks are from podman's (an image
# given as a host path would also do, but starts by lxr's slower way: such
# a path can hang, and the supervisor must not wait on it)
"$lxr" import -c 'CMD ["/bin/sh"]' "$work/rootfs" lxrbench-base:1 >/dev/null
"$here/gen-up-stack.sh" "$N" lxrbench-base:1 upbench > "$work/lxr.yaml"
CHECKS=1 "$here/gen-up-stack.sh" "$N" lxrbench-base:1 upbenchhc > "$work/lxr-hc.yaml"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "never")}'; }
# "rss_kb private_kb" of a set of pids, from smaps_rollup
mem() {
	local rss=0 priv=0
	for p in "$@"; do
		r=$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")
		q=$(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$p/smaps_rollup")
		rss=$((rss + r)); priv=$((priv + q))
	done
	echo "$rss $priv"
}

# Each timed `up` starts on a quiet host (bench/quiet.sh), for both tools.
# shellcheck source=bench/quiet.sh
. "$here/quiet.sh"

# The time, in ms since $1 (date +%s%N), of the last healthy event in an
# events.jsonl: the wait polls slowly, and the supervisor's own stamps
# say when, so the polling neither adds to the time nor takes CPU from
# the starts it measures.
last_healthy_ms() {
	awk -v t0="$1" -F'"time":' '/"state":"healthy"/ {split($2, a, ","); if (a[1] > m) m = a[1]}
		END {printf "%d\n", (m - t0 / 1e9) * 1000}' "$2"
}

lxr_run() {
	local t ev=$LXR_RUN_DIR/upbenchhc/events.jsonl
	quiet
	t=$(date +%s%N)
	"$lxr" up -d -f "$work/lxr.yaml" >/dev/null 2>&1
	echo "running $(ms "$t")"
	sup=$(cat "$LXR_RUN_DIR/upbench/supervisor.lock")
	echo "mem $(mem "$sup")"
	"$lxr" down -p upbench
	quiet
	t=$(date +%s%N)
	"$lxr" up -d -f "$work/lxr-hc.yaml" >/dev/null 2>&1
	until [ "$(grep -c '"state":"healthy"' "$ev")" -ge "$N" ]; do
		sleep 0.2
	done
	echo "healthy $(last_healthy_ms "$t" "$ev")"
	"$lxr" down -p upbenchhc
}

echo "lxr: $N services, $RUNS runs" >&2
for _ in $(seq "$RUNS"); do lxr_run; done > "$work/lxr.out"

have_podman=0
if command -v podman-compose >/dev/null && command -v podman >/dev/null; then
	have_podman=1
	tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
	podman import -q "$work/rootfs.tar" localhost/lxr-bench-busybox >/dev/null
	mkdir -p "$work/pc" "$work/pchc"
	"$here/gen-up-stack.sh" "$N" localhost/lxr-bench-busybox pcbench > "$work/pc/compose.yaml"
	CHECKS=1 "$here/gen-up-stack.sh" "$N" localhost/lxr-bench-busybox pcbenchhc > "$work/pchc/compose.yaml"
	# This sandbox's hard limits are below podman's default nofile/nproc.
	printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n' > "$work/containers.conf"
	echo "podman-compose: $N services, $RUNS runs" >&2
	# crun refuses hybrid cgroup hosts unless the v2 mount is out of sight;
	# podman's netns mounts must stay visible to its later commands: one
	# private mount namespace for the whole podman side.
	CONTAINERS_CONF=$work/containers.conf unshare --mount --propagation private \
		bash -s "$work" "$N" "$RUNS" "$here" > "$work/pc.out" <<'PC'
set -euo pipefail
work=$1 N=$2 RUNS=$3
# shellcheck source=bench/quiet.sh
. "$4/quiet.sh"
mountpoint -q /sys/fs/cgroup/unified && umount /sys/fs/cgroup/unified
# whatever happens, podman's containers and networks go (inside this mount
# namespace, where podman can still see its network namespaces)
teardown() {
	for d in pc pchc; do (cd "$work/$d" && podman-compose down -t 1 >/dev/null 2>&1) || true; done
	# podman-compose 1.0 names the network after the directory (pc_default),
	# later versions after the file's name: (pcbench_default)
	for n in pc_default pchc_default pcbench_default pcbenchhc_default; do
		# CNI leaves the bridge device and its firewall chains behind
		ifc=$(podman network inspect -f '{{.NetworkInterface}}' "$n" 2>/dev/null || true)
		podman network rm -f "$n" >/dev/null 2>&1 || true
		[ -n "$ifc" ] && ip link del "$ifc" 2>/dev/null || true
	done
	# podman's shared CNI-FORWARD/CNI-ADMIN chains stay: other podman
	# networks on the machine may use them, and they are podman's to remove
}
trap teardown EXIT
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
mem() {
	local rss=0 priv=0
	for p in "$@"; do
		rss=$((rss + $(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")))
		priv=$((priv + $(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$p/smaps_rollup")))
	done
	echo "$rss $priv"
}
for _ in $(seq "$RUNS"); do
	cd "$work/pc"
	quiet
	t=$(date +%s%N)
	podman-compose up -d >/dev/null 2>&1
	until [ "$(podman ps -q --filter status=running | wc -l)" -ge "$N" ]; do sleep 0.01; done
	echo "running $(ms "$t")"
	echo "mem $(mem $(pgrep -x conmon))"
	podman-compose down -t 1 >/dev/null 2>&1
	cd "$work/pchc"
	quiet
	t=$(date +%s%N)
	podman-compose up -d >/dev/null 2>&1
	# podman runs health checks from systemd timers: without systemd they
	# never run, so the wait is bounded and says so
	hc=never
	for _ in $(seq 1200); do
		if [ "$(podman ps -q --filter health=healthy | wc -l)" -ge "$N" ]; then
			hc=$(ms "$t")
			break
		fi
		sleep 0.1
	done
	echo "healthy $hc"
	podman-compose down -t 1 >/dev/null 2>&1
done
PC
	podman rmi -f localhost/lxr-bench-busybox >/dev/null 2>&1 || true
fi

report() {
	local f=$1 name=$2
	run=$(awk '$1 == "running" {print $2}' "$f" | median)
	hc=$(awk '$1 == "healthy" {print $2}' "$f" | median)
	rss=$(awk '$1 == "mem" {print $2}' "$f" | median)
	priv=$(awk '$1 == "mem" {print $3}' "$f" | median)
	printf "%-15s %10s ms %10s ms %10s KiB %10s KiB %8s KiB/svc\n" "$name" "$run" "$hc" "$rss" "$priv" "$((priv / N))"
	eval "${3}_run=$run ${3}_hc=$hc ${3}_priv=$priv ${3}_rss=$rss"
}
echo
printf "%-15s %13s %13s %14s %14s %15s\n" "$N services" "to running" "to healthy" "supervisor RSS" "private" ""
report "$work/lxr.out" "lxr" L
if [ "$have_podman" = 1 ]; then
	report "$work/pc.out" "podman-compose" P
	echo
	hcr="n/a (podman never reported healthy: its checks run from systemd timers)"
	[ "$P_hc" != never ] && hcr="$(awk "BEGIN {printf \"%.1f\", $P_hc / $L_hc}")x"
	echo "podman-compose / lxr: running $(awk "BEGIN {printf \"%.1f\", $P_run / $L_run}")x, healthy $hcr, private memory $(awk "BEGIN {printf \"%.1f\", $P_priv / $L_priv}")x"
else
	echo "(podman-compose not installed: apt-get install podman podman-compose to compare)"
fi
