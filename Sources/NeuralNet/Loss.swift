import Foundation

/// The loss a model trains and evaluates with, as Keras's `compile(loss=...)` names and configures it.
///
/// Each output's targets come in the form its loss takes: class indices for sparse categorical
/// cross-entropy (the output's shape without its last axis), and values of the output's own shape for every
/// other loss (one-hot or probability rows, 0/1 or soft labels, any float tensor). Keras reduces a loss over
/// the output's last axis and averages what is left over every other axis and the batch
/// (`sum_over_batch_size`); so does a ``Model``, sample by sample.
public struct Loss: Sendable, Equatable, CustomStringConvertible {
    /// The loss functions, by Keras 3's names.
    public enum Kind: String, Sendable, CaseIterable {
        case sparseCategoricalCrossentropy = "sparse_categorical_crossentropy"
        case categoricalCrossentropy = "categorical_crossentropy"
        case binaryCrossentropy = "binary_crossentropy"
        case binaryFocalCrossentropy = "binary_focal_crossentropy"
        case meanSquaredError = "mean_squared_error"
        case meanAbsoluteError = "mean_absolute_error"
        case meanAbsolutePercentageError = "mean_absolute_percentage_error"
        case meanSquaredLogarithmicError = "mean_squared_logarithmic_error"
        case huber
        case logCosh = "log_cosh"
        case kullbackLeiblerDivergence = "kl_divergence"
        case poisson
        case cosineSimilarity = "cosine_similarity"
        case hinge
        case squaredHinge = "squared_hinge"
        case categoricalHinge = "categorical_hinge"

        /// Every kind's Keras name, comma-separated, for messages that list what is supported.
        public static var supportedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

        /// Whether the loss is a cross-entropy that can work from logits (`from_logits`).
        public var takesLogits: Bool {
            [.sparseCategoricalCrossentropy, .categoricalCrossentropy, .binaryCrossentropy, .binaryFocalCrossentropy].contains(self)
        }

        /// Whether the loss takes `label_smoothing`.
        public var smoothsLabels: Bool { [.categoricalCrossentropy, .binaryCrossentropy, .binaryFocalCrossentropy].contains(self) }

        /// The Keras class of the loss (`"MeanSquaredError"`), as a loss object is serialised.
        public var kerasClassName: String {
            switch self {
            case .sparseCategoricalCrossentropy: "SparseCategoricalCrossentropy"
            case .categoricalCrossentropy: "CategoricalCrossentropy"
            case .binaryCrossentropy: "BinaryCrossentropy"
            case .binaryFocalCrossentropy: "BinaryFocalCrossentropy"
            case .meanSquaredError: "MeanSquaredError"
            case .meanAbsoluteError: "MeanAbsoluteError"
            case .meanAbsolutePercentageError: "MeanAbsolutePercentageError"
            case .meanSquaredLogarithmicError: "MeanSquaredLogarithmicError"
            case .huber: "Huber"
            case .logCosh: "LogCosh"
            case .kullbackLeiblerDivergence: "KLDivergence"
            case .poisson: "Poisson"
            case .cosineSimilarity: "CosineSimilarity"
            case .hinge: "Hinge"
            case .squaredHinge: "SquaredHinge"
            case .categoricalHinge: "CategoricalHinge"
            }
        }

        /// The kind a name Keras's `losses.get` resolves: a function name (`"mean_squared_error"`), one of its
        /// aliases (`"mse"`, `"MAE"`, `"kld"`, `"logcosh"`, `"huber_loss"`, ...) or a class name
        /// (`"MeanSquaredError"`); nil for any other name.
        public init?(kerasName name: String) {
            guard let kind = Self(rawValue: name) ?? Self.aliases[name] ?? Self.allCases.first(where: { $0.kerasClassName == name }) else {
                return nil
            }
            self = kind
        }

        /// The other names Keras gives loss functions.
        private static let aliases: [String: Kind] = [
            "mse": .meanSquaredError, "MSE": .meanSquaredError, "mae": .meanAbsoluteError, "MAE": .meanAbsoluteError,
            "mape": .meanAbsolutePercentageError, "MAPE": .meanAbsolutePercentageError, "msle": .meanSquaredLogarithmicError,
            "MSLE": .meanSquaredLogarithmicError, "huber_loss": .huber, "logcosh": .logCosh,
            "kullback_leibler_divergence": .kullbackLeiblerDivergence, "kld": .kullbackLeiblerDivergence, "KLD": .kullbackLeiblerDivergence,
        ]
    }

