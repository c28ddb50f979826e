import NumPy
import ArgumentParser
import Foundation
import KerasFormat
import MNIST
import NeuralNet

/// `keras-swift predict`: the model's outputs (class probabilities for a classifier ending in softmax) for an MNIST
/// test image, an image file, or the first N test images.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the model's outputs (the ten class probabilities) and the predicted digit, or write them as .npy; for any model on your own arrays with --x.",
        discussion: """
            Give exactly one of: an IMAGE file (PNG or PGM, grayscale or colour, any size; scaled to 28x28, \
            and inverted when it is a dark digit on light paper), --index N (MNIST test image N), or \
            --first N with --output FILE.npy (an N x 10 float32 array for a classifier of digits; in general \
            N by the model's output shape, like Keras's model.predict). Outputs are written as they come: a \
            model trained with from_logits gives logits. A model with several outputs shows each one; \
            --output STEM.npy then writes one array per output, STEM.NAME.npy, named by its output layer.

            --x FILE.npy predicts your own samples instead, for any model (an array of shape (n, ...the model's \
            input shape), any numeric dtype): it shows the first ones (a classifier's three likeliest classes, \
            else the values) and with --output writes them all; --first N keeps the first N samples.

            --image DIR (with --x) writes each output that is an image, (height, width, 1, 3 or 4) per sample \
            as a generator or an autoencoder gives, as one PNG per sample: DIR/0.png, DIR/1.png, ... (for \
            several such outputs DIR/NAME-0.png, ...). Values map to black...white from the range the output's \
            activation gives (sigmoid 0...1, tanh -1...1, relu6 0...6), else 0...1, and are clipped; \
            --image-range LOW,HIGH chooses the range (0,255 for a model of raw pixels).
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var arrays: ArrayOptions

    @Argument(help: "A PNG or PGM image of one digit.")
    var image: String?

    @Option(help: "Predict MNIST test image number N (0-based).")
    var index: Int?

    @Option(help: "Predict the first N test images (needs --output), or the first N samples of --x.")
    var first: Int?

    @Option(help: "Where --first writes its N x outputs float32 array (.npy).")
    var output: String?

    @Option(name: .customLong("image"), help: ArgumentHelp("With --x, write each image output as a PNG per sample into this folder.", valueName: "dir"))
    var imageFolder: String?

    @Option(help: ArgumentHelp("The output values --image shows as black and white (default: the activation's range, else 0,1).",
                               valueName: "low,high"))
    var imageRange: String?

    func validate() throws {
        let chosen = [image != nil, index != nil, first != nil && !arrays.given, arrays.given].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("give exactly one of IMAGE, --index N, --first N or --x FILE") }
        if first != nil, !arrays.given, output == nil { throw ValidationError("--first needs --output FILE.npy") }
        if !arrays.targetFiles.isEmpty { throw ValidationError("predict takes no targets (--y)") }
        if let first, first <= 0 { throw ValidationError("--first must be positive") }
        if let index, index < 0 { throw ValidationError("--index must not be negative") }
        if imageFolder != nil, !arrays.given { throw ValidationError("--image writes the outputs of --x FILE.npy; give --x") }
        if let imageRange {
            guard imageFolder != nil else { throw ValidationError("--image-range goes with --image DIR") }
            guard OutputImages.range(imageRange) != nil else { throw ValidationError("--image-range takes LOW,HIGH with LOW below HIGH, found \(imageRange)") }
        }
    }

    func run() throws {
        let loaded = try model.load(inputShapes: arrays.sampleShapes)
        if arrays.given { return try predictArrays(loaded.model) }
        let preprocessing = try model.preprocessing(for: loaded)
        if let image {
            let (picture, inverted) = try DigitImageFile.load(image)
            if inverted { note("note: \(image) looks like a dark digit on light paper; inverted it to MNIST's white on black") }
            show(try loaded.model.predictEach(preprocessing.inputs(picture)), of: loaded.model, title: "\(image):", label: nil)
            return
        }
        let test = try MNIST.loadTest(from: try dataOptions.location())
        if let index {
            guard index < test.count else { throw ToolError.noSuchTestImage(index: index, last: test.count - 1) }
            let one = preprocessing.inputs(test.prefix(index + 1)).suffix(loaded.model.inputSize)
            show(try loaded.model.predictEach(Array(one)), of: loaded.model, title: "test image \(index):", label: Int(test.labels[index]))
            return
        }
        if let first, let output {
            let count = min(first, test.count)
            let samples = preprocessing.inputs(test.prefix(count))
            let model = loaded.model
            let paths = Self.outputPaths(output, names: model.outputNames)
            for (index, values) in try model.predictEach(samples).enumerated() {
                let shape = [count] + model.outputShapes[index]
                try NumpyArray(shape: shape, float32: values).write(to: paths[index])
                print("wrote a \(shape.map(String.init).joined(separator: " x ")) float32 array of \(Self.kind(of: model, output: index)) to \(paths[index])")
            }
        }
    }

    /// `--x`: the model's outputs for the user's samples (the first N with --first), written to --output, and
    /// the first few shown.
    private func predictArrays(_ model: Model) throws {
        if imageFolder != nil { try OutputImages.requireImageOutput(of: model, file: self.model.file) }
        let all = try arrays.samples(for: model, targets: false)
        let samples = first.map { all.slice(0..<min($0, all.count)) } ?? all
        let outputs = try arrays.reading { try model.predictEach(samples) }
        if let output {
            for (index, (path, values)) in zip(Self.outputPaths(output, names: model.outputNames), outputs).enumerated() {
                let shape = [samples.count] + model.outputShapes[index]
                try NumpyArray(shape: shape, float32: values).write(to: path)
                print("wrote a \(shape.map(String.init).joined(separator: " x ")) float32 array of \(Self.kind(of: model, output: index)) to \(path)")
            }
        }
        if let imageFolder {
            try OutputImages(range: imageRange.flatMap(OutputImages.range)).write(outputs, of: model, samples: samples.count, to: imageFolder)
        }
        let shown = min(samples.count, output == nil && imageFolder == nil ? 10 : 3)
        for sample in 0..<shown {
            for (index, values) in outputs.enumerated() {
                let size = model.outputSizes[index]
                let row = Array(values[sample * size..<(sample + 1) * size])
                let name = outputs.count > 1 ? " \(model.outputNames[index])" : ""
                print("sample \(sample)\(name): " + Self.summary(row, of: model, output: index))
            }
        }
        if samples.count > shown { print("... \(describeCount(samples.count - shown)) more" + (output == nil ? " (--output FILE.npy writes them all)" : "")) }
    }

    /// One sample's output in a line: a classifier's three likeliest classes, or the values (the first 8).
    static func summary(_ values: [Float], of model: Model, output: Int) -> String {
        let classifier = values.count > 1 && model.outputShapes[output].count == 1 && model.losses[output].logitsActivation != nil
        if classifier {
            let top = values.indices.sorted { values[$0] > values[$1] }.prefix(3)
            return "class " + top.map { "\($0) (\(fixed(Double(values[$0]))))" }.joined(separator: ", ")
        }
        return values.prefix(8).map { fixed(Double($0)) }.joined(separator: " ") + (values.count > 8 ? " ... (\(values.count) values)" : "")
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
