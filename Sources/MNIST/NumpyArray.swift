import Foundation

/// A numpy `.npy` array: reading the unsigned-byte and integer arrays of Keras's `mnist.npz`, and writing
/// float32 arrays (class probabilities) that numpy loads with `np.load`.
public struct NumpyArray: Sendable {
    /// The array's shape.
    public let shape: [Int]
    /// The dtype string as numpy writes it, e.g. `|u1`, `<i8`, `<f4`.
    public let dtype: String
    /// The raw little-endian data.
    public let data: [UInt8]

    /// Parses `.npy` bytes (format versions 1 to 3, C order only).
    public static func parse(_ bytes: [UInt8], file: String) throws -> NumpyArray {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes.prefix(6)) == magic else { throw MNISTError(file: file, reason: "not a .npy array") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw MNISTError(file: file, reason: "truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard bytes.count >= headerStart + headerLength else { throw MNISTError(file: file, reason: "truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        guard let dtype = value(of: "descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) }),
              let shapeText = value(of: "shape", in: header) else {
            throw MNISTError(file: file, reason: "unreadable .npy header: \(header)")
        }
        if value(of: "fortran_order", in: header)?.contains("True") == true {
            throw MNISTError(file: file, reason: "Fortran-ordered arrays are not supported")
        }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let itemSize = Int(dtype.filter(\.isNumber)) ?? 0
        let data = Array(bytes[(headerStart + headerLength)...])
        guard itemSize > 0, let expected = byteCount(shape, itemSize: itemSize), data.count == expected else {
            throw MNISTError(file: file, reason: "holds \(data.count) data bytes, its header promises shape \(shapeText) of \(dtype) (truncated?)")
        }
        return NumpyArray(shape: shape, dtype: dtype, data: data)
    }

    /// The text after `'key':` up to the next top-level comma in a numpy header dict.
    private static func value(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var result = ""
        for character in header[range.upperBound...] {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if (character == "," && depth == 0) || character == "}" { break }
            result.append(character)
        }
        return result.trimmingCharacters(in: .whitespaces)
    }

    /// The values as integers, for unsigned and signed little-endian integer dtypes.
    public func integers() throws -> [Int] {
        let size = Int(dtype.filter(\.isNumber)) ?? 0
        let signed = dtype.contains("i")
        guard dtype.contains("u") || signed, [1, 2, 4, 8].contains(size), !dtype.hasPrefix(">") else {
            throw MNISTError(file: "", reason: "dtype \(dtype) is not a little-endian integer type")
        }
        return stride(from: 0, to: data.count, by: size).map { start in
            var value: UInt64 = 0
            for byte in 0..<size { value |= UInt64(data[start + byte]) << (8 * UInt64(byte)) }
            if signed, size < 8, value & (1 << (8 * UInt64(size) - 1)) != 0 { value |= ~0 << (8 * UInt64(size)) }
            return Int(Int64(bitPattern: value))
        }
    }

    /// `.npy` bytes (format 1.0) of a float32 C-order array.
    public static func float32File(shape: [Int], values: [Float]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so the data starts on a 64-byte boundary, ending in a newline, as numpy does.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes += [UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        values.withUnsafeBytes { bytes += $0 }
        return bytes
    }
}
