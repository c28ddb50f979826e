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

    @Option(help: "Evaluate on the first N test images only (quick checks).")
    var first: Int?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if let first, first <= 0 { throw ValidationError("--first must be positive") }
    }

    func run() throws {
        let loaded = try model.load()
        try ModelOptions.requireDigitOutputs(loaded.model, file: model.file)
        let preprocessing = try model.preprocessing(for: loaded)
        let location = try dataOptions.location()
        let images = try MNIST.loadTest(from: location)
        let test = preprocessing.apply(first.map { images.prefix($0) } ?? images)
        if !json {
            print(model.describe(loaded))
            print("test set: \(describeCount(test.count)) images from \(location), \(preprocessing)")
        }
        let bar = ProgressBar(label: "evaluating", total: test.count)
        let result = loaded.model.evaluate(test, batchSize: batchSize) { done, _ in bar.update(done) }
        bar.finish()
        let rate = Double(result.count) / max(result.seconds, 1e-9)
        if json {
            let report = EvaluationReport(file: model.file, accuracy: result.accuracy, loss: result.loss, images: result.count,
                                          seconds: result.seconds, imagesPerSecond: Int(rate))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("test accuracy \(fixed(result.accuracy)), loss \(fixed(result.loss))  "
                  + "(\(describeCount(result.count)) images in \(fixed(result.seconds, 3)) s, \(describeCount(Int(rate))) images/s)")
        }
    }
}

/// What `evaluate --json` prints.
struct EvaluationReport: Codable {
    let file: String
    let accuracy: Double
    let loss: Double
    let images: Int
    let seconds: Double
    let imagesPerSecond: Int

    enum CodingKeys: String, CodingKey {
        case file, accuracy, loss, images, seconds, imagesPerSecond = "images_per_second"
    }
}
