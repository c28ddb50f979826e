import CKernels
import Foundation

/// Where a node of a model takes one of its inputs from.
public enum NodeInput: Hashable, Sendable {
    /// The model's input at this index, in the order of ``Model/inputs``.
    case input(Int)
    /// Output `tensor` of the node at this index, an earlier one: 0, the layer's output, unless the layer
    /// gives several (a recurrent layer's states with `return_state`; see ``Layer/outputShapes``).
    case node(Int, tensor: Int = 0)
}

/// One use of a layer in a model: the layer and where each of its inputs comes from.
public struct Node {
    /// The layer this node runs.
    public let layer: Layer
    /// Where each of the layer's inputs comes from, in the layer's order.
    public let inputs: [NodeInput]

    /// A node running `layer` on `inputs`.
    public init(_ layer: Layer, inputs: [NodeInput]) {
        self.layer = layer
        self.inputs = inputs
    }
}

extension [Node] {
    /// The nodes' layers in the order of their first node, each once.
    var distinctLayers: [Layer] {
        var seen = Set<ObjectIdentifier>()
        return map(\.layer).filter { seen.insert(ObjectIdentifier($0)).inserted }
    }

    /// Per node, whether its layer also runs at another node (a shared layer).
    var runSharedLayers: [Bool] {
        var uses: [ObjectIdentifier: Int] = [:]
        for node in self { uses[ObjectIdentifier(node.layer), default: 0] += 1 }
        return map { uses[ObjectIdentifier($0.layer)]! > 1 }
    }
}

/// A model: layers joined into a graph from one or more inputs to one or more outputs, like `keras.Model`;
/// ``Sequential`` is the one-path case.
///
/// Each batch is split between worker threads, one per core; each worker runs the whole graph on its part
/// with its own activations and scratch memory, and the parameter gradients of the parts are summed. Buffers
/// grow to the largest batch seen and are then reused, so steady-state passes allocate nothing. One model
/// runs one pass at a time.
public class Model {
    /// The Keras model name, e.g. `sequential`.
    public var name: String
    /// The inputs, in Keras's order of the model's inputs.
    public let inputs: [Input]
    /// The nodes in an order where every node comes after those it takes inputs from.
    public let nodes: [Node]
    /// The nodes whose outputs are the model's, in Keras's order of the outputs (the last node by default).
    public let outputs: [Int]
    /// The seed the parameters and dropout masks were drawn from.
    public let seed: UInt64
    /// Each output's loss, which training and evaluation compute against its targets, as Keras's `compile`
    /// sets them (sparse categorical cross-entropy by default). When an output layer ends in the activation
    /// whose logits its loss can take (softmax for the categorical cross-entropies, sigmoid for binary), the
    /// model leaves that activation to the loss and applies it itself for the outputs, as Keras does (even
    /// when the loss is told `from_logits`).
    public private(set) var losses: [Loss] {
        didSet {
            targetSizes = zip(losses, outputShapes).map { $0.targetSize(outputShape: $1) }
            deferOutputActivations()
        }
    }
    /// Each output's weight in the loss training minimises and evaluation reports (Keras's `loss_weights`):
    /// the sum of each output's loss times its weight. 1 for each by default.
    public private(set) var lossWeights: [Double]
    /// Each output's metrics, reported beside the loss by evaluation and training (Keras's `compile(metrics=...,
    /// weighted_metrics=...)`); none by default, as in Keras. Each reads the targets in the form its output's
    /// loss takes them (see ``check(_:targets:)``). Keras keeps the weighted ones in a list of their own, so a
    /// model read from a file lists them after the others.
    public private(set) var metrics: [[Metric]] {
        didSet { (metricOffsets, metricStateSize) = Self.stateLayout(of: metrics) }
    }
    /// The loss of every output: reading it gives the first output's, setting it gives every output this loss.
    public var loss: Loss {
        get { losses[0] }
        set { losses = Array(repeating: newValue, count: outputs.count) }
    }

    /// Sets each output's loss, in the order of ``outputs``, and when given each one's weight in the total (as
    /// Keras's `compile(loss=[...], loss_weights=[...])`); throws, changing nothing, when either list does not
    /// have one entry per output or a weight is not finite.
    public func setLosses(_ losses: [Loss], weights: [Double]? = nil) throws {
        try requireOnePerOutput(losses.count, of: "losses")
        if let weights {
            try requireOnePerOutput(weights.count, of: "loss weights")
            if let bad = weights.first(where: { !$0.isFinite }) { throw ModelError.invalidConfiguration("loss weight \(bad) is not finite") }
            lossWeights = weights
        }
        self.losses = losses
    }

