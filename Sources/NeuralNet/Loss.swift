import Foundation

/// The loss a model trains and evaluates with, as Keras's `compile(loss=...)` names it, against integer class
/// labels: the categorical losses, binary cross-entropy and mean squared error take the label one-hot over
/// the output's width, as a Keras user's `to_categorical(y)` does.
public struct Loss: Sendable, Equatable, CustomStringConvertible {
    /// The loss functions, by Keras's names.
    public enum Kind: String, Sendable, CaseIterable {
        case sparseCategoricalCrossentropy = "sparse_categorical_crossentropy"
        case categoricalCrossentropy = "categorical_crossentropy"
        case binaryCrossentropy = "binary_crossentropy"
        case meanSquaredError = "mean_squared_error"

        /// Every kind's Keras name, comma-separated, for messages that list what is supported.
        public static var supportedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
    }

    /// Which function.
    public let kind: Kind
    /// Keras's `from_logits`: the outputs are logits, taken through a softmax (a sigmoid for binary
    /// cross-entropy) inside the loss. Always false for mean squared error.
    public let fromLogits: Bool

    /// A loss of `kind`, on probabilities unless `fromLogits`.
    public init(_ kind: Kind, fromLogits: Bool = false) {
        self.kind = kind
        self.fromLogits = fromLogits && kind != .meanSquaredError
    }

    /// Keras's default for integer labels.
    public static let sparseCategoricalCrossentropy = Loss(.sparseCategoricalCrossentropy)

    public var description: String { kind.rawValue + (fromLogits ? " (from logits)" : "") }

    /// The activation whose input this loss works from when it is given logits: softmax for the categorical
    /// cross-entropies, sigmoid for binary cross-entropy. Keras also takes the logits when the output layer
    /// ends in that activation, and so does a ``Model``.
    public var logitsActivation: Activation? {
        switch kind {
        case .sparseCategoricalCrossentropy, .categoricalCrossentropy: return .softmax
        case .binaryCrossentropy: return .sigmoid
        case .meanSquaredError: return nil
        }
    }

    /// Keras's `epsilon()`, the clipping margin of probabilities.
    static let epsilon: Float = 1e-7

    /// The per-sample losses of `batch` rows of `classes` outputs summed (in Double), as Keras computes them on
    /// the TensorFlow backend. `activated` is the rows through ``logitsActivation`` when `outputs` are its
    /// logits, else nil. Writes d(loss)/d(outputs) times `gradientScale` into `gradient` when given. Every
    /// label must be an index into the outputs.
    func sum(_ outputs: UnsafePointer<Float>, activated: UnsafePointer<Float>?, labels: UnsafePointer<Int32>, batch: Int,
             classes: Int, gradient: UnsafeMutablePointer<Float>?, gradientScale: Float) -> Double {
        var total = 0.0
        for sample in 0..<batch {
            let row = sample * classes, label = Int(labels[sample])
            precondition((0..<classes).contains(label), "label \(label) is not one of the \(classes) outputs")
            let g = gradient.map { $0 + row }
            switch (kind, activated) {
            case (.sparseCategoricalCrossentropy, let p?), (.categoricalCrossentropy, let p?):
                total += Self.crossEntropy(logits: outputs + row, probabilities: p + row, label: label, classes: classes, g, gradientScale)
            case (.sparseCategoricalCrossentropy, nil), (.categoricalCrossentropy, nil):
                total += Self.crossEntropy(probabilities: outputs + row, label: label, classes: classes, g, gradientScale)
            case (.binaryCrossentropy, let p?):
                total += Self.binaryCrossEntropy(logits: outputs + row, probabilities: p + row, label: label, classes: classes, g, gradientScale)
            case (.binaryCrossentropy, nil):
                total += Self.binaryCrossEntropy(probabilities: outputs + row, label: label, classes: classes, g, gradientScale)
            case (.meanSquaredError, _):
                total += Self.squaredError(outputs + row, label: label, classes: classes, g, gradientScale)
            }
        }
        return total
    }

