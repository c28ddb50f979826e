/// A `.safetensors` file that cannot be read or written: names the file, the tensor when there is one, and what
/// is wrong.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as the user named it.
    public let file: String
    /// The tensor (or `__metadata__`) the problem concerns, if any.
    public let tensor: String?
    /// What is wrong.
    public let reason: String

    /// An error about `tensor` in `file`.
    public init(file: String, tensor: String? = nil, reason: String) {
        self.file = file
        self.tensor = tensor
        self.reason = reason
    }

    public var description: String { file + (tensor.map { ": tensor \($0)" } ?? "") + ": " + reason }
}
