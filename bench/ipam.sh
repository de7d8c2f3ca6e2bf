#!/bin/bash
# Build and run bench/ipam_bench.c against the net layer's static library: the
# per-operation cost of lxr's IP allocator at 1%, 50% and 99% of a /16.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${LXR_BUILD_DIR:-$src/build}
[ -f "$build/liblxr_net.a" ] || { echo "build lxr first (cmake --build build)" >&2; exit 1; }
out=$(mktemp -d /tmp/lxr-bench-ipam.XXXXXX)
trap 'rm -rf "$out"' EXIT
cc -O2 -std=gnu17 -I "$src/include" -o "$out/ipam" "$src/bench/ipam_bench.c" \
	"$build/liblxr_net.a" "$build/liblxr_util.a"
"$out/ipam"