    /// Sets each output's metrics, in the order of ``outputs`` (see ``metrics``); throws, changing nothing, when
    /// the list does not have one entry per output.
    public func setMetrics(_ metrics: [[Metric]]) throws {
        try requireOnePerOutput(metrics.count, of: "lists of metrics")
        self.metrics = metrics
    }

    /// Throws unless `count` is the number of outputs.
    private func requireOnePerOutput(_ count: Int, of what: String) throws {
        guard count == outputs.count else {
            throw ModelError.invalidConfiguration("\(count) \(what) for a model with \(outputs.count) output\(outputs.count == 1 ? "" : "s")")
        }
    }
    /// Per output, the output layer's activation the model applies after it (see ``losses``), if any.
    private var deferredActivations: [Activation?]
    let workers: [Worker]
    /// For each node, the node whose output stands for it at inference (see ``InferenceSources``).
    let inferenceSources: [Int]
    /// Each worker's summed result of the current batch (reused; only metric states are allocated per batch).
    private let results: UnsafeMutableBufferPointer<BatchResult>
    /// Workers 1... gradient buffers, one per parameter in model order.
    private let extraWorkerGradients: [[UnsafeMutablePointer<Float>]]
    /// The nodes whose layer is a ``BatchStatisticsLayer``, in order: training passes stop there to join the
    /// workers' sums.
    private let statisticsNodes: [Int]
    /// Per input, where the current pass's samples start (reused, as ``targetPointers``).
    private let inputPointers: UnsafeMutablePointer<UnsafePointer<Float>>
    /// The optimizer step of ``trainingStep(_:optimizer:)``.
    private let update: DeferredParameterUpdate
    /// When set, the first worker times every node's forward and backward pass into it.
    public var profiler: LayerProfiler?
    /// Samples an inference pass runs through the layers at a time: as many as keep the largest layer
    /// output within about 1 MiB (the second-level cache), but at least 16, so that Dense layers still
    /// read their weights once for many samples.
    private let inferenceSlice: Int
    /// Where each node's mask comes from (see ``MaskPlan``).
    private let maskPlan: MaskPlan
    /// Room for an output's mask over a whole batch, to count its unmasked positions.
    private let batchMask = ScratchBuffer()
    /// Per output, where the current pass's targets start (reused: the per-batch path allocates nothing).
    private let targetPointers: UnsafeMutablePointer<UnsafePointer<Float>>

