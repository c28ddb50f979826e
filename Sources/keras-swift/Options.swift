import CommandLineSupport
import Architectures
import ArgumentParser
import FileProbe
import Foundation
import KerasFormat
import MNIST
import NeuralNet

extension Architecture: ExpressibleByArgument {}

extension Preprocessing.PixelScale: ExpressibleByArgument {}

/// The model file and how to read it.
struct ModelOptions: ParsableArguments {
    @Argument(help: "A Keras model file: .h5, .weights.h5 or .keras.")
    var file: String

    @Option(help: "The architecture of a weights-only file. Default: from the file's config, else recognised from the weight shapes.")
    var arch: Architecture?

    @Option(name: [.customLong("config"), .customLong("model")],
            help: ArgumentHelp("The Keras config of a weights-only file: model.to_json(), or a .keras archive's config.json "
                               + "(convert from .safetensors also takes a Keras model file).", valueName: "config.json"))
    var config: String?

    @Option(help: "Input scaling: auto (the notebook's choice for the architecture), raw (0..255) or unit (/255).")
    var pixels: Preprocessing.PixelScale = .auto

    /// Loads the model and prints any notices to stderr. Input axes the file leaves open (`None`) take their
    /// lengths from `inputShapes` (the data's), else `openAxisLength`.
    func load(inputShapes: [[Int]]? = nil, openAxisLength: Int? = nil) throws -> PresetModel {
        try FileProbe.check(file)
        let loaded = try Architecture.load(file, as: arch, configFile: config, inputShapes: inputShapes, openAxisLength: openAxisLength)
        for notice in loaded.notices { note("note: \(notice)") }
        return loaded
    }

    /// The preprocessing for this model (see ``Preprocessing/forModel(_:preset:pixels:)``).
    func preprocessing(for loaded: PresetModel) throws -> Preprocessing {
        do {
            let (result, assumed) = try Preprocessing.forModel(loaded.model, preset: loaded.architecture, pixels: pixels)
            if assumed { note("note: the model matches none of the notebook architectures; assuming pixels / 255 (--pixels raw to change)") }
            return result
        } catch let error as PreprocessingError {
            throw ToolError.unusableModel(file: file, reason: "\(error)")
        }
    }

    /// Refuses a model MNIST cannot feed or score: one of several inputs, or outputs other than one value per
    /// digit, 10 per image.
    static func requireDigitModel(_ model: Model, file: String) throws {
        guard model.inputs.count == 1 else {
            throw ToolError.unusableModel(file: file, reason: "the model takes \(model.inputs.count) inputs (\(model.inputNames.joined(separator: ", "))); "
                                + "MNIST gives one image per sample: give the arrays with --x, one per input")
        }
        for (name, shape) in zip(model.outputNames, model.outputShapes) where shape != [10] {
            let which = model.outputs.count == 1 ? "the model outputs" : "output \(name) gives"
            throw ToolError.unusableModel(file: file, reason: "\(which) \(describeShape(shape, batch: true)) per batch; scoring against MNIST's labels needs (None, 10)")
        }
    }

    /// One line on what was loaded: `LeNet5.h5: legacy full-model .h5 (Keras 3.3.3), LeNet-5, 61,706 parameters`.
    func describe(_ loaded: PresetModel) -> String {
        let file = loaded.file
        var parts = [file.format.description + (file.kerasVersion.map { " (Keras \($0))" } ?? "")]
        parts.append(loaded.architecture.map { "\($0.displayName) architecture" } ?? "custom architecture")
        parts.append("\(describeCount(loaded.model.parameterCount)) parameters")
        if let losses = loaded.loaded.losses {
            parts.append(losses.count == 1 ? "loss \(losses[0])"
                         : "losses " + zip(loaded.model.outputNames, losses).map { "\($0): \($1)" }.joined(separator: ", "))
        }
        return "\(self.file): " + parts.joined(separator: ", ")
    }
}

/// Where MNIST comes from.
struct DataOptions: ParsableArguments {
    @Option(help: "MNIST folder (IDX files, gzipped or not, or mnist.npz) or an mnist.npz file. Default: $MNIST_DIR, then ~/.keras/datasets/mnist.npz.")
    var data: String?

    func location() throws -> String {
        do {
            return try MNIST.locate(given: data)
        } catch let error as MNISTError {
            throw ToolError.noData("\(error) (--data DIR)")
        }
    }
}

/// `0.98680` → `0.9868`.
func fixed(_ value: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", value) }

/// Figures as Keras's progress bar shows them: `loss 0.1234 - accuracy 0.9876`.
func describe(_ scores: Scores) -> String { scores.map { "\($0.name) \(fixed($0.value))" }.joined(separator: " - ") }

/// Prints to stderr.
func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
