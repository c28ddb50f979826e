import CommandLineSupport
import Architectures
import ArgumentParser
import FileProbe
import Foundation
import KerasFormat
import MNIST
import NeuralNet

extension Architecture: ExpressibleByArgument {}

/// How pixels are scaled before they reach the model.
enum PixelScale: String, ExpressibleByArgument, CaseIterable {
    /// The notebook's choice for a recognised architecture; pixels / 255 otherwise.
    case auto
    /// Raw 0...255 pixels.
    case raw
    /// Pixels / 255.
    case unit
}

/// The model file and how to read it.
struct ModelOptions: ParsableArguments {
    @Argument(help: "A Keras model file: .h5, .weights.h5 or .keras.")
    var file: String

    @Option(help: "The architecture of a weights-only file. Default: from the file's config, else recognised from the weight shapes.")
    var arch: Architecture?

    @Option(help: "Input scaling: auto (the notebook's choice for the architecture), raw (0..255) or unit (/255).")
    var pixels: PixelScale = .auto

    /// Loads the model and prints what was loaded and any notices to stderr.
    func load() throws -> LoadedModel {
        try FileProbe.check(file)
        let loaded = try ModelLoader.load(file, architecture: arch)
        for notice in loaded.notices { FileHandle.standardError.write(Data("note: \(notice)\n".utf8)) }
        return loaded
    }

    /// The preprocessing for this model: the preset's, else derived from the input shape.
    func preprocessing(for loaded: LoadedModel) throws -> Preprocessing {
        var result: Preprocessing
        if let preset = loaded.architecture {
            result = preset.preprocessing
        } else {
            let shape = loaded.model.inputShape
            switch shape {
            case [784]: result = Preprocessing(divisor: 255, flatten: true)
            case [28, 28, 1]: result = Preprocessing(divisor: 255)
            case [32, 32, 1]: result = Preprocessing(padding: 2, divisor: 255)
            default:
                throw ValidationError("\(file): the model takes input \(describeShape(shape, batch: true)), which MNIST's 28x28 images cannot fill")
            }
            if pixels == .auto {
                FileHandle.standardError.write(Data("note: the model matches none of the notebook architectures; assuming pixels / 255 (--pixels raw to change)\n".utf8))
            }
        }
        switch pixels {
        case .auto: break
        case .raw: result.divisor = 1
        case .unit: result.divisor = 255
        }
        return result
    }

    /// One line on what was loaded: `LeNet5.h5: legacy full-model .h5 (Keras 3.3.3), LeNet-5, 61,706 parameters`.
    func describe(_ loaded: LoadedModel) -> String {
        var parts = [loaded.file.format.description + (loaded.file.kerasVersion.map { " (Keras \($0))" } ?? "")]
        parts.append(loaded.architecture.map { "\($0.displayName) architecture" } ?? "custom architecture")
        parts.append("\(grouped(loaded.model.parameterCount)) parameters")
        return "\(file): " + parts.joined(separator: ", ")
    }
}

/// Where MNIST comes from.
struct DataOptions: ParsableArguments {
    @Option(help: "MNIST folder (IDX files, gzipped or not, or mnist.npz) or an mnist.npz file. Default: $MNIST_DIR, then ~/.keras/datasets/mnist.npz.")
    var data: String?

    func location() throws -> String { try MNIST.locate(flag: data) }
}

/// `0.98680` → `0.9868`.
func fixed(_ value: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", value) }

/// Prints to stderr.
func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
