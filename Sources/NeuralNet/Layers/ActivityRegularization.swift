/// Keras `ActivityRegularization`: passes its input through unchanged, and adds
/// `l1 * sum(|x|) + l2 * sum(x²)` over its output, divided by the batch size, to the loss (see
/// ``OutputPenaltyLayer``).
public final class ActivityRegularization: OutputPenaltyLayer, ShapeOnlyLayer {
    public var name: String
    public let className = "ActivityRegularization"
    /// Keras passes a mask on through it.
    public var maskHandling: MaskHandling { .passes }
    /// Keras's `l1`: the weight of the sum of absolute values.
    public let l1: Float
    /// Keras's `l2`: the weight of the sum of squares.
    public let l2: Float
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape }

    /// A layer penalising its values by `l1` and `l2` (both 0, Keras's defaults, penalise nothing).
    public init(l1: Float = 0, l2: Float = 0, name: String = "activity_regularization") {
        self.l1 = l1
        self.l2 = l2
        self.name = name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard l1 >= 0, l2 >= 0, l1.isFinite, l2.isFinite else {
            throw ModelError.invalidInput(layer: name, reason: "l1 and l2 must be finite and not negative, got \(l1) and \(l2)")
        }
        self.inputShape = inputShape
    }

    public func penalty(_ output: UnsafePointer<Float>, batch: Int) -> Double {
        var absolute = 0.0, squares = 0.0
        for i in 0..<batch * inputSize {
            let value = Double(output[i])
            absolute += abs(value)
            squares += value * value
        }
        return Double(l1) * absolute + Double(l2) * squares
    }

    public func addPenaltyGradient(_ output: UnsafePointer<Float>, to outputGradient: UnsafeMutablePointer<Float>, batch: Int,
                                   scale: Float) {
        guard l1 != 0 || l2 != 0 else { return }
        let l1 = scale * self.l1, twiceL2 = 2 * scale * self.l2
        for i in 0..<batch * inputSize {
            let value = output[i]
            // d|x|/dx is taken as sign(x), 0 at 0, as TensorFlow does.
            let sign: Float = value > 0 ? 1 : value < 0 ? -1 : 0
            outputGradient[i] += l1 * sign + twiceL2 * value
        }
    }
}
