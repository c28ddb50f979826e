"""Same-start training checks: Keras and keras-swift train one Keras-initialised model on the same images in file
order, and must take the same steps.

Losses: each side trains the whole run on its own; every epoch's training loss must agree within 1e-4.

Weights, step by step: Keras records its weights before every step. For each step, keras-swift starts from Keras's
weights before it, takes that one step on the same batch, and its weights must match Keras's after the step:
per weight array, every value within TOLERANCE of the array's largest change in the step. Comparing whole
trajectories instead would let one rounding difference grow over the following steps.

Rounding differs between two implementations (and between processors' instruction sets), and some operations
choose a branch: a ReLU whose pre-activation is within rounding of 0, a max-pooling window whose two largest
values are within rounding of each other. Such a decision may go the other way in keras-swift than in Keras, and
then the backward pass routes one gradient differently. So for every step the check measures the rounding of
each layer (Keras's float32 forward pass against a float64 one, relative to the layer's sums of absolute
values), finds every decision within NOISE_MARGIN times that rounding of its switching point, and allows
each weight to differ by what those decisions can move it (and by one unit in the last place, for the
rounding of w - lr g itself): the learning rate times the sum, over the decisions, of |upstream gradient| times |d(decision's input)/d(weight)|, from one backward pass per decision.
A wrong gradient elsewhere gets no allowance and fails.
"""
import csv
import math
import os

import numpy as np

import keras_interop as ki

# How far beyond the rounding measured in Keras (the largest in each layer) keras-swift's own rounding may reach.
NOISE_MARGIN = 10
# A step's difference beyond the decisions' allowance, as a share of the weight array's largest change.
TOLERANCE = 1e-4
# Every epoch's mean training loss, keras-swift against Keras.
LOSS_TOLERANCE = 1e-4


class Site:
    """Where a forward pass decides: a ReLU or tanh layer (`values` its pre-activation, `scale` the same sums
    over absolute values) or a max pooling (`values` its input, `argmax` the cell each window took)."""

    def __init__(self, kind, layer, values, output, scale=None, argmax=None):
        self.kind, self.layer, self.values, self.output, self.scale, self.argmax = kind, layer, values, output, scale, argmax


def affine(tf, layer, h, kernel, bias):
    """A Dense or Conv2D layer's affine map."""
    if layer.__class__.__name__ == "Dense":
        out = tf.matmul(h, kernel)
    else:
        out = tf.nn.conv2d(h, kernel, strides=[1, *layer.strides, 1], padding=layer.padding.upper())
    return out if bias is None else out + bias


def layer_weights(layer, params, taken):
    """A Dense or Conv2D layer's kernel and bias (or None) among `params` from index `taken`, and the next index."""
    if layer.use_bias:
        return params[taken], params[taken + 1], taken + 2
    return params[taken], None, taken + 1


def reshaping(tf, layer, h):
    """The layers without weights or decisions: average pooling, Flatten, ZeroPadding2D; None for others."""
    kind = layer.__class__.__name__
    if kind == "AveragePooling2D":
        return tf.nn.avg_pool2d(h, layer.pool_size, layer.strides, layer.padding.upper())
    if kind == "Flatten":
        return tf.reshape(h, [tf.shape(h)[0], -1])
    if kind == "ZeroPadding2D":
        (top, bottom), (left, right) = layer.padding
        return tf.pad(h, [[0, 0], [top, bottom], [left, right], [0, 0]])
    return None


def forward(tf, model, params, x, dtype):
    """The model's forward pass in `dtype` with TensorFlow's operations, as Keras computes it: the logits of its
    final softmax, and every site in order. Sequential models of Dense and Conv2D layers (relu, tanh or linear,
    softmax last), pooling, Flatten and ZeroPadding2D."""
    h, sites, taken, params = tf.cast(x, dtype), [], 0, [tf.cast(p, dtype) for p in params]
    for layer in model.layers:
        kind = layer.__class__.__name__
        if kind in ("Dense", "Conv2D"):
            kernel, bias, taken = layer_weights(layer, params, taken)
            z = affine(tf, layer, h, kernel, bias)
            activation = layer.activation.__name__
            if layer is model.layers[-1] and activation in ("softmax", "linear"):
                return z, sites
            if activation not in ("relu", "tanh", "linear"):
                raise ValueError(f"same start: no decision analysis for {activation} in {layer.name}")
            scale = affine(tf, layer, tf.abs(h), tf.abs(kernel), None if bias is None else tf.abs(bias))
            h = tf.nn.relu(z) if activation == "relu" else tf.tanh(z) if activation == "tanh" else z
            sites.append(Site(activation, layer, z, h, scale=scale))
        elif kind == "MaxPooling2D":
            out, argmax = tf.nn.max_pool_with_argmax(h, layer.pool_size, layer.strides, layer.padding.upper(),
                                                     include_batch_in_index=True)
            sites.append(Site("max", layer, h, out, argmax=argmax))
            h = out
        elif (reshaped := reshaping(tf, layer, h)) is not None:
            h = reshaped
        else:
            raise ValueError(f"same start: no decision analysis for {kind} layers")
    raise ValueError("same start: the model must end in a Dense or Conv2D layer with softmax or no activation")


