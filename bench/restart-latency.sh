#!/bin/bash
# How soon a crashed service runs again: a service whose command exits 1
# at once, restart: always, with the shortest backoff lxr takes (1 ms), on
# `network_mode: none` (or NETWORK=default for the project network), runs
# for SECONDS; from the supervisor's events, the medians of exit ->
# starting (the backoff and the loop) and starting -> running (the start
# itself). Compare two builds by running it with each, alternately: the
# machine's load moves these numbers more than most changes do.
#   [LXR=path/to/lxr] [NETWORK=none|default] bench/restart-latency.sh [SECONDS]
# Needs root.
set -euo pipefail
secs=${1:-3}
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
lxr=${LXR:-$src/build/lxr}
network=${NETWORK:-none}
work=$(mktemp -d /tmp/lxr-restart.XXXXXX)
export LXR_RUN_DIR=$work/run LXR_LOG_DIR=$work/log LXR_DATA_DIR=$work/data
cleanup() {
	"$lxr" down -p restartbench -f "$work/s.yaml" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
"$src/examples/make-rootfs.sh" "$work/rootfs" >/dev/null
net="network_mode: none"
[ "$network" = none ] || net=""
cat >"$work/s.yaml" <<EOF
name: restartbench
services:
  crash:
    image: $work/rootfs
    command: ["/bin/sh", "-c", "exit 1"]
    restart: always
    $net
    x-lxr:
      backoff: {initial: 1ms, max: 1ms}
EOF
"$lxr" up -d -f "$work/s.yaml" >/dev/null
sleep "$secs"
cp "$LXR_RUN_DIR/restartbench/events.jsonl" "$work/events.jsonl"
"$lxr" down -f "$work/s.yaml" >/dev/null 2>&1
python3 - "$work/events.jsonl" <<'PY'
import json, statistics, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ev = [e for e in ev if e.get("instance") == "crash-1"]
backoff, start, total = [], [], []
exited = starting = None
for e in ev:
    if e["state"] == "backoff":
        exited = e["time"]
    elif e["state"] == "starting" and exited:
        starting = e["time"]
        backoff.append((starting - exited) * 1000)
    elif e["state"] == "running" and exited and starting:
        start.append((e["time"] - starting) * 1000)
        total.append((e["time"] - exited) * 1000)
        exited = starting = None
if not total:
    sys.exit("no restart seen")
m = statistics.median
print(f"restarts: {len(total)}")
print(f"exit -> starting : median {m(backoff):7.2f} ms (the 1 ms backoff included)")
print(f"starting -> running: median {m(start):7.2f} ms")
print(f"exit -> running  : median {m(total):7.2f} ms")
PY
