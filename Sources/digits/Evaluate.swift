import ArgumentParser
import CommandLineSupport
import Foundation
import KerasFormat
import MNIST
import NeuralNet

/// `digits evaluate`: test-set accuracy and loss, as Keras's `model.evaluate` reports them.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report a model's loss and accuracy on the 10,000 MNIST test images.",
        discussion: """
            A model with several outputs is scored output by output against the same labels: the loss is \
            each output's loss times its weight from the file's training config, summed, as Keras reports it, \
            followed by each output's own loss and accuracy.
            """)

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
        try loaded.loaded.checkTrainingConfig()
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
            let outputs = result.outputs.count == 1 ? nil : result.outputs.map {
                EvaluationReport.Output(name: $0.name, accuracy: $0.accuracy, loss: $0.loss)
            }
            let report = EvaluationReport(file: model.file, accuracy: result.accuracy, loss: result.loss, outputs: outputs,
                                          images: result.count, seconds: result.seconds, imagesPerSecond: Int(rate))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else if result.outputs.count == 1 {
            print("test accuracy \(fixed(result.accuracy)), loss \(fixed(result.loss))  "
                  + "(\(describeCount(result.count)) images in \(fixed(result.seconds, 3)) s, \(describeCount(Int(rate))) images/s)")
        } else {
            print("test loss \(fixed(result.loss)) over \(result.outputs.count) outputs  "
                  + "(\(describeCount(result.count)) images in \(fixed(result.seconds, 3)) s, \(describeCount(Int(rate))) images/s)")
            for output in result.outputs {
                print("  \(output.name): accuracy \(fixed(output.accuracy)), loss \(fixed(output.loss))")
            }
        }
    }
}

/// What `evaluate --json` prints: for a model with several outputs, `accuracy` is the first output's and
/// `outputs` has each one's.
struct EvaluationReport: Codable {
    /// One output's figures.
    struct Output: Codable {
        let name: String
        let accuracy: Double
        let loss: Double
    }

    let file: String
    let accuracy: Double
    let loss: Double
    let outputs: [Output]?
    let images: Int
    let seconds: Double
    let imagesPerSecond: Int

    enum CodingKeys: String, CodingKey {
        case file, accuracy, loss, outputs, images, seconds, imagesPerSecond = "images_per_second"
    }
}
