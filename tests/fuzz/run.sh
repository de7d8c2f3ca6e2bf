#!/bin/sh
# Build the libFuzzer targets (clang, ASan+UBSan) and run each for a bounded
# time: what packaging/test.sh (and so CI) runs. Fails on any crash,
# sanitizer report, leak or timeout, and keeps the input that did it in
# $LXR_FUZZ_BUILD_DIR/artifacts/ (common.sh has the details).
#
# Environment: FUZZ_SECONDS per target (default 20: with six targets the
# fuzz phase stays around three minutes, build included), LXR_FUZZ_BUILD_DIR
# (default <source>/build-fuzz), FUZZ_TARGETS (default: every fuzz_*.c).
# For a long run, a number of executions per target: tests/fuzz/long.sh.
set -eu
# shellcheck source=tests/fuzz/common.sh
. "$(dirname "$0")/common.sh"

seconds=${FUZZ_SECONDS:-20}
fuzz_main "-max_total_time=$seconds" "${seconds}s"
