#!/bin/bash
# 100 sequential `lxr run --rm --network none ROOTFS /bin/true` beside 100
# `crun run` of an equivalent bundle (crun's default spec: the same six
# namespaces, masked and read-only paths, capabilities), on this machine,
# in one run; prints both and the ratio. Then the same lxr command on lxr's
# default bridge (a veth, an address and the bridge's rules per run), and
# its ratio to --network none. And the kernel's floor for the same start
# (bench/floor.c: overlay, memory cgroup, six namespaces, pivot_root, /proc
# and the exec, in one small static C process and nothing more), so both
# runtimes' medians can be read against what no runtime can go below.
# Needs root, crun, hyperfine and a C compiler (packaging/setup.sh).
#   bench/run-vs-crun.sh [RUNS]     (default 100)
# One difference stays: lxr stacks an overlay (a writable layer per
# container) on the rootfs; crun runs on the bundle's directory read-only.
set -euo pipefail
runs=${1:-100}
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
lxr=${LXR:-$src/build/lxr}
[ -x "$lxr" ] || { echo "build lxr first (cmake --build build)" >&2; exit 1; }
command -v crun >/dev/null || { echo "crun missing: packaging/setup.sh installs it" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine missing: packaging/setup.sh installs it" >&2; exit 1; }

work=$(mktemp -d /tmp/lxr-bench.XXXXXX)
# a floor killed mid-run leaves its cgroup (its directories go with $work)
trap 'crun delete -f lxr-bench-crun >/dev/null 2>&1 || true; "$lxr" network prune -f >/dev/null 2>&1 || true; rmdir /sys/fs/cgroup/memory/lxr-floor-* /sys/fs/cgroup/lxr-floor-* 2>/dev/null || true; lxr_bench_dirs_gone 2>/dev/null; rm -rf "$work"' EXIT
"$src/examples/make-rootfs.sh" "$work/bundle/rootfs" >/dev/null
# crun's own default spec, with the one change a benchmark needs: no terminal.
(cd "$work/bundle" && crun spec)
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(p, "w"), indent=1)
PY
# shellcheck source=bench/lxr-dirs.sh
. "$here/lxr-dirs.sh"
lxr_bench_dirs
cc -O2 -static -o "$work/floor" "$here/floor.c"

# Debian's crun refuses a hybrid cgroup host unless the v2 mount beside the v1
# hierarchies is out of sight: give both tools the same private mount
# namespace with /sys/fs/cgroup/unified unmounted.
unshare --mount --propagation private bash -s -- "$lxr" "$work" "$runs" <<'IN'
set -euo pipefail
lxr=$1 work=$2 runs=$3
if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
bridge=(-n "lxr run --rm, bridge" "$lxr run --rm --name lxr-bench $work/bundle/rootfs /bin/true")
# a host without nft or a bridge (the test VM) times the other two
if ! "$lxr" run --rm --name lxr-bench "$work/bundle/rootfs" /bin/true 2>"$work/bridge.err"; then
	echo "the default bridge is not usable here, not timed: $(grep -m1 "error" "$work/bridge.err" || head -n1 "$work/bridge.err")" >&2
	bridge=()
fi
hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/result.json" \
	-n "lxr run --rm" "$lxr run --rm --network none --name lxr-bench $work/bundle/rootfs /bin/true" \
	-n "crun run" "crun run -b $work/bundle lxr-bench-crun" \
	-n "floor" "$work/floor $work/run $work/bundle/rootfs /bin/true" "${bridge[@]}"
IN
python3 - "$work/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
l, c, b = r["lxr run --rm"], r["crun run"], r.get("lxr run --rm, bridge")
f = r["floor"]
print()
print(f"lxr run --rm : mean {l['mean']*1000:7.2f} ms  median {l['median']*1000:7.2f} ms  (n={len(l['times'])})")
print(f"crun run     : mean {c['mean']*1000:7.2f} ms  median {c['median']*1000:7.2f} ms  (n={len(c['times'])})")
print(f"ratio crun/lxr (mean): {c['mean']/l['mean']:.2f}x  ->  lxr is {'faster' if l['mean'] < c['mean'] else 'slower'}")
print(f"lxr/crun (median): {l['median']/c['median']:.2f}x crun's time")
print(f"floor        : mean {f['mean']*1000:7.2f} ms  median {f['median']*1000:7.2f} ms"
      f"  (lxr {l['median']/f['median']:.2f}x it, crun {c['median']/f['median']:.2f}x it;"
      f" the floor is {f['median']/c['median']:.2f}x crun's time)")
if b:
    print(f"lxr run --rm on the default bridge: mean {b['mean']*1000:7.2f} ms  median {b['median']*1000:7.2f} ms"
          f"  ({b['median']/l['median']:.2f}x its --network none median)")
PY
