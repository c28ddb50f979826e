/// A metric a model reports beside its loss, as Keras's `compile(metrics=..., weighted_metrics=...)` names and
/// configures it.
///
/// A metric reads an output's predictions (after its activation) and the same targets as the output's loss.
/// Like Keras, a metric ignores sample weights unless it is a weighted metric (Keras's `weighted_metrics`).
public struct Metric: Sendable, Equatable, CustomStringConvertible {
    /// What a metric computes.
    public enum Kind: Sendable, Equatable {
        /// Keras's `"accuracy"`: binary accuracy for an output whose last axis has one value, sparse categorical
        /// accuracy for class-index targets, categorical accuracy otherwise.
        case accuracy
        /// The share of values on the right side of `threshold` (1 above, 0 at or below).
        case binaryAccuracy(threshold: Float)
        /// Whether the largest prediction is where the one-hot target's largest value is.
        case categoricalAccuracy
        /// Whether the largest prediction is at the target class index.
        case sparseCategoricalAccuracy
        /// Whether the target (one-hot) class is among the `k` largest predictions.
        case topKCategoricalAccuracy(k: Int)
        /// Whether the target class index is among the `k` largest predictions.
        case sparseTopKCategoricalAccuracy(k: Int)
        /// The mean of a loss function: Keras's `MeanSquaredError`, `MeanAbsoluteError`, `BinaryCrossentropy`
        /// (with its `from_logits` and `label_smoothing`), `Hinge`, ... as metrics.
        case mean(of: Loss)
        /// The mean cosine similarity of predictions and targets along the last axis (the negated loss).
        case cosineSimilarity
        /// The square root of the mean squared error over all the samples.
        case rootMeanSquaredError
        /// True positives over predicted positives: a prediction above `threshold` is positive, a target other
        /// than 0 is positive; every value of the output counts.
        case precision(threshold: Float)
        /// True positives over actual positives, counted as ``precision(threshold:)`` counts them.
        case recall(threshold: Float)
        /// The (weighted) number of values of one cell of the confusion matrix at `threshold`.
        case truePositives(threshold: Float), falsePositives(threshold: Float), trueNegatives(threshold: Float),
             falseNegatives(threshold: Float)
        /// The area under the ROC or precision-recall curve, from a confusion matrix at fixed thresholds.
        case auc(AUCOptions)
    }

    /// Keras's `AUC` options.
    public struct AUCOptions: Sendable, Equatable {
        /// Which curve.
        public enum Curve: String, Sendable { case roc = "ROC", pr = "PR" }
        /// How the area between two thresholds is taken.
        public enum Summation: String, Sendable { case interpolation, minoring, majoring }

        /// Thresholds, Keras's `num_thresholds` (default 200): evenly spaced from 0 to 1.
        public let thresholdCount: Int
        /// Keras's `thresholds`: explicit ones between 0 and 1 instead (each side gets one more, just outside).
        public let thresholds: [Float]?
        public let curve: Curve
        public let summation: Summation
        /// Predictions are logits, taken through a sigmoid first.
        public let fromLogits: Bool

        /// Keras's `AUC(...)` options; its defaults for those not given.
        public init(thresholdCount: Int = 200, thresholds: [Float]? = nil, curve: Curve = .roc, summation: Summation = .interpolation,
                    fromLogits: Bool = false) {
            self.thresholdCount = thresholds.map { $0.count + 2 } ?? max(2, thresholdCount)
            self.thresholds = thresholds?.sorted()
            self.curve = curve
            self.summation = summation
            self.fromLogits = fromLogits
        }
    }

    /// The name the metric is reported under (for one of several outputs, after the output's name and `_`).
    public let name: String
    /// What it computes.
    public let kind: Kind
    /// Whether sample weights weigh it: one of Keras's `weighted_metrics`.
    public let weighted: Bool

    /// A metric of `kind` reported as `name`, weighted by sample weights when `weighted`.
    public init(_ kind: Kind, name: String? = nil, weighted: Bool = false) {
        self.kind = kind
        self.name = name ?? kind.defaultName
        self.weighted = weighted
    }

