#!/usr/bin/env python3
"""A zoo of small MNIST models of our own design, written by Keras itself, that use the layer classes and
options beyond the four notebooks': each is built, briefly trained and saved as `.keras` and legacy `.h5`
(Keras 3), and, where tf-keras has every layer it uses, as a Keras 2 `.h5` too, with Keras's predictions for
the first 100 test images beside it.

  python tools/keras_zoo.py OUT_DIR --data ../shared/data/mnist

writes OUT_DIR/<model>.keras, .h5, -keras2.h5, <model>.npy (Keras's predictions) and zoo.json, which lists
each model's files, its pixel scaling (`raw` or `unit`, as `keras-swift --pixels` takes it), its loss and optimizer, its layer classes
and whether Keras 2 can hold it. tools/interop_check.py (`--checks zoo`) loads every file in keras-swift and has
Keras load what keras-swift writes back.
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

# tf-keras warns that `.h5` is a legacy form on every save; writing that form is the point here.
warnings.filterwarnings("ignore", message=".*HDF5 file.*legacy")

TRAIN_IMAGES = 1024
PREDICTED_IMAGES = 100


def leaky_relu(keras, slope):
    """LeakyReLU's slope is `negative_slope` in Keras 3 and `alpha` in Keras 2."""
    if keras.__name__ == "tf_keras":
        return keras.layers.LeakyReLU(alpha=slope)
    return keras.layers.LeakyReLU(negative_slope=slope)


def rescaling_mlp(keras):
    """Raw pixels, Rescaling in front; LeakyReLU and ELU layers between Dense layers."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((784,)), L.Rescaling(1 / 255.0, offset=-0.1), L.Dense(64), leaky_relu(keras, 0.1),
        L.Dense(32), L.ELU(alpha=0.8), L.Dense(10, activation="softmax")])


def reshape_cnn(keras):
    """A flat input reshaped to an image; ReLU with every option; same-padded max pooling; Cropping2D;
    global average pooling; a Softmax layer last."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((784,)), L.Reshape((28, 28, 1)), L.Conv2D(8, 3, padding="same"),
        L.ReLU(max_value=6.0, negative_slope=0.05, threshold=0.1), L.MaxPooling2D(3, strides=2, padding="same"),
        L.Cropping2D(((1, 2), (2, 1))), L.Conv2D(12, 3), L.ReLU(), L.GlobalAveragePooling2D(), L.Dense(10),
        L.Softmax()])


def permute_global_max(keras):
    """Strided convolution, Permute, GlobalMaxPooling2D with keepdims, then Flatten."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(8, 3, strides=2, activation="relu"), L.Permute((2, 1, 3)),
        L.Conv2D(16, 3, activation="relu"), L.GlobalMaxPooling2D(keepdims=True), L.Flatten(),
        L.Dense(10, activation="softmax")])


def softmax_axes(keras):
    """Softmax over a middle axis, Reshape with -1, same-padded average pooling, an Activation layer last."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(6, 5, activation="tanh"), L.Softmax(axis=1),
        L.AveragePooling2D(3, padding="same"), L.Reshape((-1, 6)), L.Flatten(), L.Dense(10),
        L.Activation("softmax")])


def relu_capped_mlp(keras):
    """ReLU layers with a cap and with a threshold only, and a Rescaling with offset in the middle."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((784,)), L.Dense(48), L.ReLU(max_value=1.5), L.Rescaling(2.0, offset=0.5), L.Dense(24),
        L.ReLU(threshold=0.2), L.Dense(10, activation="softmax")])


def activations_mlp(keras):
    """Every Keras 3 activation name tf-keras lacks or computes otherwise, inside Dense layers, and
    log_softmax as an Activation layer in the middle."""
    L = keras.layers
    body = [keras.Input((784,))]
    for name in ["relu6", "leaky_relu", "hard_sigmoid", "hard_silu", "gelu", "silu", "mish"]:
        body.append(L.Dense(24, activation=name))
    return keras.Sequential(body + [L.Dense(10), L.Activation("log_softmax"), L.Dense(10, activation="softmax")])


def activations_cnn(keras):
    """The activations whose derivative needs the pre-activation, inside Conv2D layers (the first one
    single-channel)."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(8, 3, activation="gelu"), L.Conv2D(8, 3, strides=2, activation="silu"),
        L.Conv2D(8, 3, activation="mish"), L.Conv2D(8, 3, strides=2, activation="hard_silu"), L.Flatten(),
        L.Dense(10, activation="softmax")])


