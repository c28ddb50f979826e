#!/usr/bin/env python3
"""Every layer's output in Keras, for `keras-swift trace --reference`.

  python tools/keras_trace.py model.keras --x x.npy [--x more.npy] [--first 16] --output keras.npz
  python tools/keras_trace.py LeNet5.h5 --mnist ../shared/data/mnist --first 16 --output keras.npz

Each call of each layer of the model (but its InputLayers) is kept under the layer's name, NAME:CALL for a
shared layer's later calls and #TENSOR after it for a recurrent layer's returned states: the keys keras-swift
trace writes. --mnist feeds MNIST's first test images prepared as keras-swift does for a model that is none
of the notebooks' (pixels / 255, in the input's layout).
"""
import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402


def layer_outputs(model, keras):
    """(key, symbolic tensor) for every call of every layer of the model's own graph, in the model's layer order
    (a layer may also hold calls of other models; a Sequential's graph is the Functional it builds)."""
    graph = model._functional if isinstance(model, keras.Sequential) else model
    keys, tensors = [], []
    for layer in model.layers:
        # Keras keys a graph's nodes by operation id and node index.
        calls = [node for index, node in enumerate(layer._inbound_nodes) if f"{id(layer)}_ib-{index}" in graph._nodes]
        for call, node in enumerate(calls):
            for index, tensor in enumerate(node.output_tensors):
                keys.append(layer.name + (f":{call}" if call else "") + (f"#{index}" if index else ""))
                tensors.append(tensor)
    return keys, tensors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--x", action="append", default=[], help="a .npy per input, in the model's order")
    parser.add_argument("--mnist", help="MNIST folder, instead of --x")
    parser.add_argument("--first", type=int, default=16)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    import keras

    model = keras.models.load_model(args.model, compile=False)
    if args.x:
        x = [np.load(path)[:args.first] for path in args.x]
    elif args.mnist:
        import keras_interop as ki
        images, _ = ki.load_mnist(args.mnist, "test")
        shape = tuple(model.inputs[0].shape[1:])
        x = [(images[:args.first].astype("float32") / 255).reshape((-1,) + shape)]
    else:
        sys.exit("give --x FILE.npy per input, or --mnist DIR")
    keys, tensors = layer_outputs(model, keras)
    traced = keras.Model(model.inputs, tensors)
    values = traced.predict(x if len(x) > 1 else x[0], verbose=0)
    values = values if isinstance(values, (list, tuple)) else [values]
    np.savez(args.output, **{key: np.asarray(value, dtype="float32") for key, value in zip(keys, values)})
    print(f"wrote {len(keys)} layer outputs of {len(x[0])} samples to {args.output}")


if __name__ == "__main__":
    main()
