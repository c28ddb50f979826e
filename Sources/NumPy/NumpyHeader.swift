import Foundation

/// The header of a `.npy` file: a Python dict literal giving `descr`, `fortran_order` and `shape`.
struct NumpyHeader {
    let elementType: NumpyArray.ElementType
    let shape: [Int]

    /// The longest header read (NumPy's own limit is 10,000 bytes unless told otherwise).
    static let maximumLength = 1 << 20

    /// The header of `bytes` and where the data starts; errors name `file`.
    static func parse(_ bytes: [UInt8], file: String) throws -> (NumpyHeader, dataStart: Int) {
        func fail(_ reason: String) -> NumpyError { NumpyError(file: file, reason: reason) }
        guard bytes.count >= 10, Array(bytes.prefix(6)) == [0x93] + Array("NUMPY".utf8) else { throw fail("not a .npy array") }
        let major = bytes[6]
        guard (1...3).contains(major) else { throw fail(".npy format version \(major) is not supported (1 to 3 are)") }
        let lengthBytes = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthBytes else { throw fail("truncated .npy header") }
        let length = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let start = 8 + lengthBytes
        guard length <= maximumLength, bytes.count >= start + length else { throw fail("truncated .npy header") }
        let text = String(decoding: bytes[start..<start + length], as: UTF8.self)
        guard let descr = value(of: "descr", in: text).map(unquoted), let shapeText = value(of: "shape", in: text),
              let fortran = value(of: "fortran_order", in: text) else {
            throw fail("unreadable .npy header: \(text.prefix(200))")
        }
        guard fortran == "False" else {
            throw fail("the array is in Fortran order; save it in C order (np.ascontiguousarray) and try again")
        }
        let elementType = try Self.elementType(descr, fail: fail)
        let inner = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        let dimensions = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = dimensions.compactMap { Int($0) }
        guard shapeText.hasPrefix("("), shape.count == dimensions.count, NumpyArray.elementCount(shape) != nil else {
            throw fail("unreadable shape \(shapeText) in the .npy header")
        }
        return (NumpyHeader(elementType: elementType, shape: shape), start + length)
    }

    /// The element type `descr` names: little-endian or byte-sized numbers and booleans.
    private static func elementType(_ descr: String, fail: (String) -> NumpyError) throws -> NumpyArray.ElementType {
        // "=" is the machine's order, little-endian here; one-byte types may be written with "<" as well.
        var normalised = descr.replacingOccurrences(of: "=", with: "<")
        if normalised.hasSuffix("1") { normalised = "|" + normalised.dropFirst() }
        if let type = NumpyArray.ElementType(rawValue: normalised) { return type }
        if descr.hasPrefix(">") { throw fail("the array is big-endian (\(descr)); convert it with astype('<\(descr.dropFirst())')") }
        if descr.contains("O") { throw fail("the array holds Python objects (dtype object), not numbers") }
        throw fail("dtype \(descr) is not supported (\(NumpyArray.ElementType.allCases.map(\.name).joined(separator: ", ")) are)")
    }

    /// The text after `'key':` up to the next comma outside parentheses, or the closing brace.
    private static func value(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") ?? header.range(of: "\"\(key)\":") else { return nil }
        var depth = 0, result = ""
        for character in header[range.upperBound...] {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if (character == "," && depth == 0) || character == "}" { break }
            result.append(character)
        }
        return result.trimmingCharacters(in: .whitespaces)
    }

    private static func unquoted(_ text: String) -> String { text.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) }
}
