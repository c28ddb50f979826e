import NeuralNet

/// The convolution family as ONNX Conv and ConvTranspose nodes over channels-first values: each Keras kernel
/// rearranged to ONNX's (output channels, input channels / groups, spatial...) or, transposed,
/// (input channels, output channels, spatial...).
extension GraphBuilder {
    /// A convolution: the kernel from Keras's (spatial..., in/groups, out).
    mutating func convolve(_ convolution: Convolution, _ x: LoweredValue) throws -> LoweredValue {
        let rank = convolution.rank, shape = convolution.kernel.shape, spatial = Array(shape.prefix(rank))
        let kernel = rearranged(convolution.kernel, spatial: spatial, from: [shape[rank], shape[rank + 1]], to: [1, 0])
        let y = convolutionNode(convolution.name, x, geometry: ConvolutionGeometry(convolution), inputShape: convolution.inputShape,
                                kernel: (convolution.kernel, [shape[rank + 1], shape[rank]] + spatial, kernel),
                                bias: convolution.bias, groups: convolution.groups)
        return try activateFoldable(y, of: x, convolution)
    }

    /// A depthwise convolution: a grouped Conv with a group per input channel, the kernel from Keras's
    /// (spatial..., in, multiplier) to (in · multiplier, 1, spatial...).
    mutating func convolveDepthwise(_ convolution: DepthwiseConvolution, _ x: LoweredValue) throws -> LoweredValue {
        let y = depthwiseNode(convolution, x, inputShape: convolution.inputShape, kernel: convolution.kernel, bias: convolution.bias)
        return try activateFoldable(y, of: x, convolution)
    }

    /// A separable convolution: its depthwise convolution without bias, then a pointwise (kernel 1) Conv from
    /// Keras's (1..., in · multiplier, filters) with the bias.
    mutating func convolveSeparable(_ convolution: SeparableConvolution, _ x: LoweredValue) throws -> LoweredValue {
        let name = convolution.name, rank = convolution.rank, pointwise = convolution.pointwiseKernel
        let depthwise = same(x, depthwiseNode(convolution, x, inputShape: convolution.inputShape, kernel: convolution.depthwiseKernel, bias: nil))
        let inner = pointwise.shape[rank], filters = pointwise.shape[rank + 1], ones = [Int](repeating: 1, count: rank)
        let kernel = rearranged(pointwise, spatial: ones, from: [inner, filters], to: [1, 0])
        let pointwiseGeometry = ConvolutionGeometry(kernelSize: ones, strides: ones, dilations: ones, padding: .valid)
        let y = convolutionNode(name, depthwise, geometry: pointwiseGeometry, inputShape: convolution.outputShape,
                                kernel: (pointwise, [filters, inner] + ones, kernel), bias: convolution.bias, groups: 1)
        return try activate(same(x, y), convolution.activation, layer: name)
    }

    /// A transposed convolution: ONNX's ConvTranspose with the kernel from Keras's (spatial..., filters, in) to
    /// (in, filters, spatial...). Keras places output position `i · stride + k · dilation - before`, where
    /// `before` is the padding of the convolution from the output back to the input; the padding after, or
    /// when Keras's output is longer than the full one, `output_padding`, gives Keras's output length.
    mutating func convolveTransposed(_ convolution: ConvolutionTranspose, _ x: LoweredValue) throws -> LoweredValue {
        let name = convolution.name, rank = convolution.rank, shape = convolution.kernel.shape
        let filters = shape[rank], channels = shape[rank + 1]
        let kernel = rearranged(convolution.kernel, spatial: Array(shape.prefix(rank)), from: [filters, channels], to: [1, 0])
        var inputs = [x.name, weight(convolution.kernel, of: name, shape: [channels, filters] + Array(shape.prefix(rank)), values: kernel)]
        if let bias = convolution.bias { inputs.append(weight(bias, of: name)) }
        var begins: [Int] = [], ends: [Int] = [], extra: [Int] = []
        for axis in 0..<rank {
            let output = convolution.outputShape[axis], span = (convolution.kernelSize[axis] - 1) * convolution.dilationRate[axis] + 1
            let before = convolution.padding.geometry(input: output, window: convolution.kernelSize[axis], stride: convolution.strides[axis],
                                                      dilation: convolution.dilationRate[axis]).before
            let after = (convolution.inputShape[axis] - 1) * convolution.strides[axis] + span - before - output
            begins.append(before)
            ends.append(max(after, 0))
            extra.append(max(-after, 0))
        }
        let y = graph.add("ConvTranspose", inputs, name: name, attributes: [
            ("kernel_shape", .ints(convolution.kernelSize)), ("strides", .ints(convolution.strides)),
            ("dilations", .ints(convolution.dilationRate)), ("pads", .ints(begins + ends)), ("output_padding", .ints(extra))])
        return try activate(same(x, y), convolution.activation, layer: name)
    }

