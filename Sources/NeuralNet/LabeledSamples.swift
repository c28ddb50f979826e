/// Samples and integer labels held contiguously: `count` samples of `sampleShape` float32 values each.
public struct LabeledSamples: Sendable {
    /// The shape of one sample, e.g. `[28, 28, 1]`.
    public let sampleShape: [Int]
    /// `count` samples, one after another.
    public var samples: [Float]
    /// One class label per sample.
    public var labels: [Int32]

    /// Samples and their labels; the counts must agree.
    public init(sampleShape: [Int], samples: [Float], labels: [Int32]) {
        precondition(samples.count == labels.count * sampleShape.reduce(1, *), "samples and labels disagree in count")
        self.sampleShape = sampleShape
        self.samples = samples
        self.labels = labels
    }

    /// The number of samples.
    public var count: Int { labels.count }
    /// Values per sample.
    public var sampleSize: Int { sampleShape.reduce(1, *) }

    /// The samples `range` as a new dataset.
    public func slice(_ range: Range<Int>) -> LabeledSamples {
        LabeledSamples(sampleShape: sampleShape,
                samples: Array(samples[range.lowerBound * sampleSize..<range.upperBound * sampleSize]),
                labels: Array(labels[range]))
    }
}
