/// Keras's separable convolutions of spatial rank 1 and 2 (`SeparableConv1D`, `SeparableConv2D`;
/// channels_last): a depthwise convolution (kernel `(k..., in, depth multiplier)`, no bias) followed by a
/// pointwise one (kernel `(1..., in · depth multiplier, filters)`), then the bias and the activation.
///
/// The depthwise part is ``ConvolutionGeometry``'s direct pass; the pointwise part one GEMM over every
/// position of the batch. The depthwise outputs stay in the layer's scratch memory for the backward pass.
public class SeparableConvolution: UnaryLayer, ConvolutionLayer {
    public var name: String
    /// `SeparableConv1D` or `SeparableConv2D`.
    public let className: String
    /// Spatial axes: 1 or 2.
    public let rank: Int
    /// Keras's `filters`: output channels.
    public let filters: Int
    /// Keras's `kernel_size`, one size per spatial axis.
    public let kernelSize: [Int]
    /// Keras's `strides`.
    public let strides: [Int]
    /// Keras's `dilation_rate`.
    public let dilationRate: [Int]
    /// Keras's `depth_multiplier`: depthwise outputs per input channel.
    public let depthMultiplier: Int
    /// Keras's `padding`: `valid` or `same`.
    public let padding: Padding
    /// Applied to the convolution plus bias.
    public let activation: Activation
    /// Set by the model when it applies a final softmax itself to keep the logits.
    public var activationDeferred = false
    /// Keras's `use_bias`.
    public let useBias: Bool
    /// How the two kernels and the bias are first drawn, when the model is not loaded (Keras's defaults).
    public var depthwiseInitializer = Initializer.glorotUniform, pointwiseInitializer = Initializer.glorotUniform,
               biasInitializer = Initializer.zeros
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []
    public private(set) var parameters: [Parameter] = []
    private var geometry = ConvolutionGeometry()

    /// A layer of `rank` spatial axes with Keras's options (one size per axis); its kernels are created when
    /// the model is built.
    init(className: String, rank: Int, filters: Int, kernelSize: [Int], strides: [Int], dilationRate: [Int], depthMultiplier: Int,
         padding: Padding, activation: Activation, useBias: Bool, name: String) {
        self.className = className
        self.rank = rank
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.dilationRate = dilationRate
        self.depthMultiplier = depthMultiplier
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        self.name = name
    }

    /// The `(k..., in channels, depth multiplier)` depthwise kernel.
    public var depthwiseKernel: Parameter { parameters[0] }
    /// The `(1..., in channels · depth multiplier, filters)` pointwise kernel.
    public var pointwiseKernel: Parameter { parameters[1] }
    /// The `(filters)` bias, when the layer has one.
    public var bias: Parameter? { useBias ? parameters[2] : nil }

    /// Depthwise outputs per position: in channels · depth multiplier.
    private var middle: Int { geometry.channels * depthMultiplier }

    public var forwardFlops: Double {
        2 * Double(geometry.positions) * (Double(depthwiseKernel.count) + Double(middle) * Double(filters))
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireSize(filters, "filters")
        try requireSize(depthMultiplier, "depth multiplier")
        let geometry = try ConvolutionGeometry(of: self, inputShape: inputShape, groups: inputShape.last ?? 1)
        let depthwiseShape = kernelSize + [geometry.channels, depthMultiplier]
        try initializer.reserveKernel(depthwiseShape, layer: name)
        try requireSize(geometry.channels * depthMultiplier, "depthwise outputs per position")
        let pointwiseShape = Array(repeating: 1, count: rank) + [geometry.channels * depthMultiplier, filters]
        try initializer.reserveKernel(pointwiseShape, layer: name)
        self.inputShape = inputShape
        self.geometry = geometry
        outputShape = geometry.outputShape(rank: rank, channels: filters)
        parameters = [initializer.make(depthwiseInitializer, name: "depthwise_kernel", shape: depthwiseShape),
                      initializer.make(pointwiseInitializer, name: "pointwise_kernel", shape: pointwiseShape)]
        if useBias { parameters.append(initializer.bias(count: filters, biasInitializer)) }
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let g = geometry, rows = batch * g.positions
        let depthwise = scratch.first.reserve(rows * middle)
        for sample in 0..<batch {
            g.depthwiseForward(input + sample * g.imageSize, kernel: depthwiseKernel.value, bias: nil, depthwise + sample * g.positions * middle,
                               multiplier: depthMultiplier)
        }
        gemm(m: rows, n: filters, k: middle, depthwise, lda: middle, pointwiseKernel.value, ldb: filters,
             bias: bias.map { UnsafePointer($0.value) }, output, ldc: filters)
        preactivationStore(mode, scratch, count: rows * filters)?.update(from: output, count: rows * filters)
        appliedActivation.apply(output, rows: rows, width: filters)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        let g = geometry, rows = batch * g.positions
        activationBackward(outputGradient, output: output, rows: rows, width: filters, scratch: scratch)
        if useBias { columnSums(gradients[2], outputGradient, rows: rows, width: filters) }
        // The forward pass's depthwise outputs, still in the scratch memory.
        let depthwise = UnsafePointer(scratch.first.pointer)
        gemm(transposeA: true, m: middle, n: filters, k: rows, depthwise, lda: middle, outputGradient, ldb: filters, gradients[1], ldc: filters)
        let depthwiseGradient = scratch.second.reserve(rows * middle)
        gemm(transposeB: true, m: rows, n: middle, k: filters, outputGradient, lda: filters, pointwiseKernel.value, ldb: filters,
             depthwiseGradient, ldc: middle)
        gradients[0].update(repeating: 0, count: depthwiseKernel.count)
        inputGradient?.update(repeating: 0, count: batch * g.imageSize)
        for sample in 0..<batch {
            g.depthwiseBackward(input + sample * g.imageSize, outputGradient: depthwiseGradient + sample * g.positions * middle,
                                kernel: depthwiseKernel.value, kernelGradient: gradients[0],
                                inputGradient: inputGradient.map { $0 + sample * g.imageSize }, multiplier: depthMultiplier)
        }
    }
}
