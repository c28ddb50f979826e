/// Keras `PReLU`: `x` for positive values, `alpha * x` otherwise, with a learned `alpha` per value of a
/// sample, or shared along `sharedAxes` (Keras's `shared_axes`, counting the batch axis as 0).
public final class PReLU: UnaryLayer {
    public var name: String
    public let className = "PReLU"
    /// Keras passes a mask on through it.
    public var maskHandling: MaskHandling { .passes }
    /// Keras's `shared_axes`: axes along which one alpha serves every position.
    public let sharedAxes: [Int]
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape }
    public private(set) var parameters: [Parameter] = []
    /// For each value of a sample, the index of its alpha.
    private var alphaIndex: [Int32] = []

    /// A PReLU whose alphas start at 0 (Keras's default), shared along `sharedAxes`.
    public init(sharedAxes: [Int] = [], name: String = "p_re_lu") {
        self.sharedAxes = sharedAxes
        self.name = name
    }

    /// The learned slopes.
    public var alpha: Parameter { parameters[0] }
    /// How `alpha` starts when the model is trained from scratch (Keras's `alpha_initializer`).
    public var alphaInitializer = Initializer.zeros

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard sharedAxes.allSatisfy({ (1...inputShape.count).contains($0) }) else {
            throw ModelError.invalidInput(layer: name, reason: "shared_axes \(sharedAxes) must be among the input's axes 1...\(inputShape.count)")
        }
        self.inputShape = inputShape
        let alphaShape = inputShape.enumerated().map { sharedAxes.contains($0.offset + 1) ? 1 : $0.element }
        parameters = [initializer.make(alphaInitializer, name: "alpha", shape: alphaShape)]
        alphaIndex = broadcastIndices(inputShape) { !sharedAxes.contains($0 + 1) }
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let size = inputSize, slopes = alpha.value
        for sample in 0..<batch {
            let x = input + sample * size, y = output + sample * size
            for i in 0..<size { y[i] = x[i] > 0 ? x[i] : slopes[Int(alphaIndex[i])] * x[i] }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        let size = inputSize, slopes = alpha.value, alphaGradient = gradients[0]
        alphaGradient.update(repeating: 0, count: alpha.count)
        for sample in 0..<batch {
            let x = input + sample * size, g = outputGradient + sample * size
            for i in 0..<size where x[i] <= 0 { alphaGradient[Int(alphaIndex[i])] += g[i] * x[i] }
            if let inputGradient {
                let dx = inputGradient + sample * size
                for i in 0..<size { dx[i] = x[i] > 0 ? g[i] : slopes[Int(alphaIndex[i])] * g[i] }
            }
        }
    }
}
