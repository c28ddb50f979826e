#!/usr/bin/env bash
# Fuzzes every file reader (KerasFile, the HDF5 tree walk, ModelLoader) with libFuzzer and AddressSanitizer.
#   bash scripts/fuzz.sh [SECONDS] [WORKERS]     default: 600 seconds, 2 workers
# New inputs collect in .build-fuzz/corpus; crashes and leaks land in .build-fuzz/artifacts, to be kept as
# regression inputs in fixtures/fuzz-regressions/ once understood (tests replay them through the tools).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
SECONDS_TO_RUN="${1:-600}"
WORKERS="${2:-2}"
swift build --scratch-path .build-fuzz -c debug --product KerasFuzz -Xswiftc -sanitize=fuzzer,address
/opt/swift/usr/bin/clang -fsanitize=fuzzer,address "$REPO/.build-fuzz/debug/libKerasFuzz.so" \
  -Wl,-rpath,/opt/swift/usr/lib/swift/linux -o .build-fuzz/keras-fuzzer 2> >(grep -v "Cannot export local symbol" >&2)
mkdir -p .build-fuzz/corpus .build-fuzz/seeds .build-fuzz/artifacts
# Seeds: the real files, the hostile corpus (small files of this project's making) and past findings.
swift build --product hostile-corpus
.build/debug/hostile-corpus .build-fuzz/seeds "$KERAS_SWIFT_SHARED/keras-reference"
cp "$KERAS_SWIFT_SHARED"/keras-reference/* .build-fuzz/seeds/
cp fixtures/fuzz-regressions/* .build-fuzz/seeds/ 2>/dev/null || true
# libhdf5 (not instrumented, not ours) reads and copies past its own buffers on some crafted files and asks malloc for
# absurd sizes (which returns NULL outside ASan, and libhdf5 reports an error); string and memcpy checks are off
# and huge mallocs return NULL, so that fuzzing goes on past those to this project's code. The tools guard
# against libhdf5's failures by reading untrusted files in a probe process first (FileProbe).
export ASAN_OPTIONS="replace_str=0:replace_intrin=0:allocator_may_return_null=1:detect_leaks=1"
export LSAN_OPTIONS="suppressions=$REPO/fuzz/lsan-suppressions.txt"
cd .build-fuzz
# Fork mode runs inputs in child processes and goes on after a crash, which libhdf5's bugs would otherwise
# end within minutes; every crash is still saved under artifacts/.
./keras-fuzzer corpus seeds -max_total_time="$SECONDS_TO_RUN" -fork="$WORKERS" -ignore_crashes=1 -ignore_ooms=1 \
  -ignore_timeouts=1 -rss_limit_mb=4096 -malloc_limit_mb=0 -max_len=500000 -timeout=30 \
  -artifact_prefix=artifacts/ -print_final_stats=1