    /// `logsumexp(z) - z[label]`, unclipped; gradient `softmax(z) - onehot`.
    private static func crossEntropy(logits z: UnsafePointer<Float>, probabilities p: UnsafePointer<Float>, label: Int, classes: Int,
                                     _ gradient: UnsafeMutablePointer<Float>?, _ scale: Float) -> Double {
        var maximum = -Float.infinity
        for j in 0..<classes { maximum = max(maximum, z[j]) }
        var sum: Float = 0
        for j in 0..<classes { sum += exp(z[j] - maximum) }
        if let gradient { for j in 0..<classes { gradient[j] = (p[j] - (j == label ? 1 : 0)) * scale } }
        return Double(log(sum) + maximum - z[label])
    }

    /// Probabilities normalised to sum 1, clipped to `[epsilon, 1 - epsilon]`: `-log p[label]`.
    private static func crossEntropy(probabilities p: UnsafePointer<Float>, label: Int, classes: Int,
                                     _ gradient: UnsafeMutablePointer<Float>?, _ scale: Float) -> Double {
        var sum: Float = 0
        for j in 0..<classes { sum += p[j] }
        let q = p[label] / sum
        if let gradient {
            let inside = q > epsilon && q < 1 - epsilon
            for j in 0..<classes { gradient[j] = inside ? -(1 / q) * ((j == label ? 1 : 0) - q) / sum * scale : 0 }
        }
        return Double(-log(min(max(q, epsilon), 1 - epsilon)))
    }

    /// TensorFlow's `sigmoid_cross_entropy_with_logits`, `relu(z) - z y + log1p(exp(-|z|))`, averaged over the
    /// outputs; gradient `(sigmoid(z) - y) / classes`.
    private static func binaryCrossEntropy(logits z: UnsafePointer<Float>, probabilities p: UnsafePointer<Float>, label: Int,
                                           classes: Int, _ gradient: UnsafeMutablePointer<Float>?, _ scale: Float) -> Double {
        var sum: Float = 0
        for j in 0..<classes {
            let y: Float = j == label ? 1 : 0
            sum += max(z[j], 0) - z[j] * y + log1p(exp(-abs(z[j])))
            gradient?[j] = (p[j] - y) / Float(classes) * scale
        }
        return Double(sum / Float(classes))
    }

    /// Probabilities clipped to `[epsilon, 1 - epsilon]`: `-(y log p + (1 - y) log(1 - p))` averaged over the
    /// outputs (no gradient where clipped).
    private static func binaryCrossEntropy(probabilities p: UnsafePointer<Float>, label: Int, classes: Int,
                                           _ gradient: UnsafeMutablePointer<Float>?, _ scale: Float) -> Double {
        var sum: Float = 0
        for j in 0..<classes {
            let y: Float = j == label ? 1 : 0
            let clipped = min(max(p[j], epsilon), 1 - epsilon)
            sum += -(y * log(clipped) + (1 - y) * log(1 - clipped))
            let inside = p[j] > epsilon && p[j] < 1 - epsilon
            gradient?[j] = inside ? -(y / p[j] - (1 - y) / (1 - p[j])) / Float(classes) * scale : 0
        }
        return Double(sum / Float(classes))
    }

    /// `(y - p)²` averaged over the outputs; gradient `2 (p - y) / classes`.
    private static func squaredError(_ p: UnsafePointer<Float>, label: Int, classes: Int, _ gradient: UnsafeMutablePointer<Float>?,
                                     _ scale: Float) -> Double {
        var sum: Float = 0
        for j in 0..<classes {
            let difference = p[j] - (j == label ? 1 : 0)
            sum += difference * difference
            gradient?[j] = 2 * difference / Float(classes) * scale
        }
        return Double(sum / Float(classes))
    }

    /// How many rows' largest value sits at their label (first maximum wins, as in `argmax`).
    static func correctCount(_ outputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int) -> Int {
        var correct = 0
        for sample in 0..<batch where argmax(outputs + sample * classes, count: classes) == Int(labels[sample]) {
            correct += 1
        }
        return correct
    }
}

/// The index of the first largest value.
func argmax(_ values: UnsafePointer<Float>, count: Int) -> Int {
    var best = 0
    for j in 1..<max(1, count) where values[j] > values[best] { best = j }
    return best
}
