/// A 1-D layer computed by its 2-D counterpart over a one-row image: a (steps, channels) sample lies in memory
/// exactly as a (1, steps, channels) image, so the 2-D layer's passes serve it unchanged (pooling, global
/// pooling, zero padding and cropping along the steps).
public class OneRowLayer: UnaryLayer {
    public var name: String {
        didSet { image.name = name }
    }
    public let className: String
    /// The 2-D layer that computes the passes.
    let image: UnaryLayer
    public private(set) var inputShape: [Int] = []
    /// The 2-D layer's output without its one-row axis (a global pooling's `(channels)` as it is).
    public var outputShape: [Int] { image.outputShape.count == 3 ? Array(image.outputShape.dropFirst()) : image.outputShape }
    /// Keras's 1-D pooling, padding and cropping layers end a mask.
    public var maskHandling: MaskHandling { .ends }

    init(className: String, image: UnaryLayer) {
        self.className = className
        self.image = image
        name = image.name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard inputShape.count == 2 else {
            throw ModelError.invalidInput(layer: name, reason: "\(className) needs (steps, channels) input, got \(describeShape(inputShape, batch: true))")
        }
        try image.build(inputShape: [1] + inputShape, initializer: &initializer)
        self.inputShape = inputShape
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        image.forward(input, output, batch: batch, mode: mode, scratch: scratch)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        image.backward(input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient, batch: batch,
                       scratch: scratch, gradients: gradients)
    }
}
