import ArgumentParser
import Foundation
import Architectures
import KerasFormat
import NeuralNet
import ONNX
import SafeWrite
import Safetensors

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

/// `keras-swift convert`: any Keras form to any other, and weights to and from `.safetensors`.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a model between .h5, .weights.h5 and .keras, keeping the optimizer state; or its weights to and from .safetensors.",
        discussion: """
            The output is written atomically: a temporary file beside it is renamed into place only when complete.

            A .safetensors file holds the weights alone, float32, each under the path Keras gives it (dense/kernel,
            lstm/lstm_cell/bias), with the source file and the layers' classes in its __metadata__. Reading one
            needs the architecture: --config names a Keras config (model.to_json(), a .keras archive's config.json,
            whose compile settings come along with a fresh optimizer) or any Keras model file (its architecture
            alone), or --arch a preset.

            Examples:
              keras-swift convert LeNet5.h5 lenet5.keras
              keras-swift convert LeNet5.weights.h5 lenet5.h5 --arch lenet5
              keras-swift convert lenet5.keras lenet5-tfkeras.h5 --keras-version 2
              keras-swift convert model.keras model.safetensors
              keras-swift convert weights.safetensors model.keras --config config.json
              keras-swift convert model.keras model.onnx --opset 17 --batch dynamic

            An .onnx file is the model for inference (as Keras's predict computes it), with the inputs' and \
            outputs' Keras names, dtypes and channels-last shapes and a symbolic batch axis (--batch N fixes \
            it), written for onnxruntime without Python or TensorFlow. An axis the model leaves open (None) \
            stays open unless a layer depends on its length. What the operator set lacks (LayerNormalization \
            before opset 17) is refused by name.
            """)

    @OptionGroup var model: ModelOptions
    @Argument(help: "The file to write: .h5, .weights.h5, .keras, .safetensors or .onnx.")
    var output: String
    @OptionGroup var outputOptions: OutputOptions

    @Option(help: "The ONNX operator set of an .onnx output (13 to 21).")
    var opset = 17

    @Option(help: ArgumentHelp("The batch axis of an .onnx output: dynamic, or a length.", valueName: "dynamic|N"))
    var batch = "dynamic"

    func validate() throws {
        guard batch == "dynamic" || (Int(batch) ?? 0) > 0 else { throw ValidationError("--batch takes dynamic or a positive length") }
        let opsets = ONNXExporter.supportedOpsets
        guard opsets.contains(opset) else { throw ValidationError("--opset takes \(opsets.lowerBound) to \(opsets.upperBound)") }
    }

    func run() throws {
        let writesSafetensors = output.lowercased().hasSuffix(".safetensors") && outputOptions.format == nil
        let writesONNX = output.lowercased().hasSuffix(".onnx") && outputOptions.format == nil
        let format = writesSafetensors || writesONNX ? nil : try outputOptions.resolvedFormat(for: output)
        let started = ContinuousClock.now
        let (built, optimizer, source, notices) = try readsSafetensors ? loadSafetensors() : loadKerasFile()
        notices.forEach { note("note: \($0)") }
        let read = ContinuousClock.now
        let written: String
        if let format {
            try ModelWriter.save(built, optimizer: optimizer, to: output, format: format, flavour: outputOptions.flavour)
            written = "\(format)), " + (optimizer.map { "with \($0.className) state after \($0.iterations) steps" } ?? "without optimizer state")
        } else if writesONNX {
            try AtomicFile.checkDestination(output)
            let exporter = ONNXExporter(opset: opset, batch: Int(batch))
            do {
                // Open axes (Keras's None) stay open when the graph does not depend on their length: the
                // exporter compares the model with itself built at another length.
                let variant = built.inputs.contains { !$0.variableAxes.isEmpty }
                    ? try (readsSafetensors ? loadSafetensors(openAxisLength: 2) : loadKerasFile(openAxisLength: 2)).0 : nil
                try AtomicFile.write(try exporter.export(built, atAnotherLength: variant), to: output)
            } catch let error as ONNXExportError {
                throw ToolError.unusableModel(file: model.file, reason: "\(error)")
            }
            written = "ONNX opset \(opset)), batch \(batch)"
        } else {
            try SafetensorsWeights.save(built, to: output, source: model.file)
            written = "safetensors), \(SafetensorsWeights.keyedWeights(of: built).count) tensors"
        }
        print("\(model.file) (\(source)) -> \(output) (\(written); "
              + "read in \(seconds(read - started)) s, written in \(seconds(ContinuousClock.now - read)) s")
    }

    /// Whether the input is a `.safetensors` file, by its name or its first bytes.
    private var readsSafetensors: Bool {
        SafetensorsFile.isSafetensors(model.file)
    }

    /// The model of a Keras file (open axes `openAxisLength` long), with its optimizer state unless left out,
    /// and what the reading noticed.
    private func loadKerasFile(openAxisLength: Int = 1) throws -> (Model, Optimizer?, String, [Notice]) {
        let loaded = try model.load(openAxisLength: openAxisLength)
        try loaded.loaded.checkTrainingConfig()
        var notices: [Notice] = []
        let optimizer = outputOptions.noOptimizer ? nil : try OptimizerState.restore(try loaded.storedOptimizer(), for: loaded.model, notices: &notices)
        return (loaded.model, optimizer, "\(loaded.file.format)", notices)
    }

    /// The model `--config` or `--arch` describes (open axes `openAxisLength` long), with the weights of the
    /// `.safetensors` input, and what the reading noticed.
    private func loadSafetensors(openAxisLength: Int = 1) throws -> (Model, Optimizer?, String, [Notice]) {
        let built: Model, optimizer: Optimizer?, notices: [Notice]
        if let config = model.config, ModelWriter.format(forPath: config) != nil {
            // The file's optimizer state belongs to its own weights, so it is left behind.
            let loaded = try Architecture.load(config, openAxisLength: openAxisLength)
            (built, optimizer, notices) = (loaded.model, nil, loaded.notices)
        } else if let config = model.config {
            let configured = try ConfiguredModel.load(config, seed: 0, openAxisLength: openAxisLength)
            (built, optimizer, notices) = (configured.model, outputOptions.noOptimizer ? nil : configured.optimizer, configured.notices)
        } else if let arch = model.arch {
            (built, optimizer, notices) = (try arch.makeModel(), nil, [])
        } else {
            throw ValidationError("\(model.file) holds weights alone: name the architecture with --config (a Keras config or model file) or --arch")
        }
        return (built, optimizer, "safetensors", notices + (try SafetensorsWeights.load(model.file, into: built)))
    }

    private func seconds(_ duration: Duration) -> String {
        String(format: "%.3f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
