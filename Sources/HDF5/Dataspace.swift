import CHDF5

/// The number of elements of `shape`, or nil when it does not fit an `Int` (a shape read from a hostile
/// file may declare (2^31, 2^31, 2^31)).
public func checkedElementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dimension in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        guard !overflow, product >= 0 else { return nil }
        count = product
    }
    return count
}

/// Helpers for libhdf5 dataspaces: a shape of `[]` means a scalar, as in numpy.
enum Dataspace {
    /// A new dataspace for `shape`.
    static func make(_ shape: [Int], at location: Location) throws -> Handle {
        if shape.isEmpty {
            return Handle(try location.call("cannot create a scalar dataspace") { H5Screate(H5S_SCALAR) }, .dataspace)
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw location.error("negative dimension in shape \(shape)") }
        let dims = shape.map { hsize_t($0) }
        return Handle(try location.call("cannot create a dataspace of shape \(shape)") {
            H5Screate_simple(Int32(dims.count), dims, nil)
        }, .dataspace)
    }

    /// The shape of a dataspace; a null dataspace reads as one empty dimension.
    static func shape(of space: hid_t, at location: Location) throws -> [Int] {
        let kind = H5Sget_simple_extent_type(space)
        if kind == H5S_SCALAR { return [] }
        if kind == H5S_NULL { return [0] }
        let rank = try location.call("cannot read the dataspace rank") { H5Sget_simple_extent_ndims(space) }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try location.call("cannot read the dataspace dimensions") { H5Sget_simple_extent_dims(space, &dims, nil) }
        return try dims.map { dim in
            guard dim <= hsize_t(Int.max) else { throw location.error("dimension \(dim) is too large") }
            return Int(dim)
        }
    }

    /// The number of elements of `shape`, refusing overflow.
    static func elementCount(_ shape: [Int], at location: Location) throws -> Int {
        guard let count = checkedElementCount(shape) else { throw location.error("shape \(shape) has too many elements") }
        return count
    }
}
