/// Samples and integer labels held contiguously: `count` samples of `sampleShape` float32 values each.
public struct LabeledSamples: Sendable {
    public let sampleShape: [Int]
    public var samples: [Float]
    public var labels: [Int32]

    public init(sampleShape: [Int], samples: [Float], labels: [Int32]) {
        precondition(samples.count == labels.count * sampleShape.reduce(1, *), "samples and labels disagree in count")
        self.sampleShape = sampleShape
        self.samples = samples
        self.labels = labels
    }

    public var count: Int { labels.count }
    public var sampleSize: Int { sampleShape.reduce(1, *) }

    /// The samples `range` as a new dataset.
    public func slice(_ range: Range<Int>) -> LabeledSamples {
        LabeledSamples(sampleShape: sampleShape,
                samples: Array(samples[range.lowerBound * sampleSize..<range.upperBound * sampleSize]),
                labels: Array(labels[range]))
    }
}
