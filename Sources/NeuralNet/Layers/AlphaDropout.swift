/// Keras `AlphaDropout`: in training, sets each value with probability `rate` to SELU's negative limit and
/// rescales so that the mean and variance stay those of the input (`a (x keep + alpha' (1 - keep)) + b`, with
/// Keras's `a` and `b`); at inference it passes values through.
public final class AlphaDropout: TrainingNoiseLayer {
    public var name: String
    public let className = "AlphaDropout"
    /// Keras's `rate`.
    public let rate: Float
    public private(set) var inputShape: [Int] = []

    /// An alpha dropout layer; `rate` must be in 0..<1 (checked when the model is built).
    public init(rate: Float, name: String = "alpha_dropout") {
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
        // SELU's negative saturation, -scale * alpha.
        let alpha: Float = -1.6732632423543772 * 1.0507009873554805
        let a = 1 / ((1 - rate) * (1 + rate * alpha * alpha)).squareRoot()
        let b = -a * alpha * rate
        for i in 0..<batch * inputSize {
            let kept = generator.nextUnitFloat() >= rate
            multipliers[i] = kept ? a : 0
            offsets[i] = kept ? b : a * alpha + b
        }
    }
}
