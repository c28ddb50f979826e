/// Keras `Permute`: reorders the axes of each sample; `dims` lists, for each output axis, the input axis it
/// takes (counted from 1, as Keras counts them, the batch axis being 0).
public final class Permute: UnaryLayer {
    public var name: String
    public let className = "Permute"
    /// Keras's `dims`.
    public let dims: [Int]
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []
    /// For each output axis, the distance in the input between neighbours along it.
    private var inputStrides: [Int] = []

    /// A layer reordering the axes as `dims` says.
    public init(_ dims: [Int], name: String = "permute") {
        self.dims = dims
        self.name = name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard dims.sorted() == Array(1...max(1, inputShape.count)), dims.count == inputShape.count else {
            throw ModelError.invalidInput(layer: name, reason: "dims \(dims) is not a permutation of the input's axes 1...\(inputShape.count)")
        }
        var strides = [Int](repeating: 1, count: inputShape.count)
        for axis in stride(from: inputShape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * inputShape[axis + 1] }
        self.inputShape = inputShape
        outputShape = dims.map { inputShape[$0 - 1] }
        inputStrides = dims.map { strides[$0 - 1] }
    }

    /// Calls `body(outputIndex, inputIndex)` for every value of one sample.
    private func forEachPair(_ body: (Int, Int) -> Void) {
        var position = [Int](repeating: 0, count: outputShape.count)
        var inputIndex = 0
        for outputIndex in 0..<inputSize {
            body(outputIndex, inputIndex)
            var axis = outputShape.count - 1
            while axis >= 0 {
                position[axis] += 1
                inputIndex += inputStrides[axis]
                if position[axis] < outputShape[axis] { break }
                inputIndex -= position[axis] * inputStrides[axis]
                position[axis] = 0
                axis -= 1
            }
        }
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let size = inputSize
        forEachPair { to, from in
            for sample in 0..<batch { output[sample * size + to] = input[sample * size + from] }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        let size = inputSize
        forEachPair { from, to in
            for sample in 0..<batch { inputGradient[sample * size + to] = outputGradient[sample * size + from] }
        }
    }
}