def near_ties(tf, layer, values, noise):
    """Per max-pooling window (in the output's order): the flat indices of its largest and second largest cells,
    and whether the two lie within `noise` of each other with the largest above 0 (ties among ReLU's zeros
    route no gradient)."""
    batch, height, width, channels = values.shape
    (ph, pw), (sh, sw) = layer.pool_size, layer.strides
    positions = tf.reshape(tf.range(1, batch * height * width * channels + 1, dtype=values.dtype), values.shape)

    def windows(tensor):
        patches = tf.image.extract_patches(tensor, sizes=[1, ph, pw, 1], strides=[1, sh, sw, 1], rates=[1, 1, 1, 1],
                                           padding=layer.padding.upper())
        shape = tf.shape(patches)
        cells = tf.reshape(patches, [shape[0], shape[1], shape[2], ph * pw, channels])
        return tf.transpose(cells, [0, 1, 2, 4, 3])  # batch, oh, ow, channel, cell

    index = windows(positions)  # 0 marks a padding cell
    top = tf.math.top_k(tf.where(index > 0, windows(values), -np.inf), k=2)
    first = tf.reshape(tf.cast(tf.gather(index, top.indices[..., :1], batch_dims=4), tf.int64) - 1, [-1])
    second = tf.reshape(tf.cast(tf.gather(index, top.indices[..., 1:], batch_dims=4), tf.int64) - 1, [-1])
    largest, runner_up = tf.reshape(top.values[..., 0], [-1]), tf.reshape(top.values[..., 1], [-1])
    return first, tf.maximum(second, 0), (second >= 0) & (largest > 0) & (largest - runner_up <= noise)


def decisions_near_switch(tf, sites, exact, upstream):
    """Every decision within rounding of its switch, as (site, flat index into the site's `values`, |gradient|
    the decision may route there or not). Rounding is measured as Keras's float32 forward pass against the
    float64 one: per layer, its largest error relative to the sums of absolute values for ReLU, its largest
    absolute error for max pooling's inputs; both times NOISE_MARGIN."""
    decisions = []
    for site, exact_site, gradient in zip(sites, exact, upstream):
        if site.kind not in ("relu", "max"):
            continue
        error = tf.abs(tf.cast(site.values, tf.float64) - exact_site.values)
        if site.kind == "relu":
            scale = tf.cast(site.scale, tf.float64)
            real = scale > 0  # a patch of zeros without bias is exactly 0 on both sides
            relative = float(tf.reduce_max(tf.where(real, error / tf.where(real, scale, 1.0), 0.0)))
            close = (tf.abs(site.values) <= tf.cast(NOISE_MARGIN * relative * scale, tf.float32)) & real
            where = tf.where(tf.reshape(close, [-1]))[:, 0].numpy()
            routed = tf.abs(tf.reshape(gradient, [-1])).numpy()[where]
            decisions += [(site, index, g) for index, g in zip(where, routed)]
        else:
            first, second, close = near_ties(tf, site.layer, site.values, float(NOISE_MARGIN * 2 * tf.reduce_max(error)))
            where = tf.where(close)[:, 0].numpy()
            routed = tf.abs(tf.reshape(gradient, [-1])).numpy()[where]
            for cells in (first.numpy()[where], second.numpy()[where]):
                decisions += [(site, index, g) for index, g in zip(cells, routed)]
    return decisions


def decision_allowance(model, weights, x, y, learning_rate):
    """Per weight array, how far one SGD step from `weights` on (x, y) may move each value because decisions
    within rounding of their switch went the other way: the learning rate times the sum over the decisions
    of |routed gradient| x |d(decision's input)/d(weight)|. Also how many such decisions there were."""
    import tensorflow as tf

    params = [tf.constant(w) for w in weights]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(params)
        logits, sites = forward(tf, model, params, x, tf.float32)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y.astype(np.int64), logits=logits))
    upstream = tape.gradient(loss, [site.output for site in sites])
    _, exact = forward(tf, model, [w.astype(np.float64) for w in weights], x.astype(np.float64), tf.float64)
    decisions = decisions_near_switch(tf, sites, exact, upstream)
    allowance = [np.zeros(w.shape) for w in weights]
    for site, index, routed in decisions:
        # d(input at index)/d(weights): a backward pass from a one-hot gradient.
        seed = tf.reshape(tf.one_hot(index, int(tf.size(site.values))), site.values.shape)
        for total, gradient in zip(allowance, tape.gradient(site.values, params, output_gradients=seed)):
            if gradient is not None:
                total += learning_rate * float(routed) * np.abs(gradient.numpy())
    del tape
    return allowance, len(decisions)


