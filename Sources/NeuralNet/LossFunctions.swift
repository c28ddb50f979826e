import Foundation

/// The losses' arithmetic, row by row, as Keras 3 computes it on TensorFlow: each function gives the loss of one
/// row (the output's last axis) and writes d(loss)/d(raw output) times `scale` into `gradient` when given.
/// Gradients follow TensorFlow's at kinks: `clip` and `maximum` pass the gradient at their bounds, `abs` gives
/// 0 at 0, and a maximum shared by several values splits its gradient between them.
extension Loss {
    /// What a batch's loss needs beyond the rows: decided over the whole batch, as Keras decides it.
    struct BatchFacts {
        /// Every target is 0 or 1, so the hinge losses take them as -1 and 1.
        var binaryTargets = false
        /// With an output mask, the weight of each unmasked row: all rows of the batch over the unmasked ones,
        /// as Keras weighs them (masked rows weigh 0).
        var maskWeight: Float = 1
    }

    /// Whether the hinge losses would turn these targets into -1 and 1: Keras does when every one is 0 or 1.
    func binaryTargets(_ targets: UnsafePointer<Float>, count: Int) -> Bool {
        guard [.hinge, .squaredHinge].contains(kind) else { return false }
        return (0..<count).allSatisfy { targets[$0] == 0 || targets[$0] == 1 }
    }

    /// The loss of `batch` samples summed, each sample's loss the mean of its `rows` rows of `width` values
    /// times its weight (1 without `sampleWeights`), as Keras's `sum_over_batch_size` sums before dividing.
    /// `activated` is the rows through ``logitsActivation`` when `outputs` are its logits, else nil. Writes
    /// d(loss)/d(outputs) times `gradientScale` into `gradient` when given. Targets are ``targetSize(outputShape:)``
    /// values per sample; a class index outside the row gives a NaN loss and no gradient. With a `mask` (one
    /// value per row, 0 for a masked one), each row weighs its mask value times ``BatchFacts/maskWeight``.
    func sum(_ outputs: UnsafePointer<Float>, activated: UnsafePointer<Float>?, targets: UnsafePointer<Float>, batch: Int, rows: Int,
             width: Int, sampleWeights: UnsafePointer<Float>?, mask: UnsafePointer<Float>? = nil, facts: BatchFacts,
             gradient: UnsafeMutablePointer<Float>?, gradientScale: Float) -> Double {
        var total = 0.0
        let targetWidth = takesClassIndices ? 1 : width
        for sample in 0..<batch {
            let weight = sampleWeights?[sample] ?? 1
            var sampleLoss = 0.0
            let scale = gradientScale * weight / Float(rows)
            for row in 0..<rows {
                let at = (sample * rows + row) * width, rowWeight = mask.map { $0[sample * rows + row] * facts.maskWeight } ?? 1
                sampleLoss += Double(rowWeight) * self.row(outputs + at, activated: activated.map { $0 + at },
                                                           target: targets + (sample * rows + row) * targetWidth, width: width,
                                                           facts: facts, gradient: gradient.map { $0 + at }, scale: scale * rowWeight)
            }
            total += Double(weight) * sampleLoss / Double(rows)
        }
        return total
    }

    /// One row's loss (see ``sum(_:activated:targets:batch:rows:width:sampleWeights:facts:gradient:gradientScale:)``).
    private func row(_ z: UnsafePointer<Float>, activated p: UnsafePointer<Float>?, target t: UnsafePointer<Float>, width: Int,
                     facts: BatchFacts, gradient g: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
        let n = Float(width)
        switch kind {
        case .sparseCategoricalCrossentropy:
            guard t[0].rounded() == t[0], let label = Int(exactly: t[0]), (0..<width).contains(label) else {
                g?.update(repeating: 0, count: width)
                return .nan
            }
            return p.map { Self.softmaxCrossEntropy(logits: z, probabilities: $0, label: label, width: width, g, scale) }
                ?? Self.sparseCrossEntropy(probabilities: z, label: label, width: width, g, scale)
        case .categoricalCrossentropy:
            let smoothed = smoothedTargets(t, width: width, toward: 1 / n)
            return p.map { Self.softmaxCrossEntropy(logits: z, probabilities: $0, targets: smoothed, g, scale) }
                ?? Self.crossEntropy(probabilities: z, targets: smoothed, g, scale)
        case .binaryCrossentropy, .binaryFocalCrossentropy:
            let smoothed = smoothedTargets(t, width: width, toward: 0.5)
            var sum: Float = 0
            for j in 0..<width {
                sum += binaryElement(z[j], activated: p?[j], target: smoothed[j], g.map { $0 + j }, scale / n)
            }
            return Double(sum / n)
        case .meanSquaredError, .meanAbsoluteError, .meanAbsolutePercentageError, .meanSquaredLogarithmicError, .huber, .logCosh,
             .poisson, .hinge, .squaredHinge:
            var sum: Float = 0
            for j in 0..<width { sum += element(z[j], target: t[j], facts: facts, g.map { $0 + j }, scale / n) }
            return Double(sum / n)
        case .kullbackLeiblerDivergence:
            var sum: Float = 0
            for j in 0..<width {
                let y = min(max(t[j], Self.epsilon), 1), q = min(max(z[j], Self.epsilon), 1)
                sum += y * log(y / q)
                g?[j] = z[j] >= Self.epsilon && z[j] <= 1 ? -y / q * scale : 0
            }
            return Double(sum)
        case .cosineSimilarity:
            return Self.cosineSimilarity(z, t, width: width, g, scale)
        case .categoricalHinge:
            return Self.categoricalHinge(z, t, width: width, g, scale)
        }
    }

