import Foundation

/// A data file that cannot be used: names the file and what is wrong.
public struct MNISTError: Error, LocalizedError, CustomStringConvertible, Sendable {
    /// The file (or folder) concerned.
    public let file: String
    /// What is wrong with it.
    public let reason: String

    /// An error about `file`.
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { file.isEmpty ? reason : "\(file): \(reason)" }
    /// The one-line description.
    public var errorDescription: String? { description }
}
