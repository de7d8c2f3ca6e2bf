#!/bin/sh
# How long `lxr config` takes on a 500-service stack (target: well under
# 0.1 s). Usage: bench/config-load.sh [LXR_BINARY] [SERVICES]
# Writes the generated stack and the hyperfine report under bench/out/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lxr=${1:-$here/../build/lxr}
n=${2:-500}
out=$here/out
mkdir -p "$out"
"$here/gen-stack.sh" "$n" >"$out/big.yaml"
"$lxr" config -f "$out/big.yaml" >/dev/null # must load cleanly first
echo "stack: $n services, $(wc -c <"$out/big.yaml") bytes, $(wc -l <"$out/big.yaml") lines"
hyperfine --warmup 3 --min-runs 20 --export-markdown "$out/config-load.md" \
	"$lxr config -f $out/big.yaml >/dev/null" \
	"$lxr config -f $out/big.yaml --format json >/dev/null"