def shared_activations(keras):
    """The activations Keras 2 and Keras 3 both have, by the names both read (`swish` is silu)."""
    L = keras.layers
    body = [keras.Input((784,))]
    for name in ["swish", "gelu", "mish", "selu", "elu", "softplus", "softsign", "tanh", "exponential"]:
        body.append(L.Dense(16, activation=name))
    return keras.Sequential(body + [L.Dense(10, activation="softmax")])


def functional_residual(keras):
    """A functional residual block: two convolutions joined by Add, then ReLU, pooling and a Softmax layer."""
    L = keras.layers
    image = keras.Input((28, 28, 1))
    x = L.Conv2D(8, 3, padding="same", activation="relu")(image)
    y = L.Conv2D(8, 3, padding="same")(x)
    x = L.ReLU()(L.Add()([x, y]))
    x = L.GlobalAveragePooling2D()(L.MaxPooling2D()(x))
    return keras.Model(image, L.Softmax()(L.Dense(10)(x)))


def functional_merges(keras):
    """Three branches joined by every merge layer, Concatenate on the last and on a middle axis (one
    tensor taken twice)."""
    L = keras.layers
    image = keras.Input((28, 28, 1))
    a = L.Conv2D(4, 3, activation="relu")(image)
    b = L.Conv2D(4, 3, activation="tanh")(image)
    c = L.Conv2D(4, 3, activation="sigmoid")(image)
    merged = L.Concatenate()([L.Subtract()([a, b]), L.Multiply()([b, c]), L.Average()([a, b, c]), L.Maximum()([a, c]),
                              L.Minimum()([b, c, a])])
    stacked = L.Concatenate(axis=1)([merged, merged])
    x = L.GlobalMaxPooling2D()(L.MaxPooling2D()(stacked))
    return keras.Model(image, L.Dense(10, activation="softmax")(x))


def normalized_cnn(keras):
    """LayerNormalization over the channels and over the whole image (without beta), PReLU with an alpha per
    channel (starting at 0.1) and per value."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(8, 3), L.LayerNormalization(beta_initializer="ones"),
        L.PReLU(alpha_initializer=keras.initializers.Constant(0.1), shared_axes=[1, 2]),
        L.Conv2D(8, 3, strides=2), L.LayerNormalization(axis=[1, 2, 3], center=False, epsilon=0.01), L.PReLU(),
        L.Flatten(), L.Dense(10, activation="softmax")])


def noisy_cnn(keras):
    """Every dropout and noise layer (identity at inference): SpatialDropout2D, GaussianNoise, AlphaDropout
    after a selu convolution, GaussianDropout."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(8, 3, activation="relu"), L.SpatialDropout2D(0.2), L.GaussianNoise(0.1),
        L.Conv2D(8, 3, strides=2, activation="selu"), L.AlphaDropout(0.1), L.Flatten(), L.GaussianDropout(0.2),
        L.Dense(10, activation="softmax")])


