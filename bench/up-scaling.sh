#!/bin/bash
# How `up -d` scales with the number of services, on one network: for each
# N given (default 10 50 100 200), the milliseconds from `up -d` until
# every service runs (per service too), and, from a second run under
# strace, how many times the supervisor opened a container's /etc/hosts
# file for writing. Raises nothing: the shell's own RLIMIT_NOFILE applies.
#   [LXR=path/to/lxr] bench/up-scaling.sh [N]...
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
[ $# -gt 0 ] || set -- 10 50 100 200
# One round of the first size first, not counted: what only the first start
# in a run directory does (the seccomp filter compiled into its cache, the
# image read into the page cache) would otherwise count against the
# smallest stack alone.
"$here/gen-up-stack.sh" "$1" "$work/rootfs" upscale >"$work/s.yaml"
"$lxr" up -d -f "$work/s.yaml" >/dev/null 2>&1
"$lxr" down -p upscale >/dev/null 2>&1
# Each timed `up` starts on a quiet host: the kernel frees a stack's network
# namespaces in the background after `down` has returned, and that work
# would fall on the next stack's start, the smallest one's most.
quiet() { sleep 1; }
printf '%6s %10s %12s %12s\n' services up_ms ms_per_svc hosts_writes
for n in "$@"; do
	"$here/gen-up-stack.sh" "$n" "$work/rootfs" upscale >"$work/s.yaml"
	quiet
	t=$(date +%s%N)
	"$lxr" up -d -f "$work/s.yaml" >/dev/null 2>&1
	ms=$((($(date +%s%N) - t) / 1000000))
	"$lxr" down -p upscale >/dev/null 2>&1
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
	printf '%6d %10d %12s %12d\n' "$n" "$ms" "$(awk -v m="$ms" -v n="$n" 'BEGIN {printf "%.1f", m / n}')" "$writes"
done
