/// One thread's share of a batch: its activations, gradients and layer scratch memory.
final class Worker {
    /// What every worker needs to know about the model for one batch.
    struct Context {
        let layers: [Layer]
        let softmaxOutput: Bool
        let inputSize: Int
        let outputSize: Int
        /// 1 / (whole batch size): each worker's loss gradient is scaled so the summed gradients are the mean's.
        let gradientScale: Float
        /// Set on the first worker when the model is being profiled.
        var profiler: LayerProfiler?
        /// Threads each layer may use (more than one when this worker runs alone on a tiny batch).
        var layerThreads = 1
        /// In training, leave Dense layers' parameter gradients to ``DeferredDenseUpdate``, keeping what it
        /// needs instead (see ``input(ofLayer:)`` and ``denseOutputGradient(_:)``).
        var deferDenseGradients = false
    }

    /// Where parameter gradients go: straight into the parameters (worker 0) or into this worker's buffers.
    enum GradientTarget { case parameters, own }

    let scratch: [LayerScratch]
    let outputs: [ScratchBuffer]
    let probabilities = ScratchBuffer()
    let gradientA = ScratchBuffer()
    let gradientB = ScratchBuffer()
    /// Per layer, for Dense layers only: d(loss)/d(output) of the last training pass that deferred their
    /// gradients, after the activation's derivative.
    private let denseOutputGradients: [ScratchBuffer?]
    /// The input of the last pass.
    private(set) var lastInput: UnsafePointer<Float>?
    /// The samples of the last pass.
    private(set) var lastBatch = 0
    /// One buffer per model parameter, in model order, for workers other than the first.
    let ownGradients: [ScratchBuffer]
    /// Per layer, where its parameters' gradients go for each target, worked out once so that the
    /// per-batch loop allocates nothing.
    private let parameterGradients: [[UnsafeMutablePointer<Float>]]
    private let ownGradientPointers: [[UnsafeMutablePointer<Float>]]

    init(layers: [Layer], index: Int, seed: UInt64) {
        scratch = layers.indices.map { layer in
            LayerScratch(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(layer) &* 1_000_003 &+ UInt64(index) &* 7919 &+ 1)
        }
        outputs = layers.map { _ in ScratchBuffer() }
        denseOutputGradients = layers.map { $0 is Dense ? ScratchBuffer() : nil }
        let own = layers.flatMap(\.parameters).map { parameter in
            let buffer = ScratchBuffer()
            _ = buffer.reserve(parameter.count)
            return buffer
        }
        ownGradients = own
        parameterGradients = layers.map { $0.parameters.map(\.gradient) }
        var next = 0
        ownGradientPointers = layers.map { layer in
            defer { next += layer.parameters.count }
            return own[next..<next + layer.parameters.count].map(\.pointer)
        }
    }

    func run(_ context: Context, input: UnsafePointer<Float>, labels: UnsafePointer<Int32>?, batch: Int, training: Bool,
             probabilities output: UnsafeMutablePointer<Float>?, gradientTarget: GradientTarget) -> BatchResult {
        let layers = context.layers
        let profiler = context.profiler
        lastInput = input
        lastBatch = batch
        let deferring = training && context.deferDenseGradients
        /// Where d(loss)/d(output) of layer `index` goes: its own buffer when a Dense layer defers, else the
        /// ping-pong buffer that is not `current`.
        func outputGradientBuffer(_ index: Int, current: UnsafeMutablePointer<Float>?) -> ScratchBuffer {
            if deferring, let kept = denseOutputGradients[index] { return kept }
            return current == gradientA.pointer ? gradientB : gradientA
        }
        profiler?.addSamples(batch)
        var current = input
        for (index, layer) in layers.enumerated() {
            let out = outputs[index].reserve(batch * layer.outputSize)
            let started = profiler == nil ? 0 : LayerProfiler.now()
            scratch[index].threads = context.layerThreads
            layer.forward(current, out, batch: batch, mode: training ? .training : .inference, scratch: scratch[index])
            if let profiler { profiler.addForward(index, LayerProfiler.now() - started) }
            current = UnsafePointer(out)
        }
        let classes = context.outputSize
        var probs = UnsafeMutablePointer(mutating: current)
        if context.softmaxOutput {
            probs = probabilities.reserve(batch * classes)
            probs.update(from: current, count: batch * classes)
            Activation.softmax.apply(probs, rows: batch, width: classes)
        }
        output?.update(from: probs, count: batch * classes)
        guard let labels else { return BatchResult() }
        let gradient = training ? outputGradientBuffer(layers.count - 1, current: nil).reserve(batch * classes) : nil
        var result = BatchResult()
        result.correct = SparseCategoricalCrossentropy.correctCount(probs, labels: labels, batch: batch, classes: classes)
        result.loss = context.softmaxOutput
            ? SparseCategoricalCrossentropy.fromLogits(current, probabilities: probs, labels: labels, batch: batch,
                                                       classes: classes, gradient: gradient, gradientScale: context.gradientScale)
            : SparseCategoricalCrossentropy.fromProbabilities(current, labels: labels, batch: batch, classes: classes,
                                                              gradient: gradient, gradientScale: context.gradientScale)
        guard training, var outputGradient = gradient else { return result }
        for index in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[index]
            let gradients = deferring && denseOutputGradients[index] != nil ? []
                : gradientTarget == .parameters ? parameterGradients[index] : ownGradientPointers[index]
            let layerInput = self.input(ofLayer: index)
            let inputGradient = index == 0 ? nil
                : outputGradientBuffer(index - 1, current: outputGradient).reserve(batch * layer.inputSize)
            let started = profiler == nil ? 0 : LayerProfiler.now()
            layer.backward(input: layerInput, output: UnsafePointer(outputs[index].pointer), outputGradient: outputGradient,
                           inputGradient: inputGradient, batch: batch, scratch: scratch[index], gradients: gradients)
            if let profiler { profiler.addBackward(index, LayerProfiler.now() - started) }
            if let inputGradient { outputGradient = inputGradient }
        }
        return result
    }

    /// The input layer `index` saw in the last pass.
    func input(ofLayer index: Int) -> UnsafePointer<Float> {
        index == 0 ? lastInput! : UnsafePointer(outputs[index - 1].pointer)
    }

    /// d(loss)/d(output) of Dense layer `index` in the last training pass that deferred its gradients.
    func denseOutputGradient(_ index: Int) -> UnsafePointer<Float> {
        UnsafePointer(denseOutputGradients[index]!.pointer)
    }
}
