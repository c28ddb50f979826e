#!/usr/bin/env bash
# Builds the KerasSwift DocC catalog (Sources/KerasSwift/KerasSwift.docc) with warnings as errors, so that a
# symbol link the API no longer has, or a malformed page, fails CI instead of shipping. About 20 s after a
# build; the archive lands in .build/plugins/Swift-DocC/outputs.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
swift package generate-documentation --target KerasSwift --warnings-as-errors
echo "== the KerasSwift DocC catalog builds without warnings"
