#!/bin/bash
# How `up -d` scales with the number of services, on one network: for each
# N given (default 10 50 100 200), the milliseconds from `up -d` until
# every service runs (per service too); the memory of what supervises them
# SETTLE seconds later (default 2: the supervisor gives back what a burst
# of work left one second after it), VmRSS and PSS summed over the
# supervisor and each container's lxr-init, in all, per service, and per
# service added since the row before (the supervisor's own fixed part out
# of it), as bench/memory.sh counts them; and, from a second run under strace, how
# many times the supervisor opened a container's /etc/hosts file for
# writing. Each time is the median of RUNS timed `up -d` (default 3, each
# on a quiet host); the memory is the last run's. Raises nothing: the
# shell's own RLIMIT_NOFILE applies.
#   [LXR=path/to/lxr] [SETTLE=2] [RUNS=3] bench/up-scaling.sh [N]...
# Needs root and strace.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
lxr=${LXR:-$src/build/lxr}
work=$(mktemp -d /tmp/lxr-upscale.XXXXXX)
# shellcheck source=bench/lxr-dirs.sh
. "$here/lxr-dirs.sh"
lxr_bench_dirs
cleanup() {
	"$lxr" down -p upscale >/dev/null 2>&1 || true
	lxr_bench_dirs_gone 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
"$src/examples/make-rootfs.sh" "$work/rootfs" >/dev/null
# from lxr's image store, as a stack's images are (a host path as the image
# starts each container the forked way: such a path can hang)
"$lxr" import -c 'CMD ["/bin/sh"]' "$work/rootfs" lxrbench-base:1 >/dev/null
[ $# -gt 0 ] || set -- 10 50 100 200
# One round of the first size first, not counted: what only the first start
# in a run directory does (the seccomp filter compiled into its cache, the
# image read into the page cache) would otherwise count against the
# smallest stack alone.
"$here/gen-up-stack.sh" "$1" lxrbench-base:1 upscale >"$work/s.yaml"
"$lxr" up -d -f "$work/s.yaml" >/dev/null 2>&1
"$lxr" down -p upscale >/dev/null 2>&1
# Each timed `up` starts on a quiet host (bench/quiet.sh).
# shellcheck source=bench/quiet.sh
. "$here/quiet.sh"
SETTLE=${SETTLE:-2}
RUNS=${RUNS:-3}
# "rss_kib pss_kib" summed over a list of pids
mem() {
	local rss=0 pss=0 p r q
	for p in "$@"; do
		r=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
		q=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
		rss=$((rss + ${r:-0})) pss=$((pss + ${q:-0}))
	done
	echo "$rss $pss"
}
printf '%6s %10s %12s %10s %10s %12s %12s %12s %12s %12s\n' services up_ms ms_per_svc rss_kib \
	pss_kib rss_per_svc pss_per_svc rss_per_added pss_per_added hosts_writes
prev_n=0 prev_rss=0 prev_pss=0
for n in "$@"; do
	"$here/gen-up-stack.sh" "$n" lxrbench-base:1 upscale >"$work/s.yaml"
	times=()
	for run in $(seq "$RUNS"); do
		quiet
		t=$(date +%s%N)
		"$lxr" up -d -f "$work/s.yaml" >/dev/null 2>&1
		times+=($((($(date +%s%N) - t) / 1000000)))
		if [ "$run" = "$RUNS" ]; then
			sleep "$SETTLE"
			sup=$(cat "$LXR_RUN_DIR/upscale/supervisor.lock")
			mapfile -t inits < <(pgrep -P "$sup" -x lxr-init)
			[ "${#inits[@]}" -eq "$n" ] ||
				{ echo "up-scaling: $n services asked for, ${#inits[@]} lxr-init found" >&2; exit 1; }
			read -r rss pss < <(mem "$sup" "${inits[@]}")
		fi
		"$lxr" down -p upscale >/dev/null 2>&1
	done
	ms=$(printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
	# the supervisor outlives `up -d` (and strace with it): the count is
	# taken when `up -d` returns, before `down` ends the supervisor
	strace -f -qq -o "$work/trace" -e trace=openat \
		sh -c '"$0" up -d -f "$1" >/dev/null 2>&1; : >"$2"' "$lxr" "$work/s.yaml" \
		"$work/upped" &
	st=$!
	while [ ! -e "$work/upped" ]; do sleep 0.1; done
	writes=$(grep -E 'etc/[^"]*\.hosts"' "$work/trace" | grep -c 'O_WRONLY' || true)
	"$lxr" down -p upscale >/dev/null 2>&1
	wait "$st" || true
	rm -f "$work/upped"
	per() { awk -v m="$1" -v n="$2" 'BEGIN {if (n > 0) printf "%.1f", m / n; else printf "-"}'; }
	added_rss=- added_pss=-
	if [ "$prev_n" -gt 0 ] && [ "$n" -ne "$prev_n" ]; then
		added_rss=$(per $((rss - prev_rss)) $((n - prev_n)))
		added_pss=$(per $((pss - prev_pss)) $((n - prev_n)))
	fi
	printf '%6d %10d %12s %10d %10d %12s %12s %12s %12s %12d\n' "$n" "$ms" "$(per "$ms" "$n")" \
		"$rss" "$pss" "$(per "$rss" "$n")" "$(per "$pss" "$n")" "$added_rss" "$added_pss" \
		"$writes"
	prev_n=$n prev_rss=$rss prev_pss=$pss
done