    /// Targets pulled towards `uniform` by ``labelSmoothing``.
    private func smoothedTargets(_ t: UnsafePointer<Float>, width: Int, toward uniform: Float) -> [Float] {
        (0..<width).map { labelSmoothing == 0 ? t[$0] : t[$0] * (1 - labelSmoothing) + labelSmoothing * uniform }
    }

    /// Binary (focal) cross-entropy of one value: from its logit `z` when `activated` (its sigmoid) is given,
    /// else from the probability `z`, clipped.
    private func binaryElement(_ z: Float, activated: Float?, target y: Float, _ g: UnsafeMutablePointer<Float>?, _ scale: Float) -> Float {
        let entropy: Float, entropyGradient: Float, probability: Float, probabilityGradient: Float
        if let sigmoid = activated {
            // TensorFlow's sigmoid_cross_entropy_with_logits: relu(z) - z y + log1p(exp(-|z|)).
            entropy = max(z, 0) - z * y + log1p(exp(-abs(z)))
            entropyGradient = sigmoid - y
            (probability, probabilityGradient) = (sigmoid, sigmoid * (1 - sigmoid))
        } else {
            let clipped = min(max(z, Self.epsilon), 1 - Self.epsilon)
            entropy = -(y * log(clipped) + (1 - y) * log(1 - clipped))
            let inside = z >= Self.epsilon && z <= 1 - Self.epsilon
            entropyGradient = inside ? -(y / clipped) + (1 - y) / (1 - clipped) : 0
            (probability, probabilityGradient) = (z, 1)
        }
        guard kind == .binaryFocalCrossentropy else {
            g?.pointee = entropyGradient * scale
            return entropy
        }
        // Keras's focal factor (1 - p_t)^gamma, p_t = y p + (1 - y)(1 - p), and with class balancing the weight
        // y alpha + (1 - y)(1 - alpha).
        let pt = y * probability + (1 - y) * (1 - probability)
        let factor = pow(1 - pt, gamma)
        let factorGradient = -gamma * pow(1 - pt, gamma - 1) * (2 * y - 1) * probabilityGradient
        let balance: Float = applyClassBalancing ? y * alpha + (1 - y) * (1 - alpha) : 1
        g?.pointee = balance * (factorGradient * entropy + factor * entropyGradient) * scale
        return balance * factor * entropy
    }

    /// The element-wise losses' value for one output `z` against target `y`.
    private func element(_ z: Float, target y: Float, facts: BatchFacts, _ g: UnsafeMutablePointer<Float>?, _ scale: Float) -> Float {
        let value: Float, slope: Float
        switch kind {
        case .meanSquaredError:
            (value, slope) = ((z - y) * (z - y), 2 * (z - y))
        case .meanAbsoluteError:
            (value, slope) = (abs(z - y), Self.sign(z - y))
        case .meanAbsolutePercentageError:
            let divisor = max(abs(y), Self.epsilon)
            (value, slope) = (100 * abs((y - z) / divisor), 100 * Self.sign(z - y) / divisor)
        case .meanSquaredLogarithmicError:
            let a = log(max(z, Self.epsilon) + 1), b = log(max(y, Self.epsilon) + 1)
            (value, slope) = ((a - b) * (a - b), z >= Self.epsilon ? 2 * (a - b) / (max(z, Self.epsilon) + 1) : 0)
        case .huber:
            let e = z - y
            (value, slope) = abs(e) <= delta ? (0.5 * e * e, e) : (delta * abs(e) - 0.5 * delta * delta, delta * Self.sign(e))
        case .logCosh:
            // Keras's x + softplus(-2x) - log 2, whose derivative is tanh(x).
            let x = z - y
            (value, slope) = (x + Self.softplus(-2 * x) - log(2), tanh(x))
        case .poisson:
            (value, slope) = (z - y * log(z + Self.epsilon), 1 - y / (z + Self.epsilon))
        case .hinge, .squaredHinge:
            let target = facts.binaryTargets ? 2 * y - 1 : y
            let margin = 1 - target * z
            if kind == .hinge {
                (value, slope) = (max(margin, 0), margin >= 0 ? -target : 0)
            } else {
                (value, slope) = (max(margin, 0) * max(margin, 0), margin >= 0 ? -2 * margin * target : 0)
            }
        default:
            (value, slope) = (.nan, 0)
        }
        g?.pointee = slope * scale
        return value
    }

