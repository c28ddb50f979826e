/// A JSON value that keeps object keys in their written order, so configs read from Keras files are written
/// back the way Keras writes them.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The object, if this is one.
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The Boolean, if this is one.
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// Whether this is `null`.
    public var isNull: Bool { self == .null }

    /// An integer, also from a float with no fractional part (`2.0`).
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
        default: return nil
        }
    }

    /// A number as Double.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Member lookup for objects; nil for anything else.
    public subscript(key: String) -> JSONValue? { objectValue?[key] }
}

/// A JSON object: members in order, looked up by key.
public struct JSONObject: Sendable, Equatable {
    /// One key and its value.
    public struct Member: Sendable, Equatable {
        /// The member's name.
        public var key: String
        /// The member's value.
        public var value: JSONValue
    }

    /// The members in written order.
    public var members: [Member]

    /// An object with these members, in this order.
    public init(_ pairs: [(String, JSONValue)] = []) {
        members = pairs.map { Member(key: $0.0, value: $0.1) }
    }

    /// The value of the last member named `key`; setting nil removes it, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { members.last { $0.key == key }?.value }
        set {
            if let index = members.lastIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    /// The keys in written order.
    public var keys: [String] { members.map(\.key) }
}

/// Why a JSON text was refused.
public struct JSONError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    /// The byte offset where the reader stopped.
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict JSON reader with bounds on nesting and size, plus Python's `NaN`/`Infinity` extensions
/// (which `json.dumps` emits).
public struct JSONParser {
    /// Nesting deeper than this is refused.
    public static let defaultMaximumDepth = 64
    /// Texts larger than this (16 MiB) are refused.
    public static let defaultMaximumBytes = 16 << 20

    private let bytes: [UInt8]
    private var index = 0
    private let maximumDepth: Int

    /// Parses `text`, refusing anything deeper or larger than the limits, with the byte offset of the fault.
    public static func parse(_ text: String, maximumDepth: Int = defaultMaximumDepth,
                             maximumBytes: Int = defaultMaximumBytes) throws -> JSONValue {
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumBytes else {
            throw JSONError(message: "JSON of \(bytes.count) bytes is larger than the limit of \(maximumBytes)", offset: 0)
        }
        var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth)
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    private func error(_ message: String) -> JSONError { JSONError(message: message, offset: index) }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[index]) { index += 1 }
    }

    private mutating func consume(_ literal: String) -> Bool {
        let literalBytes = Array(literal.utf8)
        guard bytes.count - index >= literalBytes.count,
              Array(bytes[index..<index + literalBytes.count]) == literalBytes else { return false }
        index += literalBytes.count
        return true
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard depth <= maximumDepth else { throw error("JSON nested deeper than \(maximumDepth) levels") }
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of JSON") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t") where consume("true"): return .bool(true)
        case UInt8(ascii: "f") where consume("false"): return .bool(false)
        case UInt8(ascii: "n") where consume("null"): return .null
        case UInt8(ascii: "N") where consume("NaN"): return .double(.nan)
        case UInt8(ascii: "I") where consume("Infinity"): return .double(.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        index += 1
        var object = JSONObject()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            object.members.append(JSONObject.Member(key: key, value: try value(depth: depth + 1)))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of JSON in an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(object) }
            throw error("expected ',' or '}'")
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of JSON in an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw error("expected ',' or ']'")
        }
    }

    private mutating func number() throws -> JSONValue {
        let start = index
        if bytes[index] == UInt8(ascii: "-") {
            index += 1
            if consume("Infinity") { return .double(-.infinity) }
        }
        var isInteger = true
        while index < bytes.count {
            let byte = bytes[index]
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                index += 1
            } else if [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(byte) {
                isInteger = false
                index += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let value = Int(text) { return .int(value) }
        guard let value = Double(text) else { throw JSONError(message: "malformed number '\(text)'", offset: start) }
        return .double(value)
    }

    private mutating func string() throws -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var run = index
        func flush(_ parser: JSONParser, to end: Int) {
            scalars.append(contentsOf: String(decoding: parser.bytes[run..<end], as: UTF8.self).unicodeScalars)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flush(self, to: index)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw error("control character in a string") }
            if byte != UInt8(ascii: "\\") { index += 1; continue }
            flush(self, to: index)
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), consume("\\u") {
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) { code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) }
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: throw error("unknown escape '\\\(Character(Unicode.Scalar(escape)))'")
            }
            run = index
        }
        throw error("unterminated string")
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - index >= 4, let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
        else { throw error("malformed \\u escape") }
        index += 4
        return value
    }
}

extension JSONValue {
    /// Serialises like Python's `json.dumps` with its defaults (`", "` and `": "` separators, non-ASCII
    /// escaped, `NaN`/`Infinity` for non-finite numbers), which is how Keras writes `model_config`.
    public var pythonJSON: String {
        var out = ""
        write(to: &out, indent: nil, depth: 0)
        return out
    }

    /// Standard JSON, indented by two spaces, non-finite numbers as `null`, for tools such as `jq`.
    public var prettyJSON: String {
        var out = ""
        write(to: &out, indent: 2, depth: 0)
        return out
    }

    private func write(to out: inout String, indent: Int?, depth: Int) {
        let newline = indent.map { "\n" + String(repeating: " ", count: $0 * (depth + 1)) }
        let closing = indent.map { "\n" + String(repeating: " ", count: $0 * depth) } ?? ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite { out += String(d) } else if indent != nil { out += "null" } else {
                out += d.isNaN ? "NaN" : d < 0 ? "-Infinity" : "Infinity"
            }
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                out += i > 0 ? (newline.map { "," + $0 } ?? ", ") : (newline ?? "")
                item.write(to: &out, indent: indent, depth: depth + 1)
            }
            out += closing + "]"
        case .object(let object):
            guard !object.members.isEmpty else { out += "{}"; return }
            out += "{"
            for (i, member) in object.members.enumerated() {
                out += i > 0 ? (newline.map { "," + $0 } ?? ", ") : (newline ?? "")
                Self.writeString(member.key, to: &out)
                out += ": "
                member.value.write(to: &out, indent: indent, depth: depth + 1)
            }
            out += closing + "}"
        }
    }
    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value > 0x7e {
                    for unit in String(scalar).utf16 { out += "\\u" + hex4(unit) }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    private static func hex4(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
