/// A model this module cannot write as ONNX, naming the layer and what has no faithful ONNX form here.
public struct ONNXExportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The layer (or input) concerned.
    public let object: String
    /// What is missing.
    public let reason: String

    /// An error about `object`.
    public init(object: String, reason: String) {
        self.object = object
        self.reason = reason
    }

    public var description: String { "\(object): \(reason)" }
}
