import ArgumentParser
import Foundation
import KerasFormat

/// `--format` names for the three Keras forms.
enum FormatChoice: String, ExpressibleByArgument, CaseIterable {
    case h5, weights, keras

    var format: KerasFileFormat {
        switch self {
        case .h5: return .legacyModel
        case .weights: return .weightsH5
        case .keras: return .kerasArchive
        }
    }
}

extension KerasFlavour: ExpressibleByArgument {
    /// The flavour a `--to` value names.
    public init?(argument: String) {
        switch argument {
        case "3", "keras3": self = .keras3
        case "2", "keras2": self = .keras2
        default: return nil
        }
    }
}

/// How a model is written: shared by `convert` and `train`.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output form: h5 (legacy full model), weights (Keras 3 .weights.h5) or keras (.keras zip). Default: from the file name.")
    var format: FormatChoice?

    @Option(name: .customLong("keras-version"),
            help: "Layout of a legacy .h5: 3 (as Keras 3 writes it; every Keras 3 loads it) or 2 (as Keras 2.15 writes it; tf-keras and Keras 3 load it).")
    var flavour: KerasFlavour = .keras3

    @Flag(help: "Leave the optimizer state out of the written file.")
    var noOptimizer = false

    /// The chosen form for `path`, or a usage error naming the missing choice.
    func resolvedFormat(for path: String) throws -> KerasFileFormat {
        if let format { return format.format }
        guard let format = ModelWriter.format(forPath: path) else {
            throw ValidationError("cannot tell the output form from '\(path)': name it .h5, .weights.h5 or .keras, or pass --format")
        }
        return format
    }
}

/// `keras-swift convert`: any Keras form to any other.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a Keras model file between .h5, .weights.h5 and .keras, keeping the optimizer state.",
        discussion: """
            The output is written atomically: a temporary file beside it is renamed into place only when complete.

            Examples:
              keras-swift convert LeNet5.h5 lenet5.keras
              keras-swift convert LeNet5.weights.h5 lenet5.h5 --arch lenet5
              keras-swift convert lenet5.keras lenet5-tfkeras.h5 --keras-version 2
            """)

    @OptionGroup var model: ModelOptions
    @Argument(help: "The file to write.")
    var output: String
    @OptionGroup var outputOptions: OutputOptions

    func run() throws {
        let format = try outputOptions.resolvedFormat(for: output)
        let started = ContinuousClock.now
        let loaded = try model.load(openAxisLength: 1)
        try loaded.loaded.checkTrainingConfig()
        var notices: [Notice] = []
        let optimizer = outputOptions.noOptimizer ? nil : try OptimizerState.restore(try loaded.storedOptimizer(), for: loaded.model, notices: &notices)
        notices.forEach { note("note: \($0)") }
        let read = ContinuousClock.now
        try ModelWriter.save(loaded.model, optimizer: optimizer, to: output, format: format, flavour: outputOptions.flavour)
        let written = ContinuousClock.now
        let state = optimizer.map { "with \($0.className) state after \($0.iterations) steps" } ?? "without optimizer state"
        print("\(model.file) (\(loaded.file.format)) -> \(output) (\(format)), \(state); "
              + "read in \(seconds(read - started)) s, written in \(seconds(written - read)) s")
    }

    private func seconds(_ duration: Duration) -> String {
        String(format: "%.3f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
