import Foundation
import SafeWrite

/// One tensor to write: its key, element type, shape and little-endian bytes, which must stay valid until
/// ``SafetensorsWriter/write(_:metadata:to:)`` returns.
public struct SafetensorsTensorData {
    /// The key in the header.
    public let name: String
    /// The element type.
    public let dtype: SafetensorsDType
    /// The dimensions; empty for a scalar.
    public let shape: [Int]
    /// The elements, `shape`'s product times `dtype.size` bytes.
    public let bytes: UnsafeRawBufferPointer

    /// A tensor of `bytes`.
    public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: UnsafeRawBufferPointer) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }
}

/// Writes `.safetensors` files atomically (a file beside the destination, renamed over it when complete): the
/// header lists the tensors in the order given and is padded with spaces so the data starts 8-byte aligned.
public enum SafetensorsWriter {
    /// Writes `tensors` and `metadata` to `path`. Refuses, before writing anything, an empty or repeated name,
    /// the name `__metadata__`, and bytes whose count differs from the shape's.
    public static func write(_ tensors: [SafetensorsTensorData], metadata: [String: String], to path: String) throws {
        var names = Set<String>()
        var offset = 0
        var entries: [String] = []
        for tensor in tensors {
            func fail(_ reason: String) -> SafetensorsError { SafetensorsError(file: path, tensor: tensor.name, reason: reason) }
            guard !tensor.name.isEmpty, tensor.name != "__metadata__" else { throw fail("is not a name a tensor can have") }
            guard names.insert(tensor.name).inserted else { throw fail("is named twice") }
            let expected = tensor.shape.reduce(tensor.dtype.size) { product, dimension in
                let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
                return product < 0 || dimension < 0 || overflow ? -1 : result
            }
            guard tensor.bytes.count == expected else {
                throw fail("has \(tensor.bytes.count) bytes where shape \(tensor.shape) of \(tensor.dtype.rawValue) needs \(expected)")
            }
            let offsets = "[\(offset),\(offset + expected)]"
            entries.append(try jsonString(tensor.name) + ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":\(offsets)}")
            offset += expected
        }
        if !metadata.isEmpty {
            let fields = try metadata.sorted { $0.key < $1.key }.map { try jsonString($0.key) + ":" + jsonString($0.value) }
            entries.insert("\"__metadata__\":{" + fields.joined(separator: ",") + "}", at: 0)
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        let length = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64($0))) }
        try AtomicFile.write(to: path) { descriptor, _ in
            try (length + header).withUnsafeBytes { try AtomicFile.writeAll($0, to: descriptor, path: path) }
            for tensor in tensors where !tensor.bytes.isEmpty { try AtomicFile.writeAll(tensor.bytes, to: descriptor, path: path) }
        }
    }

    /// `text` as a JSON string literal, as Foundation's encoder writes it (slashes unescaped, as Python's json).
    private static func jsonString(_ text: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: try encoder.encode(text), as: UTF8.self)
    }
}
