import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One tensor a safetensors header describes.
public struct SafetensorsTensor: Sendable, Equatable {
    /// Its key in the header.
    public let name: String
    /// The element type.
    public let dtype: SafetensorsDType
    /// The dimensions; empty for a scalar.
    public let shape: [Int]
    /// Where its bytes lie, counted from the start of the data (after the header).
    public let byteRange: Range<Int>

    /// The number of elements.
    public var count: Int { byteRange.count / dtype.size }
}

/// A `.safetensors` file whose header has been read and checked: an 8-byte little-endian header length, a JSON
/// header naming each tensor's dtype, shape and byte offsets (and an optional `__metadata__` of strings), then
/// the tensors' bytes, back to back. Opening refuses what the format's reference reader refuses: a header
/// longer than 100 MB or past the end of the file, JSON that is not an object of such entries, an unknown
/// dtype, a shape whose byte count differs from its offsets, and tensors that overlap, leave gaps or do not end
/// where the file does. Tensors are read on demand, straight into the caller's memory.
public struct SafetensorsFile: Sendable {
    /// The file as the user named it.
    public let path: String
    /// The tensors, in the order of their bytes in the file.
    public let tensors: [SafetensorsTensor]
    /// The header's `__metadata__`, empty when it has none.
    public let metadata: [String: String]
    /// Where the data starts: 8 plus the header's length.
    private let dataStart: Int

    /// The longest header the format allows.
    public static let maximumHeaderLength = 100_000_000

    /// The tensor named `name`, if the file has one.
    public subscript(name: String) -> SafetensorsTensor? { tensors.first { $0.name == name } }

    /// Whether `path` is to be read as safetensors: named `.safetensors`, or starting as a safetensors file does.
    public static func isSafetensors(_ path: String) -> Bool {
        path.lowercased().hasSuffix(".safetensors") || looksLikeSafetensors(path)
    }

    /// Whether `path` starts as a safetensors file does: a header length that fits the file, then `{`.
    public static func looksLikeSafetensors(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let prefix = try? handle.read(upToCount: 9), prefix.count == 9 else { return false }
        let length = prefix.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let size = (try? handle.seekToEnd()) ?? 0
        return prefix[8] == UInt8(ascii: "{") && length + 8 <= size
    }

