import SafeWrite
import ArgumentParser
import Foundation
import KerasFormat
import MNIST
import NeuralNet

/// `digits predict`: the model's outputs (class probabilities for a classifier ending in softmax) for an MNIST
/// test image, an image file, or the first N test images.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the model's outputs (the ten class probabilities) and the predicted digit, or write them as .npy.",
        discussion: """
            Give exactly one of: an IMAGE file (PNG or PGM, grayscale or colour, any size; scaled to 28x28, \
            and inverted when it is a dark digit on light paper), --index N (MNIST test image N), or \
            --first N with --output FILE.npy (an N x 10 float32 array for a classifier of digits; in general \
            N by the model's output shape, like Keras's model.predict). Outputs are written as they come: a \
            model trained with from_logits gives logits. A model with several outputs shows each one; \
            --output STEM.npy then writes one array per output, STEM.NAME.npy, named by its output layer.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var dataOptions: DataOptions

    @Argument(help: "A PNG or PGM image of one digit.")
    var image: String?

    @Option(help: "Predict MNIST test image number N (0-based).")
    var index: Int?

    @Option(help: "Predict the first N test images (needs --output).")
    var first: Int?

    @Option(help: "Where --first writes its N x outputs float32 array (.npy).")
    var output: String?

    func validate() throws {
        let chosen = [image != nil, index != nil, first != nil].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("give exactly one of IMAGE, --index N or --first N") }
        if first != nil, output == nil { throw ValidationError("--first needs --output FILE.npy") }
        if let first, first <= 0 { throw ValidationError("--first must be positive") }
        if let index, index < 0 { throw ValidationError("--index must not be negative") }
    }

    func run() throws {
        let loaded = try model.load()
        let preprocessing = try model.preprocessing(for: loaded)
        if let image {
            let (picture, inverted) = try DigitImageFile.load(image)
            if inverted { note("note: \(image) looks like a dark digit on light paper; inverted it to MNIST's white on black") }
            show(loaded.model.predictEach(preprocessing.apply(picture).samples), of: loaded.model, title: "\(image):", label: nil)
            return
        }
        let test = try MNIST.loadTest(from: try dataOptions.location())
        if let index {
            guard index < test.count else { throw ValidationError("--index \(index) is past the last test image (\(test.count - 1))") }
            let one = preprocessing.apply(test).slice(index..<index + 1)
            show(loaded.model.predictEach(one.samples), of: loaded.model, title: "test image \(index):", label: Int(one.labels[0]))
            return
        }
        if let first, let output {
            let count = min(first, test.count)
            let data = preprocessing.apply(test.prefix(count))
            let model = loaded.model
            let paths = Self.outputPaths(output, names: model.outputNames)
            for (index, values) in model.predictEach(data.samples).enumerated() {
                let shape = [count] + model.outputShapes[index]
                try AtomicFile.write(NumpyArray.float32File(shape: shape, values: values), to: paths[index])
                print("wrote a \(shape.map(String.init).joined(separator: " x ")) float32 array of \(Self.kind(of: model, output: index)) to \(paths[index])")
            }
        }
    }

    /// Where `--output path` writes each output: `path` itself for one output; for several, `stem.NAME.npy`
    /// per output layer NAME.
    static func outputPaths(_ path: String, names: [String]) -> [String] {
        guard names.count > 1 else { return [path] }
        let stem = path.hasSuffix(".npy") ? String(path.dropLast(4)) : path
        return names.map { "\(stem).\($0).npy" }
    }

    /// What output `output` of the model gives: logits when its loss takes them, else probabilities or outputs.
    static func kind(of model: Model, output: Int = 0) -> String {
        let loss = model.losses[output]
        if loss.fromLogits { return "logits" }
        return loss.kind == .meanSquaredError ? "outputs" : "probabilities"
    }

    /// One image's outputs, each output's values one per line (with a bar for those within 0...1), and the
    /// largest as the digit.
    private func show(_ outputs: [[Float]], of model: Model, title: String, label: Int?) {
        let several = outputs.count > 1, indent = several ? "  " : ""
        if several { print(title) }
        for (output, values) in outputs.enumerated() {
            let kind = Self.kind(of: model, output: output)
            print(several ? "  output \(model.outputNames[output]): \(kind)" : "\(title) \(kind)")
            let best = values.indices.max { values[$0] < values[$1] } ?? 0
            for (index, value) in values.enumerated() {
                let bar = (0...1).contains(value) ? String(repeating: "#", count: Int((value * 40).rounded())) : ""
                print("\(indent)  \(index)  \(fixed(Double(value)))" + (bar.isEmpty ? "" : "  \(bar)"))
            }
            guard model.outputShapes[output] == [10] else { continue }
            var verdict = "\(indent)predicted digit: \(best) (\(kind == "probabilities" ? "probability" : "output") \(fixed(Double(values[best]))))"
            if let label { verdict += label == best ? ", correct" : ", but the label is \(label)" }
            print(verdict)
        }
    }
}