    /// Keras's `"accuracy"`.
    public static let accuracy = Metric(.accuracy)
    /// Keras's `"mae"`.
    public static let meanAbsoluteError = Metric(.mean(of: Loss(.meanAbsoluteError)), name: "mae")
    /// Keras's `"mse"`.
    public static let meanSquaredError = Metric(.mean(of: Loss(.meanSquaredError)), name: "mse")

    public var description: String { name }

    /// Whether the metric reads class indices, as sparse categorical cross-entropy's targets are; nil when it
    /// reads either form (`"accuracy"`).
    var takesClassIndices: Bool? {
        switch kind {
        case .accuracy: return nil
        case .sparseCategoricalAccuracy, .sparseTopKCategoricalAccuracy: return true
        case .mean(let loss): return loss.takesClassIndices
        default: return false
        }
    }
}

extension Metric.Kind {
    /// The name Keras gives a metric object of this class by default.
    var defaultName: String {
        switch self {
        case .accuracy: return "accuracy"
        case .binaryAccuracy: return "binary_accuracy"
        case .categoricalAccuracy: return "categorical_accuracy"
        case .sparseCategoricalAccuracy: return "sparse_categorical_accuracy"
        case .topKCategoricalAccuracy: return "top_k_categorical_accuracy"
        case .sparseTopKCategoricalAccuracy: return "sparse_top_k_categorical_accuracy"
        case .mean(let loss): return loss.kind == .logCosh ? "logcosh" : loss.kind.rawValue
        case .cosineSimilarity: return "cosine_similarity"
        case .rootMeanSquaredError: return "root_mean_squared_error"
        case .precision: return "precision"
        case .recall: return "recall"
        case .truePositives: return "true_positives"
        case .falsePositives: return "false_positives"
        case .trueNegatives: return "true_negatives"
        case .falseNegatives: return "false_negatives"
        case .auc: return "auc"
        }
    }
}

extension Metric.Kind {
    /// Whether larger values are better, as Keras's metric classes declare it (their `_direction`): up for
    /// the accuracies, precision, recall, AUC and cosine similarity, down for the losses and errors; nil for
    /// the four confusion counts, which declare none.
    public var largerIsBetter: Bool? {
        switch self {
        case .accuracy, .binaryAccuracy, .categoricalAccuracy, .sparseCategoricalAccuracy, .topKCategoricalAccuracy,
             .sparseTopKCategoricalAccuracy, .cosineSimilarity, .precision, .recall, .auc:
            return true
        case .mean, .rootMeanSquaredError: return false
        case .truePositives, .falsePositives, .trueNegatives, .falseNegatives: return nil
        }
    }
}

extension Metric {
    /// The metric Keras's `compile(metrics=[name])` makes of a string, reported as `name`: `"accuracy"` or
    /// `"acc"` (any case), a metric class (`"AUC"`, `"MeanSquaredError"`), its snake-case name
    /// (`"mean_squared_error"`), or `"mse"`, `"mae"`, `"mape"`, `"msle"`, `"bce"` (also in capitals). Throws
    /// for a name Keras does not have, and for a Keras metric this project does not compute.
    public init(kerasName name: String, weighted: Bool = false) throws {
        if ["accuracy", "acc"].contains(name.lowercased()) {
            self.init(.accuracy, name: name, weighted: weighted)
            return
        }
        guard let kind = Self.kindsByName[name] ?? Self.kindsByName[Self.className(ofSnakeCase: name) ?? ""] else {
            if Self.unsupportedClasses.contains(name) || Self.unsupportedClasses.contains(Self.className(ofSnakeCase: name) ?? "") {
                throw KerasNameError(description: "Keras's metric \(name) is not supported (supported: \(Self.supportedNames))")
            }
            throw KerasNameError(description: "Keras has no metric \(name) (supported: \(Self.supportedNames))")
        }
        self.init(kind, name: name, weighted: weighted)
    }

