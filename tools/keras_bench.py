#!/usr/bin/env python3
"""Keras/TensorFlow's figures for the same measurements as `keras-swift bench`, on this machine.

For each architecture, or each --model file instead: training images/s at the notebook's batch size
(--batch-size for a file) with model.fit, inference images/s at batch 128 over the 10,000 test images
(model.predict), single-image latency of model(x) (median), peak memory, the time to save and load the model's
.h5, and the time h5py takes to read the same weight datasets into numpy. Each model runs in its own process
(its peak memory is its own). One JSON object per line with --json.

--write-models DIR writes the two benchmark models beyond the notebooks' as .keras files (untrained, compiled
with Adam), for both benchmarks to measure: a Sequential BatchNormalization CNN, the residual
BatchNormalization CNN of tools/config_training.py, and a MobileNet-style CNN of depthwise and separable
convolutions.

  python tools/keras_bench.py [--arch A | --model FILE ...] [--batch-size B] [--seconds S] [--json] [--data DIR]
  python tools/keras_bench.py --model FILE --x INPUTS.npy --y TARGETS.npy    # your own arrays instead of MNIST
  python tools/keras_bench.py --write-models DIR
  python tools/keras_bench.py --write-family DIR    # a model per convolution class, for bench --layers
  python tools/keras_bench.py --write-sequence DIR  # the LSTM rows model, the Embedding+GRU text model and its arrays
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import config_training  # noqa: E402  (the residual CNN)
import keras_interop  # noqa: E402  (architectures, preprocessing, MNIST reader)
import keras_zoo  # noqa: E402  (input layout of any model)

ARCHS = keras_interop.ARCHS
BATCH = {"mlp": 32, "convnet": 32, "lenet5": 128, "vgg": 32}


def timed_rate(work, images, seconds):
    work()  # warm-up: graph tracing and compilation
    rounds, started = 0, time.perf_counter()
    while True:
        work()
        rounds += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return rounds * images / elapsed


def training_images(arch, x, labels, batch):
    """The inputs and labels of one timed training epoch of roughly a second: whole batches, at least four."""
    steps = max(4, int(min(len(x) // batch, 400 if arch != "vgg" else 40)))
    return x[: steps * batch], labels[: steps * batch]


def median_latency(call, seconds, warmup):
    """The median time of `call()` in ms after `warmup` calls, over min(seconds, 2) s and at least 10 calls."""
    for _ in range(warmup):
        call()
    latencies, deadline = [], time.perf_counter() + min(seconds, 2)
    while time.perf_counter() < deadline or len(latencies) < 10:
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    return latencies[len(latencies) // 2] * 1000


def batchnorm_cnn(keras):
    """A BatchNormalization CNN as tutorials write it: bias-free convolutions, each followed by
    BatchNormalization and ReLU, max pooling, and a Dense layer with BatchNormalization before the softmax."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(32, 3, use_bias=False), L.BatchNormalization(), L.ReLU(),
        L.Conv2D(32, 3, use_bias=False), L.BatchNormalization(), L.ReLU(), L.MaxPooling2D(),
        L.Conv2D(64, 3, use_bias=False), L.BatchNormalization(), L.ReLU(), L.MaxPooling2D(), L.Flatten(),
        L.Dense(128, use_bias=False), L.BatchNormalization(), L.ReLU(), L.Dense(10, activation="softmax")],
        name="batchnorm_cnn")


def mobile_cnn(keras):
    """A MobileNet-style CNN: a stem convolution, then depthwise 3x3 and pointwise 1x1 convolutions each followed
    by BatchNormalization and ReLU6 (one depthwise strided), a SeparableConv2D, global average pooling."""
    L = keras.layers

    def normalized(layer):
        return [layer, L.BatchNormalization(), L.ReLU(6.0)]

    return keras.Sequential(
        [keras.Input((28, 28, 1))] + normalized(L.Conv2D(32, 3, padding="same", use_bias=False))
        + normalized(L.DepthwiseConv2D(3, padding="same", use_bias=False)) + normalized(L.Conv2D(64, 1, use_bias=False))
        + normalized(L.DepthwiseConv2D(3, strides=2, padding="same", use_bias=False)) + normalized(L.Conv2D(128, 1, use_bias=False))
        + [L.SeparableConv2D(128, 3, padding="same", activation="relu"), L.GlobalAveragePooling2D(), L.Dense(10, activation="softmax")],
        name="mobile_cnn")


BENCH_MODELS = {"batchnorm_cnn": batchnorm_cnn, "residual_cnn": config_training.user_cnn, "mobile_cnn": mobile_cnn}


