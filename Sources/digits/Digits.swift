import ArgumentParser

/// `digits`: the model work on MNIST: evaluate, predict, train, convert, bench.
struct Digits: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digits",
        abstract: "Evaluate, predict with, train and convert Keras MNIST models in Swift.",
        discussion: """
            Model files may be any Keras form: a legacy full-model .h5 (Keras 2 or 3), a Keras 3 .weights.h5 \
            or a .keras archive. A .weights.h5 has no architecture of its own: give --arch (mlp, convnet, lenet5, \
            vgg), or let digits recognise one of those four from the weight shapes.

            MNIST is read from --data DIR (the four IDX files, gzipped or not, or mnist.npz), else $MNIST_DIR, \
            else Keras's cache ~/.keras/datasets/mnist.npz.

            Examples:
              digits evaluate LeNet5.h5 --data ../shared/data/mnist
              digits evaluate LeNet5.weights.h5 --arch lenet5
              digits predict LeNet5.h5 --index 0
              digits predict LeNet5.h5 my-digit.png
              digits predict LeNet5.h5 --first 100 --output probs.npy
            """,
        subcommands: [Train.self, Evaluate.self, Predict.self, Convert.self, Bench.self])
}
