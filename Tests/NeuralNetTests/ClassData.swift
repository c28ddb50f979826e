import NeuralNet

/// Test inputs with class labels, made into a model's samples: class indices for an output whose loss takes
/// them, one-hot over the output's last axis elsewhere (as the old label-only API trained every loss).
struct ClassData {
    /// One sample's shape.
    let shape: [Int]
    /// The samples, one after another.
    let inputs: [Float]
    /// One class per sample.
    let labels: [Int]

    var count: Int { labels.count }

    /// The samples with each output's targets for `model`.
    func samples(for model: Model) -> Samples {
        let targets = zip(model.losses, model.outputShapes).map { loss, shape -> [Float] in
            let classes = shape.last ?? 1, rows = shape.reduce(1, *) / classes
            return labels.flatMap { label -> [Float] in
                loss.takesClassIndices ? [Float](repeating: Float(label), count: rows)
                    : (0..<rows).flatMap { _ in (0..<classes).map { $0 == label ? Float(1) : 0 } }
            }
        }
        return try! Samples(count: count, inputs: [inputs], targets: targets)
    }

    /// Runs `body` on the whole set as one batch for `model`.
    func withBatch<R>(for model: Model, _ body: (Batch) -> R) -> R {
        let samples = samples(for: model)
        return withUnsafePointers(to: samples.inputs + samples.targets) { pointers in
            body(Batch(count: count, inputs: [pointers[0]], targets: Array(pointers.dropFirst())))
        }
    }
}