    /// Builds every node's layer in order; parameters get Keras's default initialisation from `seed`, or are
    /// left unset when `initializeWeights` is false (weights about to be loaded, every one of them). A layer
    /// used by several nodes (shared) is built at its first and must see the same input shapes at the others.
    /// Refuses a node that takes an input from itself, a later node or no input of the model, a shared layer
    /// with batch statistics, an output nothing leads to, and inputs of an unusable shape or a name taken. A
    /// layer whose name an input or an earlier layer has is numbered as Keras numbers layers left unnamed
    /// (`dense`, `dense_1`, ...).
    public init(name: String, inputs: [Input], nodes: [Node], outputs: [Int]? = nil, seed: UInt64 = 0,
                initializeWeights: Bool = true, workerCount: Int = Parallel.coreCount) throws {
        _ = MatrixBackend.current
        guard !nodes.isEmpty else { throw ModelError.invalidConfiguration("a model needs at least one layer") }
        try Self.checkInputs(inputs, nodes: nodes)
        Self.numberRepeatedNames(of: nodes.distinctLayers, after: inputs.map(\.name))
        self.name = name
        self.inputs = inputs
        self.nodes = nodes
        let outputs = outputs ?? [nodes.count - 1]
        self.outputs = outputs
        losses = Array(repeating: .sparseCategoricalCrossentropy, count: outputs.count)
        lossWeights = Array(repeating: 1, count: outputs.count)
        metrics = Array(repeating: [], count: outputs.count)
        deferredActivations = Array(repeating: nil, count: outputs.count)
        self.seed = seed
        try Self.checkGraph(nodes, outputs: outputs)
        var initializer = ParameterInitializer(seed: initializeWeights ? seed : nil)
        for input in inputs { try Self.checkSampleSize(input.shape, layer: input.name) }
        var activations = inputs.reduce(0) { $0 + $1.size }
        var built = Set<ObjectIdentifier>()
        for node in nodes {
            let shapes = node.inputs.map { input in
                switch input {
                case .input(let index): return inputs[index].shape
                case .node(let index, let tensor): return nodes[index].layer.outputShapes.indices.contains(tensor)
                    ? nodes[index].layer.outputShapes[tensor] : []
                }
            }
            if let (source, tensor) = node.inputs.lazy.compactMap({ input -> (Int, Int)? in
                guard case .node(let source, let tensor) = input, !nodes[source].layer.outputShapes.indices.contains(tensor) else { return nil }
                return (source, tensor)
            }).first {
                throw ModelError.invalidInput(layer: node.layer.name, reason: "takes output \(tensor) of \(nodes[source].layer.name), which has \(nodes[source].layer.outputShapes.count)")
            }
            guard built.insert(ObjectIdentifier(node.layer)).inserted else {
                guard shapes == node.layer.inputShapes else {
                    let described = { (shapes: [[Int]]) in shapes.map { describeShape($0, batch: true) }.joined(separator: ", ") }
                    throw ModelError.invalidInput(layer: node.layer.name, reason: "is called on \(described(shapes)) after \(described(node.layer.inputShapes)); a shared layer must see the same input shapes at every call")
                }
                continue
            }
            try node.layer.build(inputShapes: shapes, initializer: &initializer)
            guard node.layer.outputShape.allSatisfy({ $0 > 0 }) else {
                throw ModelError.invalidInput(layer: node.layer.name, reason: "produces an empty output \(describeShape(node.layer.outputShape, batch: true))")
            }
            try Self.checkSampleSize(node.layer.outputShape, layer: node.layer.name)
            activations += node.layer.outputsSize
            guard activations <= Self.maximumActivations else {
                throw ModelError.invalidInput(layer: node.layer.name, reason: "takes the model's activations past the limit of \(Self.maximumActivations) values per sample")
            }
        }
        outputShapes = outputs.map { nodes[$0].layer.outputShape }
        outputSizes = outputShapes.map { $0.reduce(1, *) }
        targetSizes = zip(losses, outputShapes).map { $0.targetSize(outputShape: $1) }
        (metricOffsets, metricStateSize) = Self.stateLayout(of: metrics)
        let largestOutput = nodes.map(\.layer.outputsSize).max() ?? 1
        inferenceSlice = max(16, (1 << 20) / (largestOutput * MemoryLayout<Float>.stride))
        statisticsNodes = nodes.indices.filter { nodes[$0].layer is BatchStatisticsLayer }
        let plan = GradientPlan(nodes, outputs: outputs)
        let maskPlan = try MaskPlan(nodes, outputs: outputs)
        self.maskPlan = maskPlan
        let inferenceSources = InferenceSources.of(nodes, outputs: outputs)
        self.inferenceSources = inferenceSources
        workers = (0..<max(1, workerCount)).map {
            Worker(nodes: nodes, outputNodes: outputs, plan: plan, maskPlan: maskPlan, inferenceSources: inferenceSources, index: $0, seed: seed)
        }
        results = .allocate(capacity: workers.count)
        results.initialize(repeating: BatchResult())
        targetPointers = .allocate(capacity: outputs.count)
        inputPointers = .allocate(capacity: inputs.count)
        extraWorkerGradients = workers.dropFirst().map { worker in worker.ownGradients.map(\.pointer) }
        update = DeferredParameterUpdate(nodes: nodes, plan: plan, threads: Parallel.coreCount)
        deferOutputActivations()
    }

    /// Leaves each output layer's activation to its loss when the loss can take its logits (see ``losses``) and
    /// nothing else reads the output: not another node, not another node of a shared layer.
    private func deferOutputActivations() {
        let shared = nodes.runSharedLayers
        for (position, output) in outputs.enumerated() {
            guard let layer = nodes[output].layer as? ActivatedLayer, !shared[output],
                  !nodes.contains(where: { $0.inputs.contains(.node(output)) }) else { continue }
            let deferred = layer.activation == losses[position].logitsActivation
            layer.activationDeferred = deferred
            deferredActivations[position] = deferred ? layer.activation : nil
        }
    }

    deinit {
        // The results hold arrays (the metric states): released before the memory is.
        _ = results.deinitialize()
        results.deallocate()
        targetPointers.deallocate()
        inputPointers.deallocate()
    }

    /// The most outputs a model may have.
    public static let maximumOutputs = 16

