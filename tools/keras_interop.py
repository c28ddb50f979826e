#!/usr/bin/env python3
"""Keras's side of the interoperability checks: Keras itself loads, evaluates and writes model files.

  evaluate FILE [--arch A]         load FILE with Keras, evaluate on the MNIST test set with the notebook
                                   preprocessing, print accuracy, loss and the first predictions (JSON)
  predict FILE --first N --output OUT.npy [--arch A]
                                   write Keras's class probabilities of the first N test images
  reference-predictions OUTDIR     Keras's predictions and evaluation for the three real notebook files
  optimizer-reference OUT.json     Keras's optimizers applied to fixed gradients, step by step
  train ARCH [--seed S] [--initial FILE]
                                   the notebook's recipe in Keras, for comparison with digits train; FILE
                                   (any form) gives the starting weights instead of Keras's initialisers
  write ARCH OUTDIR [--epochs E]   build ARCH in Keras (briefly trained when E > 0) and save it in every form:
                                   ARCH.h5, ARCH.weights.h5, ARCH.keras, plus Keras's predictions of it

MNIST comes from --data DIR (gzipped IDX files), else $MNIST_DIR.
"""
import argparse
import gzip
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

ARCHS = ["mlp", "convnet", "lenet5", "vgg"]


def load_mnist(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    with gzip.open(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images, labels


def preprocess(arch, images):
    """Each notebook's preprocessing (SPEC.md)."""
    x = images.astype("float32")
    if arch == "mlp":
        return x.reshape(-1, 784)
    x = x.reshape(-1, 28, 28, 1)
    if arch == "convnet":
        return x / 255.0
    if arch == "lenet5":
        return np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0))) / 255.0
    return x  # vgg: raw pixels


def build(arch, keras):
    layers = keras.layers
    if arch == "mlp":
        body = [layers.Input((784,)), layers.Dense(1024, activation="relu"), layers.Dropout(0.25),
                layers.Dense(512, activation="relu"), layers.Dropout(0.20), layers.Dense(256, activation="relu"),
                layers.Dropout(0.15), layers.Dense(84, activation="relu"), layers.Dense(10, activation="softmax")]
    elif arch == "convnet":
        body = [layers.Input((28, 28, 1)), layers.Conv2D(64, 3, activation="relu"), layers.AveragePooling2D(2),
                layers.Conv2D(32, 3, activation="relu"), layers.AveragePooling2D(2),
                layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
                layers.Dense(64, activation="relu"), layers.Dense(32, activation="relu"),
                layers.Dense(16, activation="relu"), layers.Dense(10, activation="softmax")]
    elif arch == "lenet5":
        body = [layers.Input((32, 32, 1)), layers.Conv2D(6, 5, activation="tanh"), layers.AveragePooling2D(2),
                layers.Conv2D(16, 5, activation="tanh"), layers.AveragePooling2D(2), layers.Flatten(),
                layers.Dense(120, activation="tanh"), layers.Dense(84, activation="tanh"),
                layers.Dense(10, activation="softmax")]
    else:
        conv = lambda n: layers.Conv2D(n, 3, padding="same", activation="relu")  # noqa: E731
        body = [layers.Input((28, 28, 1)), conv(64), layers.ZeroPadding2D(2), conv(64), conv(64),
                layers.MaxPooling2D(2), conv(128), conv(128), layers.MaxPooling2D(2), conv(256), conv(256), conv(256),
                layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(1024, activation="relu"),
                layers.Dense(512, activation="relu"), layers.Dense(128, activation="relu"),
                layers.Dense(10, activation="softmax")]
    return keras.Sequential(body)


def compile_for(arch, model, keras):
    optimizer = keras.optimizers.SGD(0.01) if arch == "lenet5" else keras.optimizers.Adam()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def guess_arch(model):
    shape = tuple(model.inputs[0].shape[1:])
    counts = model.count_params()
    for arch, (want_shape, want_count) in {"mlp": ((784,), 1482406), "convnet": ((28, 28, 1), 27594),
                                            "lenet5": ((32, 32, 1), 61706), "vgg": ((28, 28, 1), 6558346)}.items():
        if shape == want_shape and counts == want_count:
            return arch
    sys.exit(f"cannot tell the architecture of the model (input {shape}, {counts} parameters); pass --arch")


