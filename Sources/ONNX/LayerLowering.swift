import NeuralNet

/// Each layer class's ONNX operators: the values a layer's call computes from its inputs' values.
extension GraphBuilder {
    mutating func lower(_ layer: Layer, _ sources: [LoweredValue]) throws -> [LoweredValue] {
        let name = layer.name
        switch layer {
        case let dense as Dense:
            let x = keras(sources[0])
            var y = graph.add("MatMul", [x.name, weight(dense.kernel, of: name)], name: name)
            if let bias = dense.bias { y = graph.add("Add", [y, weight(bias, of: name)], name: name) }
            return [try activate(same(x, y), dense.activation, layer: name)]
        case let convolution as Convolution:
            return [try convolve(convolution, channelsFirst(sources[0]))]
        case let convolution as DepthwiseConvolution:
            return [try convolveDepthwise(convolution, channelsFirst(sources[0]))]
        case let reshape as Reshape:
            let x = keras(sources[0])
            let shape = graph.constant("\(name)/shape", shape: [reshape.outputShape.count + 1], integers: [0] + reshape.outputShape.map(Int64.init))
            return [LoweredValue(name: graph.add("Reshape", [x.name, shape], name: name), rank: reshape.outputShape.count + 1, channelsFirst: false)]
        case let permute as Permute:
            let x = keras(sources[0])
            return [same(x, graph.add("Transpose", [x.name], name: name, attributes: [("perm", .ints([0] + permute.dims))]))]
        case let rescaling as Rescaling:
            let x = sources[0]
            let scaled = graph.add("Mul", [x.name, scalar(rescaling.scale, name)], name: name)
            return [same(x, rescaling.offset == 0 ? scaled : graph.add("Add", [scaled, scalar(rescaling.offset, name)], name: name))]
        case let padding as ZeroPadding2D:
            let x = channelsFirst(sources[0])
            let p = padding.padding
            return [same(x, pad(x, begins: [p.top, p.left], ends: [p.bottom, p.right], name: name))]
        case let padding as ZeroPadding1D:
            let x = channelsFirst(sources[0])
            return [same(x, pad(x, begins: [padding.padding.start], ends: [padding.padding.end], name: name))]
        case let normalization as Normalization:
            return [try normalizeFeatures(normalization, keras(sources[0]))]
        case let pooling as Pooling2D:
            let x = channelsFirst(sources[0])
            let pads = Self.pads(input: Array(pooling.inputShape.prefix(2)), window: [pooling.poolSize.height, pooling.poolSize.width],
                                 strides: [pooling.strides.height, pooling.strides.width], dilations: [1, 1], padding: pooling.padding)
            let op = pooling.kind == .max ? "MaxPool" : "AveragePool"
            return [same(x, graph.add(op, [x.name], name: name, attributes: [
                ("kernel_shape", .ints([pooling.poolSize.height, pooling.poolSize.width])),
                ("strides", .ints([pooling.strides.height, pooling.strides.width])), ("pads", .ints(pads))]))]
        case let pooling as GlobalPooling2D:
            let x = channelsFirst(sources[0])
            let pooled = graph.add(pooling.kind == .max ? "GlobalMaxPool" : "GlobalAveragePool", [x.name], name: name)
            // (batch, channels, 1, 1): Keras keeps (batch, 1, 1, channels) with keepdims, else (batch, channels).
            guard pooling.keepDimensions else {
                return [LoweredValue(name: graph.add("Flatten", [pooled], name: name, attributes: [("axis", .int(1))]), rank: 2, channelsFirst: false)]
            }
            return [same(x, pooled)]
        case is Flatten:
            let x = keras(sources[0])
            return [LoweredValue(name: graph.add("Flatten", [x.name], name: name, attributes: [("axis", .int(1))]), rank: 2, channelsFirst: false)]
        case is TrainingNoiseLayer, is Dropout, is ActivityRegularization:
            return [sources[0]]
        case let activation as ActivationLayer:
            return [try activate(sources[0], activation.activation, layer: name)]
        case let relu as ReLU where relu.negativeSlope == 0 && relu.threshold == 0:
            let x = sources[0]
            guard let cap = relu.maxValue else { return [same(x, graph.add("Relu", [x.name], name: name))] }
            return [same(x, graph.add("Clip", [x.name, scalar(0, name), scalar(cap, name)], name: name))]
        case let relu as ReLU:
            // Keras's ReLU: x (capped at max_value) from the threshold up, negative_slope · (x - threshold) below.
            let x = sources[0], threshold = scalar(relu.threshold, name)
            let above = relu.maxValue.map { graph.add("Min", [x.name, scalar($0, name)], name: name) } ?? x.name
            let below = graph.add("Mul", [graph.add("Sub", [x.name, threshold], name: name), scalar(relu.negativeSlope, name)], name: name)
            let chosen = graph.add("Where", [graph.add("GreaterOrEqual", [x.name, threshold], name: name), above, below], name: name)
            return [same(x, chosen)]
        case let elu as ELU:
            return [same(sources[0], graph.add("Elu", [sources[0].name], name: name, attributes: [("alpha", .float(elu.alpha))]))]
        case let leaky as LeakyReLU:
            return [same(sources[0], graph.add("LeakyRelu", [sources[0].name], name: name, attributes: [("alpha", .float(leaky.negativeSlope))]))]
        case let pooling as Pooling1D:
            let x = channelsFirst(sources[0])
            let pads = Self.pads(input: [pooling.inputShape[0]], window: [pooling.poolSize], strides: [pooling.strides], dilations: [1],
                                 padding: pooling.padding)
            return [same(x, graph.add(pooling.kind == .max ? "MaxPool" : "AveragePool", [x.name], name: name, attributes: [
                ("kernel_shape", .ints([pooling.poolSize])), ("strides", .ints([pooling.strides])), ("pads", .ints(pads))]))]
        case let softmax as Softmax:
            let x = sources[0]
            return [same(x, graph.add("Softmax", [x.name], name: name, attributes: [("axis", .int(onnxAxis(softmax.axis, of: x)))]))]
        case let normalization as BatchNormalization:
            return [try normalize(normalization, sources[0])]
        case let merge as Merge:
            return [mergeValues(merge, sources)]
        case let concatenate as Concatenate:
            let layout = sources[0].channelsFirst
            let xs = sources.map { layout ? channelsFirst($0) : keras($0) }
            let axis = onnxAxis(concatenate.axis, of: xs[0])
            return [same(xs[0], graph.add("Concat", xs.map(\.name), name: name, attributes: [("axis", .int(axis))]))]
        default:
            throw ONNXExportError(object: "layer \(name)", reason: "\(layer.className) has no ONNX form here")
        }
    }

