#!/usr/bin/env python3
"""PyTorch's figures for the same measurements as `keras-swift bench` and tools/keras_bench.py, on this machine:
the same architecture with the same weights, trained with the same recipe.

Keras builds the architecture (seeded, as keras_bench.py does) or loads the --model file; this script rebuilds
it layer by layer as a torch.nn.Module in PyTorch's own layout (channels first, with channels-last strides for
images, PyTorch's fastest on CPU), copies every weight, and
refuses to measure unless the rebuilt model predicts as Keras does (within 1e-4 on 64 test images). Then, with
2 threads: training images/s at the notebook's batch size (--batch-size for a file) over the same images as
keras_bench.py (shuffled each epoch, dropout active, cross-entropy on the logits of the final softmax layer,
Adam as Keras's defaults with PyTorch's fused CPU step, or SGD(0.01) for LeNet-5 as the notebook compiles
it), inference images/s at batch 128 over the 10,000 test images, and the median latency of one image.

Layers rebuilt: Dense, Conv2D, DepthwiseConv2D, SeparableConv2D (padding valid or same, strides, dilation,
groups), Average/MaxPooling2D, GlobalAveragePooling2D, ZeroPadding2D, Flatten, Dropout, BatchNormalization,
ReLU (max_value 6 too), Activation, Add, LSTM (last output); activations linear, relu, tanh, sigmoid, softmax.
Any other layer is refused by name.

  python tools/torch_bench.py (--arch A | --model FILE) [--batch-size B] [--seconds S] [--data DIR]
"""
import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras_bench  # noqa: E402  (the same subjects, batch sizes and timing)
import keras_interop  # noqa: E402  (MNIST reader)


