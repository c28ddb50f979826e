import CKernels

/// The optimizer step of a training batch, computing the Dense layers' parameter gradients inside it.
///
/// A Dense kernel's gradient is `inputᵀ · outputGradient` summed over the workers' parts of the batch. Rather
/// than each worker writing its whole part to memory and the optimizer reading all of them back, the step
/// computes the gradient a block of kernel rows at a time (at most 256 KiB, which stays in cache) from what the
/// workers kept of the pass, and updates those rows at once. For the MLP's 1.5 M weights that is 6 MB per
/// worker that no longer goes to memory and back every step. Other layers' parameters are updated from their
/// gradient buffers, as ``Optimizer/step()`` does.
///
/// With up to two workers and at most 256 samples per worker (one k block of the GEMM), the sums round
/// exactly as a ``Sequential/trainingPass(_:labels:batch:)`` followed by ``Optimizer/step()`` would.
final class DeferredDenseUpdate {
    private enum Task {
        /// Rows `rows` of the kernel of `dense` (the layer at `layer`, parameter `parameter` of the model).
        case kernelRows(dense: Dense, layer: Int, parameter: Int, rows: Range<Int>)
        /// The bias of `dense`.
        case bias(dense: Dense, layer: Int, parameter: Int)
        /// Elements `range` of parameter `parameter` of another layer, from the gradient buffers.
        case elements(parameter: Int, range: Range<Int>)

        /// Rough work for a batch of `batch` samples, in multiply-adds: the gradient's, plus an update's worth
        /// (memory-bound, about as long as 16 multiply-adds) per element.
        func cost(batch: Int) -> Int {
            switch self {
            case .kernelRows(let dense, _, _, let rows): return rows.count * dense.units * (batch + 16)
            case .bias(let dense, _, _): return dense.units * (batch + 16)
            case .elements(_, let range): return range.count * 16
            }
        }

        /// The Dense layer whose gradient this task computes, if any.
        var denseLayer: Int? {
            switch self {
            case .kernelRows(_, let layer, _, _), .bias(_, let layer, _): return layer
            case .elements: return nil
            }
        }
    }

    /// Floats of kernel gradient computed and applied at a time, at most.
    private static let blockSize = 65536

    private let tasks: [Task]
    /// Where each thread's run of tasks ends (they start where the previous one ends), balanced for
    /// `balancedBatch` samples.
    private var shareEnds: [Int]
    private var balancedBatch = 0
    /// Per share, room for one block of kernel gradient, or two bias gradients.
    private let scratch: [ScratchBuffer]
    /// Per share and layer (share-major), seconds spent on Dense layers' tasks while profiling.
    private let profiledSeconds: UnsafeMutableBufferPointer<Double>
    private let layerCount: Int

    init(layers: [Layer], threads: Int) {
        var tasks: [Task] = []
        var parameter = 0
        var largestBlock = 1
        for (layer, body) in layers.enumerated() {
            if let dense = body as? Dense {
                // Blocks small enough that every thread gets a few of each kernel's.
                let rowsPerBlock = max(1, min(Self.blockSize / dense.units, dense.inputSize / (4 * threads)))
                for start in stride(from: 0, to: dense.inputSize, by: rowsPerBlock) {
                    tasks.append(.kernelRows(dense: dense, layer: layer, parameter: parameter,
                                             rows: start..<min(start + rowsPerBlock, dense.inputSize)))
                }
                if dense.useBias { tasks.append(.bias(dense: dense, layer: layer, parameter: parameter + 1)) }
                largestBlock = max(largestBlock, rowsPerBlock * dense.units, 2 * dense.units)
            } else {
                for (offset, weights) in body.parameters.enumerated() {
                    for start in stride(from: 0, to: weights.count, by: Self.blockSize) {
                        tasks.append(.elements(parameter: parameter + offset,
                                               range: start..<min(start + Self.blockSize, weights.count)))
                    }
                }
            }
            parameter += body.parameters.count
        }
        self.tasks = tasks
        let shares = max(1, min(threads, tasks.count))
        shareEnds = [Int](repeating: tasks.count, count: shares)
        scratch = (0..<shares).map { _ in
            let buffer = ScratchBuffer()
            _ = buffer.reserve(largestBlock)
            return buffer
        }
        layerCount = layers.count
        profiledSeconds = .allocate(capacity: shares * layers.count)
        profiledSeconds.initialize(repeating: 0)
    }

    deinit { profiledSeconds.deallocate() }

