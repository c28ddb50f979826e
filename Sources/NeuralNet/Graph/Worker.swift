import CKernels

/// Where each node's output gradient lives during a backward pass, worked out once per model.
///
/// Nodes run backward last to first. A node's output gradient is needed from when the first of its consumers
/// runs backward until its own backward pass is done; it then holds one of a few shared slots, taken from
/// the free ones when first needed and freed after. A chain of layers needs two slots, used in turn. The first
/// consumer to run writes d(loss)/d(input) straight into the slot; any later one (a node whose output feeds
/// several layers) writes into a buffer of its own that is then added. A layer of several outputs has them
/// one after another in its slot: the first consumer to run clears the slot, and each adds its output's part.
struct GradientPlan {
    /// How a node's backward pass writes the gradient for one of its inputs.
    enum InputGradient: Equatable {
        /// One of the model's inputs: no gradient needed.
        case none
        /// Into the output gradient of node `node`, the input's.
        case write(node: Int)
        /// Into the sum buffer, then added into the output gradient of node `node`.
        case add(node: Int)
        /// The same, into a slot cleared first: the first to run of the consumers of a layer of several outputs.
        case clearAndAdd(node: Int)
    }

    /// Per node, the slot of its output gradient.
    let slot: [Int]
    /// Per node and input, where its backward pass writes that input's gradient.
    let inputGradients: [[InputGradient]]
    let slotCount: Int
    /// Per node, whether its layer also runs at a later node (a shared layer): running backward after that
    /// one, it adds its parameter gradients to those written there rather than overwriting them.
    let addsParameterGradients: [Bool]
    /// Per node, whether its layer is a ``DeferredGradientLayer`` that leaves its gradients to the optimizer
    /// step in a training step: one that runs at this node only.
    let defersGradients: [Bool]

    init(_ nodes: [Node], outputs: [Int]) {
        var later = Set<ObjectIdentifier>()
        addsParameterGradients = nodes.reversed().map { !later.insert(ObjectIdentifier($0.layer)).inserted }.reversed()
        defersGradients = zip(nodes, nodes.runSharedLayers).map { node, shared in node.layer is DeferredGradientLayer && !shared }
        var slot = [Int](repeating: -1, count: nodes.count)
        var inputGradients = nodes.map { [InputGradient](repeating: .none, count: $0.inputs.count) }
        var free: [Int] = []
        var slotCount = 0
        func take() -> Int {
            if let lowest = free.min() {
                free.removeAll { $0 == lowest }
                return lowest
            }
            slotCount += 1
            return slotCount - 1
        }
        // The outputs' gradients start with their losses', before any node runs backward.
        for output in outputs { slot[output] = take() }
        for index in nodes.indices.reversed() {
            for (position, input) in nodes[index].inputs.enumerated() {
                guard case .node(let source, _) = input else { continue }
                if slot[source] < 0 {
                    slot[source] = take()
                    inputGradients[index][position] = nodes[source].layer.outputShapes.count > 1 ? .clearAndAdd(node: source) : .write(node: source)
                } else {
                    inputGradients[index][position] = .add(node: source)
                }
            }
            free.append(slot[index])
        }
        self.slot = slot
        self.inputGradients = inputGradients
        self.slotCount = slotCount
    }
}

/// One thread's share of a batch: its activations, gradients and layer scratch memory.
final class Worker {
    /// What every worker needs to know about the model for one batch.
    struct Context {
        /// Per output, its loss and the loss's weight.
        let losses: [Loss]
        let lossWeights: [Double]
        /// Per output, the output layer's activation, left to the loss, that the worker applies for the outputs.
        let deferredActivations: [Activation?]
        /// Per model input, its values per sample.
        let inputSizes: [Int]
        let outputSizes: [Int]
        /// Per output, its metrics, and where each one's running sums start in ``BatchResult/metricStates``.
        let metrics: [[Metric]]
        let metricOffsets: [[Int]]
        /// The running sums of all the metrics.
        let metricStateSize: Int
        /// Per output, the values of its last axis: the rows its loss and metrics reduce over.
        let rowWidths: [Int]
        /// Per output, the target values per sample (see ``Loss/targetSize(outputShape:)``).
        let targetSizes: [Int]
        /// Per output, what its loss decides over the whole batch.
        var facts: [Loss.BatchFacts]
        /// 1 / (whole batch size): each worker's loss gradient is scaled so the summed gradients are the mean's.
        let gradientScale: Float
        /// Set on the first worker when the model is being profiled.
        var profiler: LayerProfiler?
        /// Threads each layer may use (more than one when this worker runs alone on a tiny batch).
        var layerThreads = 1
        /// In training, leave the parameter gradients of every ``DeferredGradientLayer`` to the optimizer
        /// step, keeping its output gradient instead (see ``keptOutputGradient(_:)``).
        var deferGradients = false
    }

