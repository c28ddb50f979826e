import ArgumentParser
import CommandLineSupport
import Foundation
import KerasFormat
import MNIST
import NeuralNet

/// `digits evaluate`: test-set accuracy and loss, as Keras's `model.evaluate` reports them.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report a model's loss and accuracy on the 10,000 MNIST test images.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Images per forward pass.")
    var batchSize = 128

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        let loaded = try model.load()
        let preprocessing = try model.preprocessing(for: loaded)
        let location = try dataOptions.location()
        let test = preprocessing.apply(try MNIST.loadTest(from: location))
        if !json {
            print(model.describe(loaded))
            print("test set: \(describeCount(test.count)) images from \(location), \(preprocessing)")
        }
        let bar = ProgressBar(label: "evaluating", total: test.count)
        let result = loaded.model.evaluate(test, batchSize: batchSize) { done, _ in bar.update(done) }
        bar.finish()
        let rate = Double(result.count) / max(result.seconds, 1e-9)
        if json {
            let object: [(String, String)] = [
                ("file", "\"\(model.file)\""), ("accuracy", String(result.accuracy)), ("loss", String(result.loss)),
                ("images", String(result.count)), ("seconds", String(result.seconds)), ("images_per_second", String(Int(rate))),
            ]
            print("{" + object.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        } else {
            print("test accuracy \(fixed(result.accuracy)), loss \(fixed(result.loss))  "
                  + "(\(describeCount(result.count)) images in \(fixed(result.seconds, 3)) s, \(describeCount(Int(rate))) images/s)")
        }
    }
}
