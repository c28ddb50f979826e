/// Keras's elementwise merge layers `Add`, `Subtract`, `Multiply`, `Average`, `Maximum` and `Minimum`: one
/// output of the inputs' common shape (`Subtract` takes exactly two inputs, the others two or more).
///
/// `Maximum` and `Minimum` route each value's gradient to the input that gave it (the first, on a tie).
public final class Merge: Layer {
    /// Which Keras class.
    public enum Kind: String, Sendable, CaseIterable {
        case add = "Add", subtract = "Subtract", multiply = "Multiply", average = "Average", maximum = "Maximum", minimum = "Minimum"
    }

    public var name: String
    /// Which merge.
    public let kind: Kind
    public var className: String { kind.rawValue }
    /// Joins its inputs' masks; Keras's Maximum and Minimum also fill masked values from the other input,
    /// which is not supported here.
    public var maskHandling: MaskHandling { [.maximum, .minimum].contains(kind) ? .unsupported : .joins }
    public private(set) var inputShapes: [[Int]] = []
    public var outputShape: [Int] { inputShapes.first ?? [] }
    private var size: Int { outputShape.reduce(1, *) }

    /// A merge of `kind`.
    public init(_ kind: Kind, name: String? = nil) {
        self.kind = kind
        self.name = name ?? kind.rawValue.lowercased()
    }

    public func build(inputShapes: [[Int]], initializer: inout ParameterInitializer) throws {
        guard kind == .subtract ? inputShapes.count == 2 : inputShapes.count >= 2 else {
            throw ModelError.invalidInput(layer: name, reason: "\(className) takes \(kind == .subtract ? "exactly two" : "two or more") inputs, given \(inputShapes.count)")
        }
        guard inputShapes.allSatisfy({ $0 == inputShapes[0] }) else {
            throw ModelError.invalidInput(layer: name, reason: "\(className) needs inputs of one shape, given \(inputShapes.map { describeShape($0, batch: true) }.joined(separator: " and "))")
        }
        self.inputShapes = inputShapes
    }

    public func forward(_ inputs: LayerInputs, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let count = batch * size
        combine(inputs[0], inputs[1], into: output, count: count)
        for index in 2..<inputs.count { combine(output, inputs[index], into: output, count: count) }
        if kind == .average {
            let scale = 1 / Float(inputs.count)
            for i in 0..<count { output[i] *= scale }
        }
    }

    /// `output[i] = x[i] ∘ y[i]` for the merge's operation (a sum for average); `output` may be `x`.
    private func combine(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
        switch kind {
        case .add, .average: for i in 0..<count { output[i] = x[i] + y[i] }
        case .subtract: for i in 0..<count { output[i] = x[i] - y[i] }
        case .multiply: for i in 0..<count { output[i] = x[i] * y[i] }
        case .maximum: for i in 0..<count { output[i] = max(x[i], y[i]) }
        case .minimum: for i in 0..<count { output[i] = min(x[i], y[i]) }
        }
    }

    public func backward(_ inputs: LayerInputs, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradients: LayerInputGradients, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        let count = batch * size
        for index in 0..<inputs.count {
            guard let gradient = inputGradients[index] else { continue }
            switch kind {
            case .add: gradient.update(from: outputGradient, count: count)
            case .subtract:
                let sign: Float = index == 0 ? 1 : -1
                for i in 0..<count { gradient[i] = sign * outputGradient[i] }
            case .average:
                let scale = 1 / Float(inputs.count)
                for i in 0..<count { gradient[i] = outputGradient[i] * scale }
            case .multiply:
                // The product of the other inputs.
                for i in 0..<count {
                    var others: Float = 1
                    for other in 0..<inputs.count where other != index { others *= inputs[other][i] }
                    gradient[i] = outputGradient[i] * others
                }
            case .maximum, .minimum:
                for i in 0..<count { gradient[i] = winner(inputs, at: i) == index ? outputGradient[i] : 0 }
            }
        }
    }

    /// The first input whose value at `i` is the output's (the maximum or minimum).
    private func winner(_ inputs: LayerInputs, at i: Int) -> Int {
        var best = 0
        for index in 1..<inputs.count {
            let value = inputs[index][i], current = inputs[best][i]
            if kind == .maximum ? value > current : value < current { best = index }
        }
        return best
    }
}
