import CKernels

/// Keras `ZeroPadding2D`: adds rows and columns of zeros around each image.
public final class ZeroPadding2D: Layer {
    public var name: String
    public let className = "ZeroPadding2D"
    /// `((top, bottom), (left, right))`, Keras's normalised form.
    public let padding: (top: Int, bottom: Int, left: Int, right: Int)
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []

    public init(top: Int, bottom: Int, left: Int, right: Int, name: String = "zero_padding2d") {
        padding = (top, bottom, left, right)
        self.name = name
    }

    /// The same padding on every side.
    public convenience init(_ amount: Int, name: String = "zero_padding2d") {
        self.init(top: amount, bottom: amount, left: amount, right: amount, name: name)
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard inputShape.count == 3 else {
            throw ModelError.invalidInput(layer: name, reason: "ZeroPadding2D needs (height, width, channels) input, got \(describeShape(inputShape, batch: true))")
        }
        guard padding.top >= 0, padding.bottom >= 0, padding.left >= 0, padding.right >= 0 else {
            throw ModelError.invalidInput(layer: name, reason: "padding must not be negative")
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

/// Keras `Flatten`: NHWC rows are already flat in Keras's order, so this copies.
public final class Flatten: Layer {
    public var name: String
    public let className = "Flatten"
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { [inputShape.reduce(1, *)] }

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

/// Keras `Dropout`: in training, zeroes each value with probability `rate` and scales the rest by
/// `1 / (1 - rate)` (inverted dropout); at inference it passes values through.
public final class Dropout: Layer {
    public var name: String
    public let className = "Dropout"
    public let rate: Float
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape }

    public init(rate: Float, name: String = "dropout") {
        self.rate = rate
        self.name = name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard rate >= 0, rate < 1 else { throw ModelError.invalidInput(layer: name, reason: "rate must be in [0, 1), got \(rate)") }
        self.inputShape = inputShape
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let count = batch * inputSize
        guard mode == .training, rate > 0 else {
            output.update(from: input, count: count)
            return
        }
        let keep = 1 - rate
        let scale = 1 / keep
        let mask = scratch.first.reserve(count)
        for i in 0..<count { mask[i] = scratch.generator.nextUnitFloat() < keep ? scale : 0 }
        ck_multiply(output, input, mask, count)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        let count = batch * inputSize
        guard rate > 0 else {
            inputGradient.update(from: outputGradient, count: count)
            return
        }
        ck_multiply(inputGradient, outputGradient, scratch.first.pointer, count)
    }
}
