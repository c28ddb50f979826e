#!/usr/bin/env python3
"""Round trips between keras-swift and Keras itself, for the four architectures and the three file forms.

Swift -> Keras: keras-swift trains each architecture briefly and writes .h5, .weights.h5 and .keras (plus a legacy
.h5 in Keras 2's layout); Keras (and tf-keras, for the Keras 2 file, when installed) loads each one.
Keras -> Swift: Keras trains each architecture briefly and writes the three forms; keras-swift loads each one.
Every file must give the same test accuracy on both sides (to 4 decimals; VGG's on the first 1,000 test images),
losses within 1e-4, and the first 100 class probabilities within 1e-5. A .keras file's optimizer state must arrive in Keras with its step count.
Same start (tools/same_start.py): from one Keras-initialised model, Keras and keras-swift train on the same images
in the same order (no shuffling), partial last batches included, for a few epochs (LeNet-5 with SGD, the
ConvNet with SGD and with Adam); every epoch's training loss must agree within 1e-4, and after the SGD runs
every step keras-swift takes from Keras's weights before it must give Keras's weights after it.
Zoo (tools/keras_zoo.py): models of our own design over the layer classes beyond the notebooks', written by
Keras 3 (.keras, .h5) and tf-keras (Keras 2 .h5, for models of what tf-keras has); keras-swift's predictions for the first 100 test images
must be Keras's within 1e-5, and each model converted by keras-swift to .keras, .h5 and (where tf-keras has its
layers and activations) a Keras 2 .h5 must give Keras (and tf-keras) the same predictions.
Data zoo (tools/keras_data_zoo.py): models on a user's own arrays (binary, regression, multi-label, label
smoothing, a (32, 32, 3) CNN, two inputs one of them int32, a class and a value as two outputs, an
autoencoder), each from Keras 3 and tf-keras: keras-swift predicts within 1e-5 and evaluates every figure of
Keras's evaluate(return_dict=True) within 1e-5 relative; its conversions load in Keras with the same
predictions and compiled figures; training continued from the .keras file keeps Keras's losses and weights, and
Keras evaluates keras-swift's trained file as keras-swift does.
Safetensors, for every zoo and data-zoo model: keras-swift's .safetensors of the Keras file loads with the safetensors
package to the arrays of Keras's model.weights, keyed by their paths; and one the safetensors package writes from those
converts back with the file's architecture into a .keras whose weights Keras loads equal.
Trace, for a few of them (TRACE_MODELS): every layer's output from `keras-swift trace` must be within 1e-5
(relative to the layer's largest value) of Keras's (tools/keras_trace.py) on 16 samples, and after Keras shifts
one output unit's weights of a layer in the middle, the trace must name that layer as the first past the tolerance.
ONNX, for the four notebook models (trained by Keras in the round trips) and every zoo and data-zoo model keras-swift
exports: onnx.checker (full_check) accepts keras-swift's .onnx, and onnxruntime's outputs are within 1e-5 of Keras's
at batch 1 and at a batch of 64 (100 samples for the data zoo); a model keras-swift refuses to export is listed,
not counted.
Shuffling: Keras's fit(shuffle=True) after keras.utils.set_random_seed must keep one order every epoch (what
`keras-swift train --shuffle once` mirrors), and draw a new one each epoch without the seed (`--shuffle epoch`).

  python tools/interop_check.py --keras-swift .build/release/keras-swift --data ../shared/data/mnist [--archs lenet5,vgg]
                                [--checks round-trips,same-start,zoo,data-zoo,shuffling] [--jobs 1]

With --jobs 2 (the default) the kinds run in two processes of their own: zoo, same-start and shuffling in this
one's output as they go; data-zoo and round-trips in a second one, whose output follows when it ends. Most of
the time goes to Keras's Python and to starting keras-swift, one core each, so two processes take 0.6 of the time.

Exit status 0 when every check passes, 1 otherwise (the failing checks are listed).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import keras_interop as ki  # noqa: E402
import keras_data_zoo  # noqa: E402
import keras_zoo  # noqa: E402
from same_start import LOSS_TOLERANCE, same_start  # noqa: E402

# Training images per architecture: enough for a model well above chance, little enough for CI.
LIMITS = {"mlp": 6000, "convnet": 3000, "lenet5": 6000, "vgg": 320}
BATCH = {"mlp": 32, "convnet": 32, "lenet5": 128, "vgg": 32}
# Test images each file is evaluated on: all 10,000, but for VGG, whose 7 files took 11 minutes of CI on both
# sides with the whole test set, the first 1,000.
TEST_IMAGES = {"mlp": 10000, "convnet": 10000, "lenet5": 10000, "vgg": 1000}


class Checks:
    def __init__(self):
        self.results = []

    def add(self, name, ok, detail):
        self.results.append((name, ok, detail))
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)

    def compare(self, name, swift, keras):
        """swift and keras are (accuracy, loss, first-100 probabilities)."""
        same_accuracy = f"{swift[0]:.4f}" == f"{keras[0]:.4f}"
        self.add(f"{name}: accuracy", same_accuracy, f"keras-swift {swift[0]:.4f}, Keras {keras[0]:.4f}")
        loss_gap = abs(swift[1] - keras[1])
        self.add(f"{name}: loss", loss_gap <= 1e-4, f"keras-swift {swift[1]:.6f}, Keras {keras[1]:.6f}")
        gap = float(np.max(np.abs(swift[2] - keras[2])))
        self.add(f"{name}: probabilities", gap <= 1e-5, f"max |difference| {gap:.2e} over {swift[2].shape[0]} images")

    @property
    def failures(self):
        return [r for r in self.results if not r[1]]


class Tool:
    def __init__(self, executable, data):
        self.executable = executable
        self.data = data

    def run(self, *args):
        out = subprocess.run([self.executable, *args], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"keras-swift {' '.join(args)} failed: {out.stderr.strip()}")
        return out.stdout

    def results(self, path, arch, work):
        """Accuracy and loss on the test set and the first 100 probabilities, as keras-swift computes them."""
        arch_args = ["--arch", arch] if path.endswith(".weights.h5") else []
        evaluation = json.loads(self.run("evaluate", path, "--data", self.data, "--json", "--first", str(TEST_IMAGES[arch]),
                                          *arch_args).strip().splitlines()[-1])
        npy = os.path.join(work, os.path.basename(path) + ".swift.npy")
        self.run("predict", path, "--data", self.data, "--first", "100", "--output", npy, *arch_args)
        return evaluation["accuracy"], evaluation["loss"], np.load(npy)


def keras_results(model, arch, data, keras):
    images, labels = ki.load_mnist(data, "test")
    images, labels = images[:TEST_IMAGES[arch]], labels[:TEST_IMAGES[arch]]
    x = ki.preprocess(arch, images)
    probabilities = model.predict(x[:100], batch_size=128, verbose=0)
    ki.compile_for(arch, model, keras)
    loss, accuracy = model.evaluate(x, labels, batch_size=128, verbose=0)
    return accuracy, loss, probabilities


def swift_to_keras(arch, tool, data, work, keras, checks):
    base = os.path.join(work, f"swift-{arch}")
    limit = LIMITS[arch]
    tool.run("train", "--arch", arch, "--epochs", "1", "--limit", str(limit), "--seed", "1", "--out", base + ".h5",
               "--data", data)
    tool.run("convert", base + ".h5", base + ".weights.h5")
    tool.run("convert", base + ".h5", base + ".keras")
    tool.run("convert", base + ".h5", base + "-keras2.h5", "--keras-version", "2")
    steps = math.ceil(limit / BATCH[arch])
    for suffix in [".h5", ".weights.h5", ".keras"]:
        path = base + suffix
        model, _ = ki.load(path, arch, keras)
        if suffix == ".keras":
            compiled = keras.models.load_model(path)
            iterations = int(compiled.optimizer.iterations.numpy())
            checks.add(f"{arch} keras-swift->Keras {suffix}: optimizer steps", iterations == steps,
                       f"Keras restored {iterations}, keras-swift took {steps}")
        checks.compare(f"{arch} keras-swift->Keras {suffix}", tool.results(path, arch, work), keras_results(model, arch, data, keras))
    try:
        import tf_keras
    except ImportError:
        checks.add(f"{arch} keras-swift->tf-keras -keras2.h5", True, "skipped (tf-keras is not installed)")
        return
    model = tf_keras.models.load_model(base + "-keras2.h5", compile=False)
    checks.compare(f"{arch} keras-swift->tf-keras -keras2.h5", tool.results(base + "-keras2.h5", arch, work),
                   keras_results(model, arch, data, tf_keras))


def keras_to_swift(arch, tool, data, work, keras, checks):
    keras.utils.set_random_seed(1)
    model = ki.build(arch, keras)
    ki.compile_for(arch, model, keras)
    images, labels = ki.load_mnist(data, "train")
    limit = LIMITS[arch]
    model.fit(ki.preprocess(arch, images[:limit]), labels[:limit], batch_size=BATCH[arch], epochs=1, verbose=0)
    base = os.path.join(work, f"keras-{arch}")
    model.save(base + ".h5")
    model.save_weights(base + ".weights.h5")
    model.save(base + ".keras")
    reference = keras_results(model, arch, data, keras)
    for suffix in [".h5", ".weights.h5", ".keras"]:
        checks.compare(f"{arch} Keras->keras-swift {suffix}", tool.results(base + suffix, arch, work), reference)
    x = ki.preprocess(arch, ki.load_mnist(data, "test")[0][:64])
    onnx_check(arch, base + ".keras", [x], [model.predict(x, verbose=0)], tool, work, checks)


# Same-start runs: (architecture, optimizer, images, batch size, epochs). The MLP is left out because its
# dropout masks are random on each side, VGG because SGD at 0.01 diverges on its raw pixels.
SAME_START = [("lenet5", "sgd", 3000, 128, 3), ("convnet", "sgd", 1000, 32, 2), ("convnet", "adam", 1000, 32, 1)]


CHECKS = ["round-trips", "same-start", "zoo", "data-zoo", "shuffling"]
# With --jobs 2, the kinds a second process runs: about half of the time.
SECOND_PROCESS_CHECKS = ["data-zoo", "round-trips"]

# Data-zoo training: batch size and epochs each side trains for, from the .keras file's state, in file order.
DATA_ZOO_TRAINING = (16, 2)
# Data-zoo models whose validation loss stops improving within a few epochs: they check the callbacks.
CALLBACK_MODELS = {"two_inputs", "autoencoder"}
# Models whose Keras 2 form comes from tf-keras's own file: they use an activation each Keras defines its own way
# (hard_sigmoid), which a Keras 3 file cannot be written as for tf-keras.
KERAS2_OWN_FILE_MODELS = {"keras2_gates"}

# Models whose every layer's output keras-swift trace compares with Keras's, with a planted error.
TRACE_MODELS = {"functional_bn_residual", "shared_layers", "two_heads", "masked_text", "encoder_decoder", "two_inputs"}
# The layer classes a planted error goes into (their outputs are never folded into another layer's).
TRACE_PLANTED_CLASSES = {"Dense", "LSTM", "GRU", "SimpleRNN", "Bidirectional", "Embedding"}

# Zoo training: images, batch size and epochs each side trains a zoo model on, from the file's weights and
# optimizer state, in file order.
ZOO_TRAINING = (640, 64, 2)
# The weights after that training, keras-swift against Keras in float64, as a share of (1 + the array's largest
# value): at most this, or as far as Keras's own float32 training lands (see zoo_training).
WEIGHT_TOLERANCE = 1e-5


def zoo(tool, data, work, keras, checks, names=None):
    """Every zoo file loads in keras-swift with Keras's predictions; what keras-swift writes back loads in Keras with them."""
    tf_keras = ki.tf_keras_or_none()
    folder = os.path.join(work, "zoo")
    test_images, test_labels = ki.load_mnist(data, "test")
    for entry in keras_zoo.write(folder, data, keras, tf_keras, names):
        name, pixels = entry["name"], entry["pixels"]
        for file in entry["files"]:
            path, reference = file["model"], np.load(file["predictions"])
            output = path + ".swift.npy"
            tool.run("predict", path, "--data", data, "--first", str(len(reference)), "--pixels", pixels, "--output", output)
            # A model with several outputs: keras-swift writes one array per output, next to each other here as in the reference.
            predicted = np.concatenate([np.load(f"{path}.swift.{name}.npy") for name in entry["outputs"]], axis=1) \
                if entry["outputs"] else np.load(output)
            gap = float(np.max(np.abs(predicted - reference)))
            checks.add(f"zoo {os.path.basename(path)} Keras->keras-swift: predictions", gap <= 1e-5,
                       f"max |difference| {gap:.2e} over {len(reference)} images ({', '.join(entry['layers'])})")
        source, reference = entry["files"][0]["model"], np.load(entry["files"][0]["predictions"])
        zoo_evaluation(entry, tool, data, test_images, test_labels, keras, checks)
        safetensors_round_trip(name, source, tool, folder, keras, checks)
        if name in TRACE_MODELS:
            x = os.path.join(folder, f"{name}-x.npy")
            np.save(x, keras_zoo.inputs(keras.models.load_model(source, compile=False), test_images[:16], pixels))
            trace_check(name, source, [x], folder, tool, keras, checks)
        loaded = keras.models.load_model(source, compile=False)
        images = keras_zoo.inputs(loaded, test_images[:64], pixels)
        onnx_check(name, source, [images], keras_data_zoo.as_list(loaded.predict(images, verbose=0)), tool, folder, checks)
        exports = [(".keras", [], keras)] + ([(".h5", [], keras)] if entry["keras3_h5_reload"] else []) \
            + ([("-keras2.h5", ["--keras-version", "2"], tf_keras)] if tf_keras and entry["keras2"] else [])
        for suffix, options, module in exports:
            target = os.path.join(folder, f"{name}-swift{suffix}")
            tool.run("convert", source, target, *options)
            model = module.models.load_model(target, compile=False)
            predicted = keras_zoo.joined(model.predict(keras_zoo.inputs(model, test_images[:len(reference)], pixels), verbose=0))
            gap = float(np.max(np.abs(predicted - reference)))
            checks.add(f"zoo {name} keras-swift->{module.__name__} {suffix}: predictions", gap <= 1e-5,
                       f"max |difference| {gap:.2e} over {len(reference)} images")
            zoo_compiled(entry, module, keras, target, suffix, test_images[:len(reference)], test_labels[:len(reference)], checks)
        if tf_keras and entry["keras2"]:
            zoo_keras2_archive_state(entry, tool, folder, keras, tf_keras, checks)
        if not entry["random_in_training"]:
            zoo_training(entry, tool, data, folder, keras, checks)