    /// Every node takes its inputs from the model's inputs or earlier nodes (so the graph has no cycle), no
    /// layer with batch statistics appears twice, and every node feeds another or is one of the outputs (at
    /// most ``maximumOutputs``, each a node once).
    private static func checkGraph(_ nodes: [Node], outputs: [Int]) throws {
        guard !outputs.isEmpty, outputs.count <= maximumOutputs else {
            throw ModelError.invalidConfiguration("a model has 1 to \(maximumOutputs) outputs, not \(outputs.count)")
        }
        guard outputs.allSatisfy(nodes.indices.contains), Set(outputs).count == outputs.count else {
            throw ModelError.invalidConfiguration("the outputs \(outputs) are not distinct nodes of the model")
        }
        var consumed = Set<Int>()
        var seen = Set<ObjectIdentifier>()
        for (index, node) in nodes.enumerated() {
            guard !node.inputs.isEmpty else {
                throw ModelError.invalidInput(layer: node.layer.name, reason: "takes no input")
            }
            for case .node(let source, let tensor) in node.inputs {
                guard source >= 0, source < index else {
                    throw ModelError.invalidInput(layer: node.layer.name, reason: "takes an input from a layer that does not come before it")
                }
                guard tensor >= 0 else {
                    throw ModelError.invalidInput(layer: node.layer.name, reason: "takes output \(tensor) of \(nodes[source].layer.name)")
                }
                consumed.insert(source)
            }
            guard seen.insert(ObjectIdentifier(node.layer)).inserted || !(node.layer is BatchStatisticsLayer) else {
                throw ModelError.invalidInput(layer: node.layer.name, reason: "\(node.layer.className) is called more than once; a shared layer with batch statistics is not supported")
            }
        }
        if let unused = nodes.indices.first(where: { !consumed.contains($0) && !outputs.contains($0) }) {
            throw ModelError.invalidInput(layer: nodes[unused].layer.name, reason: "leads to no output")
        }
    }

    /// The largest per-sample activation a layer may produce (2^24 floats, 64 MiB).
    public static let maximumSampleSize = 1 << 24
    /// The most activation values a model's layers may produce per sample in all (2^26 floats, 256 MiB): a
    /// training pass keeps every one, for each sample of the batch.
    public static let maximumActivations = 1 << 26

    private static func checkSampleSize(_ shape: [Int], layer: String) throws {
        guard elementCount(shape, atMost: maximumSampleSize) != nil else {
            throw ModelError.invalidInput(layer: layer, reason: "an output of shape \(describeShape(shape, batch: true)) per sample is larger than the limit of \(maximumSampleSize) values")
        }
    }

    /// The layers in the order of their first node, each once (a shared layer runs at several nodes).
    public var layers: [Layer] { nodes.distinctLayers }
    /// Per node, which call of its layer it is: how many earlier nodes run the same layer (0 but for the later
    /// nodes of a shared layer), as Keras numbers a layer's calls.
    public var callIndices: [Int] {
        var calls: [ObjectIdentifier: Int] = [:]
        return nodes.map { node in
            defer { calls[ObjectIdentifier(node.layer), default: 0] += 1 }
            return calls[ObjectIdentifier(node.layer), default: 0]
        }
    }
    /// Per-sample shape of each output.
    public let outputShapes: [[Int]]
    /// Per-sample shape of the first output (of the only one, in most models).
    public var outputShape: [Int] { outputShapes[0] }
    /// The layer names of the outputs, which Keras names their losses and metrics by.
    public var outputNames: [String] { outputs.map { nodes[$0].layer.name } }

    /// The activation that gives output `output`'s values (whether or not its loss takes it over): its layer's,
    /// or behind layers that only reshape (a Dense under a Reshape) the layer's before them; nil when that layer
    /// has none.
    public func outputActivation(_ output: Int) -> Activation? {
        var node = outputs[output]
        while nodes[node].layer is ShapeOnlyLayer, case .node(let previous, _)? = nodes[node].inputs.first { node = previous }
        return (nodes[node].layer as? ActivatedLayer)?.activation
    }

    /// Values per sample in each output.
    public let outputSizes: [Int]
    /// Values per sample in the first output.
    public var outputSize: Int { outputSizes[0] }

    /// All trainable arrays in model order (each layer's kernel, then bias).
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    /// The number of trainable values.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Forward floating-point operations per sample (a multiply-add counts as two).
    public var forwardFlops: Double { nodes.reduce(0) { $0 + $1.layer.forwardFlops } }

