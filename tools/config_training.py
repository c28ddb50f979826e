#!/usr/bin/env python3
"""Trains a user's functional CNN with BatchNormalization from its Keras config, in Keras and in keras-swift, from
several seeds each with the same recipe, and compares the test accuracies (docs/training.md).

  python tools/config_training.py --keras-swift .build/release/keras-swift --data ../shared/data/mnist [--seeds 3] [--epochs 2]

The model is of this project's design, the way a Keras tutorial writes one: He-initialised convolutions without
biases, each followed by BatchNormalization and ReLU, a residual Add, max pooling, a strided convolution and
global average pooling into a softmax Dense. Keras writes its config with `model.to_json()`; each side then
builds it from that file with fresh weights and trains it with Adam (Keras's defaults), batch 32, shuffled
every epoch, on the 60,000 training images (pixels / 255), and evaluates it on the 10,000 test images.
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keras-swift", default=".build/release/keras-swift")
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    if not args.data:
        sys.exit("MNIST not found: pass --data DIR or set MNIST_DIR")
    import keras

    work = tempfile.mkdtemp(prefix="config-training-")
    config = os.path.join(work, "user_cnn.json")
    with open(config, "w") as f:
        f.write(user_cnn(keras).to_json())
    train_images, train_labels = ki.load_mnist(args.data, "train")
    test_images, test_labels = ki.load_mnist(args.data, "test")
    x_train = train_images.astype("float32").reshape(-1, 28, 28, 1) / 255.0
    x_test = test_images.astype("float32").reshape(-1, 28, 28, 1) / 255.0
    results = {"keras": [], "keras-swift": []}
    for seed in range(1, args.seeds + 1):
        keras.utils.set_random_seed(seed)
        model = keras.models.model_from_json(open(config).read())
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        started = time.time()
        model.fit(x_train, train_labels, batch_size=32, epochs=args.epochs, shuffle=True, verbose=0)
        accuracy = float(model.evaluate(x_test, test_labels, verbose=0)[1])
        results["keras"].append(accuracy)
        print(f"seed {seed}: Keras {accuracy:.4f} ({time.time() - started:.0f} s)", flush=True)
        started = time.time()
        output = subprocess.run([args.keras_swift, "train", "--model", config, "--data", args.data, "--epochs", str(args.epochs),
                                 "--seed", str(seed), "--out", os.path.join(work, f"swift-{seed}.keras")],
                                capture_output=True, text=True, check=True).stdout
        accuracy = float(re.search(r"test: .*\baccuracy ([0-9.]+)", output).group(1))
        results["keras-swift"].append(accuracy)
        print(f"seed {seed}: keras-swift {accuracy:.4f} ({time.time() - started:.0f} s)", flush=True)
    for side, values in results.items():
        print(f"{side}: mean {statistics.mean(values):.4f}, min {min(values):.4f}, max {max(values):.4f} over {len(values)} seeds")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
