#!/usr/bin/env bash
# Installs what is missing, builds the release binaries, and runs the main job on a real Keras file.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_system_packages
cd "$REPO"
swift build -c release
echo
echo "== h5tool dump $KERAS_SWIFT_SHARED/keras-reference/LeNet5.h5"
.build/release/h5tool dump "$KERAS_SWIFT_SHARED/keras-reference/LeNet5.h5"
