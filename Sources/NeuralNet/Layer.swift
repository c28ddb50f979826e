/// Whether a forward pass is for inference or for training (dropout is only active in training).
public enum PassMode: Sendable {
    case inference
    case training
}

/// A layer's inputs in one pass: one pointer per input (most layers take one), each to `batch` samples of
/// that input's shape. The model fills them in memory it owns, so passes allocate nothing.
public struct LayerInputs {
    let pointers: UnsafePointer<UnsafePointer<Float>>
    /// How many inputs the layer takes.
    public let count: Int

    /// Input `index`.
    public subscript(index: Int) -> UnsafePointer<Float> { pointers[index] }
}

/// Where a layer's backward pass writes d(loss)/d(input), one per input: nil for an input that needs none
/// (the model's own input). Each is overwritten, not added to.
public struct LayerInputGradients {
    let pointers: UnsafePointer<UnsafeMutablePointer<Float>?>
    /// How many inputs the layer takes.
    public let count: Int

    /// Where input `index`'s gradient goes, or nil.
    public subscript(index: Int) -> UnsafeMutablePointer<Float>? { pointers[index] }
}

/// One Keras layer: shapes exclude the batch dimension; data is NHWC float32 rows, one sample after another.
///
/// A layer keeps no per-batch state itself: whatever the backward pass needs from the forward pass (im2col
/// columns, pooling argmax, dropout masks) lives in a ``LayerScratch`` owned by the worker thread running it,
/// so several workers can run the same layer on different parts of a batch at once. Layers with one input
/// adopt ``UnaryLayer``; layers that join several (Add, Concatenate) implement these methods directly.
public protocol Layer: AnyObject {
    /// The Keras layer name, e.g. `conv2d_1`.
    var name: String { get set }
    /// The Keras class name, e.g. `Conv2D`.
    var className: String { get }
    /// Per-sample shape of each input, set by ``build(inputShapes:initializer:)``.
    var inputShapes: [[Int]] { get }
    /// Per-sample output shape, set by ``build(inputShapes:initializer:)``.
    var outputShape: [Int] { get }
    /// Per-sample shape of each output: the one output's by default; a recurrent layer with `return_state`
    /// gives its states too. A pass's outputs lie one after another in one buffer, each for the whole batch.
    var outputShapes: [[Int]] { get }
    /// Trainable arrays in Keras order (kernel, then bias); empty for layers without weights.
    var parameters: [Parameter] { get }
    /// Non-trainable arrays that training passes update themselves rather than the optimizer (Keras's
    /// non-trainable weights: BatchNormalization's moving statistics), in Keras order; usually empty.
    var state: [Parameter] { get }
    /// Floating-point operations of the forward pass per sample (a multiply-add counts as two), for speed
    /// reports: the matrix work; 0 for layers without any worth counting.
    var forwardFlops: Double { get }
    /// What the layer does with a mask Keras carries beside its input (``MaskHandling/ends`` by default).
    var maskHandling: MaskHandling { get }

    /// Fixes the input shapes and creates the parameters through `initializer`.
    func build(inputShapes: [[Int]], initializer: inout ParameterInitializer) throws

    /// Computes `batch` outputs from `batch` samples of each input.
    func forward(_ inputs: LayerInputs, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                 scratch: LayerScratch)

    /// Given d(loss)/d(output) (which it may overwrite), writes each parameter's gradient into `gradients`
    /// (one buffer per parameter, overwritten) and d(loss)/d(input) into each non-nil `inputGradients`.
    /// `inputs`, `output` and `scratch` are those of the last forward pass. A ``DeferredGradientLayer`` may
    /// be given no `gradients`; see there.
    func backward(_ inputs: LayerInputs, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                  inputGradients: LayerInputGradients, batch: Int, scratch: LayerScratch,
                  gradients: [UnsafeMutablePointer<Float>])

