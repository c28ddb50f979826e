/// A layer that is the identity at inference and in training computes `y = x * multiplier + offset` with
/// random multipliers and offsets (the dropout and noise layers); the backward pass multiplies by the same
/// multipliers. Adopters draw the noise for a batch.
public protocol TrainingNoiseLayer: UnaryLayer {
    /// Whether training changes anything (a rate or a standard deviation above 0).
    var isActive: Bool { get }
    /// Fills `multipliers` and `offsets`, `batch * inputSize` each, for one training batch.
    func drawNoise(batch: Int, multipliers: UnsafeMutablePointer<Float>, offsets: UnsafeMutablePointer<Float>,
                   generator: inout SeededGenerator)
}

extension TrainingNoiseLayer {
    /// The input's shape.
    public var outputShape: [Int] { inputShape }
    /// Keras's dropout and noise layers pass a mask on.
    public var maskHandling: MaskHandling { .passes }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let count = batch * inputSize
        guard mode == .training, isActive else {
            output.update(from: input, count: count)
            return
        }
        let multipliers = scratch.first.reserve(count), offsets = scratch.second.reserve(count)
        drawNoise(batch: batch, multipliers: multipliers, offsets: offsets, generator: &scratch.generator)
        for i in 0..<count { output[i] = input[i] * multipliers[i] + offsets[i] }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        let count = batch * inputSize
        guard isActive else {
            inputGradient.update(from: outputGradient, count: count)
            return
        }
        let multipliers = scratch.first.pointer
        for i in 0..<count { inputGradient[i] = outputGradient[i] * multipliers[i] }
    }
}

/// Refuses a dropout rate outside [0, 1), naming the layer.
func checkDropoutRate(_ rate: Float, layer: String) throws {
    guard rate >= 0, rate < 1 else { throw ModelError.invalidInput(layer: layer, reason: "rate must be in [0, 1), got \(rate)") }
}
