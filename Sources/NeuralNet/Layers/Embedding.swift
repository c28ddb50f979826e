/// Keras `Embedding`: each value of the input, an index from 0 to `inputDimension - 1` (or from
/// `-inputDimension`, counted from the end), replaced by its row of the `(inputDimension, outputDimension)`
/// embeddings matrix; an input of shape `(s...)` gives `(s..., outputDimension)`.
///
/// The indices are the model's data (an integer input, checked against the range before any pass, see
/// ``Model/check(_:targets:)``); one that is not in the range, as a value computed by another layer may be,
/// gives a row of NaN. With Keras's `mask_zero`, index 0 is padding: the output carries a mask that is 0
/// where the input is 0 (see ``MaskHandling``).
///
/// Keras hands the optimizer the table's gradient as one slice per lookup, and Adam, Nadam and RMSprop square
/// the slices before they are summed: the table keeps those sums (``Parameter/lookupGradientSquares``) for them.
public final class Embedding: MaskMakingLayer {
    public var name: String
    public let className = "Embedding"
    /// Keras's `input_dim`: the number of rows, one per index.
    public let inputDimension: Int
    /// Keras's `output_dim`: the values per row.
    public let outputDimension: Int
    /// How the embeddings are first drawn, when the model is not loaded (Keras's default: uniform in ±0.05).
    public var embeddingsInitializer = Initializer.randomUniform(minimum: -0.05, maximum: 0.05)
    /// Keras's `mask_zero`: index 0 marks padding, masked in the output.
    public var maskZero = false
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape + [outputDimension] }
    public private(set) var parameters: [Parameter] = []

    /// A layer of `inputDimension` rows of `outputDimension` values; its matrix is created when the model is built.
    public init(inputDimension: Int, outputDimension: Int, name: String = "embedding") {
        self.inputDimension = inputDimension
        self.outputDimension = outputDimension
        self.name = name
    }

    /// Makes a mask with `mask_zero`, else ends any mask (Keras's `supports_masking` is `mask_zero`).
    public var maskHandling: MaskHandling { maskZero ? .makes : .ends }
    /// One mask value per index.
    public var maskLength: Int { inputSize }

    /// 0 where the index is 0, 1 elsewhere.
    public func makeMask(_ input: UnsafePointer<Float>, into mask: UnsafeMutablePointer<Float>, batch: Int) {
        for position in 0..<batch * inputSize { mask[position] = input[position] == 0 ? 0 : 1 }
    }

    /// The `(inputDimension, outputDimension)` matrix.
    public var embeddings: Parameter { parameters[0] }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireSize(inputDimension, "input_dim")
        try requireSize(outputDimension, "output_dim")
        try requireSize(inputShape.reduce(1, *) * outputDimension, "output size")
        try initializer.reserveKernel([inputDimension, outputDimension], layer: name)
        self.inputShape = inputShape
        parameters = [initializer.make(embeddingsInitializer, name: "embeddings", shape: [inputDimension, outputDimension])]
        embeddings.keepLookupGradientSquares()
    }

    /// The row of `value` (truncated to a whole number, as Keras casts a float input; a negative one counted
    /// from the end, as Keras 3 takes it), or nil for a value that is no index of the matrix.
    func row(_ value: Float) -> Int? {
        let index = value.rounded(.towardZero), rows = Float(inputDimension)
        guard index >= -rows, index < rows else { return nil }
        return Int(index < 0 ? index + rows : index)
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let width = outputDimension, table = UnsafePointer(embeddings.value)
        for position in 0..<batch * inputSize {
            let destination = output + position * width
            if let row = row(input[position]) { destination.update(from: table + row * width, count: width) } else {
                destination.update(repeating: .nan, count: width)
            }
        }
    }

    /// The embeddings' gradient sums the output gradient of each position into its index's row, and the
    /// squares of those slices into this pass's part of the table's lookup squares (kept in `scratch`, see
    /// ``lookupSquares(in:)``); the indices have no gradient (zeros, as Keras gives an integer input none).
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        let width = outputDimension, gradient = gradients[0], squares = scratch.first.reserve(embeddings.count)
        gradient.update(repeating: 0, count: embeddings.count)
        squares.update(repeating: 0, count: embeddings.count)
        for position in 0..<batch * inputSize {
            guard let row = row(input[position]) else { continue }
            let source = outputGradient + position * width
            for j in 0..<width {
                gradient[row * width + j] += source[j]
                squares[row * width + j] += source[j] * source[j]
            }
        }
        inputGradient?.update(repeating: 0, count: batch * inputSize)
    }

    /// The squared gradient slices the last backward pass run with `scratch` summed per table value: its
    /// part of ``Parameter/lookupGradientSquares``, which the model adds up over the workers.
    func lookupSquares(in scratch: LayerScratch) -> UnsafePointer<Float> { UnsafePointer(scratch.first.pointer) }
}
