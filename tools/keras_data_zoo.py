#!/usr/bin/env python3
"""A zoo of models on a user's own arrays, not MNIST: the kinds of model a Keras user brings (a binary
classifier, a regression net, a multi-label head, label smoothing, a (32, 32, 3) CNN, two inputs one of them
int32, a class and a value as two outputs, a dense and a convolutional autoencoder, a sequence made by
RepeatVector and UpSampling1D, a DCGAN-style generator, a sequence lengthened by Conv1DTranspose, a
stride-1 transposed-convolution refiner, a text classifier over int32 token ids, per-step models through TimeDistributed, recurrent models (LSTM, stacked and backwards LSTMs, a GRU of
each reset form, SimpleRNN, a GRU over tokens, Bidirectional with each merge mode), masked sequences (Embedding's
mask_zero and Masking, padded before or after, read by recurrent layers and average pooling and weighing per-step
losses), hard_sigmoid gates as each Keras defines them, an encoder-decoder (return_state into initial_state), two trained on learning-rate schedules), each written by Keras itself with seeded synthetic data beside it.

  python tools/keras_data_zoo.py OUT_DIR [--models a,b]

writes, per model, OUT_DIR/<model>.keras and .h5 (Keras 3) and <model>-keras2.h5 (tf-keras, when installed),
the arrays <model>.i<n>.npy (one per input) and <model>.t<n>.npy (targets, one per output), each side's
predictions <model>.p<n>.npy and <model>-keras2.p<n>.npy, and data_zoo.json listing them. tools/interop_check.py (`--checks data-zoo`) has keras-swift
predict, evaluate, convert and train each one and Keras judge the results.
"""
import argparse
import json
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import keras_interop as ki  # noqa: E402

warnings.filterwarnings("ignore", message=".*HDF5 file.*legacy")

SAMPLES = 96


def binary_classifier(keras):
    """One sigmoid unit over 8 features, 0/1 targets."""
    L = keras.layers
    return keras.Sequential([keras.Input((8,)), L.Dense(16, activation="relu"), L.Dense(1, activation="sigmoid")])


def regression(keras):
    """13 features to one value, as the house-prices tutorials do."""
    L = keras.layers
    return keras.Sequential([keras.Input((13,)), L.Dense(32, activation="relu"), L.Dense(16, activation="relu"), L.Dense(1)])


def multi_label(keras):
    """Five independent labels per sample, a sigmoid each."""
    L = keras.layers
    return keras.Sequential([keras.Input((10,)), L.Dense(24, activation="tanh"), L.Dense(5, activation="sigmoid")])


def label_smoothing(keras):
    """Four classes, one-hot targets, categorical cross-entropy with label smoothing."""
    L = keras.layers
    return keras.Sequential([keras.Input((6,)), L.Dense(12, activation="relu"), L.Dense(4, activation="softmax")])


def color_cnn(keras):
    """A CIFAR-shaped (32, 32, 3) image classifier."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((32, 32, 3)), L.Conv2D(8, 3, activation="relu"), L.MaxPooling2D(), L.Conv2D(12, 3, strides=2, activation="relu"),
        L.GlobalAveragePooling2D(), L.Dense(3, activation="softmax")])


def two_inputs(keras):
    """A small image and four int32 codes, each through a branch of its own, joined."""
    L = keras.layers
    image = keras.Input((8, 8, 1), name="image")
    codes = keras.Input((4,), dtype="int32", name="codes")
    seen = L.Flatten()(L.Conv2D(4, 3, activation="relu")(image))
    coded = L.Dense(6, activation="tanh")(codes)
    joined = L.Concatenate()([seen, coded])
    return keras.Model([image, codes], L.Dense(3, activation="softmax")(joined))


def class_and_value(keras):
    """Two outputs of different losses and targets: a class (sparse) and a value (mean squared error)."""
    L = keras.layers
    features = keras.Input((6,))
    trunk = L.Dense(16, activation="relu")(features)
    kind = L.Dense(3, activation="softmax", name="kind")(trunk)
    value = L.Dense(1, name="value")(trunk)
    return keras.Model(features, [kind, value])


def autoencoder(keras):
    """A dense autoencoder: 16 values through 4 and back, the input as its own target."""
    L = keras.layers
    return keras.Sequential([keras.Input((16,)), L.Dense(4, activation="relu"), L.Dense(16, activation="sigmoid")])


def conv_autoencoder(keras):
    """A convolutional autoencoder of (16, 16, 1) images: pooled down twice, up-sampled back (nearest, then
    bilinear), a sigmoid image out, the input as its own target."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((16, 16, 1)), L.Conv2D(8, 3, padding="same", activation="relu"), L.MaxPooling2D(),
        L.Conv2D(4, 3, padding="same", activation="relu"), L.MaxPooling2D(), L.UpSampling2D(),
        L.Conv2D(8, 3, padding="same", activation="relu"), L.UpSampling2D(interpolation="bilinear"),
        L.Conv2D(1, 3, padding="same", activation="sigmoid")])


