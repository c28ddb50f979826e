import CHDF5

/// How a new dataset is stored.
public struct DatasetOptions: Sendable {
    /// Chunk shape; nil stores the dataset contiguously (as Keras does).
    public var chunks: [Int]?
    /// gzip (deflate) level 1...9; requires `chunks`.
    public var gzipLevel: Int?

    /// Contiguous and uncompressed unless told otherwise.
    public init(chunks: [Int]? = nil, gzipLevel: Int? = nil) {
        self.chunks = chunks
        self.gzipLevel = gzipLevel
    }

    func propertyList(for shape: [Int], at location: Location) throws -> Handle {
        let plist = Handle(try location.call("cannot create a dataset property list") { H5Pcreate(chdf5_p_dataset_create()) }, .propertyList)
        if let chunks {
            guard chunks.count == shape.count, !shape.isEmpty, chunks.allSatisfy({ $0 > 0 }) else {
                throw location.error("chunk shape \(chunks) does not suit dataset shape \(shape)")
            }
            let dims = chunks.map { hsize_t($0) }
            try location.call("cannot set the chunk shape") { H5Pset_chunk(plist.id, Int32(dims.count), dims) }
        }
        if let gzipLevel {
            guard chunks != nil else { throw location.error("gzip compression needs a chunk shape") }
            guard (0...9).contains(gzipLevel) else { throw location.error("gzip level must be 0...9, got \(gzipLevel)") }
            try location.call("cannot enable gzip compression") { H5Pset_deflate(plist.id, UInt32(gzipLevel)) }
        }
        return plist
    }
}

/// How a dataset's bytes are laid out in the file.
public struct StorageInfo: Sendable, Equatable {
    /// libhdf5's storage layouts.
    public enum Layout: String, Sendable { case compact, contiguous, chunked, virtual, unknown }
    /// How the data is stored.
    public let layout: Layout
    /// Chunk shape for chunked datasets.
    public let chunks: [Int]?
    /// Filter names in pipeline order, e.g. `["deflate"]`.
    public let filters: [String]
    /// Bytes allocated in the file for the data.
    public let storedBytes: Int
    /// Where a contiguous dataset's data starts in the file, when it has been written.
    public let fileOffset: Int?
}

/// An open HDF5 dataset.
public final class Dataset: AttributeHolder, Sendable {
    let handle: Handle
    /// The file and absolute path of this dataset.
    public let location: Location
    /// The libhdf5 identifier, valid while this object lives.
    public var objectID: hid_t { handle.id }

    /// Reads into new arrays refuse datasets that declare more than this many bytes.
    public static let defaultReadLimit = 4 << 30

    /// Keeps the file locked, or its image in memory, while this object is alive.
    let backing: FileBacking?

    init(handle: Handle, location: Location, backing: FileBacking?) {
        self.handle = handle
        self.location = location
        self.backing = backing
    }

    /// The dataset's absolute path in the file.
    public var path: String { location.path }

    /// The dataset's shape; `[]` for a scalar.
    public func shape() throws -> [Int] {
        let space = Handle(try location.call("cannot read the dataspace") { H5Dget_space(handle.id) }, .dataspace)
        return try Dataspace.shape(of: space.id, at: location)
    }

    /// The element type stored in the file.
    public func elementType() throws -> ElementType {
        let type = Handle(try location.call("cannot read the datatype") { H5Dget_type(handle.id) }, .datatype)
        return ElementType.describing(type.id)
    }

    /// Layout, chunking, filters and allocated size.
    public func storage() throws -> StorageInfo {
        let plist = Handle(try location.call("cannot read the creation properties") { H5Dget_create_plist(handle.id) }, .propertyList)
        let layout: StorageInfo.Layout
        var chunks: [Int]?
        switch H5Pget_layout(plist.id) {
        case H5D_COMPACT: layout = .compact
        case H5D_CONTIGUOUS: layout = .contiguous
        case H5D_CHUNKED:
            layout = .chunked
            var dims = [hsize_t](repeating: 0, count: 32)
            let rank = H5Pget_chunk(plist.id, Int32(dims.count), &dims)
            if rank > 0 { chunks = dims.prefix(Int(rank)).map { Int(clamping: $0) } }
        case H5D_VIRTUAL: layout = .virtual
        default: layout = .unknown
        }
        let filters = Self.filters(plist.id).map(\.name)
        let offset = layout == .contiguous ? H5Dget_offset(handle.id) : haddr_t.max
        return StorageInfo(layout: layout, chunks: chunks, filters: filters, storedBytes: Int(clamping: H5Dget_storage_size(handle.id)),
                           fileOffset: offset == haddr_t.max ? nil : Int(exactly: offset))
    }

