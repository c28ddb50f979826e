import Foundation

/// A trainable array of a layer (a kernel or a bias), held in memory that never moves, so kernels can work on
/// it directly; `gradient` receives d(loss)/d(value) from each backward pass.
public final class Parameter: @unchecked Sendable {
    /// Keras's short name: `kernel` or `bias`.
    public let name: String
    public let shape: [Int]
    public let count: Int
    /// The values, `count` floats, row-major in Keras's layout.
    public let value: UnsafeMutablePointer<Float>
    /// The gradient of the last backward pass, `count` floats.
    public let gradient: UnsafeMutablePointer<Float>

    /// A parameter of zeros.
    public convenience init(name: String, shape: [Int]) {
        self.init(name: name, shape: shape, valuesUnset: ())
        value.initialize(repeating: 0, count: count)
    }

    /// A parameter whose values are left unset, for a caller that writes every one (a kernel drawn at random,
    /// weights read from a file), so that memory the heap reuses is not cleared first. The gradient is zero.
    init(name: String, shape: [Int], valuesUnset: Void) {
        self.name = name
        self.shape = shape
        count = shape.reduce(1, *)
        value = .allocate(capacity: max(1, count))
        gradient = Self.zeroedFloats(count)
    }

    /// Arrays at least this large are mapped fresh from the kernel rather than taken from the heap.
    private static let mappedBytes = 1 << 18

    /// `count` zeros. Large arrays are fresh anonymous pages, which stay free until written: a model used only
    /// for inference never pays for its gradients, where calloc would clear reused heap memory.
    private static func zeroedFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
        let bytes = max(1, count) * MemoryLayout<Float>.stride
        let memory = bytes >= mappedBytes
            ? mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).flatMap { $0 == MAP_FAILED ? nil : $0 }
            : calloc(bytes, 1)
        guard let memory else { fatalError("out of memory allocating \(count) floats") }
        return memory.bindMemory(to: Float.self, capacity: max(1, count))
    }

    private static func freeZeroedFloats(_ floats: UnsafeMutablePointer<Float>, count: Int) {
        let bytes = max(1, count) * MemoryLayout<Float>.stride
        if bytes >= mappedBytes { munmap(floats, bytes) } else { free(floats) }
    }

    /// A parameter holding `tensor`'s values.
    public convenience init(name: String, _ tensor: Tensor) {
        self.init(name: name, shape: tensor.shape, valuesUnset: ())
        tensor.scalars.withUnsafeBufferPointer { value.initialize(from: $0.baseAddress!, count: count) }
    }

    deinit {
        value.deallocate()
        Self.freeZeroedFloats(gradient, count: count)
    }

    /// A copy of the values.
    public var tensor: Tensor { Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: value, count: count))) }

    /// A copy of the gradient.
    public var gradientTensor: Tensor { Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: gradient, count: count))) }

    /// Replaces the values, refusing a different shape.
    public func assign(_ tensor: Tensor) throws {
        guard tensor.shape == shape else { throw ModelError.shapeMismatch(parameter: name, expected: shape, found: tensor.shape) }
        tensor.scalars.withUnsafeBufferPointer { value.update(from: $0.baseAddress!, count: count) }
    }
}

/// Whether a forward pass is for inference or for training (dropout is only active in training).
public enum PassMode: Sendable {
    case inference
    case training
}

/// One layer of a Sequential model. Shapes exclude the batch dimension; data is NHWC float32 rows, one
/// sample after another.
///
/// A layer keeps no per-batch state itself: whatever the backward pass needs from the forward pass (im2col
/// columns, pooling argmax, dropout masks) lives in a ``LayerScratch`` owned by the worker thread running it,
/// so several workers can run the same layer on different parts of a batch at once.
public protocol Layer: AnyObject {
    /// The Keras layer name, e.g. `conv2d_1`.
    var name: String { get set }
    /// The Keras class name, e.g. `Conv2D`.
    var className: String { get }
    /// Per-sample input shape, set by ``build(inputShape:generator:)``.
    var inputShape: [Int] { get }
    /// Per-sample output shape, set by ``build(inputShape:generator:)``.
    var outputShape: [Int] { get }
    /// Trainable arrays in Keras order (kernel, then bias); empty for layers without weights.
    var parameters: [Parameter] { get }

    /// Fixes the input shape and creates the parameters through `initializer`.
    func build(inputShape: [Int], initializer: inout ParameterInitializer) throws

    /// Computes `batch` outputs from `batch` inputs.
    func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                 scratch: LayerScratch)

    /// Given d(loss)/d(output) (which it may overwrite), writes each parameter's gradient into `gradients`
    /// (one buffer per parameter, overwritten) and, when `inputGradient` is non-nil, d(loss)/d(input).
    /// `input`, `output` and `scratch` are those of the last forward pass. Dense layers also take an empty
    /// `gradients`: they then leave `outputGradient` holding d(loss)/d(pre-activation), from which
    /// ``DeferredDenseUpdate`` computes their parameter gradients.
    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                  inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                  gradients: [UnsafeMutablePointer<Float>])
}

extension Layer {
    public var parameters: [Parameter] { [] }
    /// Values per sample in the input.
    public var inputSize: Int { inputShape.reduce(1, *) }
    /// Values per sample in the output.
    public var outputSize: Int { outputShape.reduce(1, *) }
    /// The number of trainable values.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// A layer that ends in an activation (Dense, Conv2D). The model defers a final softmax so the loss can use
/// the logits, as Keras does.
public protocol ActivatedLayer: Layer {
    var activation: Activation { get }
    var activationDeferred: Bool { get set }
}

/// Per-worker, per-layer memory reused from batch to batch.
public final class LayerScratch {
    let first = ScratchBuffer()
    let second = ScratchBuffer()
    let indices = IndexBuffer()
    /// Random numbers for dropout masks, seeded per layer and worker.
    var generator: SeededGenerator
    /// Threads the layer may use for this pass: more than one only when the batch is too small to give every
    /// worker a part (a single image), so a large layer shares its own work out instead.
    var threads = 1
    /// Buffers for threads 1..<threads of such a pass, created on first use.
    private var threadBuffers: [ScratchBuffer] = []

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    /// A buffer of its own for `thread` (0 is `first`); create them with ``prepareThreadBuffers(_:)`` before
    /// the threads start.
    func buffer(forThread thread: Int) -> ScratchBuffer {
        thread == 0 ? first : threadBuffers[thread - 1]
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

    public var description: String {
        switch self {
        case .shapeMismatch(let parameter, let expected, let found):
            return "\(parameter) expects shape \(describeShape(expected)), found \(describeShape(found))"
        case .invalidInput(let layer, let reason): return "layer \(layer): \(reason)"
        case .invalidConfiguration(let reason): return reason
        }
    }
}
