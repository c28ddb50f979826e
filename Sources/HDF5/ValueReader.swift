import CHDF5
import Foundation

/// Reads the elements of an attribute or dataset into Swift arrays; shared by both.
struct ValueReader {
    let location: Location
    let count: Int
    let fileType: hid_t
    /// Performs the libhdf5 read into `buffer` using the given memory type.
    let read: (_ memoryType: hid_t, _ buffer: UnsafeMutableRawPointer?) -> herr_t

    /// Numbers converted by libhdf5 into `T`; float32 asked for as float64 is read as stored and widened here
    /// (libhdf5's conversions clear a megabyte-sized buffer per read, which dominates small reads).
    func numbers<T: HDF5Scalar>(_: T.Type) throws -> [T] {
        guard count > 0 else { return [] }
        if T.self == Double.self, ElementType.describing(fileType) == .float(bytes: 4) {
            return try numbers(Float.self).map(Double.init) as! [T]
        }
        var values = [T](repeating: 0, count: count)
        _ = try values.withUnsafeMutableBytes { buffer in
            try location.call("cannot read the values as \(T.elementType)") { read(T.memoryType, buffer.baseAddress) }
        }
        return values
    }

    /// Strings of either layout; invalid UTF-8 is replaced, never trusted.
    func strings(layout: StringLayout, spaceID: hid_t) throws -> [String] {
        guard count > 0 else { return [] }
        switch layout {
        case .variableLength:
            let memType = Handle(try location.call("cannot copy the string type") { H5Tcopy(fileType) }, .datatype)
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            _ = try pointers.withUnsafeMutableBytes { buffer in
                try location.call("cannot read the strings") { read(memType.id, buffer.baseAddress) }
            }
            let strings = pointers.map { pointer in
                pointer.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) } ?? ""
            }
            pointers.withUnsafeMutableBytes { buffer in
                _ = H5Dvlen_reclaim(memType.id, spaceID, defaultProperties, buffer.baseAddress)
            }
            return strings
        case .fixedLength(let size):
            guard size > 0 else { return [String](repeating: "", count: count) }
            let (total, overflow) = size.multipliedReportingOverflow(by: count)
            if overflow { throw location.error("string data too large") }
            var bytes = [UInt8](repeating: 0, count: total)
            _ = try bytes.withUnsafeMutableBytes { buffer in
                try location.call("cannot read the strings") { read(fileType, buffer.baseAddress) }
            }
            let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
            return (0..<count).map { index in
                var element = bytes[index * size..<(index + 1) * size]
                if let nul = element.firstIndex(of: 0) { element = element[..<nul] }
                if spacePadded { while element.last == 0x20 { element = element.dropLast() } }
                return String(decoding: element, as: UTF8.self)
            }
        }
    }
}

/// Builds libhdf5 string types and the memory buffers they write from.
enum StringType {
    static func make(layout: StringLayout, encoding: StringEncoding, longest: Int, at location: Location) throws -> Handle {
        let type = Handle(try location.call("cannot create a string type") { H5Tcopy(chdf5_c_s1()) }, .datatype)
        switch layout {
        case .variableLength:
            try location.call("cannot set the string size") { H5Tset_size(type.id, Int(bitPattern: UInt(bitPattern: -1))) }
            try location.call("cannot set the string padding") { H5Tset_strpad(type.id, H5T_STR_NULLTERM) }
        case .fixedLength(let size):
            try location.call("cannot set the string size") { H5Tset_size(type.id, max(1, size == 0 ? longest : size)) }
            try location.call("cannot set the string padding") { H5Tset_strpad(type.id, H5T_STR_NULLPAD) }
        }
        try location.call("cannot set the character set") {
            H5Tset_cset(type.id, encoding == .utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII)
        }
        return type
    }

    /// Calls `body` with the strings laid out as libhdf5 expects for `layout`.
    static func withBuffer(_ strings: [String], layout: StringLayout, _ body: (UnsafeRawPointer?) -> herr_t) -> herr_t {
        switch layout {
        case .variableLength:
            let copies = strings.map { strdup($0) }
            defer { copies.forEach { free($0) } }
            return copies.withUnsafeBytes { body($0.baseAddress) }
        case .fixedLength(let requested):
            let size = max(1, requested == 0 ? (strings.map(\.utf8.count).max() ?? 0) : requested)
            var bytes = [UInt8](repeating: 0, count: size * strings.count)
            for (index, string) in strings.enumerated() {
                for (offset, byte) in string.utf8.prefix(size).enumerated() { bytes[index * size + offset] = byte }
            }
            return bytes.withUnsafeBytes { body($0.baseAddress) }
        }
    }
}
