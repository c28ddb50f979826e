/// One batch in memory the caller keeps alive for the call: per input, its values and, per output, the targets
/// (in the form ``Loss/targetSize(outputShape:)`` says), and optionally each sample's weight. The targets must
/// suit the model, as ``Model/check(_:targets:)`` checks them for a ``Samples``; a class index that does not
/// gives a NaN loss.
public struct Batch {
    /// The number of samples.
    public let count: Int
    /// Per input of the model, `count` samples of it.
    public let inputs: [UnsafePointer<Float>]
    /// Per output, `count` samples' targets.
    public let targets: [UnsafePointer<Float>]
    /// `count` weights, or nil: each sample weighs 1.
    public let sampleWeights: UnsafePointer<Float>?

    /// A batch of `count` samples.
    public init(count: Int, inputs: [UnsafePointer<Float>], targets: [UnsafePointer<Float>], sampleWeights: UnsafePointer<Float>? = nil) {
        self.count = count
        self.inputs = inputs
        self.targets = targets
        self.sampleWeights = sampleWeights
    }
}

/// Where a pass reads its inputs: per input, where its values of sample `firstSample` of the batch start.
struct BatchInputs {
    let pointers: UnsafePointer<UnsafePointer<Float>>
    let firstSample: Int

    /// Input `index`'s values from `firstSample` on, `valuesPerSample` values per sample.
    func input(_ index: Int, valuesPerSample: Int) -> UnsafePointer<Float> { pointers[index] + firstSample * valuesPerSample }

    /// The same inputs for the samples `count` further on.
    func advanced(by count: Int) -> BatchInputs { BatchInputs(pointers: pointers, firstSample: firstSample + count) }
}

/// Where a pass reads its targets: per output, where the targets of sample `firstSample` of the batch start;
/// and each sample's weight, if any.
struct BatchTargets {
    let pointers: UnsafePointer<UnsafePointer<Float>>
    let weights: UnsafePointer<Float>?
    let firstSample: Int

    /// Output `index`'s targets from `firstSample` on, `valuesPerSample` values per sample.
    func output(_ index: Int, valuesPerSample: Int) -> UnsafePointer<Float> { pointers[index] + firstSample * valuesPerSample }

    /// The sample weights from `firstSample` on, if any.
    var sampleWeights: UnsafePointer<Float>? { weights.map { $0 + firstSample } }

    /// The same targets for the samples `count` further on.
    func advanced(by count: Int) -> BatchTargets { BatchTargets(pointers: pointers, weights: weights, firstSample: firstSample + count) }
}

/// Summed loss and metric states over some samples.
public struct BatchResult: Sendable {
    /// The loss summed over the samples (each sample's times its weight): each output's times its loss
    /// weight, and any activity penalty.
    public var loss: Double = 0
    /// Per output (up to ``Model/maximumOutputs``), its own loss summed over the samples, times their weights.
    public var outputLosses = InlineArray<16, Double>(repeating: 0)
    /// Every metric's running sums, output after output (see ``Model/scores(_:)``).
    public var metricStates: [Double] = []
    /// The number of samples.
    public var samples = 0

    /// The mean loss per sample: Keras's `sum_over_batch_size`, which divides the weighted sum by the count.
    public var meanLoss: Double { loss / Double(max(1, samples)) }

    /// The sums of both.
    public static func + (a: BatchResult, b: BatchResult) -> BatchResult {
        var sum = a
        sum += b
        return sum
    }

    /// Adds `b` into `a`.
    public static func += (a: inout BatchResult, b: BatchResult) {
        a.loss += b.loss
        a.samples += b.samples
        for index in 0..<16 { a.outputLosses[index] += b.outputLosses[index] }
        if a.metricStates.isEmpty {
            a.metricStates = b.metricStates
        } else {
            for index in b.metricStates.indices { a.metricStates[index] += b.metricStates[index] }
        }
    }
}
