import CKernels

/// Keras `MaxPooling2D` and `AveragePooling2D` (channels_last).
///
/// With `same` padding, averages count only the cells inside the input, as TensorFlow does.
public final class Pooling2D: UnaryLayer {
    /// Which Keras class: the maximum or the mean of each window.
    public enum Kind: Sendable { case max, average }

    public var name: String
    /// Maximum or average.
    public let kind: Kind
    public var className: String { kind == .max ? "MaxPooling2D" : "AveragePooling2D" }
    /// Keras's `pool_size`.
    public let poolSize: (height: Int, width: Int)
    /// Keras's `strides`.
    public let strides: (height: Int, width: Int)
    /// Keras's `padding`.
    public let padding: Padding
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []
    private var padTop = 0, padLeft = 0

    /// `strides` defaults to the pool size, as in Keras.
    public init(_ kind: Kind, poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid,
                name: String? = nil) {
        self.kind = kind
        self.poolSize = (poolSize.0, poolSize.1)
        self.strides = strides.map { ($0.0, $0.1) } ?? (poolSize.0, poolSize.1)
        self.padding = padding
        self.name = name ?? (kind == .max ? "max_pooling2d" : "average_pooling2d")
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireImageInput(inputShape)
        guard padding != .causal else { throw ModelError.invalidInput(layer: name, reason: "pooling takes valid or same padding, not causal") }
        for (value, setting) in [(poolSize.height, "pool height"), (poolSize.width, "pool width"), (strides.height, "stride height"),
                                 (strides.width, "stride width")] {
            try requireSize(value, setting)
        }
        let rows = padding.geometry(input: inputShape[0], window: poolSize.height, stride: strides.height)
        let cols = padding.geometry(input: inputShape[1], window: poolSize.width, stride: strides.width)
        guard rows.output > 0, cols.output > 0 else {
            throw ModelError.invalidInput(layer: name, reason: "a \(poolSize.height)x\(poolSize.width) pool does not fit input \(describeShape(inputShape, batch: true))")
        }
        self.inputShape = inputShape
        outputShape = [rows.output, cols.output, inputShape[2]]
        padTop = rows.before
        padLeft = cols.before
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let argmax = scratch.indices.reserve(kind == .max ? batch * outputSize : 1)
        for sample in 0..<batch {
            ck_pool_forward(kind == .max ? 1 : 0, input + sample * inputSize, output + sample * outputSize,
                            argmax + (kind == .max ? sample * outputSize : 0), inputShape[0], inputShape[1], inputShape[2],
                            poolSize.height, poolSize.width, strides.height, strides.width, padTop, padLeft,
                            outputShape[0], outputShape[1])
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        let argmax = scratch.indices.pointer
        for sample in 0..<batch {
            ck_pool_backward(kind == .max ? 1 : 0, outputGradient + sample * outputSize, inputGradient + sample * inputSize,
                             argmax + (kind == .max ? sample * outputSize : 0), inputShape[0], inputShape[1], inputShape[2],
                             poolSize.height, poolSize.width, strides.height, strides.width, padTop, padLeft,
                             outputShape[0], outputShape[1])
        }
    }
}