    /// The Conv node of a depthwise kernel (Keras's (spatial..., in, multiplier)).
    private mutating func depthwiseNode(_ convolution: some ConvolutionLayer, _ x: LoweredValue, inputShape: [Int], kernel: Parameter,
                                        bias: Parameter?) -> String {
        let rank = convolution.rank, shape = kernel.shape, spatial = Array(shape.prefix(rank))
        let channels = shape[rank], multiplier = shape[rank + 1]
        // (in, multiplier) is already (in · multiplier) outputs in order: only the spatial axes move behind.
        let values = rearranged(kernel, spatial: spatial, from: [channels * multiplier], to: [0])
        return convolutionNode(convolution.name, x, geometry: ConvolutionGeometry(convolution), inputShape: inputShape,
                               kernel: (kernel, [channels * multiplier, 1] + spatial, values), bias: bias, groups: channels)
    }

    /// A convolution's output `y` (of input `x`) with the layer's activation; without one, the Conv node is
    /// registered for a BatchNormalization after it to fold into.
    private mutating func activateFoldable(_ y: String, of x: LoweredValue, _ convolution: some ConvolutionLayer) throws -> LoweredValue {
        if convolution.activation == .linear { foldableConvolutions[y] = graph.nodes.count - 1 }
        return try activate(same(x, y), convolution.activation, layer: convolution.name)
    }

    /// The Conv node of any convolution given its kernel in ONNX's layout, with the bias and padding (causal
    /// included: `pads` puts every zero before the sequence); returns its output's name.
    private mutating func convolutionNode(_ name: String, _ x: LoweredValue, geometry: ConvolutionGeometry, inputShape: [Int],
                                          kernel: (parameter: Parameter, shape: [Int], values: [Float]), bias: Parameter?,
                                          groups: Int) -> String {
        var inputs = [x.name, weight(kernel.parameter, of: name, shape: kernel.shape, values: kernel.values)]
        if let bias { inputs.append(weight(bias, of: name)) }
        let pads = Self.pads(input: Array(inputShape.prefix(geometry.kernelSize.count)), window: geometry.kernelSize,
                             strides: geometry.strides, dilations: geometry.dilations, padding: geometry.padding)
        return graph.add("Conv", inputs, name: name, attributes: [
            ("kernel_shape", .ints(geometry.kernelSize)), ("strides", .ints(geometry.strides)),
            ("dilations", .ints(geometry.dilations)), ("group", .int(groups)), ("pads", .ints(pads))])
    }

    /// A kernel's values with Keras's layout (spatial..., channel axes...) rearranged to ONNX's (channel axes in
    /// the order `to` gives, spatial...).
    private func rearranged(_ kernel: Parameter, spatial: [Int], from channels: [Int], to order: [Int]) -> [Float] {
        let positions = spatial.reduce(1, *), perPosition = channels.reduce(1, *)
        // Strides of each channel axis in Keras's layout, and the ONNX layout's channel sizes in order.
        var strides = [Int](repeating: 1, count: channels.count)
        for axis in stride(from: channels.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * channels[axis + 1] }
        let sizes = order.map { channels[$0] }
        var values = [Float](repeating: 0, count: kernel.count)
        for target in 0..<perPosition {
            var rest = target, source = 0
            for axis in stride(from: order.count - 1, through: 0, by: -1) {
                source += (rest % sizes[axis]) * strides[order[axis]]
                rest /= sizes[axis]
            }
            for position in 0..<positions { values[target * positions + position] = kernel.value[position * perPosition + source] }
        }
        return values
    }
}

/// Where a Conv node's kernel goes over its input: per spatial axis the window, step and dilation, and the padding.
private struct ConvolutionGeometry {
    var kernelSize: [Int], strides: [Int], dilations: [Int], padding: Padding

    init(kernelSize: [Int], strides: [Int], dilations: [Int], padding: Padding) {
        (self.kernelSize, self.strides, self.dilations, self.padding) = (kernelSize, strides, dilations, padding)
    }

    /// A convolution layer's own geometry.
    init(_ convolution: some ConvolutionLayer) {
        self.init(kernelSize: convolution.kernelSize, strides: convolution.strides, dilations: convolution.dilationRate,
                  padding: convolution.padding)
    }
}