    /// Called before an inference call over `samples` samples runs its batches (the weights do not change
    /// until ``finishInference()``): a layer may prepare its weights once for all of them.
    func prepareInference(samples: Int)

    /// Called when that inference call is done.
    func finishInference()
}

extension Layer {
    /// Refuses an input that is not one image per sample, (height, width, channels), naming the layer.
    func requireImageInput(_ shape: [Int]) throws {
        guard shape.count == 3 else {
            throw ModelError.invalidInput(layer: name, reason: "\(className) needs (height, width, channels) input, got \(describeShape(shape, batch: true))")
        }
    }

    /// Refuses a size setting (a window, a stride, a padding) outside `minimum...Model.maximumSampleSize`,
    /// naming the layer and the setting: no activation is larger, and every shape computed from sizes so
    /// bounded fits an `Int`.
    func requireSize(_ value: Int, _ setting: String, minimum: Int = 1) throws {
        guard value >= minimum, value <= Model.maximumSampleSize else {
            throw ModelError.invalidInput(layer: name, reason: "\(setting) must be from \(minimum) to \(Model.maximumSampleSize), found \(value)")
        }
    }

    public var parameters: [Parameter] { [] }
    public var state: [Parameter] { [] }
    /// Every array a Keras file stores for the layer: the trainable ones, then the non-trainable, as Keras's
    /// `layer.weights` lists them.
    public var weights: [Parameter] { parameters + state }
    public var forwardFlops: Double { 0 }
    public var maskHandling: MaskHandling { .ends }
    /// Nothing to prepare by default.
    public func prepareInference(samples: Int) {}
    /// Nothing to release by default.
    public func finishInference() {}
    /// Values per sample in the output.
    public var outputSize: Int { outputShape.reduce(1, *) }
    public var outputShapes: [[Int]] { [outputShape] }
    /// Values per sample of all the outputs.
    public var outputsSize: Int { outputShapes.reduce(0) { $0 + $1.reduce(1, *) } }
    /// The number of trainable values.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// A layer with one input, which it implements through these single-input methods.
public protocol UnaryLayer: Layer {
    /// Per-sample input shape, set by ``build(inputShape:initializer:)``.
    var inputShape: [Int] { get }

    /// Fixes the input shape and creates the parameters through `initializer`.
    func build(inputShape: [Int], initializer: inout ParameterInitializer) throws

    /// Computes `batch` outputs from `batch` inputs.
    func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                 scratch: LayerScratch)

    /// ``Layer/backward(_:output:outputGradient:inputGradients:batch:scratch:gradients:)`` for the one input.
    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                  inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                  gradients: [UnsafeMutablePointer<Float>])
}

extension UnaryLayer {
    /// The one input's shape.
    public var inputShapes: [[Int]] { [inputShape] }
    /// Values per sample in the input.
    public var inputSize: Int { inputShape.reduce(1, *) }

    public func build(inputShapes: [[Int]], initializer: inout ParameterInitializer) throws {
        guard inputShapes.count == 1 else {
            throw ModelError.invalidInput(layer: name, reason: "\(className) takes one input, given \(inputShapes.count)")
        }
        try build(inputShape: inputShapes[0], initializer: &initializer)
    }

    public func forward(_ inputs: LayerInputs, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        forward(inputs[0], output, batch: batch, mode: mode, scratch: scratch)
    }

    public func backward(_ inputs: LayerInputs, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradients: LayerInputGradients, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        backward(input: inputs[0], output: output, outputGradient: outputGradient, inputGradient: inputGradients[0],
                 batch: batch, scratch: scratch, gradients: gradients)
    }
}

/// A layer that ends in an activation (Dense, Conv2D). The model defers a final softmax so the loss can use
/// the logits, as Keras does.
public protocol ActivatedLayer: Layer {
    var activation: Activation { get }
    var activationDeferred: Bool { get set }
}