def onnx_check(name, source, x, expected, tool, folder, checks):
    """keras-swift's ONNX export of source passes onnx's checker and runs in onnxruntime as Keras predicts:
    x and expected are lists of arrays (per input, per output), whose first axis is the samples."""
    import onnx
    import onnxruntime
    path = os.path.join(folder, f"{name}-swift.onnx")
    out = subprocess.run([tool.executable, "convert", source, path], capture_output=True, text=True)
    if out.returncode != 0:
        checks.add(f"onnx {name}: exported", False, out.stderr.strip().removeprefix("keras-swift: error: "))
        return
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        checks.add(f"onnx {name}: onnx.checker accepts it", True, f"{os.path.getsize(path):,} bytes")
    except Exception as error:  # noqa: BLE001 (the checker's own exceptions vary by version)
        checks.add(f"onnx {name}: onnx.checker accepts it", False, str(error).splitlines()[0])
        return
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    # Each input in the element type the graph declares ("tensor(int32)": Keras's dtype).
    element = {"float": "float32", "double": "float64"}
    types = {i.name: np.dtype(element.get(t := i.type.removeprefix("tensor(").removesuffix(")"), t)) for i in session.get_inputs()}
    for count in [1, len(x[0])]:
        outputs = session.run(None, {n: a[:count].astype(t) for (n, t), a in zip(types.items(), x)})
        gap = max(float(np.max(np.abs(o - np.asarray(e)[:count]))) for o, e in zip(outputs, expected))
        checks.add(f"onnx {name}: onnxruntime at batch {count}", gap <= 1e-5, f"max |difference| from Keras {gap:.2e}")


