import CKernels
import Foundation

/// A stack of layers run one after another, like `keras.Sequential`.
///
/// Each batch is split between worker threads, one per core; each worker runs the whole stack on its part
/// with its own activations and scratch memory, and the parameter gradients of the parts are summed. Buffers
/// grow to the largest batch seen and are then reused, so steady-state passes allocate nothing. One model
/// runs one pass at a time.
public final class Sequential {
    public var name: String
    /// Per-sample input shape, e.g. `[28, 28, 1]`.
    public let inputShape: [Int]
    public let layers: [Layer]
    /// The seed the parameters and dropout masks were drawn from.
    public let seed: UInt64
    /// True when the last layer ends in softmax: the loss then uses its logits, as Keras does.
    private let softmaxOutput: Bool
    private let workers: [Worker]
    /// Each worker's summed result of the current batch (reused: the per-batch path allocates nothing).
    private let results: UnsafeMutableBufferPointer<BatchResult>
    /// Workers 1... gradient buffers, one per parameter in model order.
    private let extraWorkerGradients: [[UnsafeMutablePointer<Float>]]
    /// The optimizer step of ``trainingStep(_:labels:batch:optimizer:)``.
    private let update: DeferredDenseUpdate
    /// When set, the first worker times every layer's forward and backward pass into it.
    public var profiler: LayerProfiler?
    /// Samples an inference pass runs through the layers at a time: as many as keep the largest layer
    /// output within about 1 MiB (the second-level cache), but at least 16, so that Dense layers still
    /// read their weights once for many samples.
    private let inferenceSlice: Int

