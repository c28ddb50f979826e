import CHDF5

/// The character set HDF5 records for a string type.
public enum StringEncoding: String, Sendable, Hashable {
    case ascii = "ASCII"
    case utf8 = "UTF-8"
}

/// How an HDF5 string type stores its characters.
public enum StringLayout: Sendable, Hashable {
    /// One heap-allocated string per element (h5py's choice for `str` and `bytes`).
    case variableLength
    /// A fixed number of bytes per element, padded (numpy `S` arrays).
    case fixedLength(Int)
}

/// The type of the elements of a dataset or attribute, as stored in the file.
public enum ElementType: Sendable, Hashable, CustomStringConvertible {
    case integer(bytes: Int, signed: Bool)
    case float(bytes: Int)
    case string(StringLayout, StringEncoding)
    /// Compound, enum, opaque, reference and other classes this wrapper does not convert.
    case other(String)

    /// A numpy-style name: `float32`, `int64`, `uint8`, `string`...
    public var description: String {
        switch self {
        case .integer(let bytes, let signed): return (signed ? "int" : "uint") + String(bytes * 8)
        case .float(let bytes): return "float" + String(bytes * 8)
        case .string(.variableLength, let encoding): return "string (variable length, \(encoding.rawValue))"
        case .string(.fixedLength(let size), let encoding): return "string (\(size) bytes, \(encoding.rawValue))"
        case .other(let name): return name
        }
    }

    /// Bytes per element in the file (a pointer for variable-length strings).
    public var byteSize: Int {
        switch self {
        case .integer(let bytes, _), .float(let bytes): return bytes
        case .string(.fixedLength(let size), _): return size
        case .string(.variableLength, _): return MemoryLayout<UnsafeRawPointer>.size
        case .other: return 0
        }
    }

    /// Whether values are integers or floats.
    public var isNumeric: Bool {
        switch self {
        case .integer, .float: return true
        default: return false
        }
    }

    /// Describes an open libhdf5 datatype.
    static func describing(_ type: hid_t) -> ElementType {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_INTEGER:
            return .integer(bytes: size, signed: H5Tget_sign(type) != H5T_SGN_NONE)
        case H5T_FLOAT:
            return .float(bytes: size)
        case H5T_STRING:
            let encoding: StringEncoding = H5Tget_cset(type) == H5T_CSET_UTF8 ? .utf8 : .ascii
            let layout: StringLayout = H5Tis_variable_str(type) > 0 ? .variableLength : .fixedLength(size)
            return .string(layout, encoding)
        case H5T_COMPOUND: return .other("compound")
        case H5T_ENUM: return .other("enum")
        case H5T_OPAQUE: return .other("opaque")
        case H5T_REFERENCE: return .other("reference")
        case H5T_ARRAY: return .other("array")
        case H5T_VLEN: return .other("variable-length sequence")
        case H5T_BITFIELD: return .other("bitfield")
        case H5T_TIME: return .other("time")
        default: return .other("unknown type")
        }
    }
}
