#!/usr/bin/env python3
"""Runs every file of the hostile corpus through a build's tools and tallies what happened: refused (exit 1),
accepted (exit 0), trained into NaN (exit 0 with a NaN loss printed), crashed (killed by a signal) or hung
(past --timeout). For comparing two builds on the same corpus, e.g. before and after a fix:

  .build/release/hostile-corpus /tmp/corpus ../shared/keras-reference
  python3 tools/hostile_outcomes.py --tools .build/release --corpus /tmp/corpus --data ../shared/data/mnist

Byte-level damage (truncated and flipped copies of the real files) is left out: every build refuses it the
same way. Each model file goes through predict, convert, train --resume and h5tool dump; each config
(.json) through train --model.
"""
import argparse
import collections
import os
import shutil
import subprocess
import tempfile

BYTE_DAMAGE = ("truncated", "flipped", "empty.h5", "text.h5")


def outcome(arguments, timeout):
    try:
        result = subprocess.run(arguments, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hung"
    if result.returncode < 0 or result.returncode > 2:
        return "crashed"
    if result.returncode == 0:
        return "trained into NaN" if "loss nan" in result.stdout.lower() else "accepted"
    return "refused"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tools", required=True, help="folder holding the keras-swift and h5tool executables")
    parser.add_argument("--corpus", required=True, help="folder hostile-corpus wrote")
    parser.add_argument("--data", required=True, help="MNIST folder")
    parser.add_argument("--timeout", type=float, default=30)
    options = parser.parse_args()
    tool, h5tool = os.path.join(options.tools, "keras-swift"), os.path.join(options.tools, "h5tool")
    training = ["--data", options.data, "--epochs", "1", "--limit", "64", "--validation-split", "0.5"]
    tally = collections.Counter()
    for name in sorted(os.listdir(options.corpus)):
        if any(part in name for part in BYTE_DAMAGE):
            continue
        path = os.path.join(options.corpus, name)
        arch = ["--arch", "lenet5"] if name.endswith(".weights.h5") and not name.startswith("unrecognisable") else []
        scratch = tempfile.mkdtemp()
        if name.endswith(".json"):
            uses = {"train --model": [tool, "train", "--model", path, "--out", scratch + "/t.keras"] + training}
        else:
            uses = {
                "predict": [tool, "predict", path, "--index", "0", "--data", options.data] + arch,
                "convert": [tool, "convert", path, scratch + "/c.keras"] + arch,
                "train --resume": [tool, "train", "--resume", path, "--out", scratch + "/t.keras"] + training + arch,
                "dump": [h5tool, "dump", path],
            }
        results = {use: outcome(arguments, options.timeout) for use, arguments in uses.items()}
        shutil.rmtree(scratch, ignore_errors=True)
        tally.update(results.values())
        print(name + ": " + ", ".join(f"{use} {result}" for use, result in results.items()), flush=True)
    print("\n" + ", ".join(f"{count} {result}" for result, count in sorted(tally.items())))


if __name__ == "__main__":
    main()