    /// Where parameter gradients go: straight into the parameters (worker 0) or into this worker's buffers.
    enum GradientTarget { case parameters, own }

    /// This worker's place among the model's workers; the first one's gradients land in the parameters.
    let index: Int
    private let nodes: [Node]
    /// The model's output nodes, in order.
    private let outputNodes: [Int]
    /// Per node, the node whose output stands for it in inference passes: itself, the convolution a
    /// BatchNormalization is folded into, or the node a Dropout reads (that node is then skipped; see
    /// ``InferenceSources``).
    private let inferenceSources: [Int]
    private let plan: GradientPlan
    private let maskPlan: MaskPlan
    /// Per node, where each of its layer's outputs starts among its values per sample, then their total: a
    /// pass's output `tensor` starts `batch` times its offset into the node's buffer.
    private let outputOffsets: [[Int]]
    /// Per node whose mask a layer reads or an output carries, the mask of the last pass (see ``MaskPlan``).
    private let masks: [ScratchBuffer?]
    let scratch: [LayerScratch]
    let outputs: [ScratchBuffer]
    /// Per output, its values after the activation its loss took over.
    let activatedOutputs: [ScratchBuffer]
    /// The output gradients' slots (see ``GradientPlan``), and per input position the buffer a gradient is
    /// summed through.
    private let slots: [ScratchBuffer]
    private let sums: [ScratchBuffer]
    /// Per node, for deferring layers only: d(loss)/d(output) of the last training pass that deferred their
    /// gradients, after the activation's derivative.
    private let keptGradients: [ScratchBuffer?]
    /// Per node, for ``OutputPenaltyLayer``s only: the layer, whose penalty joins the loss.
    private let penalties: [OutputPenaltyLayer?]
    /// Per node, for ``BatchStatisticsLayer``s only: the sums of this worker's part.
    private let statistics: [UnsafeMutablePointer<Double>?]
    /// Per node, its input pointers and input-gradient pointers for the current pass.
    private let inputPointers: [UnsafeMutablePointer<UnsafePointer<Float>>]
    private let inputGradientPointers: [UnsafeMutablePointer<UnsafeMutablePointer<Float>?>]
    /// The samples of the last pass.
    private(set) var lastBatch = 0
    /// One buffer per model parameter, in model order, for workers other than the first.
    let ownGradients: [ScratchBuffer]
    /// Per node, where its parameters' gradients go for each target, worked out once so that the per-batch
    /// loop allocates nothing.
    private let parameterGradients: [[UnsafeMutablePointer<Float>]]
    private let ownGradientPointers: [[UnsafeMutablePointer<Float>]]
    /// Per node that adds its parameter gradients (see ``GradientPlan/addsParameterGradients``), where its
    /// backward pass writes them before they are added (into ``partialSums``, one per parameter position);
    /// empty for the other nodes.
    private let partialGradients: [[UnsafeMutablePointer<Float>]]
    private let partialSums: [ScratchBuffer]