    /// Cuts the tasks into contiguous runs where the running cost passes each thread's fair share (in
    /// place: called again only when the batch size changes).
    private func balance(batch: Int) {
        let total = max(1, tasks.reduce(0) { $0 + $1.cost(batch: batch) })
        let shares = shareEnds.count
        var done = 0
        for share in 0..<shares { shareEnds[share] = 0 }
        for (index, task) in tasks.enumerated() {
            shareEnds[min(shares - 1, done * shares / total)] = index + 1
            done += task.cost(batch: batch)
        }
        // A share left without tasks ends where the one before it does.
        for share in 1..<max(1, shares) where shareEnds[share] < shareEnds[share - 1] { shareEnds[share] = shareEnds[share - 1] }
        balancedBatch = batch
    }

    /// Updates every parameter after a training pass of `workers` that deferred their Dense gradients;
    /// `extraGradients` are the gradient buffers of workers 1... for the other layers. Counts the step.
    func step(_ optimizer: Optimizer, workers: ArraySlice<Worker>, extraGradients: ArraySlice<[UnsafeMutablePointer<Float>]>,
              profiler: LayerProfiler?) {
        let batch = workers.reduce(0) { $0 + $1.lastBatch }
        if batch != balancedBatch { balance(batch: batch) }
        Parallel.forEachChunk(shareEnds.count) { range in
            for share in range {
                let gradient = scratch[share].pointer
                for task in tasks[(share == 0 ? 0 : shareEnds[share - 1])..<shareEnds[share]] {
                    let started = profiler == nil ? 0 : LayerProfiler.now()
                    Self.perform(task, optimizer: optimizer, workers: workers, extraGradients: extraGradients, gradient: gradient)
                    if profiler != nil, let layer = task.denseLayer {
                        profiledSeconds[share * layerCount + layer] += LayerProfiler.now() - started
                    }
                }
            }
        }
        if let profiler {
            // Counted as the Dense layers' backward pass, which this work replaces (with their update added):
            // like the passes, one thread's time, on average, for the whole batch's work.
            for layer in 0..<layerCount {
                let seconds = shareEnds.indices.reduce(0) { $0 + profiledSeconds[$1 * layerCount + layer] }
                profiler.addBackward(layer, seconds / Double(shareEnds.count))
            }
            profiledSeconds.update(repeating: 0)
        }
        optimizer.iterations += 1
    }

    /// The worker whose part is summed at `position` of `count`: worker 0 first and worker 1 last, so that the
    /// sums round as the gradient buffers' path does (worker 0 plus workers 2..., then worker 1 summed in by
    /// the optimizer).
    private static func workerSummed(at position: Int, of count: Int) -> Int {
        position == 0 ? 0 : position == count - 1 ? 1 : position + 1
    }

    private static func perform(_ task: Task, optimizer: Optimizer, workers: ArraySlice<Worker>,
                                extraGradients: ArraySlice<[UnsafeMutablePointer<Float>]>, gradient: UnsafeMutablePointer<Float>) {
        let first = workers.startIndex
        switch task {
        case .kernelRows(let dense, let layer, let parameter, let rows):
            let inputs = dense.inputSize, units = dense.units
            for position in 0..<workers.count {
                let worker = workers[first + workerSummed(at: position, of: workers.count)]
                gemm(transposeA: true, m: rows.count, n: units, k: worker.lastBatch, worker.input(ofLayer: layer) + rows.lowerBound,
                     lda: inputs, worker.denseOutputGradient(layer), ldb: units, accumulate: position > 0, gradient, ldc: units)
            }
            optimizer.update(parameter, range: rows.lowerBound * units..<rows.upperBound * units, gradient: gradient, extra: nil)
        case .bias(let dense, let layer, let parameter):
            let units = dense.units, part = gradient + units
            for position in 0..<workers.count {
                let worker = workers[first + workerSummed(at: position, of: workers.count)]
                let target = position == 0 ? gradient : part
                columnSums(target, worker.denseOutputGradient(layer), rows: worker.lastBatch, width: units)
                if position > 0 && position < workers.count - 1 { ck_add(gradient, part, units) }
            }
            optimizer.update(parameter, range: 0..<units, gradient: gradient, extra: workers.count > 1 ? UnsafePointer(part) : nil)
        case .elements(let parameter, let range):
            let own = optimizer.parameters[parameter].gradient
            addGradients(of: parameter, range: range, from: extraGradients.dropFirst(), into: own)
            optimizer.update(parameter, range: range, gradient: own + range.lowerBound,
                             extra: extraGradients.first.map { UnsafePointer($0[parameter] + range.lowerBound) })
        }
    }
}