def load(path, arch, keras):
    """Loads any form the way a Keras user would; a .weights.h5 needs the architecture built first."""
    if path.endswith(".weights.h5"):
        if arch is None:
            sys.exit(f"{path}: a .weights.h5 needs --arch")
        model = build(arch, keras)
        model.load_weights(path)
        return model, arch
    # The notebook passed tf.nn.softmax, which Keras 3 cannot deserialise by its TF name.
    model = keras.models.load_model(path, custom_objects={"softmax_v2": keras.activations.softmax}, compile=False)
    return model, arch or guess_arch(model)


def evaluate(model, arch, data_dir, keras, first=10):
    images, labels = load_mnist(data_dir, "test")
    x = preprocess(arch, images)
    probabilities = model.predict(x, batch_size=128, verbose=0)
    compile_for(arch, model, keras)
    loss, accuracy = model.evaluate(x, labels, batch_size=128, verbose=0)
    return {"accuracy": float(accuracy), "loss": float(loss),
            "predicted": [int(v) for v in probabilities[:first].argmax(axis=1)],
            "first_probabilities": probabilities[:first].tolist()}


def train_recipe(arch, seed, data_dir, keras, initial=None):
    """The notebook's recipe (SPEC.md): LeNet-5 SGD 0.01, batch 128, up to 100 epochs until training accuracy
    > 0.99; the others Adam, batch 32, 20 (MLP) or 10 epochs. Validation on the test set, as digits does.
    Starts from the weights in `initial` when given (a fresh optimizer either way)."""
    import time

    keras.utils.set_random_seed(seed)
    model = load(initial, arch, keras)[0] if initial else build(arch, keras)
    compile_for(arch, model, keras)
    x, y = load_mnist(data_dir, "train")
    xt, yt = load_mnist(data_dir, "test")
    x, xt = preprocess(arch, x), preprocess(arch, xt)

    class StopAt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs and logs.get("accuracy", 0) > 0.99:
                self.model.stop_training = True

    epochs = {"mlp": 20, "convnet": 10, "lenet5": 100, "vgg": 10}[arch]
    callbacks = [StopAt()] if arch == "lenet5" else []
    started = time.perf_counter()
    history = model.fit(x, y, batch_size=128 if arch == "lenet5" else 32, epochs=epochs, validation_data=(xt, yt),
                        callbacks=callbacks, verbose=2)
    seconds = time.perf_counter() - started
    loss, accuracy = model.evaluate(xt, yt, batch_size=128, verbose=0)
    print(json.dumps({"arch": arch, "seed": seed, "initial": initial, "epochs": len(history.history["loss"]), "test_accuracy": float(accuracy),
                      "test_loss": float(loss), "seconds": seconds, "keras_version": keras.__version__}))


