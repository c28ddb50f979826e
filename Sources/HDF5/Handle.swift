import CHDF5

/// Sole owner of one libhdf5 identifier: closes it exactly once, when the owner is released.
final class Handle: Sendable {
    enum Kind: Sendable { case file, group, dataset, attribute, datatype, dataspace, propertyList, object }

    let id: hid_t
    let kind: Kind

    init(_ id: hid_t, _ kind: Kind) {
        self.id = id
        self.kind = kind
    }

    deinit {
        switch kind {
        case .file: H5Fclose(id)
        case .group: H5Gclose(id)
        case .dataset: H5Dclose(id)
        case .attribute: H5Aclose(id)
        case .datatype: H5Tclose(id)
        case .dataspace: H5Sclose(id)
        case .propertyList: H5Pclose(id)
        case .object: H5Oclose(id)
        }
    }
}

/// Where an object lives, for error messages.
public struct Location: Sendable, Hashable {
    /// The file path as the caller gave it.
    public let file: String
    /// The absolute object path inside the file, `/` for the root group.
    public let path: String

    func appending(_ name: String) -> Location {
        Location(file: file, path: path == "/" ? "/" + name : path + "/" + name)
    }

    /// Runs a libhdf5 call for this location; see ``checked(_:file:object:action:)``.
    @discardableResult
    func call<T: BinaryInteger>(_ action: @autoclosure () -> String, _ result: () -> T) throws -> T {
        try checked(result(), file: file, object: path, action: action())
    }

    func error(_ reason: String) -> HDF5Error {
        HDF5Error(file: file, object: path, reason: reason)
    }
}

/// `H5P_DEFAULT`: default property list (a C macro Swift imports with the wrong integer type).
let defaultProperties: hid_t = 0
/// `H5E_DEFAULT`: the calling thread's error stack.
let defaultErrorStack: hid_t = 0
/// `H5S_ALL`: the whole dataspace.
let entireDataspace: hid_t = 0
