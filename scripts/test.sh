#!/usr/bin/env bash
# Runs every test: the Swift suite on the release build setup.sh made (numeric code is 10-100x slower in
# debug; the suite imports nothing @testable, so the modules are not compiled again for it), then the
# interoperability checks in which Keras itself loads what keras-swift writes and the other way round.
# SKIP_KERAS=1 skips the Keras checks (and the TensorFlow download they need on first use). Last, a small run
# of the large-file benchmark keeps its command working.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
# The suite's output is kept, to repeat after it which kernel paths it tested.
mkdir -p .build
swift test -c release --disable-testable-imports "$@" 2>&1 | tee .build/swift-test.log
echo "== $(grep -m1 -o 'kernel paths tested on this processor: .*' .build/swift-test.log || echo 'kernel path tests did not run')"
if [ "${SKIP_KERAS:-0}" = 1 ]; then
  echo "SKIP_KERAS=1: skipping the Keras interoperability checks"
  exit 0
fi
ensure_keras_environment
echo
echo "== Keras interoperability: tools/interop_check.py"
"$KERAS_PYTHON" tools/interop_check.py --keras-swift .build/release/keras-swift --data "$MNIST_DIR"
echo
echo "== Large files: tools/io_bench.py on a model of 2 M parameters (a smoke run; docs/speed.md has the figures)"
"$KERAS_PYTHON" tools/io_bench.py --keras-swift .build/release/keras-swift --h5tool .build/release/h5tool \
    --params 2000000 --rounds 1 --dir "$(mktemp -d)"
