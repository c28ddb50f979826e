/// Where `fit`, `evaluate` and `predict` read their samples from, a batch at a time, as Keras reads a
/// `PyDataset`: ``Samples`` in memory, or arrays read as they are needed (a memory-mapped `.npy`), so that a
/// data set need not be held whole in memory. A source gives per input, and per output's targets, a fixed
/// number of float32 values per sample, in the model's orders.
public protocol SampleSource {
    /// The number of samples.
    var count: Int { get }
    /// Values per sample of each input.
    var inputSizes: [Int] { get }
    /// Values per sample of each output's targets; empty for samples to predict.
    var targetSizes: [Int] { get }
    /// Whether each sample carries a weight (one value per sample, ``SampleArray/sampleWeights``).
    var hasSampleWeights: Bool { get }
    /// Writes the values of the samples `rows` (indices below ``count``, in that order) of `array` one after
    /// another to `destination`. Throws when they cannot be read.
    func gather(_ array: SampleArray, rows: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>) throws
}

/// One of a ``SampleSource``'s arrays.
public enum SampleArray: Sendable, Equatable {
    /// The samples of input `index`.
    case input(Int)
    /// The targets of output `index`.
    case target(Int)
    /// One weight per sample.
    case sampleWeights
}

extension SampleSource {
    /// Every array of the source, in the order inputs, targets, weights, with its values per sample.
    var arrays: [(array: SampleArray, size: Int)] {
        inputSizes.indices.map { (.input($0), inputSizes[$0]) } + targetSizes.indices.map { (.target($0), targetSizes[$0]) }
            + (hasSampleWeights ? [(.sampleWeights, 1)] : [])
    }

    /// The samples `range` as a source of their own, reading from this one.
    public func slice(_ range: Range<Int>) -> SampleSource {
        SampleSlice(base: self, range: range)
    }

    /// The samples without and with their last `fraction`, split where Keras's `validation_split` splits them
    /// (the training part rounded down). Throws when either part would be empty, as Keras does.
    public func splitForValidation(_ fraction: Double) throws -> (training: SampleSource, validation: SampleSource) {
        let kept = try Samples.trainingCount(of: count, validationSplit: fraction)
        return (slice(0..<kept), slice(kept..<count))
    }
}

/// A run of another source's samples.
struct SampleSlice: SampleSource {
    let base: SampleSource
    let range: Range<Int>

    var count: Int { range.count }
    var inputSizes: [Int] { base.inputSizes }
    var targetSizes: [Int] { base.targetSizes }
    var hasSampleWeights: Bool { base.hasSampleWeights }

    func gather(_ array: SampleArray, rows: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>) throws {
        let shifted = rows.map { $0 + range.lowerBound }
        try shifted.withUnsafeBufferPointer { try base.gather(array, rows: $0, into: destination) }
    }
}

extension Samples: SampleSource {
    public var hasSampleWeights: Bool { sampleWeights != nil }

    public func gather(_ array: SampleArray, rows: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>) {
        let (values, size): ([Float], Int)
        switch array {
        case .input(let index): (values, size) = (inputs[index], inputSizes[index])
        case .target(let index): (values, size) = (targets[index], targetSizes[index])
        case .sampleWeights: (values, size) = (sampleWeights ?? [], 1)
        }
        values.withUnsafeBufferPointer { source in
            for (position, row) in rows.enumerated() {
                (destination + position * size).update(from: source.baseAddress! + row * size, count: size)
            }
        }
    }
}
