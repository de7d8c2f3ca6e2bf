#!/bin/sh
# The whole test suite, from a fresh Debian 12 machine, as root:
#   ./packaging/test.sh
# Installs what it needs (packaging/setup.sh), checks that every C file is
# formatted as .clang-format says, builds lxr twice — once
# plain, once with AddressSanitizer+UndefinedBehaviorSanitizer — and runs
# every unit test under both builds and every integration test (real
# containers) with the plain build, then each fuzz target for a bounded time
# (FUZZ_SECONDS, default 20). Safe to run again: builds are incremental
# and every test removes what it created.
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

echo "== unit tests under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --test-dir build-asan -L unit --output-on-failure
echo "== all tests (unit + integration)"
ctest --test-dir build --output-on-failure
echo "== fuzzers (libFuzzer, ASan+UBSan, ${FUZZ_SECONDS:-20} s each)"
./tests/fuzz/run.sh
