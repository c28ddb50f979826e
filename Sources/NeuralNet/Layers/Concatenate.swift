/// Keras `Concatenate`: joins its inputs along one axis (the last by default); the other axes must agree.
public final class Concatenate: Layer {
    public var name: String
    public let className = "Concatenate"
    /// Along the last axis, joins its inputs' masks; along another, Keras concatenates the masks too, which
    /// is not supported here.
    public var maskHandling: MaskHandling { axis == -1 || axis == outputShape.count ? .joins : .unsupported }
    /// Keras's `axis`, counting the batch axis as 0 (negative counts from the end).
    public let axis: Int
    public private(set) var inputShapes: [[Int]] = []
    public private(set) var outputShape: [Int] = []
    /// Each sample is `outer` blocks; input `i` gives `blockSizes[i]` values to each.
    private var outer = 1
    private var blockSizes: [Int] = []

    /// A concatenation along `axis` (Keras's default, -1, is the last).
    public init(axis: Int = -1, name: String = "concatenate") {
        self.axis = axis
        self.name = name
    }

    public func build(inputShapes: [[Int]], initializer: inout ParameterInitializer) throws {
        guard inputShapes.count >= 2, let first = inputShapes.first else {
            throw ModelError.invalidInput(layer: name, reason: "Concatenate takes two or more inputs, given \(inputShapes.count)")
        }
        let rank = first.count + 1
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 1, resolved < rank else {
            throw ModelError.invalidInput(layer: name, reason: "axis \(axis) is outside the inputs' axes 1...\(rank - 1) (or -1...-\(rank - 1))")
        }
        let dimension = resolved - 1
        func withoutAxis(_ shape: [Int]) -> [Int] { shape.enumerated().filter { $0.offset != dimension }.map(\.element) }
        guard inputShapes.allSatisfy({ $0.count == first.count && withoutAxis($0) == withoutAxis(first) }) else {
            throw ModelError.invalidInput(layer: name, reason: "Concatenate along axis \(axis) needs inputs that agree elsewhere, given \(inputShapes.map { describeShape($0, batch: true) }.joined(separator: " and "))")
        }
        self.inputShapes = inputShapes
        outputShape = first
        outputShape[dimension] = inputShapes.reduce(0) { $0 + $1[dimension] }
        outer = first[..<dimension].reduce(1, *)
        blockSizes = inputShapes.map { $0[dimension...].reduce(1, *) }
    }

    private var outputBlock: Int { blockSizes.reduce(0, +) }

    public func forward(_ inputs: LayerInputs, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        var offset = 0
        for (index, block) in blockSizes.enumerated() {
            for row in 0..<batch * outer {
                (output + row * outputBlock + offset).update(from: inputs[index] + row * block, count: block)
            }
            offset += block
        }
    }

    public func backward(_ inputs: LayerInputs, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradients: LayerInputGradients, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        var offset = 0
        for (index, block) in blockSizes.enumerated() {
            if let gradient = inputGradients[index] {
                for row in 0..<batch * outer {
                    (gradient + row * block).update(from: outputGradient + row * outputBlock + offset, count: block)
                }
            }
            offset += block
        }
    }
}
