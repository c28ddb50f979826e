/// The bytes an array of `shape` with items of `itemSize` bytes takes, or nil when a size is negative or the
/// product does not fit an `Int` (sizes come from file headers).
func byteCount(_ shape: [Int], itemSize: Int) -> Int? {
    var count = itemSize
    for dimension in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        guard dimension >= 0, !overflow else { return nil }
        count = product
    }
    return count
}

/// The IDX format of the original MNIST distribution: a big-endian header (magic, dimensions) and uint8 data.
enum IDX {
    /// Decodes an IDX file of unsigned bytes with the expected number of dimensions; returns the dimensions
    /// and the data.
    static func decode(_ bytes: [UInt8], dimensions expected: Int, file: String) throws -> (dims: [Int], data: [UInt8]) {
        guard bytes.count >= 4 else { throw MNISTError(file: file, reason: "too short for an IDX header") }
        guard bytes[0] == 0, bytes[1] == 0 else { throw MNISTError(file: file, reason: "not an IDX file (bad magic number)") }
        guard bytes[2] == 0x08 else { throw MNISTError(file: file, reason: "IDX data type \(bytes[2]) is not unsigned bytes") }
        let rank = Int(bytes[3])
        guard rank == expected else { throw MNISTError(file: file, reason: "has \(rank) dimensions, expected \(expected)") }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else { throw MNISTError(file: file, reason: "truncated IDX header") }
        let dims = (0..<rank).map { index -> Int in
            let at = 4 + 4 * index
            return Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        guard let count = byteCount(dims, itemSize: 1), bytes.count - headerSize == count else {
            throw MNISTError(file: file, reason: "holds \(bytes.count - headerSize) data bytes, the header promises \(dims.map(String.init).joined(separator: " x ")) (truncated?)")
        }
        return (dims, Array(bytes[headerSize...]))
    }
}
