import CKernels

/// Keras `Dropout`: in training, zeroes each value with probability `rate` and scales the rest by
/// `1 / (1 - rate)` (inverted dropout); at inference it passes values through.
public final class Dropout: UnaryLayer {
    public var name: String
    public let className = "Dropout"
    /// Keras passes a mask on through it.
    public var maskHandling: MaskHandling { .passes }
    /// Keras's `rate`: the fraction of inputs zeroed in training.
    public let rate: Float
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape }

    /// A dropout layer; `rate` must be in 0..<1 (checked when the model is built).
    public init(rate: Float, name: String = "dropout") {
        self.rate = rate
        self.name = name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try checkDropoutRate(rate, layer: name)
        self.inputShape = inputShape
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let count = batch * inputSize
        guard mode == .training, rate > 0 else {
            output.update(from: input, count: count)
            return
        }
        let keep = 1 - rate
        let scale = 1 / keep
        let mask = scratch.first.reserve(count)
        for i in 0..<count { mask[i] = scratch.generator.nextUnitFloat() < keep ? scale : 0 }
        ck_multiply(output, input, mask, count)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        let count = batch * inputSize
        guard rate > 0 else {
            inputGradient.update(from: outputGradient, count: count)
            return
        }
        ck_multiply(inputGradient, outputGradient, scratch.first.pointer, count)
    }
}