    init(nodes: [Node], outputNodes: [Int], plan: GradientPlan, maskPlan: MaskPlan, inferenceSources: [Int], index: Int, seed: UInt64) {
        self.index = index
        self.maskPlan = maskPlan
        outputOffsets = nodes.map { node in node.layer.outputShapes.reduce(into: [0]) { $0.append($0.last! + $1.reduce(1, *)) } }
        let used = Set(maskPlan.readSources.compactMap { $0 } + maskPlan.outputSources.compactMap { $0 })
        masks = nodes.indices.map { used.contains($0) ? ScratchBuffer() : nil }
        self.nodes = nodes
        self.outputNodes = outputNodes
        activatedOutputs = outputNodes.map { _ in ScratchBuffer() }
        self.inferenceSources = inferenceSources
        self.plan = plan
        scratch = nodes.indices.map { node in
            LayerScratch(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(node) &* 1_000_003 &+ UInt64(index) &* 7919 &+ 1)
        }
        outputs = nodes.map { _ in ScratchBuffer() }
        slots = (0..<plan.slotCount).map { _ in ScratchBuffer() }
        sums = (0..<(nodes.map(\.inputs.count).max() ?? 1)).map { _ in ScratchBuffer() }
        keptGradients = plan.defersGradients.map { $0 ? ScratchBuffer() : nil }
        penalties = nodes.map { $0.layer as? OutputPenaltyLayer }
        statistics = nodes.map { node in (node.layer as? BatchStatisticsLayer).map { .allocate(capacity: $0.statisticsCount) } }
        inputPointers = nodes.map { .allocate(capacity: $0.inputs.count) }
        inputGradientPointers = nodes.map { .allocate(capacity: $0.inputs.count) }
        let own = nodes.distinctLayers.flatMap(\.parameters).map { parameter in
            let buffer = ScratchBuffer()
            _ = buffer.reserve(parameter.count)
            return buffer
        }
        ownGradients = own
        parameterGradients = nodes.map { $0.layer.parameters.map(\.gradient) }
        // A layer's parameters start, among the model's, after those of the layers whose first node is earlier.
        var firstParameter: [ObjectIdentifier: Int] = [:]
        var next = 0
        for layer in nodes.distinctLayers {
            firstParameter[ObjectIdentifier(layer)] = next
            next += layer.parameters.count
        }
        ownGradientPointers = nodes.map { node in
            let first = firstParameter[ObjectIdentifier(node.layer)]!
            return own[first..<first + node.layer.parameters.count].map(\.pointer)
        }
        // Nodes that add their parameter gradients compute them first into buffers shared by all such nodes.
        let adding = nodes.indices.filter { plan.addsParameterGradients[$0] }.map { nodes[$0].layer.parameters }
        let partialSums = (0..<(adding.map(\.count).max() ?? 0)).map { position -> ScratchBuffer in
            let buffer = ScratchBuffer()
            let sizes: [Int] = adding.compactMap { parameters in position < parameters.count ? parameters[position].count : nil }
            _ = buffer.reserve(sizes.max() ?? 0)
            return buffer
        }
        partialGradients = nodes.indices.map { index in
            plan.addsParameterGradients[index] ? nodes[index].layer.parameters.indices.map { partialSums[$0].pointer } : []
        }
        self.partialSums = partialSums
    }

    deinit {
        statistics.forEach { $0?.deallocate() }
        inputPointers.forEach { $0.deallocate() }
        inputGradientPointers.forEach { $0.deallocate() }
    }

    /// Forward, loss, then backward when training, over all nodes: the whole pass for a model without
    /// ``BatchStatisticsLayer``s in training. Returns the summed loss and metric states when targets are given.
    func run(_ context: Context, inputs: BatchInputs, targets: BatchTargets?, batch: Int, training: Bool,
             destinations: OutputDestinations?, gradientTarget: GradientTarget) -> BatchResult {
        forward(context, inputs: inputs, batch: batch, training: training, nodes: nodes.indices)
        let result = finishForward(context, targets: targets, training: training, destinations: destinations)
        if training && targets != nil { backward(context, nodes: nodes.indices, gradientTarget: gradientTarget) }
        return result
    }

    /// Runs the forward passes of the nodes in `range` (those before it have run on this batch) over `batch`
    /// samples of `inputs`.
    func forward(_ context: Context, inputs: BatchInputs, batch: Int, training: Bool, nodes range: Range<Int>) {
        let profiler = context.profiler
        if range.lowerBound == 0 {
            lastBatch = batch
            profiler?.addSamples(batch)
        }
        for index in range where training || inferenceSources[index] == index {
            let node = nodes[index]
            connectInputs(of: index, context: context, modelInputs: inputs, training: training)
            let out = outputs[index].reserve(batch * outputOffsets[index].last!)
            let started = profiler == nil ? 0 : LayerProfiler.now()
            scratch[index].threads = context.layerThreads
            scratch[index].inputMask = inputMask(of: index)
            node.layer.forward(LayerInputs(pointers: inputPointers[index], count: node.inputs.count), out, batch: batch,
                               mode: training ? .training : .inference, scratch: scratch[index])
            if let mask = masks[index], let maker = node.layer as? MaskMakingLayer {
                maker.makeMask(inputPointers[index][0], into: mask.reserve(batch * maker.maskLength), batch: batch)
            }
            if let profiler { profiler.addForward(index, LayerProfiler.now() - started) }
        }
    }

    /// Output `tensor` of node `index` after an inference pass over `batch` samples: `batch` samples of that
    /// tensor's values, from the node that stands for it at inference.
    func inferenceOutput(ofNode index: Int, tensor: Int, batch: Int) -> UnsafeBufferPointer<Float> {
        let source = inferenceSources[index], offsets = outputOffsets[source]
        return UnsafeBufferPointer(start: outputs[source].pointer + batch * offsets[tensor], count: batch * (offsets[tensor + 1] - offsets[tensor]))
    }

