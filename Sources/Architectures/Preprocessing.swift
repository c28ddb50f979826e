import MNIST
import NeuralNet

/// How uint8 MNIST images become a model's inputs: the notebooks' choices, or one derived from a model's input shape.
public struct Preprocessing: Sendable, Equatable, CustomStringConvertible {
    /// Zero pixels added on every side (LeNet-5 pads 28x28 to 32x32).
    public var padding: Int
    /// Each pixel is divided by this: `255` for [0, 1] inputs (as numpy's `x / 255.0`), `1` for raw pixels.
    public var divisor: Float
    /// Whether each image becomes one flat row (the MLP) rather than (height, width, 1).
    public var flatten: Bool
    /// Whether an image that is not flattened keeps its channel axis, (height, width, 1), or is (height, width).
    public var channelAxis: Bool

    /// Pad by `padding` zeros on each side, divide by `divisor`, and flatten or drop the channel axis when asked.
    public init(padding: Int = 0, divisor: Float, flatten: Bool = false, channelAxis: Bool = true) {
        self.padding = padding
        self.divisor = divisor
        self.flatten = flatten
        self.channelAxis = channelAxis
    }

    /// The preprocessing in words, e.g. `pixels / 255, zero-padded by 2`.
    public var description: String {
        var parts = [divisor == 1 ? "raw pixels 0..255" : "pixels / \(formatted(divisor))"]
        if padding > 0 { parts.append("zero-padded by \(padding)") }
        if flatten { parts.append("flattened") } else if !channelAxis { parts.append("without a channel axis") }
        return parts.joined(separator: ", ")
    }

    /// How pixels are scaled, as a user chooses it.
    public enum PixelScale: String, Sendable, CaseIterable {
        /// The notebook's choice for a preset; pixels / 255 for any other model.
        case auto
        /// Raw 0...255 pixels.
        case raw
        /// Pixels / 255.
        case unit
    }

    /// The preprocessing a model needs: its preset's, else the layout its input shape asks for ((28, 28, 1),
    /// (28, 28), (784,) or LeNet-5's padded (32, 32, 1)) with pixels / 255; `pixels` overrides the scaling. `assumed` is
    /// true when the scaling was a guess (no preset, `auto`), which the user should hear about.
    public static func forModel(_ model: Model, preset: Architecture?, pixels: PixelScale) throws
        -> (preprocessing: Preprocessing, assumed: Bool) {
        var result: Preprocessing
        var assumed = false
        if let preset {
            result = preset.preprocessing
        } else {
            switch model.inputShape {
            case [784]: result = Preprocessing(divisor: 255, flatten: true)
            case [28, 28, 1]: result = Preprocessing(divisor: 255)
            case [28, 28]: result = Preprocessing(divisor: 255, channelAxis: false)
            case [32, 32, 1]: result = Preprocessing(padding: 2, divisor: 255)
            default: throw PreprocessingError.inputCannotTakeDigits(model.inputShape)
            }
            assumed = pixels == .auto
        }
        switch pixels {
        case .auto: break
        case .raw: result.divisor = 1
        case .unit: result.divisor = 255
        }
        return (result, assumed)
    }

    /// The per-sample shape this produces from `rows` × `columns` images.
    public func sampleShape(rows: Int, columns: Int) -> [Int] {
        let shape = [rows + 2 * padding, columns + 2 * padding] + (channelAxis ? [1] : [])
        return flatten ? [shape.reduce(1, *)] : shape
    }

    /// The images preprocessed, with each output's targets for `model`: the digit labels as class indices for
    /// an output whose loss takes them, else one-hot over the output's 10 values. Refuses a model with an
    /// output of another width.
    public func samples(_ images: DigitImages, for model: Model) throws -> Samples {
        let targets = try zip(model.losses, zip(model.outputNames, model.outputShapes)).map { loss, output in
            guard output.1 == [10] else {
                throw ModelError.invalidData("output \(output.0) gives \(describeShape(output.1, batch: true)) per sample; "
                                             + "MNIST's labels need (None, 10)")
            }
            return loss.takesClassIndices ? images.labels.map(Float.init)
                : images.labels.flatMap { label in (0..<10).map { $0 == Int(label) ? Float(1) : 0 } }
        }
        return try Samples(count: images.count, inputs: [inputs(images)], targets: targets)
    }

    /// Every image preprocessed, one after another.
    public func inputs(_ images: DigitImages) -> [Float] {
        let outRows = images.rows + 2 * padding
        let outColumns = images.columns + 2 * padding
        let inSize = images.rows * images.columns
        let outSize = outRows * outColumns
        var samples = [Float](repeating: 0, count: images.count * outSize)
        images.pixels.withUnsafeBufferPointer { pixels in
            samples.withUnsafeMutableBufferPointer { out in
                for image in 0..<images.count {
                    for row in 0..<images.rows {
                        let source = image * inSize + row * images.columns
                        let target = image * outSize + (row + padding) * outColumns + padding
                        for column in 0..<images.columns {
                            // Division, not multiplication by 1/255, to match numpy's x / 255.0 exactly.
                            out[target + column] = Float(pixels[source + column]) / divisor
                        }
                    }
                }
            }
        }
        return samples
    }
}

private func formatted(_ value: Float) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}

/// A model whose input MNIST's images cannot fill.
public enum PreprocessingError: Error, Equatable, CustomStringConvertible {
    case inputCannotTakeDigits([Int])

    public var description: String {
        switch self {
        case .inputCannotTakeDigits(let shape):
            return "the model takes input \(describeShape(shape, batch: true)), which MNIST's 28x28 images cannot fill"
        }
    }
}
