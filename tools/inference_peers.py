#!/usr/bin/env python3
"""Inference speed of the four notebook models in keras-swift, onnxruntime (running keras-swift's own ONNX
export of the model) and Keras, measured in one run on this machine, rounds alternating between the engines.

For each architecture, Keras builds the model (seeded) and saves it as .keras; `keras-swift convert` writes its
ONNX export. Per round and model: `keras-swift bench --arch` and `tools/keras_bench.py --arch` (each in a
process of its own: inference images/s at batch 128 over the 10,000 MNIST test images, and the median latency
of one image), and onnxruntime on the export (2 intra-op threads, as the machine has 2 cores; the same images,
preprocessed as the notebook does, at batch 128, then one image at a time). Weights do not change the work.
Prints one table per round with the processor, and with --json one JSON object per model and round.

  python tools/inference_peers.py --keras-swift .build/release/keras-swift --data DIR [--arch A ...]
      [--rounds 2] [--seconds 3] [--json]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras_interop  # noqa: E402  (architectures, preprocessing, MNIST reader)

HERE = os.path.dirname(os.path.abspath(__file__))


def processor():
    """The processor's model name, family and model numbers and widest vector instructions, from /proc/cpuinfo."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
                if key.strip() == "flags":
                    break
    except OSError:
        pass
    flags = set(fields.get("flags", "").split())
    vector = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return (f"{fields.get('model name', platform.processor() or 'unknown')} "
            f"(family {fields.get('cpu family', '?')} model {fields.get('model', '?')}, {vector})")


def export(arch, folder, keras_swift):
    """The arch's .keras (built by Keras) and keras-swift's ONNX export of it."""
    import keras
    keras.utils.set_random_seed(1)
    model = keras_interop.build(arch, keras)
    source, onnx_path = os.path.join(folder, arch + ".keras"), os.path.join(folder, arch + ".onnx")
    model.save(source)
    subprocess.run([keras_swift, "convert", source, onnx_path], check=True, capture_output=True)
    return onnx_path


def onnxruntime_figures(path, x, seconds):
    """Images/s at batch 128 over x, and the median latency of one image, in ms."""
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = 2, 1
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def predict():
        for start in range(0, len(x), 128):
            session.run(None, {name: x[start:start + 128]})

    predict()
    rounds, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        predict()
        rounds += 1
    rate = rounds * len(x) / (time.perf_counter() - started)
    one, latencies = {name: x[:1]}, []
    for _ in range(20):
        session.run(None, one)
    deadline = time.perf_counter() + min(seconds, 2)
    while time.perf_counter() < deadline or len(latencies) < 10:
        started = time.perf_counter()
        session.run(None, one)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    return round(rate), latencies[len(latencies) // 2] * 1000


def last_json(command):
    """The last line of a command's output, as JSON."""
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keras-swift", required=True, help="the keras-swift binary (a release build)")
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"), help="the MNIST folder")
    parser.add_argument("--arch", action="append", choices=keras_interop.ARCHS, help="only these architectures (repeatable)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.data:
        sys.exit("MNIST not found: pass --data DIR or set MNIST_DIR")
    archs = args.arch or keras_interop.ARCHS
    folder = tempfile.mkdtemp()
    exports = {arch: export(arch, folder, args.keras_swift) for arch in archs}
    images, _ = keras_interop.load_mnist(args.data, "test")
    for round_number in range(1, args.rounds + 1):
        if not args.json:
            print(f"round {round_number} of {args.rounds} on {processor()}, 2 threads each")
            print("model      infer img/s b128: keras-swift  onnxruntime      Keras   vs ORT | "
                  "one image ms: keras-swift  onnxruntime   Keras   vs ORT")
        for arch in archs:
            ours = last_json([args.keras_swift, "bench", "--arch", arch, "--json", "--seconds", str(args.seconds), "--data", args.data])
            rate, latency = onnxruntime_figures(exports[arch], keras_interop.preprocess(arch, images), args.seconds)
            theirs = last_json([sys.executable, os.path.join(HERE, "keras_bench.py"), "--arch", arch, "--json",
                                "--seconds", str(args.seconds), "--data", args.data])
            row = {"round": round_number, "arch": arch, "processor": processor(),
                   "keras_swift": {"infer_images_per_s": ours["infer_images_per_s"], "latency_ms": ours["latency_ms"]},
                   "onnxruntime": {"infer_images_per_s": rate, "latency_ms": latency},
                   "keras": {"infer_images_per_s": theirs["infer_images_per_s"], "latency_ms": theirs["latency_ms"]}}
            if args.json:
                print(json.dumps(row), flush=True)
                continue
            print(f"{arch:<10}{ours['infer_images_per_s']:>29,}{rate:>13,}{theirs['infer_images_per_s']:>11,}"
                  f"{ours['infer_images_per_s'] / rate:>8.2f}x |{ours['latency_ms']:>26.3f}{latency:>13.3f}"
                  f"{theirs['latency_ms']:>8.3f}{latency / ours['latency_ms']:>8.2f}x", flush=True)


if __name__ == "__main__":
    main()