    /// The filter pipeline of a creation property list: each filter's id and name.
    private static func filters(_ plist: hid_t) -> [(id: H5Z_filter_t, name: String)] {
        (0..<max(0, H5Pget_nfilters(plist))).map { index in
            var flags: UInt32 = 0
            var valueCount = 8
            var values = [UInt32](repeating: 0, count: 8)
            var name = [CChar](repeating: 0, count: 64)
            var config: UInt32 = 0
            let id = H5Pget_filter2(plist, UInt32(index), &flags, &valueCount, &values, name.count, &name, &config)
            return (id, filterName(id, fallback: name))
        }
    }

    /// Refuses a dataset stored through a filter this libhdf5 cannot decode (LZF, Blosc and other plugins),
    /// by name, before a read fails with libhdf5's search for a plugin folder.
    private func requireAvailableFilters() throws {
        let plist = Handle(try location.call("cannot read the creation properties") { H5Dget_create_plist(handle.id) }, .propertyList)
        ErrorStack.silence()
        if let missing = Self.filters(plist.id).first(where: { H5Zfilter_avail($0.id) <= 0 }) {
            ErrorStack.clear()
            throw location.error("is stored with the \(missing.name) filter (\(missing.id)), which this libhdf5 cannot decode; "
                                 + "save it with gzip or no compression")
        }
    }

    private static func filterName(_ id: H5Z_filter_t, fallback: [CChar]) -> String {
        switch id {
        case H5Z_FILTER_DEFLATE: return "deflate"
        case H5Z_FILTER_SHUFFLE: return "shuffle"
        case H5Z_FILTER_FLETCHER32: return "fletcher32"
        case H5Z_FILTER_SZIP: return "szip"
        case H5Z_FILTER_NBIT: return "nbit"
        case H5Z_FILTER_SCALEOFFSET: return "scaleoffset"
        default:
            let name = String(decoding: fallback.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return name.isEmpty ? "filter \(id)" : name
        }
    }

    /// Reads every element, converted by libhdf5 to `T`. Refuses string data and datasets whose declared
    /// size exceeds `limit` bytes or is implausible for the bytes actually stored (a compression bomb).
    public func read<T: HDF5Scalar>(_: T.Type = T.self, limit: Int = Dataset.defaultReadLimit) throws -> [T] {
        let type = try elementType()
        guard type.isNumeric else { throw location.error("holds \(type) values, not numbers") }
        let reader = try valueReader(limit: limit)
        return try reader.numbers(T.self)
    }

    /// Reads every element into caller-owned memory, which must hold exactly the dataset's element count. No
    /// size limit applies: the caller's memory, already there, bounds the read.
    public func read<T: HDF5Scalar>(into buffer: UnsafeMutableBufferPointer<T>) throws {
        let type = try elementType()
        guard type.isNumeric else { throw location.error("holds \(type) values, not numbers") }
        let reader = try valueReader(limit: .max)
        guard reader.count == buffer.count else {
            throw location.error("holds \(reader.count) values, \(buffer.count) were expected")
        }
        guard buffer.count > 0 else { return }
        if let plain = try plainRead(into: buffer), plain.perform() { return }
        try location.call("cannot read the values as \(T.elementType)") { reader.read(T.memoryType, UnsafeMutableRawPointer(buffer.baseAddress)) }
    }

    /// The read of every element into `buffer`, which must hold exactly the dataset's element count, as a
    /// ``PlainRead`` when the dataset lies plainly in a disk file (contiguous, unfiltered, stored exactly as
    /// `T` lies in memory, within the file); nil when libhdf5 must read it. Loaders gather these to read them
    /// on several threads. Below 64 KiB libhdf5's read costs no more, and nil is returned before any check.
    public func plainRead<T: HDF5Scalar>(into buffer: UnsafeMutableBufferPointer<T>) throws -> PlainRead? {
        guard buffer.count * MemoryLayout<T>.stride >= 1 << 16, backing?.readable != nil else { return nil }
        let type = try elementType()
        guard type.isNumeric else { throw location.error("holds \(type) values, not numbers") }
        let reader = try valueReader(limit: .max)
        guard reader.count == buffer.count else {
            throw location.error("holds \(reader.count) values, \(buffer.count) were expected")
        }
        guard let backing, let file = backing.readable else { return nil }
        let stored = try storage()
        let bytes = buffer.count * MemoryLayout<T>.stride
        guard stored.layout == .contiguous, stored.filters.isEmpty, let offset = stored.fileOffset, stored.storedBytes == bytes,
              offset <= file.count, bytes <= file.count - offset else { return nil }
        let fileType = Handle(try location.call("cannot read the datatype") { H5Dget_type(handle.id) }, .datatype)
        guard H5Tequal(fileType.id, T.memoryType) > 0 else { return nil }
        return PlainRead(descriptor: file.descriptor, offset: file.start + offset, destination: UnsafeMutableRawBufferPointer(buffer), backing: backing)
    }

    /// Reads the rows `rows` (a range along the first dimension) into caller-owned memory, converted by libhdf5
    /// to `T`: the way to read a large dataset in pieces. `buffer` must hold exactly those rows' elements.
    public func read<T: HDF5Scalar>(rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<T>) throws {
        let type = try elementType()
        guard type.isNumeric else { throw location.error("holds \(type) values, not numbers") }
        let shape = try shape()
        guard let rowCount = shape.first, rows.lowerBound >= 0, rows.upperBound <= rowCount else {
            throw location.error("has no rows \(rows.lowerBound)..<\(rows.upperBound) (shape \(shape))")
        }
        let rowSize = try Dataspace.elementCount(Array(shape.dropFirst()), at: location)
        guard rows.count * rowSize == buffer.count else {
            throw location.error("rows \(rows.lowerBound)..<\(rows.upperBound) hold \(rows.count * rowSize) values, \(buffer.count) were expected")
        }
        _ = try valueReader(limit: .max)  // the checks of a whole read but its size limit, as for read(into:)
        guard buffer.count > 0 else { return }
        let fileSpace = Handle(try location.call("cannot read the dataspace") { H5Dget_space(handle.id) }, .dataspace)
        let start = [hsize_t(rows.lowerBound)] + shape.dropFirst().map { _ in 0 }
        let count = [hsize_t(rows.count)] + shape.dropFirst().map { hsize_t($0) }
        try location.call("cannot select rows") { H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, start, nil, count, nil) }
        let memorySpace = try Dataspace.make([buffer.count], at: location)
        try location.call("cannot read the values as \(T.elementType)") {
            H5Dread(handle.id, T.memoryType, memorySpace.id, fileSpace.id, defaultProperties, buffer.baseAddress)
        }
    }

