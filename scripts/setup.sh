#!/usr/bin/env bash
# Installs what is missing, builds the release binaries, and runs the main job on a real Keras file.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_system_packages
cd "$REPO"
swift build -c release
echo
echo "== keras-swift evaluate LeNet5.weights.h5 (the notebook's LeNet-5) on the MNIST test set"
.build/release/keras-swift evaluate "$KERAS_SWIFT_SHARED/keras-reference/LeNet5.weights.h5" --data "$MNIST_DIR"