    /// `logsumexp(z) - z[label]`, unclipped; gradient `softmax(z) - onehot`.
    private static func softmaxCrossEntropy(logits z: UnsafePointer<Float>, probabilities p: UnsafePointer<Float>, label: Int,
                                            width: Int, _ g: UnsafeMutablePointer<Float>?, _ scale: Float) -> Double {
        if let g { for j in 0..<width { g[j] = (p[j] - (j == label ? 1 : 0)) * scale } }
        return Double(logSumExp(z, width) - z[label])
    }

    /// `sum(t) logsumexp(z) - sum(t z)`: TensorFlow's softmax cross-entropy with soft targets; gradient
    /// `softmax(z) sum(t) - t`.
    private static func softmaxCrossEntropy(logits z: UnsafePointer<Float>, probabilities p: UnsafePointer<Float>, targets t: [Float],
                                            _ g: UnsafeMutablePointer<Float>?, _ scale: Float) -> Double {
        let total = t.reduce(0, +), lse = logSumExp(z, t.count)
        var loss: Float = 0
        for j in t.indices { loss += t[j] * (lse - z[j]) }
        if let g { for j in t.indices { g[j] = (p[j] * total - t[j]) * scale } }
        return Double(loss)
    }

    /// Keras's sparse categorical cross-entropy from probabilities on TensorFlow: the probabilities clipped to
    /// `[epsilon, 1 - epsilon]` (not normalised), their logs taken as logits: `log(sum q) - log(q[label])`.
    private static func sparseCrossEntropy(probabilities z: UnsafePointer<Float>, label: Int, width: Int,
                                           _ g: UnsafeMutablePointer<Float>?, _ scale: Float) -> Double {
        var sum: Float = 0
        for j in 0..<width { sum += min(max(z[j], epsilon), 1 - epsilon) }
        let q = min(max(z[label], epsilon), 1 - epsilon)
        if let g {
            for j in 0..<width {
                let inside = z[j] >= epsilon && z[j] <= 1 - epsilon
                g[j] = inside ? (1 / sum - (j == label ? 1 / q : 0)) * scale : 0
            }
        }
        return Double(log(sum) - log(q))
    }

    /// Keras's categorical cross-entropy from probabilities: normalised to sum 1, clipped to
    /// `[epsilon, 1 - epsilon]`, then `-sum(t log q)`.
    private static func crossEntropy(probabilities z: UnsafePointer<Float>, targets t: [Float], _ g: UnsafeMutablePointer<Float>?,
                                     _ scale: Float) -> Double {
        var sum: Float = 0
        for j in t.indices { sum += z[j] }
        var loss: Float = 0
        // d(loss)/d(r) for the normalised r = z / sum, then through the normalisation: (g_k - sum_j g_j r_j) / sum.
        var byNormalised = [Float](repeating: 0, count: t.count)
        var weighted: Float = 0
        for j in t.indices {
            let r = z[j] / sum, q = min(max(r, epsilon), 1 - epsilon)
            loss -= t[j] * log(q)
            byNormalised[j] = r >= epsilon && r <= 1 - epsilon ? -t[j] / q : 0
            weighted += byNormalised[j] * r
        }
        if let g { for j in t.indices { g[j] = (byNormalised[j] - weighted) / sum * scale } }
        return Double(loss)
    }