def repeated_sequence(keras):
    """Features repeated into a sequence (RepeatVector), each step doubled (UpSampling1D), a Conv1D over it, one
    value out."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((6,)), L.Dense(8, activation="tanh"), L.RepeatVector(4), L.UpSampling1D(2),
        L.Conv1D(4, 3, padding="same", activation="relu"), L.Flatten(), L.Dense(1)])


def dcgan_generator(keras):
    """A DCGAN-style generator: 8 code values to a (4, 4, 8) map, up by Conv2DTranspose twice (an even kernel
    without bias, batch-normalized; then output padding), a valid one to an (18, 18, 1) sigmoid image."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((8,)), L.Dense(4 * 4 * 8, activation="relu"), L.Reshape((4, 4, 8)),
        L.Conv2DTranspose(8, 4, strides=2, padding="same", use_bias=False), L.BatchNormalization(), L.LeakyReLU(0.2),
        L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1, activation="relu"),
        L.Conv2DTranspose(1, 3, activation="sigmoid")])


def transposed_sequence(keras):
    """A (6, 3) sequence lengthened by Conv1DTranspose (valid at stride 2, then same at stride 3 with output
    padding and an even kernel), one value out. (No dilation: TensorFlow cannot train a dilated transposed
    convolution on a CPU.)"""
    L = keras.layers
    return keras.Sequential([
        keras.Input((6, 3)), L.Conv1DTranspose(4, 3, strides=2, activation="tanh"),
        L.Conv1DTranspose(2, 2, strides=3, padding="same", output_padding=1, activation="relu"), L.Flatten(), L.Dense(1)])


def transposed_refiner(keras):
    """(8, 8, 32) feature maps refined by 3x3 Conv2DTranspose layers at stride 1 (same, then valid to (10, 10)) over
    32 channels, the shape keras-swift computes by Winograd, and a valid Conv2D back to an (8, 8, 1) sigmoid image."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((8, 8, 32)), L.Conv2DTranspose(32, 3, padding="same", activation="relu"), L.Conv2DTranspose(32, 3, activation="tanh"),
        L.Conv2D(1, 3, activation="sigmoid")])


def token_classifier(keras):
    """Twelve int32 token ids from a vocabulary of 20 through an Embedding of 8 values, a Conv1D and global max
    pooling to one sigmoid unit: the first text classifiers' shape, without masks."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((12,), dtype="int32"), L.Embedding(20, 8), L.Conv1D(16, 3, activation="relu"), L.GlobalMaxPooling1D(),
        L.Dense(1, activation="sigmoid")])


