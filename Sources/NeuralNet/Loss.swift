import Foundation

/// The losses a model trains with, by Keras's names.
public enum Loss: String, Sendable, CaseIterable {
    /// Integer class labels against class probabilities (or a softmax's logits): Keras's
    /// `sparse_categorical_crossentropy`.
    case sparseCategoricalCrossentropy = "sparse_categorical_crossentropy"
}

/// Sparse categorical cross-entropy as Keras computes it on the TensorFlow backend.
///
/// After a softmax output Keras uses the pre-softmax logits: `loss = logsumexp(z) - z[label]`, unclipped.
/// For any other output it normalises the probabilities, clips them to `[1e-7, 1 - 1e-7]` and takes
/// `-log p[label]`. The batch loss is the mean over samples.
enum SparseCategoricalCrossentropy {
    static let epsilon: Float = 1e-7

    /// Per-sample losses summed (in Double) from logits; also writes `(softmax(z) - onehot) * scale` into
    /// `gradient` when given, using the already computed `probabilities`.
    static func fromLogits(_ logits: UnsafePointer<Float>, probabilities: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                           batch: Int, classes: Int, gradient: UnsafeMutablePointer<Float>?, gradientScale: Float) -> Double {
        var total = 0.0
        for sample in 0..<batch {
            let z = logits + sample * classes
            let p = probabilities + sample * classes
            var maximum = -Float.infinity
            for j in 0..<classes { maximum = max(maximum, z[j]) }
            var sum: Float = 0
            for j in 0..<classes { sum += exp(z[j] - maximum) }
            let label = Int(labels[sample])
            total += Double(log(sum) + maximum - z[label])
            if let gradient {
                let g = gradient + sample * classes
                for j in 0..<classes { g[j] = (p[j] - (j == label ? 1 : 0)) * gradientScale }
            }
        }
        return total
    }

    /// Per-sample losses summed from probabilities (outputs not produced by a softmax); gradient optional.
    static func fromProbabilities(_ outputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int,
                                  gradient: UnsafeMutablePointer<Float>?, gradientScale: Float) -> Double {
        var total = 0.0
        for sample in 0..<batch {
            let p = outputs + sample * classes
            let label = Int(labels[sample])
            var sum: Float = 0
            for j in 0..<classes { sum += p[j] }
            let q = p[label] / sum
            let clipped = min(max(q, epsilon), 1 - epsilon)
            total += Double(-log(clipped))
            if let gradient {
                let g = gradient + sample * classes
                let inside = q > epsilon && q < 1 - epsilon
                for j in 0..<classes {
                    g[j] = inside ? -(1 / q) * ((j == label ? 1 : 0) - q) / sum * gradientScale : 0
                }
            }
        }
        return total
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
