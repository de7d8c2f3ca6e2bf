#!/bin/sh
# Build the libFuzzer targets (clang, ASan+UBSan) and run each for a bounded
# time on a scratch copy of its seed corpus: libFuzzer adds what it finds to
# the corpus directory, and the repository's seeds must stay as they are.
# Fails on any crash, sanitizer report, leak or timeout, and keeps the input
# that did it in $LXR_FUZZ_BUILD_DIR/artifacts/ to reproduce with
#   $LXR_FUZZ_BUILD_DIR/tests/fuzz/fuzz_NAME FILE
#
# Environment: FUZZ_SECONDS per target (default 30), LXR_FUZZ_BUILD_DIR
# (default <source>/build-fuzz), FUZZ_TARGETS (default: every fuzz_*.c).
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-30}
build=${LXR_FUZZ_BUILD_DIR:-$src/build-fuzz}

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: clang not found; run packaging/setup.sh (it installs clang and libclang-rt-14-dev)" >&2
	exit 1
fi

targets=${FUZZ_TARGETS:-}
if [ -z "$targets" ]; then
	for f in "$src"/tests/fuzz/fuzz_*.c; do
		[ -e "$f" ] || continue
		targets="$targets $(basename "$f" .c)"
	done
fi
if [ -z "$targets" ]; then
	echo "fuzz: no tests/fuzz/fuzz_*.c targets" >&2
	exit 1
fi

CC=clang cmake -S "$src" -B "$build" -DLXR_FUZZ=ON -DLXR_SANITIZE=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" -j2 --target $targets

work=$(mktemp -d "${TMPDIR:-/tmp}/lxr-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$build/artifacts"

failed=""
for t in $targets; do
	corpus="$work/${t#fuzz_}"
	mkdir -p "$corpus" "$work/artifacts-$t"
	if [ -d "$src/tests/fuzz/corpus/${t#fuzz_}" ]; then
		cp -R "$src/tests/fuzz/corpus/${t#fuzz_}/." "$corpus/"
	fi
	echo "fuzz: $t for ${seconds}s ($(find "$corpus" -type f | wc -l) seeds)"
	# -error_exitcode=1: libFuzzer's default 77 would read as "skipped" to ctest.
	if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		"$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-error_exitcode=1 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts-$t/" "$corpus" >"$work/$t.log" 2>&1; then
		tail -n 60 "$work/$t.log" >&2
		cp "$work/artifacts-$t/"* "$build/artifacts/" 2>/dev/null || true
		echo "fuzz: $t FAILED; reproducer(s) in $build/artifacts/" >&2
		failed="$failed $t"
	else
		grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE' \
			"$work/$t.log" || true
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed" >&2
	exit 1
fi
echo "fuzz: all targets ran ${seconds}s clean:$targets"
