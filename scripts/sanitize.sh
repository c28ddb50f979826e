#!/usr/bin/env bash
# The Swift test suite (and the tools it runs) built with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer, in a build folder of its own. Leaks inside libhdf5 and ZIPFoundation are suppressed with
# their reasons in fuzz/lsan-suppressions.txt; anything else fails the run.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$REPO/fuzz/lsan-suppressions.txt"
swift test -c release -Xswiftc -enable-testing --sanitize=address --sanitize=undefined --scratch-path .build-sanitize "$@"
