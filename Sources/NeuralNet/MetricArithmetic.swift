import Foundation

/// The metrics' arithmetic as Keras 3 computes it: each metric keeps a few running sums (its state), which
/// batches add to and which add up across workers, and turns them into its value at the end.
extension Metric {
    /// The running sums the metric keeps.
    var stateSize: Int {
        switch kind {
        case .precision, .recall: return 2
        case .truePositives, .falsePositives, .trueNegatives, .falseNegatives: return 1
        // Per threshold the positive and negative targets predicted positive, then the totals of each.
        case .auc(let options): return 2 * options.thresholdCount + 2
        default: return 2 // the weighted sum of the samples' values, and of their weights
        }
    }

    /// Adds `batch` samples to `state`: `predictions` of `rows` rows of `width` values per sample, `targets`
    /// one class index per row when `classIndices`, else of the predictions' shape. `sampleWeights` weigh the
    /// samples when the metric is ``weighted``. With an output `mask` (one value per row, 0 for a masked
    /// one) the means of a value per row (Keras's `MeanMetricWrapper`s: accuracies, losses as metrics, cosine
    /// similarity) count the unmasked rows only, as Keras weighs them; the others ignore it, as Keras's do.
    func accumulate(_ state: UnsafeMutablePointer<Double>, predictions: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                    batch: Int, rows: Int, width: Int, classIndices: Bool, sampleWeights: UnsafePointer<Float>?,
                    mask: UnsafePointer<Float>? = nil) {
        let weights = weighted ? sampleWeights : nil
        switch kind {
        case .precision(let threshold), .recall(let threshold), .truePositives(let threshold), .falsePositives(let threshold),
             .trueNegatives(let threshold), .falseNegatives(let threshold):
            countConfusion(state, predictions, targets, count: rows * width, batch: batch, threshold: threshold, weights: weights)
        case .auc(let options):
            Self.countAUC(state, options, predictions, targets, count: rows * width, batch: batch, weights: weights)
        case .mean(let loss):
            Self.addLoss(state, loss, predictions, targets, batch: batch, rows: rows, width: width, weights: weights, mask: mask, sign: 1)
        case .cosineSimilarity:
            Self.addLoss(state, Loss(.cosineSimilarity), predictions, targets, batch: batch, rows: rows, width: width, weights: weights,
                         mask: mask, sign: -1)
        case .rootMeanSquaredError:
            Self.addLoss(state, Loss(.meanSquaredError), predictions, targets, batch: batch, rows: rows, width: width, weights: weights,
                         sign: 1)
        case .accuracy, .binaryAccuracy, .categoricalAccuracy, .sparseCategoricalAccuracy, .topKCategoricalAccuracy,
             .sparseTopKCategoricalAccuracy:
            let targetWidth = classIndices ? 1 : width
            for sample in 0..<batch {
                var sum = 0.0
                for row in 0..<rows {
                    let at = sample * rows + row
                    sum += Double(mask?[at] ?? 1)
                        * rowAccuracy(predictions + at * width, targets + at * targetWidth, width: width, classIndices: classIndices)
                }
                let weight = Double(weights?[sample] ?? 1)
                state[0] += weight * sum / Double(rows)
                state[1] += weight * Self.unmaskedShare(mask, sample: sample, rows: rows)
            }
        }
    }

    /// The metric's value from its state.
    func result(_ state: UnsafePointer<Double>) -> Double {
        func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
        switch kind {
        case .precision, .recall: return ratio(state[0], state[0] + state[1])
        case .truePositives, .falsePositives, .trueNegatives, .falseNegatives: return state[0]
        case .auc(let options): return Self.area(state, options)
        case .rootMeanSquaredError: return ratio(state[0], state[1]).squareRoot()
        default: return ratio(state[0], state[1])
        }
    }