    /// Floating-point operations per sample of a training step.
    public var trainingFlops: Double { nodes.indices.reduce(0) { $0 + trainingFlops(node: $1) } }

    /// Floating-point operations per sample of a training step at node `index`: its forward pass, its weight
    /// gradient (as much again) and, unless it reads only the model's inputs, its input gradient (the same).
    public func trainingFlops(node index: Int) -> Double {
        let node = nodes[index]
        let readsOnlyInputs = node.inputs.allSatisfy { if case .input = $0 { return true } else { return false } }
        return node.layer.forwardFlops * (readsOnlyInputs ? 2 : 3)
    }

    /// Calls `body(start, batch)` for consecutive batches of at most `batchSize` of `count` samples, with the
    /// layers prepared for the whole call (Dense kernels packed once rather than per product).
    func forEachInferenceBatch(count: Int, batchSize: Int, progress: ((Int, Int) -> Void)?,
                               _ body: (_ start: Int, _ batch: Int) throws -> Void) rethrows {
        layers.forEach { $0.prepareInference(samples: count) }
        defer { layers.forEach { $0.finishInference() } }
        var start = 0
        while start < count {
            let batch = min(batchSize, count - start)
            try body(start, batch)
            start += batch
            progress?(start, count)
        }
    }

    /// The first output's values for `samples` of a model with one input (count × ``inputSize`` values),
    /// computed `batchSize` at a time, as `model.predict` gives them for a model with one output
    /// (`predictEach` gives every output of a model with several).
    public func predict(_ samples: [Float], batchSize: Int = 128, progress: ((Int, Int) -> Void)? = nil) throws -> [Float] {
        try predictEach([samples], batchSize: batchSize, training: false, progress: progress, outputs: 1)[0]
    }

    /// Each output's values for `samples` of a model with one input, as `predictEach` gives them for a model
    /// with several inputs.
    public func predictEach(_ samples: [Float], batchSize: Int = 128, progress: ((Int, Int) -> Void)? = nil) throws -> [[Float]] {
        try predictEach([samples], batchSize: batchSize, training: false, progress: progress, outputs: outputs.count)
    }

    /// Each output's values (count × that output's size each) for the samples of every input (count × that
    /// input's size each, in the order of ``inputs``), computed `batchSize` at a time, in the order of
    /// ``outputs``, as `model.predict` lists them. Refuses inputs that do not hold the same whole number of
    /// samples (see ``check(_:targets:)``). With `training`, the layers run as in training, as Keras's
    /// `model(x, training=True)` runs them: dropout and noise layers draw their noise, and batch normalization
    /// uses each batch's statistics and moves its moving mean and variance towards them.
    public func predictEach(_ inputs: [[Float]], batchSize: Int = 128, training: Bool = false,
                            progress: ((Int, Int) -> Void)? = nil) throws -> [[Float]] {
        try predictEach(inputs, batchSize: batchSize, training: training, progress: progress, outputs: outputs.count)
    }

    /// The first `wanted` outputs' values (the others are computed but not kept).
    private func predictEach(_ inputs: [[Float]], batchSize: Int, training: Bool, progress: ((Int, Int) -> Void)?,
                             outputs wanted: Int) throws -> [[Float]] {
        let data = try samples(inputs: inputs)
        let count = data.count
        let sizes = outputSizes
        let buffers = sizes.indices.map { UnsafeMutablePointer<Float>.allocate(capacity: max(1, $0 < wanted ? count * sizes[$0] : 0)) }
        defer { buffers.forEach { $0.deallocate() } }
        let kept = UnsafeMutablePointer<UnsafeMutablePointer<Float>?>.allocate(capacity: sizes.count)
        defer { kept.deallocate() }
        for index in sizes.indices { kept[index] = index < wanted ? buffers[index] : nil }
        withUnsafePointers(to: inputs) { arrays in
            forEachInferenceBatch(count: count, batchSize: batchSize, progress: progress) { start, batch in
                _ = run(self.inputs(arrays, from: start), targets: nil, batch: batch, training: training,
                        destinations: OutputDestinations(pointers: kept, firstSample: start))
            }
        }
        return (0..<wanted).map { Array(UnsafeBufferPointer(start: buffers[$0], count: count * sizes[$0])) }
    }

    /// The inputs' samples from `start` on, through ``inputPointers``.
    private func inputs(_ arrays: [UnsafePointer<Float>], from start: Int) -> BatchInputs {
        for (index, size) in inputSizes.enumerated() { inputPointers[index] = arrays[index] + start * size }
        return BatchInputs(pointers: inputPointers, firstSample: 0)
    }