extension ActivatedLayer {
    /// The activation the forward pass applies: none when the model has taken a final softmax over.
    var appliedActivation: Activation { activationDeferred ? .linear : activation }

    /// Where a training pass keeps the `count` pre-activations its backward pass will need (gelu, silu, mish,
    /// hard_silu); nil when it needs none.
    func preactivationStore(_ mode: PassMode, _ scratch: LayerScratch, count: Int) -> UnsafeMutablePointer<Float>? {
        mode == .training && appliedActivation.derivativeNeedsInput ? scratch.preactivation.reserve(count) : nil
    }

    /// Turns d(loss)/d(output) into d(loss)/d(pre-activation) for `rows` rows of `width` outputs, with the
    /// pre-activations the training pass kept.
    func activationBackward(_ gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, rows: Int, width: Int,
                            scratch: LayerScratch) {
        let input = appliedActivation.derivativeNeedsInput ? UnsafePointer(scratch.preactivation.pointer) : nil
        appliedActivation.backward(gradient: gradient, output: output, input: input, rows: rows, width: width)
    }
}

/// Per-worker, per-layer memory reused from batch to batch.
public final class LayerScratch {
    let first = ScratchBuffer()
    let second = ScratchBuffer()
    let indices = IndexBuffer()
    /// A training pass's pre-activations, for activations whose derivative needs them (see ``ActivatedLayer``).
    let preactivation = ScratchBuffer()
    /// Weights a layer derives for an inference pass (a convolution's kernel with a BatchNormalization folded in).
    let folded = ScratchBuffer()
    /// A kernel transformed for the pass (Winograd's), kept for the backward pass.
    let transformedKernel = ScratchBuffer()
    /// Random numbers for dropout masks, seeded per layer and worker.
    var generator: SeededGenerator
    /// For a layer that reads masks (``MaskHandling/reads(passesOn:)``): its input's mask in this pass, one
    /// value per sample and position (see ``MaskHandling``), or nil when the input carries none.
    var inputMask: UnsafePointer<Float>?
    /// Threads the layer may use for this pass: more than one only when the batch is too small to give every
    /// worker a part (a single image), so a large layer shares its own work out instead.
    var threads = 1
    /// Buffers for threads 1..<threads of such a pass, created on first use.
    private var threadBuffers: [ScratchBuffer] = []
    /// The scratch of the layers this layer runs itself (Bidirectional's two), created on first use.
    private var nestedScratch: [LayerScratch] = []

    /// Scratch memory for one layer on one thread; `seed` seeds its random numbers (dropout masks).
    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    /// A buffer of its own for `thread` (0 is `first`); create them with ``prepareThreadBuffers(_:)`` before
    /// the threads start.
    func buffer(forThread thread: Int) -> ScratchBuffer {
        thread == 0 ? first : threadBuffers[thread - 1]
    }

    /// The scratch of the `index`-th layer this layer runs itself, with random numbers of its own.
    func nested(_ index: Int) -> LayerScratch {
        while nestedScratch.count <= index { nestedScratch.append(LayerScratch(seed: generator.next())) }
        return nestedScratch[index]
    }

    /// Makes sure ``buffer(forThread:)`` has a buffer for each of `count` threads.
    func prepareThreadBuffers(_ count: Int) {
        while threadBuffers.count < count - 1 { threadBuffers.append(ScratchBuffer()) }
    }
}

/// Problems building or loading a model.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(parameter: String, expected: [Int], found: [Int])
    case invalidInput(layer: String, reason: String)
    case invalidConfiguration(String)
    /// Data that does not suit the model (see ``Model/check(_:targets:)``), described.
    case invalidData(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let parameter, let expected, let found):
            return "\(parameter) expects shape \(describeShape(expected)), found \(describeShape(found))"
        case .invalidInput(let layer, let reason): return "layer \(layer): \(reason)"
        case .invalidConfiguration(let reason), .invalidData(let reason): return reason
        }
    }
}