    /// One row's accuracy of the accuracy kinds: 0 or 1, or for binary accuracy the share of right values.
    private func rowAccuracy(_ p: UnsafePointer<Float>, _ t: UnsafePointer<Float>, width: Int, classIndices: Bool) -> Double {
        switch kind {
        case .accuracy where width == 1: return Metric(.binaryAccuracy(threshold: 0.5)).rowAccuracy(p, t, width: width, classIndices: false)
        case .accuracy: return Metric(classIndices ? .sparseCategoricalAccuracy : .categoricalAccuracy)
            .rowAccuracy(p, t, width: width, classIndices: classIndices)
        case .binaryAccuracy(let threshold):
            var matches = 0
            for j in 0..<width where t[j] == (p[j] > threshold ? 1 : 0) { matches += 1 }
            return Double(matches) / Double(width)
        case .categoricalAccuracy: return argmax(p, count: width) == argmax(t, count: width) ? 1 : 0
        case .sparseCategoricalAccuracy: return Float(argmax(p, count: width)) == t[0] ? 1 : 0
        case .topKCategoricalAccuracy(let k): return Self.inTopK(p, width: width, label: argmax(t, count: width), k: k)
        case .sparseTopKCategoricalAccuracy(let k):
            guard let label = Int(exactly: t[0]), (0..<width).contains(label) else { return 0 }
            return Self.inTopK(p, width: width, label: label, k: k)
        default: return 0
        }
    }

    /// TensorFlow's `in_top_k`: whether fewer than `k` predictions are larger than the label's (ties count in).
    private static func inTopK(_ p: UnsafePointer<Float>, width: Int, label: Int, k: Int) -> Double {
        guard p[label].isFinite else { return 0 }
        var larger = 0
        for j in 0..<width where p[j] > p[label] { larger += 1 }
        return larger < k ? 1 : 0
    }

    /// The share of sample `sample`'s `rows` rows that `mask` keeps (1 without a mask).
    private static func unmaskedShare(_ mask: UnsafePointer<Float>?, sample: Int, rows: Int) -> Double {
        guard let mask else { return 1 }
        return (0..<rows).reduce(0.0) { $0 + Double(mask[sample * rows + $1]) } / Double(rows)
    }