def safetensors_round_trip(name, source, tool, folder, keras, checks):
    """keras-swift writes the weights of source as safetensors under Keras's paths; the safetensors package writes them
    back, and keras-swift rebuilds source's architecture around them."""
    from safetensors.numpy import load_file, save_file
    expected = {w.path: np.asarray(w.numpy()) for w in keras.models.load_model(source, compile=False).weights}
    ours = os.path.join(folder, f"{name}-swift.safetensors")
    tool.run("convert", source, ours)
    written = load_file(ours)
    same = written.keys() == expected.keys() and all(np.array_equal(written[k], v) and written[k].dtype == v.dtype
                                                     for k, v in expected.items())
    checks.add(f"safetensors {name} keras-swift->safetensors", same,
               f"{len(written)} tensors, Keras's model.weights has {len(expected)}"
               + ("" if written.keys() == expected.keys() else f"; keys differ: {sorted(written.keys() ^ expected.keys())[:4]}"))
    theirs, rebuilt = os.path.join(folder, f"{name}-python.safetensors"), os.path.join(folder, f"{name}-from-safetensors.keras")
    save_file(expected, theirs)
    tool.run("convert", theirs, rebuilt, "--model", source)
    loaded = {w.path: np.asarray(w.numpy()) for w in keras.models.load_model(rebuilt, compile=False).weights}
    same = loaded.keys() == expected.keys() and all(np.array_equal(loaded[k], v) for k, v in expected.items())
    checks.add(f"safetensors {name} safetensors->keras-swift->Keras", same, f"{len(loaded)} weights as Keras wrote them")


