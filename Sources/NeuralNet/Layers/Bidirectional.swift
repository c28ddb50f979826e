/// Keras `Bidirectional`: two recurrent layers over the same input, one running forwards and one backwards,
/// their outputs merged. Keras names them `forward_<layer>` and `backward_<layer>`. With `return_sequences`
/// the backward layer's states, which come in the order its steps ran, are reversed first, so that each
/// step's merge joins the two layers' states for the same input step. Both read the input's mask; as Keras
/// does, each outputs zeros at masked steps when it returns sequences (`zero_output_for_mask`).
public final class Bidirectional: UnaryLayer {
    /// Keras's `merge_mode` (Keras's `None`, two outputs, is not supported).
    public enum MergeMode: String, CaseIterable, Sendable {
        /// The forward states, then the backward ones.
        case concat
        /// Their sum, product or mean.
        case sum, mul, ave
    }

    public var name: String
    public let className = "Bidirectional"
    /// The layer whose steps run forwards, and the one whose steps run backwards (their `go_backwards` differ).
    public let forwardLayer: RecurrentLayer, backwardLayer: RecurrentLayer
    /// How the two outputs are joined.
    public let mergeMode: MergeMode
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []

    /// `forwardLayer` and `backwardLayer` over the same input, merged by `mergeMode`. As Keras does, the
    /// forward layer is named `forward_<its name>`, and the backward one `backward_<its name>` when the two
    /// had the same name.
    public init(_ forwardLayer: RecurrentLayer, backwardLayer: RecurrentLayer, mergeMode: MergeMode = .concat,
                name: String = "bidirectional") {
        func unprefixed(_ name: String, _ prefix: String) -> String { name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name }
        if backwardLayer.name == forwardLayer.name { backwardLayer.name = "backward_" + unprefixed(backwardLayer.name, "backward_") }
        forwardLayer.name = "forward_" + unprefixed(forwardLayer.name, "forward_")
        for layer in [forwardLayer, backwardLayer] { layer.zeroOutputForMask = layer.returnSequences }
        self.forwardLayer = forwardLayer
        self.backwardLayer = backwardLayer
        self.mergeMode = mergeMode
        self.name = name
    }

    public var parameters: [Parameter] { forwardLayer.parameters + backwardLayer.parameters }
    public var forwardFlops: Double { forwardLayer.forwardFlops + backwardLayer.forwardFlops }
    public var maskHandling: MaskHandling { forwardLayer.maskHandling }

    public func prepareInference(samples: Int) { [forwardLayer, backwardLayer].forEach { $0.prepareInference(samples: samples) } }
    public func finishInference() { [forwardLayer, backwardLayer].forEach { $0.finishInference() } }