def frame_classifier(keras):
    """Four (8, 8, 1) frames per sample, each through the same small CNN (TimeDistributed over Conv2D,
    MaxPooling2D, Flatten and a softmax Dense): a class per frame."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((4, 8, 8, 1)), L.TimeDistributed(L.Conv2D(4, 3, activation="relu")), L.TimeDistributed(L.MaxPooling2D()),
        L.TimeDistributed(L.Flatten()), L.TimeDistributed(L.Dense(3, activation="softmax"))])


def step_regressor(keras):
    """A value per step of a (6, 3) series: TimeDistributed Dense layers around a causal Conv1D, as forecasters
    end in TimeDistributed(Dense(1))."""
    L = keras.layers
    inputs = keras.Input((6, 3))
    x = L.TimeDistributed(L.Dense(8, activation="tanh"))(inputs)
    x = L.Conv1D(4, 2, padding="causal", activation="relu")(x)
    return keras.Model(inputs, L.TimeDistributed(L.Dense(1))(x))


def row_lstm(keras):
    """A class from a (10, 6) series read step by step: LSTM(16), then softmax, as MNIST's rows are read."""
    L = keras.layers
    return keras.Sequential([keras.Input((10, 6)), L.LSTM(16), L.Dense(3, activation="softmax")])


def stacked_lstm(keras):
    """A value from a series of 4 features through two LSTMs: the first returns every step (relu candidates, no
    forget bias at the start), the second reads them backwards without a bias. The model leaves the number of
    steps open (None); the data has 8."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((None, 4)), L.LSTM(12, return_sequences=True, activation="relu", unit_forget_bias=False),
        L.LSTM(8, go_backwards=True, use_bias=False), L.Dense(1)])


def gru_forecaster(keras):
    """A value per step of a (8, 2) series: a GRU of Keras 2.2's form (reset before the product) returning
    every step, then TimeDistributed(Dense(1))."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((8, 2)), L.GRU(10, reset_after=False, return_sequences=True), L.TimeDistributed(L.Dense(1))])


def simple_rnn_classifier(keras):
    """Whether a (7, 3) series ends above where it began: SimpleRNN(8) with relu, then a sigmoid unit."""
    L = keras.layers
    return keras.Sequential([keras.Input((7, 3)), L.SimpleRNN(8, activation="relu"), L.Dense(1, activation="sigmoid")])


def gru_text(keras):
    """The token classifier's task read by a GRU: Embedding(20, 8), then GRU(12) over the tokens backwards."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((12,), dtype="int32"), L.Embedding(20, 8), L.GRU(12, go_backwards=True), L.Dense(1, activation="sigmoid")])


def bidirectional_gru(keras):
    """The row task read both ways: Bidirectional(GRU(8)), the two last states concatenated."""
    L = keras.layers
    return keras.Sequential([keras.Input((10, 6)), L.Bidirectional(L.GRU(8)), L.Dense(3, activation="softmax")])


def bidirectional_merges(keras):
    """A value from a (8, 4) series through three Bidirectional layers, one per other merge_mode: LSTM states
    summed, GRU (reset before the product) states multiplied, and SimpleRNNs averaged, the backward one a layer
    of its own (relu)."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((8, 4)), L.Bidirectional(L.LSTM(6, return_sequences=True), merge_mode="sum"),
        L.Bidirectional(L.GRU(5, return_sequences=True, reset_after=False), merge_mode="mul"),
        L.Bidirectional(L.SimpleRNN(4), merge_mode="ave", backward_layer=L.SimpleRNN(4, activation="relu", go_backwards=True)),
        L.Dense(1)])


def masked_text(keras):
    """Token sequences of 3 to 12 ids padded with 0 (after the text, or before it) read with Embedding's
    mask_zero: a Bidirectional LSTM over every step (zeros at the masked ones, as Bidirectional makes its layers
    give) added to a Dense of the embeddings and concatenated with them (the merges pass the one mask on),
    averaged over the unmasked steps by GlobalAveragePooling1D."""
    L = keras.layers
    tokens = keras.Input((12,), dtype="int32")
    embedded = L.Embedding(20, 8, mask_zero=True)(tokens)
    read = L.Bidirectional(L.LSTM(6, return_sequences=True))(embedded)
    joined = L.Concatenate()([L.Add()([read, L.Dense(12, activation="tanh")(embedded)]), embedded])
    return keras.Model(tokens, L.Dense(1, activation="sigmoid")(L.GlobalAveragePooling1D()(joined)))


