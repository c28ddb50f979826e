import CHDF5

/// A Swift number type that libhdf5 can convert to and from: the element type of datasets and attributes.
public protocol HDF5Scalar: Sendable, Numeric {
    /// The libhdf5 in-memory type for this Swift type.
    static var memoryType: hid_t { get }
    /// The little-endian type written to new files (what h5py writes on x86).
    static var fileType: hid_t { get }
    /// The type as ``ElementType`` reports it.
    static var elementType: ElementType { get }
}

extension Int8: HDF5Scalar {
    public static var memoryType: hid_t { chdf5_native_int8() }
    public static var fileType: hid_t { chdf5_std_i8le() }
    public static var elementType: ElementType { .integer(bytes: 1, signed: true) }
}
extension Int16: HDF5Scalar {
    public static var memoryType: hid_t { chdf5_native_int16() }
    public static var fileType: hid_t { chdf5_std_i16le() }
    public static var elementType: ElementType { .integer(bytes: 2, signed: true) }
}
extension Int32: HDF5Scalar {
    public static var memoryType: hid_t { chdf5_native_int32() }
    public static var fileType: hid_t { chdf5_std_i32le() }
    public static var elementType: ElementType { .integer(bytes: 4, signed: true) }
}
extension Int64: HDF5Scalar {
    public static var memoryType: hid_t { chdf5_native_int64() }
    public static var fileType: hid_t { chdf5_std_i64le() }
    public static var elementType: ElementType { .integer(bytes: 8, signed: true) }
}
extension UInt8: HDF5Scalar {
    public static var memoryType: hid_t { chdf5_native_uint8() }
    public static var fileType: hid_t { chdf5_std_u8le() }
    public static var elementType: ElementType { .integer(bytes: 1, signed: false) }
}
extension UInt16: HDF5Scalar {
    public static var memoryType: hid_t { chdf5_native_uint16() }
    public static var fileType: hid_t { chdf5_std_u16le() }
    public static var elementType: ElementType { .integer(bytes: 2, signed: false) }
}
extension UInt32: HDF5Scalar {
    public static var memoryType: hid_t { chdf5_native_uint32() }
    public static var fileType: hid_t { chdf5_std_u32le() }
    public static var elementType: ElementType { .integer(bytes: 4, signed: false) }
}
extension UInt64: HDF5Scalar {
    public static var memoryType: hid_t { chdf5_native_uint64() }
    public static var fileType: hid_t { chdf5_std_u64le() }
    public static var elementType: ElementType { .integer(bytes: 8, signed: false) }
}
extension Float: HDF5Scalar {
    public static var memoryType: hid_t { chdf5_native_float() }
    public static var fileType: hid_t { chdf5_ieee_f32le() }
    public static var elementType: ElementType { .float(bytes: 4) }
}
extension Double: HDF5Scalar {
    public static var memoryType: hid_t { chdf5_native_double() }
    public static var fileType: hid_t { chdf5_ieee_f64le() }
    public static var elementType: ElementType { .float(bytes: 8) }
}

#if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
/// libhdf5 1.10 has no predefined half type; this is IEEE binary16, little-endian, built the way h5py builds it.
private let halfFloatType: hid_t = {
    let type = H5Tcopy(chdf5_ieee_f32le())
    H5Tset_fields(type, 15, 10, 5, 0, 10)
    H5Tset_size(type, 2)
    H5Tset_ebias(type, 15)
    H5Tlock(type)
    return type
}()

extension Float16: HDF5Scalar {
    public static var memoryType: hid_t { halfFloatType }
    public static var fileType: hid_t { halfFloatType }
    public static var elementType: ElementType { .float(bytes: 2) }
}
#endif
