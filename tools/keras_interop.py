#!/usr/bin/env python3
"""Keras's side of the interoperability checks: Keras itself loads, evaluates and writes model files.

  evaluate FILE [--arch A]         load FILE with Keras, evaluate on the MNIST test set with the notebook
                                   preprocessing, print accuracy, loss and the first predictions (JSON)
  predict FILE --first N --output OUT.npy [--arch A]
                                   write Keras's class probabilities of the first N test images
  reference-predictions OUTDIR     Keras's predictions and evaluation for the three real notebook files
  optimizer-reference OUT.json     Keras's optimizers applied to fixed gradients, step by step
  loss-reference OUT.json          Keras's losses and their gradients on fixed outputs and targets
  metric-reference OUT.json        Keras's metrics, plain and weighted, on fixed outputs and targets
  callback-reference OUT.json      where EarlyStopping stops and ReduceLROnPlateau lowers the rate on fixed histories,
                                   and the rate of each learning-rate schedule over its first steps
  train ARCH [--seed S] [--initial FILE]
                                   the notebook's recipe in Keras, for comparison with keras-swift train; FILE
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


def tf_keras_or_none():
    """The tf-keras module (Keras 2), or None when it is not installed."""
    try:
        import tf_keras
    except ImportError:
        return None
    return tf_keras


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
    > 0.99; the others Adam, batch 32, 20 (MLP) or 10 epochs. Validation on the test set, as keras-swift does.
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


def write_loss_reference(path, keras):
    """Every loss this project has, with each option, on fixed outputs and targets of two shapes (a row per
    sample, and two rows per sample): Keras's value (`sum_over_batch_size`, with and without sample weights)
    and its gradient with respect to the outputs, from TensorFlow's GradientTape."""
    import tensorflow as tf

    rng = np.random.default_rng(1)
    specs = [
        ("SparseCategoricalCrossentropy", {}), ("SparseCategoricalCrossentropy", {"from_logits": True}),
        ("CategoricalCrossentropy", {}), ("CategoricalCrossentropy", {"from_logits": True}),
        ("CategoricalCrossentropy", {"label_smoothing": 0.2}), ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}),
        ("BinaryCrossentropy", {}), ("BinaryCrossentropy", {"from_logits": True}), ("BinaryCrossentropy", {"label_smoothing": 0.3}),
        ("BinaryFocalCrossentropy", {}), ("BinaryFocalCrossentropy", {"from_logits": True, "gamma": 1.5}),
        ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.4, "label_smoothing": 0.1}),
        ("MeanSquaredError", {}), ("MeanAbsoluteError", {}), ("MeanAbsolutePercentageError", {}),
        ("MeanSquaredLogarithmicError", {}), ("Huber", {}), ("Huber", {"delta": 0.3}), ("LogCosh", {}), ("KLDivergence", {}),
        ("Poisson", {}), ("CosineSimilarity", {}), ("Hinge", {}), ("SquaredHinge", {}), ("CategoricalHinge", {}),
    ]
    cases = []
    for class_name, config in specs:
        for shape in [(4, 3), (2, 2, 3)]:
            logits = config.get("from_logits", False)
            # Outputs as the loss expects them: probabilities in (0, 1) unless the loss takes logits or any value.
            probabilities = class_name.endswith("Crossentropy") and not logits
            positive = class_name in ("Poisson", "MeanSquaredLogarithmicError", "KLDivergence")
            raw = rng.normal(size=shape).astype("float32")
            if probabilities:
                outputs = rng.uniform(0.02, 0.98, size=shape).astype("float32")
                if "Categorical" in class_name:
                    outputs = outputs / outputs.sum(axis=-1, keepdims=True)
            elif positive:
                outputs = rng.uniform(0.05, 2.0, size=shape).astype("float32")
            else:
                outputs = raw
            classes = shape[-1]
            indices = rng.integers(0, classes, size=shape[:-1])
            if class_name == "SparseCategoricalCrossentropy":
                targets = indices.astype("float32")
            elif "Categorical" in class_name or class_name == "KLDivergence":
                targets = np.eye(classes, dtype="float32")[indices]
            elif class_name in ("Hinge", "SquaredHinge") or "Binary" in class_name:
                targets = rng.integers(0, 2, size=shape).astype("float32")
            elif positive:
                targets = rng.uniform(0.0, 2.0, size=shape).astype("float32")
            else:
                targets = rng.normal(size=shape).astype("float32")
            weights = rng.uniform(0.1, 2.0, size=shape[0]).astype("float32")
            # One weight per sample: shaped (samples, 1) where a sample has several rows, which Keras broadcasts
            # over them (a flat vector would be broadcast over the last axis of the per-row losses instead).
            per_sample = weights.reshape((shape[0],) + (1,) * (len(shape) - 2))
            loss = getattr(keras.losses, class_name)(**config)
            results = {}
            for weighted in (False, True):
                variable = tf.Variable(outputs)
                with tf.GradientTape() as tape:
                    value = loss(targets, variable, sample_weight=per_sample if weighted else None)
                gradient = tape.gradient(value, variable)
                results["weighted" if weighted else "plain"] = {"loss": float(value.numpy()),
                                                               "gradient": np.asarray(gradient.numpy(), dtype="float32").ravel().tolist()}
            cases.append({"class_name": class_name, "config": config, "shape": list(shape), "outputs": outputs.ravel().tolist(),
                          "targets": targets.ravel().tolist(), "sample_weights": weights.tolist(), **results})
    with open(path, "w") as f:
        json.dump({"keras_version": keras.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


def metric_data(kind, rng, count=10):
    """Outputs and targets of one kind of model: `binary` (one sigmoid unit), `multilabel` (three), `logits`
    (three, unbounded), `categorical` (softmax over four, one-hot targets), `sparse` (the same, class-index
    targets), `regression` (two positive values), and `rows`/`sparse_rows` (two softmax rows of three per
    sample, one-hot or class-index targets)."""
    def softmax(x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return (e / e.sum(axis=-1, keepdims=True)).astype("float32")
    shape = {"binary": (count, 1), "multilabel": (count, 3), "logits": (count, 3), "categorical": (count, 4), "sparse": (count, 4),
             "regression": (count, 2), "rows": (count, 2, 3), "sparse_rows": (count, 2, 3)}[kind]
    if kind in ("binary", "multilabel"):
        outputs = rng.uniform(0.01, 0.99, size=shape).astype("float32")
        targets = rng.integers(0, 2, size=shape).astype("float32")
    elif kind == "logits":
        outputs = rng.normal(scale=2, size=shape).astype("float32")
        targets = rng.integers(0, 2, size=shape).astype("float32")
    elif kind == "regression":
        outputs = rng.uniform(0.1, 3, size=shape).astype("float32")
        targets = rng.uniform(0.1, 3, size=shape).astype("float32")
    else:
        outputs = softmax(rng.normal(size=shape))
        indices = rng.integers(0, shape[-1], size=shape[:-1])
        targets = indices.astype("float32") if kind.startswith("sparse") else np.eye(shape[-1], dtype="float32")[indices]
    return outputs, targets


def write_metric_reference(path, keras):
    """Every metric this project computes, by name and as configured objects, on the kinds of outputs and
    targets it applies to: Keras's result as a metric (unweighted) and as a weighted metric (sample weights
    given; not for confusion-matrix metrics on outputs of several rows, which Keras cannot broadcast)."""
    from keras.src.trainers import compile_utils

    rng = np.random.default_rng(7)
    classifiers = ["binary", "multilabel", "categorical", "sparse", "rows", "sparse_rows"]
    probabilities = ["binary", "multilabel"]
    one_hot = ["categorical", "rows"]
    sparse = ["sparse", "sparse_rows"]
    values = ["binary", "multilabel", "categorical", "regression", "rows"]
    m = keras.metrics
    specs = [
        ("accuracy", classifiers), ("acc", ["binary", "sparse"]), ("ACC", ["categorical"]), ("binary_accuracy", probabilities + ["rows"]),
        (m.BinaryAccuracy(threshold=0.7), probabilities), ("categorical_accuracy", one_hot), ("CategoricalAccuracy", one_hot),
        ("sparse_categorical_accuracy", sparse), ("top_k_categorical_accuracy", one_hot),
        (m.TopKCategoricalAccuracy(k=2), one_hot), ("sparse_top_k_categorical_accuracy", sparse),
        (m.SparseTopKCategoricalAccuracy(k=2, name="top2"), sparse),
        ("mae", values), ("MSE", values), ("mean_squared_error", ["regression"]), ("mape", ["regression"]), ("msle", ["regression"]),
        ("RootMeanSquaredError", values), ("cosine_similarity", values), ("log_cosh_error", values), ("hinge", probabilities),
        ("squared_hinge", ["logits"]), ("categorical_hinge", one_hot), ("kl_divergence", one_hot), ("poisson", ["regression"]),
        ("binary_crossentropy", probabilities + ["rows"]), ("bce", ["multilabel"]),
        (m.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), ["logits"]), ("categorical_crossentropy", one_hot),
        (m.CategoricalCrossentropy(label_smoothing=0.2), one_hot), ("sparse_categorical_crossentropy", sparse),
        (m.SparseCategoricalCrossentropy(from_logits=True), sparse),
        ("precision", probabilities + ["rows"]), ("recall", probabilities), (m.Precision(thresholds=0.3), probabilities),
        (m.Recall(thresholds=0.6, name="recall_at_0.6"), probabilities), ("true_positives", probabilities),
        ("FalsePositives", probabilities), ("true_negatives", ["multilabel"]), ("false_negatives", ["multilabel", "rows"]),
        ("AUC", probabilities + ["rows"]), ("auc", ["categorical"]), (m.AUC(num_thresholds=50), probabilities),
        (m.AUC(curve="PR"), probabilities), (m.AUC(curve="PR", summation_method="minoring"), ["multilabel"]),
        (m.AUC(summation_method="majoring"), ["multilabel"]), (m.AUC(from_logits=True), ["logits"]),
        (m.AUC(thresholds=[0.1, 0.5, 0.9]), probabilities), (m.AUC(thresholds=[0.25, 0.5, 0.75], curve="PR"), ["multilabel"]),
    ]
    confusion = (m.Precision, m.Recall, m.AUC, m.TruePositives, m.FalsePositives, m.TrueNegatives, m.FalseNegatives)
    cases = []
    for identifier, kinds in specs:
        for kind in kinds:
            outputs, targets = metric_data(kind, rng)
            weights = rng.uniform(0.1, 2.0, size=outputs.shape[0]).astype("float32")
            results = {}
            for weighted in (False, True):
                metric = compile_utils.get_metric(identifier, targets, outputs) if isinstance(identifier, str) \
                    else identifier.__class__.from_config(identifier.get_config())
                if weighted and isinstance(metric, confusion) and outputs.ndim > 2:
                    continue
                metric.update_state(targets, outputs, sample_weight=weights if weighted else None)
                results["weighted" if weighted else "plain"] = float(metric.result())
            serialized = identifier if isinstance(identifier, str) else keras.metrics.serialize(identifier)
            cases.append({"metric": serialized, "name": metric.name, "kind": kind, "shape": list(outputs.shape),
                          "outputs": outputs.ravel().tolist(), "targets": targets.ravel().tolist(), "sample_weights": weights.tolist(),
                          **results})
    with open(path, "w") as f:
        json.dump({"keras_version": keras.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


# Epoch figures fed to the callbacks: val_loss falling then flat with tiny gains, then falling again; a noisy
# one; val_accuracy rising then falling. Every epoch reports loss, accuracy, val_loss and val_accuracy.
CALLBACK_HISTORIES = {
    "plateau": [1.0, 0.8, 0.7, 0.7, 0.69995, 0.71, 0.72, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65, 0.66],
    "noisy": [0.9, 0.95, 0.85, 0.86, 0.87, 0.84, 0.9, 0.91, 0.83, 0.92, 0.93, 0.94, 0.95, 0.96],
    "rising": [0.5, 0.6, 0.7, 0.72, 0.71, 0.7, 0.73, 0.6, 0.5, 0.55, 0.52, 0.51, 0.5, 0.49],
}
CALLBACK_CASES = [
    ("EarlyStopping", {}),
    ("EarlyStopping", {"patience": 2}),
    ("EarlyStopping", {"patience": 2, "min_delta": 0.001}),
    ("EarlyStopping", {"patience": 3, "restore_best_weights": True}),
    ("EarlyStopping", {"patience": 3, "baseline": 0.75}),
    ("EarlyStopping", {"patience": 1, "start_from_epoch": 3, "restore_best_weights": True}),
    ("EarlyStopping", {"monitor": "val_accuracy", "patience": 2, "restore_best_weights": True}),
    ("EarlyStopping", {"monitor": "val_accuracy", "mode": "min", "patience": 2}),
    ("ReduceLROnPlateau", {"patience": 2}),
    ("ReduceLROnPlateau", {"patience": 1, "factor": 0.5, "cooldown": 2}),
    ("ReduceLROnPlateau", {"patience": 1, "factor": 0.2, "min_lr": 0.003, "min_delta": 0.05}),
    ("ReduceLROnPlateau", {"monitor": "val_accuracy", "patience": 2, "factor": 0.5}),
]


# Learning-rate schedules: class and options, each evaluated at steps 0 to 24.
SCHEDULES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.7}),
    ("ExponentialDecay", {"initial_learning_rate": 0.05, "decay_steps": 3, "decay_rate": 0.5, "staircase": True}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.3}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 1.5, "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [3, 10, 11], "values": [0.1, 0.05, 0.02, 0.001]}),
    ("CosineDecay", {"initial_learning_rate": 0.2, "decay_steps": 15}),
    ("CosineDecay", {"initial_learning_rate": 0.001, "decay_steps": 10, "alpha": 0.2, "warmup_target": 0.01, "warmup_steps": 5}),
]


def write_callback_reference(path, keras):
    """Keras's EarlyStopping and ReduceLROnPlateau fed fixed epoch figures: the epoch (from 1) after which each
    stops, the epoch whose weights it restores, and the learning rate after every epoch; and each schedule's
    serialised form with its rates."""
    cases = []
    for history_name, history in CALLBACK_HISTORIES.items():
        for class_name, options in CALLBACK_CASES:
            model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
            model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["accuracy"])
            # Built metrics, so that mode "auto" finds accuracy's direction.
            model.evaluate(np.zeros((2, 1)), np.zeros((2, 1)), verbose=0)
            callback = getattr(keras.callbacks, class_name)(**options)
            callback.set_model(model)
            callback.on_train_begin()
            rates, stopped = [], None
            for epoch, value in enumerate(history):
                # Each epoch's weights are the epoch's number, so the restored ones name their epoch.
                model.set_weights([np.full((1, 1), epoch + 1.0, "float32"), np.zeros(1, "float32")])
                logs = {"loss": value + 0.1, "accuracy": 1 - value, "val_loss": value, "val_accuracy": value}
                callback.on_epoch_end(epoch, logs)
                rates.append(float(np.asarray(model.optimizer.learning_rate)))
                if model.stop_training:
                    stopped = epoch + 1
                    break
            callback.on_train_end()
            cases.append({"history": history_name, "values": history, "callback": class_name, "options": options,
                          "stopped": stopped, "weights_of_epoch": float(model.get_weights()[0][0, 0]), "learning_rates": rates})
    schedules = []
    for class_name, options in SCHEDULES:
        schedule = getattr(keras.optimizers.schedules, class_name)(**options)
        schedules.append({"schedule": keras.optimizers.schedules.serialize(schedule),
                          "rates": [float(schedule(step)) for step in range(25)]})
    with open(path, "w") as f:
        json.dump({"keras_version": keras.__version__, "cases": cases, "schedules": schedules}, f, indent=1)
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
    p = sub.add_parser("loss-reference")
    p.add_argument("output")
    p = sub.add_parser("metric-reference")
    p.add_argument("output")
    p = sub.add_parser("callback-reference")
    p.add_argument("output")
    p = sub.add_parser("write")
    p.add_argument("arch", choices=ARCHS)
    p.add_argument("outdir")
    p.add_argument("--epochs", type=float, default=0, help="training epochs (fractions train on part of an epoch)")
    p.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not args.data and args.command not in ("optimizer-reference", "loss-reference", "metric-reference",
                                                  "callback-reference"):
        sys.exit("MNIST not found: pass --data DIR or set MNIST_DIR")

    import keras

    if args.command == "optimizer-reference":
        write_optimizer_reference(args.output, keras)
        return
    if args.command == "loss-reference":
        write_loss_reference(args.output, keras)
        return
    if args.command == "metric-reference":
        write_metric_reference(args.output, keras)
        return
    if args.command == "callback-reference":
        write_callback_reference(args.output, keras)
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