def batchnorm_cnn(keras):
    """BatchNormalization the way tutorials use it: after a bias-free convolution then an Activation layer,
    with its own momentum and epsilon and without beta, and after a Dense layer without gamma.

    A bias just before a BatchNormalization has a gradient of zero plus rounding, which Adam scales up to
    full steps of either sign, so such biases would drift apart between any two implementations: the zoo's
    BatchNormalization layers follow layers without a bias or with an activation."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(8, 3, use_bias=False), L.BatchNormalization(), L.Activation("relu"),
        L.MaxPooling2D(), L.Conv2D(16, 3, use_bias=False), L.BatchNormalization(momentum=0.9, epsilon=0.01, center=False),
        L.ReLU(), L.GlobalAveragePooling2D(), L.Dense(32, use_bias=False), L.BatchNormalization(scale=False),
        L.Activation("relu"), L.Dense(10, activation="softmax")])


def functional_bn_residual(keras):
    """A residual CNN with BatchNormalization in each branch, one of them over image rows (axis 1)."""
    L = keras.layers
    image = keras.Input((28, 28, 1))
    x = L.ReLU()(L.BatchNormalization()(L.Conv2D(12, 3, strides=2, padding="same", use_bias=False)(image)))
    y = L.BatchNormalization()(L.Conv2D(12, 3, padding="same", use_bias=False)(x))
    y = L.BatchNormalization(axis=1, momentum=0.95)(L.Conv2D(12, 3, padding="same", activation="relu")(y))
    x = L.MaxPooling2D()(L.ReLU()(L.Add()([x, y])))
    x = L.GlobalAveragePooling2D()(L.BatchNormalization()(L.Conv2D(16, 3, activation="relu")(x)))
    return keras.Model(image, L.Dense(10, activation="softmax")(x))


def winograd_cnn(keras):
    """3x3 stride-1 convolutions over 16 or more channels, which keras-swift computes with Winograd's algorithm:
    valid padding on 26x26 (whole tiles), same padding without a bias before a BatchNormalization that
    inference folds in, and valid padding on 13x13 (partial tiles), 24 channels to 40 filters.

    Its activations are smooth and its pooling averages: with ReLUs and max pooling, a unit or a window's
    winner flipped on a change of rounding (OpenBLAS for keras-swift's own GEMM was enough), and training from the
    same start landed on either of two weight sets 4e-4 apart, whichever way the convolutions summed."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(16, 3, activation="tanh"), L.Conv2D(24, 3, activation="tanh"),
        L.Conv2D(24, 3, padding="same", use_bias=False), L.BatchNormalization(),
        L.AveragePooling2D(2), L.Conv2D(40, 3, activation="tanh"), L.GlobalAveragePooling2D(),
        L.Dense(10, activation="softmax")])


def logits_mlp(keras):
    """Linear outputs for a loss that takes logits."""
    L = keras.layers
    return keras.Sequential([keras.Input((784,)), L.Dense(32, activation="relu"), L.Dense(10)])


def sigmoid_mlp(keras):
    """Sigmoid outputs, one per digit, for binary cross-entropy (which takes their logits, as Keras does)."""
    L = keras.layers
    return keras.Sequential([keras.Input((784,)), L.Dense(32, activation="tanh"), L.Dense(10, activation="sigmoid")])


def softmax_cnn(keras):
    """A small CNN with softmax outputs, for the losses over probabilities."""
    L = keras.layers
    return keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(6, 5, strides=2, activation="relu"), L.Flatten(),
                             L.Dense(10, activation="softmax")])


def softmax_tanh_cnn(keras):
    """The same with tanh, for mean squared error: its gradients are a hundred times smaller than
    cross-entropy's, and with ReLU the Adam steps of the first kernel's rarely lit entries drift apart by up to
    3e-5 within 20 steps (an open question; with SGD and with tanh they agree to 1e-7)."""
    L = keras.layers
    return keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(6, 5, strides=2, activation="tanh"), L.Flatten(),
                             L.Dense(10, activation="softmax")])


def adapted_pixels_mlp(keras):
    """Raw pixels normalised by one mean and variance that Keras adapts on the training images (axis None):
    the weights mean, variance and the integer count."""
    L = keras.layers
    return keras.Sequential([keras.Input((784,)), L.Normalization(axis=None), L.Dense(32, activation="relu"),
                             L.Dense(10, activation="softmax")])


