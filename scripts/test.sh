#!/usr/bin/env bash
# Runs the whole test suite on release builds (numeric code is 10-100x slower in debug).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
swift test -c release -Xswiftc -enable-testing "$@"