    /// One forward and backward pass in training mode over a batch: leaves in each parameter's `gradient` the
    /// gradient of the batch-mean loss. Returns the summed loss and metric states.
    public func trainingPass(_ batch: Batch) -> BatchResult {
        let (result, parts) = run(batch, training: true, destinations: nil)
        if parts > 1 { sumGradients(into: parameters, extraGradients(parts)) }
        sumLookupSquares(parts)
        return result
    }

    /// Adds up each Embedding's lookup squares (``Parameter/lookupGradientSquares``) over the workers that
    /// took part in the last pass and over the layer's calls.
    private func sumLookupSquares(_ parts: Int) {
        var seen = Set<ObjectIdentifier>()
        for (index, node) in nodes.enumerated() {
            guard let embedding = node.layer as? Embedding ?? (node.layer as? TimeDistributed)?.layer as? Embedding,
                  let total = embedding.embeddings.lookupGradientSquares else { continue }
            let count = embedding.embeddings.count
            if seen.insert(ObjectIdentifier(embedding)).inserted { total.update(repeating: 0, count: count) }
            for worker in workers[0..<parts] {
                let part = embedding.lookupSquares(in: worker.scratch[index])
                for i in 0..<count { total[i] += part[i] }
            }
        }
    }

    /// A training pass followed by one optimizer step of `optimizer` (made for this model's parameters). Same
    /// result as `trainingPass` then `optimizer.step()`, but the gradients of every ``DeferredGradientLayer``
    /// are computed inside the step and never stored: their parameters' `gradient` is left as it was. A batch
    /// whose loss is NaN or infinite takes no step: its gradients would only spread the NaN into every weight.
    public func trainingStep(_ batch: Batch, optimizer: Optimizer) -> BatchResult {
        let (result, parts) = run(batch, training: true, destinations: nil, deferGradients: true)
        guard result.loss.isFinite else { return result }
        sumLookupSquares(parts)
        update.step(optimizer, workers: workers[0..<parts], extraGradients: extraGradients(parts), profiler: profiler)
        return result
    }

    /// The gradient buffers of workers 1..<parts, each one per parameter in model order.
    private func extraGradients(_ parts: Int) -> ArraySlice<[UnsafeMutablePointer<Float>]> {
        extraWorkerGradients[0..<max(0, parts - 1)]
    }

    /// Samples in each layer pass of the first worker in a call over `batch` samples: its share of the batch,
    /// which inference runs through the layers a slice at a time (the batch a layer's algorithm is chosen for).
    public func passSize(batch: Int, training: Bool) -> Int {
        let share = max(1, batch / min(workers.count, max(1, batch)))
        return training ? share : min(share, inferenceSlice)
    }

    /// Runs `batch` samples through the workers: forward always, writing the outputs to `destinations`; loss
    /// and metrics when the batch has targets (none for predicting); backward when training (the first
    /// worker's gradients land in the parameters, the others' in their own buffers; deferring layers' kept for
    /// the optimizer step when `deferGradients`). Returns the summed result and how many workers took part.
    func run(_ batch: Batch, training: Bool, destinations: OutputDestinations?,
             deferGradients: Bool = false) -> (result: BatchResult, parts: Int) {
        for (index, pointer) in batch.inputs.prefix(inputs.count).enumerated() { inputPointers[index] = pointer }
        return run(BatchInputs(pointers: inputPointers, firstSample: 0), targets: batch.targets.isEmpty ? nil : targets(of: batch),
                   batch: batch.count, training: training, destinations: destinations, deferGradients: deferGradients)
    }

    /// The batch's targets, through ``targetPointers``.
    private func targets(of batch: Batch) -> BatchTargets {
        for (index, pointer) in batch.targets.prefix(outputs.count).enumerated() { targetPointers[index] = pointer }
        return BatchTargets(pointers: targetPointers, weights: batch.sampleWeights, firstSample: 0)
    }

    /// Per output, the target values per sample its loss takes (kept with ``losses``).
    private(set) var targetSizes: [Int]
    /// Per output, where each metric's running sums start in ``BatchResult/metricStates`` (kept with
    /// ``metrics``), and the number of running sums of them all.
    private(set) var metricOffsets: [[Int]]
    private(set) var metricStateSize: Int

