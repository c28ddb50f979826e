import Foundation

/// A data file that cannot be used: names the file and what is wrong.
public struct MNISTError: Error, LocalizedError, CustomStringConvertible, Sendable {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { file.isEmpty ? reason : "\(file): \(reason)" }
    public var errorDescription: String? { description }
}
