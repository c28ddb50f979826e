/// Keras `Cropping2D`: removes rows and columns from the edges of each image.
public final class Cropping2D: UnaryLayer {
    public var name: String
    public let className = "Cropping2D"
    /// `((top, bottom), (left, right))`, Keras's normalised form.
    public let cropping: (top: Int, bottom: Int, left: Int, right: Int)
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []

    /// Removes this many rows above and below, and columns left and right.
    public init(top: Int, bottom: Int, left: Int, right: Int, name: String = "cropping2d") {
        cropping = (top, bottom, left, right)
        self.name = name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireImageInput(inputShape)
        for (value, side) in [(cropping.top, "top"), (cropping.bottom, "bottom"), (cropping.left, "left"), (cropping.right, "right")] {
            try requireSize(value, "cropping at the \(side)", minimum: 0)
        }
        let height = inputShape[0] - cropping.top - cropping.bottom
        let width = inputShape[1] - cropping.left - cropping.right
        guard height > 0, width > 0 else {
            throw ModelError.invalidInput(layer: name, reason: "cropping \(cropping) leaves nothing of a \(inputShape[0])x\(inputShape[1]) image")
        }
        self.inputShape = inputShape
        outputShape = [height, width, inputShape[2]]
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let (h, w, c) = (inputShape[0], inputShape[1], inputShape[2])
        let (oh, ow) = (outputShape[0], outputShape[1])
        for sample in 0..<batch {
            for y in 0..<oh {
                let src = input + ((sample * h + y + cropping.top) * w + cropping.left) * c
                (output + (sample * oh + y) * ow * c).update(from: src, count: ow * c)
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        let (h, w, c) = (inputShape[0], inputShape[1], inputShape[2])
        let (oh, ow) = (outputShape[0], outputShape[1])
        inputGradient.update(repeating: 0, count: batch * inputSize)
        for sample in 0..<batch {
            for y in 0..<oh {
                let dst = inputGradient + ((sample * h + y + cropping.top) * w + cropping.left) * c
                dst.update(from: outputGradient + (sample * oh + y) * ow * c, count: ow * c)
            }
        }
    }
}
