#!/usr/bin/env bash
# Compiles every C kernel for 64-bit ARM (aarch64) with clang's cross target: where x86 SIMD is absent, only
# the portable path is built, and it must still compile. Needs Debian's libc6-dev-arm64-cross (installed
# when missing). Nothing is linked or run: the project is built and tested on x86-64 Linux only.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_system_packages libc6-dev-arm64-cross
cd "$REPO/Sources/CKernels"
output="$(mktemp -d)"
trap 'rm -rf "$output"' EXIT
for source in *.c; do
  /opt/swift/usr/bin/clang --target=aarch64-linux-gnu --sysroot=/usr/aarch64-linux-gnu -isystem /usr/aarch64-linux-gnu/include \
    -O2 -Wall -Werror -Iinclude -c "$source" -o "$output/$source.o"
done
echo "== CKernels compiles for aarch64 (portable path): $(ls "$output" | wc -l) sources"
