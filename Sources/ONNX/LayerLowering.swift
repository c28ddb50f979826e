import NeuralNet

/// Each layer class's ONNX operators: the values a layer's call computes from its inputs' values.
extension GraphBuilder {
    mutating func lower(_ layer: Layer, _ sources: [LoweredValue]) throws -> [LoweredValue] {
        let name = layer.name
        if let embedding = layer as? Embedding {
            // Keras casts ids of a float type to int32 (dropping fractions, as ONNX's Cast does).
            let ids = [6, 7].contains(sources[0].elementType) ? sources[0] : converted(sources[0], to: 7)
            let gathered = graph.add("Gather", [weight(embedding.embeddings, of: name), ids.name], name: name, attributes: [("axis", .int(0))])
            if embedding.maskZero { masks[gathered] = maskZeros(ids, name: name) }
            return [LoweredValue(name: gathered, rank: ids.rank + 1, channelsFirst: false)]
        }
        let mask = masks[sources[0].name]
        let sources = sources.map { floating($0) }
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
        case let convolution as SeparableConvolution:
            return [try convolveSeparable(convolution, channelsFirst(sources[0]))]
        case let convolution as ConvolutionTranspose:
            return [try convolveTransposed(convolution, channelsFirst(sources[0]))]
        case let cropping as Cropping2D:
            let c = cropping.cropping
            return [crop(sources[0], begins: [c.top, c.left], ends: [c.bottom, c.right], spatial: Array(cropping.inputShape.prefix(2)), name: name)]
        case let cropping as Cropping1D:
            return [crop(sources[0], begins: [cropping.cropping.start], ends: [cropping.cropping.end], spatial: [cropping.inputShape[0]], name: name)]
        case let upSampling as UpSampling2D:
            let x = channelsFirst(sources[0])
            return [same(x, resize(x, by: [upSampling.size.height, upSampling.size.width], bilinear: upSampling.interpolation == .bilinear, name: name))]
        case let upSampling as UpSampling1D:
            let x = channelsFirst(sources[0])
            return [same(x, resize(x, by: [upSampling.size], bilinear: false, name: name))]
        case let repeated as RepeatVector:
            let repeats = graph.constant("\(name)/repeats", shape: [3], integers: [1, Int64(repeated.n), 1])
            let tiled = graph.add("Tile", [unsqueeze(keras(sources[0]).name, axis: 1, name: name), repeats], name: name)
            return [LoweredValue(name: tiled, rank: 3, channelsFirst: false)]
        case let distributed as TimeDistributed:
            // The steps become samples: (batch · steps, step shape...), the layer, then (batch, steps, ...).
            let x = keras(sources[0]), steps = distributed.inputShape[0], inner = Array(distributed.inputShape.dropFirst())
            let merged = graph.constant("\(name)/merged_shape", shape: [inner.count + 1], integers: ([-1] + inner).map(Int64.init))
            let samples = LoweredValue(name: graph.add("Reshape", [x.name, merged], name: name), rank: inner.count + 1, channelsFirst: false)
            let y = keras(try lower(distributed.layer, [samples])[0])
            let split = graph.constant("\(name)/split_shape", shape: [distributed.outputShape.count + 1],
                                       integers: ([-1, steps] + distributed.outputShape.dropFirst()).map(Int64.init))
            return [LoweredValue(name: graph.add("Reshape", [y.name, split], name: name), rank: distributed.outputShape.count + 1, channelsFirst: false)]
        case let masking as Masking:
            return [applyMasking(masking, sources[0])]
        case let recurrent as RecurrentLayer:
            guard let mask else { return try recur(recurrent, sources) }
            return try recurMasked(recurrent, sources[0], mask: mask)
        case let bidirectional as Bidirectional:
            return [try recurBothWays(bidirectional, sources[0], mask: mask)]
        case let pooling as GlobalPooling1D where mask != nil && pooling.kind == .average:
            return [averageKeptSteps(pooling, sources[0], mask: mask!)]
        case let prelu as PReLU:
            let x = keras(sources[0])
            return [same(x, graph.add("PRelu", [x.name, weight(prelu.alpha, of: name)], name: name))]
        case let normalization as LayerNormalization:
            return [try normalizeLayer(normalization, keras(sources[0]))]
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
            return [globalPool(channelsFirst(sources[0]), pooling.kind, keepDimensions: pooling.keepDimensions, name: name)]
        case let pooling as GlobalPooling1D:
            return [globalPool(channelsFirst(sources[0]), pooling.kind, keepDimensions: pooling.keepDimensions, name: name)]
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
                       values ?? parameter.tensor.scalars)
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

    /// `value` without `begins` and `ends` positions along its spatial axes (of lengths `spatial`), in its layout.
    private mutating func crop(_ value: LoweredValue, begins: [Int], ends: [Int], spatial: [Int], name: String) -> LoweredValue {
        let first = value.channelsFirst ? 2 : 1
        let starts = graph.constant("\(name)/starts", shape: [begins.count], integers: begins.map(Int64.init))
        let stops = graph.constant("\(name)/ends", shape: [ends.count], integers: zip(spatial, ends).map { Int64($0 - $1) })
        let axes = graph.constant("\(name)/axes", shape: [begins.count], integers: begins.indices.map { Int64(first + $0) })
        return same(value, graph.add("Slice", [value.name, starts, stops, axes], name: name))
    }

    /// A channels-first value's spatial axes `factors` times longer: each position repeated (nearest), or
    /// interpolated between the two nearest with half-pixel centres as TensorFlow's bilinear resize does.
    private mutating func resize(_ x: LoweredValue, by factors: [Int], bilinear: Bool, name: String) -> String {
        let scales = graph.constant("\(name)/scales", shape: [factors.count + 2], [1, 1] + factors.map(Float.init))
        let attributes: [(String, ONNXGraph.Attribute)] = bilinear
            ? [("mode", .string("linear")), ("coordinate_transformation_mode", .string("half_pixel"))]
            : [("mode", .string("nearest")), ("coordinate_transformation_mode", .string("asymmetric")), ("nearest_mode", .string("floor"))]
        return graph.add("Resize", [x.name, "", scales], name: name, attributes: attributes)
    }

    /// The maximum or mean over every spatial axis of a channels-first value: (batch, channels, 1...), which
    /// is Keras's (batch, 1..., channels) with keepdims, else flattened to (batch, channels).
    private mutating func globalPool(_ x: LoweredValue, _ kind: GlobalPooling2D.Kind, keepDimensions: Bool, name: String) -> LoweredValue {
        let pooled = graph.add(kind == .max ? "GlobalMaxPool" : "GlobalAveragePool", [x.name], name: name)
        guard keepDimensions else {
            return LoweredValue(name: graph.add("Flatten", [pooled], name: name, attributes: [("axis", .int(1))]), rank: 2, channelsFirst: false)
        }
        return same(x, pooled)
    }

    /// Zeros around the spatial axes of a channels-first value.
    private mutating func pad(_ x: LoweredValue, begins: [Int], ends: [Int], name: String) -> String {
        let pads = graph.constant("\(name)/pads", shape: [2 * x.rank], integers: ([0, 0] + begins + [0, 0] + ends).map(Int64.init))
        return graph.add("Pad", [x.name, pads], name: name)
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