def masked_tagger(keras):
    """A class per token of padded sequences: Embedding(mask_zero), a Dense that passes the mask on, an LSTM
    with zero_output_for_mask, a softmax per step; the loss and accuracy count the unmasked tokens only."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((10,), dtype="int32"), L.Embedding(15, 6, mask_zero=True), L.Dense(6, activation="tanh"),
        L.LSTM(8, return_sequences=True, zero_output_for_mask=True), L.Dense(4, activation="softmax")])


def masked_series(keras):
    """Series of 3 to 8 steps padded with all-zero steps, masked by Masking: a SimpleRNN over every step, then
    a GRU of Keras 2.2's form read backwards, which starts from the last real step."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((8, 3)), L.Masking(), L.SimpleRNN(6, return_sequences=True),
        L.GRU(5, reset_after=False, go_backwards=True), L.Dense(1)])


def masked_forecaster(keras):
    """A value per step of series padded with -1 (Masking's mask_value): Bidirectional GRU states summed, then
    TimeDistributed(Dense(1)); the loss and mean absolute error count the unmasked steps only. Functional, so
    Keras 3 writes the operations that compute the mask among its layers."""
    L = keras.layers
    series = keras.Input((8, 2))
    read = L.Bidirectional(L.GRU(5, return_sequences=True), merge_mode="sum")(L.Masking(mask_value=-1.0)(series))
    return keras.Model(series, L.TimeDistributed(L.Dense(1))(read))


