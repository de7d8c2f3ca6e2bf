#!/bin/bash
# usage: [LXR=build/lxr] [PEERS="docker buildah"] [LOGS=DIR] bench/build-vs-docker.sh [RUNS] [FILES]
#
# `lxr build` beside docker's builder and buildah, on one multi-stage
# Dockerfile over the busybox base image, on this machine, in one run. For
# each builder, the median of RUNS (default 5) of:
#   - a cold build: its step cache and the built image removed first
#     (`lxr builder prune` + `lxr rmi`; `docker builder prune -af` +
#     `docker rmi`; `buildah rmi` + `buildah rmi --prune`), the base image kept;
#   - a rebuild after one file changed: app/main.txt, which only the last
#     stage's late `COPY app/ /app/` reads, so that COPY and the RUN after it
#     run again and every earlier step comes from the cache.
# Then, untimed, each builder's image is run: all must print the same hashes.
# The Dockerfile: a first stage that writes 3,000 files in a RUN, hashes and
# tars them in a second RUN, does CPU work in a third, COPYs a context
# directory of FILES small files (default 2,000) and reads them all back in a
# RUN; a second stage that takes results with COPY --from, the late COPY and
# a last RUN. No step needs the network: every builder runs with
# `--network none` (each one's default is a bridge, whose set-up per step
# is not the work measured here).
#
# docker: a private dockerd started here and removed at the end (see
# bench/private-dockerd.sh: its own data root, socket and bridge, no iptables
# chains). Its builder is BuildKit (DOCKER_BUILDKIT=1, the 20.10 client's own
# BuildKit, no buildx needed); when BuildKit cannot build here the legacy
# builder is used, and the report says which ran.
# buildah: `buildah bud --layers`, with its storage under this run's temp dir,
# the default OCI isolation (crun), each call in a private mount namespace
# where the cgroup v2 mount of a hybrid host is out of sight (Debian's crun
# refuses such a host otherwise).
# LOGS=DIR keeps every build's output there. A peer that is not installed
# is skipped with a message (Debian: docker.io, buildah); the script installs
# nothing. Needs root.
set -euo pipefail
case ${1:-} in -h | --help)
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
	;;
