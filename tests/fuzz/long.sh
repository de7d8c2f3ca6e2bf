#!/bin/sh
# The long fuzz run, by hand (not in CI): every libFuzzer target, or those
# in FUZZ_TARGETS, for a fixed number of executions each (FUZZ_RUNS,
# default 10,000,000), one after the other, with the same build, flags and
# scratch corpus as run.sh (common.sh). Prints each target's executed count
# and rate, and a last line saying whether every target ended clean; exits
# non-zero on any crash, sanitizer report, leak or timeout, keeping the
# input in $LXR_FUZZ_BUILD_DIR/artifacts/ as run.sh does.
#   FUZZ_TARGETS="fuzz_tar fuzz_ctl" nice -n 19 ./tests/fuzz/long.sh >fuzz-long.log 2>&1 &
# Time per target is FUZZ_RUNS over its executions per second (run.sh
# prints that rate): from minutes for a parser to hours for a target that
# makes files or sockets each run.
set -eu
# shellcheck source=tests/fuzz/common.sh
. "$(dirname "$0")/common.sh"

runs=${FUZZ_RUNS:-10000000}
fuzz_main "-runs=$runs" "$runs runs"
