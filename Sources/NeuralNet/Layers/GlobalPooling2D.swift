/// Keras `GlobalAveragePooling2D` and `GlobalMaxPooling2D` (channels_last): each channel's mean or maximum
/// over the whole image, shaped `(channels)` or, with `keepdims`, `(1, 1, channels)`.
///
/// The maximum's gradient is shared equally between tied values, as TensorFlow's `reduce_max` shares it.
public final class GlobalPooling2D: UnaryLayer {
    /// Which Keras class: the mean or the maximum of each channel.
    public enum Kind: Sendable { case average, max }

    public var name: String
    /// Average or maximum.
    public let kind: Kind
    public var className: String { kind == .max ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D" }
    /// Keras's `keepdims`: keep the two spatial axes, of size 1.
    public let keepDimensions: Bool
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] {
        let channels = inputShape.last ?? 0
        return keepDimensions ? [1, 1, channels] : [channels]
    }

    /// A global pooling layer of `kind`.
    public init(_ kind: Kind, keepDimensions: Bool = false, name: String? = nil) {
        self.kind = kind
        self.keepDimensions = keepDimensions
        self.name = name ?? (kind == .max ? "global_max_pooling2d" : "global_average_pooling2d")
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireImageInput(inputShape)
        self.inputShape = inputShape
    }

    private var pixels: Int { inputShape[0] * inputShape[1] }
    private var channels: Int { inputShape[2] }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        for sample in 0..<batch {
            let image = input + sample * pixels * channels
            let result = output + sample * channels
            result.update(from: image, count: channels)
            for pixel in 1..<max(1, pixels) {
                let row = image + pixel * channels
                switch kind {
                case .average: for c in 0..<channels { result[c] += row[c] }
                case .max: for c in 0..<channels { result[c] = max(result[c], row[c]) }
                }
            }
            if kind == .average {
                let scale = 1 / Float(pixels)
                for c in 0..<channels { result[c] *= scale }
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        for sample in 0..<batch {
            let image = input + sample * pixels * channels
            let gradient = inputGradient + sample * pixels * channels
            let incoming = outputGradient + sample * channels
            let result = output + sample * channels
            switch kind {
            case .average:
                let scale = 1 / Float(pixels)
                for pixel in 0..<pixels {
                    for c in 0..<channels { gradient[pixel * channels + c] = incoming[c] * scale }
                }
            case .max:
                for c in 0..<channels {
                    var ties = 0
                    for pixel in 0..<pixels where image[pixel * channels + c] == result[c] { ties += 1 }
                    let share = incoming[c] / Float(max(1, ties))
                    for pixel in 0..<pixels {
                        gradient[pixel * channels + c] = image[pixel * channels + c] == result[c] ? share : 0
                    }
                }
            }
        }
    }
}
