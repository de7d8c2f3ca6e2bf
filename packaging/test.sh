#!/bin/sh
# The whole test suite, from a fresh Debian 12 machine, as root:
#   ./packaging/test.sh
# Installs what it needs (packaging/setup.sh), checks that every C file is
# formatted as .clang-format says, builds lxr three times — plain, with
# AddressSanitizer+UndefinedBehaviorSanitizer, and static (LXR_STATIC) — and
# runs every unit test under the first two builds and every integration test
# (real containers) with the plain build, a few of them again with the static
# lxr, then the demo (packaging/demo.sh, to its end, in directories of its
# own), then each fuzz target for a bounded time (FUZZ_SECONDS, default 20).
# Safe to run again: builds are incremental and every test removes what it
# created.
set -eu
cd "$(dirname "$0")/.."

./packaging/setup.sh
jobs=$(nproc)

echo "== format: every C file as .clang-format says"
# shellcheck disable=SC2046
clang-format --dry-run -Werror $(git ls-files '*.c' '*.h' 2>/dev/null ||
	find src include tests -name '*.[ch]')

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
cmake -S . -B build-asan -DLXR_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j "$jobs"
cmake -S . -B build-static -DLXR_STATIC=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-static -j "$jobs" --target lxr lxr-image

echo "== unit tests under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --test-dir build-asan -L unit --output-on-failure
echo "== all tests (unit + integration)"
ctest --test-dir build --output-on-failure
echo "== static lxr: one file under 2.25 MB, no interpreter; lxr run, run -d, up and down with it"
if readelf -lW build-static/lxr | grep -q INTERP; then
	echo "build-static/lxr is not static" >&2
	exit 1
fi
build-static/lxr version
# the edge build's promise: one file under 2.25 MB (README, "Static lxr")
size=$(stat -c %s build-static/lxr)
echo "static lxr: $size bytes"
if [ "$size" -ge 2250000 ]; then
	echo "build-static/lxr is $size bytes, not under 2,250,000" >&2
	exit 1
fi
for t in run_init run_detached up_order up_logs up_net; do
	rc=0
	LXR="$PWD/build-static/lxr" LXR_SOURCE_DIR="$PWD" LXR_BUILD_DIR="$PWD/build" \
		bash "tests/integration/test_$t.sh" || rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || exit 1
done
echo "== the demo: packaging/demo.sh runs to its end (in directories of its own)"
demo=$(mktemp -d)
mkdir -p "$demo/run"
mount -t tmpfs -o mode=0700,nosuid,nodev lxr-demo-run "$demo/run"
rc=0
LXR_RUN_DIR="$demo/run" LXR_DATA_DIR="$demo/data" LXR_LOG_DIR="$demo/log" \
	timeout 600 ./packaging/demo.sh >"$demo/out" 2>&1 || rc=$?
umount "$demo/run"
if [ "$rc" -ne 0 ] || ! grep -q "^demo done" "$demo/out"; then
	cat "$demo/out"
	echo "packaging/demo.sh failed or did not finish (exit $rc)" >&2
	rm -rf "$demo"
	exit 1
fi
tail -n 1 "$demo/out"
rm -rf "$demo"
echo "== fuzzers (libFuzzer, ASan+UBSan, ${FUZZ_SECONDS:-20} s each)"
./tests/fuzz/run.sh
