#!/bin/bash
# Pull-to-running time from a local registry, and layer unpack throughput.
#   bench/image-pull.sh [RUNS] [TREE]   (defaults: 5 runs, TREE=/usr/include)
# The image: two gzip layers, the busybox rootfs (examples/make-rootfs.sh)
# and a copy of TREE (many small files: what unpacking spends its time on),
# pushed with skopeo into Debian's docker-registry on 127.0.0.1. Measured
# with hyperfine, every run from an empty store:
#   lxr    : lxr pull IMG && lxr run --rm IMG /bin/true
#   skopeo : skopeo copy docker://IMG oci:DIR (fetch + verify, no unpack)
#   podman : podman pull IMG && podman run --rm IMG /bin/true, where installed
#   unpack : lxr load -i LAYOUT (verify, unpack both layers) beside
#            tar -xzf of the same two layers, as throughput in MB/s of
#            uncompressed layer data.
# Needs root, docker-registry, skopeo, hyperfine (packaging/setup.sh). Only
# 127.0.0.1 is contacted.
set -euo pipefail
runs=${1:-5}
tree=${2:-/usr/include}
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
lxr=${LXR:-$src/build/lxr}
[ -x "$lxr" ] || { echo "build lxr first (cmake --build build)" >&2; exit 1; }
for t in docker-registry skopeo hyperfine python3; do
	command -v "$t" >/dev/null || { echo "$t missing: packaging/setup.sh installs it" >&2; exit 1; }
done

work=$(mktemp -d /tmp/lxr-imgbench.XXXXXX)
reg_pid=""
cleanup() {
	set +e
	if [ -n "$reg_pid" ]; then
		kill "$reg_pid" 2>/dev/null
		wait "$reg_pid" 2>/dev/null
	fi
	# podman runs inside the benchmark's own mount namespace, so its
	# overlay mounts went with it; anything else under $work is ours
	grep -F " $work/" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount
	lxr_bench_dirs_gone 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/lxr-dirs.sh
. "$here/lxr-dirs.sh"
lxr_bench_dirs

echo "== building the image (busybox rootfs + $tree)"
"$src/examples/make-rootfs.sh" "$work/l1" >/dev/null
mkdir -p "$work/l2/usr/share/bench"
cp -a "$tree" "$work/l2/usr/share/bench/"
mkdir -p "$work/layout/blobs/sha256"
sha() { sha256sum "$1" | cut -d' ' -f1; }
layers="" diffs="" raw=0
for l in l1 l2; do
	tar --numeric-owner -C "$work/$l" -cf "$work/$l.tar" .
	raw=$((raw + $(stat -c %s "$work/$l.tar")))
	diffs="$diffs,\"sha256:$(sha "$work/$l.tar")\""
	gzip -n -1 -c "$work/$l.tar" > "$work/$l.tar.gz"
	d=$(sha "$work/$l.tar.gz")
	cp "$work/$l.tar.gz" "$work/layout/blobs/sha256/$d"
	layers="$layers,{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$d\",\"size\":$(stat -c %s "$work/$l.tar.gz")}"
done
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/true"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "${diffs#,}" > "$work/config.json"
c=$(sha "$work/config.json"); cp "$work/config.json" "$work/layout/blobs/sha256/$c"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
	"$c" "$(stat -c %s "$work/config.json")" "${layers#,}" > "$work/manifest.json"
m=$(sha "$work/manifest.json"); cp "$work/manifest.json" "$work/layout/blobs/sha256/$m"
printf '{"imageLayoutVersion":"1.0.0"}' > "$work/layout/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' \
	"$m" "$(stat -c %s "$work/manifest.json")" > "$work/layout/index.json"
echo "   uncompressed $((raw / 1000000)) MB, compressed $(du -sm "$work/layout/blobs" | cut -f1) MB, $(find "$work/l1" "$work/l2" | wc -l) files"

port=$((20000 + RANDOM % 20000))
cat > "$work/registry.yml" <<C
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry}}
http: {addr: 127.0.0.1:$port}
C
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
img=127.0.0.1:$port/bench:1
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:1" "docker://$img" >/dev/null

n=$(ulimit -Hn)
pod="podman --root $work/podman --runroot $work/podman-run"
cmds=(-n "lxr pull + run" "$lxr pull -q $img && $lxr run --rm --name lxr-imgbench $img /bin/true"
      -n "skopeo copy (no unpack)" "skopeo copy -q --src-tls-verify=false docker://$img oci:$work/skopeo:1 >/dev/null")
# podman's defaults ask for rlimits above this host's hard limits; give it
# the host's own. Its crun also refuses hybrid cgroup hosts: like
# run-vs-crun.sh, every tool runs in a mount namespace without the v2 mount.
podrun="$pod run --rm --network none --ulimit nofile=$n:$n --ulimit nproc=1000:1000"
if command -v podman >/dev/null; then
	cmds+=(-n "podman pull + run" "$pod pull -q --tls-verify=false $img >/dev/null && $podrun $img /bin/true")
else
	echo "   podman not installed: skopeo copy is the only comparison (fetch + verify, no unpack, no run)"
fi
unshare --mount --propagation private bash -s -- "$work" "$runs" "$lxr" "$raw" "${cmds[@]}" <<'IN'
set -euo pipefail
work=$1 runs=$2 lxr=$3 raw=$4
shift 4
if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
echo "== pull to running, from an empty store each run ($runs runs)"
hyperfine --warmup 1 --runs "$runs" --export-json "$work/pull.json" \
	--prepare "rm -rf $work/data $work/skopeo $work/podman $work/podman-run" "$@"
echo "== unpack: lxr load of the layout vs tar -xzf of its layers ($runs runs)"
hyperfine --warmup 1 --runs "$runs" --export-json "$work/unpack.json" \
	--prepare "rm -rf $work/data $work/x; mkdir -p $work/x/a $work/x/b" \
	-n "lxr load (verify + unpack)" "$lxr load -i $work/layout" \
	-n "tar -xzf" "tar -C $work/x/a -xzf $work/l1.tar.gz && tar -C $work/x/b -xzf $work/l2.tar.gz"
IN
python3 - "$work/pull.json" "$work/unpack.json" "$raw" <<'PY'
import json, sys
pull = json.load(open(sys.argv[1]))["results"]
unpack = json.load(open(sys.argv[2]))["results"]
raw = int(sys.argv[3]) / 1e6
print()
for r in pull:
    print(f"{r['command']:28s}: mean {r['mean']*1000:8.1f} ms  median {r['median']*1000:8.1f} ms")
for r in unpack:
    print(f"{r['command']:28s}: mean {r['mean']*1000:8.1f} ms  -> {raw / r['mean']:6.1f} MB/s of layer data")
PY