    /// `-sum(normalize(t) normalize(z))` with Keras's `x · min(rsqrt(sum x²), 1 / epsilon)`.
    private static func cosineSimilarity(_ z: UnsafePointer<Float>, _ t: UnsafePointer<Float>, width: Int,
                                         _ g: UnsafeMutablePointer<Float>?, _ scale: Float) -> Double {
        var zz: Float = 0, tt: Float = 0
        for j in 0..<width { zz += z[j] * z[j]; tt += t[j] * t[j] }
        let zNorm = min(1 / zz.squareRoot(), 1 / epsilon), tNorm = min(1 / tt.squareRoot(), 1 / epsilon)
        var dot: Float = 0
        for j in 0..<width { dot += t[j] * tNorm * z[j] * zNorm }
        if let g {
            let clipped = 1 / zz.squareRoot() >= 1 / epsilon
            for j in 0..<width {
                let unitTarget = t[j] * tNorm
                g[j] = (clipped ? -unitTarget * zNorm : -zNorm * (unitTarget - dot * z[j] * zNorm)) * scale
            }
        }
        return Double(-dot)
    }

    /// `max(max((1 - t) z) - sum(t z) + 1, 0)`.
    private static func categoricalHinge(_ z: UnsafePointer<Float>, _ t: UnsafePointer<Float>, width: Int,
                                         _ g: UnsafeMutablePointer<Float>?, _ scale: Float) -> Double {
        var positive: Float = 0, negative = -Float.infinity
        for j in 0..<width {
            positive += t[j] * z[j]
            negative = max(negative, (1 - t[j]) * z[j])
        }
        let margin = negative - positive + 1
        if let g {
            let ties = Float((0..<width).filter { (1 - t[$0]) * z[$0] == negative }.count)
            for j in 0..<width {
                let fromMaximum = (1 - t[j]) * z[j] == negative ? (1 - t[j]) / ties : 0
                g[j] = margin >= 0 ? (fromMaximum - t[j]) * scale : 0
            }
        }
        return Double(max(margin, 0))
    }

    private static func logSumExp(_ z: UnsafePointer<Float>, _ width: Int) -> Float {
        var maximum = -Float.infinity
        for j in 0..<width { maximum = max(maximum, z[j]) }
        var sum: Float = 0
        for j in 0..<width { sum += exp(z[j] - maximum) }
        return log(sum) + maximum
    }

    private static func softplus(_ x: Float) -> Float { x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) }

    /// TensorFlow's `sign`: 0 at 0.
    private static func sign(_ x: Float) -> Float { x > 0 ? 1 : x < 0 ? -1 : 0 }
}

extension Loss {
    /// The loss of `outputs` against `targets` and d(loss)/d(outputs), as calling a Keras loss object on
    /// `(y_true, y_pred)` gives them (`sum_over_batch_size`, each sample's loss times its weight). Both
    /// tensors start with the samples; `targets` holds class indices (the outputs' shape without the last axis)
    /// for sparse categorical cross-entropy, else the outputs' shape. With ``fromLogits`` the outputs are
    /// logits.
    public func callAsFunction(targets: Tensor, outputs: Tensor, sampleWeights: [Float]? = nil) throws -> (loss: Double, gradient: Tensor) {
        guard let count = outputs.shape.first, outputs.shape.count >= 2 else {
            throw ModelError.invalidData("outputs of shape \(outputs.shape) have no axis after the samples")
        }
        let outputShape = Array(outputs.shape.dropFirst())
        let data = try Samples(count: count, inputs: [], targets: [targets.scalars], sampleWeights: sampleWeights)
        guard targets.shape.first == count, data.targetSizes.first ?? 0 == targetSize(outputShape: outputShape) || count == 0 else {
            throw ModelError.invalidData("targets of shape \(targets.shape) do not fit \(kind.rawValue) on outputs of shape \(outputs.shape)")
        }
        let width = outputShape.last ?? 1, rows = outputShape.reduce(1, *) / width
        var activated = outputs.scalars
        if let activation = fromLogits ? logitsActivation : nil {
            activated.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, rows: count * rows, width: width) }
        }
        var gradient = [Float](repeating: 0, count: outputs.count)
        let facts = targets.scalars.withUnsafeBufferPointer { BatchFacts(binaryTargets: binaryTargets($0.baseAddress!, count: $0.count)) }
        let total = withUnsafePointers(to: [outputs.scalars, activated, targets.scalars, sampleWeights ?? []]) { arrays in
            gradient.withUnsafeMutableBufferPointer { g in
                sum(arrays[0], activated: fromLogits ? arrays[1] : nil, targets: arrays[2], batch: count, rows: rows, width: width,
                    sampleWeights: sampleWeights == nil ? nil : arrays[3], facts: facts, gradient: g.baseAddress,
                    gradientScale: 1 / Float(max(1, count)))
            }
        }
        return (total / Double(max(1, count)), Tensor(checkedShape: outputs.shape, scalars: gradient))
    }
}
