#!/bin/bash
# usage: [LXR=build/lxr] [PEERS="docker podman"] [DOCKER_SAMPLES=30] bench/restart-latency.sh [RESTARTS]
#
# How fast a crashed container comes back: a container whose command exits
# after 5 ms (`/bin/sleep 0.005`) under `restart: always`, from each exit to the next
# start, read from each tool's own event timestamps, on this machine, in one
# run. Prints, for each tool, the median and the 95th percentile (nearest
# rank) of that gap, and of the gap less the delay the tool's restart policy
# scheduled (what the restart itself costs).
#   - lxr: `lxr up -d` of one service with `restart: always` and a zero
#     backoff (x-lxr `backoff: {initial: 0, max: 1ms, reset_after: 1ms}`:
#     each run sleeps 5 ms before it exits, so it counts as a good run and
#     every restart is at once, delay 0), RESTARTS restarts (default 100),
#     from events.jsonl: the `backoff` event caused by `exited` to the next
#     `running`.
#   - docker: `docker run -d --restart always` on a private dockerd
#     (bench/private-dockerd.sh, started here, removed at the end), from
#     `docker events`: `die` to the next `start`. Docker's backoff cannot be
#     set: 100 ms, doubling after each restart of a container that ran under
#     10 s, up to 1 min; so each container gives 6 restarts (delays 0.1 to
#     3.2 s) and is replaced until DOCKER_SAMPLES gaps (default 30) are in.
#   - podman: `podman run -d --restart always` (its restarts have no delay;
#     conmon runs `podman container cleanup`, which restarts the container),
#     RESTARTS restarts, from `podman events` (file backend): `died` to the
#     next `start`. Storage, runroot, tmpdir and event log under this run's
#     temp dir, cgroupfs, in a private mount namespace where a hybrid host's
#     cgroup v2 mount is out of sight (Debian's crun refuses it otherwise).
# Every container is on no network (network_mode: none, --network none), on
# the busybox base image imported into each store from one rootfs. A peer
# that is not installed is skipped with a message (Debian: docker.io,
# podman); nothing is installed. Needs root.
set -euo pipefail
case ${1:-} in -h | --help)
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
	;;
esac
RESTARTS=${1:-100}
DOCKER_SAMPLES=${DOCKER_SAMPLES:-30}
PEERS=${PEERS:-docker podman}
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
lxr=$(realpath "${LXR:-$src/build/lxr}")
[ -x "$lxr" ] || { echo "build lxr first (cmake --build build), or set LXR" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "$0 needs root (namespaces, cgroups, a private dockerd)" >&2; exit 1; }

work=$(mktemp -d /tmp/lxr-restartbench.XXXXXX)
# shellcheck source=bench/lxr-dirs.sh
. "$here/lxr-dirs.sh"
lxr_bench_dirs
# shellcheck source=bench/private-dockerd.sh
. "$here/private-dockerd.sh"
cleanup() {
	set +e
	"$lxr" down -p lxrrestart -t 0 >/dev/null 2>&1
	dockerd_stop
	lxr_bench_dirs_gone 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$src/examples/make-rootfs.sh" "$work/rootfs" >/dev/null
tar --numeric-owner -C "$work/rootfs" -cf "$work/rootfs.tar" .
"$lxr" import -c 'CMD ["/bin/sh"]' "$work/rootfs" lxrbench-base:1 >/dev/null

# gaps FILE: from lines "TIME_NS crash|start" in time order, one line
# "GAP_NS K" per crash followed by a start (K: the restart's number since the
# container was created, counted from 1)
# (Debian's awk is mawk: its numbers are doubles, printed as 1.8e+18 past
# 2^31, so times are made relative to the first event and printed with %.0f.)
gaps() {
	awk '$2 == "crash" {c = $1; k++} $2 == "start" && c != "" {printf "%.0f %d\n", $1 - c, k; c = ""}' "$1"
}
# rel: "TIME_NS WHAT" lines (sorted) to nanoseconds since the first one's second
rel() {
	awk '{s = substr($1, 1, length($1) - 9); n = substr($1, length($1) - 8) + 0
		if (base == "") base = s
		printf "%.0f %s\n", (s - base) * 1e9 + n, $2}'
}

