import ArgumentParser

/// `keras-swift`: predict, evaluate, train, convert, trace and bench any Keras model, on the user's arrays or on
/// MNIST, the built-in data set.
struct KerasSwiftTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keras-swift",
        abstract: "Predict with, evaluate, train, convert, trace and bench Keras models in Swift, on your own arrays or on MNIST.",
        discussion: """
            Model files may be any Keras form: a legacy full-model .h5 (Keras 2 or 3), a Keras 3 .weights.h5 \
            or a .keras archive. A .weights.h5 has no architecture of its own: give --config with a Keras \
            config (model.to_json()), or --arch (mlp, convnet, lenet5, vgg), or let keras-swift recognise one of \
            those four from the weight shapes.

            Your own data: --x FILE.npy per input (or one .npz whose arrays are named after the inputs) and \
            --y FILE.npy per output (or one .npz by output name); any numeric dtype, C order, samples first; .npy files are mapped and read batch by batch. \
            Without --x, a model whose input takes an MNIST image is fed MNIST, read from --data DIR (the four \
            IDX files, gzipped or not, or mnist.npz), else $MNIST_DIR, else Keras's cache \
            ~/.keras/datasets/mnist.npz.

            Examples:
              keras-swift predict prices.keras --x x.npy --output p.npy
              keras-swift evaluate regressor.h5 --x x.npy --y y.npy --json
              keras-swift predict two_inputs.keras --x images.npy --x meta.npy
              keras-swift train --model config.json --x x.npy --y y.npy --validation-split 0.1 --epochs 5 --out m.keras
              keras-swift evaluate LeNet5.h5 --data ../shared/data/mnist
              keras-swift evaluate LeNet5.weights.h5 --arch lenet5
              keras-swift predict LeNet5.h5 my-digit.png
            """,
        subcommands: [Train.self, Evaluate.self, Predict.self, Convert.self, Trace.self, Bench.self])
}