    /// Builds every layer in order; parameters get Keras's default initialisation from `seed`, or are left
    /// unset when `initializeWeights` is false (weights about to be loaded, every one of them).
    public init(name: String = "sequential", inputShape: [Int], layers: [Layer], seed: UInt64 = 0,
                initializeWeights: Bool = true, workerCount: Int = Parallel.coreCount) throws {
        _ = MatrixBackend.current
        guard !layers.isEmpty else { throw ModelError.invalidConfiguration("a model needs at least one layer") }
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw ModelError.invalidConfiguration("input shape \(describeShape(inputShape, batch: true)) is not usable")
        }
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
        self.seed = seed
        var initializer = ParameterInitializer(seed: initializeWeights ? seed : nil)
        var shape = inputShape
        try Self.checkSampleSize(inputShape, layer: "input")
        for layer in layers {
            try layer.build(inputShape: shape, initializer: &initializer)
            shape = layer.outputShape
            guard shape.allSatisfy({ $0 > 0 }) else {
                throw ModelError.invalidInput(layer: layer.name, reason: "produces an empty output \(describeShape(shape, batch: true))")
            }
            try Self.checkSampleSize(shape, layer: layer.name)
        }
        if let last = layers.last as? ActivatedLayer, last.activation == .softmax {
            last.activationDeferred = true
            softmaxOutput = true
        } else {
            softmaxOutput = false
        }
        let largestOutput = layers.map(\.outputSize).max() ?? 1
        inferenceSlice = max(16, (1 << 20) / (largestOutput * MemoryLayout<Float>.stride))
        workers = (0..<max(1, workerCount)).map { Worker(layers: layers, index: $0, seed: seed) }
        results = .allocate(capacity: workers.count)
        results.initialize(repeating: BatchResult())
        extraWorkerGradients = workers.dropFirst().map { worker in worker.ownGradients.map(\.pointer) }
        update = DeferredDenseUpdate(layers: layers, threads: Parallel.coreCount)
    }

    deinit { results.deallocate() }

    /// The largest per-sample activation a layer may produce (2^24 floats, 64 MiB).
    public static let maximumSampleSize = 1 << 24

    private static func checkSampleSize(_ shape: [Int], layer: String) throws {
        guard elementCount(shape, atMost: maximumSampleSize) != nil else {
            throw ModelError.invalidInput(layer: layer, reason: "an output of shape \(describeShape(shape, batch: true)) per sample is larger than the limit of \(maximumSampleSize) values")
        }
    }

    /// Per-sample output shape.
    public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }
    public var inputSize: Int { inputShape.reduce(1, *) }
    public var outputSize: Int { outputShape.reduce(1, *) }

    /// All trainable arrays in model order (each layer's kernel, then bias).
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Samples an inference call needs before its Dense kernels are packed once for the whole call: enough to
    /// give each worker a part on which the GEMM would pack them itself (four 6-row tiles), for every batch.
    public static let packingSamples = 64

    /// Calls `body(start, batch)` for consecutive batches of at most `batchSize` of `count` samples, with the
    /// Dense kernels packed for the GEMM once for the whole call, rather than per product, when there are
    /// enough samples.
    private func forEachInferenceBatch(count: Int, batchSize: Int, progress: ((Int, Int) -> Void)?,
                                       _ body: (_ start: Int, _ batch: Int) -> Void) {
        let dense = count >= Self.packingSamples ? layers.compactMap { $0 as? Dense } : []
        dense.forEach { $0.packKernel() }
        defer { dense.forEach { $0.unpackKernel() } }
        var start = 0
        while start < count {
            let batch = min(batchSize, count - start)
            body(start, batch)
            start += batch
            progress?(start, count)
        }
    }

    /// Class outputs for `samples` (count × inputSize values), computed `batchSize` at a time.
    public func predict(_ samples: [Float], batchSize: Int = 128, progress: ((Int, Int) -> Void)? = nil) -> [Float] {
        let count = samples.count / inputSize
        var result = [Float](repeating: 0, count: count * outputSize)
        samples.withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { out in
                forEachInferenceBatch(count: count, batchSize: batchSize, progress: progress) { start, batch in
                    _ = run(input.baseAddress! + start * inputSize, labels: nil, batch: batch, training: false,
                            probabilities: out.baseAddress! + start * outputSize)
                }
            }
        }
        return result
    }

    /// Loss and accuracy over a labelled dataset, as `model.evaluate` reports them.
    public func evaluate(_ data: Dataset, batchSize: Int = 128, progress: ((Int, Int) -> Void)? = nil) -> Evaluation {
        var totals = BatchResult()
        let started = Date()
        data.samples.withUnsafeBufferPointer { input in
            data.labels.withUnsafeBufferPointer { labels in
                forEachInferenceBatch(count: data.count, batchSize: batchSize, progress: progress) { start, batch in
                    totals += run(input.baseAddress! + start * inputSize, labels: labels.baseAddress! + start, batch: batch,
                                  training: false, probabilities: nil).result
                }
            }
        }
        let count = max(1, data.count)
        return Evaluation(loss: totals.loss / Double(count), accuracy: Double(totals.correct) / Double(count),
                          count: data.count, seconds: Date().timeIntervalSince(started))
    }

    /// One forward and backward pass in training mode over `batch` samples: leaves in each parameter's
    /// `gradient` the gradient of the batch-mean loss. Returns the summed loss and the correct count.
    public func trainingPass(_ input: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int) -> BatchResult {
        let (result, parts) = run(input, labels: labels, batch: batch, training: true, probabilities: nil)
        if parts > 1 { sumGradients(into: parameters, extraGradients(parts)) }
        return result
    }

    /// A training pass followed by one optimizer step of `optimizer` (made for this model's parameters). Same
    /// result as `trainingPass` then `optimizer.step()`, but the Dense layers' gradients are computed inside
    /// the step and never stored (see ``DeferredDenseUpdate``): their parameters' `gradient` is left as it was.
    public func trainingStep(_ input: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int,
                             optimizer: Optimizer) -> BatchResult {
        let (result, parts) = run(input, labels: labels, batch: batch, training: true, probabilities: nil,
                                  deferDenseGradients: true)
        update.step(optimizer, workers: workers[0..<parts], extraGradients: extraGradients(parts), profiler: profiler)
        return result
    }

    /// The gradient buffers of workers 1..<parts, each one per parameter in model order.
    private func extraGradients(_ parts: Int) -> ArraySlice<[UnsafeMutablePointer<Float>]> {
        extraWorkerGradients[0..<max(0, parts - 1)]
    }

    /// Runs `batch` samples through the workers: forward always; loss and accuracy when labels are given;
    /// backward when training (the first worker's gradients land in the parameters, the others' in their
    /// own buffers; Dense layers' kept for later when `deferDenseGradients`). Returns the summed result and
    /// how many workers took part.
    private func run(_ input: UnsafePointer<Float>, labels: UnsafePointer<Int32>?, batch: Int, training: Bool,
                     probabilities: UnsafeMutablePointer<Float>?, deferDenseGradients: Bool = false) -> (result: BatchResult, parts: Int) {
        let parts = min(workers.count, batch)
        let results = self.results
        var context = Worker.Context(layers: layers, softmaxOutput: softmaxOutput, inputSize: inputSize,
                                     outputSize: outputSize, gradientScale: 1 / Float(batch), profiler: nil)
        context.deferDenseGradients = deferDenseGradients
        var firstContext = context
        firstContext.profiler = profiler
        // A single image in inference: the first worker runs alone, so its layers may share out their work.
        if parts == 1 && !training { firstContext.layerThreads = workers.count }
        // Training needs every activation of the part for the backward pass; inference runs the part through
        // the layers a few samples at a time, so that each layer's output is still in cache for the next.
        let slice = training ? batch : inferenceSlice
        Parallel.forEachChunk(parts) { range in
            for part in range {
                let end = batch * (part + 1) / parts
                var start = batch * part / parts
                var result = BatchResult()
                while start < end {
                    let count = min(slice, end - start)
                    result += workers[part].run(
                        part == 0 ? firstContext : context, input: input + start * inputSize, labels: labels.map { $0 + start },
                        batch: count, training: training, probabilities: probabilities.map { $0 + start * outputSize },
                        gradientTarget: part == 0 ? .parameters : .own)
                    start += count
                }
                results[part] = result
            }
        }
        return (results[0..<parts].reduce(BatchResult(), +), parts)
    }

}

/// Summed loss and correct predictions over some samples.
public struct BatchResult: Sendable {
    public var loss: Double = 0
    public var correct: Int = 0

    public static func + (a: BatchResult, b: BatchResult) -> BatchResult {
        BatchResult(loss: a.loss + b.loss, correct: a.correct + b.correct)
    }

    public static func += (a: inout BatchResult, b: BatchResult) { a = a + b }
}

/// Loss and accuracy of a model on a dataset.
public struct Evaluation: Sendable {
    public let loss: Double
    public let accuracy: Double
    public let count: Int
    /// Wall-clock time of the evaluation.
    public let seconds: Double
}