    /// Output positions per sample: every step, or one.
    private var positions: Int { forwardLayer.returnSequences ? inputShape[0] : 1 }
    /// Each layer's values per position.
    private var forwardWidth: Int { forwardLayer.units }
    private var backwardWidth: Int { backwardLayer.units }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard forwardLayer.goBackwards != backwardLayer.goBackwards else {
            throw ModelError.invalidInput(layer: name, reason: "the forward and backward layers must differ in go_backwards")
        }
        guard !forwardLayer.returnState && !backwardLayer.returnState else {
            throw ModelError.invalidInput(layer: name, reason: "Bidirectional with return_state is not supported")
        }
        guard forwardLayer.returnSequences == backwardLayer.returnSequences else {
            throw ModelError.invalidInput(layer: name, reason: "the forward and backward layers must agree in return_sequences")
        }
        guard mergeMode == .concat || forwardLayer.units == backwardLayer.units else {
            throw ModelError.invalidInput(layer: name, reason: "merge_mode \(mergeMode.rawValue) needs layers of as many units, found \(forwardLayer.units) and \(backwardLayer.units)")
        }
        try forwardLayer.build(inputShape: inputShape, initializer: &initializer)
        try backwardLayer.build(inputShape: inputShape, initializer: &initializer)
        self.inputShape = inputShape
        let width = mergeMode == .concat ? forwardWidth + backwardWidth : forwardWidth
        outputShape = forwardLayer.outputShape.dropLast() + [width]
    }

    /// Hands the input's mask to the two layers.
    private func shareMask(_ scratch: LayerScratch) {
        for index in 0..<2 { scratch.nested(index).inputMask = scratch.inputMask }
    }

    /// The backward layer's position whose state merges with the forward layer's `position`.
    private func backwardPosition(_ position: Int) -> Int { forwardLayer.returnSequences ? positions - 1 - position : position }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let forwardOutput = scratch.first.reserve(batch * positions * (forwardWidth + backwardWidth))
        let backwardOutput = forwardOutput + batch * positions * forwardWidth
        shareMask(scratch)
        forwardLayer.forward(input, forwardOutput, batch: batch, mode: mode, scratch: scratch.nested(0))
        backwardLayer.forward(input, backwardOutput, batch: batch, mode: mode, scratch: scratch.nested(1))
        let width = outputSize / positions
        for sample in 0..<batch {
            for position in 0..<positions {
                let first = forwardOutput + (sample * positions + position) * forwardWidth
                let second = backwardOutput + (sample * positions + backwardPosition(position)) * backwardWidth
                let target = output + (sample * positions + position) * width
                switch mergeMode {
                case .concat:
                    target.update(from: first, count: forwardWidth)
                    (target + forwardWidth).update(from: second, count: backwardWidth)
                case .sum: for unit in 0..<width { target[unit] = first[unit] + second[unit] }
                case .mul: for unit in 0..<width { target[unit] = first[unit] * second[unit] }
                case .ave: for unit in 0..<width { target[unit] = (first[unit] + second[unit]) * 0.5 }
                }
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        let forwardOutput = scratch.first.pointer, backwardOutput = forwardOutput + batch * positions * forwardWidth
        let stateValues = batch * positions * (forwardWidth + backwardWidth)
        let forwardGradient = scratch.second.reserve(stateValues + (inputGradient == nil ? 0 : batch * inputSize))
        let backwardGradient = forwardGradient + batch * positions * forwardWidth
        let width = outputSize / positions
        for sample in 0..<batch {
            for position in 0..<positions {
                let source = outputGradient + (sample * positions + position) * width
                let backwardIndex = (sample * positions + backwardPosition(position)) * backwardWidth
                let first = forwardGradient + (sample * positions + position) * forwardWidth, second = backwardGradient + backwardIndex
                switch mergeMode {
                case .concat:
                    first.update(from: source, count: forwardWidth)
                    second.update(from: source + forwardWidth, count: backwardWidth)
                case .sum:
                    first.update(from: source, count: width)
                    second.update(from: source, count: width)
                case .ave:
                    for unit in 0..<width { first[unit] = source[unit] * 0.5 }
                    second.update(from: first, count: width)
                case .mul:
                    let forwardState = forwardOutput + (sample * positions + position) * forwardWidth
                    let backwardState = backwardOutput + backwardIndex
                    for unit in 0..<width {
                        first[unit] = source[unit] * backwardState[unit]
                        second[unit] = source[unit] * forwardState[unit]
                    }
                }
            }
        }
        shareMask(scratch)
        let split = forwardLayer.parameters.count
        let backwardInputGradient = inputGradient.map { _ in forwardGradient + stateValues }
        forwardLayer.backward(input: input, output: forwardOutput, outputGradient: forwardGradient, inputGradient: inputGradient,
                              batch: batch, scratch: scratch.nested(0), gradients: Array(gradients[..<split]))
        backwardLayer.backward(input: input, output: backwardOutput, outputGradient: backwardGradient,
                               inputGradient: backwardInputGradient, batch: batch, scratch: scratch.nested(1),
                               gradients: Array(gradients[split...]))
        if let inputGradient, let backwardInputGradient {
            for index in 0..<batch * inputSize { inputGradient[index] += backwardInputGradient[index] }
        }
    }
}
