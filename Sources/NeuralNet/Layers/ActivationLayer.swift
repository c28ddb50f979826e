/// Keras `Activation`: applies an activation to its input, with no weights (`Activation("relu")`).
public final class ActivationLayer: UnaryLayer, ActivatedLayer {
    /// The Keras layer name, e.g. `activation_1`.
    public var name: String
    public let className = "Activation"
    /// Keras passes a mask on through it.
    public var maskHandling: MaskHandling { .passes }
    /// The activation applied.
    public let activation: Activation
    /// Set by the model when it applies a final softmax itself to keep the logits.
    public var activationDeferred = false
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape }

    /// A layer applying `activation`.
    public init(_ activation: Activation, name: String = "activation") {
        self.activation = activation
        self.name = name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard !activation.worksOnRows || !inputShape.isEmpty else {
            throw ModelError.invalidInput(layer: name, reason: "\(activation.rawValue) needs an input with a last axis")
        }
        self.inputShape = inputShape
    }

    /// Softmax and log_softmax work along the last axis, as Keras's do; the other activations value by value.
    private var rows: (count: Int, width: Int) {
        let width = activation.worksOnRows ? inputShape.last ?? 1 : inputSize
        return (inputSize / max(1, width), width)
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        appliedActivation.apply(input, to: output, rows: batch * rows.count, width: rows.width)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        appliedActivation.backward(gradient: outputGradient, into: inputGradient, output: output, input: input,
                                   rows: batch * rows.count, width: rows.width)
    }
}