def same_start(arch, optimizer, count, batch, epochs, tool, data, work, keras, checks):
    """Keras and keras-swift train one Keras-initialised model on the first `count` images in file order: the epoch
    losses of both runs must agree, and (SGD) every step keras-swift takes from Keras's weights must be Keras's."""
    name = f"{arch} {optimizer} same start"
    keras.utils.set_random_seed(1)
    model = ki.build(arch, keras)
    learning_rate = 0.01 if optimizer == "sgd" else 0.001
    model.compile(optimizer=keras.optimizers.SGD(learning_rate) if optimizer == "sgd" else keras.optimizers.Adam(),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = os.path.join(work, f"start-{arch}-{optimizer}.h5")
    model.save(start)
    images, labels = ki.load_mnist(data, "train")
    images, labels = images[:count], labels[:count]
    x = ki.preprocess(arch, images)
    starts = []
    record = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda step, logs=None: starts.append(model.get_weights()))
    history = model.fit(x, labels, batch_size=batch, epochs=epochs, shuffle=False, verbose=0, callbacks=[record])
    starts.append(model.get_weights())

    out = os.path.join(work, f"trained-{arch}-{optimizer}.h5")
    tool.run("train", "--resume", start, "--optimizer", optimizer, "--learning-rate", str(learning_rate),
               "--limit", str(count), "--batch-size", str(batch), "--epochs", str(epochs), "--stop-at-accuracy", "1",
               "--shuffle", "off", "--out", out, "--data", data)
    with open(out.replace(".h5", ".history.csv")) as f:
        swift_losses = [float(row["loss"]) for row in csv.DictReader(f)]
    gap = float(np.max(np.abs(np.array(swift_losses) - np.array(history.history["loss"]))))
    steps_per_epoch = math.ceil(count / batch)
    checks.add(f"{name}: training loss, {epochs} epoch(s) of {steps_per_epoch} steps",
               len(swift_losses) == epochs and gap <= LOSS_TOLERANCE,
               f"max |difference| {gap:.1e} (Keras from {history.history['loss'][0]:.4f} to {history.history['loss'][-1]:.4f})")
    if optimizer != "sgd":
        return  # Adam divides by each gradient's own scale: rounding flips the steps of near-zero gradients.

    worst, worst_where, decisions, widest = -np.inf, "", 0, 0.0
    steps = len(starts) - 1
    for step in range(steps):
        first = (step % steps_per_epoch) * batch
        xb, yb = x[first:first + batch], labels[first:first + batch]
        before, keras_after = starts[step], starts[step + 1]
        allowance, found = decision_allowance(model, before, xb, yb, learning_rate)
        decisions += found
        swift_after = swift_step(tool, model, before, images[first:first + batch], yb, batch, learning_rate, work)
        for index, (w0, k1, d1, allowed) in enumerate(zip(before, keras_after, swift_after, allowance)):
            change = float(np.max(np.abs(k1.astype(np.float64) - w0)))
            widest = max(widest, float(np.max(allowed)) / max(change, 1e-30))
            # w - lr g rounds to float32 once more on each side, fused or not: one unit in the last place.
            allowed = allowed + np.spacing(np.abs(k1)).astype(np.float64)
            excess = float(np.max(np.abs(d1.astype(np.float64) - k1) - allowed)) / max(change, 1e-30)
            if excess > worst:
                worst, worst_where = excess, f"step {step + 1}, {model.trainable_variables[index].path}"
    checks.add(f"{name}: weights, each of {steps} steps from Keras's weights", worst <= TOLERANCE,
               f"largest difference beyond the allowance {max(worst, 0):.1e} of the largest change ({worst_where}); "
               f"{decisions} decisions within rounding of their switch, allowed at most {widest:.1e} of the change")


def swift_step(tool, model, weights, images, labels, batch, learning_rate, work):
    """keras-swift's weights after one SGD step from `weights` on these training images (raw pixels)."""
    model.set_weights(weights)
    before = os.path.join(work, "step-before.h5")
    after = os.path.join(work, "step-after.h5")
    data = os.path.join(work, "step-batch.npz")
    model.save(before)
    np.savez(data, x_train=images, y_train=labels, x_test=images, y_test=labels)
    tool.run("train", "--resume", before, "--optimizer", "sgd", "--learning-rate", str(learning_rate),
               "--batch-size", str(batch), "--epochs", "1", "--stop-at-accuracy", "1", "--shuffle", "off",
               "--out", after, "--data", data)
    model.load_weights(after)
    return model.get_weights()
