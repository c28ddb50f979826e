/// An element type as a safetensors header names it (`F32`, `BF16`, `I64`, ...).
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", uint8 = "U8", int8 = "I8", float8E5M2 = "F8_E5M2", float8E4M3 = "F8_E4M3"
    case int16 = "I16", uint16 = "U16", float16 = "F16", bfloat16 = "BF16"
    case int32 = "I32", uint32 = "U32", float32 = "F32", float64 = "F64", int64 = "I64", uint64 = "U64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E5M2, .float8E4M3: return 1
        case .int16, .uint16, .float16, .bfloat16: return 2
        case .int32, .uint32, .float32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// Whether the type holds integers.
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .int16, .uint16, .int32, .uint32, .int64, .uint64: return true
        default: return false
        }
    }

    /// Converts `count` little-endian elements at `source` to float32 at `destination`: booleans to 0 and 1,
    /// the 8-bit floats as PyTorch's `float8_e5m2` and `float8_e4m3fn` define them.
    func convert(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        func load<T: FixedWidthInteger>(_: T.Type, _ transform: (T) -> Float) {
            for i in 0..<count { destination[i] = transform(T(littleEndian: source.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))) }
        }
        switch self {
        case .float32: load(UInt32.self) { Float(bitPattern: $0) }
        case .float64: load(UInt64.self) { Float(Double(bitPattern: $0)) }
        case .float16: load(UInt16.self) { Float(Float16(bitPattern: $0)) }
        case .bfloat16: load(UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
        case .uint8: load(UInt8.self) { Float($0) }
        case .int8: load(Int8.self) { Float($0) }
        case .uint16: load(UInt16.self) { Float($0) }
        case .int16: load(Int16.self) { Float($0) }
        case .uint32: load(UInt32.self) { Float($0) }
        case .int32: load(Int32.self) { Float($0) }
        case .uint64: load(UInt64.self) { Float($0) }
        case .int64: load(Int64.self) { Float($0) }
        case .bool: load(UInt8.self) { $0 == 0 ? 0 : 1 }
        case .float8E5M2: load(UInt8.self) { Float(Float16(bitPattern: UInt16($0) << 8)) }
        case .float8E4M3: load(UInt8.self, Self.float8E4M3FN)
        }
    }

    /// An e4m3fn byte: sign, 4 exponent bits biased by 7, 3 mantissa bits; no infinities, all ones is NaN.
    private static func float8E4M3FN(_ byte: UInt8) -> Float {
        let sign: Float = byte & 0x80 == 0 ? 1 : -1
        let exponent = Int(byte >> 3 & 0xF), mantissa = Float(byte & 0x7)
        if exponent == 0xF && mantissa == 7 { return .nan }
        if exponent == 0 { return sign * mantissa / 8 * 0x1p-6 }
        return sign * (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
    }
}