def trace_check(name, source, x_paths, folder, tool, keras, checks):
    """keras-swift trace agrees with Keras layer by layer, and names the layer whose weights Keras shifted."""
    flags = [flag for path in x_paths for flag in ["--x", path]] + ["--first", "16"]
    reference = os.path.join(folder, f"{name}-keras-trace.npz")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_trace.py"), source, *flags,
                    "--output", reference], check=True, capture_output=True)
    same = subprocess.run([tool.executable, "trace", source, *flags, "--reference", reference], capture_output=True, text=True)
    lines = same.stdout.strip().splitlines()
    checks.add(f"trace {name}: every layer as Keras computes it", same.returncode == 0,
               (lines[-1] if lines else same.stderr.strip()) + f" ({len(lines) - 1} layer outputs)")
    model = keras.models.load_model(source, compile=False)
    candidates = [layer for layer in model.layers if layer.weights and layer.__class__.__name__ in TRACE_PLANTED_CLASSES]
    target = candidates[len(candidates) // 2]
    # One output unit's weights (the last axis), so that a softmax after it cannot cancel the shift.
    weight = target.weights[0]
    shifted = weight.numpy()
    shifted[..., 0] += 0.1
    weight.assign(shifted)
    planted = os.path.join(folder, f"{name}-planted.keras")
    model.save(planted)
    found = subprocess.run([tool.executable, "trace", planted, *flags, "--reference", reference], capture_output=True, text=True)
    last = found.stdout.strip().splitlines()[-1] if found.stdout.strip() else found.stderr.strip()
    checks.add(f"trace {name}: a shift of {target.name}'s {weight.name} is found there", found.returncode == 1
               and last.startswith(f"first layer past 1e-05: {target.name} "), last)


def zoo_compiled(entry, module, keras, target, suffix, images, labels, checks):
    """The compile settings keras-swift writes back: Keras loads the file compiled and evaluates the same loss and
    metrics, under the same names, as Keras 3 from the original .keras (keras-swift writes metrics as objects with
    their names; Keras 3's own legacy .h5 names a metric given by name after its class, "mse" as
    mean_squared_error). tf-keras names some metrics its own way: there the values must agree, figure for figure."""
    ours = keras_figures(module, target, entry, images, labels)
    theirs = keras_figures(keras, entry["files"][0]["model"], entry, images, labels)
    same = figures_agree(ours, theirs, by_name=module is keras)
    checks.add(f"zoo {entry['name']} keras-swift->{module.__name__} {suffix}: compiled loss and metrics", same,
               f"{sorted(ours)} as Keras 3 compiles the original .keras" if same else f"keras-swift's file {ours}, Keras {theirs}")


def figures_agree(ours, theirs, by_name):
    """Two evaluate(return_dict=True) results within 1e-5 relative: name by name, or (where tf-keras names
    metrics its own way) value by value."""
    close = lambda a, b: abs(a - b) <= 1e-5 * (1 + abs(b))
    if by_name:
        return ours.keys() == theirs.keys() and all(close(ours[k], theirs[k]) for k in theirs)
    return len(ours) == len(theirs) and all(close(a, b) for a, b in zip(sorted(ours.values()), sorted(theirs.values())))


def keras_figures(module, path, entry, images, labels):
    """Keras's evaluate(return_dict=True) of the model file at `path`, compiled as the file says."""
    model = module.models.load_model(path)
    x = keras_zoo.inputs(model, images, entry["pixels"])
    return model.evaluate(x, keras_zoo.targets(labels, entry["loss"]), batch_size=128, verbose=0, return_dict=True)


def zoo_evaluation(entry, tool, data, test_images, test_labels, keras, checks):
    """keras-swift evaluate reports every figure of Keras's evaluate(return_dict=True), by its name: the compiled
    loss (ActivityRegularization's penalty included; for several outputs, each output's loss times its weight,
    and each output's own loss) and each compiled metric, on the test images the predictions were compared on."""
    source = entry["files"][0]["model"]
    count = len(np.load(entry["files"][0]["predictions"]))
    figures = keras_figures(keras, source, entry, test_images[:count], test_labels[:count])
    evaluation = json.loads(tool.run("evaluate", source, "--data", data, "--json", "--first", str(count),
                                       "--pixels", entry["pixels"]).strip().splitlines()[-1])
    for name, keras_value in figures.items():
        ours = evaluation.get(name)
        checks.add(f"zoo {entry['name']} evaluate: {name}", ours is not None and abs(ours - keras_value) <= 1e-5 * (1 + abs(keras_value)),
                   f"keras-swift {ours}, Keras {keras_value:.6f} over {count} images")


def zoo_keras2_archive_state(entry, tool, folder, keras, tf_keras, checks):
    """The optimizer state of tf-keras's .keras archive survives keras-swift: converted to a Keras 3 .keras, Keras 3
    loads the same step count and slot arrays that tf-keras reads from the original."""
    source = next(file["model"] for file in entry["files"] if file["model"].endswith("-keras2.keras"))
    target = os.path.join(folder, entry["name"] + "-keras2-swift.keras")
    tool.run("convert", source, target)
    theirs = tf_keras.models.load_model(source).optimizer
    ours = keras.models.load_model(target).optimizer

    def state(optimizer, variables):
        return int(optimizer.iterations.numpy()), [np.asarray(v) for v in variables if len(v.shape) > 0]

    (their_steps, their_slots), (our_steps, our_slots) = state(theirs, theirs.variables()), state(ours, ours.variables)
    gap = max((float(np.max(np.abs(a - b))) for a, b in zip(their_slots, our_slots) if a.shape == b.shape), default=0.0)
    same = their_steps == our_steps and len(their_slots) == len(our_slots) \
        and all(a.shape == b.shape for a, b in zip(their_slots, our_slots)) and gap == 0
    checks.add(f"zoo {entry['name']} tf-keras .keras -> keras-swift -> Keras 3: optimizer state", same,
               f"{type(theirs).__name__} after {their_steps} steps (Keras 3 reads {our_steps}), {len(their_slots)} slot arrays "
               f"({len(our_slots)} in Keras 3), max |difference| {gap:.1e}")


def float64_config(config):
    """A Keras model config with every float32 dtype policy made float64."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy":
            return {**config, "config": {**config["config"], "name": "float64"}}
        return {key: "float64" if key == "dtype" and value == "float32" else float64_config(value) for key, value in config.items()}
    if isinstance(config, list):
        return [float64_config(value) for value in config]
    return config


def float64_copy(model, keras):
    """The model and its optimizer (weights and state) in float64: training it is the exact training that
    float32 approximates."""
    config = json.loads(model.to_json())
    config.pop("compile_config", None)  # compiled below without metrics, which Keras computes in float32 only
    copy = keras.models.model_from_json(json.dumps(float64_config(config)))
    copy.set_weights([np.asarray(w, np.float64) for w in model.get_weights()])
    for layer in copy.layers:
        # Normalization derives the figures it uses from its weights here (Keras does so after loading).
        if hasattr(layer, "finalize_state"):
            layer.finalize_state()
    optimizer = model.optimizer.__class__.from_config(model.optimizer.get_config())
    copy.compile(optimizer=optimizer, loss=model.loss, loss_weights=model.get_compile_config().get("loss_weights"))
    optimizer.build(copy.trainable_variables)
    for mine, theirs in zip(optimizer.variables, model.optimizer.variables):
        mine.assign(np.asarray(theirs).astype(mine.dtype))
    return copy


def zoo_training(entry, tool, data, folder, keras, checks):
    """Keras and keras-swift each continue training a zoo model from its .keras file (weights and optimizer state) on the
    same images in file order (see training_parity)."""
    count, batch, epochs = ZOO_TRAINING
    source = entry["files"][0]["model"]
    images, labels = ki.load_mnist(data, "train")
    model = keras.models.load_model(source)
    x, y = keras_zoo.inputs(model, images[:count], entry["pixels"]), keras_zoo.targets(labels[:count], entry["loss"])
    training_parity(f"zoo {entry['name']}", source, x, y, ["--data", data, "--limit", str(count), "--pixels", entry["pixels"]],
                    os.path.join(folder, entry["name"] + "-trained.keras"), (batch, epochs), entry["optimizer"], tool, keras, checks)


def float64_arrays(arrays):
    """Float arrays (one, or a list of them) as float64; integer ones as they are."""
    if isinstance(arrays, list):
        return [float64_arrays(a) for a in arrays]
    return arrays.astype(np.float64) if arrays.dtype.kind == "f" else arrays


def training_parity(label, source, x, y, data_args, out, schedule, optimizer_name, tool, keras, checks):
    """Keras and keras-swift each continue training the model of `source` (a .keras file: weights and optimizer state)
    on `x` and `y` in file order, `schedule` = (batch size, epochs); keras-swift reads the same samples through
    `data_args`. Every epoch's training loss must agree within the same-start tolerance.

    The trained weights (BatchNormalization's moving statistics included) are judged against Keras training a
    float64 copy of the model, the exact result float32 approximates: keras-swift must come at least as close to
    it as Keras's own float32 training does, or within WEIGHT_TOLERANCE. (Keras's float32 means over the tens
    of thousands of values BatchNormalization normalises drift by about 1e-4; keras-swift sums them in double.)"""
    batch, epochs = schedule
    model = keras.models.load_model(source)
    # Keras's float type is float64 while the copy is made and trained: its compiled loss then adds
    # ActivityRegularization's float64 penalties without a type clash.
    keras.config.set_floatx("float64")
    try:
        exact = float64_copy(model, keras)
        exact.fit(float64_arrays(x), y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0)
    finally:
        keras.config.set_floatx("float32")
    loss = model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0).history["loss"]
    tool.run("train", "--resume", source, *data_args, "--batch-size", str(batch), "--epochs", str(epochs), "--shuffle", "off",
               "--out", out)
    with open(out[:-len(".keras")] + ".history.json") as f:
        swift = json.load(f)["loss"]
    gap = max(abs(a - b) for a, b in zip(swift, loss))
    samples = len(x[0] if isinstance(x, list) else x)
    checks.add(f"{label} training from the file's state: loss", gap <= LOSS_TOLERANCE and len(swift) == len(loss),
               f"{epochs} epochs of {-(-samples // batch)} {optimizer_name} steps, max |difference| {gap:.1e} "
               f"(Keras from {loss[0]:.4f} to {loss[-1]:.4f})")
    trained = keras.models.load_model(out, compile=False)

    def weight_gap(weights, reference):
        return max(float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))
                         / (1 + float(np.max(np.abs(np.asarray(b, np.float64)))))) for a, b in zip(weights, reference))

    for kind in ["trainable", "non_trainable"]:
        ours, reference = getattr(trained, kind + "_weights"), getattr(exact, kind + "_weights")
        if not reference:
            continue
        keras_gap, gap = weight_gap(getattr(model, kind + "_weights"), reference), weight_gap(ours, reference)
        allowed = max(WEIGHT_TOLERANCE, keras_gap)
        checks.add(f"{label} training from the file's state: {kind.replace('_', '-')} weights",
                   len(ours) == len(reference) and gap <= allowed,
                   f"{len(reference)} arrays, against Keras in float64: keras-swift {gap:.1e}, Keras in float32 {keras_gap:.1e} "
                   f"(max |difference| / (1 + max |value|))")


def data_zoo(tool, work, keras, checks, names=None):
    """Models on a user's own arrays (tools/keras_data_zoo.py): every file Keras wrote predicts and evaluates in
    keras-swift as in Keras (every figure of evaluate(return_dict=True), by name); keras-swift's conversions load in Keras
    (and tf-keras) with the same predictions and the same compiled loss and metrics; training continued from the
    .keras file agrees with Keras's, and Keras evaluates keras-swift's trained file as keras-swift does."""
    tf_keras = ki.tf_keras_or_none()
    folder = os.path.join(work, "data-zoo")
    for entry in keras_data_zoo.write(folder, keras, tf_keras, names):
        name, outputs = entry["name"], entry["outputs"]
        x, y = [np.load(p) for p in entry["inputs"]], [np.load(p) for p in entry["targets"]]
        arrays = [flag for path in entry["inputs"] for flag in ["--x", path]]
        targets = [flag for path in entry["targets"] for flag in ["--y", path]]

        def gap(predicted, reference):
            return max(float(np.max(np.abs(np.asarray(a) - np.load(b)))) for a, b in zip(predicted, reference))

        for file in entry["files"]:
            path, out = file["model"], file["model"] + ".swift.npy"
            tool.run("predict", path, *arrays, "--output", out)
            predicted = [np.load(f"{path}.swift.{output}.npy") for output in outputs] if outputs else [np.load(out)]
            difference = gap(predicted, file["predictions"])
            checks.add(f"data-zoo {os.path.basename(path)} Keras->keras-swift: predictions", difference <= 1e-5,
                       f"max |difference| {difference:.2e} over {len(x[0])} samples")

        def evaluation(path):
            return json.loads(tool.run("evaluate", path, *arrays, *targets, "--json").strip().splitlines()[-1])

        def keras_evaluation(module, path):
            model = module.models.load_model(path)
            return model.evaluate(keras_data_zoo.keras_arrays(x), keras_data_zoo.keras_arrays(y), batch_size=32, verbose=0,
                                  return_dict=True)

        source, reference = entry["files"][0]["model"], entry["files"][0]["predictions"]
        safetensors_round_trip(name, source, tool, folder, keras, checks)
        if name in TRACE_MODELS:
            trace_check(name, source, entry["inputs"], folder, tool, keras, checks)
        onnx_check(name, source, x, [np.load(p) for p in reference], tool, folder, checks)
        figures, ours = keras_evaluation(keras, source), evaluation(source)
        for figure, value in figures.items():
            checks.add(f"data-zoo {name} evaluate: {figure}", figure in ours and abs(ours[figure] - value) <= 1e-5 * (1 + abs(value)),
                       f"keras-swift {ours.get(figure)}, Keras {value:.6f}")
        for suffix, options, module in [(".keras", [], keras), (".h5", [], keras)] \
                + ([("-keras2.h5", ["--keras-version", "2"], tf_keras)] if tf_keras else []):
            target = os.path.join(folder, f"{name}-swift{suffix}")
            own = module is tf_keras and name in KERAS2_OWN_FILE_MODELS
            start, expected = (entry["files"][-1]["model"], entry["files"][-1]["predictions"]) if own else (source, reference)
            judged = keras_evaluation(tf_keras, start) if own else figures
            tool.run("convert", start, target, *options)
            model = module.models.load_model(target, compile=False)
            predicted = keras_data_zoo.as_list(model.predict(keras_data_zoo.keras_arrays(x), verbose=0))
            difference = gap(predicted, expected)
            checks.add(f"data-zoo {name} keras-swift->{module.__name__} {suffix}: predictions", difference <= 1e-5,
                       f"max |difference| {difference:.2e}")
            same, detail = same_optimizer(module.models.load_model(target).optimizer, (tf_keras if own else keras).models.load_model(start).optimizer)
            checks.add(f"data-zoo {name} keras-swift->{module.__name__} {suffix}: optimizer and learning rate", same, detail)
            compiled = keras_evaluation(module, target)
            checks.add(f"data-zoo {name} keras-swift->{module.__name__} {suffix}: compiled loss and metrics",
                       figures_agree(compiled, judged, by_name=module is keras),
                       f"{compiled} ({'tf-keras' if own else 'Keras 3'} from its own file: {judged})")
        if name in CALLBACK_MODELS:
            callback_parity(name, source, x, y, arrays + targets, folder, tool, keras, checks)
        trained = os.path.join(folder, name + "-trained.keras")
        training_parity(f"data-zoo {name}", source, keras_data_zoo.keras_arrays(x), keras_data_zoo.keras_arrays(y), arrays + targets,
                        trained, DATA_ZOO_TRAINING, keras_data_zoo.ZOO[name][4][0], tool, keras, checks)
        judged, reported = keras_evaluation(keras, trained), evaluation(trained)
        same = all(k in reported for k in judged) and figures_agree({k: reported[k] for k in judged}, judged, by_name=True)
        checks.add(f"data-zoo {name} trained by keras-swift, evaluated by Keras", same,
                   f"Keras {judged}, keras-swift {dict((k, reported.get(k)) for k in judged)}")


def same_optimizer(ours, theirs):
    """Whether two loaded optimizers have one class, step count and learning rate (a number within 1e-6, or a
    schedule of one class and config); and a line saying what they have."""
    def rate(optimizer):
        value = optimizer.get_config()["learning_rate"]
        if isinstance(value, dict):
            config = {k: v for k, v in value["config"].items() if k != "name"}
            return value["class_name"], json.dumps(config, sort_keys=True)
        return float(value)

    def close(a, b):
        return a == b if isinstance(a, tuple) or isinstance(b, tuple) else abs(a - b) <= 1e-6 * abs(b)

    steps = int(np.asarray(ours.iterations)), int(np.asarray(theirs.iterations))
    same = type(ours).__name__ == type(theirs).__name__ and steps[0] == steps[1] and close(rate(ours), rate(theirs))
    return same, f"{type(ours).__name__} after {steps[0]} steps, learning rate {rate(ours)} (Keras's file: {rate(theirs)})"


def callback_parity(name, source, x, y, data_args, folder, tool, keras, checks):
    """EarlyStopping (patience 2, best weights restored), ReduceLROnPlateau (patience 1, factor 0.5) and
    ModelCheckpoint on the validation loss of a quarter held out, from the .keras file's state in file order:
    Keras and keras-swift run as many epochs with the same losses, end with the same learning rate and weights, and
    every checkpoint keras-swift writes loads in Keras."""
    epochs, batch = 12, 8
    model = keras.models.load_model(source)
    callbacks = [keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True),
                 keras.callbacks.ReduceLROnPlateau(patience=1, factor=0.5)]
    history = model.fit(keras_data_zoo.keras_arrays(x), keras_data_zoo.keras_arrays(y), batch_size=batch, epochs=epochs, shuffle=False,
                        validation_split=0.25, callbacks=callbacks, verbose=0).history
    out = os.path.join(folder, name + "-callbacks.keras")
    pattern = os.path.join(folder, name + "-checkpoint-{epoch:02d}-{val_loss:.4f}.keras")
    tool.run("train", "--resume", source, *data_args, "--validation-split", "0.25", "--epochs", str(epochs), "--batch-size", str(batch),
               "--shuffle", "off", "--early-stopping", "2", "--restore-best-weights", "--reduce-lr-on-plateau", "1",
               "--reduce-lr-factor", "0.5", "--checkpoint", pattern, "--out", out)
    with open(out[:-len(".keras")] + ".history.json") as f:
        ours = json.load(f)
    gap = max(abs(a - b) for key in ["loss", "val_loss"] for a, b in zip(ours[key], history[key]))
    checks.add(f"data-zoo {name} callbacks: epochs and losses", len(ours["loss"]) == len(history["loss"]) and gap <= LOSS_TOLERANCE,
               f"keras-swift ran {len(ours['loss'])} epochs, Keras {len(history['loss'])} of {epochs}; max |loss difference| {gap:.1e}")
    trained = keras.models.load_model(out)
    rates = float(np.asarray(trained.optimizer.learning_rate)), float(np.asarray(model.optimizer.learning_rate))
    weight_gap = max(float(np.max(np.abs(a - b))) for a, b in zip(trained.get_weights(), model.get_weights()))
    checks.add(f"data-zoo {name} callbacks: learning rate and restored weights", abs(rates[0] - rates[1]) <= 1e-7 * rates[1] and weight_gap <= 1e-5,
               f"learning rate keras-swift {rates[0]:.3g}, Keras {rates[1]:.3g}; max |weight difference| {weight_gap:.1e}")
    saved = sorted(path for path in os.listdir(folder) if path.startswith(name + "-checkpoint-"))
    loaded = [keras.models.load_model(os.path.join(folder, path)) for path in saved]
    checks.add(f"data-zoo {name} callbacks: checkpoints load in Keras", len(loaded) == len(history["loss"]),
               f"{len(loaded)} checkpoints ({', '.join(saved[:2])}, ...)")


def keras_epoch_orders(keras, seeded):
    """The batches Keras's fit(shuffle=True) forms in each of three epochs: the model outputs its input, one
    index per sample, and the per-batch mean absolute error recovers each batch's mean index."""
    if seeded:
        keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="ones", use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mae")
    running = []
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs=None: running.append(logs["loss"]))
    model.fit(np.arange(40, dtype="float32").reshape(-1, 1), np.zeros(40), batch_size=5, epochs=3, shuffle=True,
              verbose=0, callbacks=[record])
    # Keras reports the running mean over the epoch's batches so far; undo it.
    epochs = [running[i:i + 8] for i in range(0, len(running), 8)]
    return [[round(mean * (j + 1) - (epoch[j - 1] * j if j else 0), 3) for j, mean in enumerate(epoch)] for epoch in epochs]