    /// Reads every element of a string dataset.
    public func readStrings(limit: Int = Dataset.defaultReadLimit) throws -> [String] {
        guard case .string(let layout, _) = try elementType() else { throw location.error("does not hold strings") }
        let space = Handle(try location.call("cannot read the dataspace") { H5Dget_space(handle.id) }, .dataspace)
        return try valueReader(limit: limit).strings(layout: layout, spaceID: space.id)
    }

    private func valueReader(limit: Int) throws -> ValueReader {
        let shape = try shape()
        let count = try Dataspace.elementCount(shape, at: location)
        let type = Handle(try location.call("cannot read the datatype") { H5Dget_type(handle.id) }, .datatype)
        let (declared, overflow) = count.multipliedReportingOverflow(by: max(1, ElementType.describing(type.id).byteSize))
        guard !overflow, declared <= limit else {
            throw location.error("declares \(overflow ? "an impossible number of" : String(declared)) bytes, more than the limit of \(limit)")
        }
        let stored = try storage()
        if stored.layout == .chunked, declared > 64 << 20, declared / 1000 > stored.storedBytes {
            throw location.error("declares \(declared) bytes but stores only \(stored.storedBytes); refusing to expand it")
        }
        if stored.layout == .virtual { throw location.error("is a virtual dataset; refusing to follow it into other files") }
        try requireAvailableFilters()
        let id = handle.id
        return ValueReader(location: location, count: count, fileType: type.id) { memoryType, buffer in
            // libhdf5 clears a conversion buffer of the transfer list's size (1 MiB by default) for every read,
            // even one needing no conversion; sized to the dataset, thousands of small reads stay cheap.
            let transfer = H5Pcreate(chdf5_p_dataset_xfer())
            guard transfer >= 0 else { return H5Dread(id, memoryType, entireDataspace, entireDataspace, defaultProperties, buffer) }
            defer { H5Pclose(transfer) }
            _ = H5Pset_buffer(transfer, min(max(declared, 4096), 1 << 20), nil, nil)
            return H5Dread(id, memoryType, entireDataspace, entireDataspace, transfer, buffer)
        }
    }

    /// Overwrites every element with `values`, converted by libhdf5 to the stored type.
    public func write<T: HDF5Scalar>(_ values: [T]) throws {
        try values.withUnsafeBufferPointer { try write($0) }
    }

    /// Overwrites every element from caller-owned memory.
    public func write<T: HDF5Scalar>(_ values: UnsafeBufferPointer<T>) throws {
        let count = try Dataspace.elementCount(try shape(), at: location)
        guard count == values.count else { throw location.error("\(values.count) values do not fill \(count) elements") }
        guard count > 0 else { return }
        try location.call("cannot write the values") {
            H5Dwrite(handle.id, T.memoryType, entireDataspace, entireDataspace, defaultProperties, values.baseAddress)
        }
    }
}
