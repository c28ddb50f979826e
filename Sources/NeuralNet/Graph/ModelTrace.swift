/// One layer call's output in a trace: what it computed for the traced samples at inference.
public struct TracedOutput: Sendable {
    /// The layer's name.
    public let layer: String
    /// Which call of the layer (0 but for a shared layer's later calls).
    public let call: Int
    /// Which of the call's outputs (0 but for a recurrent layer's returned states).
    public let tensor: Int
    /// Per-sample shape.
    public let shape: [Int]
    /// The samples' values, one sample after another; empty when the layer is folded into the next at
    /// inference (``foldedInto``).
    public let values: [Float]
    /// The later layer whose output includes this one's at inference (a BatchNormalization folded into this
    /// convolution, or the activation after both), which then stands for both; nil for a layer computed alone.
    public let foldedInto: String?

    /// `name`, `name:call` for a shared layer's later calls, `#tensor` after for a returned state: the key
    /// the outputs of a trace are saved under.
    public var key: String { layer + (call > 0 ? ":\(call)" : "") + (tensor > 0 ? "#\(tensor)" : "") }
}

extension Model {
    /// Every layer call's outputs for the samples of `data`, at inference, in the order the layers run, as
    /// Keras's `keras.Model(inputs, [layer.output ...])` gives them. An output layer whose activation a loss
    /// took over is traced after that activation, as Keras computes it.
    public func trace(_ data: SampleSource, batchSize: Int = 32) throws -> [TracedOutput] {
        let worker = workers[0]
        let context = workerContext(facts: losses.map { _ in Loss.BatchFacts() }, scoring: false, batch: 1)
        var values = nodes.map { $0.layer.outputShapes.map { _ in [Float]() } }
        let pointers = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: max(1, inputs.count))
        defer { pointers.deallocate() }
        try forEachBatch(of: data, targets: false, batchSize: max(1, batchSize), progress: nil) { _, batch in
            for (index, input) in batch.inputs.prefix(inputs.count).enumerated() { pointers[index] = input }
            worker.forward(context, inputs: BatchInputs(pointers: pointers, firstSample: 0), batch: batch.count, training: false,
                           nodes: nodes.indices)
            for (index, node) in nodes.enumerated() {
                for tensor in node.layer.outputShapes.indices {
                    values[index][tensor] += worker.inferenceOutput(ofNode: index, tensor: tensor, batch: batch.count)
                }
            }
        }
        for (position, node) in outputs.enumerated() {
            guard let activation = deferredActivation(ofOutput: position) else { continue }
            let width = outputShapes[position].last ?? 1
            values[node][0].withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, rows: $0.count / width, width: width) }
        }
        // The nodes of a fold (a convolution and the nodes whose outputs it computes at inference) all hold its
        // output: each but the last is reported as folded into the last. A layer that passes its input through
        // holds the same values as the node it reads, and both are reported.
        var lastOfFold: [Int: Int] = [:]
        for (index, source) in inferenceSources.enumerated() where !InferenceSources.passesThrough(nodes[index].layer) {
            lastOfFold[source] = max(lastOfFold[source] ?? index, index)
        }
        var foldedInto: [Int: Int] = [:]
        for (index, source) in inferenceSources.enumerated() where lastOfFold[source] != index && !InferenceSources.passesThrough(nodes[index].layer) {
            foldedInto[index] = lastOfFold[source]
        }
        let calls = callIndices
        return nodes.enumerated().flatMap { index, node in
            node.layer.outputShapes.enumerated().map { tensor, shape in
                let folded = foldedInto[index].map { nodes[$0].layer.name }
                return TracedOutput(layer: node.layer.name, call: calls[index], tensor: tensor, shape: shape,
                                    values: folded == nil ? values[index][tensor] : [], foldedInto: folded)
            }
        }
    }
}