    /// The ONNX axis of Keras's `axis` (of the per-sample shape, negative from the end) in `value`'s layout.
    func onnxAxis(_ axis: Int, of value: LoweredValue) -> Int {
        let kerasAxis = axis < 0 ? value.rank + axis : axis
        guard value.channelsFirst else { return kerasAxis }
        return kerasAxis == value.rank - 1 ? 1 : kerasAxis == 0 ? 0 : kerasAxis + 1
    }

    /// A weight as an initializer, named after its layer.
    mutating func weight(_ parameter: Parameter, of layer: String, shape: [Int]? = nil, values: [Float]? = nil) -> String {
        graph.constant("\(layer)/\(parameter.name)", shape: shape ?? parameter.shape,
                       values ?? Array(UnsafeBufferPointer(start: parameter.value, count: parameter.count)))
    }

    /// A float32 scalar constant.
    mutating func scalar(_ value: Float, _ layer: String) -> String { graph.constant("\(layer)/constant", shape: [], [value]) }

    /// ONNX `pads` (every axis's start, then every axis's end) for Keras's `padding`.
    static func pads(input: [Int], window: [Int], strides: [Int], dilations: [Int], padding: Padding) -> [Int] {
        var begins: [Int] = [], ends: [Int] = []
        for axis in input.indices {
            let (output, before) = padding.geometry(input: input[axis], window: window[axis], stride: strides[axis], dilation: dilations[axis])
            let total = max(0, (output - 1) * strides[axis] + (window[axis] - 1) * dilations[axis] + 1 - input[axis])
            begins.append(before)
            ends.append(max(0, total - before))
        }
        return begins + ends
    }

