# shellcheck shell=bash
# Sourced, inside `unshare --mount --propagation private`, by the benchmarks
# that compare with podman: podman with its storage, run root and temp dir
# under $work/podman, cgroupfs, and its containers' cgroups under
# lxrbench-podman (pass --cgroup-parent /lxrbench-podman). A hybrid host's
# cgroup v2 mount is taken out of sight in this mount namespace only:
# Debian's crun refuses such a host otherwise. On exit, every container and
# image, every conmon and cleanup process and the cgroups go.
#   work=DIR; . bench/private-podman.sh; pm run ...
: "${work:?set work to the temp dir of the benchmark first}"
if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
pm() {
	podman --root "$work/podman/root" --runroot "$work/podman/runroot" \
		--tmpdir "$work/podman/tmp" --cgroup-manager cgroupfs "$@"
}
podman_teardown() {
	pm rm -af -t 0 >/dev/null 2>&1 || true
	pm rmi -af >/dev/null 2>&1 || true
	# conmon and its `podman container cleanup` end shortly after the
	# container is removed; whatever is left of them is killed
	for _ in $(seq 50); do
		pgrep -f "$work/podman" >/dev/null || break
		sleep 0.1
	done
	for p in $(pgrep -f "$work/podman"); do kill -9 "$p" 2>/dev/null || true; done
	for c in /sys/fs/cgroup/*/lxrbench-podman; do
		if [ -d "$c" ]; then find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
	done
}
trap podman_teardown EXIT
trap "exit 130" INT TERM