    private func run(_ inputs: BatchInputs, targets: BatchTargets?, batch: Int, training: Bool,
                     destinations: OutputDestinations?, deferGradients: Bool = false) -> (result: BatchResult, parts: Int) {
        let parts = min(workers.count, batch)
        let results = self.results
        let targetSizes = self.targetSizes
        // What a loss decides over the whole batch, before it is split between the workers.
        let facts = losses.indices.map { index in
            Loss.BatchFacts(binaryTargets: targets.map { losses[index].binaryTargets($0.output(index, valuesPerSample: targetSizes[index]),
                                                                                     count: batch * targetSizes[index]) } ?? false,
                            maskWeight: targets == nil ? 1 : maskWeight(ofOutput: index, inputs: inputs, batch: batch))
        }
        var context = workerContext(facts: facts, scoring: targets != nil, batch: batch)
        context.deferGradients = deferGradients
        var firstContext = context
        firstContext.profiler = profiler
        // A single image in inference: the first worker runs alone, so its layers may share out their work.
        if parts == 1 && !training { firstContext.layerThreads = workers.count }
        if training, !statisticsNodes.isEmpty {
            let result = runInSteps(inputs, targets: targets, batch: batch, parts: parts, context: context, firstContext: firstContext,
                                    destinations: destinations)
            return (result, parts)
        }
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
                        part == 0 ? firstContext : context, inputs: inputs.advanced(by: start), targets: targets?.advanced(by: start),
                        batch: count, training: training, destinations: destinations?.advanced(by: start),
                        gradientTarget: part == 0 ? .parameters : .own)
                    start += count
                }
                results[part] = result
            }
        }
        return (results[0..<parts].reduce(BatchResult(), +), parts)
    }

    /// What the workers need for a pass of `batch` samples, with each output's `facts`; with `scoring`, where
    /// the metrics keep their sums.
    func workerContext(facts: [Loss.BatchFacts], scoring: Bool, batch: Int) -> Worker.Context {
        Worker.Context(losses: losses, lossWeights: lossWeights, deferredActivations: deferredActivations,
                       inputSizes: inputSizes, outputSizes: outputSizes, metrics: metrics, metricOffsets: scoring ? metricOffsets : [],
                       metricStateSize: metricStateSize, rowWidths: outputShapes.map { $0.last ?? 1 },
                       targetSizes: targetSizes, facts: facts, gradientScale: 1 / Float(batch), profiler: nil)
    }

    /// The activation a loss took over from output `position`'s layer, which predictions apply after it.
    func deferredActivation(ofOutput position: Int) -> Activation? { deferredActivations[position] }

    /// The weight Keras gives each unmasked position of output `index` in this batch's loss, so that the loss
    /// is the mean over those: all positions over unmasked ones (0 when all are masked); 1 without a mask.
    private func maskWeight(ofOutput index: Int, inputs: BatchInputs, batch: Int) -> Float {
        guard let (maker, input) = maskPlan.outputMaker(index, nodes) else { return 1 }
        let positions = batch * maker.maskLength, mask = batchMask.reserve(positions)
        maker.makeMask(inputs.input(input, valuesPerSample: inputSizes[input]), into: mask, batch: batch)
        var unmasked = 0
        for position in 0..<positions where mask[position] != 0 { unmasked += 1 }
        return unmasked == 0 ? 0 : Float(positions) / Float(unmasked)
    }

    /// A training pass of a model with ``BatchStatisticsLayer``s: the workers run the nodes between two such
    /// layers in parallel, each measuring its part, and the parts' sums are joined in between (see there).
    /// Without targets the pass stops after the forward part, its outputs written to `destinations`.
    private func runInSteps(_ inputs: BatchInputs, targets: BatchTargets?, batch: Int, parts: Int,
                            context: Worker.Context, firstContext: Worker.Context, destinations: OutputDestinations?) -> BatchResult {
        let results = self.results
        func forEachPart(_ body: (_ worker: Worker, _ context: Worker.Context, _ start: Int, _ count: Int) -> Void) {
            Parallel.forEachChunk(parts) { range in
                for part in range {
                    let start = batch * part / parts
                    body(workers[part], part == 0 ? firstContext : context, start, batch * (part + 1) / parts - start)
                }
            }
        }
        /// Adds every part's sums of node `index` into the first worker's and hands them to the layer.
        func joinStatistics(of index: Int, forward: Bool) {
            let layer = nodes[index].layer as! BatchStatisticsLayer
            let total = workers[0].statistics(ofNode: index)
            for worker in workers[1..<parts] {
                let sums = worker.statistics(ofNode: index)
                for i in 0..<layer.statisticsCount { total[i] += sums[i] }
            }
            if forward { layer.useForwardStatistics(total, batch: batch) } else { layer.useBackwardStatistics(total, batch: batch) }
        }
        // Forward: up to each statistics node in turn, then to the end.
        var start = 0
        for phase in 0...statisticsNodes.count {
            let stop = phase < statisticsNodes.count ? statisticsNodes[phase] : nodes.count
            forEachPart { worker, context, first, count in
                worker.forward(context, inputs: inputs.advanced(by: first), batch: count, training: true, nodes: start..<stop)
                if stop < nodes.count {
                    worker.measureForward(node: stop, context: context, inputs: inputs.advanced(by: first))
                } else {
                    results[worker.index] = worker.finishForward(context, targets: targets?.advanced(by: first), training: true,
                                                                 destinations: destinations?.advanced(by: first))
                }
            }
            if stop < nodes.count { joinStatistics(of: stop, forward: true) }
            start = stop
        }
        guard targets != nil else { return results[0..<parts].reduce(BatchResult(), +) }
        // Backward: down to just after each statistics node in turn, last first, then to the start.
        var end = nodes.count
        for phase in stride(from: statisticsNodes.count - 1, through: -1, by: -1) {
            let stop = phase >= 0 ? statisticsNodes[phase] : -1
            forEachPart { worker, context, _, _ in
                let target: Worker.GradientTarget = worker.index == 0 ? .parameters : .own
                worker.backward(context, nodes: (stop + 1)..<end, gradientTarget: target)
                if stop >= 0 { worker.measureBackward(node: stop, context: context, gradientTarget: target) }
            }
            if stop >= 0 { joinStatistics(of: stop, forward: false) }
            end = stop + 1
        }
        return results[0..<parts].reduce(BatchResult(), +)
    }
}

