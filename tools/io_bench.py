#!/usr/bin/env python3
"""Large-file speed: keras-swift's load, save and convert of a big model beside Keras's own, in one run.

Keras builds a Dense stack of about --params parameters (784 inputs, ten softmax outputs), trains it one step
with Adam (so the files carry three floats per parameter, as a trained model's do), and saves it as `.h5`,
`.weights.h5` and `.keras`. Then, on the same files in the same run:

- Keras: load_model of each full-model form (with its optimizer state), load_weights of the `.weights.h5`
  into the model, and model.save to each form, best of --rounds, timed in its process after a warm-up.
- keras-swift: `predict` of one image from each form (a load; the `.weights.h5` with the model's config), `convert` between every pair of forms (a load
  with the optimizer state and a save, each as the tool times it), and `h5tool dump` of the `.h5` (plain and with --stats), each as its own process, best of
  --rounds, with the process's peak resident memory (from wait4).

One line per operation, or JSON lines with --json. The processor is named first.

  python tools/io_bench.py --keras-swift .build/release/keras-swift --h5tool .build/release/h5tool \
      [--params 45000000] [--rounds 2] [--dir /tmp/io-bench] [--json]
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FORMS = {"h5": "model.h5", "keras": "model.keras", "weights": "model.weights.h5"}


def processor():
    try:
        with open("/proc/cpuinfo") as info:
            lines = info.read().splitlines()
        name = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
        flags = next(line.split(":", 1)[1].split() for line in lines if line.startswith("flags"))
        isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
        return f"{name}, {isa}, {os.cpu_count()} cores"
    except (OSError, StopIteration):
        return platform.processor() or "unknown processor"


def build_model(keras, params):
    """A Dense stack of about `params` parameters: 784 -> w -> w -> w -> 10."""
    # 784w + 2w^2 + 10w + 3w + 10 = params, solved for w.
    a, b = 2.0, 797.0
    width = int((-b + (b * b + 4 * a * (params - 10)) ** 0.5) / (2 * a))
    layers = [keras.Input((784,), name="pixels")]
    layers += [keras.layers.Dense(width, activation="relu") for _ in range(3)]
    layers += [keras.layers.Dense(10, activation="softmax")]
    model = keras.Sequential(layers, name="big_dense")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def best_of(rounds, work):
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def run_child(command):
    """Runs a command; returns (seconds, peak resident MB, standard output). Raises on failure, printing its
    error. The output is read after the child exits (it prints one line), so wait4 reports on it alone."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    output, error = child.stdout.read().decode(), child.stderr.read().decode()
    child.stdout.close()
    child.stderr.close()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"failed ({child.returncode}): {' '.join(command)}\n{error}")
    return elapsed, usage.ru_maxrss * 1024 / 1e6, output


