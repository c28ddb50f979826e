#!/usr/bin/env python3
"""Training and inference speed of keras-swift beside PyTorch, onnxruntime (running keras-swift's own ONNX
export of the model) and Keras, measured in one run on this machine, the engines taking turns model by model.

Subjects: the four notebook architectures (--arch, Keras builds each seeded and saves it as .keras) and any
model files (--model, e.g. those `tools/keras_bench.py --write-models DIR` and `--write-sequence DIR` write).
`keras-swift convert` writes each one's ONNX export. Per round and subject, each engine in a process of its
own, 2 threads each (the machine's 2 cores):
- keras-swift: `keras-swift bench --arch A` or `--model FILE --batch-size 32`;
- PyTorch: tools/torch_bench.py (the same architecture and weights, checked against Keras's predictions);
- onnxruntime on the export: the same images at batch 128, then one image at a time (inference only);
- Keras: tools/keras_bench.py.
Training is images/s at the notebook's batch size (32 for files) with the model's recipe; inference images/s
at batch 128 over the 10,000 MNIST test images preprocessed as the notebook does (pixels / 255 for files);
one image the median latency of a call. Prints one table per round with the processor; --json prints one
JSON object per subject and round instead.

  python tools/peers.py --keras-swift .build/release/keras-swift --data DIR [--arch A ...] [--model FILE ...]
      [--rounds 2] [--seconds 3] [--json]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras_bench  # noqa: E402  (the rate and latency measurements)
import keras_interop  # noqa: E402  (architectures, preprocessing, MNIST reader)
import keras_zoo  # noqa: E402  (input layout of any model)

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


class Subject:
    """A notebook architecture or a model file: its name, its .keras source, its ONNX export, its test inputs
    and the arguments that pick it in every bench."""

    def __init__(self, arch, path, folder, keras_swift, images):
        import keras
        if arch:
            keras.utils.set_random_seed(1)
            model = keras_interop.build(arch, keras)
            path = os.path.join(folder, arch + ".keras")
            model.save(path)
            self.name, self.inputs = arch, keras_interop.preprocess(arch, images)
            self.arguments = ["--arch", arch]
        else:
            model = keras.models.load_model(path, compile=False)
            self.name, self.inputs = os.path.splitext(os.path.basename(path))[0], keras_zoo.inputs(model, images, "unit")
            self.arguments = ["--model", path, "--batch-size", "32"]
        self.onnx = os.path.join(folder, self.name + ".onnx")
        subprocess.run([keras_swift, "convert", path, self.onnx], check=True, capture_output=True)


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

    rate = keras_bench.timed_rate(predict, len(x), seconds)
    one = {name: x[:1]}
    return round(rate), keras_bench.median_latency(lambda: session.run(None, one), seconds, warmup=20)


def last_json(command):
    """The last line of a command's output, as JSON."""
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def row(subject, args, round_number):
    """One subject's figures in every engine, measured in turn."""
    data = ["--seconds", str(args.seconds), "--data", args.data]
    ours = last_json([args.keras_swift, "bench", *subject.arguments, "--json", *data])
    torch = last_json([sys.executable, os.path.join(HERE, "torch_bench.py"), *subject.arguments, *data])
    rate, latency = onnxruntime_figures(subject.onnx, subject.inputs, args.seconds)
    keras = last_json([sys.executable, os.path.join(HERE, "keras_bench.py"), *subject.arguments, "--json", *data])
    engines = {"keras_swift": ours, "pytorch": torch, "keras": keras,
               "onnxruntime": {"infer_images_per_s": rate, "latency_ms": latency}}
    return {"round": round_number, "model": subject.name, "processor": processor(),
            **{engine: {key: figures[key] for key in ("train_images_per_s", "infer_images_per_s", "latency_ms") if key in figures}
               for engine, figures in engines.items()}}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keras-swift", required=True, help="the keras-swift binary (a release build)")
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"), help="the MNIST folder")
    parser.add_argument("--arch", action="append", choices=keras_interop.ARCHS, help="this architecture (repeatable)")
    parser.add_argument("--model", action="append", default=[], help="this model file (repeatable)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.data:
        sys.exit("MNIST not found: pass --data DIR or set MNIST_DIR")
    folder = tempfile.mkdtemp()
    images, _ = keras_interop.load_mnist(args.data, "test")
    subjects = [Subject(arch, None, folder, args.keras_swift, images) for arch in args.arch or ([] if args.model else keras_interop.ARCHS)]
    subjects += [Subject(None, path, folder, args.keras_swift, images) for path in args.model]
    for round_number in range(1, args.rounds + 1):
        if not args.json:
            print(f"round {round_number} of {args.rounds} on {processor()}, 2 threads each")
            print("model          train img/s: keras-swift  PyTorch   Keras vs PyTorch vs Keras | infer img/s b128: keras-swift"
                  "  onnxruntime  PyTorch   Keras  vs ORT | one image ms: keras-swift    ORT  PyTorch   Keras  vs ORT")
        for subject in subjects:
            r = row(subject, args, round_number)
            if args.json:
                print(json.dumps(r), flush=True)
                continue
            ours, torch, ort, keras = r["keras_swift"], r["pytorch"], r["onnxruntime"], r["keras"]
            print(f"{r['model']:<15}{ours['train_images_per_s']:>25,}{torch['train_images_per_s']:>9,}{keras['train_images_per_s']:>8,}"
                  f"{ours['train_images_per_s'] / torch['train_images_per_s']:>10.2f}x{ours['train_images_per_s'] / keras['train_images_per_s']:>8.2f}x |"
                  f"{ours['infer_images_per_s']:>29,}{ort['infer_images_per_s']:>13,}{torch['infer_images_per_s']:>9,}{keras['infer_images_per_s']:>8,}"
                  f"{ours['infer_images_per_s'] / ort['infer_images_per_s']:>7.2f}x |{ours['latency_ms']:>26.3f}{ort['latency_ms']:>7.3f}"
                  f"{torch['latency_ms']:>9.3f}{keras['latency_ms']:>8.2f}{ort['latency_ms'] / ours['latency_ms']:>7.2f}x", flush=True)


if __name__ == "__main__":
    main()
