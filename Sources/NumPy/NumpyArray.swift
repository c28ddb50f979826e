import Foundation

/// A NumPy array as a `.npy` file holds it: its shape, its element type and its little-endian bytes in C
/// order. Reads format versions 1 to 3 of the numeric and boolean types; writes version 1.
public struct NumpyArray: Sendable, Equatable {
    /// The element types read and written, by NumPy's `descr` (little-endian, as NumPy writes them on x86 and
    /// ARM).
    public enum ElementType: String, Sendable, CaseIterable {
        case bool = "|b1", uint8 = "|u1", int8 = "|i1", uint16 = "<u2", int16 = "<i2", uint32 = "<u4", int32 = "<i4"
        case uint64 = "<u8", int64 = "<i8", float16 = "<f2", float32 = "<f4", float64 = "<f8"

        /// Bytes per element.
        public var size: Int { Int(rawValue.dropFirst(2))! }
        /// NumPy's name of the type (`float32`).
        public var name: String { String(describing: self) }
        /// Whether the elements are integers (or booleans).
        public var isInteger: Bool { !rawValue.contains("f") }

        /// Converts `count` little-endian elements at `source` to float32 at `destination`, as NumPy's
        /// `astype(np.float32)` does (booleans as 0 and 1).
        public func convert(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
            func load<T>(_ type: T.Type, _ convert: (T) -> Float) {
                for index in 0..<count {
                    destination[index] = convert(source.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self))
                }
            }
            switch self {
            case .bool: load(UInt8.self) { $0 == 0 ? 0 : 1 }
            case .uint8: load(UInt8.self) { Float($0) }
            case .int8: load(Int8.self) { Float($0) }
            case .uint16: load(UInt16.self) { Float(UInt16(littleEndian: $0)) }
            case .int16: load(Int16.self) { Float(Int16(littleEndian: $0)) }
            case .uint32: load(UInt32.self) { Float(UInt32(littleEndian: $0)) }
            case .int32: load(Int32.self) { Float(Int32(littleEndian: $0)) }
            case .uint64: load(UInt64.self) { Float(UInt64(littleEndian: $0)) }
            case .int64: load(Int64.self) { Float(Int64(littleEndian: $0)) }
            case .float16: load(UInt16.self) { Float(Float16(bitPattern: UInt16(littleEndian: $0))) }
            case .float32: UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
            case .float64: load(UInt64.self) { Float(Double(bitPattern: UInt64(littleEndian: $0))) }
            }
        }
    }

    /// The dimensions; empty for a single value.
    public let shape: [Int]
    /// The type of the elements.
    public let elementType: ElementType
    /// The elements' bytes, little-endian, in C order.
    public let data: [UInt8]

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// An array of `elementType` from its parts; `data` must hold `shape`'s elements.
    public init(shape: [Int], elementType: ElementType, data: [UInt8]) throws {
        guard let count = NumpyArray.elementCount(shape), count.multipliedReportingOverflow(by: elementType.size) == (data.count, false) else {
            throw NumpyError(file: "", reason: "\(data.count) bytes do not hold shape \(describe(shape)) of \(elementType.name)")
        }
        self.shape = shape
        self.elementType = elementType
        self.data = data
    }

    /// A float32 array of `shape` holding `values`.
    public init(shape: [Int], float32 values: [Float]) throws {
        try self.init(shape: shape, elementType: .float32, data: values.withUnsafeBytes { Array($0) })
    }

    /// The largest array read, in bytes (4 GiB).
    public static let maximumBytes = 1 << 32

    /// Reads a `.npy` file.
    public static func read(_ path: String) throws -> NumpyArray {
        try parse(try NumpyFile.contents(path, limit: maximumBytes), file: path)
    }

    /// Parses `.npy` bytes; errors name `file`.
    public static func parse(_ bytes: [UInt8], file: String) throws -> NumpyArray {
        let (header, dataStart) = try NumpyHeader.parse(bytes, file: file)
        let data = Array(bytes[dataStart...])
        guard let count = elementCount(header.shape), let expected = Optional(count.multipliedReportingOverflow(by: header.elementType.size)),
              !expected.overflow, expected.partialValue == data.count else {
            throw NumpyError(file: file, reason: "holds \(data.count) bytes of data where its header promises shape "
                             + "\(describe(header.shape)) of \(header.elementType.name) (truncated?)")
        }
        return try NumpyArray(shape: header.shape, elementType: header.elementType, data: data)
    }

    /// The `.npy` file's bytes (format 1.0, or 2.0 for a header too long for 1.0).
    public var fileBytes: [UInt8] {
        var header = "{'descr': '\(elementType.rawValue)', 'fortran_order': False, 'shape': \(describe(shape)), }"
        // Padded with spaces so the data starts on a 64-byte boundary, ending in a newline, as NumPy does.
        let version: UInt8 = header.utf8.count + 11 < 65_536 ? 1 : 2
        let prefix = version == 1 ? 10 : 12
        header += String(repeating: " ", count: (64 - (prefix + header.utf8.count + 1) % 64) % 64) + "\n"
        let length = header.utf8.count
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        bytes += (0..<(version == 1 ? 2 : 4)).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        return bytes + Array(header.utf8) + data
    }

    /// Writes the array to `path` as a `.npy` file, replacing it whole or not at all.
    public func write(to path: String) throws {
        try NumpyFile.write(fileBytes, to: path)
    }

    /// The elements as float32, converted as NumPy's `astype(np.float32)` does (booleans as 0 and 1).
    public func floats() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { raw in
                if let source = raw.baseAddress, let destination = buffer.baseAddress {
                    elementType.convert(source, count: count, into: destination)
                }
            }
            initialized = count
        }
    }

    /// The elements as integers, for the integer and boolean types; throws for floats, and for an unsigned
    /// 64-bit value above `Int.max`.
    public func integers() throws -> [Int] {
        guard elementType.isInteger else { throw NumpyError(file: "", reason: "holds \(elementType.name), not integers") }
        let size = elementType.size, signed = elementType.rawValue.contains("i")
        return try (0..<count).map { index in
            var value: UInt64 = 0
            for byte in 0..<size { value |= UInt64(data[index * size + byte]) << (8 * UInt64(byte)) }
            if signed, size < 8, value & (1 << (8 * UInt64(size) - 1)) != 0 { value |= ~0 << (8 * UInt64(size)) }
            guard signed || value <= UInt64(Int.max) else { throw NumpyError(file: "", reason: "value \(value) is too large") }
            return Int(Int64(bitPattern: value))
        }
    }

    /// The number of elements of `shape`, or nil when a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}

/// A shape as NumPy prints it: `(2, 3)`, `(5,)`, `()`.
func describe(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
