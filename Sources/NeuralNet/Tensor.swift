/// A dense float32 array with a shape, row-major; images are NHWC (channels last) as in Keras.
public struct Tensor: Sendable, Equatable {
    /// The dimensions, outermost first: `[batch, height, width, channels]` for images.
    public var shape: [Int]
    /// The values in row-major order.
    public var scalars: [Float]

    /// A tensor from values; `scalars.count` must equal the product of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.reduce(1, *) == scalars.count, "\(scalars.count) values do not fill shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// The number of values.
    public var count: Int { scalars.count }
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
