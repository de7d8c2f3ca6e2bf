#!/bin/bash
# usage: [LXR=build/lxr] [PEERS="podman docker"] [SETTLE=2] [INIT=1] bench/memory.sh [N]
#
# The memory of what supervises N running containers (default 20), for lxr,
# podman and docker on this machine, in one run; one table.
#   - lxr: `lxr up -d` of an N-service stack: the one supervisor process and
#     the lxr-init that is PID 1 of each container;
#   - podman: N × `podman run -d`: one conmon per container (and with
#     INIT=1, `--init`, the catatonit that is then each container's PID 1,
#     running as podman-init);
#   - docker: N × `docker run -d` on a private dockerd (bench/private-dockerd.sh,
#     started here, removed at the end): dockerd, the containerd it runs,
#     one containerd-shim-runc-v2 per container (and with INIT=1, `--init`,
#     the docker-init that is then each container's PID 1).
# lxr always runs an init as PID 1; docker and podman by default run none
# (the container's command is PID 1): INIT=1 compares like with like.
# Every container is the same: `sh -c 'touch /tmp/ready; exec sleep 100000'`
# on the busybox base image (imported into each store from one rootfs), on
# no network (network_mode: none, --network none), so only the supervision
# is measured. SETTLE seconds after the last container runs (default 2), the
# script sums, over those processes, VmRSS (/proc/PID/status: shared pages
# count in every process) and PSS (/proc/PID/smaps_rollup: shared pages
# split between the processes that map them), and divides by N.
# The containers' own processes (sleep) are in no row.
# podman runs with its storage, runroot and tmpdir under this run's temp dir,
# cgroupfs, containers under the lxrbench-podman cgroup, in a private mount
# namespace where a hybrid host's cgroup v2 mount is out of sight (Debian's
# crun refuses such a host otherwise). A peer that is not installed is
# skipped with a message (Debian: podman, docker.io); nothing is installed.
# Needs root.
set -euo pipefail
case ${1:-} in -h | --help)
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
	;;
esac
N=${1:-20}
SETTLE=${SETTLE:-2}
PEERS=${PEERS:-podman docker}
INIT=${INIT:-0}
init=()
[ "$INIT" = 1 ] && init=(--init)
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
lxr=$(realpath "${LXR:-$src/build/lxr}")
[ -x "$lxr" ] || { echo "build lxr first (cmake --build build), or set LXR" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "$0 needs root (namespaces, cgroups, a private dockerd)" >&2; exit 1; }

