// The getting-started program of the documentation: load a Keras model, predict, print its summary,
// fine-tune it and save it as a .keras file.
//
//   getting-started MODEL MNIST_FOLDER OUTPUT_FOLDER
//
// writes OUTPUT_FOLDER/predictions.npy (the first 100 MNIST test images, as loaded), retrained.keras, and
// retrained-predictions.npy (the same images after training). Tests/PackageTests builds it in a package of
// its own that depends on this one, as any user's program would.
import Architectures  // the four notebook models and their MNIST preprocessing, opted into
import Foundation
import KerasSwift
import MNIST

let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: getting-started MODEL MNIST_FOLDER OUTPUT_FOLDER\n".utf8))
    exit(2)
}
let (modelPath, mnistFolder, output) = (arguments[1], arguments[2], URL(fileURLWithPath: arguments[3]))

/// Writes an n x classes float32 array for numpy.
func save(_ predictions: Tensor, as name: String) throws {
    try predictions.save(npy: output.appendingPathComponent(name).path)
}

do {
    // A full model in any Keras form: .h5 (Keras 2 or 3) or .keras. (A .weights.h5 goes into a model built
    // first, with `loadWeights`.)
    let model = try KerasModel.load(modelPath)

    // MNIST images in the layout and scale the model takes (LeNet-5: padded to 32 x 32, pixels / 255).
    let mnist = try MNIST.load(from: mnistFolder)
    let preprocessing = try Preprocessing.forModel(model.model, preset: Architecture.identify(model.model), pixels: .auto).preprocessing
    let test = mnist.test.prefix(100)
    let x = try Tensor(shape: [test.count] + model.inputShape, scalars: preprocessing.inputs(test))

    let y = try model.predict(x)  // y.shape == [100, 10]; y.scalars: [Float]
    try save(y, as: "predictions.npy")
    print(model.summary())

    try model.compile(optimizer: .adam(learningRate: 1e-3), loss: .sparseCategoricalCrossentropy, metrics: [.accuracy])
    let train = mnist.train.prefix(1024)
    let images = try Tensor(shape: [train.count] + model.inputShape, scalars: preprocessing.inputs(train))
    let history = try model.fit(x: images, y: train.labels.map { Int($0) }, epochs: 2, batchSize: 32)
    print("training loss per epoch: \(history.loss.map { String(format: "%.4f", $0) }.joined(separator: ", "))")

    try model.save(output.appendingPathComponent("retrained.keras").path)  // the form follows the extension
    try save(try model.predict(x), as: "retrained-predictions.npy")
    let evaluation = try model.evaluate(x: x, y: test.labels.map { Int($0) })
    print("accuracy on the first 100 test images after training: \(String(format: "%.2f", evaluation.scores["accuracy"] ?? .nan))")
} catch {
    FileHandle.standardError.write(Data("getting-started: error: \(error)\n".utf8))
    exit(1)
}
