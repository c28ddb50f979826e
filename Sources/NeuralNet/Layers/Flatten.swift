/// Keras `Flatten`: NHWC rows are already flat in Keras's order, so this copies.
public final class Flatten: UnaryLayer {
    public var name: String
    public let className = "Flatten"
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { [inputShape.reduce(1, *)] }

    /// A flattening layer.
    public init(name: String = "flatten") { self.name = name }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        self.inputShape = inputShape
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        output.update(from: input, count: batch * inputSize)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        inputGradient?.update(from: outputGradient, count: batch * inputSize)
    }
}
