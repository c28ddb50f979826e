import ArgumentParser
import CommandLineSupport
import Foundation
import KerasFormat
import MNIST
import NeuralNet

/// `keras-swift evaluate`: the test set's loss and metrics, as Keras's `model.evaluate` reports them.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report a model's loss and metrics on the 10,000 MNIST test images, or on your own arrays (--x, --y).",
        discussion: """
            The figures are those Keras's evaluate reports, by its names: the loss, then the metrics the \
            file's training config compiles. A model with several outputs is scored output by output against \
            the same labels: the loss is each output's loss times its weight, summed, followed by each \
            output's own loss (NAME_loss) and metrics (NAME_metric).

            --x FILE.npy --y FILE.npy scores the model on your own arrays instead, of any model: the input \
            samples, and per output its targets (class indices for sparse categorical cross-entropy, values of \
            the output's shape for the other losses); a .npz of arrays named after the outputs may give them all.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var arrays: ArrayOptions

    @Option(help: "Samples per batch: Keras's evaluate default. The loss of an output with a mask averages each batch's unmasked positions, as Keras's does, so it depends on the batches.")
    var batchSize = 32

    @Option(help: "Evaluate on the first N test images only (quick checks).")
    var first: Int?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if let first, first <= 0 { throw ValidationError("--first must be positive") }
        if arrays.given && arrays.targetFiles.isEmpty { throw ValidationError("evaluate --x needs the targets: --y") }
    }

    func run() throws {
        let loaded = try model.load(inputShapes: arrays.sampleShapes)
        try loaded.loaded.checkTrainingConfig()
        let test: SampleSource, source: String
        if arrays.given {
            let all = try arrays.samples(for: loaded.model, targets: true)
            test = first.map { all.slice(0..<min($0, all.count)) } ?? all
            source = "\(describeCount(test.count)) samples from \(arrays.inputFiles.joined(separator: ", "))"
        } else {
            try ModelOptions.requireDigitModel(loaded.model, file: model.file)
            let preprocessing = try model.preprocessing(for: loaded)
            let location = try dataOptions.location()
            let images = try MNIST.loadTest(from: location)
            test = try preprocessing.samples(first.map { images.prefix($0) } ?? images, for: loaded.model)
            source = "\(describeCount(test.count)) images from \(location), \(preprocessing)"
        }
        if !json {
            print(model.describe(loaded))
            print("test set: \(source)")
        }
        let bar = ProgressBar(label: "evaluating", total: test.count)
        let result = try arrays.reading { try loaded.model.evaluate(test, batchSize: batchSize) { done, _ in bar.update(done) } }
        bar.finish()
        let rate = Double(result.count) / max(result.seconds, 1e-9)
        if json {
            // Keras's evaluate(return_dict=True) keys, and how long it took.
            var report = JSONObject([("file", .string(model.file))])
            for (name, value) in result.scores { report[name] = .double(value) }
            report["samples"] = .int(result.count)
            report["seconds"] = .double(result.seconds)
            report["samples_per_second"] = .int(Int(rate))
            print(JSONValue.object(report).pythonJSON)
        } else {
            print("test: \(describe(result.scores))  (\(describeCount(result.count)) samples in \(fixed(result.seconds, 3)) s, "
                  + "\(describeCount(Int(rate))) samples/s)")
        }
    }
}