    /// A convolution: the kernel from Keras's (spatial..., in/groups, out) to ONNX's (out, in/groups, spatial...).
    private mutating func convolve(_ convolution: Convolution, _ x: LoweredValue) throws -> LoweredValue {
        let rank = convolution.rank, kernel = convolution.kernel, shape = kernel.shape
        let spatial = Array(shape.prefix(rank)), inner = shape[rank], outer = shape[rank + 1]
        let positions = spatial.reduce(1, *)
        var values = [Float](repeating: 0, count: kernel.count)
        for position in 0..<positions {
            for i in 0..<inner {
                for o in 0..<outer { values[(o * inner + i) * positions + position] = kernel.value[(position * inner + i) * outer + o] }
            }
        }
        return try convolutionNode(convolution, x, inputShape: convolution.inputShape, kernel: kernel, bias: convolution.bias,
                                   onnxKernel: (shape: [outer, inner] + spatial, values: values), groups: convolution.groups)
    }

    /// The Conv node of any convolution given its kernel in ONNX's layout, with the layer's bias, padding
    /// (causal included: `pads` puts every zero before the sequence) and activation.
    private mutating func convolutionNode(_ convolution: some ConvolutionLayer, _ x: LoweredValue, inputShape: [Int],
                                          kernel: Parameter, bias: Parameter?, onnxKernel: (shape: [Int], values: [Float]),
                                          groups: Int) throws -> LoweredValue {
        let name = convolution.name
        var inputs = [x.name, weight(kernel, of: name, shape: onnxKernel.shape, values: onnxKernel.values)]
        if let bias { inputs.append(weight(bias, of: name)) }
        let pads = Self.pads(input: Array(inputShape.prefix(convolution.rank)), window: convolution.kernelSize,
                             strides: convolution.strides, dilations: convolution.dilationRate, padding: convolution.padding)
        let y = graph.add("Conv", inputs, name: name, attributes: [
            ("kernel_shape", .ints(convolution.kernelSize)), ("strides", .ints(convolution.strides)),
            ("dilations", .ints(convolution.dilationRate)), ("group", .int(groups)), ("pads", .ints(pads))])
        if convolution.activation == .linear { foldableConvolutions[y] = graph.nodes.count - 1 }
        return try activate(same(x, y), convolution.activation, layer: name)
    }

    /// Zeros around the spatial axes of a channels-first value.
    private mutating func pad(_ x: LoweredValue, begins: [Int], ends: [Int], name: String) -> String {
        let pads = graph.constant("\(name)/pads", shape: [2 * x.rank], integers: ([0, 0] + begins + [0, 0] + ends).map(Int64.init))
        return graph.add("Pad", [x.name, pads], name: name)
    }

    /// A depthwise convolution: ONNX's grouped Conv with a group per input channel, the kernel from Keras's
    /// (spatial..., in, multiplier) to (in · multiplier, 1, spatial...).
    private mutating func convolveDepthwise(_ convolution: DepthwiseConvolution, _ x: LoweredValue) throws -> LoweredValue {
        let rank = convolution.rank, kernel = convolution.kernel, shape = kernel.shape
        let spatial = Array(shape.prefix(rank)), channels = shape[rank], multiplier = shape[rank + 1]
        let positions = spatial.reduce(1, *)
        var values = [Float](repeating: 0, count: kernel.count)
        for position in 0..<positions {
            for output in 0..<channels * multiplier { values[output * positions + position] = kernel.value[position * channels * multiplier + output] }
        }
        return try convolutionNode(convolution, x, inputShape: convolution.inputShape, kernel: kernel, bias: convolution.bias,
                                   onnxKernel: (shape: [channels * multiplier, 1] + spatial, values: values), groups: channels)
    }

