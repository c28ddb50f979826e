import CKernels

/// The optimizer step of a training batch, computing the gradients of every ``DeferredGradientLayer`` inside
/// it, a block at a time, and updating the other parameters from their gradient buffers as
/// ``Optimizer/step()`` does.
///
/// With up to two workers and at most 256 samples per worker (one k block of the GEMM), the sums round
/// exactly as a ``Model/trainingPass(_:labels:batch:)`` followed by ``Optimizer/step()`` would.
final class DeferredParameterUpdate {
    private enum Task {
        /// A block of the layer at `node`, whose parameters start at model parameter `firstParameter`.
        case deferred(layer: DeferredGradientLayer, node: Int, firstParameter: Int, block: DeferredBlock)
        /// Elements `range` of model parameter `parameter`, from the gradient buffers.
        case elements(parameter: Int, range: Range<Int>)

        /// Rough work for a batch of `batch` samples, in multiply-adds (an update is memory-bound, about as
        /// long as 16 multiply-adds per element).
        func cost(batch: Int) -> Int {
            switch self {
            case .deferred(let layer, _, _, let block): return layer.cost(of: block, batch: batch)
            case .elements(_, let range): return range.count * 16
            }
        }

        /// The node whose backward pass this task stands for, if it computes gradients.
        var deferredNode: Int? {
            if case .deferred(_, let node, _, _) = self { return node }
            return nil
        }
    }

    /// Floats of a stored gradient updated at a time, at most.
    private static let blockSize = 65536

    private let tasks: [Task]
    /// Where each thread's run of tasks ends (they start where the previous one ends), balanced for
    /// `balancedBatch` samples.
    private var shareEnds: [Int]
    private var balancedBatch = 0
    /// Per share, scratch memory for the largest block.
    private let scratch: [ScratchBuffer]
    /// Per share and node (share-major), seconds spent on deferred layers' tasks while profiling.
    private let profiledSeconds: UnsafeMutableBufferPointer<Double>
    private let nodeCount: Int

    /// The tasks of a model's `nodes`, whose layers defer their gradients as `plan` says; a shared layer's
    /// parameters are updated once, at its first node.
    init(nodes: [Node], plan: GradientPlan, threads: Int) {
        var tasks: [Task] = []
        var parameter = 0
        var largestBlock = 1
        var seen = Set<ObjectIdentifier>()
        for (node, layer) in nodes.map(\.layer).enumerated() where seen.insert(ObjectIdentifier(layer)).inserted {
            if plan.defersGradients[node], let deferring = layer as? DeferredGradientLayer {
                for block in deferring.deferredBlocks(threads: threads) {
                    tasks.append(.deferred(layer: deferring, node: node, firstParameter: parameter, block: block))
                    largestBlock = max(largestBlock, deferring.scratchSize(of: block))
                }
            } else {
                for (offset, weights) in layer.parameters.enumerated() {
                    for start in stride(from: 0, to: weights.count, by: Self.blockSize) {
                        tasks.append(.elements(parameter: parameter + offset, range: start..<min(start + Self.blockSize, weights.count)))
                    }
                }
            }
            parameter += layer.parameters.count
        }
        self.tasks = tasks
        let shares = max(1, min(threads, tasks.count))
        shareEnds = [Int](repeating: tasks.count, count: shares)
        scratch = (0..<shares).map { _ in
            let buffer = ScratchBuffer()
            _ = buffer.reserve(largestBlock)
            return buffer
        }
        nodeCount = nodes.count
        profiledSeconds = .allocate(capacity: shares * nodes.count)
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

    /// Updates every parameter after a training pass of `workers` that deferred their layers' gradients;
    /// `extraGradients` are the gradient buffers of workers 1... for the other layers. Counts the step.
    func step(_ optimizer: Optimizer, workers: ArraySlice<Worker>, extraGradients: ArraySlice<[UnsafeMutablePointer<Float>]>,
              profiler: LayerProfiler?) {
        let batch = workers.reduce(0) { $0 + $1.lastBatch }
        if batch != balancedBatch { balance(batch: batch) }
        optimizer.beginStep()
        Parallel.forEachChunk(shareEnds.count) { range in
            for share in range {
                let gradient = scratch[share].pointer
                for task in tasks[(share == 0 ? 0 : shareEnds[share - 1])..<shareEnds[share]] {
                    let started = profiler == nil ? 0 : LayerProfiler.now()
                    Self.perform(task, optimizer: optimizer, workers: workers, extraGradients: extraGradients, gradient: gradient)
                    if profiler != nil, let node = task.deferredNode {
                        profiledSeconds[share * nodeCount + node] += LayerProfiler.now() - started
                    }
                }
            }
        }
        if let profiler {
            // Counted as the deferring layers' backward pass, which this work replaces (with their update
            // added): like the passes, one thread's time, on average, for the whole batch's work.
            for node in 0..<nodeCount {
                let seconds = shareEnds.indices.reduce(0) { $0 + profiledSeconds[$1 * nodeCount + node] }
                profiler.addBackward(node, seconds / Double(shareEnds.count))
            }
            profiledSeconds.update(repeating: 0)
        }
        optimizer.parameters.forEach { $0.valuesChanged() }
        optimizer.iterations += 1
    }

    private static func perform(_ task: Task, optimizer: Optimizer, workers: ArraySlice<Worker>,
                                extraGradients: ArraySlice<[UnsafeMutablePointer<Float>]>, gradient: UnsafeMutablePointer<Float>) {
        switch task {
        case .deferred(let layer, let node, let firstParameter, let block):
            let extra = layer.computeGradient(of: block, parts: DeferredParts(workers: workers, node: node), into: gradient)
            optimizer.update(firstParameter + block.parameter, range: block.elements, gradient: gradient, extra: extra)
        case .elements(let parameter, let range):
            let own = optimizer.parameters[parameter].gradient
            addGradients(of: parameter, range: range, from: extraGradients.dropFirst(), into: own)
            optimizer.update(parameter, range: range, gradient: own + range.lowerBound,
                             extra: extraGradients.first.map { UnsafePointer($0[parameter] + range.lowerBound) })
        }
    }
}
