import Foundation

/// A Keras file that cannot be used as asked: names the file, the object or layer, and what is wrong.
public struct KerasFormatError: Error, LocalizedError, CustomStringConvertible, Sendable {
    public let file: String
    /// The HDF5 path, zip member or layer the problem concerns.
    public let object: String?
    public let reason: String

    public init(file: String, object: String? = nil, reason: String) {
        self.file = file
        self.object = object
        self.reason = reason
    }

    public var description: String {
        if let object { return "\(file): \(object): \(reason)" }
        return "\(file): \(reason)"
    }

    public var errorDescription: String? { description }
}
