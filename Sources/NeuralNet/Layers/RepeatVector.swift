/// Keras `RepeatVector`: a (features) input repeated `n` times into (n, features).
public final class RepeatVector: UnaryLayer {
    public var name: String
    public let className = "RepeatVector"
    /// Keras's `n`: copies of the input.
    public let n: Int
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []

    /// A layer that repeats its input `n` times.
    public init(_ n: Int, name: String = "repeat_vector") {
        self.n = n
        self.name = name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard inputShape.count == 1 else {
            throw ModelError.invalidInput(layer: name, reason: "RepeatVector needs (features) input, got \(describeShape(inputShape, batch: true))")
        }
        try requireSize(n, "n")
        try requireSize(n * inputShape[0], "output size")
        self.inputShape = inputShape
        outputShape = [n, inputShape[0]]
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        RowRepetition.forward(input, output, rows: batch, width: inputShape[0], copies: n)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        RowRepetition.backward(outputGradient, inputGradient, rows: batch, width: inputShape[0], copies: n)
    }
}
