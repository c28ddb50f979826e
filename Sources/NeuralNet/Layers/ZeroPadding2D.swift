/// Keras `ZeroPadding2D`: adds rows and columns of zeros around each image.
public final class ZeroPadding2D: UnaryLayer {
    public var name: String
    public let className = "ZeroPadding2D"
    /// `((top, bottom), (left, right))`, Keras's normalised form.
    public let padding: (top: Int, bottom: Int, left: Int, right: Int)
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []

    /// Adds this many rows of zeros above and below, and columns left and right.
    public init(top: Int, bottom: Int, left: Int, right: Int, name: String = "zero_padding2d") {
        padding = (top, bottom, left, right)
        self.name = name
    }

    /// The same padding on every side.
    public convenience init(_ amount: Int, name: String = "zero_padding2d") {
        self.init(top: amount, bottom: amount, left: amount, right: amount, name: name)
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireImageInput(inputShape)
        for (value, side) in [(padding.top, "top"), (padding.bottom, "bottom"), (padding.left, "left"), (padding.right, "right")] {
            try requireSize(value, "padding at the \(side)", minimum: 0)
        }
        self.inputShape = inputShape
        outputShape = [inputShape[0] + padding.top + padding.bottom, inputShape[1] + padding.left + padding.right, inputShape[2]]
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let (h, w, c) = (inputShape[0], inputShape[1], inputShape[2])
        let (oh, ow) = (outputShape[0], outputShape[1])
        output.update(repeating: 0, count: batch * oh * ow * c)
        for sample in 0..<batch {
            for y in 0..<h {
                let src = input + ((sample * h + y) * w) * c
                let dst = output + ((sample * oh + y + padding.top) * ow + padding.left) * c
                dst.update(from: src, count: w * c)
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        let (h, w, c) = (inputShape[0], inputShape[1], inputShape[2])
        let (oh, ow) = (outputShape[0], outputShape[1])
        for sample in 0..<batch {
            for y in 0..<h {
                let src = outputGradient + ((sample * oh + y + padding.top) * ow + padding.left) * c
                (inputGradient + ((sample * h + y) * w) * c).update(from: src, count: w * c)
            }
        }
    }
}