    /// The Keras metric classes this project computes, each with its default options.
    public static let classes: [(name: String, kind: Kind)] = [
        ("BinaryAccuracy", .binaryAccuracy(threshold: 0.5)), ("CategoricalAccuracy", .categoricalAccuracy),
        ("SparseCategoricalAccuracy", .sparseCategoricalAccuracy), ("TopKCategoricalAccuracy", .topKCategoricalAccuracy(k: 5)),
        ("SparseTopKCategoricalAccuracy", .sparseTopKCategoricalAccuracy(k: 5)),
        ("MeanSquaredError", .mean(of: Loss(.meanSquaredError))), ("RootMeanSquaredError", .rootMeanSquaredError),
        ("MeanAbsoluteError", .mean(of: Loss(.meanAbsoluteError))),
        ("MeanAbsolutePercentageError", .mean(of: Loss(.meanAbsolutePercentageError))),
        ("MeanSquaredLogarithmicError", .mean(of: Loss(.meanSquaredLogarithmicError))), ("CosineSimilarity", .cosineSimilarity),
        ("LogCoshError", .mean(of: Loss(.logCosh))), ("Hinge", .mean(of: Loss(.hinge))), ("SquaredHinge", .mean(of: Loss(.squaredHinge))),
        ("CategoricalHinge", .mean(of: Loss(.categoricalHinge))), ("KLDivergence", .mean(of: Loss(.kullbackLeiblerDivergence))),
        ("Poisson", .mean(of: Loss(.poisson))), ("BinaryCrossentropy", .mean(of: Loss(.binaryCrossentropy))),
        ("CategoricalCrossentropy", .mean(of: Loss(.categoricalCrossentropy))),
        ("SparseCategoricalCrossentropy", .mean(of: Loss(.sparseCategoricalCrossentropy))),
        ("Precision", .precision(threshold: 0.5)), ("Recall", .recall(threshold: 0.5)),
        ("TruePositives", .truePositives(threshold: 0.5)), ("FalsePositives", .falsePositives(threshold: 0.5)),
        ("TrueNegatives", .trueNegatives(threshold: 0.5)), ("FalseNegatives", .falseNegatives(threshold: 0.5)),
        ("AUC", .auc(AUCOptions())),
    ]

    /// Keras metric classes this project does not compute.
    public static let unsupportedClasses: Set<String> = [
        "Accuracy", "R2Score", "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity",
        "ConcordanceCorrelation", "PearsonCorrelation", "F1Score", "FBetaScore", "IoU", "BinaryIoU", "MeanIoU", "OneHotIoU",
        "OneHotMeanIoU", "Mean", "Sum", "MeanMetricWrapper",
    ]

    /// Every name Keras resolves to a class in ``classes``: the class name, and the aliases.
    private static let kindsByName: [String: Kind] = {
        var names = Dictionary(uniqueKeysWithValues: classes.map { ($0.name, $0.kind) })
        for (alias, className) in [("mse", "MeanSquaredError"), ("mae", "MeanAbsoluteError"), ("mape", "MeanAbsolutePercentageError"),
                                   ("msle", "MeanSquaredLogarithmicError"), ("bce", "BinaryCrossentropy")] {
            names[alias] = names[className]
            names[alias.uppercased()] = names[className]
        }
        return names
    }()

    /// The class whose Keras snake-case name is `name` (`"mean_squared_error"` → `"MeanSquaredError"`), if any.
    private static func className(ofSnakeCase name: String) -> String? {
        (classes.map(\.name) + unsupportedClasses).first { snakeCase($0) == name }
    }

    /// Keras's `to_snake_case` of a class name: `AUC` → `auc`, `KLDivergence` → `kl_divergence`,
    /// `TopKCategoricalAccuracy` → `top_k_categorical_accuracy`.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        var result = ""
        for (index, character) in characters.enumerated() {
            let previous = index > 0 ? characters[index - 1] : nil, next = index + 1 < characters.count ? characters[index + 1] : nil
            // A capital starts a word after a small letter or digit, or before a small letter after a capital.
            if character.isUppercase, let previous,
               previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) {
                result += "_"
            }
            result += character.lowercased()
        }
        return result
    }

    /// The names ``init(kerasName:weighted:)`` takes, for messages.
    public static var supportedNames: String { (["accuracy"] + classes.map(\.name)).joined(separator: ", ") }
}