def family_layers(keras):
    """One layer of each convolution class on a (28, 28, 32) map (2-D) or 28 steps of 32 channels (1-D), each
    with 32 filters where it has filters: the layers whose speed per multiply-add `--write-family` compares."""
    L = keras.layers
    return {
        "conv2d": L.Conv2D(32, 3, padding="same"), "conv2d_stride2": L.Conv2D(32, 3, strides=2, padding="same"),
        "conv2d_dilated": L.Conv2D(32, 3, padding="same", dilation_rate=2), "conv2d_grouped": L.Conv2D(32, 3, padding="same", groups=4),
        "depthwise_conv2d": L.DepthwiseConv2D(3, padding="same"), "separable_conv2d": L.SeparableConv2D(32, 3, padding="same"),
        "conv2d_transpose": L.Conv2DTranspose(32, 3, padding="same"),
        "conv2d_transpose_stride2": L.Conv2DTranspose(32, 3, strides=2, padding="same"),
        "conv1d": L.Conv1D(32, 3, padding="same"), "conv1d_causal_dilated": L.Conv1D(32, 3, padding="causal", dilation_rate=2),
        "depthwise_conv1d": L.DepthwiseConv1D(3, padding="same"), "separable_conv1d": L.SeparableConv1D(32, 3, padding="same"),
        "conv1d_transpose": L.Conv1DTranspose(32, 3, padding="same"),
    }


def write_family(folder):
    """Writes FOLDER/family_<layer>.keras for each of family_layers: (28, 28, 1) images made 32 channels by a
    Dense layer, the layer, global average pooling and a softmax Dense, compiled with Adam. `keras-swift bench
    --layers` gives the layer's own time and GFLOP/s in each."""
    import keras

    os.makedirs(folder, exist_ok=True)
    for name in family_layers(keras):
        keras.utils.set_random_seed(1)
        L = keras.layers
        layer = family_layers(keras)[name]
        one_d = "1d" in name
        stem = [keras.Input((28, 28, 1)), L.Dense(32)] if not one_d else [keras.Input((28, 28, 1)), L.Reshape((28, 28)), L.Dense(32)]
        pooling = L.GlobalAveragePooling1D() if one_d else L.GlobalAveragePooling2D()
        model = keras.Sequential(stem + [layer, pooling, L.Dense(10, activation="softmax")], name="family_" + name)
        model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.save(os.path.join(folder, f"family_{name}.keras"))
        print(os.path.join(folder, f"family_{name}.keras"))


def write_sequence_models(folder):
    """Writes the sequence models of the speed comparison to FOLDER, compiled with Adam: lstm_rows.keras (MNIST
    read row by row, LSTM(64)) and gru_text.keras (80 int32 token ids of a 5,000-word vocabulary through
    Embedding(5000, 32) and GRU(64) to a sigmoid unit), with 4,096 seeded sequences and labels for the text
    model (gru_text.x.npy, gru_text.y.npy)."""
    import keras
    import numpy as np

    os.makedirs(folder, exist_ok=True)
    L = keras.layers
    keras.utils.set_random_seed(1)
    rows = config_training.lstm_rows(keras)
    rows.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rows.save(os.path.join(folder, "lstm_rows.keras"))
    keras.utils.set_random_seed(1)
    text = keras.Sequential([keras.Input((80,), dtype="int32"), L.Embedding(5000, 32), L.GRU(64), L.Dense(1, activation="sigmoid")],
                            name="gru_text")
    text.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy", metrics=["accuracy"])
    text.save(os.path.join(folder, "gru_text.keras"))
    rng = np.random.default_rng(3)
    tokens = rng.integers(0, 5000, size=(4096, 80)).astype("int32")
    np.save(os.path.join(folder, "gru_text.x.npy"), tokens)
    np.save(os.path.join(folder, "gru_text.y.npy"), (tokens[:, :40].mean(axis=1, keepdims=True) > 2500).astype("float32"))
    for name in ["lstm_rows.keras", "gru_text.keras", "gru_text.x.npy", "gru_text.y.npy"]:
        print(os.path.join(folder, name))


def write_models(folder):
    """Writes each of BENCH_MODELS to FOLDER/<name>.keras, compiled with Adam."""
    import keras

    os.makedirs(folder, exist_ok=True)
    for name, builder in BENCH_MODELS.items():
        keras.utils.set_random_seed(1)
        model = builder(keras)
        model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.save(os.path.join(folder, name + ".keras"))
        print(os.path.join(folder, name + ".keras"))


def subject(arch, path, batch_size, images, keras):
    """The name, compiled model, test inputs and training batch size of an architecture or a model file (its
    compiled loss and optimizer, else sparse cross-entropy and Adam; pixels / 255 in its input layout)."""
    if arch:
        keras.utils.set_random_seed(1)
        model = keras_interop.build(arch, keras)
        keras_interop.compile_for(arch, model, keras)
        return arch, model, keras_interop.preprocess(arch, images), BATCH[arch]
    model = load_file_model(path, keras)
    name = os.path.splitext(os.path.basename(path))[0]
    return name, model, keras_zoo.inputs(model, images, "unit") if images is not None else None, batch_size