    /// After every node's forward pass: copies each output (after a deferred activation) to `destinations`,
    /// and with targets returns the summed loss and metric states, leaving each output's loss gradient (times its
    /// weight) ready for the backward pass when training.
    func finishForward(_ context: Context, targets: BatchTargets?, training: Bool, destinations: OutputDestinations?) -> BatchResult {
        let batch = lastBatch
        var result = BatchResult()
        for (position, node) in outputNodes.enumerated() {
            let classes = context.outputSizes[position], loss = context.losses[position]
            let width = context.rowWidths[position], rows = classes / width
            let deferredActivation = context.deferredActivations[position]
            let raw = UnsafePointer(outputs[training ? node : inferenceSources[node]].pointer)
            // The outputs through the loss's activation, when they are its logits: deferred, or the loss's own
            // from_logits (the model's outputs then stay the logits).
            let logitsActivation = deferredActivation ?? (loss.fromLogits ? loss.logitsActivation : nil)
            var activated: UnsafePointer<Float>?
            if let logitsActivation {
                let buffer = activatedOutputs[position].reserve(batch * classes)
                buffer.update(from: raw, count: batch * classes)
                logitsActivation.apply(buffer, rows: batch * rows, width: width)
                activated = UnsafePointer(buffer)
            }
            let predicted = deferredActivation == nil ? raw : activated!
            if let destinations, let place = destinations.pointers[position] {
                (place + destinations.firstSample * classes).update(from: predicted, count: batch * classes)
            }
            guard let targets else { continue }
            let weight = context.lossWeights[position]
            // A layer of several outputs gets its others' gradients from its consumers: they start at 0.
            let allOutputs = batch * outputOffsets[node].last!
            let gradient = training ? outputGradientBuffer(node, deferring: context.deferGradients).reserve(allOutputs) : nil
            (gradient.map { $0 + batch * classes })?.update(repeating: 0, count: allOutputs - batch * classes)
            let target = targets.output(position, valuesPerSample: context.targetSizes[position]), mask = outputMask(position)
            if result.metricStates.isEmpty { result.metricStates = [Double](repeating: 0, count: context.metricStateSize) }
            result.metricStates.withUnsafeMutableBufferPointer { states in
                for (metric, offset) in zip(context.metrics[position], context.metricOffsets[position]) {
                    metric.accumulate(states.baseAddress! + offset, predictions: predicted, targets: target, batch: batch, rows: rows,
                                      width: width, classIndices: loss.takesClassIndices, sampleWeights: targets.sampleWeights, mask: mask)
                }
            }
            result.outputLosses[position] = loss.sum(raw, activated: activated, targets: target, batch: batch, rows: rows, width: width,
                                                     sampleWeights: targets.sampleWeights, mask: mask, facts: context.facts[position],
                                                     gradient: gradient, gradientScale: context.gradientScale * Float(weight))
            result.loss += weight * result.outputLosses[position]
        }
        guard targets != nil else { return result }
        result.samples = batch
        for (index, layer) in penalties.enumerated() {
            if let layer { result.loss += layer.penalty(outputs[index].pointer, batch: batch) }
        }
        return result
    }