# --- lxr
cat >"$work/lxr.yaml" <<EOF
name: lxrrestart
services:
  crash:
    image: lxrbench-base:1
    command: ["/bin/sleep", "0.005"]
    restart: always
    network_mode: none
    x-lxr:
      backoff: {initial: 0, max: 1ms, reset_after: 1ms}
EOF
echo "lxr: $RESTARTS restarts" >&2
"$lxr" up -d -f "$work/lxr.yaml" >"$work/lxr-up.log" 2>&1 || { cat "$work/lxr-up.log" >&2; exit 1; }
ev=$LXR_RUN_DIR/lxrrestart/events.jsonl
for _ in $(seq 6000); do
	[ "$(grep -c '"state":"running"' "$ev")" -gt "$RESTARTS" ] && break
	sleep 0.1
done
cp "$ev" "$work/lxr-events.jsonl"
"$lxr" down -p lxrrestart -t 0 >/dev/null 2>&1
# "time":1796307883.475060 is seconds.microseconds
awk '{
	match($0, /"time":[0-9]+\.[0-9]+/); split(substr($0, RSTART + 7, RLENGTH - 7), t, ".")
	if (base == "") base = t[1]
	ns = sprintf("%.0f", (t[1] - base) * 1e9 + t[2] * 1000)
	if ($0 ~ /"state":"backoff"/ && $0 ~ /"cause":"exited"/) print ns, "crash"
	else if ($0 ~ /"state":"running"/) print ns, "start"
}' "$work/lxr-events.jsonl" >"$work/lxr.ev"
gaps "$work/lxr.ev" | head -n "$RESTARTS" | awk '{print $1, 0}' >"$work/lxr.gaps"

# --- docker
if [[ " $PEERS " == *" docker "* ]]; then
	if dockerd_start "$work/docker"; then
		echo "docker: $DOCKER_SAMPLES restarts, 6 per container (docker's backoff grows)" >&2
		"$DOCKER" import "$work/rootfs.tar" lxrbench-base:1 >/dev/null
		: >"$work/docker.gaps"
		while [ "$(wc -l <"$work/docker.gaps")" -lt "$DOCKER_SAMPLES" ]; do
			since=$(date +%s)
			id=$("$DOCKER" run -d --restart always --network none lxrbench-base:1 /bin/sleep 0.005)
			for _ in $(seq 300); do
				[ "$("$DOCKER" inspect -f '{{.RestartCount}}' "$id")" -ge 6 ] && break
				sleep 0.1
			done
			# the last restart's start event is out once the count says 6
			sleep 0.2
			"$DOCKER" rm -f "$id" >/dev/null
			"$DOCKER" events --since "$since" --until "$(date +%s)" --filter "container=$id" \
				--format '{{.TimeNano}} {{.Action}}' |
				awk '$2 == "die" {print $1, "crash"} $2 == "start" {print $1, "start"}' |
				sort -n | rel >"$work/docker.ev"
			# docker's k-th restart waits 100 ms * 2^(k-1)
			gaps "$work/docker.ev" | awk '$2 <= 6 {d = 100000000; for (i = 1; i < $2; i++) d *= 2; printf "%s %.0f\n", $1, d}' \
				>>"$work/docker.gaps"
		done
		head -n "$DOCKER_SAMPLES" "$work/docker.gaps" >"$work/docker.g" && mv "$work/docker.g" "$work/docker.gaps"
		dockerd_stop
	else
		echo "docker skipped: no private dockerd (apt-get install docker.io to compare)" >&2
	fi
fi

