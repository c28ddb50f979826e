/// A dense float32 array with a shape, row-major; images are NHWC (channels last) as in Keras.
public struct Tensor: Sendable, Equatable {
    /// The dimensions, outermost first: `[batch, height, width, channels]` for images.
    public var shape: [Int]
    /// The values in row-major order.
    public var scalars: [Float]

    /// A tensor from values, row-major. Throws ``TensorError`` when a dimension is negative or the values do
    /// not fill the shape exactly.
    public init(shape: [Int], scalars: [Float]) throws {
        guard let count = elementCount(shape, atMost: .max), shape.allSatisfy({ $0 >= 0 }) else { throw TensorError.invalidShape(shape) }
        guard count == scalars.count else { throw TensorError.valueCount(shape: shape, values: scalars.count) }
        self.init(checkedShape: shape, scalars: scalars)
    }

    /// A tensor of zeros. Throws ``TensorError`` for a negative dimension, or more values than an array holds.
    public init(zeros shape: [Int]) throws {
        guard let count = elementCount(shape, atMost: Int.max / MemoryLayout<Float>.size), shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidShape(shape)
        }
        self.init(checkedShape: shape, scalars: [Float](repeating: 0, count: count))
    }

    /// A tensor whose values are known to fill `shape` (they came from a buffer of that shape).
    init(checkedShape shape: [Int], scalars: [Float]) {
        self.shape = shape
        self.scalars = scalars
    }

    /// The number of values.
    public var count: Int { scalars.count }
}

/// Why values cannot make a ``Tensor``.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// A dimension is negative, or the dimensions' product overflows.
    case invalidShape([Int])
    /// The values do not fill the shape.
    case valueCount(shape: [Int], values: Int)

    public var description: String {
        switch self {
        case .invalidShape(let shape): return "shape \(describeShape(shape)) is not a shape of an array"
        case .valueCount(let shape, let values):
            return "\(values) values do not fill shape \(describeShape(shape)) (\(shape.reduce(1, *)) values)"
        }
    }
}

/// Formats a shape the way Keras prints it: `(None, 28, 28, 1)`, `(6,)`.
public func describeShape(_ shape: [Int], batch: Bool = false) -> String {
    let parts = (batch ? ["None"] : []) + shape.map(String.init)
    return parts.count == 1 ? "(\(parts[0]),)" : "(" + parts.joined(separator: ", ") + ")"
}

/// The number of values of `shape`, or nil when it exceeds `limit` (or overflows).
func elementCount(_ shape: [Int], atMost limit: Int) -> Int? {
    var count = 1
    for dimension in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        guard !overflow, product <= limit else { return nil }
        count = product
    }
    return count
}

/// For each value of a row-major array of `shape`, its index in the smaller row-major array that keeps only
/// the axes `keeps` accepts (0-based, within `shape`): how a per-channel or per-feature weight is broadcast.
func broadcastIndices(_ shape: [Int], keeps: (Int) -> Bool) -> [Int32] {
    var strides = [Int](repeating: 0, count: shape.count)
    var stride = 1
    for axis in shape.indices.reversed() where keeps(axis) {
        strides[axis] = stride
        stride *= shape[axis]
    }
    var position = [Int](repeating: 0, count: shape.count)
    return (0..<shape.reduce(1, *)).map { _ in
        let index = Int32(zip(position, strides).reduce(0) { $0 + $1.0 * $1.1 })
        for axis in position.indices.reversed() {
            position[axis] += 1
            if position[axis] < shape[axis] { break }
            position[axis] = 0
        }
        return index
    }
}
