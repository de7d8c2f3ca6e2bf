# shellcheck shell=bash
# Sourced by the benchmarks: lxr's directories, private to one run, under
# $work (which the caller removes, after lxr_bench_dirs_gone). The run
# directory gets a tmpfs of its own, as lxr's default one is on one
# (/run/lxr: lxr mounts a tmpfs there where /run is a disk,
# docs/architecture.md): a run directory on a disk is not what a user's
# lxr runs on, and on ext4 without a journal it costs every start its
# inode allocations.
# shellcheck disable=SC2154 # $work is the sourcing script's
lxr_bench_dirs() {
	export LXR_RUN_DIR=$work/run LXR_LOG_DIR=$work/log LXR_DATA_DIR=$work/data
	mkdir -p "$LXR_RUN_DIR"
	mount -t tmpfs -o mode=0700,nosuid,nodev lxr-bench-run "$LXR_RUN_DIR"
}
lxr_bench_dirs_gone() {
	while mountpoint -q "$work/run" 2>/dev/null; do umount -l "$work/run" || break; done
}