    /// Adds a loss function's per-sample values (times `sign`) to a mean's state, over `mask`'s rows. The hinge losses decide
    /// whether the targets are 0/1 over these samples (Keras decides it over the batch; they differ only for
    /// a batch whose targets are 0/1 in one worker's share and not in another's).
    private static func addLoss(_ state: UnsafeMutablePointer<Double>, _ loss: Loss, _ p: UnsafePointer<Float>, _ t: UnsafePointer<Float>,
                                batch: Int, rows: Int, width: Int, weights: UnsafePointer<Float>?, mask: UnsafePointer<Float>? = nil,
                                sign: Double) {
        let count = batch * rows * width
        var activated: [Float] = []
        if loss.fromLogits, let activation = loss.logitsActivation {
            activated = Array(UnsafeBufferPointer(start: p, count: count))
            activated.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, rows: batch * rows, width: width) }
        }
        let facts = Loss.BatchFacts(binaryTargets: loss.binaryTargets(t, count: count))
        let sum = activated.withUnsafeBufferPointer { buffer in
            loss.sum(p, activated: loss.fromLogits ? buffer.baseAddress : nil, targets: t, batch: batch, rows: rows, width: width,
                     sampleWeights: weights, mask: mask, facts: facts, gradient: nil, gradientScale: 0)
        }
        state[0] += sign * sum
        state[1] += (0..<batch).reduce(0.0) { $0 + Double(weights?[$1] ?? 1) * unmaskedShare(mask, sample: $1, rows: rows) }
    }

    /// Counts the confusion-matrix cell(s) the metric keeps over every value: a target other than 0 is
    /// positive, a prediction above `threshold` is predicted positive.
    private func countConfusion(_ state: UnsafeMutablePointer<Double>, _ p: UnsafePointer<Float>, _ t: UnsafePointer<Float>,
                                count: Int, batch: Int, threshold: Float, weights: UnsafePointer<Float>?) {
        for sample in 0..<batch {
            let weight = Double(weights?[sample] ?? 1)
            for j in sample * count..<(sample + 1) * count {
                let actual = t[j] != 0, predicted = p[j] > threshold
                switch kind {
                case .precision: if predicted { state[actual ? 0 : 1] += weight }
                case .recall: if actual { state[predicted ? 0 : 1] += weight }
                case .truePositives: if actual && predicted { state[0] += weight }
                case .falsePositives: if !actual && predicted { state[0] += weight }
                case .trueNegatives: if !actual && !predicted { state[0] += weight }
                default: if actual && !predicted { state[0] += weight }
                }
            }
        }
    }

    /// Counts, per AUC threshold, the positive and negative targets predicted positive. With evenly spaced
    /// thresholds Keras puts each prediction (clipped to [0, 1]) in the bucket `ceil(p (n - 1)) - 1` (at least
    /// 0) and counts a threshold's positives as the buckets from it on; the buckets are kept here and summed in
    /// ``area(_:_:)``. Other thresholds count `p > threshold` directly, unclipped.
    private static func countAUC(_ state: UnsafeMutablePointer<Double>, _ options: AUCOptions, _ p: UnsafePointer<Float>,
                                 _ t: UnsafePointer<Float>, count: Int, batch: Int, weights: UnsafePointer<Float>?) {
        let n = options.thresholdCount
        let positives = state, negatives = state + n
        let explicit = options.explicitThresholds
        for sample in 0..<batch {
            let weight = Double(weights?[sample] ?? 1)
            for j in sample * count..<(sample + 1) * count {
                let prediction = options.fromLogits ? 1 / (1 + exp(-p[j])) : p[j]
                let counts = t[j] != 0 ? positives : negatives
                state[2 * n + (t[j] != 0 ? 0 : 1)] += weight
                if let explicit {
                    for (index, threshold) in explicit.enumerated() where prediction > threshold { counts[index] += weight }
                } else {
                    let clipped = min(max(prediction, 0), 1)
                    counts[max(0, Int((clipped * Float(n - 1)).rounded(.up)) - 1)] += weight
                }
            }
        }
    }

    /// The area under the curve from the counts ``countAUC(_:_:_:_:count:batch:weights:)`` kept.
    private static func area(_ state: UnsafePointer<Double>, _ options: AUCOptions) -> Double {
        let n = options.thresholdCount
        var tp = Array(UnsafeBufferPointer(start: state, count: n)), fp = Array(UnsafeBufferPointer(start: state + n, count: n))
        if options.explicitThresholds == nil {
            for index in stride(from: n - 2, through: 0, by: -1) {
                tp[index] += tp[index + 1]
                fp[index] += fp[index + 1]
            }
        }
        let totalPositive = state[2 * n], totalNegative = state[2 * n + 1]
        func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
        var area = 0.0
        if options.curve == .pr && options.summation == .interpolation {
            // Davis and Goadrich's interpolation, as Keras's interpolate_pr_auc: precision varies as TP/P with TP
            // and P linear between thresholds.
            for i in 0..<n - 1 {
                let dtp = tp[i] - tp[i + 1], p0 = tp[i] + fp[i], p1 = tp[i + 1] + fp[i + 1]
                let slope = ratio(dtp, max(p0 - p1, 0))
                let intercept = tp[i + 1] - slope * p1
                let pRatio = p0 > 0 && p1 > 0 ? ratio(p0, max(p1, 0)) : 1
                area += ratio(slope * (dtp + intercept * log(pRatio)), max(totalPositive, 0))
            }
            return area
        }
        let recall = (0..<n).map { ratio(tp[$0], totalPositive) }
        let x = options.curve == .roc ? (0..<n).map { ratio(fp[$0], totalNegative) } : recall
        let y = options.curve == .roc ? recall : (0..<n).map { ratio(tp[$0], tp[$0] + fp[$0]) }
        for i in 0..<n - 1 {
            let height: Double
            switch options.summation {
            case .interpolation: height = (y[i] + y[i + 1]) / 2
            case .minoring: height = min(y[i], y[i + 1])
            case .majoring: height = max(y[i], y[i + 1])
            }
            area += (x[i] - x[i + 1]) * height
        }
        return area
    }
}

extension Metric.AUCOptions {
    /// Every threshold, the two outside [0, 1] included, when they are not evenly spaced (Keras then compares
    /// each prediction with each); nil when they are (Keras then buckets the predictions).
    var explicitThresholds: [Float]? {
        guard let thresholds, !Self.evenlySpaced([0] + thresholds + [1]) else { return nil }
        return [-Loss.epsilon] + thresholds + [1 + Loss.epsilon]
    }

    /// Keras's test: at least 3 values, each close to `index / (count - 1)` (NumPy's `allclose`, tolerance
    /// 1e-7 plus 1e-5 of the value).
    private static func evenlySpaced(_ values: [Float]) -> Bool {
        guard values.count >= 3 else { return false }
        return values.enumerated().allSatisfy { index, value in
            let even = Float(index) / Float(values.count - 1)
            return abs(value - even) <= Loss.epsilon + 1e-5 * even
        }
    }
}

/// The index of the first largest value.
func argmax(_ values: UnsafePointer<Float>, count: Int) -> Int {
    var best = 0
    for j in 1..<max(1, count) where values[j] > values[best] { best = j }
    return best
}