# --- podman
if [[ " $PEERS " == *" podman "* ]] && ! command -v podman >/dev/null; then
	echo "podman skipped: not installed (apt-get install podman to compare)" >&2
elif [[ " $PEERS " == *" podman "* ]]; then
	echo "podman: $RESTARTS restarts" >&2
	# This sandbox's hard limits are below podman's default nofile/nproc.
	cat >"$work/containers.conf" <<-C
		[containers]
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		[engine]
		events_logger = "file"
		events_logfile_path = "$work/podman/events.log"
	C
	env -u DOCKER_HOST -u DOCKER_CONFIG CONTAINERS_CONF="$work/containers.conf" \
		unshare --mount --propagation private bash -s "$here" "$work" "$RESTARTS" <<-'PODMAN'
		set -euo pipefail
		here=$1 work=$2 RESTARTS=$3
		# shellcheck source=bench/private-podman.sh
		. "$here/private-podman.sh"
		pm import -q "$work/rootfs.tar" localhost/lxrbench-base:1 >/dev/null
		pm run -d --restart always --network none --cgroup-parent /lxrbench-podman \
			--name lxrrestart localhost/lxrbench-base:1 /bin/sleep 0.005 >/dev/null
		for _ in $(seq 6000); do
			n=$(pm inspect -f '{{.RestartCount}}' lxrrestart 2>/dev/null || true)
			[ "${n:-0}" -gt "$RESTARTS" ] && break
			sleep 0.1
		done
		# a container caught between two runs cannot be removed: again
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			pm rm -f -t 0 lxrrestart >/dev/null 2>&1 && break
			sleep 0.2
		done
		pm events --stream=false --filter container=lxrrestart --format '{{.Time.UnixNano}} {{.Status}}' |
			awk '$2 == "died" {print $1, "crash"} $2 == "start" {print $1, "start"}' |
			sort -n >"$work/podman.ev.raw"
	PODMAN
	rel <"$work/podman.ev.raw" >"$work/podman.ev"
	gaps "$work/podman.ev" | head -n "$RESTARTS" | awk '{print $1, 0}' >"$work/podman.gaps"
fi

# stats FILE: "n median p95 median-delay p95-delay" in ms, from "GAP_NS DELAY_NS" lines
stats() {
	local n m p mo po
	n=$(wc -l <"$1")
	[ "$n" -gt 0 ] || { echo "0 - - - -"; return; }
	pick() { sort -n | awk -v n="$n" -v q="$1" '{a[NR] = $1} END {
		i = int(n * q + 0.999999); if (i < 1) i = 1; printf "%.2f", a[i] / 1e6 }'; }
	m=$(awk '{print $1}' "$1" | pick 0.5)
	p=$(awk '{print $1}' "$1" | pick 0.95)
	mo=$(awk '{printf "%.0f\n", $1 - $2}' "$1" | pick 0.5)
	po=$(awk '{printf "%.0f\n", $1 - $2}' "$1" | pick 0.95)
	echo "$n $m $p $mo $po"
}
echo
printf '%-34s %7s %10s %10s %14s %14s\n' "exit -> next start, ms" samples median p95 "median-delay" "p95-delay"
declare -A row=([lxr]="lxr (delay 0)" [docker]="docker (delay 0.1-3.2 s)" [podman]="podman (no delay)")
declare -A over
for t in lxr docker podman; do
	[ -f "$work/$t.gaps" ] || continue
	read -r n m p mo po < <(stats "$work/$t.gaps")
	over[$t]=$mo
	printf '%-34s %7s %10s %10s %14s %14s\n' "${row[$t]}" "$n" "$m" "$p" "$mo" "$po"
done
for t in docker podman; do
	if [ -z "${over[$t]:-}" ] || [ "${over[$t]}" = - ]; then continue; fi
	awk -v a="${over[$t]}" -v b="${over[lxr]}" -v t="$t" \
		'BEGIN {printf "median restart cost (gap less delay) %s/lxr: %.1fx\n", t, a / b}'
done
