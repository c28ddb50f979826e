/// Samples for a model, as Keras's `x`, `y` and `sample_weight`: per input, the samples' values; per output,
/// their targets (none for predicting); and optionally a weight per sample. Each array holds the samples one
/// after another, float32, row-major; a sample of each is `count`-th of it.
public struct Samples: Sendable {
    /// Per input, `count` samples of that input's shape.
    public var inputs: [[Float]]
    /// Per output, `count` samples of that output's targets (see ``Loss/targetSize(outputShape:)``); empty
    /// for predicting.
    public var targets: [[Float]]
    /// One weight per sample, or nil: every sample weighs 1.
    public var sampleWeights: [Float]?
    /// The number of samples.
    public let count: Int

    /// Samples of each input with, per output, their targets; every array must hold `count` samples' worth.
    public init(count: Int, inputs: [[Float]], targets: [[Float]] = [], sampleWeights: [Float]? = nil) throws {
        guard count >= 0 else { throw SamplesError.sampleCount(count) }
        for (index, input) in inputs.enumerated() where count == 0 ? !input.isEmpty : input.count % count != 0 {
            throw SamplesError.partialSamples(array: "input \(index)", values: input.count, samples: count)
        }
        for (index, target) in targets.enumerated() where count == 0 ? !target.isEmpty : target.count % count != 0 {
            throw SamplesError.partialSamples(array: "targets \(index)", values: target.count, samples: count)
        }
        if let sampleWeights {
            guard sampleWeights.count == count else { throw SamplesError.weightCount(weights: sampleWeights.count, samples: count) }
            if let index = sampleWeights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
                throw SamplesError.invalidWeight(index: index, value: sampleWeights[index])
            }
        }
        self.count = count
        self.inputs = inputs
        self.targets = targets
        self.sampleWeights = sampleWeights
    }

    /// Values per sample of each input.
    public var inputSizes: [Int] { inputs.map { count == 0 ? 0 : $0.count / count } }
    /// Values per sample of each output's targets.
    public var targetSizes: [Int] { targets.map { count == 0 ? 0 : $0.count / count } }

    /// The samples without and with their last `fraction`, split where Keras's `validation_split` splits them
    /// (the training part rounded down). Throws when either part would be empty, as Keras does.
    public func splitForValidation(_ fraction: Double) throws -> (training: Samples, validation: Samples) {
        let kept = try Self.trainingCount(of: count, validationSplit: fraction)
        return (slice(0..<kept), slice(kept..<count))
    }

    /// How many of `count` samples train when the last `fraction` validate, as Keras's `validation_split`
    /// rounds it; throws when either part would be empty, as Keras does.
    static func trainingCount(of count: Int, validationSplit fraction: Double) throws -> Int {
        let kept = fraction > 0 && fraction < 1 ? Int((Double(count) * (1 - fraction)).rounded(.down)) : 0
        guard kept > 0, kept < count else { throw SamplesError.validationSplit(samples: count, fraction: fraction) }
        return kept
    }

    /// The samples weighed by the class of each one's target, as Keras's `class_weight` weighs them: the
    /// class is the index of the largest of a sample's target values (its value, rounded, when it has one), and
    /// a class not in `classWeight` weighs 1. Keras takes it for one output and without sample weights.
    public func weighted(byClass classWeight: [Int: Float]) throws -> Samples {
        guard targets.count == 1 else { throw SamplesError.classWeight("class weights need a model of one output, not \(targets.count)") }
        guard sampleWeights == nil else { throw SamplesError.classWeight("class weights and sample weights cannot both be given") }
        if let (label, weight) = classWeight.first(where: { !$0.value.isFinite || $0.value < 0 }) {
            throw SamplesError.classWeight("class \(label)'s weight is \(weight); weights must be finite and 0 or more")
        }
        let size = targetSizes[0], values = targets[0]
        let weights = (0..<count).map { sample -> Float in
            let row = values[sample * size..<(sample + 1) * size]
            let label = size == 1 ? Int(row.first!.rounded()) : row.indices.max { row[$0] < row[$1] }! - sample * size
            return classWeight[label] ?? 1
        }
        return try Samples(count: count, inputs: inputs, targets: targets, sampleWeights: weights)
    }

    /// The samples `range` as a dataset of their own.
    public func slice(_ range: Range<Int>) -> Samples {
        func part(_ array: [Float], _ size: Int) -> [Float] { Array(array[range.lowerBound * size..<range.upperBound * size]) }
        // The arrays divide evenly by construction, so this cannot throw.
        return try! Samples(count: range.count, inputs: zip(inputs, inputSizes).map(part), targets: zip(targets, targetSizes).map(part),
                            sampleWeights: sampleWeights.map { Array($0[range]) })
    }
}

/// Arrays that do not make a dataset.
public enum SamplesError: Error, Equatable, CustomStringConvertible {
    /// A negative sample count.
    case sampleCount(Int)
    /// An array whose values do not divide into the samples.
    case partialSamples(array: String, values: Int, samples: Int)
    /// Another number of sample weights than samples.
    case weightCount(weights: Int, samples: Int)
    /// A sample weight that is negative, NaN or infinite.
    case invalidWeight(index: Int, value: Float)
    /// A validation split that leaves no training or no validation sample.
    case validationSplit(samples: Int, fraction: Double)
    /// Class weights that cannot apply.
    case classWeight(String)

    public var description: String {
        switch self {
        case .sampleCount(let count): return "a dataset cannot have \(count) samples"
        case .partialSamples(let array, let values, let samples): return "\(array) holds \(values) values, not a whole number of values for each of \(samples) samples"
        case .weightCount(let weights, let samples): return "\(weights) sample weights for \(samples) samples"
        case .invalidWeight(let index, let value): return "sample weight \(index) is \(value); weights must be finite and 0 or more"
        case .validationSplit(let samples, let fraction):
            return "a validation split of \(fraction) leaves no training or no validation sample of \(samples); it must be between 0 and 1"
        case .classWeight(let reason): return reason
        }
    }
}

/// Calls `body` with a pointer to each array's values (a pointer that is never read for an empty one).
public func withUnsafePointers<R>(to arrays: [[Float]], _ body: ([UnsafePointer<Float>]) throws -> R) rethrows -> R {
    var pointers: [UnsafePointer<Float>] = []
    let placeholder = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    defer { placeholder.deallocate() }
    func nest(_ index: Int) throws -> R {
        guard index < arrays.count else { return try body(pointers) }
        return try arrays[index].withUnsafeBufferPointer { buffer in
            pointers.append(buffer.baseAddress ?? UnsafePointer(placeholder))
            defer { pointers.removeLast() }
            return try nest(index + 1)
        }
    }
    return try nest(0)
}
