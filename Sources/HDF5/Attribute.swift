import CHDF5

/// The values of an attribute, converted to the widest Swift type of their kind.
public enum AttributeValue: Sendable, Equatable {
    case integers([Int64])
    case unsignedIntegers([UInt64])
    case floats([Double])
    case strings([String])

    /// The number of values.
    public var count: Int {
        switch self {
        case .integers(let v): return v.count
        case .unsignedIntegers(let v): return v.count
        case .floats(let v): return v.count
        case .strings(let v): return v.count
        }
    }
}

/// An attribute read from a group or dataset.
public struct Attribute: Sendable, Equatable {
    /// The attribute's name.
    public let name: String
    /// The type stored in the file.
    public let elementType: ElementType
    /// `[]` for a scalar attribute, `[n]` for a 1-D one.
    public let shape: [Int]
    /// The values read.
    public let value: AttributeValue

    /// The strings of a string attribute, else nil.
    public var strings: [String]? {
        if case .strings(let s) = value { return s }
        return nil
    }

    /// The single string of a scalar or one-element string attribute, else nil.
    public var string: String? {
        guard let strings, strings.count == 1 else { return nil }
        return strings[0]
    }
}

/// Anything that carries attributes: groups and datasets.
public protocol AttributeHolder {
    var location: Location { get }
    var objectID: hid_t { get }
}

extension AttributeHolder {
    /// The names of this object's attributes, in name order (as h5dump and h5py list them).
    public func attributeNames() throws -> [String] {
        let names = NameCollector<String>()
        var index: hsize_t = 0
        let visit: H5A_operator2_t = { _, name, _, data in
            guard let name, let data else { return -1 }
            Unmanaged<NameCollector<String>>.fromOpaque(data).takeUnretainedValue().list.append(String(cString: name))
            return 0
        }
        _ = try withExtendedLifetime(names) {
            try location.call("cannot list attributes") {
                H5Aiterate2(objectID, H5_INDEX_NAME, H5_ITER_INC, &index, visit,
                            Unmanaged.passUnretained(names).toOpaque())
            }
        }
        return names.list
    }

    /// True when the attribute exists.
    public func hasAttribute(_ name: String) -> Bool {
        ErrorStack.silence()
        return H5Aexists(objectID, name) > 0
    }

    /// Reads all attributes in stored order.
    public func attributes() throws -> [Attribute] {
        try attributeNames().map { try attribute($0) }
    }

    /// Reads one attribute: numbers (any integer or float type), or strings of any layout and encoding.
    public func attribute(_ name: String) throws -> Attribute {
        let where_ = Location(file: location.file, path: location.path + "@" + name)
        guard hasAttribute(name) else { throw where_.error("no such attribute") }
        let attr = Handle(try where_.call("cannot open the attribute") { H5Aopen(objectID, name, defaultProperties) }, .attribute)
        let type = Handle(try where_.call("cannot read the attribute type") { H5Aget_type(attr.id) }, .datatype)
        let space = Handle(try where_.call("cannot read the attribute dataspace") { H5Aget_space(attr.id) }, .dataspace)
        let shape = try Dataspace.shape(of: space.id, at: where_)
        let count = try Dataspace.elementCount(shape, at: where_)
        let elementType = ElementType.describing(type.id)
        let reader = ValueReader(location: where_, count: count, fileType: type.id) { memType, buffer in
            H5Aread(attr.id, memType, buffer)
        }
        let value: AttributeValue
        switch elementType {
        case .integer(_, true): value = .integers(try reader.numbers(Int64.self))
        case .integer(_, false): value = .unsignedIntegers(try reader.numbers(UInt64.self))
        case .float: value = .floats(try reader.numbers(Double.self))
        case .string(let layout, _): value = .strings(try reader.strings(layout: layout, spaceID: space.id))
        case .other(let kind): throw where_.error("attributes of type \(kind) are not supported")
        }
        return Attribute(name: name, elementType: elementType, shape: shape, value: value)
    }

    /// Writes a numeric attribute, replacing any attribute of that name. `shape` defaults to `[values.count]`;
    /// pass `[]` for a scalar.
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ values: [T], shape: [Int]? = nil) throws {
        let shape = shape ?? [values.count]
        try write(name, shape: shape, count: values.count, fileType: T.fileType) { attr in
            values.withUnsafeBytes { H5Awrite(attr, T.memoryType, $0.baseAddress) }
        }
    }

    /// Writes a string attribute, replacing any attribute of that name. `shape` defaults to `[strings.count]`;
    /// pass `[]` for a scalar string.
    public func setAttribute(
        _ name: String, strings: [String], shape: [Int]? = nil,
        layout: StringLayout = .variableLength, encoding: StringEncoding = .utf8
    ) throws {
        let shape = shape ?? [strings.count]
        let where_ = Location(file: location.file, path: location.path + "@" + name)
        let type = try StringType.make(layout: layout, encoding: encoding,
                                       longest: strings.map(\.utf8.count).max() ?? 0, at: where_)
        try write(name, shape: shape, count: strings.count, fileType: type.id) { attr in
            StringType.withBuffer(strings, layout: layout) { H5Awrite(attr, type.id, $0) }
        }
    }

    /// Writes a scalar string attribute (the form Keras uses for `keras_version` and `model_config`).
    public func setAttribute(_ name: String, string: String, encoding: StringEncoding = .utf8) throws {
        try setAttribute(name, strings: [string], shape: [], encoding: encoding)
    }

    private func write(_ name: String, shape: [Int], count: Int, fileType: hid_t, body: (hid_t) -> herr_t) throws {
        let where_ = Location(file: location.file, path: location.path + "@" + name)
        guard try Dataspace.elementCount(shape, at: where_) == count else {
            throw where_.error("\(count) values do not fill shape \(shape)")
        }
        if hasAttribute(name) {
            try where_.call("cannot replace the attribute") { H5Adelete(objectID, name) }
        }
        let space = try Dataspace.make(shape, at: where_)
        let attr = Handle(try where_.call("cannot create the attribute") {
            H5Acreate2(objectID, name, fileType, space.id, defaultProperties, defaultProperties)
        }, .attribute)
        try where_.call("cannot write the attribute") { body(attr.id) }
    }
}

/// Gathers names from a libhdf5 iteration callback.
final class NameCollector<Element> {
    var list: [Element] = []
}
