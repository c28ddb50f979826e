/// Keras `Masking`: a position (every axis but the last) whose values all equal `maskValue` is masked: its
/// values become 0 and the output carries a mask that is 0 there (see ``MaskHandling``), so that recurrent
/// layers skip the step.
public final class Masking: MaskMakingLayer {
    public var name: String
    public let className = "Masking"
    /// Keras's `mask_value`.
    public let maskValue: Float
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape }
    public var maskHandling: MaskHandling { .makes }

    /// A layer masking the positions whose values are all `maskValue`.
    public init(maskValue: Float = 0, name: String = "masking") {
        self.maskValue = maskValue
        self.name = name
    }

    /// Values per position: the last axis.
    private var width: Int { inputShape.last ?? 1 }
    public var maskLength: Int { inputSize / width }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard !inputShape.isEmpty else {
            throw ModelError.invalidInput(layer: name, reason: "Masking needs an input with at least one axis")
        }
        self.inputShape = inputShape
    }

    public func makeMask(_ input: UnsafePointer<Float>, into mask: UnsafeMutablePointer<Float>, batch: Int) {
        let width = width
        for position in 0..<batch * maskLength {
            let values = input + position * width
            mask[position] = (0..<width).contains { values[$0] != maskValue } ? 1 : 0
        }
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let width = width, mask = scratch.first.reserve(batch * maskLength)
        makeMask(input, into: mask, batch: batch)
        for position in 0..<batch * maskLength {
            let target = output + position * width
            if mask[position] == 0 { target.update(repeating: 0, count: width) } else { target.update(from: input + position * width, count: width) }
        }
    }

    /// The gradient passes at kept positions; masked ones, set to 0, have none.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        let width = width, mask = scratch.first.pointer
        for position in 0..<batch * maskLength {
            let target = inputGradient + position * width
            if mask[position] == 0 { target.update(repeating: 0, count: width) } else {
                target.update(from: outputGradient + position * width, count: width)
            }
        }
    }
}
