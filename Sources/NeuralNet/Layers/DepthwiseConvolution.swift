/// Keras's depthwise convolutions of spatial rank 1 and 2 (`DepthwiseConv1D`, `DepthwiseConv2D`;
/// channels_last): each input channel convolved on its own with `depth_multiplier` filters, so input channel c
/// gives output channels c·multiplier..<(c + 1)·multiplier; kernel `(k..., in, multiplier)`, any strides and
/// dilation, `valid` or `same` padding.
///
/// A direct pass over the windows (``ConvolutionGeometry/depthwiseForward(_:kernel:bias:_:multiplier:)``),
/// vectorised along the channels: im2col would copy every value k... times for products one channel deep.
public class DepthwiseConvolution: UnaryLayer, ConvolutionLayer, NormalizationFoldingLayer {
    public var name: String
    /// `DepthwiseConv1D` or `DepthwiseConv2D`.
    public let className: String
    /// Spatial axes: 1 or 2.
    public let rank: Int
    /// Keras's `kernel_size`, one size per spatial axis.
    public let kernelSize: [Int]
    /// Keras's `strides`.
    public let strides: [Int]
    /// Keras's `dilation_rate`.
    public let dilationRate: [Int]
    /// Keras's `depth_multiplier`: output channels per input channel.
    public let depthMultiplier: Int
    /// Keras's `padding`: `valid` or `same`.
    public let padding: Padding
    /// Applied to the convolution plus bias.
    public let activation: Activation
    /// Set by the model when it applies a final softmax itself to keep the logits.
    public var activationDeferred = false
    /// Keras's `use_bias`.
    public let useBias: Bool
    /// How the kernel (Keras's `depthwise_initializer`) and the bias are first drawn, when the model is not loaded.
    public var depthwiseInitializer = Initializer.glorotUniform, biasInitializer = Initializer.zeros
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []
    public private(set) var parameters: [Parameter] = []
    private var geometry = ConvolutionGeometry()
    /// The BatchNormalization this layer takes over at inference, set by the model (see
    /// ``BatchNormalizationFolding``).
    var foldedNormalization: BatchNormalization?
    /// The activation layer after that BatchNormalization, applied by this layer at inference.
    var foldedActivation: Activation?

    /// A layer of `rank` spatial axes with Keras's options (one size per axis); its kernel is created when the
    /// model is built.
    init(className: String, rank: Int, kernelSize: [Int], strides: [Int], dilationRate: [Int], depthMultiplier: Int, padding: Padding,
         activation: Activation, useBias: Bool, name: String) {
        self.className = className
        self.rank = rank
        self.kernelSize = kernelSize
        self.strides = strides
        self.dilationRate = dilationRate
        self.depthMultiplier = depthMultiplier
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        self.name = name
    }

    /// The `(k..., in channels, depth multiplier)` kernel (Keras 3's `kernel`, Keras 2's `depthwise_kernel`).
    public var kernel: Parameter { parameters[0] }
    /// The `(in channels · depth multiplier)` bias, when the layer has one.
    public var bias: Parameter? { useBias ? parameters[1] : nil }

    public var forwardFlops: Double { 2 * Double(geometry.positions) * Double(kernel.count) }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireSize(depthMultiplier, "depth multiplier")
        let geometry = try ConvolutionGeometry(of: self, inputShape: inputShape, groups: inputShape.last ?? 1)
        let kernelShape = kernelSize + [geometry.channels, depthMultiplier]
        try initializer.reserveKernel(kernelShape, layer: name)
        try requireSize(geometry.channels * depthMultiplier, "output channels")
        self.inputShape = inputShape
        self.geometry = geometry
        outputShape = geometry.outputShape(rank: rank, channels: geometry.channels * depthMultiplier)
        parameters = [initializer.make(depthwiseInitializer, name: "kernel", shape: kernelShape)]
        if useBias { parameters.append(initializer.bias(count: geometry.channels * depthMultiplier, biasInitializer)) }
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let g = geometry, width = outputShape.last!, sampleOutput = g.positions * width
        let preactivations = preactivationStore(mode, scratch, count: batch * sampleOutput)
        var weights = (kernel: UnsafePointer(kernel.value), bias: bias.map { UnsafePointer($0.value) })
        var activation = appliedActivation
        if mode == .inference, let normalization = foldedNormalization {
            weights = BatchNormalizationFolding.fold(kernel: weights.kernel, count: kernel.count, bias: weights.bias, channels: width,
                                                     normalization, into: scratch.folded)
            activation = foldedActivation ?? activation
        }
        for sample in 0..<batch {
            let out = output + sample * sampleOutput
            g.depthwiseForward(input + sample * g.imageSize, kernel: weights.kernel, bias: weights.bias, out, multiplier: depthMultiplier)
            preactivations?.advanced(by: sample * sampleOutput).update(from: out, count: sampleOutput)
            activation.apply(out, rows: g.positions, width: width)
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        let g = geometry, width = outputShape.last!
        activationBackward(outputGradient, output: output, rows: batch * g.positions, width: width, scratch: scratch)
        if useBias { columnSums(gradients[1], outputGradient, rows: batch * g.positions, width: width) }
        gradients[0].update(repeating: 0, count: kernel.count)
        inputGradient?.update(repeating: 0, count: batch * g.imageSize)
        for sample in 0..<batch {
            g.depthwiseBackward(input + sample * g.imageSize, outputGradient: outputGradient + sample * g.positions * width,
                                kernel: kernel.value, kernelGradient: gradients[0],
                                inputGradient: inputGradient.map { $0 + sample * g.imageSize }, multiplier: depthMultiplier)
        }
    }
}
