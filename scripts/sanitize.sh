#!/usr/bin/env bash
# The Swift test suite (and the tools it runs) built with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer, in a build folder of its own. Leaks inside libhdf5, Foundation and XCTest are suppressed
# with their reasons in fuzz/lsan-suppressions.txt; anything else fails the run. PackageTests are left
# out: they read the manifest and build a separate package, which has nothing to sanitize.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
# abort_on_error: a sanitizer report in a probe child ends it with SIGABRT, which the probe reports as a crash.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:halt_on_error=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# print_suppressions=0: the statistics would break the tests that expect one-line error messages.
# The Swift runtime's backtracer reads the dying process's memory, which ASan intercepts: a failure would then
# hang the test that ran it instead of failing it.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS="suppressions=$REPO/fuzz/lsan-suppressions.txt:print_suppressions=0"
# swiftc has no undefined-behaviour sanitizer of its own: it applies to the C targets and links its runtime.
swift test -c release --disable-testable-imports --sanitize=address --skip PackageTests \
    -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=all -Xswiftc -Xclang-linker -Xswiftc -fsanitize=undefined \
    --scratch-path .build-sanitize "$@"