    /// Normalization with its figures, as Keras computes it: `(x - mean) / max(sqrt(variance), 1e-7)`, or
    /// inverted `x · max(sqrt(variance), 1e-7) + mean`; the figures broadcast over the axes not kept.
    private mutating func normalizeFeatures(_ normalization: Normalization, _ x: LoweredValue) throws -> LoweredValue {
        let name = normalization.name, rank = x.rank
        let kept = Set(normalization.axes.map { $0 < 0 ? $0 + rank : $0 })
        let figures = normalization.givenMean.map { ($0, normalization.givenVariance ?? []) }
            ?? (Array(UnsafeBufferPointer(start: normalization.state[0].value, count: normalization.state[0].count)),
                Array(UnsafeBufferPointer(start: normalization.state[1].value, count: normalization.state[1].count)))
        let shape = figures.0.count == 1 ? [] : [1] + (1..<rank).map { kept.contains($0) ? normalization.inputShape[$0 - 1] : 1 }
        let mean = graph.constant("\(name)/mean", shape: shape, figures.0)
        let deviation = graph.constant("\(name)/deviation", shape: shape, figures.1.map { max($0.squareRoot(), 1e-7) })
        let y = normalization.invert ? graph.add("Add", [graph.add("Mul", [x.name, deviation], name: name), mean], name: name)
            : graph.add("Div", [graph.add("Sub", [x.name, mean], name: name), deviation], name: name)
        return same(x, y)
    }

    /// BatchNormalization at inference, `x · factor + offset` per channel from the moving statistics: ONNX's
    /// own operator over the channels, a broadcast product and sum over any other axis.
    private mutating func normalize(_ normalization: BatchNormalization, _ source: LoweredValue) throws -> LoweredValue {
        let name = normalization.name, rank = normalization.inputShape.count + 1
        let axis = normalization.axis < 0 ? normalization.axis + rank : normalization.axis
        guard axis == rank - 1 else {
            let x = keras(source), (factor, offset) = normalization.inferenceScaleAndShift
            let shape = (0..<rank).map { $0 == axis ? factor.count : 1 }
            let scaled = graph.add("Mul", [x.name, graph.constant("\(name)/factor", shape: shape, factor)], name: name)
            return same(x, graph.add("Add", [scaled, graph.constant("\(name)/offset", shape: shape, offset)], name: name))
        }
        let x = channelsFirst(source)
        let channels = normalization.movingMean.count
        let gamma = normalization.gamma.map { weight($0, of: name) } ?? graph.constant("\(name)/gamma", shape: [channels], [Float](repeating: 1, count: channels))
        let beta = normalization.beta.map { weight($0, of: name) } ?? graph.constant("\(name)/beta", shape: [channels], [Float](repeating: 0, count: channels))
        let y = graph.add("BatchNormalization", [x.name, gamma, beta, weight(normalization.movingMean, of: name), weight(normalization.movingVariance, of: name)],
                          name: name, attributes: [("epsilon", .float(Float(normalization.epsilon)))])
        return same(x, y)
    }

    /// A merge of values of one shape, in the first one's layout.
    private mutating func mergeValues(_ merge: Merge, _ sources: [LoweredValue]) -> LoweredValue {
        let layout = sources[0].channelsFirst
        let xs = sources.map { layout ? channelsFirst($0) : keras($0) }.map(\.name)
        let op: String
        switch merge.kind {
        case .add: op = "Sum"
        case .average: op = "Mean"
        case .maximum: op = "Max"
        case .minimum: op = "Min"
        case .multiply: op = "Mul"
        case .subtract: op = "Sub"
        }
        if op == "Mul", xs.count > 2 {
            let product = xs.dropFirst().reduce(xs[0]) { graph.add("Mul", [$0, $1], name: merge.name) }
            return same(sources[0], product)
        }
        return same(LoweredValue(name: xs[0], rank: sources[0].rank, channelsFirst: layout), graph.add(op, xs, name: merge.name))
    }
}