esac
RUNS=${1:-5}
FILES=${2:-2000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
lxr=$(realpath "${LXR:-$src/build/lxr}")
[ -x "$lxr" ] || { echo "build lxr first (cmake --build build), or set LXR" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "$0 needs root (namespaces, cgroups, a private dockerd)" >&2; exit 1; }
PEERS=${PEERS:-docker buildah}

work=$(mktemp -d /tmp/lxr-buildbench.XXXXXX)
# shellcheck source=bench/lxr-dirs.sh
. "$here/lxr-dirs.sh"
lxr_bench_dirs
# shellcheck source=bench/private-dockerd.sh
. "$here/private-dockerd.sh"
BH=(--root "$work/buildah/root" --runroot "$work/buildah/runroot" --storage-driver overlay)
buildah_() {
	env -u DOCKER_CONFIG -u DOCKER_HOST unshare --mount --propagation private sh -c \
		'if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi; exec buildah "$@"' \
		buildah "${BH[@]}" "$@"
}
have_buildah=0
cleanup() {
	set +e
	if [ -n "${LOGS:-}" ]; then mkdir -p "$LOGS" && cp "$work"/*.log "$LOGS"/; fi
	dockerd_stop
	if [ "$have_buildah" = 1 ]; then
		buildah_ rm -a >/dev/null 2>&1
		buildah_ rmi -af >/dev/null 2>&1
	fi
	# anything buildah's storage still has mounted (in our namespace)
	awk -v d="$work" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	lxr_bench_dirs_gone 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the base image and the context
"$src/examples/make-rootfs.sh" "$work/rootfs" >/dev/null
tar --numeric-owner -C "$work/rootfs" -cf "$work/rootfs.tar" .
"$lxr" import -c 'CMD ["/bin/sh"]' "$work/rootfs" lxrbench-base:1 >/dev/null
ctx=$work/ctx
mkdir -p "$ctx/app"
i=0
while [ "$i" -lt "$FILES" ]; do
	d=$ctx/data/d$((i / 100))
	[ -d "$d" ] || mkdir -p "$d"
	printf 'file %d\n%s\n' "$i" "$(printf '%0128d' "$i")" >"$d/f$i.txt"
	i=$((i + 1))
done
for f in lib1 lib2 lib3; do echo "$f" >"$ctx/app/$f.txt"; done
echo 'version 0' >"$ctx/app/main.txt"
cat >"$ctx/Dockerfile" <<'DF'
ARG BASE
FROM $BASE AS gen
WORKDIR /work
RUN i=0; while [ $i -lt 3000 ]; do echo "record $i $((i * i))" > rec$i.txt; i=$((i + 1)); done
RUN cat rec*.txt | sha256sum > records.sha && tar -cf /records.tar rec*.txt && gzip -9 /records.tar
RUN dd if=/dev/zero bs=1M count=64 2>/dev/null | sha256sum > /zero.sha
COPY data/ /data/
RUN find /data -type f | sort | xargs cat | sha256sum > /data.sha && du -s /data > /data.du

FROM $BASE
COPY --from=gen /work/records.sha /zero.sha /data.sha /data.du /out/
COPY --from=gen /records.tar.gz /out/
COPY app/ /app/
RUN sha256sum /app/* > /out/app.sha && wc -l /app/main.txt >> /out/app.sha
CMD ["cat", "/out/app.sha"]
DF

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "-")}'; }
change_one_file() { echo "version $1 $(date +%s%N)" >"$ctx/app/main.txt"; }

# --- the builders: NAME_cold and NAME_build, each run in $ctx
lxr_cold() {
	"$lxr" builder prune -f >/dev/null
	"$lxr" rmi lxrbench-app:1 >/dev/null 2>&1 || true
}
lxr_build() { "$lxr" build --network none -t lxrbench-app:1 --build-arg BASE=lxrbench-base:1 "$ctx"; }

docker_cold() {
	"$DOCKER" rmi -f lxrbench-app:1 >/dev/null 2>&1 || true
	"$DOCKER" builder prune -af >/dev/null
}
DOCKER_BUILDKIT_MODE=1
docker_build() {
	local p=()
	# the legacy builder knows no --progress
	[ "$DOCKER_BUILDKIT_MODE" = 1 ] && p=(--progress plain)
	DOCKER_BUILDKIT=$DOCKER_BUILDKIT_MODE "$DOCKER" build --network none "${p[@]}" \
		-t lxrbench-app:1 --build-arg BASE=lxrbench-base:1 "$ctx"
}

buildah_cold() {
	buildah_ rmi -f localhost/lxrbench-app:1 >/dev/null 2>&1 || true
	buildah_ rmi --prune >/dev/null 2>&1 || true
}
buildah_build() {
	buildah_ bud --layers --network none -t localhost/lxrbench-app:1 \
		--build-arg BASE=localhost/lxrbench-base:1 "$ctx"
}

tools=(lxr)
declare -A label=([lxr]="lxr build")
if [[ " $PEERS " == *" docker "* ]]; then
	if dockerd_start "$work/docker"; then
		"$DOCKER" import "$work/rootfs.tar" lxrbench-base:1 >/dev/null
		if docker_build >"$work/docker-probe.log" 2>&1; then
			label[docker]="docker build (BuildKit)"
		else
			echo "docker's BuildKit could not build here (its output: $work/docker-probe.log, last lines below); using the legacy builder" >&2
			tail -5 "$work/docker-probe.log" >&2
			DOCKER_BUILDKIT_MODE=0
			label[docker]="docker build (legacy builder)"
		fi
		docker_cold
		tools+=(docker)
	else
		echo "docker skipped: no private dockerd (apt-get install docker.io to compare)" >&2
	fi
fi
if [[ " $PEERS " == *" buildah "* ]]; then
	if command -v buildah >/dev/null; then
		have_buildah=1
		c=$(buildah_ from scratch)
		buildah_ add "$c" "$work/rootfs.tar" / >/dev/null
		buildah_ config --cmd /bin/sh "$c"
		buildah_ commit -q "$c" localhost/lxrbench-base:1 >/dev/null
		buildah_ rm "$c" >/dev/null
		tools+=(buildah)
		label[buildah]="buildah bud --layers"
	else
		echo "buildah skipped: not installed (apt-get install buildah to compare)" >&2
	fi
fi

echo "${#tools[@]} builders, $RUNS runs each, a context of $FILES files; build logs in $work while it runs" >&2
for r in $(seq "$RUNS"); do
	for t in "${tools[@]}"; do
		"${t}_cold" >/dev/null 2>&1
		s=$(date +%s%N)
		"${t}_build" >"$work/$t-cold-$r.log" 2>&1 || {
			echo "$t: the cold build failed:" >&2
			tail -20 "$work/$t-cold-$r.log" >&2
			exit 1
		}
		echo "$t cold $(ms "$s")" >>"$work/times"
		change_one_file "$r"
		s=$(date +%s%N)
		"${t}_build" >"$work/$t-warm-$r.log" 2>&1 || {
			echo "$t: the rebuild failed:" >&2
			tail -20 "$work/$t-warm-$r.log" >&2
			exit 1
		}
		echo "$t rebuild $(ms "$s")" >>"$work/times"
	done
	echo "run $r/$RUNS done" >&2
done

# lxr's rebuild must have reused the early steps, or the comparison is void
if ! grep -q CACHED "$work/lxr-warm-1.log"; then
	echo "warning: lxr's rebuild used no cached step (see its log above)" >&2
	cat "$work/lxr-warm-1.log" >&2
fi

# every builder must have made the same image: after one more (untimed)
# rebuild of the same context, the last stage's output, which hashes the
# context's app/ files, is the same in each
echo 'version final' >"$ctx/app/main.txt"
for t in "${tools[@]}"; do
	"${t}_build" >"$work/$t-final.log" 2>&1 || {
		echo "$t: the last rebuild failed:" >&2
		tail -20 "$work/$t-final.log" >&2
		exit 1
	}
done
"$lxr" run --rm --network none lxrbench-app:1 >"$work/out-lxr" 2>&1
for t in "${tools[@]}"; do
	case $t in
	docker) "$DOCKER" run --rm --network none lxrbench-app:1 >"$work/out-docker" 2>&1 ;;
	buildah)
		c=$(buildah_ from localhost/lxrbench-app:1)
		buildah_ run --network none "$c" cat /out/app.sha >"$work/out-buildah" 2>&1
		buildah_ rm "$c" >/dev/null
		;;
	*) continue ;;
	esac
	cmp -s "$work/out-lxr" "$work/out-$t" || {
		echo "warning: the images of lxr and $t differ in /out/app.sha:" >&2
		diff "$work/out-lxr" "$work/out-$t" >&2 || true
	}
done

echo
printf '%-30s %14s %14s\n' "median of $RUNS, ms" "cold build" "1-file rebuild"
declare -A cold warm
for t in "${tools[@]}"; do
	cold[$t]=$(awk -v t="$t" '$1 == t && $2 == "cold" {print $3}' "$work/times" | median)
	warm[$t]=$(awk -v t="$t" '$1 == t && $2 == "rebuild" {print $3}' "$work/times" | median)
	printf '%-30s %14s %14s\n' "${label[$t]}" "${cold[$t]}" "${warm[$t]}"
done
for t in "${tools[@]}"; do
	[ "$t" = lxr ] && continue
	printf '%-30s %13sx %13sx\n' "ratio $t/lxr" \
		"$(awk -v a="${cold[$t]}" -v b="${cold[lxr]}" 'BEGIN {printf "%.2f", a / b}')" \
		"$(awk -v a="${warm[$t]}" -v b="${warm[lxr]}" 'BEGIN {printf "%.2f", a / b}')"
done