def write_optimizer_reference(path, keras):
    """Five steps of each optimizer on one weight vector with fixed gradients, as Keras computes them."""
    rng = np.random.default_rng(0)
    initial = rng.normal(size=6).astype("float32")
    gradients = rng.normal(size=(5, 6)).astype("float32")
    cases = {
        "sgd": dict(cls="SGD", kwargs=dict(learning_rate=0.01)),
        "sgd_momentum": dict(cls="SGD", kwargs=dict(learning_rate=0.05, momentum=0.9)),
        "sgd_nesterov": dict(cls="SGD", kwargs=dict(learning_rate=0.05, momentum=0.9, nesterov=True)),
        "adam": dict(cls="Adam", kwargs=dict()),
        "adam_custom": dict(cls="Adam", kwargs=dict(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-3)),
        "adam_amsgrad": dict(cls="Adam", kwargs=dict(learning_rate=0.01, amsgrad=True)),
        "adamw": dict(cls="AdamW", kwargs=dict(learning_rate=0.01, weight_decay=0.05)),
        "nadam": dict(cls="Nadam", kwargs=dict(learning_rate=0.01)),
        "rmsprop": dict(cls="RMSprop", kwargs=dict(learning_rate=0.01)),
        "rmsprop_momentum_centered": dict(cls="RMSprop", kwargs=dict(learning_rate=0.01, rho=0.8, momentum=0.5, centered=True)),
    }
    result = {"keras_version": keras.__version__, "initial": initial.tolist(), "gradients": gradients.tolist()}
    for name, case in cases.items():
        weight = keras.Variable(initial.copy())
        optimizer = getattr(keras.optimizers, case["cls"])(**case["kwargs"])
        steps = []
        for gradient in gradients:
            optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient), weight)])
            steps.append(np.array(weight.numpy(), dtype="float32").tolist())
        # The slots, then any scalar state after them (Nadam's momentum schedule product).
        slots = [np.array(v.numpy()).tolist() for v in optimizer.variables[2:] if len(v.shape)]
        scalars = [float(v.numpy()) for v in optimizer.variables[2:] if not len(v.shape)]
        result[name] = {"class_name": case["cls"], "config": case["kwargs"], "steps": steps, "slots": slots,
                        "scalars": scalars, "iterations": int(optimizer.iterations.numpy())}
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"), help="MNIST folder of gzipped IDX files")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("evaluate")
    p.add_argument("file")
    p.add_argument("--arch", choices=ARCHS)
    p = sub.add_parser("predict")
    p.add_argument("file")
    p.add_argument("--arch", choices=ARCHS)
    p.add_argument("--first", type=int, default=100)
    p.add_argument("--output", required=True)
    p = sub.add_parser("reference-predictions")
    p.add_argument("shared")
    p.add_argument("outdir")
    p = sub.add_parser("train")
    p.add_argument("arch", choices=ARCHS)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--initial", metavar="FILE", help="start from these weights (.h5, .weights.h5 or .keras)")
    p = sub.add_parser("optimizer-reference")
    p.add_argument("output")
    p = sub.add_parser("write")
    p.add_argument("arch", choices=ARCHS)
    p.add_argument("outdir")
    p.add_argument("--epochs", type=float, default=0, help="training epochs (fractions train on part of an epoch)")
    p.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not args.data and args.command != "optimizer-reference":
        sys.exit("MNIST not found: pass --data DIR or set MNIST_DIR")

    import keras

    if args.command == "optimizer-reference":
        write_optimizer_reference(args.output, keras)
        return
    if args.command == "train":
        train_recipe(args.arch, args.seed, args.data, keras, args.initial)
        return

    if args.command == "evaluate":
        model, arch = load(args.file, args.arch, keras)
        result = evaluate(model, arch, args.data, keras)
        result.update({"file": args.file, "arch": arch, "keras_version": keras.__version__})
        print(json.dumps(result))
    elif args.command == "predict":
        model, arch = load(args.file, args.arch, keras)
        images, _ = load_mnist(args.data, "test")
        np.save(args.output, model.predict(preprocess(arch, images[:args.first]), verbose=0).astype("float32"))
    elif args.command == "reference-predictions":
        os.makedirs(args.outdir, exist_ok=True)
        summary = {"keras_version": keras.__version__}
        for name, arch in [("LeNet5.h5", "lenet5"), ("LeNet5.weights.h5", "lenet5"), ("MNIST-numbers-cnn.h5", "convnet")]:
            model, _ = load(os.path.join(args.shared, "keras-reference", name), arch, keras)
            images, _ = load_mnist(args.data, "test")
            np.save(os.path.join(args.outdir, f"{name}.first100.npy"),
                    model.predict(preprocess(arch, images[:100]), verbose=0).astype("float32"))
            result = evaluate(model, arch, args.data, keras, first=0)
            summary[name] = {"accuracy": result["accuracy"], "loss": result["loss"]}
        with open(os.path.join(args.outdir, "evaluation.json"), "w") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
        print(json.dumps(summary))
    elif args.command == "write":
        keras.utils.set_random_seed(args.seed)
        model = build(args.arch, keras)
        compile_for(args.arch, model, keras)
        if args.epochs > 0:
            images, labels = load_mnist(args.data, "train")
            count = int(len(images) * min(args.epochs, 1.0))
            epochs = max(1, int(args.epochs))
            batch = 128 if args.arch == "lenet5" else 32
            model.fit(preprocess(args.arch, images[:count]), labels[:count], batch_size=batch, epochs=epochs, verbose=0)
        os.makedirs(args.outdir, exist_ok=True)
        base = os.path.join(args.outdir, args.arch)
        model.save(base + ".h5")
        model.save_weights(base + ".weights.h5")
        model.save(base + ".keras")
        images, _ = load_mnist(args.data, "test")
        np.save(base + ".first100.npy", model.predict(preprocess(args.arch, images[:100]), verbose=0).astype("float32"))
        print(json.dumps({"arch": args.arch, "files": [base + s for s in (".h5", ".weights.h5", ".keras")]}))


if __name__ == "__main__":
    main()
