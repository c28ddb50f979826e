import Foundation

/// Keras `Softmax`: exponentials normalised to sum 1 along one axis of each sample (the last by default).
public final class Softmax: UnaryLayer, ActivatedLayer {
    public var name: String
    public let className = "Softmax"
    /// Keras's Softmax adds a mask to its logits, which is not supported here.
    public var maskHandling: MaskHandling { .unsupported }
    /// Keras's `axis`, counting the batch axis as 0 (negative counts from the end).
    public let axis: Int
    /// Set by the model when it applies a final softmax itself to keep the logits.
    public var activationDeferred = false
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape }
    /// The softmax's layout in a sample: `outer` groups of `length` values `stride` apart, `stride` per group.
    private var layout = (outer: 1, length: 1, stride: 1)

    /// A softmax along `axis` (Keras's default, -1, is the last).
    public init(axis: Int = -1, name: String = "softmax") {
        self.axis = axis
        self.name = name
    }

    /// `.softmax` when each sample is one normalised row (the model may then hand the logits to the loss), else
    /// `.linear`.
    public var activation: Activation { layout.stride == 1 && layout.outer == 1 ? .softmax : .linear }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        let rank = inputShape.count + 1
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 1, resolved < rank else {
            throw ModelError.invalidInput(layer: name, reason: "axis \(axis) is outside the input's axes 1...\(rank - 1) (or -1...-\(rank - 1))")
        }
        self.inputShape = inputShape
        let dimension = resolved - 1
        layout = (inputShape[..<dimension].reduce(1, *), inputShape[dimension], inputShape[(dimension + 1)...].reduce(1, *))
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        if !activationDeferred && layout.stride == 1 {
            return Activation.softmax.apply(input, to: output, rows: batch * layout.outer, width: layout.length)
        }
        output.update(from: input, count: batch * inputSize)
        if activationDeferred { return }
        forEachLine(batch) { first, step in
            var largest = -Float.infinity
            for i in 0..<layout.length { largest = max(largest, output[first + i * step]) }
            var sum: Float = 0
            for i in 0..<layout.length {
                let e = exp(output[first + i * step] - largest)
                output[first + i * step] = e
                sum += e
            }
            for i in 0..<layout.length { output[first + i * step] /= sum }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        if !activationDeferred && layout.stride == 1 {
            return Activation.softmax.backward(gradient: outputGradient, into: inputGradient, output: output, input: nil,
                                               rows: batch * layout.outer, width: layout.length)
        }
        if !activationDeferred {
            // dx_i = y_i (g_i - Σ_j g_j y_j) along each line.
            forEachLine(batch) { first, step in
                var dot: Float = 0
                for i in 0..<layout.length { dot += outputGradient[first + i * step] * output[first + i * step] }
                for i in 0..<layout.length {
                    outputGradient[first + i * step] = output[first + i * step] * (outputGradient[first + i * step] - dot)
                }
            }
        }
        inputGradient.update(from: outputGradient, count: batch * inputSize)
    }

    /// Calls `body` with the index of each normalised line's first value and the distance between its values.
    private func forEachLine(_ batch: Int, _ body: (Int, Int) -> Void) {
        for group in 0..<batch * layout.outer {
            for offset in 0..<layout.stride { body(group * layout.length * layout.stride + offset, layout.stride) }
        }
    }
}