def given_normalization_cnn(keras):
    """Normalization with the mean and variance given in the config: one for the image, then one per channel
    of a convolution's output, inverted."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Normalization(mean=33.3, variance=6200.0), L.Conv2D(4, 3, strides=2, activation="relu"),
        L.Normalization(invert=True, mean=[0.1, -0.2, 0.0, 0.3], variance=[0.5, 2.0, 1.0, 0.25]), L.Flatten(),
        L.Dense(10, activation="softmax")])


def row_dense(keras):
    """A (28, 28) input without a channel axis: Dense maps each image row, then Flatten."""
    L = keras.layers
    return keras.Sequential([keras.Input((28, 28)), L.Dense(16, activation="relu"), L.Flatten(), L.Dense(10, activation="softmax")])


def channel_dense_cnn(keras):
    """Dense over a convolution's channels at every pixel (gelu), then global average pooling kept 1x1."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(8, 3, strides=2, activation="relu"), L.Dense(6, activation="gelu"),
        L.GlobalAveragePooling2D(keepdims=True), L.Flatten(), L.Dense(10, activation="softmax")])


def padded_pooling_cnn(keras):
    """Uneven ZeroPadding2D, a bias-free convolution with unequal strides, average pooling of stride 1."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.ZeroPadding2D(((1, 2), (0, 1))), L.Conv2D(6, 3, strides=(2, 1), use_bias=False, activation="relu"),
        L.AveragePooling2D(2, strides=1), L.Flatten(), L.Dense(10, activation="softmax")])


def regularized_mlp(keras):
    """ActivityRegularization after a hidden layer (l1 and l2) and on the outputs (l2 only): the loss, in
    training and evaluation, grows by its penalty."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((784,)), L.Dense(32, activation="relu"), L.ActivityRegularization(l1=1e-3, l2=1e-3),
        L.Dense(10, activation="softmax"), L.ActivityRegularization(l2=0.05)])


def nested_models(keras):
    """Models nested as layers: a Sequential block (BatchNormalization before a convolution, so that a legacy
    file lists its trainable weights before its moving statistics) in a residual branch, and a Functional tail
    that nests a Sequential in turn."""
    L = keras.layers
    block = keras.Sequential([keras.Input((26, 26, 4)), L.BatchNormalization(), L.Conv2D(4, 3, padding="same", activation="relu")],
                             name="block")
    tail_input = keras.Input((13, 13, 4))
    tail_convolution = keras.Sequential([keras.Input((13, 13, 4)), L.Conv2D(8, 3, activation="relu")], name="tail_convolution")
    tail = keras.Model(tail_input, L.Flatten()(tail_convolution(tail_input)), name="tail")
    image = keras.Input((28, 28, 1))
    x = L.Conv2D(4, 3, activation="relu")(image)
    x = L.MaxPooling2D()(L.Add()([x, block(x)]))
    return keras.Model(image, L.Dense(10, activation="softmax")(tail(x)))


def nested_sequential(keras):
    """A Sequential model inside a Sequential model."""
    L = keras.layers
    features = keras.Sequential([L.Conv2D(6, 3, activation="relu"), L.MaxPooling2D()], name="features")
    return keras.Sequential([keras.Input((28, 28, 1)), features, L.Flatten(), L.Dense(10, activation="softmax")])


def shared_layers(keras):
    """Layers called more than once: a convolution run twice in a row, on its own output, and a Dense head
    run on two pooled views."""
    L = keras.layers
    image = keras.Input((28, 28, 1))
    x = L.MaxPooling2D()(L.Conv2D(8, 3, padding="same", activation="relu")(image))
    refine = L.Conv2D(8, 3, padding="same", activation="relu")
    x = refine(refine(x))
    head = L.Dense(16, activation="tanh")
    averaged = head(L.GlobalAveragePooling2D()(x))
    strongest = head(L.GlobalMaxPooling2D()(x))
    return keras.Model(image, L.Dense(10, activation="softmax")(L.Concatenate()([averaged, strongest])))


def two_heads(keras):
    """Two outputs, as an auxiliary classifier makes them: a softmax head on the convolutional features,
    which the main head (logits) also reads, each with its own loss and weight."""
    L = keras.layers
    image = keras.Input((28, 28, 1))
    features = L.Flatten()(L.MaxPooling2D()(L.Conv2D(8, 3, activation="relu")(image)))
    auxiliary = L.Dense(10, activation="softmax", name="auxiliary")(features)
    hidden = L.Dense(32, activation="relu")(features)
    main = L.Dense(10, name="main")(L.Concatenate()([hidden, auxiliary]))
    return keras.Model(image, [main, auxiliary])


