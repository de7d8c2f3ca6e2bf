# shellcheck shell=sh
# Shared by run.sh (each target for a time) and long.sh (each target for a
# number of executions); sourced, not run. fuzz_main LIMIT WHAT builds the
# libFuzzer targets (clang, ASan+UBSan) and runs each with the libFuzzer
# flag LIMIT ("-max_total_time=20", "-runs=10000000") on a scratch copy of
# its seed corpus: libFuzzer adds what it finds to the corpus directory,
# and the repository's seeds must stay as they are. WHAT says the limit in
# words for the output. A crash, sanitizer report, leak or timeout fails
# the run and leaves the input that did it in $LXR_FUZZ_BUILD_DIR/artifacts/
# to reproduce with
#   $LXR_FUZZ_BUILD_DIR/tests/fuzz/fuzz_NAME FILE
#
# Environment: LXR_FUZZ_BUILD_DIR (default <source>/build-fuzz),
# FUZZ_TARGETS (default: every tests/fuzz/fuzz_*.c).

fuzz_src=$(cd "$(dirname "$0")/../.." && pwd)
fuzz_build=${LXR_FUZZ_BUILD_DIR:-$fuzz_src/build-fuzz}

fuzz_targets() {
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		echo "$FUZZ_TARGETS"
		return
	fi
	for f in "$fuzz_src"/tests/fuzz/fuzz_*.c; do
		[ -e "$f" ] && basename "$f" .c
	done | tr '\n' ' ' | sed 's/ $//'
}

# One stat:: value from a libFuzzer log, or "?".
fuzz_stat() {
	v=$(sed -n "s/^stat::$1: *//p" "$2" | tail -n 1)
	echo "${v:-?}"
}

fuzz_main() {
	limit=$1
	what=$2
	if ! command -v clang >/dev/null 2>&1; then
		echo "fuzz: clang not found; run packaging/setup.sh (it installs clang and libclang-rt-14-dev)" >&2
		exit 1
	fi
	targets=$(fuzz_targets)
	if [ -z "$(echo "$targets" | tr -d ' ')" ]; then
		echo "fuzz: no tests/fuzz/fuzz_*.c targets" >&2
		exit 1
	fi

	CC=clang cmake -S "$fuzz_src" -B "$fuzz_build" -DLXR_FUZZ=ON -DLXR_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	# shellcheck disable=SC2086
	cmake --build "$fuzz_build" -j2 --target $targets

	work=$(mktemp -d "${TMPDIR:-/tmp}/lxr-fuzz.XXXXXX")
	trap 'rm -rf "$work"' EXIT INT TERM
	mkdir -p "$fuzz_build/artifacts"

	failed=""
	for t in $targets; do
		corpus="$work/${t#fuzz_}"
		mkdir -p "$corpus" "$work/artifacts-$t"
		if [ -d "$fuzz_src/tests/fuzz/corpus/${t#fuzz_}" ]; then
			cp -R "$fuzz_src/tests/fuzz/corpus/${t#fuzz_}/." "$corpus/"
		fi
		echo "fuzz: $t for $what ($(find "$corpus" -type f | wc -l) seeds)"
		# -error_exitcode=1: libFuzzer's default 77 would read as "skipped" to ctest.
		if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
			"$fuzz_build/tests/fuzz/$t" "$limit" -timeout=10 -rss_limit_mb=2048 \
			-error_exitcode=1 -print_final_stats=1 \
			-artifact_prefix="$work/artifacts-$t/" "$corpus" >"$work/$t.log" 2>&1; then
			tail -n 60 "$work/$t.log" >&2
			cp "$work/artifacts-$t/"* "$fuzz_build/artifacts/" 2>/dev/null || true
			echo "fuzz: $t FAILED after $(fuzz_stat number_of_executed_units "$work/$t.log") runs; reproducer(s) in $fuzz_build/artifacts/" >&2
			failed="$failed $t"
		else
			echo "fuzz: $t clean: $(fuzz_stat number_of_executed_units "$work/$t.log") runs," \
				"$(fuzz_stat average_exec_per_sec "$work/$t.log")/s," \
				"peak RSS $(fuzz_stat peak_rss_mb "$work/$t.log") MB"
		fi
	done

	if [ -n "$failed" ]; then
		echo "fuzz: FAILED:$failed (each target for $what)" >&2
		exit 1
	fi
	echo "fuzz: all targets ended clean, each for $what: $targets"
}
