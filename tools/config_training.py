#!/usr/bin/env python3
"""Trains a model from its Keras config, in Keras and in keras-swift, from several seeds each with the same
recipe, and compares their test figures (docs/training.md).

  python tools/config_training.py --keras-swift .build/release/keras-swift --data ../shared/data/mnist \
      [--model user_cnn|lstm_rows|conv_autoencoder] [--seeds 3] [--epochs 2]

Both models are of this project's design, the way a Keras tutorial writes them:
- user_cnn, a classifier: He-initialised convolutions without biases, each followed by BatchNormalization and
  ReLU, a residual Add, max pooling, a strided convolution and global average pooling into a softmax Dense.
  Keras writes its config with `model.to_json()`; keras-swift trains it on MNIST's labels (`train --model`) and
  the figure compared is the test accuracy.
- conv_autoencoder: a convolutional autoencoder of MNIST digits, two convolutions and max poolings down to
  (7, 7, 8), two Conv2DTranspose at stride 2 back up, a sigmoid convolution out, compiled with binary
  cross-entropy; Keras saves it compiled as a .keras archive and its config.json (with the compile config)
  is the file both sides build from. The images are their own targets (`train --x --y`) and the figure
  compared is the test loss (`evaluate --x --y`).
- lstm_rows, a classifier reading each image's 28 rows as the steps of an LSTM(64) (`model.to_json()`, the
  test accuracy compared).
Each side builds the model from the config file with fresh weights (with --same-start, keras-swift resumes from
the file of Keras's initial weights for the seed instead) and trains it with Adam (Keras's defaults),
batch 32, shuffled every epoch, on the 60,000 training images (pixels / 255), and evaluates it on the 10,000
test images.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import keras_interop as ki  # noqa: E402


def user_cnn(keras):
    """The functional BatchNormalization CNN (see the module's description)."""
    L = keras.layers
    image = keras.Input((28, 28, 1))
    x = L.ReLU()(L.BatchNormalization()(L.Conv2D(16, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(image)))
    y = L.BatchNormalization()(L.Conv2D(16, 3, padding="same", use_bias=False, kernel_initializer="he_normal")(x))
    x = L.MaxPooling2D()(L.ReLU()(L.Add()([x, y])))
    x = L.ReLU()(L.BatchNormalization()(L.Conv2D(32, 3, strides=2, use_bias=False, kernel_initializer="he_normal")(x)))
    x = L.GlobalAveragePooling2D()(x)
    return keras.Model(image, L.Dense(10, activation="softmax")(x), name="user_cnn")


def lstm_rows(keras):
    """MNIST read row by row: each image's 28 rows as 28 steps of 28 values, LSTM(64), softmax."""
    L = keras.layers
    return keras.Sequential([keras.Input((28, 28)), L.LSTM(64), L.Dense(10, activation="softmax")], name="lstm_rows")


def conv_autoencoder(keras):
    """The convolutional autoencoder (see the module's description), compiled."""
    L = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(16, 3, padding="same", activation="relu"), L.MaxPooling2D(),
        L.Conv2D(8, 3, padding="same", activation="relu"), L.MaxPooling2D(),
        L.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu"),
        L.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
        L.Conv2D(1, 3, padding="same", activation="sigmoid")], name="conv_autoencoder")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def write_config(name, keras, work):
    """Model `name`'s config file: the classifier's model.to_json(), the autoencoder's config.json from the
    compiled .keras archive Keras saves."""
    if name in CLASSIFIERS:
        config = os.path.join(work, name + ".json")
        with open(config, "w") as f:
            f.write(CLASSIFIERS[name](keras).to_json())
        return config
    archive = os.path.join(work, "conv_autoencoder.keras")
    conv_autoencoder(keras).save(archive)
    config = os.path.join(work, "config.json")
    with zipfile.ZipFile(archive) as z, open(config, "wb") as f:
        f.write(z.read("config.json"))
    return config


# The classifiers, whose configs are written by model.to_json().
CLASSIFIERS = {"user_cnn": user_cnn, "lstm_rows": lstm_rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keras-swift", default=".build/release/keras-swift")
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"))
    parser.add_argument("--model", choices=list(CLASSIFIERS) + ["conv_autoencoder"], default="user_cnn")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--same-start", action="store_true",
                        help="keras-swift trains from Keras's initial weights of each seed (a classifier only) rather than its own")
    args = parser.parse_args()
    if not args.data:
        sys.exit("MNIST not found: pass --data DIR or set MNIST_DIR")
    if args.same_start and args.model not in CLASSIFIERS:
        sys.exit("--same-start trains a classifier (" + ", ".join(CLASSIFIERS) + ")")
    import keras

    work = tempfile.mkdtemp(prefix="config-training-")
    config = write_config(args.model, keras, work)
    train_images, train_labels = ki.load_mnist(args.data, "train")
    test_images, test_labels = ki.load_mnist(args.data, "test")
    shape = (-1, 28, 28) if args.model == "lstm_rows" else (-1, 28, 28, 1)
    x_train = train_images.astype("float32").reshape(shape) / 255.0
    x_test = test_images.astype("float32").reshape(shape) / 255.0
    autoencoder = args.model == "conv_autoencoder"
    figure = "test loss" if autoencoder else "test accuracy"
    if autoencoder:
        arrays = {name: os.path.join(work, name + ".npy") for name in ["x_train", "x_test"]}
        np.save(arrays["x_train"], x_train)
        np.save(arrays["x_test"], x_test)
    results = {"keras": [], "keras-swift": []}
    for seed in range(1, args.seeds + 1):
        keras.utils.set_random_seed(seed)
        if autoencoder:
            with open(config) as f:
                model = keras.saving.deserialize_keras_object(json.load(f))
        else:
            model = keras.models.model_from_json(open(config).read())
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        initial = os.path.join(work, f"initial-{seed}.keras")
        if args.same_start:
            model.save(initial)
        started = time.time()
        targets = x_train if autoencoder else train_labels
        model.fit(x_train, targets, batch_size=32, epochs=args.epochs, shuffle=True, verbose=0)
        scores = model.evaluate(x_test, x_test if autoencoder else test_labels, verbose=0, return_dict=True)
        value = float(scores["loss"] if autoencoder else scores["accuracy"])
        results["keras"].append(value)
        print(f"seed {seed}: Keras {figure} {value:.4f} ({time.time() - started:.0f} s)", flush=True)
        started = time.time()
        trained = os.path.join(work, f"swift-{seed}.keras")
        start = ["--resume", initial] if args.same_start else ["--model", config]
        command = [args.keras_swift, "train", *start, "--epochs", str(args.epochs), "--seed", str(seed), "--out", trained]
        command += ["--x", arrays["x_train"], "--y", arrays["x_train"]] if autoencoder else ["--data", args.data]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        if autoencoder:
            evaluation = subprocess.run([args.keras_swift, "evaluate", trained, "--x", arrays["x_test"], "--y", arrays["x_test"], "--json"],
                                        capture_output=True, text=True, check=True).stdout
            value = float(json.loads(evaluation.strip().splitlines()[-1])["loss"])
        else:
            value = float(re.search(r"test: .*\baccuracy ([0-9.]+)", output).group(1))
        results["keras-swift"].append(value)
        print(f"seed {seed}: keras-swift {figure} {value:.4f} ({time.time() - started:.0f} s)", flush=True)
    for side, values in results.items():
        print(f"{side}: {figure} mean {statistics.mean(values):.4f}, min {min(values):.4f}, max {max(values):.4f} over {len(values)} seeds")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