def shuffling(keras, checks):
    seeded = keras_epoch_orders(keras, seeded=True)
    checks.add("Keras seeded fit(shuffle=True) keeps one order (keras-swift --shuffle once)",
               seeded[0] == seeded[1] == seeded[2] and seeded[0] != sorted(seeded[0]), f"batch means per epoch {seeded}")
    # A fresh interpreter: the other checks have set Keras's seed in this one.
    code = "import json, keras, interop_check; print(json.dumps(interop_check.keras_epoch_orders(keras, seeded=False)))"
    unseeded = json.loads(subprocess.run([sys.executable, "-c", code], cwd=os.path.dirname(os.path.abspath(__file__)),
                                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    checks.add("Keras unseeded fit(shuffle=True) reshuffles every epoch (keras-swift --shuffle epoch)",
               unseeded[0] != unseeded[1] and unseeded[1] != unseeded[2], f"batch means per epoch {unseeded}")


def in_two_processes(args, first, second):
    """Runs the `first` kinds in a child whose output streams through, the `second` in another whose output follows;
    returns the exit status: 0 when both passed every check."""
    def command(kinds, work):
        return [sys.executable, os.path.abspath(__file__), "--keras-swift", args.keras_swift, "--data", args.data,
                "--archs", args.archs, "--checks", ",".join(kinds), "--jobs", "1"] \
            + (["--work", work] if work else []) \
            + (["--zoo-models", args.zoo_models] if args.zoo_models else []) \
            + (["--data-zoo-models", args.data_zoo_models] if args.data_zoo_models else [])
    work = lambda half: os.path.join(args.work, half) if args.work else None
    print(f"{', '.join(second)} run in a second process; its output follows this one's", flush=True)
    with tempfile.TemporaryFile(mode="w+") as log:
        background = subprocess.Popen(command(second, work("second")), stdout=log, stderr=subprocess.STDOUT, text=True)
        foreground = subprocess.Popen(command(first, work("first")), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        for line in foreground.stdout:
            print(line, end="", flush=True)
            lines.append(line)
        foreground.wait()
        background.wait()
        log.seek(0)
        later = log.read()
    print(f"\n== the second process ({', '.join(second)})\n{later}", end="")
    lines += later.splitlines()
    passed = sum(line.startswith("ok  ") for line in lines)
    failed = [line for line in lines if line.startswith("FAIL ")]
    print(f"\n{passed} of {passed + len(failed)} checks passed, in both processes")
    for line in failed:
        print(line)
    for kinds, process in ((first, foreground), (second, background)):
        if process.returncode != 0 and not failed:
            print(f"the process for {', '.join(kinds)} stopped with status {process.returncode} (its output above says where)")
    return 0 if foreground.returncode == 0 and background.returncode == 0 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keras-swift", default=".build/release/keras-swift")
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"))
    parser.add_argument("--work", help="folder for the files (default: a new temporary folder)")
    parser.add_argument("--archs", default=",".join(ki.ARCHS))
    parser.add_argument("--checks", default=",".join(CHECKS), help="which kinds of check to run (default: all)")
    parser.add_argument("--zoo-models", help="comma-separated zoo model names (default: all)")
    parser.add_argument("--data-zoo-models", help="comma-separated data-zoo model names (default: all)")
    parser.add_argument("--jobs", type=int, choices=[1, 2], default=2, help="processes to run the kinds in (default: 2)")
    args = parser.parse_args()
    kinds = args.checks.split(",")
    if not set(kinds) <= set(CHECKS):
        parser.error(f"--checks takes {', '.join(CHECKS)}")
    if not args.data:
        sys.exit("MNIST not found: pass --data DIR or set MNIST_DIR")
    second = [kind for kind in kinds if kind in SECOND_PROCESS_CHECKS]
    if args.jobs == 2 and second and len(second) < len(kinds):
        sys.exit(in_two_processes(args, [kind for kind in kinds if kind not in second], second))
    import keras

    work = args.work or tempfile.mkdtemp(prefix="interop-")
    os.makedirs(work, exist_ok=True)
    tool = Tool(os.path.abspath(args.keras_swift), args.data)
    checks = Checks()
    print(f"Keras {keras.__version__} ({keras.backend.backend()}), files in {work}", flush=True)
    archs = args.archs.split(",")
    for arch in archs if "round-trips" in kinds else []:
        swift_to_keras(arch, tool, args.data, work, keras, checks)
        keras_to_swift(arch, tool, args.data, work, keras, checks)
    for arch, optimizer, count, batch, epochs in SAME_START if "same-start" in kinds else []:
        if arch in archs:
            same_start(arch, optimizer, count, batch, epochs, tool, args.data, work, keras, checks)
    if "zoo" in kinds:
        zoo(tool, args.data, work, keras, checks, args.zoo_models.split(",") if args.zoo_models else None)
    if "data-zoo" in kinds:
        data_zoo(tool, work, keras, checks, args.data_zoo_models.split(",") if args.data_zoo_models else None)
    if "shuffling" in kinds:
        shuffling(keras, checks)
    failures = checks.failures
    print(f"{len(checks.results) - len(failures)} of {len(checks.results)} checks passed")
    for name, _, detail in failures:
        print(f"FAILED {name}: {detail}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
