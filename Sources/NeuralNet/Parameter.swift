import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A weight array of a layer (a kernel, a bias, a moving mean), held in memory that never moves, so kernels can
/// work on it directly; for a trainable one, `gradient` receives d(loss)/d(value) from each backward pass.
public final class Parameter: @unchecked Sendable {
    /// Keras's short name: `kernel`, `bias`, `moving_mean`.
    public let name: String
    /// The shape as Keras stores it.
    public let shape: [Int]
    /// The number of values.
    public let count: Int
    /// The values, `count` floats, row-major in Keras's layout. Code that writes them directly calls
    /// ``valuesChanged()`` afterwards.
    public let value: UnsafeMutablePointer<Float>
    /// Counts the changes made to the values (by a load, an optimizer step, a BatchNormalization's moving
    /// statistics, ``assign(_:)`` or ``valuesChanged()``), so that a layer can keep what it derives from them
    /// (a convolution's Winograd-transformed kernel) across inference calls until they change.
    public private(set) var version: UInt64 = 0
    /// The gradient of the last backward pass, `count` floats.
    public let gradient: UnsafeMutablePointer<Float>
    /// For a table Keras's optimizers update from one gradient slice per lookup (an Embedding's), the sum over
    /// the last training pass of each lookup's squared gradient, `count` floats: Adam's, Nadam's and RMSprop's
    /// second moments take it where another parameter's take the square of its gradient. Nil for the others.
    public private(set) var lookupGradientSquares: UnsafeMutablePointer<Float>?
    /// Whether Keras stores the array as integers (Normalization's `count`); it is held here as floats.
    public internal(set) var storedAsInteger = false
    /// Whether the values are variances, which no Keras computation makes negative (a negative one would
    /// turn every output of its layer into NaN): readers refuse one.
    public internal(set) var isVariance = false

    /// The index and value of the first value that is negative where ``isVariance`` forbids it, if any.
    public var firstNegativeVariance: (index: Int, value: Float)? {
        guard isVariance else { return nil }
        return (0..<count).first { value[$0] < 0 }.map { ($0, value[$0]) }
    }

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
        if let lookupGradientSquares { Self.freeZeroedFloats(lookupGradientSquares, count: count) }
    }

    /// Makes the parameter keep ``lookupGradientSquares``.
    func keepLookupGradientSquares() {
        if lookupGradientSquares == nil { lookupGradientSquares = Self.zeroedFloats(count) }
    }

    /// A copy of the values.
    public var tensor: Tensor { Tensor(checkedShape: shape, scalars: Array(UnsafeBufferPointer(start: value, count: count))) }

    /// A copy of the gradient.
    public var gradientTensor: Tensor { Tensor(checkedShape: shape, scalars: Array(UnsafeBufferPointer(start: gradient, count: count))) }

    /// How many of the values are NaN or infinite.
    public var nonFiniteCount: Int { ck_count_nonfinite(value, count) }

    /// Replaces the values, refusing a different shape.
    public func assign(_ tensor: Tensor) throws {
        guard tensor.shape == shape else { throw ModelError.shapeMismatch(parameter: name, expected: shape, found: tensor.shape) }
        tensor.scalars.withUnsafeBufferPointer { value.update(from: $0.baseAddress!, count: count) }
        valuesChanged()
    }

    /// Records that the values changed: what layers derived from them is computed again.
    public func valuesChanged() { version &+= 1 }
}