    /// Opens and checks `path`.
    public static func open(_ path: String) throws -> SafetensorsFile {
        func fail(_ reason: String, tensor: String? = nil) -> SafetensorsError { SafetensorsError(file: path, tensor: tensor, reason: reason) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw fail("no such file") }
        guard !isDirectory.boolValue else { throw fail("is a folder, not a file") }
        let descriptor = openForReading(path)
        guard descriptor >= 0 else { throw fail("cannot be read (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw fail("cannot be read (\(String(cString: strerror(errno))))") }
        let size = Int(status.st_size)
        guard size >= 8 else { throw fail("not a safetensors file: \(size) bytes, fewer than the 8 of a header length") }
        var lengthBytes = [UInt8](repeating: 0, count: 8)
        try readExactly(descriptor, into: &lengthBytes, at: 0, path: path)
        let length = lengthBytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(maximumHeaderLength) else {
            throw fail("not a safetensors file: its header length \(length) is over the format's limit of \(maximumHeaderLength) bytes")
        }
        guard Int(length) <= size - 8 else {
            throw fail("truncated: the header is \(length) bytes long but the file holds \(size - 8) after the length")
        }
        var header = [UInt8](repeating: 0, count: Int(length))
        try readExactly(descriptor, into: &header, at: 8, path: path)
        guard header.first == UInt8(ascii: "{") else { throw fail("not a safetensors file: the header does not start with '{'") }
        let parsed: Header
        do {
            parsed = try JSONDecoder().decode(Header.self, from: Data(header))
        } catch let error as SafetensorsError {
            throw fail(error.reason, tensor: error.tensor)
        } catch let error as DecodingError {
            guard (try? JSONSerialization.jsonObject(with: Data(header))) != nil else { throw fail("the header is not valid JSON") }
            throw fail("the header does not describe tensors (\(describe(error)))")
        }
        let dataLength = size - 8 - Int(length)
        let tensors = try checkLayout(parsed.tensors, dataLength: dataLength, path: path)
        return SafetensorsFile(path: path, tensors: tensors, metadata: parsed.metadata, dataStart: 8 + Int(length))
    }

    /// Reads `tensor` into `destination` as float32 (see ``SafetensorsDType``'s conversions): float32 straight
    /// into it, other types through a small buffer. `destination` must hold exactly the tensor's elements.
    public func readFloats(_ tensor: SafetensorsTensor, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard destination.count == tensor.count, let base = destination.baseAddress else {
            throw SafetensorsError(file: path, tensor: tensor.name, reason: "holds \(tensor.count) values where \(destination.count) are wanted")
        }
        let descriptor = openForReading(path)
        guard descriptor >= 0 else { throw SafetensorsError(file: path, reason: "cannot be read (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        let start = dataStart + tensor.byteRange.lowerBound
        if tensor.dtype == .float32 && Int(littleEndian: 1) == 1 {
            try Self.readExactly(descriptor, into: UnsafeMutableRawBufferPointer(destination), at: start, path: path)
            return
        }
        let chunkElements = 1 << 16
        var chunk = [UInt8](repeating: 0, count: chunkElements * tensor.dtype.size)
        var done = 0
        while done < tensor.count {
            let elements = min(chunkElements, tensor.count - done)
            try chunk.withUnsafeMutableBytes { bytes in
                let part = UnsafeMutableRawBufferPointer(rebasing: bytes[..<(elements * tensor.dtype.size)])
                try Self.readExactly(descriptor, into: part, at: start + done * tensor.dtype.size, path: path)
                tensor.dtype.convert(UnsafeRawPointer(part.baseAddress!), count: elements, into: base + done)
            }
            done += elements
        }
    }

    /// Reads `bytes.count` bytes at `offset`, or says the file ended first.
    private static func readExactly(_ descriptor: Int32, into bytes: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws {
        var done = 0
        while done < bytes.count {
            let got = pread(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw SafetensorsError(file: path, reason: got < 0 ? "cannot be read (\(String(cString: strerror(errno))))"
                                       : "truncated: the file ended while reading byte \(offset + done)")
            }
            done += got
        }
    }

    private static func readExactly(_ descriptor: Int32, into bytes: inout [UInt8], at offset: Int, path: String) throws {
        try bytes.withUnsafeMutableBytes { try readExactly(descriptor, into: $0, at: offset, path: path) }
    }

    /// Orders the tensors by offset and refuses a layout the data cannot hold: sizes that differ from the
    /// shapes, overlaps, gaps, or an end other than the file's.
    private static func checkLayout(_ entries: [SafetensorsTensor], dataLength: Int, path: String) throws -> [SafetensorsTensor] {
        let ordered = entries.sorted { ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name) }
        var end = 0
        for tensor in ordered {
            guard tensor.byteRange.lowerBound == end else {
                let what = tensor.byteRange.lowerBound < end ? "overlaps the tensor before it" : "leaves a gap after the tensor before it"
                throw SafetensorsError(file: path, tensor: tensor.name, reason: "starts at data byte \(tensor.byteRange.lowerBound), which \(what) (ending at \(end))")
            }
            end = tensor.byteRange.upperBound
        }
        guard end == dataLength else {
            throw SafetensorsError(file: path, reason: end > dataLength ? "truncated: the tensors need \(end) bytes of data, the file holds \(dataLength)"
                                   : "the tensors cover \(end) bytes of data but the file holds \(dataLength)")
        }
        return ordered
    }

    /// What a header that parses as JSON lacks, in a few words.
    private static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "" : path + ": "
        }
        switch error {
        case .keyNotFound(let key, let context): return at(context) + "no \(key.stringValue)"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return at(context) + (type == String.self ? "expected a string" : type is Int.Type ? "expected a whole number"
                                  : type is [Any].Type || "\(type)".hasPrefix("Array") ? "expected a list" : "expected an object")
        case .dataCorrupted(let context): return at(context) + "a number that is not a whole number in range"
        @unknown default: return "\(error)"
        }
    }
}

/// open(2) for reading, which `SafetensorsFile.open` hides inside the type.
private func openForReading(_ path: String) -> Int32 { open(path, O_RDONLY | O_CLOEXEC) }

/// The header as JSON gives it: tensors under their names, strings under `__metadata__`.
private struct Header: Decodable {
    var tensors: [SafetensorsTensor] = []
    var metadata: [String: String] = [:]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
                continue
            }
            let entry = try container.decode(Entry.self, forKey: key)
            tensors.append(try Self.tensor(key.stringValue, entry))
        }
    }

    /// Checks one entry: a known dtype, a shape of counts, two offsets in order spanning the shape's bytes.
    private static func tensor(_ name: String, _ entry: Entry) throws -> SafetensorsTensor {
        func fail(_ reason: String) -> SafetensorsError { SafetensorsError(file: "", tensor: name, reason: reason) }
        guard let dtype = SafetensorsDType(rawValue: entry.dtype) else {
            throw fail("unknown dtype '\(entry.dtype)' (known: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard entry.shape.allSatisfy({ $0 >= 0 }) else { throw fail("shape \(entry.shape) has a negative dimension") }
        guard entry.data_offsets.count == 2, entry.data_offsets[0] >= 0, entry.data_offsets[0] <= entry.data_offsets[1] else {
            throw fail("data_offsets \(entry.data_offsets) are not [begin, end] with 0 <= begin <= end")
        }
        var bytes = dtype.size
        for dimension in entry.shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw fail("shape \(entry.shape) holds more bytes than a file can") }
            bytes = product
        }
        let range = entry.data_offsets[0]..<entry.data_offsets[1]
        guard range.count == bytes else {
            throw fail("shape \(entry.shape) of \(dtype.rawValue) needs \(bytes) bytes, its data_offsets \(entry.data_offsets) span \(range.count)")
        }
        return SafetensorsTensor(name: name, dtype: dtype, shape: entry.shape, byteRange: range)
    }
}
