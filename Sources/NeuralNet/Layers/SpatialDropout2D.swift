/// Keras `SpatialDropout2D`: in training, zeroes whole channels of each image with probability `rate` and
/// scales the others by `1 / (1 - rate)`; at inference it passes values through.
public final class SpatialDropout2D: TrainingNoiseLayer {
    public var name: String
    public let className = "SpatialDropout2D"
    /// Keras's `rate`.
    public let rate: Float
    public private(set) var inputShape: [Int] = []

    /// A spatial dropout layer; `rate` must be in 0..<1 (checked when the model is built).
    public init(rate: Float, name: String = "spatial_dropout2d") {
        self.rate = rate
        self.name = name
    }

    public var isActive: Bool { rate > 0 }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireImageInput(inputShape)
        try checkDropoutRate(rate, layer: name)
        self.inputShape = inputShape
    }

    public func drawNoise(batch: Int, multipliers: UnsafeMutablePointer<Float>, offsets: UnsafeMutablePointer<Float>,
                          generator: inout SeededGenerator) {
        let channels = inputShape[2], pixels = inputShape[0] * inputShape[1], scale = 1 / (1 - rate)
        offsets.update(repeating: 0, count: batch * inputSize)
        for sample in 0..<batch {
            let kept = (0..<channels).map { _ in generator.nextUnitFloat() < 1 - rate ? scale : 0 }
            for pixel in 0..<pixels {
                (multipliers + (sample * pixels + pixel) * channels).update(from: kept, count: channels)
            }
        }
    }
}
