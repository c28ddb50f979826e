/// A layer that maps each value on its own, `y = f(x)`, with no weights: the output has the input's shape and
/// the backward pass multiplies the output gradient by `f'(x)`. Adopters give `f` and `f'`.
public protocol ElementwiseLayer: UnaryLayer {
    /// `f(x)`.
    func value(at x: Float) -> Float
    /// `f'(x)`, as TensorFlow takes it at the kinks (0 on the flat side of a ReLU's corner).
    func slope(at x: Float) -> Float
    /// Stores the input shape; set by ``build(inputShape:initializer:)``.
    var inputShape: [Int] { get set }
    /// Refuses settings the layer cannot honour, before the input shape is stored.
    func validate() throws
}

extension ElementwiseLayer {
    /// The input's shape.
    public var outputShape: [Int] { inputShape }
    /// Keras's activation layers and Rescaling pass a mask on.
    public var maskHandling: MaskHandling { .passes }

    /// Nothing to check by default.
    public func validate() throws {}

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try validate()
        self.inputShape = inputShape
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        forwardValueByValue(input, output, batch: batch)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        backwardValueByValue(input: input, outputGradient: outputGradient, inputGradient: inputGradient, batch: batch)
    }

    /// The forward pass through ``value(at:)``, for adopters whose own pass covers only some settings.
    public func forwardValueByValue(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        for index in 0..<batch * inputSize { output[index] = value(at: input[index]) }
    }

    /// The backward pass through ``slope(at:)``.
    public func backwardValueByValue(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                     inputGradient: UnsafeMutablePointer<Float>, batch: Int) {
        for index in 0..<batch * inputSize { inputGradient[index] = outputGradient[index] * slope(at: input[index]) }
    }
}