def dilated_grouped_cnn(keras):
    """Conv2D with dilation (equal and unequal), groups (two and four, one strided), both paddings."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(8, 3, padding="same", activation="relu"),
        L.Conv2D(16, 3, padding="same", dilation_rate=2, groups=2, activation="relu"),
        L.Conv2D(16, (3, 2), strides=2, groups=4, activation="relu"), L.Conv2D(8, 3, dilation_rate=(2, 1)),
        L.GlobalAveragePooling2D(), L.Dense(10, activation="softmax")])


def causal_conv1d_stack(keras):
    """Image rows as time steps: a WaveNet-style stack of causal Conv1D layers with growing dilation, then a
    strided valid one."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28)), L.Conv1D(16, 3, padding="causal", activation="relu"),
        L.Conv1D(16, 3, padding="causal", dilation_rate=2, activation="relu"),
        L.Conv1D(16, 3, padding="causal", dilation_rate=4, activation="relu"), L.Conv1D(8, 2, strides=2),
        L.Flatten(), L.Dense(10, activation="softmax")])


def conv1d_rows(keras):
    """Rows as steps through same-padded, strided and grouped Conv1D layers without bias."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28)), L.Conv1D(24, 5, padding="same", activation="tanh"),
        L.Conv1D(24, 3, strides=2, padding="same", groups=3, use_bias=False, activation="relu"),
        L.Conv1D(12, 4, groups=4), L.Flatten(), L.Dense(10, activation="softmax")])


def mobile_block_cnn(keras):
    """A MobileNet-style stack: a strided stem, depthwise 3x3 with BatchNormalization and ReLU6, a 1x1
    projection, a SeparableConv2D with depth multiplier 2 and dilation, a strided DepthwiseConv2D with
    multiplier 2 and bias."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(16, 3, strides=2, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(6.0),
        L.DepthwiseConv2D(3, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(6.0), L.Conv2D(24, 1),
        L.SeparableConv2D(32, 3, padding="same", depth_multiplier=2, dilation_rate=2, activation="relu"),
        L.DepthwiseConv2D((3, 2), strides=2, depth_multiplier=2, activation="relu"),
        L.GlobalAveragePooling2D(), L.Dense(10, activation="softmax")])


def separable_conv1d_rows(keras):
    """Rows as steps through DepthwiseConv1D (multiplier 2) and SeparableConv1D layers (strided; dilated with
    multiplier 2, without bias)."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((28, 28)), L.DepthwiseConv1D(3, padding="same", depth_multiplier=2, activation="relu"),
        L.SeparableConv1D(16, 3, strides=2, activation="relu"),
        L.SeparableConv1D(8, 3, dilation_rate=2, depth_multiplier=2, use_bias=False), L.Flatten(), L.Dense(10, activation="softmax")])


def pooled_conv1d_rows(keras):
    """Rows as steps through uneven ZeroPadding1D, Conv1D, MaxPooling1D, same-padded strided AveragePooling1D,
    Cropping1D and GlobalMaxPooling1D; a second branch's GlobalAveragePooling1D kept as (1, channels)."""
    L = keras.layers
    rows = keras.Input((28, 28))
    x = L.Conv1D(16, 5, activation="relu")(L.ZeroPadding1D((1, 2))(rows))
    x = L.Conv1D(16, 3, padding="same", activation="relu")(L.MaxPooling1D(2)(x))
    x = L.Cropping1D((1, 0))(L.AveragePooling1D(3, strides=2, padding="same")(x))
    kept = L.Flatten()(L.GlobalAveragePooling1D(keepdims=True)(x))
    return keras.Model(rows, L.Dense(10, activation="softmax")(L.Concatenate()([L.GlobalMaxPooling1D()(x), kept])))


