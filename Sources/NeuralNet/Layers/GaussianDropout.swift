/// Keras `GaussianDropout`: in training, multiplies each value by noise of mean 1 and standard deviation
/// `sqrt(rate / (1 - rate))`; at inference it passes values through.
public final class GaussianDropout: TrainingNoiseLayer {
    public var name: String
    public let className = "GaussianDropout"
    /// Keras's `rate`.
    public let rate: Float
    public private(set) var inputShape: [Int] = []

    /// A Gaussian dropout layer; `rate` must be in 0..<1 (checked when the model is built).
    public init(rate: Float, name: String = "gaussian_dropout") {
        self.rate = rate
        self.name = name
    }

    public var isActive: Bool { rate > 0 }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try checkDropoutRate(rate, layer: name)
        self.inputShape = inputShape
    }

    public func drawNoise(batch: Int, multipliers: UnsafeMutablePointer<Float>, offsets: UnsafeMutablePointer<Float>,
                          generator: inout SeededGenerator) {
        let count = batch * inputSize, deviation = (rate / (1 - rate)).squareRoot()
        offsets.update(repeating: 0, count: count)
        for i in 0..<count { multipliers[i] = 1 + deviation * generator.nextNormalFloat() }
    }
}