    /// Which function.
    public let kind: Kind
    /// Keras's `from_logits`: the outputs are logits, taken through a softmax (a sigmoid for the binary
    /// cross-entropies) inside the loss. Always false for the losses that do not take logits.
    public let fromLogits: Bool
    /// Keras's `label_smoothing`: targets are pulled towards the uniform distribution by this much.
    public let labelSmoothing: Float
    /// Huber's `delta`: where the loss turns from quadratic to linear.
    public let delta: Float
    /// Binary focal cross-entropy's `gamma` (the focusing exponent), `alpha` (the weight of the positive
    /// class) and `apply_class_balancing` (whether `alpha` applies).
    public let gamma: Float, alpha: Float, applyClassBalancing: Bool

    /// A loss of `kind`, with Keras's defaults for the options it takes (those it does not take are ignored).
    public init(_ kind: Kind, fromLogits: Bool = false, labelSmoothing: Float = 0, delta: Float = 1, gamma: Float = 2,
                alpha: Float = 0.25, applyClassBalancing: Bool = false) {
        self.kind = kind
        self.fromLogits = fromLogits && kind.takesLogits
        self.labelSmoothing = kind.smoothsLabels ? labelSmoothing : 0
        self.delta = kind == .huber ? delta : 1
        self.gamma = kind == .binaryFocalCrossentropy ? gamma : 2
        self.alpha = kind == .binaryFocalCrossentropy ? alpha : 0.25
        self.applyClassBalancing = kind == .binaryFocalCrossentropy && applyClassBalancing
    }

    /// The loss Keras's `compile(loss=name)` makes of a string, with Keras's defaults: a function name, an
    /// alias or a class name (see ``Kind/init(kerasName:)``). Throws for a name Keras does not have, listing
    /// the names this project has.
    public init(kerasName name: String) throws {
        guard let kind = Kind(kerasName: name) else {
            throw KerasNameError(description: "Keras has no loss \(name) (supported: \(Kind.supportedNames))")
        }
        self.init(kind)
    }

    /// Keras's default for integer class labels.
    public static let sparseCategoricalCrossentropy = Loss(.sparseCategoricalCrossentropy)
    /// Keras's `"mse"`.
    public static let meanSquaredError = Loss(.meanSquaredError)

    public var description: String {
        var options: [String] = []
        if fromLogits { options.append("from logits") }
        if labelSmoothing != 0 { options.append("label smoothing \(labelSmoothing)") }
        if kind == .huber && delta != 1 { options.append("delta \(delta)") }
        if kind == .binaryFocalCrossentropy {
            options.append("gamma \(gamma)")
            if applyClassBalancing { options.append("alpha \(alpha)") }
        }
        return kind.rawValue + (options.isEmpty ? "" : " (" + options.joined(separator: ", ") + ")")
    }

    /// Whether the targets are class indices (sparse categorical cross-entropy) rather than values of the
    /// output's shape.
    public var takesClassIndices: Bool { kind == .sparseCategoricalCrossentropy }

    /// Target values per sample for an output of `outputShape`: one class index per position of all but the
    /// last axis, or one value per output value.
    public func targetSize(outputShape: [Int]) -> Int {
        let size = outputShape.reduce(1, *)
        return takesClassIndices ? size / max(1, outputShape.last ?? 1) : size
    }

    /// The activation whose input this loss works from when it is given logits: softmax for the categorical
    /// cross-entropies, sigmoid for the binary ones. Keras also takes the logits when the output layer ends in
    /// that activation, and so does a ``Model``.
    public var logitsActivation: Activation? {
        switch kind {
        case .sparseCategoricalCrossentropy, .categoricalCrossentropy: return .softmax
        case .binaryCrossentropy, .binaryFocalCrossentropy: return .sigmoid
        default: return nil
        }
    }

    /// Keras's `epsilon()`, the clipping margin of probabilities and the floor of divisors.
    static let epsilon: Float = 1e-7
}
