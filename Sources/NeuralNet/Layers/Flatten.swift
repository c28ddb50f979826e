/// Keras `Flatten`: each sample as one row.
public final class Flatten: ShapeOnlyLayer {
    public var name: String
    public let className = "Flatten"
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { [inputShape.reduce(1, *)] }

    /// A flattening layer.
    public init(name: String = "flatten") { self.name = name }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        self.inputShape = inputShape
    }
}