def rebuild(model, torch):
    """model (Keras, built) as a torch.nn.Module taking channels-first images, whose forward returns the logits
    of a final softmax layer (the probabilities with `probabilities=True`), with Keras's weights."""
    nn = torch.nn
    inputs = [id(t) for t in model.inputs]
    steps, modules, known = [], nn.ModuleDict(), set(inputs)
    flattened = {}  # output key of a Flatten of a (h, w, c) map -> (h, w, c): the next Dense reorders its rows

    def visit(tensor):
        if id(tensor) in known:
            return
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        for source in node.input_tensors:
            visit(source)
        keys = [id(source) for source in node.input_tensors]
        module = translate(layer, node, flattened.get(keys[0]), node.output_tensors[0] is model.outputs[0], torch)
        if type(layer).__name__ == "Flatten" and len(node.input_tensors[0].shape) == 4:
            flattened[id(node.output_tensors[0])] = tuple(node.input_tensors[0].shape[1:])
        modules[layer.name] = module
        steps.append((layer.name, keys, id(node.output_tensors[0])))
        known.add(id(node.output_tensors[0]))

    for output in model.outputs:
        visit(output)
    last = model.outputs[0]._keras_history[0]
    softmax_last = getattr(last, "activation", None) is not None and last.activation.__name__ == "softmax"

    class Rebuilt(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = modules

        def forward(self, *xs, probabilities=False):
            values = dict(zip(inputs, xs))
            for name, keys, output in steps:
                values[output] = self.layers[name](*(values[key] for key in keys))
            y = values[id(model.outputs[0])]
            return torch.softmax(y, dim=1) if probabilities and softmax_last else y

    return Rebuilt()


def activation_module(name, final, torch):
    """A Keras activation by name; the final layer's softmax is left to the loss (or to forward's
    `probabilities`)."""
    nn = torch.nn
    table = {"linear": nn.Identity, "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
             "softmax": nn.Identity if final else lambda: nn.Softmax(dim=1)}
    if name not in table:
        raise SystemExit(f"torch_bench: no PyTorch form for activation {name}")
    return table[name]()


def same_padding(size, window, stride, dilation):
    """TensorFlow's "same" padding of one axis: (before, after), the odd one after."""
    span = (window - 1) * dilation + 1
    total = max((-(-size // stride) - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def convolution(layer, in_shape, torch, out_channels, groups, kernel, bias):
    """A channels-first Conv2D with Keras's padding, strides and dilation: kernel in PyTorch's (out, in/groups, h, w)."""
    nn = torch.nn
    height, width, channels = in_shape
    pads = (0, 0, 0, 0)
    if layer.padding == "same":
        (top, bottom), (left, right) = (same_padding(height, kernel.shape[2], layer.strides[0], layer.dilation_rate[0]),
                                        same_padding(width, kernel.shape[3], layer.strides[1], layer.dilation_rate[1]))
        pads = (left, right, top, bottom)
    symmetric = pads[0] == pads[1] and pads[2] == pads[3]
    conv = nn.Conv2d(channels, out_channels, tuple(kernel.shape[2:]), stride=tuple(layer.strides), dilation=tuple(layer.dilation_rate),
                     groups=groups, bias=bias is not None, padding=(pads[2], pads[0]) if symmetric else 0)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(kernel))
        if bias is not None:
            conv.bias.copy_(torch.from_numpy(bias))
    return conv if symmetric else nn.Sequential(nn.ZeroPad2d(pads), conv)


def translate(layer, node, flattened_from, final, torch):
    """The torch module of one Keras layer at one node (its input shapes known); `final` when its output is the
    model's."""
    import numpy as np

    nn = torch.nn
    kind = type(layer).__name__
    in_shape = tuple(node.input_tensors[0].shape[1:])
    weights = [np.asarray(w) for w in layer.get_weights()]
    activation = getattr(layer, "activation", None)
    act = activation_module(activation.__name__, final, torch) if activation is not None else nn.Identity()
    if kind == "Dense":
        kernel = weights[0]
        if flattened_from:  # Keras flattened (h, w, c); PyTorch flattens (c, h, w)
            h, w, c = flattened_from
            kernel = kernel.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(h * w * c, -1)
        dense = nn.Linear(kernel.shape[0], kernel.shape[1], bias=layer.use_bias)
        with torch.no_grad():
            dense.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
            if layer.use_bias:
                dense.bias.copy_(torch.from_numpy(weights[1]))
        return nn.Sequential(dense, act)
    if kind == "Conv2D":
        kernel = weights[0].transpose(3, 2, 0, 1).copy()
        return nn.Sequential(convolution(layer, in_shape, torch, kernel.shape[0], layer.groups, kernel,
                                         weights[1] if layer.use_bias else None), act)
    if kind == "DepthwiseConv2D":
        h, w, channels, multiplier = weights[0].shape
        kernel = weights[0].reshape(h, w, channels * multiplier).transpose(2, 0, 1)[:, None].copy()
        return nn.Sequential(convolution(layer, in_shape, torch, channels * multiplier, channels, kernel,
                                         weights[1] if layer.use_bias else None), act)
    if kind == "SeparableConv2D":
        h, w, channels, multiplier = weights[0].shape
        depthwise = weights[0].reshape(h, w, channels * multiplier).transpose(2, 0, 1)[:, None].copy()
        pointwise = weights[1].transpose(3, 2, 0, 1).copy()
        inner = nn.Conv2d(channels * multiplier, pointwise.shape[0], 1, bias=layer.use_bias)
        with torch.no_grad():
            inner.weight.copy_(torch.from_numpy(pointwise))
            if layer.use_bias:
                inner.bias.copy_(torch.from_numpy(weights[2]))
        return nn.Sequential(convolution(layer, in_shape, torch, channels * multiplier, channels, depthwise, None), inner, act)
    if kind in ("AveragePooling2D", "MaxPooling2D"):
        if layer.padding != "valid":
            raise SystemExit(f"torch_bench: layer {layer.name}: {kind} with padding {layer.padding} has no form here")
        pool = nn.AvgPool2d if kind == "AveragePooling2D" else nn.MaxPool2d
        return pool(tuple(layer.pool_size), stride=tuple(layer.strides))
    if kind == "GlobalAveragePooling2D":
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
    if kind == "ZeroPadding2D":
        (top, bottom), (left, right) = layer.padding
        return nn.ZeroPad2d((left, right, top, bottom))
    if kind == "Flatten":
        return nn.Flatten()
    if kind == "Dropout":
        return nn.Dropout(layer.rate)
    if kind == "BatchNormalization":
        if layer.axis not in (-1, len(in_shape)):
            raise SystemExit(f"torch_bench: layer {layer.name}: BatchNormalization over axis {layer.axis} has no form here")
        features = in_shape[-1]
        norm = (nn.BatchNorm2d if len(in_shape) == 3 else nn.BatchNorm1d)(features, eps=layer.epsilon, momentum=1 - layer.momentum,
                                                                          affine=layer.scale or layer.center)
        if layer.scale != layer.center:
            raise SystemExit(f"torch_bench: layer {layer.name}: BatchNormalization with only one of scale and center has no form here")
        with torch.no_grad():
            values = [torch.from_numpy(w) for w in weights]
            targets = ([norm.weight, norm.bias] if layer.scale else []) + [norm.running_mean, norm.running_var]
            for target, value in zip(targets, values):
                target.copy_(value)
        return norm
    if kind == "ReLU":
        if layer.negative_slope or layer.threshold or layer.max_value not in (None, 6.0):
            raise SystemExit(f"torch_bench: layer {layer.name}: ReLU options beyond max_value 6 have no form here")
        return nn.ReLU6() if layer.max_value == 6.0 else nn.ReLU()
    if kind == "Activation":
        return act
    if kind == "Add":
        class Sum(nn.Module):
            def forward(self, *xs):
                return sum(xs[1:], xs[0])
        return Sum()
    if kind == "LSTM":
        if layer.return_sequences or layer.go_backwards or activation.__name__ != "tanh" or layer.recurrent_activation.__name__ != "sigmoid":
            raise SystemExit(f"torch_bench: layer {layer.name}: only LSTM(tanh, sigmoid) returning its last output has a form here")
        lstm = nn.LSTM(in_shape[-1], layer.units, batch_first=True)
        with torch.no_grad():  # Keras's gates (i, f, c, o) are PyTorch's (i, f, g, o)
            lstm.weight_ih_l0.copy_(torch.from_numpy(weights[0].T.copy()))
            lstm.weight_hh_l0.copy_(torch.from_numpy(weights[1].T.copy()))
            lstm.bias_ih_l0.copy_(torch.from_numpy(weights[2]))
            lstm.bias_hh_l0.zero_()

        class LastOutput(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = lstm

            def forward(self, x):
                return self.lstm(x)[0][:, -1]
        return LastOutput()
    raise SystemExit(f"torch_bench: layer {layer.name}: {kind} has no PyTorch form here")


def as_tensor(x, torch):
    """Inputs as a tensor: images (n, h, w, c) as PyTorch's (n, c, h, w) with channels-last strides (the same
    memory, no copy), the layout in which PyTorch's CPU convolutions run fastest; other inputs as they are."""
    tensor = torch.from_numpy(x)
    return tensor.permute(0, 3, 1, 2) if x.ndim == 4 else tensor


def measure(arch, path, batch_size, data_dir, seconds):
    """PyTorch's figures of an architecture or a model file, on MNIST."""
    import keras
    import numpy as np
    import torch

    torch.set_num_threads(2)
    torch.set_num_interop_threads(1)
    images, labels = keras_interop.load_mnist(data_dir, "test")
    name, model, x, batch = keras_bench.subject(arch, path, batch_size, images, keras)
    net = rebuild(model, torch)
    expected = model.predict(x[:64], verbose=0)
    tx, ty = as_tensor(x, torch), torch.from_numpy(labels.astype("int64"))
    if tx.dim() == 4:
        net = net.to(memory_format=torch.channels_last)
    net.eval()
    with torch.inference_mode():
        gap = float(np.max(np.abs(net(tx[:64], probabilities=True).numpy() - expected)))
    if gap > 1e-4:
        sys.exit(f"torch_bench: {name}: the PyTorch model predicts {gap:.2e} away from Keras; not measured")
    optimizer_name = type(model.optimizer).__name__
    if optimizer_name == "SGD":
        optimizer = torch.optim.SGD(net.parameters(), lr=float(np.asarray(model.optimizer.learning_rate)))
    elif optimizer_name == "Adam":
        optimizer = torch.optim.Adam(net.parameters(), lr=float(np.asarray(model.optimizer.learning_rate)), eps=model.optimizer.epsilon,
                                     fused=True)
    else:
        sys.exit(f"torch_bench: {name}: optimizer {optimizer_name} has no PyTorch form here")
    loss = torch.nn.CrossEntropyLoss()
    xs, ys = keras_bench.training_images(arch, tx, ty, batch)

    def epoch():
        net.train()
        order = torch.randperm(len(xs))
        shuffled, targets = xs[order], ys[order]
        if shuffled.dim() == 4:
            shuffled = shuffled.contiguous(memory_format=torch.channels_last)
        for start in range(0, len(xs), batch):
            optimizer.zero_grad(set_to_none=True)
            loss(net(shuffled[start:start + batch]), targets[start:start + batch]).backward()
            optimizer.step()

    train = keras_bench.timed_rate(epoch, len(xs), seconds)
    net.eval()

    def predict():
        with torch.inference_mode():
            for start in range(0, len(tx), 128):
                net(tx[start:start + 128], probabilities=True)

    infer = keras_bench.timed_rate(predict, len(tx), seconds)
    one = tx[:1]
    with torch.inference_mode():
        latency = keras_bench.median_latency(lambda: net(one, probabilities=True), seconds, warmup=20)
    return {"arch": name, "train_images_per_s": round(train), "infer_images_per_s": round(infer),
            "latency_ms": latency, "max_difference_from_keras": gap,
            "torch_version": torch.__version__, "threads": torch.get_num_threads()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=keras_interop.ARCHS)
    parser.add_argument("--model", help="a model file (.keras, .h5 or config .json)")
    parser.add_argument("--batch-size", type=int, default=32, help="training batch size for --model")
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"))
    args = parser.parse_args()
    if bool(args.arch) == bool(args.model):
        sys.exit("give --arch or --model")
    if not args.data:
        sys.exit("MNIST not found: pass --data DIR or set MNIST_DIR")
    print(json.dumps(measure(args.arch, args.model, args.batch_size, args.data, args.seconds)))


if __name__ == "__main__":
    main()