    /// Runs the backward passes of the nodes in `range`, last first (those after it have run on this batch).
    func backward(_ context: Context, nodes range: Range<Int>, gradientTarget: GradientTarget) {
        let profiler = context.profiler, batch = lastBatch, deferring = context.deferGradients
        for index in range.reversed() {
            let node = nodes[index]
            let target = deferring && keptGradients[index] != nil ? []
                : gradientTarget == .parameters ? parameterGradients[index] : ownGradientPointers[index]
            let adding = plan.addsParameterGradients[index]
            let inputs = LayerInputs(pointers: inputPointers[index], count: node.inputs.count)
            for (position, write) in plan.inputGradients[index].enumerated() {
                let size = batch * node.layer.inputShapes[position].reduce(1, *)
                switch write {
                case .none: inputGradientPointers[index][position] = nil
                case .write(let source): inputGradientPointers[index][position] = outputGradientBuffer(source, deferring: deferring).reserve(size)
                case .add, .clearAndAdd: inputGradientPointers[index][position] = sums[position].reserve(size)
                }
            }
            let started = profiler == nil ? 0 : LayerProfiler.now()
            scratch[index].inputMask = inputMask(of: index)
            if let penalty = penalties[index] {
                penalty.addPenaltyGradient(outputs[index].pointer, to: outputGradientBuffer(index, deferring: deferring).pointer,
                                           batch: batch, scale: context.gradientScale)
            }
            node.layer.backward(inputs, output: UnsafePointer(outputs[index].pointer),
                                outputGradient: outputGradientBuffer(index, deferring: deferring).pointer,
                                inputGradients: LayerInputGradients(pointers: inputGradientPointers[index], count: node.inputs.count),
                                batch: batch, scratch: scratch[index], gradients: adding ? partialGradients[index] : target)
            if adding {
                for (sum, (part, parameter)) in zip(target, zip(partialGradients[index], node.layer.parameters)) {
                    ck_add(sum, part, parameter.count)
                }
            }
            for (position, write) in plan.inputGradients[index].enumerated() {
                guard case .node(let source, let tensor) = node.inputs[position] else { continue }
                let slot = outputGradientBuffer(source, deferring: deferring)
                switch write {
                case .add: break
                case .clearAndAdd: slot.reserve(batch * outputOffsets[source].last!).update(repeating: 0, count: batch * outputOffsets[source].last!)
                case .none, .write: continue
                }
                ck_add(slot.pointer + batch * outputOffsets[source][tensor], sums[position].pointer,
                       batch * node.layer.inputShapes[position].reduce(1, *))
            }
            if let profiler { profiler.addBackward(index, LayerProfiler.now() - started) }
        }
    }

    /// The mask node `index` reads in this pass, if any.
    private func inputMask(of index: Int) -> UnsafePointer<Float>? {
        maskPlan.readSources[index].map { UnsafePointer(masks[$0]!.pointer) }
    }

    /// Output `position`'s mask in this pass, if any.
    private func outputMask(_ position: Int) -> UnsafePointer<Float>? {
        maskPlan.outputSources[position].map { UnsafePointer(masks[$0]!.pointer) }
    }

    /// Points node `index`'s input pointers at the outputs it reads (or the model's inputs).
    private func connectInputs(of index: Int, context: Context, modelInputs: BatchInputs, training: Bool) {
        for (position, source) in nodes[index].inputs.enumerated() {
            switch source {
            case .input(let input): inputPointers[index][position] = modelInputs.input(input, valuesPerSample: context.inputSizes[input])
            case .node(let other, let tensor):
                let source = training ? other : inferenceSources[other]
                inputPointers[index][position] = UnsafePointer(outputs[source].pointer + lastBatch * outputOffsets[source][tensor])
            }
        }
    }

    /// The forward sums of node `index`, a ``BatchStatisticsLayer``, over this worker's part, into
    /// ``statistics(ofNode:)``; the nodes it reads must have run forward.
    func measureForward(node index: Int, context: Context, inputs: BatchInputs) {
        guard let layer = nodes[index].layer as? BatchStatisticsLayer else { return }
        connectInputs(of: index, context: context, modelInputs: inputs, training: true)
        layer.measureForward(inputPointers[index][0], batch: lastBatch, into: statistics[index]!)
    }

    /// The backward sums of node `index` over this worker's part, into its statistics buffer, and the part's
    /// parameter gradients, into `gradientTarget`; the nodes after it must have run backward.
    func measureBackward(node index: Int, context: Context, gradientTarget: GradientTarget) {
        guard let layer = nodes[index].layer as? BatchStatisticsLayer else { return }
        layer.measureBackward(inputPointers[index][0], outputGradient: outputGradientBuffer(index, deferring: context.deferGradients).pointer,
                              batch: lastBatch, into: statistics[index]!,
                              gradients: gradientTarget == .parameters ? parameterGradients[index] : ownGradientPointers[index])
    }

    /// The sums buffer of node `index`, a ``BatchStatisticsLayer``.
    func statistics(ofNode index: Int) -> UnsafeMutablePointer<Double> { statistics[index]! }

    /// Where d(loss)/d(output) of node `index` lives: its kept buffer when a deferring layer defers, else its slot.
    private func outputGradientBuffer(_ index: Int, deferring: Bool) -> ScratchBuffer {
        if deferring, let kept = keptGradients[index] { return kept }
        return slots[plan.slot[index]]
    }

    /// Input `position` of node `node` in the last pass.
    func input(ofNode node: Int, at position: Int) -> UnsafePointer<Float> { inputPointers[node][position] }

    /// d(loss)/d(output) of deferring node `node` in the last training pass that deferred its gradients.
    func keptOutputGradient(_ node: Int) -> UnsafePointer<Float> {
        UnsafePointer(keptGradients[node]!.pointer)
    }
}
