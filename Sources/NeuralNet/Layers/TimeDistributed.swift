/// Keras `TimeDistributed`: one layer applied to every step of a (steps, ...) input, the same weights at
/// each step. A sample's steps lie one after another, so the wrapped layer runs once over `batch * steps`
/// samples of the step's shape.
///
/// Layers whose training does more than a forward and a backward pass are refused: BatchNormalization
/// (Keras 3 normalises each step over the batch alone, and its moving statistics are the model's to
/// update) and ActivityRegularization (its penalty is the model's to add).
public final class TimeDistributed: UnaryLayer {
    public var name: String
    public let className = "TimeDistributed"
    /// The layer applied at each step.
    public let layer: any UnaryLayer
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []

    /// `layer` applied to each step of its input.
    public init(_ layer: any UnaryLayer, name: String = "time_distributed") {
        self.layer = layer
        self.name = name
    }

    /// The number of steps.
    private var steps: Int { inputShape.first ?? 0 }

    public var parameters: [Parameter] { layer.parameters }
    public var state: [Parameter] { layer.state }
    public var forwardFlops: Double { layer.forwardFlops * Double(steps) }
    /// Keras passes a mask on through it; a wrapped layer that would read or make one at each step is not
    /// supported.
    public var maskHandling: MaskHandling { [.ends, .passes].contains(layer.maskHandling) ? .passes : .unsupported }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard inputShape.count >= 2 else {
            throw ModelError.invalidInput(layer: name, reason: "TimeDistributed needs (steps, ...) input with at least one axis after the steps, got \(describeShape(inputShape, batch: true))")
        }
        if layer is BatchStatisticsLayer || layer is OutputPenaltyLayer {
            throw ModelError.invalidInput(layer: name, reason: "TimeDistributed over \(layer.className) is not supported (its training is more than a pass per step)")
        }
        try layer.build(inputShape: Array(inputShape.dropFirst()), initializer: &initializer)
        try requireSize(inputShape[0] * layer.outputSize, "output size")
        self.inputShape = inputShape
        outputShape = [inputShape[0]] + layer.outputShape
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        layer.forward(input, output, batch: batch * steps, mode: mode, scratch: scratch)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        layer.backward(input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                       batch: batch * steps, scratch: scratch, gradients: gradients)
    }

    public func prepareInference(samples: Int) { layer.prepareInference(samples: samples * steps) }
    public func finishInference() { layer.finishInference() }
}