def keras2_gates(keras):
    """hard_sigmoid gates, which each Keras defines its own way (Keras 3: relu6(x + 3) / 6; tf-keras and Keras
    2.2's recurrent default: clip(0.2 x + 0.5, 0, 1)): an LSTM returning every step into a GRU, both gated by it.
    Each side's file keeps its own; the Keras 2 form is judged from tf-keras's."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((7, 3)), L.LSTM(6, recurrent_activation="hard_sigmoid", return_sequences=True),
        L.GRU(4, recurrent_activation="hard_sigmoid"), L.Dense(1)])


def encoder_decoder(keras):
    """An encoder LSTM's last state and carry (return_state) start a decoder LSTM over a second series
    (initial_state); a GRU after it returns every step and its last state: a value per step from the steps, and
    one value from the state, two outputs."""
    L = keras.layers
    encoder_input, decoder_input = keras.Input((6, 3), name="encoder_input"), keras.Input((5, 2), name="decoder_input")
    _, state, carry = L.LSTM(8, return_state=True, name="encoder")(encoder_input)
    decoded = L.LSTM(8, return_sequences=True, name="decoder")(decoder_input, initial_state=[state, carry])
    steps, last = L.GRU(4, return_sequences=True, return_state=True, name="refiner")(decoded)
    return keras.Model([encoder_input, decoder_input],
                       [L.TimeDistributed(L.Dense(1), name="per_step")(steps), L.Dense(1, name="summary")(last)])


def padded(rng, n, steps, shortest, pad_before):
    """Per sample, a length from `shortest` to `steps` and whether it is padded before its values (every
    `pad_before`-th sample) rather than after; and the (n, steps) mask of real positions."""
    lengths = rng.integers(shortest, steps + 1, size=n)
    before = np.arange(n) % pad_before == 0
    position = np.arange(steps)[None, :]
    real = np.where(before[:, None], position >= steps - lengths[:, None], position < lengths[:, None])
    return real


def scheduled_classifier(keras):
    """Four classes from 10 features, trained with Adam on a cosine schedule with warm-up."""
    L = keras.layers
    return keras.Sequential([keras.Input((10,)), L.Dense(16, activation="relu"), L.Dense(4, activation="softmax")])


def data(name, rng):
    """Seeded inputs (one array per input) and targets (one per output) for model `name`."""
    n = SAMPLES
    if name == "binary_classifier":
        x = rng.normal(size=(n, 8)).astype("float32")
        return [x], [(x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")]
    if name == "regression":
        x = rng.normal(size=(n, 13)).astype("float32")
        return [x], [(x @ rng.normal(size=(13, 1)) + 0.1 * rng.normal(size=(n, 1))).astype("float32")]
    if name == "multi_label":
        x = rng.normal(size=(n, 10)).astype("float32")
        return [x], [(x[:, :5] > 0).astype("float32")]
    if name == "label_smoothing":
        x = rng.normal(size=(n, 6)).astype("float32")
        return [x], [np.eye(4, dtype="float32")[np.argmax(x[:, :4], axis=1)]]
    if name == "color_cnn":
        x = rng.uniform(size=(n, 32, 32, 3)).astype("float32")
        return [x], [np.argmax(x.mean(axis=(1, 2)), axis=1).astype("int64")]
    if name == "two_inputs":
        image = rng.uniform(size=(n, 8, 8, 1)).astype("float32")
        codes = rng.integers(0, 10, size=(n, 4)).astype("int32")
        return [image, codes], [((codes[:, 0] + (image.mean(axis=(1, 2, 3)) > 0.5)) % 3).astype("int64")]
    if name == "class_and_value":
        x = rng.normal(size=(n, 6)).astype("float32")
        return [x], [np.argmax(x[:, :3], axis=1).astype("int64"), x.sum(axis=1, keepdims=True).astype("float32")]
    if name == "scheduled_classifier":
        x = rng.normal(size=(n, 10)).astype("float32")
        return [x], [np.argmax(x[:, :4], axis=1).astype("int64")]
    if name == "scheduled_regression":
        x = rng.normal(size=(n, 13)).astype("float32")
        return [x], [x[:, :2].sum(axis=1, keepdims=True).astype("float32")]
    if name == "autoencoder":
        x = rng.uniform(size=(n, 16)).astype("float32")
        return [x], [x]
    if name == "conv_autoencoder":
        # Smooth images: a coarse 4x4 pattern enlarged, plus a little noise, in [0, 1].
        coarse = rng.uniform(size=(n, 4, 4, 1))
        x = np.clip(np.repeat(np.repeat(coarse, 4, axis=1), 4, axis=2) + 0.05 * rng.normal(size=(n, 16, 16, 1)), 0, 1).astype("float32")
        return [x], [x]
    if name == "repeated_sequence":
        x = rng.normal(size=(n, 6)).astype("float32")
        return [x], [(x[:, :3].sum(axis=1, keepdims=True) - x[:, 3:4]).astype("float32")]
    if name == "dcgan_generator":
        # A soft edge across the image, its direction and sharpness set by the first code values.
        codes = rng.normal(size=(n, 8)).astype("float32")
        grid = np.linspace(-1, 1, 18)
        y, x = np.meshgrid(grid, grid, indexing="ij")
        edge = codes[:, :1, None] * x + codes[:, 1:2, None] * y + 0.3 * codes[:, 2:3, None]
        return [codes], [(0.5 + 0.5 * np.tanh(2 * edge))[..., None].astype("float32")]
    if name == "transposed_sequence":
        x = rng.normal(size=(n, 6, 3)).astype("float32")
        return [x], [(x[:, :, 0].mean(axis=1, keepdims=True) - x[:, -1, 1:2]).astype("float32")]
    if name == "transposed_refiner":
        # Each pixel squashes a difference of the first two channels there.
        x = rng.normal(size=(n, 8, 8, 32)).astype("float32")
        return [x], [(0.5 + 0.5 * np.tanh(x[..., :1] - 0.5 * x[..., 1:2])).astype("float32")]
    if name in ("row_lstm", "bidirectional_gru"):
        x = rng.normal(size=(n, 10, 6)).astype("float32")
        return [x], [np.argmax(x[:, :, :3].sum(axis=1), axis=1).astype("int64")]
    if name in ("stacked_lstm", "bidirectional_merges"):
        x = rng.normal(size=(n, 8, 4)).astype("float32")
        return [x], [(x[:, :, 0] @ (0.8 ** np.arange(8)) - x[:, -1, 1])[:, None].astype("float32")]
    if name == "gru_forecaster":
        x = rng.normal(size=(n, 8, 2)).astype("float32")
        return [x], [(np.cumsum(x[:, :, :1], axis=1) / np.arange(1, 9)[None, :, None]).astype("float32")]
    if name == "simple_rnn_classifier":
        x = rng.normal(size=(n, 7, 3)).astype("float32")
        return [x], [(x[:, -1, :1] > x[:, 0, :1]).astype("float32")]
    if name in ("token_classifier", "gru_text"):
        # Positive when token 3 comes before any token 7 (or without one), as a sentiment word before a negation.
        tokens = rng.integers(0, 20, size=(n, 12)).astype("int32")
        def first(token):
            hits = tokens == token
            return np.where(hits.any(axis=1), hits.argmax(axis=1), 12)
        return [tokens], [(first(3) < first(7)).astype("float32")[:, None]]
    if name == "masked_text":
        real = padded(rng, n, 12, 3, 4)
        tokens = np.where(real, rng.integers(1, 20, size=(n, 12)), 0).astype("int32")
        def first(token):
            hits = tokens == token
            return np.where(hits.any(axis=1), hits.argmax(axis=1), 12)
        return [tokens], [(first(3) < first(7)).astype("float32")[:, None]]
    if name == "masked_tagger":
        real = padded(rng, n, 10, 2, 3)
        tokens = np.where(real, rng.integers(1, 15, size=(n, 10)), 0).astype("int32")
        previous = np.concatenate([np.zeros((n, 1), "int32"), tokens[:, :-1]], axis=1)
        return [tokens], [((tokens + previous) % 4).astype("int64")]
    if name == "masked_series":
        real = padded(rng, n, 8, 3, 3)
        x = np.where(real[:, :, None], rng.normal(size=(n, 8, 3)), 0).astype("float32")
        return [x], [(x[:, :, 0].sum(axis=1) - x[:, :, 1].max(axis=1))[:, None].astype("float32")]
    if name == "masked_forecaster":
        real = padded(rng, n, 8, 2, 4)
        x = np.where(real[:, :, None], rng.normal(size=(n, 8, 2)), -1).astype("float32")
        running = np.cumsum(np.where(real, x[:, :, 0], 0), axis=1) / np.maximum(1, np.cumsum(real, axis=1))
        return [x], [np.where(real, running, 5)[:, :, None].astype("float32")]
    if name == "keras2_gates":
        x = rng.normal(size=(n, 7, 3)).astype("float32")
        return [x], [(x[:, :, 0].sum(axis=1) * x[:, -1, 2])[:, None].astype("float32")]
    if name == "encoder_decoder":
        source, target = rng.normal(size=(n, 6, 3)).astype("float32"), rng.normal(size=(n, 5, 2)).astype("float32")
        per_step = np.cumsum(target[:, :, :1], axis=1) + source[:, :, :1].mean(axis=1, keepdims=True)
        return [source, target], [per_step.astype("float32"), source[:, :, 1].sum(axis=1, keepdims=True).astype("float32")]
    if name == "frame_classifier":
        # Each frame's class is the quadrant holding its brightest pixel (top or bottom half, and left or right
        # for the top): three classes.
        frames = rng.uniform(size=(n, 4, 8, 8, 1)).astype("float32")
        peak = frames.reshape(n, 4, 64).argmax(axis=2)
        row, column = peak // 8, peak % 8
        return [frames], [np.where(row >= 4, 2, (column >= 4).astype("int64")).astype("int64")]
    if name == "step_regressor":
        x = rng.normal(size=(n, 6, 3)).astype("float32")
        previous = np.concatenate([np.zeros((n, 1, 1), "float32"), x[:, :-1, :1]], axis=1)
        return [x], [(x[:, :, 1:2] - 0.5 * previous).astype("float32")]
    raise ValueError(name)


# name: (builder, loss (one per output for several), metrics (Keras's compile argument, made from the metrics
# module), loss weights, optimizer (class name, options, or a function of the Keras module giving them: a
# learning-rate schedule is made by the module that trains)).
ZOO = {
    "binary_classifier": (binary_classifier, "binary_crossentropy", lambda m: ["accuracy", m.AUC(name="auc")], None, ("Adam", {})),
    "regression": (regression, "mse", lambda m: ["mae"], None, ("RMSprop", {})),
    "multi_label": (multi_label, "binary_crossentropy", lambda m: ["accuracy", m.Precision(name="precision")], None, ("Adam", {})),
    "label_smoothing": (label_smoothing, "smoothed", lambda m: ["accuracy", m.TopKCategoricalAccuracy(k=2, name="top2")], None,
                        ("Nadam", {})),
    "color_cnn": (color_cnn, "sparse_categorical_crossentropy", lambda m: ["accuracy"], None, ("Adam", {})),
    "two_inputs": (two_inputs, "sparse_categorical_crossentropy", lambda m: ["accuracy"], None, ("Adam", {})),
    "class_and_value": (class_and_value, ["sparse_categorical_crossentropy", "mse"], lambda m: [["accuracy"], ["mae"]], [1.0, 0.5],
                        ("Adam", {})),
    "autoencoder": (autoencoder, "binary_crossentropy", lambda m: ["mae"], None, ("SGD", {"learning_rate": 0.1, "momentum": 0.9})),
    "conv_autoencoder": (conv_autoencoder, "binary_crossentropy", lambda m: ["mae"], None, ("Adam", {})),
    "repeated_sequence": (repeated_sequence, "mse", lambda m: ["mae"], None, ("Adam", {})),
    "dcgan_generator": (dcgan_generator, "binary_crossentropy", lambda m: ["mae"], None, ("Adam", {})),
    "transposed_sequence": (transposed_sequence, "mse", lambda m: ["mae"], None, ("Adam", {})),
    "transposed_refiner": (transposed_refiner, "binary_crossentropy", lambda m: ["mae"], None, ("Adam", {})),
    "token_classifier": (token_classifier, "binary_crossentropy", lambda m: ["accuracy"], None, ("Adam", {})),
    "frame_classifier": (frame_classifier, "sparse_categorical_crossentropy", lambda m: ["accuracy"], None, ("Adam", {})),
    "step_regressor": (step_regressor, "mse", lambda m: ["mae"], None, ("RMSprop", {})),
    "row_lstm": (row_lstm, "sparse_categorical_crossentropy", lambda m: ["accuracy"], None, ("Adam", {})),
    "stacked_lstm": (stacked_lstm, "mse", lambda m: ["mae"], None, ("RMSprop", {})),
    "gru_forecaster": (gru_forecaster, "mse", lambda m: ["mae"], None, ("Adam", {})),
    "simple_rnn_classifier": (simple_rnn_classifier, "binary_crossentropy", lambda m: ["accuracy"], None, ("SGD", {"learning_rate": 0.05})),
    "gru_text": (gru_text, "binary_crossentropy", lambda m: ["accuracy"], None, ("Adam", {})),
    "bidirectional_gru": (bidirectional_gru, "sparse_categorical_crossentropy", lambda m: ["accuracy"], None, ("Adam", {})),
    "bidirectional_merges": (bidirectional_merges, "mse", lambda m: ["mae"], None, ("Adam", {})),
    "masked_text": (masked_text, "binary_crossentropy", lambda m: ["accuracy"], None, ("Adam", {})),
    "masked_tagger": (masked_tagger, "sparse_categorical_crossentropy", lambda m: ["accuracy"], None, ("Adam", {})),
    "masked_series": (masked_series, "mse", lambda m: ["mae"], None, ("RMSprop", {})),
    "masked_forecaster": (masked_forecaster, "mse", lambda m: ["mae"], None, ("Adam", {})),
    "keras2_gates": (keras2_gates, "mse", lambda m: ["mae"], None, ("Adam", {})),
    "encoder_decoder": (encoder_decoder, ["mse", "mse"], lambda m: [["mae"], ["mae"]], None, ("Adam", {})),
    "scheduled_classifier": (scheduled_classifier, "sparse_categorical_crossentropy", lambda m: ["accuracy"], None,
                             ("Adam", lambda keras: {"learning_rate": keras.optimizers.schedules.CosineDecay(
                                 0.001, decay_steps=8, alpha=0.1, warmup_target=0.01, warmup_steps=3)})),
    "scheduled_regression": (regression, "mse", lambda m: ["mae"], None,
                             ("SGD", lambda keras: {"momentum": 0.5, "learning_rate": keras.optimizers.schedules.PiecewiseConstantDecay(
                                 [4, 9], [0.01, 0.005, 0.001])})),
}


def loss(keras, spec):
    """The compile loss `spec` names: a Keras name, or `smoothed` for categorical cross-entropy with label
    smoothing 0.1."""
    if isinstance(spec, list):
        return [loss(keras, one) for one in spec]
    return keras.losses.CategoricalCrossentropy(label_smoothing=0.1) if spec == "smoothed" else spec


def build(name, module):
    """Model `name` built and compiled by `module` (keras or tf_keras), seeded alike."""
    builder, loss_spec, metrics, loss_weights, (optimizer, options) = ZOO[name]
    module.utils.set_random_seed(1)
    model = builder(module)
    options = options(module) if callable(options) else options
    model.compile(optimizer=getattr(module.optimizers, optimizer)(**options), loss=loss(module, loss_spec),
                  loss_weights=loss_weights, metrics=metrics(module.metrics))
    return model


def as_list(value):
    """Keras's predictions or targets of one output as a one-element list, of several as they are."""
    return value if isinstance(value, list) else [value]


