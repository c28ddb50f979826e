#!/usr/bin/env python3
"""Keeps a fuzzer-found input derived from a real notebook file as a small edit script, not as a copy.

  python tools/fuzz_regression.py make BASE INPUT OUT.json   # BASE: one of ../shared/keras-reference/*
  python tools/fuzz_regression.py apply BASE PATCH.json OUT  # rebuild the input

An edit script lists [start, end, hex] replacements of BASE's bytes, applied from the end backwards;
the tests rebuild each input the same way (TestSupport/FuzzRegression.swift).
"""
import json
import os
import sys


def make(base_path, input_path, out_path):
    base = open(base_path, "rb").read()
    data = open(input_path, "rb").read()
    # Common prefix and suffix, then the differing runs of the middle (one replacement if its length changed).
    prefix = 0
    while prefix < min(len(base), len(data)) and base[prefix] == data[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(base), len(data)) - prefix and base[-1 - suffix] == data[-1 - suffix]:
        suffix += 1
    old, new = base[prefix:len(base) - suffix], data[prefix:len(data) - suffix]
    edits = []
    if len(old) == len(new):
        i = 0
        while i < len(old):
            if old[i] == new[i]:
                i += 1
                continue
            j = i
            while j < len(old) and old[j] != new[j]:
                j += 1
            edits.append([prefix + i, prefix + j, new[i:j].hex()])
            i = j
    elif old or new:
        edits.append([prefix, prefix + len(old), new.hex()])
    if sum(len(e[2]) // 2 for e in edits) > 65536:
        sys.exit(f"{input_path} differs from {base_path} in more than 64 KiB; minimise it first (-minimize_crash=1)")
    patch = {"base": os.path.basename(base_path), "base_size": len(base), "edits": edits}
    if apply(base, patch) != data:
        sys.exit("the edit script does not rebuild the input")
    with open(out_path, "w") as f:
        json.dump(patch, f)
        f.write("\n")
    print(f"{out_path}: {len(edits)} edits")


def apply(base, patch):
    data = bytearray(base)
    for start, end, replacement in sorted(patch["edits"], key=lambda e: e[0], reverse=True):
        data[start:end] = bytes.fromhex(replacement)
    return bytes(data)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "make":
        make(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "apply":
        patch = json.load(open(sys.argv[3]))
        open(sys.argv[4], "wb").write(apply(open(sys.argv[2], "rb").read(), patch))
    else:
        sys.exit(__doc__)
