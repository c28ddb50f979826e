/// Keras `UpSampling2D` (channels_last): each image `size` times larger, by repeating rows and columns
/// (`nearest`) or by bilinear interpolation as TensorFlow's `resize` computes it (`bilinear`: half-pixel
/// centres, source coordinates clamped to the image).
public final class UpSampling2D: UnaryLayer {
    /// How output pixels take their values.
    public enum Interpolation: String, Sendable, CaseIterable {
        /// Each input pixel repeated over a `size` block.
        case nearest
        /// A weighted mean of the four nearest input pixels.
        case bilinear
    }

    public var name: String
    public let className = "UpSampling2D"
    /// Keras's `size`: the factor along the height and along the width.
    public let size: (height: Int, width: Int)
    /// Keras's `interpolation`.
    public let interpolation: Interpolation
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []
    /// Per output row, then per output column: the two input indices it reads and the second one's weight.
    private var rowTaps: [Tap] = [], columnTaps: [Tap] = []

    /// Where one output row or column reads along its axis.
    private struct Tap {
        let lower: Int, upper: Int, weight: Float
    }

    /// A layer that enlarges each image by `size`.
    public init(size: (Int, Int) = (2, 2), interpolation: Interpolation = .nearest, name: String = "up_sampling2d") {
        self.size = (size.0, size.1)
        self.interpolation = interpolation
        self.name = name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireImageInput(inputShape)
        try requireSize(size.height, "size along the height")
        try requireSize(size.width, "size along the width")
        let (height, width) = (inputShape[0], inputShape[1])
        try requireSize(height * size.height, "output height")
        try requireSize(width * size.width, "output width")
        self.inputShape = inputShape
        outputShape = [height * size.height, width * size.width, inputShape[2]]
        rowTaps = Self.taps(input: height, factor: size.height, interpolation)
        columnTaps = Self.taps(input: width, factor: size.width, interpolation)
    }

    /// TensorFlow's interpolation along one axis: output index i reads source coordinate (i + 0.5) / factor
    /// - 0.5 (bilinear) or input index i / factor (nearest).
    private static func taps(input: Int, factor: Int, _ interpolation: Interpolation) -> [Tap] {
        (0..<input * factor).map { index in
            guard interpolation == .bilinear else { return Tap(lower: index / factor, upper: index / factor, weight: 0) }
            let source = (Float(index) + 0.5) / Float(factor) - 0.5
            let floor = source.rounded(.down)
            return Tap(lower: max(Int(floor), 0), upper: min(Int(source.rounded(.up)), input - 1), weight: source - floor)
        }
    }

    /// Where in an image of `width` columns and `channels` channels the four input pixels lie that the output
    /// pixel of taps `row` and `column` interpolates between: a (lower row, lower column), b (lower, upper),
    /// c (upper, lower), d (upper, upper); nearest neighbour takes a.
    private static func corners(_ row: Tap, _ column: Tap, width: Int, channels: Int) -> (a: Int, b: Int, c: Int, d: Int) {
        ((row.lower * width + column.lower) * channels, (row.lower * width + column.upper) * channels,
         (row.upper * width + column.lower) * channels, (row.upper * width + column.upper) * channels)
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let (width, channels) = (inputShape[1], inputShape[2])
        let imageSize = inputSize, outputSize = self.outputSize
        for sample in 0..<batch {
            let image = input + sample * imageSize
            var out = output + sample * outputSize
            guard interpolation == .bilinear else {
                for row in rowTaps {
                    for column in columnTaps {
                        out.update(from: image + Self.corners(row, column, width: width, channels: channels).a, count: channels)
                        out += channels
                    }
                }
                continue
            }
            for row in rowTaps {
                for column in columnTaps {
                    let corner = Self.corners(row, column, width: width, channels: channels)
                    let (a, b, c, d) = (image + corner.a, image + corner.b, image + corner.c, image + corner.d)
                    for channel in 0..<channels {
                        // TensorFlow's order: along the row first, then between the rows.
                        let top = a[channel] + (b[channel] - a[channel]) * column.weight
                        let bottom = c[channel] + (d[channel] - c[channel]) * column.weight
                        out[channel] = top + (bottom - top) * row.weight
                    }
                    out += channels
                }
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        let (width, channels) = (inputShape[1], inputShape[2])
        let imageSize = inputSize, outputSize = self.outputSize
        inputGradient.update(repeating: 0, count: batch * imageSize)
        for sample in 0..<batch {
            let image = inputGradient + sample * imageSize
            var gradient = UnsafePointer(outputGradient + sample * outputSize)
            guard interpolation == .bilinear else {
                for row in rowTaps {
                    for column in columnTaps {
                        let sum = image + Self.corners(row, column, width: width, channels: channels).a
                        for channel in 0..<channels { sum[channel] += gradient[channel] }
                        gradient += channels
                    }
                }
                continue
            }
            for row in rowTaps {
                for column in columnTaps {
                    let corner = Self.corners(row, column, width: width, channels: channels)
                    let (a, b, c, d) = (image + corner.a, image + corner.b, image + corner.c, image + corner.d)
                    let (wa, wb) = ((1 - row.weight) * (1 - column.weight), (1 - row.weight) * column.weight)
                    let (wc, wd) = (row.weight * (1 - column.weight), row.weight * column.weight)
                    for channel in 0..<channels {
                        let g = gradient[channel]
                        a[channel] += g * wa
                        b[channel] += g * wb
                        c[channel] += g * wc
                        d[channel] += g * wd
                    }
                    gradient += channels
                }
            }
        }
    }
}
