import CHDF5

/// What a link in a group points to.
public enum LinkKind: Sendable, Equatable {
    case group
    case dataset
    case namedDatatype
    /// A soft link, by target path; never followed by this wrapper.
    case softLink(target: String)
    /// A link into another file; never followed by this wrapper.
    case externalLink(file: String, object: String)
    case other
}

extension LinkKind {
    /// "a group", "a soft link"... for messages.
    var article: String {
        switch self {
        case .group: return "a group"
        case .dataset: return "a dataset"
        case .namedDatatype: return "a named datatype"
        case .softLink, .externalLink, .other: return "a link (links are not followed)"
        }
    }
}

/// One named member of a group.
public struct Link: Sendable, Equatable {
    /// The member's name in the group.
    public let name: String
    /// What the link points to.
    public let kind: LinkKind
    /// The object's address in the file for hard links: equal addresses are the same object
    /// (a group linked from two places, or into its own subtree).
    public let address: UInt64?

    /// A link description.
    public init(name: String, kind: LinkKind, address: UInt64? = nil) {
        self.name = name
        self.kind = kind
        self.address = address
    }

    /// Links compare by name and kind; the address is bookkeeping.
    public static func == (lhs: Link, rhs: Link) -> Bool { lhs.name == rhs.name && lhs.kind == rhs.kind }
}

/// An open HDF5 group.
public final class Group: AttributeHolder, Sendable {
    let handle: Handle
    /// The file and absolute path of this group.
    public let location: Location
    /// The libhdf5 identifier, valid while this object lives.
    public var objectID: hid_t { handle.id }

    /// Keeps the file locked, or its image in memory, while this object is alive.
    let backing: FileBacking?

    init(handle: Handle, location: Location, backing: FileBacking?) {
        self.handle = handle
        self.location = location
        self.backing = backing
    }

    /// The absolute path of this group in its file.
    public var path: String { location.path }

    /// The group's links in stored order: creation order when the group tracks it, else name order
    /// (what h5py and Keras files use).
    public func links() throws -> [Link] {
        let names = NameCollector<(String, H5L_type_t, UInt64)>()
        var index: hsize_t = 0
        let visit: H5L_iterate_t = { _, name, info, data in
            guard let name, let info, let data else { return -1 }
            let address = info.pointee.type == H5L_TYPE_HARD ? UInt64(info.pointee.u.address) : 0
            Unmanaged<NameCollector<(String, H5L_type_t, UInt64)>>.fromOpaque(data).takeUnretainedValue().list
                .append((String(cString: name), info.pointee.type, address))
            return 0
        }
        let order = tracksCreationOrder ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME
        _ = try withExtendedLifetime(names) {
            try location.call("cannot list the group") {
                H5Literate(handle.id, order, H5_ITER_INC, &index, visit, Unmanaged.passUnretained(names).toOpaque())
            }
        }
        return try names.list.map { name, type, address in
            Link(name: name, kind: try linkKind(name, type), address: type == H5L_TYPE_HARD ? address : nil)
        }
    }

    private var tracksCreationOrder: Bool {
        ErrorStack.silence()
        let plist = H5Gget_create_plist(handle.id)
        guard plist >= 0 else { return false }
        defer { H5Pclose(plist) }
        var flags: UInt32 = 0
        return H5Pget_link_creation_order(plist, &flags) >= 0 && flags & UInt32(H5P_CRT_ORDER_TRACKED) != 0
    }

    private func linkKind(_ name: String, _ type: H5L_type_t) throws -> LinkKind {
        let child = location.appending(name)
        switch type {
        case H5L_TYPE_HARD:
            var info = H5O_info_t()
            try child.call("cannot read the object") { H5Oget_info_by_name2(handle.id, name, &info, H5O_INFO_BASIC, defaultProperties) }
            return Self.kind(of: info.type)
        case H5L_TYPE_SOFT:
            let value = try linkValue(name, at: child)
            return .softLink(target: String(decoding: value.prefix { $0 != 0 }, as: UTF8.self))
        case H5L_TYPE_EXTERNAL:
            let value = try linkValue(name, at: child)
            var flags: UInt32 = 0
            var file: UnsafePointer<CChar>?
            var object: UnsafePointer<CChar>?
            return try value.withUnsafeBytes { buffer in
                _ = try child.call("cannot decode the external link") {
                    H5Lunpack_elink_val(buffer.baseAddress, buffer.count, &flags, &file, &object)
                }
                return LinkKind.externalLink(file: file.map { String(cString: $0) } ?? "", object: object.map { String(cString: $0) } ?? "")
            }
        default:
            return .other
        }
    }