def load_file_model(path, keras):
    """A model file compiled: with its own loss and optimizer, else sparse cross-entropy and Adam."""
    if path.endswith(".json"):
        with open(path) as f:
            model = keras.models.model_from_json(f.read())
    else:
        model = keras.models.load_model(path)
    if model.optimizer is None or getattr(model, "loss", None) is None:
        model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def measure(arch, path, batch_size, data_dir, seconds, arrays=None):
    """The figures of an architecture or model file, on MNIST's test images or on `arrays` (an input .npy
    and a target .npy, `--x` and `--y`)."""
    import h5py
    import keras
    import numpy as np

    if arrays:
        x, labels = (np.load(array) for array in arrays)
        name, model, _, batch = subject(None, path, batch_size, None, keras)
    else:
        images, labels = keras_interop.load_mnist(data_dir, "test")
        name, model, x, batch = subject(arch, path, batch_size, images, keras)
    xs, ys = training_images(arch, x, labels, batch)
    train = timed_rate(lambda: model.fit(xs, ys, batch_size=batch, epochs=1, verbose=0, shuffle=True), len(xs), seconds)
    infer = timed_rate(lambda: model.predict(x, batch_size=128, verbose=0), len(x), seconds)
    one = x[:1]
    latency = median_latency(lambda: model(one), seconds, warmup=1)
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "model.h5")
    saves, loads, reads = [], [], []
    for _ in range(5):
        started = time.perf_counter()
        model.save(path)
        saves.append(time.perf_counter() - started)
        started = time.perf_counter()
        keras.models.load_model(path, compile=False)
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        with h5py.File(path, "r") as f:
            weights = f["model_weights"]
            arrays = [np.asarray(weights[layer][name]) for layer in weights.attrs["layer_names"]
                      for name in weights[layer].attrs["weight_names"]]
        reads.append(time.perf_counter() - started)
        assert sum(a.size for a in arrays) == model.count_params()
    for leftover in os.listdir(folder):
        os.remove(os.path.join(folder, leftover))
    os.rmdir(folder)
    return {
        "arch": name, "train_images_per_s": round(train), "infer_images_per_s": round(infer),
        "latency_ms": latency,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "h5_load_s": sorted(loads)[2], "h5_save_s": sorted(saves)[2], "h5py_read_s": sorted(reads)[2],
        "keras_version": keras.__version__, "backend": keras.backend.backend(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=ARCHS)
    parser.add_argument("--model", action="append", default=[], help="a model file (.keras, .h5 or config .json); repeatable")
    parser.add_argument("--batch-size", type=int, default=32, help="training batch size for --model files")
    parser.add_argument("--write-models", metavar="DIR", help="write the benchmark models beyond the notebooks' to DIR")
    parser.add_argument("--write-family", metavar="DIR", help="write a model per convolution class to DIR (see write_family)")
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"))
    parser.add_argument("--write-sequence", metavar="DIR", help="write the sequence models and the text model's arrays to DIR")
    parser.add_argument("--x", help="the inputs of one --model as a .npy, instead of MNIST's test images")
    parser.add_argument("--y", help="the targets for --x (.npy)")
    args = parser.parse_args()
    if args.write_models or args.write_family or args.write_sequence:
        if args.write_models:
            write_models(args.write_models)
        if args.write_family:
            write_family(args.write_family)
        if args.write_sequence:
            write_sequence_models(args.write_sequence)
        return
    if bool(args.x) != bool(args.y) or (args.x and len(args.model) != 1):
        sys.exit("--x and --y go together, with one --model")
    if not args.data and not args.x:
        sys.exit("MNIST not found: pass --data DIR or set MNIST_DIR")
    if args.arch and args.model:
        sys.exit("give --arch or --model, not both")
    if args.arch or len(args.model) == 1:
        print(json.dumps(measure(args.arch, args.model[0] if args.model else None, args.batch_size, args.data, args.seconds,
                                 [args.x, args.y] if args.x else None)))
        return
    if not args.json:
        print("model             train img/s  infer img/s  latency ms  peak MB  h5 load ms  h5 save ms  h5py read ms")
    subjects = [["--model", path] for path in args.model] or [["--arch", arch] for arch in ARCHS]
    for chosen in subjects:
        out = subprocess.run([sys.executable, __file__, *chosen, "--batch-size", str(args.batch_size), "--seconds", str(args.seconds),
                              "--data", args.data], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        if args.json:
            print(out, flush=True)
            continue
        r = json.loads(out)
        print(f"{r['arch']:<16}{r['train_images_per_s']:>13,}{r['infer_images_per_s']:>13,}{r['latency_ms']:>12.3f}"
              f"{r['peak_rss_mb']:>9}{r['h5_load_s'] * 1000:>12.1f}{r['h5_save_s'] * 1000:>12.1f}{r['h5py_read_s'] * 1000:>14.1f}",
              flush=True)


if __name__ == "__main__":
    main()