/// A stack of layers run one after another, like `keras.Sequential`: the one-path case of a ``Model``.
public final class Sequential: Model {
    /// Each layer takes the previous one's output (the first takes the model's input, `input`). A layer of
    /// several outputs (`return_state`) is refused, as Keras's Sequential refuses it: it needs a ``Model``.
    public init(name: String = "sequential", input: Input, layers: [Layer], seed: UInt64 = 0,
                initializeWeights: Bool = true, workerCount: Int = Parallel.coreCount) throws {
        if let layer = layers.first(where: { ($0 as? RecurrentLayer)?.returnState == true }) {
            throw ModelError.invalidInput(layer: layer.name, reason: "returns its states (return_state), which a Sequential model cannot pass on; use a functional Model")
        }
        let nodes = layers.enumerated().map { index, layer in Node(layer, inputs: [index == 0 ? .input(0) : .node(index - 1)]) }
        try super.init(name: name, inputs: [input], nodes: nodes, seed: seed, initializeWeights: initializeWeights,
                       workerCount: workerCount)
    }

    /// A stack over one float input of `inputShape`, named as Keras 3 names it.
    public convenience init(name: String = "sequential", inputShape: [Int], layers: [Layer], seed: UInt64 = 0,
                            initializeWeights: Bool = true, workerCount: Int = Parallel.coreCount) throws {
        try self.init(name: name, input: Input(shape: inputShape), layers: layers, seed: seed, initializeWeights: initializeWeights,
                      workerCount: workerCount)
    }
}

/// Where an inference pass writes each output: per output, where sample `firstSample` of the pass goes (nil
/// for an output not kept), the next samples following one output row after another.
struct OutputDestinations {
    let pointers: UnsafePointer<UnsafeMutablePointer<Float>?>
    let firstSample: Int

    /// The same places for the samples `count` further on.
    func advanced(by count: Int) -> OutputDestinations { OutputDestinations(pointers: pointers, firstSample: firstSample + count) }
}

/// Loss and metrics of a model on a dataset.
public struct Evaluation: Sendable {
    /// Keras's `evaluate(return_dict=True)`: `loss`, each output's `NAME_loss` when there are several, and
    /// each metric.
    public let scores: Scores
    /// Per output, in the model's order: its own loss (`loss`, before its weight) and its metrics by name.
    public let outputs: [Scores]
    /// The number of samples.
    public let count: Int
    /// Wall-clock time of the evaluation.
    public let seconds: Double

    /// The mean loss per sample (the weighted sum over the outputs, with any activity penalty).
    public var loss: Double { scores["loss"] ?? .nan }
}
