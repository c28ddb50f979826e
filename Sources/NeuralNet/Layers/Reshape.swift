/// Keras `Reshape`: the same values in a new per-sample shape; one dimension may be -1, inferred from the rest.
public final class Reshape: ShapeOnlyLayer {
    public var name: String
    public let className = "Reshape"
    /// Keras's `target_shape`, as given (with -1 where inferred).
    public let targetShape: [Int]
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []

    /// A layer giving each sample the shape `targetShape`.
    public init(_ targetShape: [Int], name: String = "reshape") {
        self.targetShape = targetShape
        self.name = name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        let inferred = targetShape.indices.filter { targetShape[$0] == -1 }
        let known = targetShape.filter { $0 != -1 }
        guard inferred.count <= 1, known.allSatisfy({ $0 > 0 }), !targetShape.isEmpty else {
            throw ModelError.invalidInput(layer: name, reason: "target_shape \(targetShape) must be positive sizes with at most one -1")
        }
        let count = inputShape.reduce(1, *)
        // The input is no larger than a sample may be; a target whose known sizes multiply past that cannot fit it.
        guard let knownCount = elementCount(known, atMost: Model.maximumSampleSize) else {
            throw ModelError.invalidInput(layer: name, reason: "target_shape \(targetShape) holds more values than a sample may (\(Model.maximumSampleSize))")
        }
        var shape = targetShape
        if let index = inferred.first {
            guard count % knownCount == 0 else {
                throw ModelError.invalidInput(layer: name, reason: "cannot reshape \(describeShape(inputShape, batch: true)) to \(targetShape)")
            }
            shape[index] = count / knownCount
        }
        guard shape.reduce(1, *) == count else {
            throw ModelError.invalidInput(layer: name, reason: "cannot reshape \(describeShape(inputShape, batch: true)) (\(count) values) to \(describeShape(shape, batch: true))")
        }
        self.inputShape = inputShape
        outputShape = shape
    }
}
