#!/bin/bash
# usage: [LXR=build/lxr] bench/up-vs-docker-compose.sh [N] [RUNS]
#
# A chain of N services (default 20; each depends_on the one before it, so
# they start one after another) on the busybox base image, brought up and
# down by lxr and by Debian's docker-compose (1.29, against a private dockerd)
# on this machine, in one run. For each tool, the median of RUNS (default 5)
# of:
#   - `up -d` until every service is running (the tool returned and every
#     container counts as running: `lxr ps --status running`,
#     `docker ps --filter status=running`);
#   - `down`: `lxr down` (its default; lxr-init, PID 1 of each container,
#     passes SIGTERM on to `sleep`, which ends at once) against
#     `docker-compose down -t 0` (a container's PID 1 ignores SIGTERM there,
#     so without -t 0 each would wait its 10 s).
# Both tools use the same image (imported into each store from one rootfs)
# and make one network for the project: lxr's bridge with its nft rules;
# docker's bridge without iptables rules, since the private dockerd runs
# with --iptables=false (bench/private-dockerd.sh: its own data root, socket
# and bridge; started here, removed at the end with everything it made).
# Needs root; docker.io and docker-compose are optional (the comparison is
# skipped with a message); the script installs nothing.
set -euo pipefail
case ${1:-} in -h | --help)
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
	;;
esac
N=${1:-20}
RUNS=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
lxr=$(realpath "${LXR:-$src/build/lxr}")
[ -x "$lxr" ] || { echo "build lxr first (cmake --build build), or set LXR" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "$0 needs root (namespaces, cgroups, a private dockerd)" >&2; exit 1; }

work=$(mktemp -d /tmp/lxr-chainbench.XXXXXX)
# shellcheck source=bench/lxr-dirs.sh
. "$here/lxr-dirs.sh"
lxr_bench_dirs
# shellcheck source=bench/private-dockerd.sh
. "$here/private-dockerd.sh"
have_docker=0
cleanup() {
	set +e
	"$lxr" down -p lxrchain -t 0 >/dev/null 2>&1
	if [ "$have_docker" = 1 ]; then
		(cd "$work/dc" && docker-compose -p dchain down -t 0 >/dev/null 2>&1)
	fi
	dockerd_stop
	lxr_bench_dirs_gone 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$src/examples/make-rootfs.sh" "$work/rootfs" >/dev/null
"$lxr" import -c 'CMD ["/bin/sh"]' "$work/rootfs" lxrbench-base:1 >/dev/null
CHAIN=1 "$here/gen-up-stack.sh" "$N" lxrbench-base:1 lxrchain >"$work/lxr.yaml"

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "-")}'; }
# wait_running CMD...: until CMD prints N lines (bounded: 60 s)
wait_running() {
	local c
	for _ in $(seq 6000); do
		c=$("$@" 2>/dev/null | wc -l) || c=0
		[ "${c:-0}" -ge "$N" ] && return 0
		sleep 0.01
	done
	echo "not every service ran within 60 s: $*" >&2
	return 1
}

echo "lxr: a chain of $N services, $RUNS runs" >&2
for _ in $(seq "$RUNS"); do
	t=$(date +%s%N)
	"$lxr" up -d -p lxrchain -f "$work/lxr.yaml" >"$work/lxr-up.log" 2>&1 || {
		cat "$work/lxr-up.log" >&2
		exit 1
	}
	wait_running "$lxr" ps -p lxrchain -q --status running
	echo "up $(ms "$t")"
	t=$(date +%s%N)
	"$lxr" down -p lxrchain >/dev/null 2>&1
	echo "down $(ms "$t")"
done >"$work/lxr.out"

if ! command -v docker-compose >/dev/null; then
	echo "docker-compose skipped: not installed (apt-get install docker.io docker-compose to compare)" >&2
elif ! dockerd_start "$work/docker"; then
	echo "docker-compose skipped: no private dockerd (apt-get install docker.io to compare)" >&2
else
	have_docker=1
	tar --numeric-owner -C "$work/rootfs" -cf - . | "$DOCKER" import - lxrbench-base:1 >/dev/null
	mkdir -p "$work/dc"
	CHAIN=1 "$here/gen-up-stack.sh" "$N" lxrbench-base:1 - >"$work/dc/docker-compose.yml"
	echo "docker-compose: a chain of $N services, $RUNS runs" >&2
	cd "$work/dc"
	for _ in $(seq "$RUNS"); do
		t=$(date +%s%N)
		docker-compose -p dchain up -d >"$work/dc-up.log" 2>&1 || {
			cat "$work/dc-up.log" >&2
			exit 1
		}
		wait_running "$DOCKER" ps -q --filter status=running --filter label=com.docker.compose.project=dchain
		echo "up $(ms "$t")"
		t=$(date +%s%N)
		docker-compose -p dchain down -t 0 >/dev/null 2>&1
		echo "down $(ms "$t")"
	done >"$work/dc.out"
	cd /
fi

echo
printf '%-32s %12s %12s\n' "chain of $N, median of $RUNS, ms" "up -d" "down"
declare -A up down
for t in lxr dc; do
	[ -f "$work/$t.out" ] || continue
	up[$t]=$(awk '$1 == "up" {print $2}' "$work/$t.out" | median)
	down[$t]=$(awk '$1 == "down" {print $2}' "$work/$t.out" | median)
done
printf '%-32s %12s %12s\n' "lxr" "${up[lxr]}" "${down[lxr]}"
if [ "$have_docker" = 1 ]; then
	printf '%-32s %12s %12s\n' "docker-compose $(docker-compose version --short)" "${up[dc]}" "${down[dc]}"
	printf '%-32s %11sx %11sx\n' "ratio docker-compose/lxr" \
		"$(awk -v a="${up[dc]}" -v b="${up[lxr]}" 'BEGIN {printf "%.1f", a / b}')" \
		"$(awk -v a="${down[dc]}" -v b="${down[lxr]}" 'BEGIN {printf "%.1f", a / b}')"
fi
