import NeuralNet

/// The normalisation layers at inference: Normalization and LayerNormalization as Keras computes them, and
/// BatchNormalization folded into the convolution before it, as this project's own inference does: with the
/// moving statistics fixed the normalisation is `x · factor + offset` per channel, so the Conv node's kernel
/// has each output channel's filter scaled by its factor and its bias becomes `bias · factor + offset`; the
/// normalisation then needs no node of its own.
extension GraphBuilder {
    /// Normalization with its figures, as Keras computes it: `(x - mean) / max(sqrt(variance), 1e-7)`, or
    /// inverted `x · max(sqrt(variance), 1e-7) + mean`; the figures broadcast over the axes not kept.
    mutating func normalizeFeatures(_ normalization: Normalization, _ x: LoweredValue) throws -> LoweredValue {
        let name = normalization.name, rank = x.rank
        let kept = Set(normalization.axes.map { $0 < 0 ? $0 + rank : $0 })
        let figures = normalization.givenMean.map { ($0, normalization.givenVariance ?? []) }
            ?? (normalization.state[0].tensor.scalars,
                normalization.state[1].tensor.scalars)
        let shape = figures.0.count == 1 ? [] : [1] + (1..<rank).map { kept.contains($0) ? normalization.inputShape[$0 - 1] : 1 }
        let mean = graph.constant("\(name)/mean", shape: shape, figures.0)
        let deviation = graph.constant("\(name)/deviation", shape: shape, figures.1.map { max($0.squareRoot(), 1e-7) })
        let y = normalization.invert ? graph.add("Add", [graph.add("Mul", [x.name, deviation], name: name), mean], name: name)
            : graph.add("Div", [graph.add("Sub", [x.name, mean], name: name), deviation], name: name)
        return same(x, y)
    }

    /// LayerNormalization over trailing axes: ONNX's own operator (opset 17 and later), the scale and offset
    /// shaped as those axes.
    mutating func normalizeLayer(_ normalization: LayerNormalization, _ x: LoweredValue) throws -> LoweredValue {
        let name = normalization.name, rank = x.rank
        guard opset >= 17 else { throw ONNXExportError(object: "layer \(name)", reason: "LayerNormalization needs --opset 17 or later") }
        let first = normalization.axes.map { $0 < 0 ? $0 + rank : $0 }.min() ?? rank - 1
        let shape = Array(normalization.inputShape[(first - 1)...])
        let count = shape.reduce(1, *)
        var inputs = [x.name, normalization.gamma.map { weight($0, of: name, shape: shape) }
                        ?? graph.constant("\(name)/gamma", shape: shape, [Float](repeating: 1, count: count))]
        if let beta = normalization.beta { inputs.append(weight(beta, of: name, shape: shape)) }
        return same(x, graph.add("LayerNormalization", inputs, name: name, attributes: [("axis", .int(first)), ("epsilon", .float(normalization.epsilon))]))
    }

    /// BatchNormalization at inference, `x · factor + offset` per channel from the moving statistics: ONNX's
    /// own operator over the channels, a broadcast product and sum over any other axis.
    mutating func normalize(_ normalization: BatchNormalization, _ source: LoweredValue) throws -> LoweredValue {
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

    /// Folds `normalization` into the Conv node computing `source`, when that node has no activation after it,
    /// the normalisation is over the channels and nothing else reads the convolution's output; false otherwise.
    mutating func fold(_ normalization: BatchNormalization, into source: LoweredValue, consumers: Int) -> Bool {
        let rank = normalization.inputShape.count + 1
        guard consumers == 1, normalization.axis == -1 || normalization.axis == rank - 1,
              let index = foldableConvolutions[source.name] else { return false }
        let (factor, offset) = normalization.inferenceScaleAndShift
        let conv = graph.nodes[index]
        guard let kernel = graph.initializers.firstIndex(where: { $0.name == conv.inputs[1] }),
              let kernelValues = graph.initializers[kernel].floats else { return false }
        // ONNX's kernel is (output channels, ...): each output channel's filter is one contiguous block.
        let block = kernelValues.count / factor.count
        graph.initializers[kernel].floats = kernelValues.enumerated().map { $1 * factor[$0 / block] }
        let bias = conv.inputs.count > 2 ? graph.initializers.first(where: { $0.name == conv.inputs[2] })?.floats : nil
        let foldedBias = factor.indices.map { (bias?[$0] ?? 0) * factor[$0] + offset[$0] }
        let biasName = graph.constant("\(normalization.name)/folded_bias", shape: [factor.count], foldedBias)
        graph.nodes[index].inputs = Array(conv.inputs.prefix(2)) + [biasName]
        if let stale = conv.inputs.dropFirst(2).first { graph.initializers.removeAll { $0.name == stale } }
        foldableConvolutions[source.name] = nil
        return true
    }
}
