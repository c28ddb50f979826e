/// A loss or metric name, or one of its options, that Keras does not have or this project does not compute.
public struct KerasNameError: Error, CustomStringConvertible, Equatable {
    public let description: String

    /// An error that says `description`.
    public init(description: String) { self.description = description }
}
