import Foundation

extension Model {
    /// Loss and metrics over samples with targets, as `model.evaluate` reports them: the total loss (each
    /// output's times its weight, and any activity penalty), each output's loss and each metric. Refuses data
    /// that does not suit the model (see ``check(_:targets:)``); from a source other than ``Samples``, the
    /// sizes first and the values batch by batch, as they are read. Batches of Keras's default size: a masked
    /// output's loss is the mean over each batch's unmasked positions, as Keras takes it.
    public func evaluate(_ data: SampleSource, batchSize: Int = 32, progress: ((Int, Int) -> Void)? = nil) throws -> Evaluation {
        var totals = BatchResult()
        let started = Date()
        try forEachBatch(of: data, targets: true, batchSize: batchSize, progress: progress) { _, batch in
            totals += run(batch, training: false, destinations: nil).result
        }
        return Evaluation(scores: scores(totals), outputs: outputScores(totals), count: data.count,
                          seconds: Date().timeIntervalSince(started))
    }

    /// Each output's values for the inputs of `data` (its targets, if any, are not read), as
    /// ``predictEach(_:batchSize:training:progress:)`` gives them for arrays in memory.
    public func predictEach(_ data: SampleSource, batchSize: Int = 128, training: Bool = false,
                            progress: ((Int, Int) -> Void)? = nil) throws -> [[Float]] {
        let sizes = outputSizes, count = data.count
        let buffers = sizes.map { UnsafeMutablePointer<Float>.allocate(capacity: max(1, count * $0)) }
        defer { buffers.forEach { $0.deallocate() } }
        let places = UnsafeMutablePointer<UnsafeMutablePointer<Float>?>.allocate(capacity: max(1, sizes.count))
        defer { places.deallocate() }
        for (index, buffer) in buffers.enumerated() { places[index] = buffer }
        try forEachBatch(of: data, targets: false, batchSize: max(1, batchSize), progress: progress) { start, batch in
            _ = run(batch, training: training, destinations: OutputDestinations(pointers: places, firstSample: start))
        }
        return zip(buffers, sizes).map { Array(UnsafeBufferPointer(start: $0, count: count * $1)) }
    }

    /// Calls `body(start, batch)` for consecutive batches of `data` in order: pointers into the arrays of
    /// ``Samples``, or the values of another source gathered into buffers reused from batch to batch (and
    /// checked as they come). With `targets` false, only the inputs are read.
    func forEachBatch(of data: SampleSource, targets: Bool, batchSize: Int, progress: ((Int, Int) -> Void)?,
                              _ body: (_ start: Int, _ batch: Batch) throws -> Void) throws {
        let inputCount = inputs.count, targetCount = targets ? outputs.count : 0
        let weighted = targets && data.hasSampleWeights
        if let samples = data as? Samples {
            try check(samples, targets: targets)
            let inputSizes = self.inputSizes, targetSizes = self.targetSizes
            try withUnsafePointers(to: samples.inputs + (targets ? samples.targets : []) + [samples.sampleWeights ?? []]) { arrays in
                try forEachInferenceBatch(count: samples.count, batchSize: batchSize, progress: progress) { start, count in
                    try body(start, Batch(count: count, inputs: (0..<inputCount).map { arrays[$0] + start * inputSizes[$0] },
                                          targets: (0..<targetCount).map { arrays[inputCount + $0] + start * targetSizes[$0] },
                                          sampleWeights: weighted ? arrays[arrays.count - 1] + start : nil))
                }
            }
            return
        }
        try checkLayout(data, targets: targets)
        let arrays = data.arrays.filter { entry in
            if case .input = entry.array { return true }
            return targets
        }
        var buffers = arrays.map { [Float](repeating: 0, count: min(batchSize, data.count) * $0.size) }
        try forEachInferenceBatch(count: data.count, batchSize: batchSize, progress: progress) { start, count in
            try Array(start..<start + count).withUnsafeBufferPointer { rows in
                for (index, entry) in arrays.enumerated() {
                    try buffers[index].withUnsafeMutableBufferPointer { try data.gather(entry.array, rows: rows, into: $0.baseAddress!) }
                }
                try withUnsafePointers(to: Array(buffers[..<(inputCount + targetCount)])) { try checkValues($0, samples: count, rows: rows) }
            }
            try withUnsafePointers(to: buffers) { pointers in
                try body(start, Batch(count: count, inputs: Array(pointers[..<inputCount]),
                                      targets: Array(pointers[inputCount..<inputCount + targetCount]),
                                      sampleWeights: weighted ? pointers[pointers.count - 1] : nil))
            }
        }
    }
}