# The losses the zoo compiles with: a loss name Keras resolves, or (class, from_logits).
LOSSES = {
    "sparse": "sparse_categorical_crossentropy",
    "sparse_logits": ("SparseCategoricalCrossentropy", True),
    "categorical": "categorical_crossentropy",
    "categorical_logits": ("CategoricalCrossentropy", True),
    "binary": "binary_crossentropy",
    "binary_logits": ("BinaryCrossentropy", True),
    "mse": "mse",
}


# The optimizers the zoo compiles with: (class, settings).
OPTIMIZERS = {
    "adam": ("Adam", {}),
    "amsgrad": ("Adam", {"amsgrad": True}),
    "adamw": ("AdamW", {"weight_decay": 0.01}),
    "nadam": ("Nadam", {}),
    "rmsprop": ("RMSprop", {}),
    "rmsprop_centered": ("RMSprop", {"momentum": 0.5, "centered": True}),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    "sgd_momentum": ("SGD", {"learning_rate": 0.02, "momentum": 0.8}),
}


def optimizer(keras, spec):
    """A fresh optimizer `spec` (an OPTIMIZERS key) names, for `keras`'s compile."""
    class_name, settings = OPTIMIZERS[spec]
    return getattr(keras.optimizers, class_name)(**settings)


def loss(keras, spec):
    """The loss `spec` (a LOSSES key, or a list of them, one per output) names, for `keras`'s compile."""
    if isinstance(spec, list):
        return [loss(keras, one) for one in spec]
    value = LOSSES[spec]
    if isinstance(value, str):
        return value
    class_name, from_logits = value
    return getattr(keras.losses, class_name)(from_logits=from_logits)


def targets(labels, spec):
    """Integer labels for sparse losses, one-hot rows for the others (as `to_categorical` makes them); a list
    of them for a list of losses (the same digits for every output)."""
    if isinstance(spec, list):
        return [targets(labels, one) for one in spec]
    if spec.startswith("sparse"):
        return labels
    return np.eye(10, dtype="float32")[labels]


# name: (builder, pixel scaling, whether tf-keras writes a Keras 2 file of it, loss (one per output for several),
# optimizer)
ZOO = {
    "rescaling_mlp": (rescaling_mlp, "raw", True, "sparse", "adam"),
    "reshape_cnn": (reshape_cnn, "unit", True, "sparse", "adam"),
    "permute_global_max": (permute_global_max, "unit", True, "sparse", "adam"),
    "softmax_axes": (softmax_axes, "unit", True, "sparse", "adam"),
    "relu_capped_mlp": (relu_capped_mlp, "unit", True, "sparse", "adam"),
    "activations_mlp": (activations_mlp, "unit", False, "sparse", "adam"),
    "activations_cnn": (activations_cnn, "unit", False, "sparse", "adam"),
    "shared_activations": (shared_activations, "unit", True, "sparse", "adam"),
    "functional_residual": (functional_residual, "unit", True, "sparse", "adam"),
    "functional_merges": (functional_merges, "unit", True, "sparse", "adam"),
    "normalized_cnn": (normalized_cnn, "unit", True, "sparse", "adam"),
    "noisy_cnn": (noisy_cnn, "unit", True, "sparse", "adam"),
    "batchnorm_cnn": (batchnorm_cnn, "unit", True, "sparse", "adam"),
    "functional_bn_residual": (functional_bn_residual, "unit", True, "sparse", "adam"),
    "winograd_cnn": (winograd_cnn, "unit", True, "sparse", "adam"),
    "sparse_logits_mlp": (logits_mlp, "unit", True, "sparse_logits", "rmsprop_centered"),
    "categorical_cnn": (softmax_cnn, "unit", True, "categorical", "nadam"),
    "categorical_logits_mlp": (logits_mlp, "unit", True, "categorical_logits", "adamw"),
    "binary_mlp": (sigmoid_mlp, "unit", True, "binary", "amsgrad"),
    "binary_logits_mlp": (logits_mlp, "unit", True, "binary_logits", "sgd_nesterov"),
    "mse_cnn": (softmax_tanh_cnn, "unit", True, "mse", "rmsprop"),
    "adapted_pixels_mlp": (adapted_pixels_mlp, "raw", True, "sparse", "adam"),
    "given_normalization_cnn": (given_normalization_cnn, "raw", True, "sparse", "adam"),
    "row_dense": (row_dense, "unit", True, "sparse", "adam"),
    "channel_dense_cnn": (channel_dense_cnn, "unit", True, "sparse", "adam"),
    "padded_pooling_cnn": (padded_pooling_cnn, "unit", True, "sparse", "sgd_momentum"),
    "regularized_mlp": (regularized_mlp, "unit", True, "sparse", "adam"),
    "nested_models": (nested_models, "unit", True, "sparse", "adam"),
    "nested_sequential": (nested_sequential, "unit", True, "sparse", "adam"),
    "shared_layers": (shared_layers, "unit", True, "sparse", "adam"),
    "two_heads": (two_heads, "unit", True, ["sparse_logits", "sparse"], "adam"),
    "dilated_grouped_cnn": (dilated_grouped_cnn, "unit", True, "sparse", "adam"),
    "causal_conv1d_stack": (causal_conv1d_stack, "unit", True, "sparse", "adam"),
    "conv1d_rows": (conv1d_rows, "unit", True, "sparse", "adam"),
    "mobile_block_cnn": (mobile_block_cnn, "unit", True, "sparse", "adam"),
    "separable_conv1d_rows": (separable_conv1d_rows, "unit", True, "sparse", "adam"),
    "pooled_conv1d_rows": (pooled_conv1d_rows, "unit", True, "sparse", "adam"),
}

