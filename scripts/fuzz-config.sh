#!/usr/bin/env bash
# Structure-aware fuzzing of the model-config reader with libFuzzer and AddressSanitizer: every input is a
# config that is parsed, built, written back, run forward and through a training step (as `train --model`
# does), and inputs mutate as JSON (Sources/KerasConfigFuzz). Seeds: the notebooks' four configs, and the
# hostile corpus's configs, among them one of every layer class.
#   bash scripts/fuzz-config.sh [SECONDS]     default: 180 seconds
# Exits non-zero, printing the input, when an input crashes, leaks or runs out of memory: the project's own
# code is all that runs here (no libhdf5), so every finding is a bug to fix and to keep as a hostile case.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
SECONDS_TO_RUN="${1:-180}"
OUT=.build-fuzz-config
swift build --scratch-path "$OUT" -c release --product _KerasConfigFuzz -Xswiftc -sanitize=fuzzer,address
/opt/swift/usr/bin/clang -fsanitize=fuzzer,address "$REPO/$OUT/release/lib_KerasConfigFuzz.so" \
  -Wl,-rpath,/opt/swift/usr/lib/swift/linux -o "$OUT/config-fuzzer" 2> >(grep -v "Cannot export local symbol" >&2)
rm -rf "$OUT/seeds" "$OUT/artifacts"
mkdir -p "$OUT/corpus" "$OUT/seeds" "$OUT/artifacts" "$OUT/cases"
swift build -c release --product hostile-corpus --product keras-swift
.build/release/hostile-corpus "$OUT/cases" "$KERAS_SWIFT_SHARED/keras-reference" > /dev/null
cp "$OUT"/cases/*.json "$OUT/seeds/"
rm "$OUT/seeds/9980-layers.json"  # each mutation of it builds ten thousand layers: too slow a seed
for arch in mlp convnet lenet5 vgg; do
  .build/release/keras-swift train --arch "$arch" --epochs 0 --data "$MNIST_DIR" --out "$OUT/cases/$arch.keras" > /dev/null
  python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("config.json"))' \
    "$OUT/cases/$arch.keras" > "$OUT/seeds/$arch.json"
done
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export LSAN_OPTIONS="suppressions=$REPO/fuzz/lsan-suppressions.txt"
cd "$OUT"
status=0
./config-fuzzer corpus seeds -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=6144 -malloc_limit_mb=2048 -max_len=2000000 \
  -timeout=60 -artifact_prefix=artifacts/ -print_final_stats=1 || status=$?
for finding in artifacts/*; do
  [ -e "$finding" ] || continue
  echo "== config fuzzing found $finding:"
  head -c 4000 "$finding"; echo
done
exit "$status"
