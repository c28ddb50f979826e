/// Keras `UpSampling1D`: each step of a (steps, features) input repeated `size` times.
public final class UpSampling1D: UnaryLayer {
    public var name: String
    public let className = "UpSampling1D"
    /// Keras's `size`: copies of each step.
    public let size: Int
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []

    /// A layer that repeats each step `size` times.
    public init(size: Int = 2, name: String = "up_sampling1d") {
        self.size = size
        self.name = name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard inputShape.count == 2 else {
            throw ModelError.invalidInput(layer: name, reason: "UpSampling1D needs (steps, features) input, got \(describeShape(inputShape, batch: true))")
        }
        try requireSize(size, "size")
        try requireSize(inputShape[0] * size, "output steps")
        self.inputShape = inputShape
        outputShape = [inputShape[0] * size, inputShape[1]]
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        RowRepetition.forward(input, output, rows: batch * inputShape[0], width: inputShape[1], copies: size)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        RowRepetition.backward(outputGradient, inputGradient, rows: batch * inputShape[0], width: inputShape[1], copies: size)
    }
}