    private func linkValue(_ name: String, at child: Location) throws -> [UInt8] {
        var info = H5L_info_t()
        try child.call("cannot read the link") { H5Lget_info(handle.id, name, &info, defaultProperties) }
        var value = [UInt8](repeating: 0, count: max(1, info.u.val_size))
        try child.call("cannot read the link target") { H5Lget_val(handle.id, name, &value, value.count, defaultProperties) }
        return value
    }

    /// The kind of object at a relative path, or nil when any part of it is missing.
    /// Only hard links are followed, as Keras's own safe reader does. Objects are not opened: their headers
    /// say what they are (opening a dataset costs far more).
    public func kind(of path: String) -> LinkKind? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !parts.isEmpty else { return .group }
        ErrorStack.silence()
        // One lookup when every link on the way is hard (no soft or external link may be traversed); part by
        // part, to tell a missing object from a link, only when that fails.
        var info = H5O_info_t()
        if let hardLinksOnly = Self.hardLinksOnly.link,
           H5Oget_info_by_name2(handle.id, path, &info, H5O_INFO_BASIC, hardLinksOnly) >= 0 {
            return Self.kind(of: info.type)
        }
        ErrorStack.silence()
        var prefix = ""
        for (index, part) in parts.enumerated() {
            prefix += (prefix.isEmpty ? "" : "/") + part
            var link = H5L_info_t()
            guard H5Lget_info(handle.id, prefix, &link, defaultProperties) >= 0 else { return nil }
            if link.type != H5L_TYPE_HARD { return index == parts.count - 1 ? .other : nil }
            var info = H5O_info_t()
            guard H5Oget_info_by_name2(handle.id, prefix, &info, H5O_INFO_BASIC, defaultProperties) >= 0 else { return nil }
            let kind = Self.kind(of: info.type)
            if index == parts.count - 1 { return kind }
            if kind != .group { return nil }
        }
        return nil
    }

    /// Link, group and dataset access property lists that allow no soft or external link to be traversed, so
    /// that one call finds an object through hard links alone (or fails, and the path is checked part by
    /// part for a precise message); nil where libhdf5 cannot make one.
    private nonisolated(unsafe) static let hardLinksOnly = (link: accessList(chdf5_p_link_access()),
                                                            group: accessList(chdf5_p_group_access()),
                                                            dataset: accessList(chdf5_p_dataset_access()))

    private static func accessList(_ propertyClass: hid_t) -> hid_t? {
        let plist = H5Pcreate(propertyClass)
        guard plist >= 0 else { return nil }
        guard H5Pset_nlinks(plist, 0) >= 0 else {
            H5Pclose(plist)
            return nil
        }
        return plist
    }

    /// The kind of a hard-linked object of `type`.
    private static func kind(of type: H5O_type_t) -> LinkKind {
        switch type {
        case H5O_TYPE_GROUP: return .group
        case H5O_TYPE_DATASET: return .dataset
        case H5O_TYPE_NAMED_DATATYPE: return .namedDatatype
        default: return .other
        }
    }

    /// True when `path` names a group or dataset reachable through hard links.
    public func contains(_ path: String) -> Bool { kind(of: path) != nil }

    /// Opens the group at a relative path.
    public func group(_ path: String) throws -> Group {
        let target = resolve(path)
        if let access = Self.hardLinksOnly.group {
            ErrorStack.silence()
            let id = H5Gopen2(handle.id, path, access)
            if id >= 0 { return Group(handle: Handle(id, .group), location: target, backing: backing) }
            ErrorStack.clear()
        }
        guard kind(of: path) == .group else { throw target.error(missingReason(path, expected: "group")) }
        let id = try target.call("cannot open the group") { H5Gopen2(handle.id, path, defaultProperties) }
        return Group(handle: Handle(id, .group), location: target, backing: backing)
    }

    /// Opens the dataset at a relative path.
    public func dataset(_ path: String) throws -> Dataset {
        let target = resolve(path)
        if let access = Self.hardLinksOnly.dataset {
            ErrorStack.silence()
            let id = H5Dopen2(handle.id, path, access)
            if id >= 0 { return Dataset(handle: Handle(id, .dataset), location: target, backing: backing) }
            ErrorStack.clear()
        }
        guard kind(of: path) == .dataset else { throw target.error(missingReason(path, expected: "dataset")) }
        let id = try target.call("cannot open the dataset") { H5Dopen2(handle.id, path, defaultProperties) }
        return Dataset(handle: Handle(id, .dataset), location: target, backing: backing)
    }

    /// Creates a group at a relative path, with any missing intermediate groups.
    @discardableResult
    public func createGroup(_ path: String) throws -> Group {
        let target = resolve(path)
        let links = try intermediateGroupLinks(at: target)
        let id = try target.call("cannot create the group") { H5Gcreate2(handle.id, path, links.id, defaultProperties, defaultProperties) }
        return Group(handle: Handle(id, .group), location: target, backing: backing)
    }

    /// Creates a dataset at a relative path (intermediate groups included) and writes `values` into it.
    @discardableResult
    public func createDataset<T: HDF5Scalar>(
        _ path: String, shape: [Int], values: [T], options: DatasetOptions = DatasetOptions()
    ) throws -> Dataset {
        try values.withUnsafeBufferPointer { try createDataset(path, shape: shape, contents: $0, options: options) }
    }

    /// Creates a dataset from values in caller-owned memory (no intermediate copy).
    @discardableResult
    public func createDataset<T: HDF5Scalar>(
        _ path: String, shape: [Int], contents: UnsafeBufferPointer<T>, options: DatasetOptions = DatasetOptions()
    ) throws -> Dataset {
        let target = resolve(path)
        guard try Dataspace.elementCount(shape, at: target) == contents.count else {
            throw target.error("\(contents.count) values do not fill shape \(shape)")
        }
        let space = try Dataspace.make(shape, at: target)
        let links = try intermediateGroupLinks(at: target)
        let creation = try options.propertyList(for: shape, at: target)
        let id = try target.call("cannot create the dataset") {
            H5Dcreate2(handle.id, path, T.fileType, space.id, links.id, creation.id, defaultProperties)
        }
        let dataset = Dataset(handle: Handle(id, .dataset), location: target, backing: backing)
        try dataset.write(contents)
        return dataset
    }

    /// Creates a dataset without writing values (libhdf5 fills it with zeros when read); for chunked and
    /// compressed layouts almost nothing is stored.
    @discardableResult
    public func createUnwrittenDataset(_ path: String, shape: [Int], options: DatasetOptions) throws -> Dataset {
        let target = resolve(path)
        let space = try Dataspace.make(shape, at: target)
        let links = try intermediateGroupLinks(at: target)
        let creation = try options.propertyList(for: shape, at: target)
        let id = try target.call("cannot create the dataset") {
            H5Dcreate2(handle.id, path, Float.fileType, space.id, links.id, creation.id, defaultProperties)
        }
        return Dataset(handle: Handle(id, .dataset), location: target, backing: backing)
    }

    /// Creates a 1-D dataset of variable-length UTF-8 strings.
    @discardableResult
    public func createStringDataset(_ path: String, strings: [String]) throws -> Dataset {
        let target = resolve(path)
        let type = try StringType.make(layout: .variableLength, encoding: .utf8, longest: 0, at: target)
        let space = try Dataspace.make([strings.count], at: target)
        let links = try intermediateGroupLinks(at: target)
        let id = try target.call("cannot create the dataset") {
            H5Dcreate2(handle.id, path, type.id, space.id, links.id, defaultProperties, defaultProperties)
        }
        let dataset = Dataset(handle: Handle(id, .dataset), location: target, backing: backing)
        try target.call("cannot write the strings") {
            StringType.withBuffer(strings, layout: .variableLength) {
                H5Dwrite(id, type.id, entireDataspace, entireDataspace, defaultProperties, $0)
            }
        }
        return dataset
    }

    /// Creates a soft link `name` in this group pointing at `target` (an absolute or relative path).
    public func createSoftLink(_ name: String, target: String) throws {
        try location.appending(name).call("cannot create the soft link") {
            H5Lcreate_soft(target, handle.id, name, defaultProperties, defaultProperties)
        }
    }

    /// Creates a hard link `name` in this group to the existing object at `target` (an absolute or relative
    /// path): the object is then a member of both groups.
    public func createHardLink(_ name: String, target: String) throws {
        try location.appending(name).call("cannot create the hard link") {
            H5Lcreate_hard(handle.id, target, handle.id, name, defaultProperties, defaultProperties)
        }
    }

    /// Creates an external link `name` in this group pointing at `object` in another file.
    public func createExternalLink(_ name: String, file: String, object: String) throws {
        try location.appending(name).call("cannot create the external link") {
            H5Lcreate_external(file, object, handle.id, name, defaultProperties, defaultProperties)
        }
    }

    /// Removes the link at a relative path (the object goes when nothing else links to it).
    public func removeLink(_ path: String) throws {
        try resolve(path).call("cannot remove the link") { H5Ldelete(handle.id, path, defaultProperties) }
    }

    private func intermediateGroupLinks(at target: Location) throws -> Handle {
        let plist = Handle(try target.call("cannot create a link property list") { H5Pcreate(chdf5_p_link_create()) }, .propertyList)
        try target.call("cannot enable intermediate groups") { H5Pset_create_intermediate_group(plist.id, 1) }
        return plist
    }

    private func resolve(_ path: String) -> Location {
        path.split(separator: "/").reduce(location) { $0.appending(String($1)) }
    }

    private func missingReason(_ path: String, expected: String) -> String {
        switch kind(of: path) {
        case nil: return "no such \(expected)"
        case let found?: return "is \(found.article), not a \(expected)"
        }
    }
}
