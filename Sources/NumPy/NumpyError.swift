/// A `.npy` or `.npz` file that cannot be used: names the file (and the array in an archive) and what is wrong.
public struct NumpyError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file, or `ARCHIVE/NAME.npy` for an array in a `.npz`; empty when the array came from memory.
    public let file: String
    /// What is wrong.
    public let reason: String

    /// An error about `file`.
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { file.isEmpty ? reason : "\(file): \(reason)" }
}