# The weight of each output's loss, for models with several outputs (Keras's loss_weights).
LOSS_WEIGHTS = {"two_heads": [1.0, 0.4]}

# Metrics other than ["accuracy"] (per output for several), and weighted metrics, that some models compile: every
# metric this project computes, by name and as configured objects, read from and written to each file form. Names
# only Keras 3 resolves (kl_divergence, log_cosh_error, bce) are given as objects, which tf-keras also has.
METRICS = {
    "categorical_cnn": lambda m: ["accuracy", "categorical_accuracy", m.TopKCategoricalAccuracy(k=3, name="top3"), m.AUC(name="auc"),
                                  "mse", m.KLDivergence(), "categorical_hinge"],
    "binary_mlp": lambda m: ["accuracy", m.Precision(name="precision"), m.Recall(thresholds=0.3, name="recall"),
                             m.AUC(curve="PR", num_thresholds=100, name="pr_auc"), m.BinaryCrossentropy(name="bce"),
                             m.BinaryAccuracy(threshold=0.2, name="low"),
                             m.TruePositives(name="tp"), m.FalseNegatives(name="fn")],
    "binary_logits_mlp": lambda m: [m.AUC(from_logits=True, name="auc"), m.BinaryCrossentropy(from_logits=True, name="bce"),
                                    "squared_hinge"],
    "mse_cnn": lambda m: ["mae", "RootMeanSquaredError", "cosine_similarity", "mape", m.LogCoshError(), "poisson"],
    "sparse_logits_mlp": lambda m: ["accuracy", "sparse_top_k_categorical_accuracy",
                                    m.SparseCategoricalCrossentropy(from_logits=True, name="sce")],
}
WEIGHTED_METRICS = {"mse_cnn": ["mae"], "rescaling_mlp": ["accuracy"]}

# Models whose training draws random noise (dropout), which Keras and keras-swift draw differently: their training
# losses are not compared.
RANDOM_IN_TRAINING = {"noisy_cnn"}

# Models Keras 3 cannot read back from a legacy .h5, even its own: its legacy loader
# (keras/src/legacy/saving/saving_utils.py, model_from_config) keeps an `axis` list only when it has one element,
# so a LayerNormalization over several axes, or a Normalization over none (axis None, written as []), is rebuilt
# over the last axis and its weights no longer fit.
NO_KERAS3_H5_RELOAD = {"normalized_cnn", "adapted_pixels_mlp"}