def keras_arrays(arrays):
    """A list of one array per input or output as Keras takes it: the array alone when there is one (tf-keras
    reads a one-element list as a structure of its own)."""
    return arrays if len(arrays) > 1 else arrays[0]


def save(stem, arrays):
    """Writes each array as STEM<i>.npy; returns the paths."""
    paths = [f"{stem}{index}.npy" for index in range(len(arrays))]
    for path, array in zip(paths, arrays):
        np.save(path, array)
    return paths


def write(folder, keras, tf_keras=None, names=None):
    """Builds, trains and saves each model with its arrays; returns the data_zoo.json entries."""
    unknown = [name for name in names or [] if name not in ZOO]
    if unknown:
        sys.exit(f"keras_data_zoo: no model named {', '.join(unknown)} (the zoo has {', '.join(ZOO)})")
    os.makedirs(folder, exist_ok=True)
    entries = []
    for name in names or ZOO:
        base = os.path.join(folder, name)
        x, y = data(name, np.random.default_rng(7))
        paths = {kind: save(f"{base}.{kind[0]}", values) for kind, values in [("inputs", x), ("targets", y)]}
        files = []
        for module in [keras] + ([tf_keras] if tf_keras else []):
            model = build(name, module)
            model.fit(keras_arrays(x), keras_arrays(y), batch_size=32, epochs=1, verbose=0)
            # Each side trains its own copy: tf-keras's file has tf-keras's predictions.
            stem = base if module is keras else base + "-keras2"
            predictions = save(stem + ".p", as_list(model.predict(keras_arrays(x), verbose=0)))
            for suffix in [".keras", ".h5"] if module is keras else [".h5"]:
                model.save(stem + suffix)
                files.append({"model": stem + suffix, "predictions": predictions})
            outputs = list(model.output_names) if len(model.outputs) > 1 else None
        entries.append({"name": name, "files": files, "outputs": outputs, **paths})
    with open(os.path.join(folder, "data_zoo.json"), "w") as f:
        json.dump(entries, f, indent=1)
    return entries


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--models", help="comma-separated names (default: all)")
    args = parser.parse_args()
    import keras
    tf_keras = ki.tf_keras_or_none()
    for entry in write(args.folder, keras, tf_keras, args.models.split(",") if args.models else None):
        print(f"{entry['name']}: {', '.join(file['model'] for file in entry['files'])}")


if __name__ == "__main__":
    main()