def keras_part(args):
    """In a child process (its memory is not charged to the keras-swift processes started later): builds and
    saves the model, times Keras, and prints the header and Keras's rows as JSON lines."""
    import numpy as np
    import keras

    paths = {form: os.path.join(args.dir, name) for form, name in FORMS.items()}
    model = build_model(keras, args.params)
    x = np.random.default_rng(0).random((32, 784), dtype=np.float32)
    model.fit(x, np.arange(32) % 10, epochs=1, batch_size=32, verbose=0)
    model.save(paths["h5"])
    model.save(paths["keras"])
    model.save_weights(paths["weights"])
    with open(os.path.join(args.dir, "config.json"), "w") as config:
        config.write(model.to_json())
    np.save(os.path.join(args.dir, "one.npy"), x[:1])
    weight_bytes = 4 * sum(int(np.prod(v.shape)) for v in model.weights + model.optimizer.variables)
    print(json.dumps({"processor": processor(), "parameters": model.count_params(), "weight_bytes": weight_bytes,
                      "h5_mb": round(os.path.getsize(paths["h5"]) / 1e6), "keras": keras.__version__}), flush=True)
    for form in ("h5", "keras"):
        keras.saving.load_model(paths[form])  # warm-up
        seconds = best_of(args.rounds, lambda: keras.saving.load_model(paths[form]))
        print(json.dumps({"operation": f"load .{form}", "engine": "keras", "seconds": seconds}), flush=True)
    model.load_weights(paths["weights"])  # warm-up
    seconds = best_of(args.rounds, lambda: model.load_weights(paths["weights"]))
    print(json.dumps({"operation": "load .weights (into the model)", "engine": "keras", "seconds": seconds}), flush=True)
    saved = os.path.join(args.dir, "keras-saved")
    for form, suffix in (("h5", ".h5"), ("keras", ".keras"), ("weights", ".weights.h5")):
        save = (lambda: model.save_weights(saved + suffix)) if form == "weights" else (lambda: model.save(saved + suffix))
        save()
        seconds = best_of(args.rounds, save)
        print(json.dumps({"operation": f"save .{form}", "engine": "keras", "seconds": seconds}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keras-swift", required=True)
    parser.add_argument("--h5tool", required=True)
    parser.add_argument("--params", type=int, default=45_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dir", default="/tmp/io-bench")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keras-part", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    if args.keras_part:
        return keras_part(args)

    paths = {form: os.path.join(args.dir, name) for form, name in FORMS.items()}
    keras_run = subprocess.run([sys.executable, os.path.abspath(__file__), "--keras-part", "--keras-swift", args.keras_swift, "--h5tool", args.h5tool, "--params", str(args.params),
                                "--rounds", str(args.rounds), "--dir", args.dir],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True)
    header, *keras_rows = [json.loads(line) for line in keras_run.stdout.splitlines() if line.startswith("{")]
    weight_bytes = header["weight_bytes"]

    def report(row):
        row["seconds"] = round(row["seconds"], 3)
        if "peak_mb" in row:
            row["peak_vs_weights"] = round(row["peak_mb"] * 1e6 / weight_bytes, 2)
            row["peak_mb"] = round(row["peak_mb"])
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            memory = f"  peak {row['peak_mb']} MB ({row['peak_vs_weights']}x the weights)" if "peak_mb" in row else ""
            print(f"{row['operation']:<32} {row['engine']:<12} {row['seconds']:7.3f} s{memory}", flush=True)

    def measure(operation, command):
        seconds, peak, output = min(run_child(command) for _ in range(args.rounds))
        report({"operation": operation, "engine": "keras-swift", "seconds": seconds, "peak_mb": peak})
        return output

    def measure_convert(source, target, destination):
        """A convert, then its read and its write as the tool times them (from the same, fastest, run)."""
        output = measure(f"convert .{source} -> .{target}", [args.keras_swift, "convert", paths[source], destination])
        timing = re.search(r"read in ([0-9.]+) s, written in ([0-9.]+) s", output)
        if timing:
            report({"operation": f"  of which load .{source}", "engine": "keras-swift", "seconds": float(timing[1])})
            report({"operation": f"  of which save .{target}", "engine": "keras-swift", "seconds": float(timing[2])})

    print(json.dumps(header) if args.json else
          f"{header['processor']}; {header['parameters']:,} parameters, {weight_bytes / 1e6:.0f} MB of weights and "
          f"Adam state; .h5 {header['h5_mb']} MB; Keras {header['keras']}", flush=True)
    for row in keras_rows:
        report(row)
    one, output = os.path.join(args.dir, "one.npy"), os.path.join(args.dir, "p.npy")
    for form in ("h5", "keras"):
        measure(f"load .{form} (predict)", [args.keras_swift, "predict", paths[form], "--x", one, "--output", output])
    measure("load .weights (predict)", [args.keras_swift, "predict", paths["weights"], "--config", os.path.join(args.dir, "config.json"),
                                        "--x", one, "--output", output])
    for source in ("h5", "keras"):
        for target, suffix in (("h5", ".h5"), ("keras", ".keras"), ("weights", ".weights.h5")):
            measure_convert(source, target, os.path.join(args.dir, f"converted-{source}{suffix}"))
    measure("h5tool dump .h5", [args.h5tool, "dump", paths["h5"]])
    measure("h5tool dump --stats .h5", [args.h5tool, "dump", "--stats", paths["h5"]])


if __name__ == "__main__":
    main()