def joined(predictions):
    """Keras's predictions of a model with several outputs (a list) side by side, one row per image."""
    return np.concatenate(predictions, axis=1) if isinstance(predictions, list) else predictions


def inputs(model, images, pixels):
    """MNIST images laid out for the model's input and scaled as `pixels` says."""
    x = images.astype("float32")
    if pixels == "unit":
        x = x / 255.0
    return x.reshape((-1,) + tuple(model.input_shape[1:]))


def write(folder, data, keras, tf_keras=None, names=None):
    """Builds, trains and saves each zoo model; returns the zoo.json entries."""
    unknown = [name for name in names or [] if name not in ZOO]
    if unknown:
        sys.exit(f"keras_zoo: no zoo model named {', '.join(unknown)} (the zoo has {', '.join(ZOO)})")
    train_images, train_labels = ki.load_mnist(data, "train")
    test_images, _ = ki.load_mnist(data, "test")
    os.makedirs(folder, exist_ok=True)
    entries = []
    for name in names or ZOO:
        builder, pixels, keras2, loss_spec, optimizer_spec = ZOO[name]
        base = os.path.join(folder, name)
        files = []
        for module in [keras] + ([tf_keras] if keras2 and tf_keras else []):
            module.utils.set_random_seed(1)
            model = builder(module)
            # A Normalization first in the model without given figures learns them from the training images.
            first = model.layers[0]
            if first.__class__.__name__ == "Normalization" and getattr(first, "input_mean", None) is None:
                first.adapt(inputs(model, train_images[:TRAIN_IMAGES], pixels))
            outputs = len(model.outputs)
            metrics = METRICS[name](module.metrics) if name in METRICS else ["accuracy"] if outputs == 1 else [["accuracy"]] * outputs
            model.compile(optimizer=optimizer(module, optimizer_spec), loss=loss(module, loss_spec), loss_weights=LOSS_WEIGHTS.get(name),
                          metrics=metrics, weighted_metrics=WEIGHTED_METRICS.get(name))
            model.fit(inputs(model, train_images[:TRAIN_IMAGES], pixels), targets(train_labels[:TRAIN_IMAGES], loss_spec),
                      batch_size=64, epochs=1, verbose=0)
            predictions = joined(model.predict(inputs(model, test_images[:PREDICTED_IMAGES], pixels), verbose=0))
            if module is keras:
                model.save(base + ".keras")
                model.save(base + ".h5")
                np.save(base + ".npy", predictions)
                files += [(base + ".keras", base + ".npy"), (base + ".h5", base + ".npy")]
            else:
                # tf-keras writes a Keras 2 .h5, and a .keras archive that Keras 3 cannot load when it is Functional.
                model.save(base + "-keras2.h5")
                model.save(base + "-keras2.keras")
                np.save(base + "-keras2.npy", predictions)
                files += [(base + "-keras2.h5", base + "-keras2.npy"), (base + "-keras2.keras", base + "-keras2.npy")]
        classes = sorted({layer.__class__.__name__ for layer in model.layers})
        entries.append({"name": name, "pixels": pixels, "layers": classes, "keras2": keras2, "loss": loss_spec,
                        "outputs": list(model.output_names) if len(model.outputs) > 1 else None,
                        "optimizer": optimizer_spec,
                        "keras3_h5_reload": name not in NO_KERAS3_H5_RELOAD, "random_in_training": name in RANDOM_IN_TRAINING,
                        "files": [{"model": m, "predictions": p} for m, p in files]})
    with open(os.path.join(folder, "zoo.json"), "w") as f:
        json.dump(entries, f, indent=1)
    return entries


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"))
    parser.add_argument("--models", help="comma-separated names (default: all)")
    args = parser.parse_args()
    if not args.data:
        sys.exit("MNIST not found: pass --data DIR or set MNIST_DIR")
    import keras
    tf_keras = ki.tf_keras_or_none()
    for entry in write(args.folder, args.data, keras, tf_keras, args.models.split(",") if args.models else None):
        print(f"{entry['name']}: {', '.join(f['model'] for f in entry['files'])}")


if __name__ == "__main__":
    main()