work=$(mktemp -d /tmp/lxr-membench.XXXXXX)
# shellcheck source=bench/lxr-dirs.sh
. "$here/lxr-dirs.sh"
lxr_bench_dirs
# shellcheck source=bench/private-dockerd.sh
. "$here/private-dockerd.sh"
cleanup() {
	set +e
	"$lxr" down -p lxrmem -t 0 >/dev/null 2>&1
	dockerd_stop
	lxr_bench_dirs_gone 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# "procs rss_kb pss_kb" of a list of pids
mem() {
	local n=0 rss=0 pss=0 p r q
	for p in "$@"; do
		r=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
		q=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
		n=$((n + 1)) rss=$((rss + ${r:-0})) pss=$((pss + ${q:-0}))
	done
	echo "$n $rss $pss"
}
# wait_count N CMD...: until CMD prints N lines (bounded: 120 s)
wait_count() {
	local want=$1
	local c
	shift
	for _ in $(seq 1200); do
		c=$("$@" 2>/dev/null | wc -l) || c=0
		[ "${c:-0}" -ge "$want" ] && return 0
		sleep 0.1
	done
	echo "not every container ran within 120 s: $*" >&2
	return 1
}

"$src/examples/make-rootfs.sh" "$work/rootfs" >/dev/null
tar --numeric-owner -C "$work/rootfs" -cf "$work/rootfs.tar" .
"$lxr" import -c 'CMD ["/bin/sh"]' "$work/rootfs" lxrbench-base:1 >/dev/null

# --- lxr
NETWORK_MODE=none "$here/gen-up-stack.sh" "$N" lxrbench-base:1 lxrmem >"$work/lxr.yaml"
echo "lxr: $N services" >&2
"$lxr" up -d -f "$work/lxr.yaml" >"$work/lxr-up.log" 2>&1 || { cat "$work/lxr-up.log" >&2; exit 1; }
wait_count "$N" "$lxr" ps -p lxrmem -q --status running
sleep "$SETTLE"
sup=$(cat "$LXR_RUN_DIR/lxrmem/supervisor.lock")
mapfile -t inits < <(pgrep -P "$sup" -x lxr-init)
{
	echo "lxr supervisor+lxr-init $(mem "$sup" "${inits[@]}")"
	echo "detail lxr_supervisor $(mem "$sup")"
	echo "detail lxr-init_x${#inits[@]} $(mem "${inits[@]}")"
} >>"$work/rows"
"$lxr" down -p lxrmem >/dev/null 2>&1

# --- podman
if [[ " $PEERS " == *" podman "* ]] && ! command -v podman >/dev/null; then
	echo "podman skipped: not installed (apt-get install podman to compare)" >&2
elif [[ " $PEERS " == *" podman "* ]]; then
	echo "podman: $N containers" >&2
	# This sandbox's hard limits are below podman's default nofile/nproc.
	cat >"$work/containers.conf" <<-C
		[containers]
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		[engine]
		events_logger = "none"
	C
	env -u DOCKER_HOST -u DOCKER_CONFIG CONTAINERS_CONF="$work/containers.conf" \
		unshare --mount --propagation private bash -s "$here" "$work" "$N" "$SETTLE" "${init[@]}" \
		>>"$work/rows" <<-'PODMAN'
		set -euo pipefail
		here=$1 work=$2 N=$3 SETTLE=$4
		shift 4 # what is left: --init or nothing
		# shellcheck source=bench/private-podman.sh
		. "$here/private-podman.sh"
		pm import -q "$work/rootfs.tar" localhost/lxrbench-base:1 >/dev/null
		for i in $(seq "$N"); do
			pm run -d "$@" --network none --cgroup-parent /lxrbench-podman --name "lxrmem$i" \
				localhost/lxrbench-base:1 sh -c 'touch /tmp/ready; exec sleep 100000' >/dev/null
		done
		for _ in $(seq 1200); do
			[ "$(pm ps -q --filter status=running | wc -l)" -ge "$N" ] && break
			sleep 0.1
		done
		sleep "$SETTLE"
		mapfile -t conmons < <(for p in $(pgrep -x conmon); do
			grep -qF "$work/podman" "/proc/$p/cmdline" 2>/dev/null && echo "$p"
		done)
		cats=()
		for p in "${conmons[@]}"; do
			# (pgrep refuses a pattern longer than a 15-character comm)
			for c in $(pgrep -P "$p"); do
				case $(cat "/proc/$c/comm" 2>/dev/null) in catatonit | podman-init) cats+=("$c") ;; esac
			done
		done
		mem() {
			local n=0 rss=0 pss=0 p r q
			for p in "$@"; do
				r=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
				q=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
				n=$((n + 1)) rss=$((rss + ${r:-0})) pss=$((pss + ${q:-0}))
			done
			echo "$n $rss $pss"
		}
		echo "podman conmon+catatonit $(mem "${conmons[@]}" "${cats[@]}")"
		echo "detail podman_conmon_x${#conmons[@]} $(mem "${conmons[@]}")"
		echo "detail podman_catatonit_x${#cats[@]} $(mem "${cats[@]}")"
	PODMAN
fi

# --- docker
if [[ " $PEERS " == *" docker "* ]]; then
	if dockerd_start "$work/docker"; then
		echo "docker: $N containers" >&2
		"$DOCKER" import "$work/rootfs.tar" lxrbench-base:1 >/dev/null
		for i in $(seq "$N"); do
			"$DOCKER" run -d "${init[@]}" --network none --name "lxrmem$i" lxrbench-base:1 \
				sh -c 'touch /tmp/ready; exec sleep 100000' >/dev/null
		done
		wait_count "$N" "$DOCKER" ps -q --filter status=running
		sleep "$SETTLE"
		mapfile -t ctrd < <(pgrep -P "$DOCKERD_PID" -x containerd)
		mapfile -t shims < <(pgrep -f "containerd-shim-runc-v2.*$work/docker/exec")
		dinits=()
		for p in "${shims[@]}"; do
			mapfile -t -O "${#dinits[@]}" dinits < <(pgrep -P "$p" -x docker-init || true)
		done
		{
			echo "docker dockerd+containerd+shims+docker-init $(mem "$DOCKERD_PID" "${ctrd[@]}" "${shims[@]}" "${dinits[@]}")"
			echo "detail docker_dockerd+containerd $(mem "$DOCKERD_PID" "${ctrd[@]}")"
			echo "detail docker_shims_x${#shims[@]} $(mem "${shims[@]}")"
			echo "detail docker_docker-init_x${#dinits[@]} $(mem "${dinits[@]}")"
		} >>"$work/rows"
		dockerd_stop
	else
		echo "docker skipped: no private dockerd (apt-get install docker.io to compare)" >&2
	fi
fi

echo
printf '%-8s %-44s %6s %11s %11s %10s %10s\n' "$N ctrs" "processes measured" count "VmRSS KiB" "PSS KiB" "RSS/ctr" "PSS/ctr"
awk -v n="$N" '$1 != "detail" {
	printf "%-8s %-44s %6d %11d %11d %10d %10d\n", $1, $2, $3, $4, $5, $4 / n, $5 / n
}' "$work/rows"
echo
echo "the parts:"
awk '$1 == "detail" {printf "  %-38s %6d %11d %11d\n", $2, $3, $4, $5}' "$work/rows"
awk '$1 == "lxr" {l = $5} $1 != "lxr" && $1 != "detail" && l {
	printf "PSS %s/lxr: %.1fx\n", $1, $5 / l
}' "$work/rows"
