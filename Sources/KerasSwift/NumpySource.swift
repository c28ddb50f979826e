import NeuralNet
import NumPy

/// Samples read from `.npy` files as training, evaluation and prediction need them: each file is mapped into
/// memory, not read, and each batch's rows are converted to float32 as they are gathered, so a data set larger
/// than memory can be used. Every file holds one array of the samples, first axis the sample, of any numeric
/// dtype (as `Tensor(npy:)` takes it).
public struct NumpySource: SampleSource {
    /// Per input, in the model's order, its file.
    public let inputs: [MappedNumpyArray]
    /// Per output, in the model's order, its targets' file; empty for predicting.
    public let targets: [MappedNumpyArray]
    /// One weight per sample, if given.
    public let sampleWeights: MappedNumpyArray?

    /// Maps the files: one per input, one per output's targets (none to predict), and optionally one of sample
    /// weights. Throws `NumpyError` naming a file that cannot be mapped or whose sample count differs from
    /// the first input's.
    public init(inputs: [String], targets: [String] = [], sampleWeights: String? = nil) throws {
        self.inputs = try inputs.map(MappedNumpyArray.init)
        self.targets = try targets.map(MappedNumpyArray.init)
        self.sampleWeights = try sampleWeights.map(MappedNumpyArray.init)
        guard let first = self.inputs.first else { throw NumpyError(file: "", reason: "a source needs at least one input file") }
        for array in self.inputs + self.targets + (self.sampleWeights.map { [$0] } ?? []) where array.rows != first.rows {
            throw NumpyError(file: array.path, reason: "holds \(array.rows) samples where \(first.path) holds \(first.rows)")
        }
        if let weights = self.sampleWeights, weights.rowSize != 1 {
            throw NumpyError(file: weights.path, reason: "holds \(weights.rowSize) values per sample; sample weights are one per sample")
        }
    }

    public var count: Int { inputs[0].rows }
    public var inputSizes: [Int] { inputs.map(\.rowSize) }
    public var targetSizes: [Int] { targets.map(\.rowSize) }
    public var hasSampleWeights: Bool { sampleWeights != nil }

    public func gather(_ array: SampleArray, rows: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>) {
        switch array {
        case .input(let index): inputs[index].floats(rows: rows, into: destination)
        case .target(let index): targets[index].floats(rows: rows, into: destination)
        case .sampleWeights: sampleWeights?.floats(rows: rows, into: destination)
        }
    }
}
