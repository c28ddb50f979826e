/// Keras `GaussianNoise`: in training, adds noise of mean 0 and standard deviation `stddev`; at inference it
/// passes values through.
public final class GaussianNoise: TrainingNoiseLayer {
    public var name: String
    public let className = "GaussianNoise"
    /// Keras's `stddev`.
    public let standardDeviation: Float
    public private(set) var inputShape: [Int] = []

    /// A noise layer; the standard deviation must not be negative (checked when the model is built).
    public init(standardDeviation: Float, name: String = "gaussian_noise") {
        self.standardDeviation = standardDeviation
        self.name = name
    }

    public var isActive: Bool { standardDeviation > 0 }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard standardDeviation >= 0 else { throw ModelError.invalidInput(layer: name, reason: "stddev must not be negative, got \(standardDeviation)") }
        self.inputShape = inputShape
    }

    public func drawNoise(batch: Int, multipliers: UnsafeMutablePointer<Float>, offsets: UnsafeMutablePointer<Float>,
                          generator: inout SeededGenerator) {
        let count = batch * inputSize
        multipliers.update(repeating: 1, count: count)
        for i in 0..<count { offsets[i] = standardDeviation * generator.nextNormalFloat() }
    }
}
