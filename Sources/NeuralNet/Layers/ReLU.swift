/// Keras `ReLU` with its options: values above `threshold` pass (capped at `maxValue` when set), values below
/// it become `negativeSlope * (x - threshold)`, as Keras's `activations.relu` computes them. Like Keras, the
/// layer refuses a negative cap, slope or threshold.
public final class ReLU: ElementwiseLayer {
    public var name: String
    public let className = "ReLU"
    /// Keras's `max_value`: the cap on the output, or nil for none.
    public let maxValue: Float?
    /// Keras's `negative_slope`.
    public let negativeSlope: Float
    /// Keras's `threshold`.
    public let threshold: Float
    public var inputShape: [Int] = []

    /// Keras's defaults: a plain ReLU.
    public init(maxValue: Float? = nil, negativeSlope: Float = 0, threshold: Float = 0, name: String = "re_lu") {
        self.maxValue = maxValue
        self.negativeSlope = negativeSlope
        self.threshold = threshold
        self.name = name
    }

    public func validate() throws {
        if let maxValue, maxValue < 0 { throw ModelError.invalidInput(layer: name, reason: "max_value must not be negative, got \(maxValue)") }
        guard negativeSlope >= 0 else { throw ModelError.invalidInput(layer: name, reason: "negative_slope must not be negative, got \(negativeSlope)") }
        guard threshold >= 0 else { throw ModelError.invalidInput(layer: name, reason: "threshold must not be negative, got \(threshold)") }
    }

    /// Keras's positive part: `x` above the threshold, else 0, then clipped to `[0, maxValue]` when capped.
    private func positivePart(_ x: Float) -> (value: Float, slope: Float) {
        var value: Float = x > threshold ? x : 0
        var slope: Float = x > threshold ? 1 : 0
        if let maxValue {
            if value > maxValue { (value, slope) = (maxValue, 0) } else if value < 0 { (value, slope) = (0, 0) }
        }
        return (value, slope)
    }

    /// The activation the options make the layer, run by its vectorised kernels: relu for Keras's defaults,
    /// relu6 for a cap of 6 alone (MobileNet's); nil for other options.
    var activation: Activation? {
        guard negativeSlope == 0 && threshold == 0 else { return nil }
        switch maxValue {
        case nil: return .relu
        case 6?: return .relu6
        default: return nil
        }
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        guard let activation else { return forwardValueByValue(input, output, batch: batch) }
        activation.apply(input, to: output, rows: batch, width: inputSize)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        guard let activation else {
            return backwardValueByValue(input: input, outputGradient: outputGradient, inputGradient: inputGradient, batch: batch)
        }
        activation.backward(gradient: outputGradient, into: inputGradient, output: output, input: input, rows: batch, width: inputSize)
    }

    public func value(at x: Float) -> Float {
        // Keras's threshold test turns NaN into 0; every other step of its formula keeps NaN.
        if x.isNaN { return threshold != 0 && negativeSlope == 0 ? 0 : x }
        return positivePart(x).value - (x < threshold ? negativeSlope * (threshold - x) : 0)
    }

    public func slope(at x: Float) -> Float {
        positivePart(x).slope + (x < threshold ? negativeSlope : 0)
    }
}
